//! Buyers and the blacklist (issue #18 item 5): `--buyer` on add, track and dispute open; flag,
//! unflag, the warning and `--strict`'s exit 4; `vault buyers`; sharing the blacklist as CSV;
//! erasing a buyer's personal data with every chain still whole.

use crate::common;

use common::Env;
use serde_json::Value;

const ORDER: &str = "8123456789012345";
const BUYER: &str = "cn1029384756";

fn buyer<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["buyers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {v}"))
}

/// Every file under `dir`, as bytes, by path.
fn all_bytes(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// A photo filed under ORDER for BUYER (named), and BUYER flagged for `reason` about ORDER.
fn filed_and_flagged(env: &Env, reason: &str) {
    let photo = env.write("in/IMG_1.jpg", &common::jpeg_bytes(1));
    env.vault()
        .args(["add", "-q", "--order", ORDER, "--buyer", BUYER])
        .args(["--buyer-name", "Wang Fang"])
        .arg(&photo)
        .assert()
        .success();
    env.vault()
        .args(["buyer", "flag", BUYER, "--reason", reason, "--order", ORDER])
        .assert()
        .success();
}

/// A photo filed for BUYER under another order: the run's output.
fn next_order_of_the_buyer(env: &Env) -> std::process::Output {
    let other = env.write("in/IMG_2.jpg", &common::jpeg_bytes(2));
    env.vault()
        .args(["add", "-q", "--order", "8123456789012399", "--buyer", BUYER])
        .arg(&other)
        .output()
        .unwrap()
}

#[test]
fn a_flagged_buyer_is_warned_about_and_strict_exits_4() {
    let env = Env::new();
    filed_and_flagged(&env, "claimed an empty parcel twice");

    // The next order of the same buyer: filed all the same, with a warning; --strict exits 4.
    let out = next_order_of_the_buyer(&env);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "warning: buyer cn1029384756 is on the blacklist: claimed an empty parcel twice"
        ),
        "{err}"
    );
    // A document raises no warning of its own: the exit code is the blacklist's.
    let third = env.write("in/invoice-3.txt", b"Invoice 3: 1 x phone case");
    env.vault()
        .args([
            "add",
            "-q",
            "--strict",
            "--order",
            "8123456789012377",
            "--buyer",
            BUYER,
        ])
        .arg(&third)
        .assert()
        .code(4);
    let (show, _) = env.json(&["show", "8123456789012377"]);
    assert_eq!(
        show["items"].as_array().unwrap().len(),
        1,
        "stored all the same"
    );
    env.vault()
        .args([
            "dispute",
            "open",
            ORDER,
            "--platform",
            "aliexpress",
            "--reason",
            "not-received",
        ])
        .args(["--buyer", BUYER, "--strict"])
        .assert()
        .code(4);
    let (due, _) = env.json(&["due"]);
    assert_eq!(
        due["disputes"].as_array().unwrap().len(),
        1,
        "recorded: {due}"
    );
    // track --buyer warns too.
    let out = env
        .vault()
        .args([
            "track",
            ORDER,
            "--carrier",
            "cainiao",
            "--number",
            "LP001",
            "--buyer",
            BUYER,
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("on the blacklist"));

    // vault buyers: the buyer's orders and disputes, flagged with the reason.
    env.vault()
        .args([
            "dispute",
            "close",
            ORDER,
            "--outcome",
            "refunded",
            "--amount",
            "19.90",
            "--currency",
            "USD",
        ])
        .assert()
        .success();
    let (v, code) = env.json(&["buyers"]);
    assert_eq!(code, 0, "{v}");
    let b = buyer(&v, BUYER);
    assert_eq!(b["name"], "Wang Fang");
    assert_eq!(b["flagged"], true);
    assert_eq!(b["reason"], "claimed an empty parcel twice");
    assert_eq!(b["orders"].as_array().unwrap().len(), 3);
    assert_eq!(b["disputes"]["opened"], 1);
    assert_eq!(b["disputes"]["refunded"], 1);
    assert_eq!(b["disputes"]["amount_refunded"]["USD"], "19.90");
    let out = env.vault().args(["buyers", "--flagged"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("FLAGGED  cn1029384756 (Wang Fang)  3 order(s), 1 dispute(s)"),
        "{text}"
    );
    assert!(text.contains("paid back 19.90 USD"), "{text}");

    // Unflagged: no warning any more; unflagging again is a usage error.
    env.vault()
        .args([
            "buyer",
            "unflag",
            BUYER,
            "--reason",
            "resolved with the buyer",
        ])
        .assert()
        .success();
    let fourth = env.write("in/invoice-4.txt", b"Invoice 4: 1 x phone case");
    let out = env
        .vault()
        .args([
            "add",
            "-q",
            "--strict",
            "--order",
            "8123456789012388",
            "--buyer",
            BUYER,
        ])
        .arg(&fourth)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("blacklist"));
    env.vault()
        .args(["buyer", "unflag", BUYER, "--reason", "again"])
        .assert()
        .code(2);
    let (v, _) = env.json(&["buyers", "--flagged"]);
    assert_eq!(v["buyers"], serde_json::json!([]));
    env.vault().arg("verify").assert().success();
}

#[test]
fn a_blacklist_travels_as_csv_between_shops() {
    let a = Env::new();
    for (id, why) in [
        ("cn111", "empty-box claims"),
        ("de-222", "says \"never arrived\", signed for it"),
    ] {
        a.vault()
            .args(["buyer", "flag", id, "--reason", why])
            .assert()
            .success();
    }
    let out = a.vault().args(["buyer", "export"]).output().unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("buyer_id,reason,flagged_at\n"), "{csv}");
    assert!(
        csv.contains("de-222,\"says \"\"never arrived\"\", signed for it\","),
        "quoted as RFC 4180: {csv}"
    );

    let b = Env::new();
    let file = b.write("blacklist.csv", csv.as_bytes());
    let (v, code) = b.json(&["buyer", "import", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["imported"], 2);
    let (v, _) = b.json(&["buyers", "--flagged"]);
    assert_eq!(
        buyer(&v, "de-222")["reason"],
        "imported from blacklist.csv: says \"never arrived\", signed for it"
    );
    // Again: nothing new.
    let (v, _) = b.json(&["buyer", "import", file.to_str().unwrap()]);
    assert_eq!(
        (v["imported"].as_u64(), v["already_flagged"].as_u64()),
        (Some(0), Some(2))
    );
    // One ID twice in a file: flagged once, in one append; the chain stays whole.
    let twice = b.write("twice.csv", b"buyer_id,reason\nfr-3,a\nfr-3,b\nfr-4,c\n");
    let (v, _) = b.json(&["buyer", "import", twice.to_str().unwrap()]);
    assert_eq!(
        (
            v["imported"].as_u64(),
            v["already_flagged"].as_u64(),
            v["seq"].as_u64()
        ),
        (Some(2), Some(1), Some(3)),
        "{v}"
    );
    b.vault().arg("verify").assert().success();
    // A file that is not a blacklist names itself and what is wrong.
    let bad = b.write("bad.csv", b"name,reason\nx,y\n");
    let out = b
        .vault()
        .args(["buyer", "import"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv") && err.contains("no buyer_id column"),
        "{err}"
    );
}

#[test]
fn forgetting_a_buyer_erases_their_id_and_name_and_every_chain_still_verifies() {
    let env = Env::new();
    filed_and_flagged(&env, "empty-box claims");
    // Hashed records hold the key only; the ID and name are in the erasable table.
    for (path, bytes) in all_bytes(&env.vault_dir()) {
        let text = String::from_utf8_lossy(&bytes);
        if path.ends_with("buyers/people.json") {
            assert!(text.contains(BUYER) && text.contains("Wang Fang"));
        } else {
            assert!(
                !text.contains(BUYER) && !text.contains("Wang Fang"),
                "{} holds personal data",
                path.display()
            );
        }
    }
    let (v, code) = env.json(&["buyer", "forget", BUYER]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["erased"], true);
    for (path, bytes) in all_bytes(&env.vault_dir()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(BUYER) && !text.contains("Wang Fang"),
            "{} still holds personal data",
            path.display()
        );
    }
    env.vault().arg("verify").assert().success();
    // Still flagged, by key; a new order from the same ID still matches the flag.
    let (v, _) = env.json(&["buyers", "--flagged"]);
    let b = &v["buyers"][0];
    assert!(
        b["id"].is_null() && b["key"].as_str().unwrap().starts_with("b-"),
        "{v}"
    );
    let out = next_order_of_the_buyer(&env);
    assert!(String::from_utf8_lossy(&out.stderr).contains("on the blacklist"));
}

#[test]
fn an_edited_blacklist_fails_verify() {
    let env = Env::new();
    for id in ["a1", "a2"] {
        env.vault()
            .args(["buyer", "flag", id, "--reason", "r"])
            .assert()
            .success();
    }
    let path = env.vault_dir().join("buyers/flags.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"reason\":\"r\"", "\"reason\":\"x\"", 1),
    )
    .unwrap();
    let (v, code) = env.json(&["verify"]);
    assert_eq!(code, 3, "{v}");
    assert!(v["problems"].to_string().contains("flags.jsonl"), "{v}");
    // And flagging refuses to chain onto it.
    env.vault()
        .args(["buyer", "flag", "a3", "--reason", "r"])
        .assert()
        .code(2);
}

/// A bad buyer ID, or `--buyer` with `--order-from` (one buyer for orders not named yet), is a
/// usage error (exit 2) that files nothing and leaves what was stored as it was.
#[test]
fn bad_buyer_arguments_are_usage_errors_that_store_nothing() {
    let env = Env::new();
    filed_and_flagged(&env, "empty-box claims");
    let before = all_bytes(&env.vault_dir());
    let photo = env.write("in/ORDER-55/IMG_9.jpg", &common::jpeg_bytes(9));
    env.vault()
        .args([
            "add",
            "-q",
            "--order-from",
            r"(ORDER-\d+)",
            "--buyer",
            BUYER,
        ])
        .arg(&photo)
        .assert()
        .code(2);
    env.vault()
        .args(["add", "-q", "--order", ORDER, "--buyer", "a\u{7}b"])
        .arg(&photo)
        .assert()
        .code(2);
    env.vault()
        .args(["buyer", "flag", "", "--reason", "x"])
        .assert()
        .code(2);
    env.vault()
        .args(["buyer", "flag", BUYER, "--reason", "  "])
        .assert()
        .code(2);
    assert_eq!(
        all_bytes(&env.vault_dir()),
        before,
        "nothing stored or changed"
    );
    env.vault().arg("verify").assert().success();
}

/// Two processes remembering new buyers at once both keep theirs: the people table is read and
/// rewritten under its lock. The first waits a second between reading and writing the table
/// (failpoint `people-read`) while the second runs into that window.
#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `cargo test --features failpoints`"
)]
fn buyers_remembered_at_once_are_all_kept() {
    let env = Env::new();
    let a = env.write("in/a.txt", b"a\n");
    let b = env.write("in/b.txt", b"b\n");
    // The salt exists first: the race under test is the table's, not the salt's.
    env.vault()
        .args(["buyer", "flag", "someone", "--reason", "setup"])
        .assert()
        .success();
    let mut slow = std::process::Command::new(assert_cmd::cargo::cargo_bin("vault"));
    slow.env("VAULT_DIR", env.vault_dir())
        .env("VAULT_NO_PROGRESS", "1")
        .env("HOME", env.path("home"))
        .env("USER", "tester")
        .current_dir(env.dir.path())
        .env("VAULT_FAILPOINT", "people-read")
        .args(["add", "-q", "--order", "7001", "--buyer", "first-buyer"])
        .arg(&a);
    let mut slow = slow.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    env.vault()
        .args(["add", "-q", "--order", "7002", "--buyer", "second-buyer"])
        .arg(&b)
        .assert()
        .success();
    assert!(slow.wait().unwrap().success());
    let (v, code) = env.json(&["buyers"]);
    assert_eq!(code, 0, "{v}");
    for id in ["first-buyer", "second-buyer"] {
        assert_eq!(buyer(&v, id)["orders"].as_array().unwrap().len(), 1, "{v}");
    }
}

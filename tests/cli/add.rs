//! `vault init` and `vault add`, driven through the real binary.

use crate::common;

use std::fs;

use common::{Env, jpeg_bytes, sha256_hex};
use predicates::prelude::*;
use serde_json::Value;

const ORDER: &str = "8123456789012345";

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

#[test]
fn add_reports_each_item_and_stores_the_exact_bytes() {
    let env = Env::new();
    let photo = env.write("in/IMG_0001.jpg", &jpeg_bytes(1));
    let chat = env.write(
        "in/chat.txt",
        b"12/31/24, 9:41 PM - Ann: is it shipped?\n12/31/24, 9:42 PM - Bob: yes\n",
    );
    let (v, code) = env.json(&[
        "add",
        "--order",
        ORDER,
        "--note",
        "sealed box",
        "--by",
        "packer-3",
        photo.to_str().unwrap(),
        chat.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["command"], "add");
    let it = items(&v);
    assert_eq!(it.len(), 2);
    assert_eq!(it[0]["order"], ORDER);
    assert_eq!(it[0]["sha256"], sha256_hex(&jpeg_bytes(1)));
    assert_eq!(it[0]["size"], jpeg_bytes(1).len());
    assert_eq!(it[0]["kind"], "photo");
    assert_eq!(it[0]["media_type"], "image/jpeg");
    assert_eq!(it[0]["name"], "IMG_0001.jpg");
    assert_eq!(it[0]["status"], "added");
    assert_eq!(it[1]["kind"], "chat");
    let obj = env.object_path(&sha256_hex(&jpeg_bytes(1)));
    assert_eq!(fs::read(&obj).unwrap(), jpeg_bytes(1));
    assert!(fs::metadata(&obj).unwrap().permissions().readonly());

    let (show, code) = env.json(&["show", ORDER]);
    assert_eq!(code, 0);
    let si = items(&show);
    assert_eq!(si[0]["by"], "packer-3");
    assert_eq!(si[0]["note"], "sealed box");
    assert!(si[0]["added_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        show["ledger"][0]["tool"],
        format!("evidence-vault {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(show["chain"]["intact"], true);
}

#[test]
fn same_bytes_are_stored_once_and_reported_duplicate_per_order() {
    let env = Env::new();
    let a = env.write("a.jpg", &jpeg_bytes(7));
    let b = env.write("copy-of-a.jpg", &jpeg_bytes(7));
    let (v, _) = env.json(&[
        "add",
        "--order",
        ORDER,
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(items(&v)[0]["status"], "added");
    assert_eq!(items(&v)[1]["status"], "duplicate");
    let (v, _) = env.json(&["add", "--order", ORDER, a.to_str().unwrap()]);
    assert_eq!(items(&v)[0]["status"], "duplicate");
    // Another order files the same bytes as a new item but the store holds one object.
    let (v, _) = env.json(&["add", "--order", "OTHER-1", a.to_str().unwrap()]);
    assert_eq!(items(&v)[0]["status"], "added");
    assert_eq!(env.objects().len(), 1);
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(items(&show).len(), 1);
    assert_eq!(show["chain"]["entries"], 1);
}

#[test]
fn invalid_order_ids_are_usage_errors_that_say_why() {
    let env = Env::new();
    let f = env.write("a.jpg", b"x");
    for (id, why) in [
        ("../etc", "starts with '.'"),
        ("a/b", "only letters"),
        ("", "empty"),
        (&"1".repeat(65)[..], "longer than 64"),
    ] {
        env.vault()
            .args(["add", "--order", id, f.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(why));
    }
    assert!(env.objects().is_empty());
}

#[test]
fn an_explicit_dir_without_a_vault_is_an_error_with_the_init_hint() {
    let env = Env::bare();
    let f = env.write("a.jpg", b"x");
    env.vault()
        .args(["add", "--order", ORDER, f.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no vault here"))
        .stderr(predicate::str::contains("vault init"));
    assert!(
        !env.vault_dir().exists(),
        "a typo must not create a second vault"
    );
    let (v, code) = env.json(&["list"]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "no_vault");
    assert!(v["error"]["hint"].as_str().unwrap().contains("vault init"));
}

#[test]
fn the_default_vault_is_created_on_first_use() {
    let env = Env::bare();
    let f = env.write("a.jpg", &jpeg_bytes(1));
    let xdg = env.path("xdg");
    env.vault()
        .env_remove("VAULT_DIR")
        .env("XDG_DATA_HOME", &xdg)
        .args(["add", "--order", ORDER, f.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("created a new vault"));
    assert!(xdg.join("vault/vault.json").is_file());
    // Without XDG_DATA_HOME: ~/.local/share/vault
    env.vault()
        .env_remove("VAULT_DIR")
        .args(["add", "--order", ORDER, f.to_str().unwrap()])
        .assert()
        .success();
    assert!(env.path("home/.local/share/vault/vault.json").is_file());
}

#[test]
fn init_is_idempotent_and_refuses_a_non_empty_foreign_dir() {
    let env = Env::new();
    let id1 = fs::read_to_string(env.vault_dir().join("vault.json")).unwrap();
    env.vault()
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("already a vault"));
    assert_eq!(
        fs::read_to_string(env.vault_dir().join("vault.json")).unwrap(),
        id1
    );
    env.write("stuff/file.txt", b"mine");
    env.vault()
        .args(["init", env.path("stuff").to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a vault"));
    assert_eq!(fs::read(env.path("stuff/file.txt")).unwrap(), b"mine");
}

#[test]
fn standard_input_needs_a_name_and_is_filed_under_it() {
    let env = Env::new();
    env.vault()
        .args(["add", "--order", ORDER, "-"])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--name"));
    let payload = br#"{"data":{"tracking":{"checkpoints":[{"tag":"Delivered"}]}}}"#;
    let out = env
        .vault()
        .args([
            "--json",
            "add",
            "--order",
            ORDER,
            "--name",
            "aftership-2026-11-22.json",
            "-",
        ])
        .write_stdin(&payload[..])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items(&v)[0]["name"], "aftership-2026-11-22.json");
    assert_eq!(items(&v)[0]["kind"], "tracking");
    assert_eq!(items(&v)[0]["sha256"], sha256_hex(payload));
    assert_eq!(items(&v)[0]["source"], "-");
}

#[test]
fn walks_sorted_skips_symlinks_and_hidden_files() {
    let env = Env::new();
    env.write("drop/b.jpg", &jpeg_bytes(2));
    env.write("drop/a.jpg", &jpeg_bytes(1));
    env.write("drop/sub/c.jpg", &jpeg_bytes(3));
    env.write("drop/.DS_Store", b"junk");
    env.write("drop/.partial/x.jpg", &jpeg_bytes(4));
    env.write("outside/secret.txt", b"not evidence");
    std::os::unix::fs::symlink(env.path("outside"), env.path("drop/link-dir")).unwrap();
    std::os::unix::fs::symlink(env.path("outside/secret.txt"), env.path("drop/link.txt")).unwrap();
    let (v, code) = env.json(&["add", "--order", ORDER, "drop"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = items(&v)
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.jpg", "b.jpg", "c.jpg"]);
    let skipped: Vec<(String, String)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        skipped.contains(&(
            "drop/link-dir".into(),
            "symbolic link (not followed)".into()
        )),
        "{skipped:?}"
    );
    assert!(skipped.contains(&(
        "drop/link.txt".into(),
        "symbolic link (not followed)".into()
    )));
    assert!(skipped.contains(&("drop/.DS_Store".into(), "hidden file".into())));
    assert!(skipped.contains(&("drop/.partial".into(), "hidden directory".into())));
    assert_eq!(env.objects().len(), 3);
}

#[test]
fn order_from_takes_the_first_capture_group_and_lists_what_does_not_match() {
    let env = Env::new();
    env.write("drop/8000000000000001/IMG_1.jpg", &jpeg_bytes(1));
    env.write("drop/8000000000000002/station-3/IMG_2.jpg", &jpeg_bytes(2));
    env.write("drop/unsorted/IMG_3.jpg", &jpeg_bytes(3));
    env.write("drop/ORD-bad!id/IMG_4.jpg", &jpeg_bytes(4));
    let (v, code) = env.json(&["add", "--order-from", r"^([^/]+)/", "drop"]);
    assert_eq!(code, 1, "an invalid captured order id is a failure: {v}");
    let orders: Vec<&str> = items(&v)
        .iter()
        .map(|i| i["order"].as_str().unwrap())
        .collect();
    assert_eq!(orders, ["8000000000000001", "8000000000000002", "unsorted"]);
    assert!(
        v["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("invalid order id")
    );
    assert!(env.path("drop/ORD-bad!id/IMG_4.jpg").exists());

    let (v, code) = env.json(&["add", "--order-from", r"^(\d{16})/", "drop"]);
    assert_eq!(code, 0);
    let unmatched: Vec<&str> = v["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        unmatched,
        ["drop/ORD-bad!id/IMG_4.jpg", "drop/unsorted/IMG_3.jpg"]
    );
    assert!(items(&v).iter().all(|i| i["status"] == "duplicate"));

    env.vault()
        .args(["add", "--order-from", r"^\d{16}/", "drop"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("capture group"));
    env.vault()
        .args(["add", "--order-from", r"^(\d{16}", "drop"])
        .assert()
        .code(2);
}

#[test]
fn one_failing_file_does_not_stop_the_others() {
    let env = Env::new();
    let a = env.write("a.jpg", &jpeg_bytes(1));
    let c = env.write("c.jpg", &jpeg_bytes(3));
    let missing = env.path("b-vanished.jpg");
    let (v, code) = env.json(&[
        "add",
        "--order",
        ORDER,
        a.to_str().unwrap(),
        missing.to_str().unwrap(),
        c.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(items(&v).len(), 2);
    assert_eq!(v["failed"][0]["path"], missing.to_str().unwrap());
    assert_eq!(v["failed"][0]["error"], "no such file or directory");
    env.vault()
        .args(["add", "--order", ORDER, missing.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "b-vanished.jpg: no such file or directory",
        ));
}

#[test]
fn move_removes_sources_only_once_filed() {
    let env = Env::new();
    env.write("drop/8000000000000001/a.jpg", &jpeg_bytes(1));
    env.write("drop/8000000000000001/b.jpg", &jpeg_bytes(2));
    env.write("drop/8000000000000001/dup-of-a.jpg", &jpeg_bytes(1));
    env.write("drop/unsorted.jpg", &jpeg_bytes(3));
    let (v, code) = env.json(&["add", "--order-from", r"^(\d{16})/", "--move", "drop"]);
    assert_eq!(code, 0, "{v}");
    assert!(items(&v).iter().all(|i| i["moved"] == true));
    assert!(!env.path("drop/8000000000000001/a.jpg").exists());
    assert!(!env.path("drop/8000000000000001/dup-of-a.jpg").exists());
    assert!(
        env.path("drop/unsorted.jpg").exists(),
        "unmatched files are left alone"
    );
    env.vault().arg("verify").assert().success();
}

#[test]
fn move_never_deletes_from_the_vault_itself() {
    let env = Env::new();
    let a = env.write("a.jpg", &jpeg_bytes(1));
    env.vault()
        .args(["add", "--order", ORDER, a.to_str().unwrap()])
        .assert()
        .success();
    let obj = env.object_path(&sha256_hex(&jpeg_bytes(1)));
    let (v, _) = env.json(&["add", "--order", "OTHER", "--move", obj.to_str().unwrap()]);
    assert_eq!(v["skipped"][0]["reason"], "inside the vault");
    let (v, _) = env.json(&[
        "add",
        "--order",
        "OTHER",
        "--move",
        env.vault_dir().to_str().unwrap(),
    ]);
    assert_eq!(v["skipped"][0]["reason"], "inside the vault");
    assert!(obj.exists());
    env.vault().arg("verify").assert().success();
}

#[test]
fn kind_can_be_forced() {
    let env = Env::new();
    let shot = env.write("screenshot.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let (v, _) = env.json(&[
        "add",
        "--order",
        ORDER,
        "--kind",
        "tracking",
        shot.to_str().unwrap(),
    ]);
    assert_eq!(items(&v)[0]["kind"], "tracking");
    assert_eq!(items(&v)[0]["media_type"], "image/png");
    env.vault()
        .args([
            "add",
            "--order",
            ORDER,
            "--kind",
            "picture",
            shot.to_str().unwrap(),
        ])
        .assert()
        .code(2);
}

#[test]
fn hostile_names_are_kept_exactly_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let dir = env.path("drop");
    fs::create_dir_all(&dir).unwrap();
    let names: [&[u8]; 4] = [
        b"packing photo 1.jpg",
        b"evil\nname.jpg",
        b"caf\xe9-latin1.jpg",
        "invoice\u{202e}gpj.exe".as_bytes(),
    ];
    for (i, n) in names.iter().enumerate() {
        fs::write(
            dir.join(std::ffi::OsStr::from_bytes(n)),
            jpeg_bytes(i as u8),
        )
        .unwrap();
    }
    let out = env
        .vault()
        .args(["add", "--order", ORDER, "drop"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        4,
        "one line per item, names escaped:\n{stdout}"
    );
    assert!(stdout.contains("evil\\nname.jpg"));
    assert!(stdout.contains("caf\\xe9-latin1.jpg"));
    assert!(stdout.contains("invoice\\u{202e}gpj.exe"));
    assert!(!stdout.contains('\u{202e}'));

    let (show, _) = env.json(&["show", ORDER]);
    let latin = items(&show)
        .iter()
        .find(|i| i["name"].as_str().unwrap().starts_with("caf"))
        .unwrap();
    assert_eq!(latin["name_bytes_hex"], "636166e92d6c6174696e312e6a7067");
    let evil = items(&show)
        .iter()
        .find(|i| i["name"].as_str().unwrap().starts_with("evil"))
        .unwrap();
    assert_eq!(evil["name"], "evil\nname.jpg");
    let human = env.vault().args(["show", ORDER]).output().unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(!text.contains('\u{202e}') && text.contains("evil\\nname.jpg"));
    env.vault().arg("verify").assert().success();
}

#[test]
fn concurrent_adds_to_one_order_lose_nothing() {
    let env = Env::new();
    let mut children = Vec::new();
    for p in 0..4u8 {
        for i in 0..25u8 {
            env.write(&format!("in{p}/f{i}.jpg"), &jpeg_bytes(p * 25 + i));
        }
    }
    for p in 0..4 {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("vault"));
        c.env("VAULT_DIR", env.vault_dir())
            .env("VAULT_NO_PROGRESS", "1")
            .current_dir(env.dir.path())
            .args(["add", "--order", ORDER, &format!("in{p}")]);
        children.push(c.spawn().unwrap());
    }
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let (show, code) = env.json(&["show", ORDER]);
    assert_eq!(code, 0);
    assert_eq!(items(&show).len(), 100);
    assert_eq!(show["chain"]["intact"], true);
    env.vault().arg("verify").assert().success();
}

#[test]
fn min_age_leaves_files_still_being_written() {
    let env = Env::new();
    env.write("drop/8000000000000001/old.jpg", &jpeg_bytes(1));
    let old = fs::File::options()
        .write(true)
        .open(env.path("drop/8000000000000001/old.jpg"))
        .unwrap();
    old.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(600))
        .unwrap();
    drop(old);
    env.write("drop/8000000000000001/fresh.jpg", &jpeg_bytes(2));
    let (v, code) = env.json(&[
        "add",
        "--order-from",
        r"^(\d{16})/",
        "--move",
        "--min-age",
        "2m",
        "drop",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(items(&v).len(), 1);
    assert_eq!(items(&v)[0]["name"], "old.jpg");
    assert!(
        v["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("younger than --min-age")
    );
    assert!(env.path("drop/8000000000000001/fresh.jpg").exists());
    assert!(!env.path("drop/8000000000000001/old.jpg").exists());
    env.vault()
        .args(["add", "--order", "A", "--min-age", "5 weeks", "drop"])
        .assert()
        .code(2);
}

/// A ledger write that fails after part of the batch reached the file (a disk filling up) leaves
/// no line behind: what was reported "not filed" is not in the ledger, the chain stays clean, and a
/// re-run files everything.
#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `cargo test --features failpoints`"
)]
fn a_ledger_write_that_fails_partway_leaves_no_line_behind() {
    let env = Env::new();
    let a = env.write("in/a.jpg", &jpeg_bytes(1));
    let b = env.write("in/b.jpg", &jpeg_bytes(2));
    env.vault()
        .args(["add", "--order", "8123456789012345"])
        .arg(&a)
        .assert()
        .success();
    let before = fs::read(env.ledger("8123456789012345")).unwrap();
    let out = env
        .vault()
        .env("VAULT_FAILPOINT", "ledger-write-torn")
        .args(["--json", "add", "--order", "8123456789012345"])
        .arg(&b)
        .arg(env.write("in/c.jpg", &jpeg_bytes(3)))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failed"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(
        fs::read(env.ledger("8123456789012345")).unwrap(),
        before,
        "the ledger is exactly as it was"
    );
    env.vault().arg("verify").assert().success();
    env.vault()
        .args(["add", "--order", "8123456789012345", "in"])
        .assert()
        .success();
    let (show, _) = env.json(&["show", "8123456789012345"]);
    assert_eq!(show["items"].as_array().unwrap().len(), 3);
}

/// Two cron jobs starting in the same minute on a fresh machine both create the default vault:
/// both succeed, and there is one vault.
#[test]
fn concurrent_first_use_of_the_default_vault_succeeds_for_everyone() {
    let env = Env::bare();
    let data = env.path("xdg");
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("vault"))
                .env_clear()
                .env("XDG_DATA_HOME", &data)
                .env("HOME", env.path("home"))
                .env("VAULT_NO_PROGRESS", "1")
                .args(["--json", "list"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let vault = data.join("vault");
    assert!(vault.join("vault.json").is_file());
    let leftovers: Vec<_> = fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "vault")
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

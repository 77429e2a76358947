//! `vault verify`: a clean vault passes; every kind of damage is found, named, and exits 3.

use crate::common;

use std::fs;
use std::io::Write;

use common::{Env, jpeg_bytes, make_writable, sha256_hex};
use predicates::prelude::*;
use serde_json::Value;

const ORDER: &str = "8123456789012345";

fn filled() -> Env {
    let env = Env::new();
    let a = env.write("in/a.jpg", &jpeg_bytes(1));
    let b = env.write("in/b.jpg", &jpeg_bytes(2));
    let c = env.write("in/c.jpg", &jpeg_bytes(3));
    env.vault()
        .args([
            "add",
            "--order",
            ORDER,
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            c.to_str().unwrap(),
        ])
        .assert()
        .success();
    env.vault()
        .args(["add", "--order", "OTHER-9", c.to_str().unwrap()])
        .assert()
        .success();
    env
}

fn problems(env: &Env, extra: &[&str]) -> (Vec<Value>, i32) {
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let (v, code) = env.json(&args);
    assert_eq!(v["schema_version"], 1);
    (v["problems"].as_array().unwrap().clone(), code)
}

#[test]
fn a_clean_vault_verifies() {
    let env = filled();
    let (v, code) = env.json(&["verify"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["orders_checked"], 2);
    assert_eq!(v["entries_checked"], 4);
    assert_eq!(v["objects_checked"], 3);
    assert!(v["problems"].as_array().unwrap().is_empty());
    env.vault()
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("OK: 2 order(s)"));
}

#[test]
fn a_flipped_byte_is_corrupt_for_every_order_that_files_it() {
    let env = filled();
    let obj = env.object_path(&sha256_hex(&jpeg_bytes(3)));
    make_writable(&obj);
    let mut bytes = fs::read(&obj).unwrap();
    bytes[100] ^= 1;
    fs::write(&obj, bytes).unwrap();
    let (p, code) = problems(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter()
            .all(|p| p["kind"] == "corrupt" && p["path"] == obj.to_str().unwrap())
    );
    assert_eq!(p[0]["order"], ORDER);
    assert_eq!(p[0]["line"], 3);
    assert_eq!(p[1]["order"], "OTHER-9");
    // Human form: one line per problem naming order, entry, path, what.
    env.vault()
        .arg("verify")
        .assert()
        .code(3)
        .stdout(predicate::str::contains(format!(
            "corrupt     {ORDER}  line 3  {}  content hashes to",
            obj.display()
        )))
        .stdout(predicate::str::contains("FAILED: 2 problem(s)"));
    // Scoped to one order that files it: still found.
    let (_, code) = problems(&env, &["--order", "8123456789012345"]);
    assert_eq!(code, 3);
}

#[test]
fn a_missing_object_is_reported() {
    let env = filled();
    let obj = env.object_path(&sha256_hex(&jpeg_bytes(2)));
    fs::remove_file(&obj).unwrap();
    let (p, code) = problems(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["kind"], "missing");
    assert_eq!(p[0]["order"], ORDER);
    assert_eq!(p[0]["line"], 2);
    let (_, code) = problems(&env, &["--order", "OTHER-9"]);
    assert_eq!(code, 0, "the other order is intact");
}

#[test]
fn edited_removed_and_appended_ledger_lines_are_tampering() {
    type Edit = fn(&mut Vec<String>);
    let edits: [(&str, Edit); 4] = [
        ("edit", |l| l[0] = l[0].replace("a.jpg", "x.jpg")),
        ("remove", |l| {
            l.remove(1);
        }),
        ("reorder", |l| l.swap(0, 1)),
        ("forge", |l| {
            let forged = l[2].replace("\"seq\":2", "\"seq\":3");
            l.push(forged)
        }),
    ];
    for (name, edit) in edits {
        let env = filled();
        let path = env.ledger(ORDER);
        let text = fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        edit(&mut lines);
        fs::write(&path, lines.join("\n") + "\n").unwrap();
        let (p, code) = problems(&env, &[]);
        assert_eq!(code, 3, "{name}");
        assert!(
            p.iter()
                .any(|p| p["kind"] == "tampered" && p["order"] == ORDER),
            "{name}: {p:?}"
        );
        env.vault()
            .args(["show", ORDER])
            .assert()
            .code(3)
            .stderr(predicate::str::contains("ledger of"));
    }
}

/// Adding to an order whose ledger was tampered with files the new evidence (nothing is
/// refused) but says so, naming the ledger and the first broken line; `--strict` makes it fail.
#[test]
fn adding_to_a_tampered_ledger_warns_and_still_files() {
    let env = filled();
    let path = env.ledger(ORDER);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replacen("a.jpg", "x.jpg", 1)).unwrap();
    // Plain text: no warning of its own.
    let d = env.write("in/d.txt", b"packing list");
    let (v, code) = env.json(&["add", "--order", ORDER, d.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["items"][0]["status"], "added");
    let w = v["warnings"].as_array().unwrap();
    assert!(
        w.iter().any(|w| {
            let w = w.as_str().unwrap();
            w.contains("ledger.jsonl")
                && w.contains("chain is broken")
                && w.contains(&format!("vault verify --order {ORDER}"))
        }),
        "{v}"
    );
    assert_eq!(w.len(), 1, "{v}");
    let e = env.write("in/e.txt", b"label");
    env.vault()
        .args(["add", "--strict", "--order", ORDER, e.to_str().unwrap()])
        .assert()
        .failure();
    // The break is still there for verify; the other order is untouched and adds quietly.
    assert_eq!(problems(&env, &[]).1, 3);
    let f = env.write("in/f.txt", b"invoice");
    let (v, code) = env.json(&["add", "--strict", "--order", "OTHER-9", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert!(v["warnings"].as_array().unwrap().is_empty(), "{v}");
}

#[test]
fn an_interrupted_append_is_a_note_and_the_next_add_completes_the_ledger() {
    // A `kill -9` can cut a ledger write at a page boundary, leaving a partial last line that no
    // caller was told had been recorded.
    let env = filled();
    let path = env.ledger(ORDER);
    let before = fs::read(&path).unwrap();
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"{\"seq\":3,\"prev\"")
        .unwrap();
    let (v, code) = env.json(&["verify"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["interrupted_appends"][0]["order"], ORDER);
    assert_eq!(v["interrupted_appends"][0]["bytes"], 15);
    env.vault()
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("interrupted append"));
    let d = env.write("in/d.jpg", &jpeg_bytes(4));
    env.vault()
        .args(["add", "--order", ORDER, d.to_str().unwrap()])
        .assert()
        .success();
    let after = fs::read(&path).unwrap();
    assert!(
        after.starts_with(&before),
        "nothing already recorded was touched"
    );
    let (v, code) = env.json(&["verify"]);
    assert_eq!(code, 0, "{v}");
    assert!(v["interrupted_appends"].as_array().unwrap().is_empty());
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(show["items"].as_array().unwrap().len(), 4);
}

#[test]
fn unreferenced_objects_are_reported_but_not_an_error() {
    let env = filled();
    let orphan = b"an object no ledger names";
    let p = env.object_path(&sha256_hex(orphan));
    fs::write(&p, orphan).unwrap();
    let (v, code) = env.json(&["verify"]);
    assert_eq!(code, 0);
    assert_eq!(v["unreferenced"][0]["sha256"], sha256_hex(orphan));
    env.vault()
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 object(s) no order files"));
}

#[test]
fn stray_files_in_the_store_are_unexpected() {
    let env = filled();
    fs::write(env.vault_dir().join("objects/sha256/00/not-a-hash"), b"x").unwrap();
    fs::create_dir(env.vault_dir().join("orders/00/bad order")).unwrap();
    let (p, code) = problems(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(
        p.iter().filter(|p| p["kind"] == "unexpected").count(),
        2,
        "{p:?}"
    );
}

#[test]
fn verify_of_an_unknown_order_is_an_error() {
    let env = filled();
    env.vault()
        .args(["verify", "--order", "NOPE"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no order NOPE"));
}

/// A symlink or a FIFO where an object should be: reported by path (exit 3), never followed or
/// opened, so `verify` cannot hang on `/dev/zero` or a pipe nobody writes.
#[cfg(unix)]
#[test]
fn verify_reports_links_and_fifos_in_the_store_without_reading_them() {
    use std::time::{Duration, Instant};
    let env = Env::new();
    let photo = env.write("a.jpg", &jpeg_bytes(1));
    env.vault()
        .args(["add", "--order", "8123456789012345"])
        .arg(&photo)
        .assert()
        .success();
    let object = env.objects().into_iter().next().unwrap();
    make_writable(object.parent().unwrap());
    std::fs::remove_file(&object).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &object).unwrap();
    // A FIFO named like an object, in its shard.
    let fifo_name = format!("{:0>64}", "ab");
    let fifo = env.vault_dir().join("objects/sha256/00").join(&fifo_name);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let started = Instant::now();
    for args in [
        vec!["--json", "verify"],
        vec!["--json", "verify", "--order", "8123456789012345"],
    ] {
        let out = env
            .vault()
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let problems = v["problems"].as_array().unwrap();
        assert!(
            problems.iter().any(|p| p["path"]
                .as_str()
                .unwrap()
                .ends_with(object.file_name().unwrap().to_str().unwrap())
                && p["what"].as_str().unwrap().contains("not a regular file")),
            "{v}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "verify read what it must not"
    );
    if made.is_ok_and(|s| s.success()) {
        let (v, _) = env.json(&["verify"]);
        assert!(
            v["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["path"].as_str().unwrap().ends_with(&fifo_name)),
            "{v}"
        );
    }
}

/// A good copy added again repairs a corrupt stored object (flipped bit or cut short); an intact
/// object is never touched.
#[cfg(unix)]
#[test]
fn adding_a_good_copy_repairs_a_corrupt_object_and_leaves_intact_ones_alone() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    let photo = env.write("a.jpg", &jpeg_bytes(1));
    let add = || {
        env.vault()
            .args(["add", "--order", "8123456789012345"])
            .arg(&photo)
            .assert()
    };
    add().success();
    let object = env.object_path(&sha256_hex(&fs::read(&photo).unwrap()));
    let ino = fs::metadata(&object).unwrap().ino();
    add()
        .success()
        .stderr(predicate::str::contains("repaired").not());
    assert_eq!(
        fs::metadata(&object).unwrap().ino(),
        ino,
        "an intact object is not replaced"
    );
    for damage in [
        |b: &mut Vec<u8>| b[100] ^= 1,
        |b: &mut Vec<u8>| b.truncate(b.len() / 2),
    ] {
        make_writable(&object);
        let mut b = fs::read(&object).unwrap();
        damage(&mut b);
        fs::write(&object, &b).unwrap();
        env.vault().arg("verify").assert().code(3);
        add().success().stderr(predicate::str::contains("repaired"));
        assert_eq!(fs::read(&object).unwrap(), fs::read(&photo).unwrap());
        env.vault().arg("verify").assert().success();
    }
}

/// A shard directory replaced by a symlink (to a copy of the real shard, objects and all) or by a
/// plain file: reported by path, never followed; the objects it held are missing (exit 3).
#[cfg(unix)]
#[test]
fn a_linked_or_flat_shard_is_reported_and_never_followed() {
    let env = Env::new();
    let photo = env.write("a.jpg", &jpeg_bytes(1));
    env.vault()
        .args(["add", "--order", "8123456789012345"])
        .arg(&photo)
        .assert()
        .success();
    let object = env.objects().into_iter().next().unwrap();
    let shard = object.parent().unwrap().to_path_buf();
    let elsewhere = env.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(&object, elsewhere.join(object.file_name().unwrap())).unwrap();
    make_writable(&shard);
    std::fs::remove_file(&object).unwrap();
    std::fs::remove_dir(&shard).unwrap();
    for replace in ["symlink", "file"] {
        let _ = std::fs::remove_file(&shard);
        match replace {
            "symlink" => std::os::unix::fs::symlink(&elsewhere, &shard).unwrap(),
            _ => std::fs::write(&shard, b"not a directory").unwrap(),
        }
        let (v, code) = env.json(&["verify"]);
        assert_eq!(code, 3, "{replace}: {v}");
        let problems = v["problems"].as_array().unwrap();
        let shard_name = shard.file_name().unwrap().to_str().unwrap();
        assert!(
            problems.iter().any(|p| p["kind"] == "unexpected"
                && p["path"].as_str().unwrap().ends_with(shard_name)
                && p["what"] == "not a shard directory"),
            "{replace}: {v}"
        );
        assert!(
            problems.iter().any(|p| p["kind"] == "missing"),
            "{replace}: the object behind it is not read: {v}"
        );
        assert_eq!(v["objects_checked"], 0, "{replace}: {v}");
    }
}

//! The exit-code table in docs/exit-codes.md is the one the binary uses: each documented code is
//! produced by the situation the table gives for it.

use crate::common;

use std::fs;

use common::{Env, jpeg_bytes, make_writable, sha256_hex};
use vault::error::Exit;

fn documented() -> Vec<(u8, String)> {
    let doc =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/exit-codes.md")).unwrap();
    doc.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?.parse::<u8>().ok()?;
            Some((code, cells.get(2)?.to_string()))
        })
        .collect()
}

#[test]
fn the_documented_table_matches_the_code() {
    let table = documented();
    assert_eq!(
        table,
        vec![
            (Exit::Success.code(), "success".to_string()),
            (Exit::Error.code(), "error".to_string()),
            (Exit::Usage.code(), "usage".to_string()),
            (Exit::Integrity.code(), "integrity".to_string()),
            (Exit::Attention.code(), "attention".to_string()),
        ]
    );
}

#[test]
fn each_code_is_produced_by_its_situation() {
    let env = Env::new();
    let f = env.write("a.jpg", &jpeg_bytes(1));
    // 0: success
    env.vault()
        .args(["add", "--order", "A-1", f.to_str().unwrap()])
        .assert()
        .code(0);
    // 1: error (a file that does not exist; an explicit vault that is not one)
    env.vault()
        .args(["add", "--order", "A-1", "nope.jpg"])
        .assert()
        .code(1);
    env.vault()
        .args(["--vault", env.path("typo").to_str().unwrap(), "list"])
        .assert()
        .code(1);
    // 2: usage (unknown flag, invalid order, no subcommand)
    env.vault().args(["add", "--frobnicate"]).assert().code(2);
    env.vault()
        .args(["add", "--order", "a b", f.to_str().unwrap()])
        .assert()
        .code(2);
    env.vault().assert().code(2);
    // --help and --version are not errors
    env.vault().arg("--help").assert().code(0);
    env.vault().arg("--version").assert().code(0);
    // 3: integrity
    let obj = env.object_path(&sha256_hex(&jpeg_bytes(1)));
    make_writable(&obj);
    fs::write(&obj, b"swapped").unwrap();
    env.vault().arg("verify").assert().code(3);
    // 4: attention (a parcel without news since 2020)
    env.vault()
        .args([
            "track",
            "A-1",
            "--carrier",
            "ups",
            "--number",
            "1Z1",
            "--shipped-at",
            "2020-01-01",
        ])
        .assert()
        .code(0);
    env.vault().args(["shipments", "A-1"]).assert().code(4);
}

#[test]
fn usage_errors_with_json_still_print_json() {
    let env = Env::new();
    let (v, code) = env.json(&["add", "--order", "bad/id", "x"]);
    assert_eq!(code, 2);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["error"]["exit_code"], 2);
}

#[test]
fn an_empty_by_is_a_usage_error_everywhere() {
    let env = Env::new();
    let f = env.write("a.jpg", &jpeg_bytes(1));
    env.vault()
        .args(["add", "--order", "A-1", "--by", "  ", f.to_str().unwrap()])
        .assert()
        .code(2);
    env.vault()
        .args(["add", "--order", "A-1", f.to_str().unwrap()])
        .assert()
        .code(0);
    env.vault()
        .args([
            "track",
            "A-1",
            "--carrier",
            "ups",
            "--number",
            "1Z1",
            "--by",
            "",
        ])
        .assert()
        .code(2);
    env.vault()
        .args([
            "dispute",
            "--by",
            " ",
            "open",
            "A-1",
            "--platform",
            "ebay",
            "--reason",
            "other",
        ])
        .assert()
        .code(2);
    env.vault()
        .args(["bundle", "A-1", "--by", "", "-o", "x.zip"])
        .assert()
        .code(2);
    assert!(!env.path("x.zip").exists());
}

#[test]
fn a_report_lost_to_a_full_disk_exits_1_but_a_closed_pipe_does_not() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("NOTICE: no /dev/full here; skipping");
        return;
    }
    let env = Env::new();
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("vault"))
        .env("VAULT_DIR", env.vault_dir())
        .env("VAULT_NO_PROGRESS", "1")
        .args(["--json", "verify"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("writing to standard output"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `vault list | head -0`: the reader went away; that is not a failure.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vault"))
        .env("VAULT_DIR", env.vault_dir())
        .env("VAULT_NO_PROGRESS", "1")
        .args(["--json", "list"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn stats_since_beyond_the_calendar_is_a_usage_error_and_non_utf8_arguments_do_not_panic() {
    let env = Env::new();
    env.vault()
        .args(["stats", "--since", "100000000d"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--since"));
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bad = std::ffi::OsStr::from_bytes(b"--caf\xe9");
        let out = env.vault().arg("--json").arg(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

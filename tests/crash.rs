//! `kill -9` at any moment during an add leaves a vault that verifies clean, and re-running the same
//! add completes it.

mod common;

use std::process::Command;
use std::time::Duration;

use common::Env;
use serde_json::Value;

const ORDER: &str = "8123456789012345";
const FILES: usize = 150;

fn payload(i: usize) -> Vec<u8> {
    // 256 KiB, distinct per file, cheap to make.
    let mut v = vec![0u8; 256 * 1024];
    for (j, b) in v.iter_mut().enumerate() {
        *b = (j.wrapping_mul(31) ^ i.wrapping_mul(7919)) as u8;
    }
    v[..8].copy_from_slice(&(i as u64).to_le_bytes());
    v
}

#[test]
fn kill_9_during_add_then_verify_and_rerun() {
    let src = Env::bare();
    for i in 0..FILES {
        src.write(&format!("drop/f{i:03}.bin"), &payload(i));
    }
    let drop_dir = src.path("drop");
    // Delays spread over the run: before the first object, mid-store, around ledger writes, near the end.
    for delay_ms in [0u64, 2, 10, 25, 50, 80, 120, 200, 350] {
        let env = Env::new();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("vault"))
            .env("VAULT_DIR", env.vault_dir())
            .env("VAULT_NO_PROGRESS", "1")
            .args(["add", "--order", ORDER])
            .arg(&drop_dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let (v, code) = env.json(&["verify"]);
        assert_eq!(code, 0, "after kill at {delay_ms} ms: {v}");

        let (v, code) = env.json(&["add", "--order", ORDER, drop_dir.to_str().unwrap()]);
        assert_eq!(code, 0, "rerun after kill at {delay_ms} ms: {v}");
        let (show, _) = env.json(&["show", ORDER]);
        let items = show["items"].as_array().unwrap();
        assert_eq!(items.len(), FILES, "after kill at {delay_ms} ms");
        let mut names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FILES, "each file filed exactly once");
        let (v, code) = env.json(&["verify"]);
        assert_eq!(code, 0, "{v}");
        assert!(
            v["unreferenced"].as_array().is_some_and(Vec::is_empty),
            "rerun filed every stored object: {}",
            v["unreferenced"]
        );
        let _: &Value = &v;
    }
}

/// Deterministic crash points: the process dies (abort, like `kill -9`) right after objects are
/// stored but before the ledger names them, and right after the ledger is written but before `--move`
/// removes the sources. Both leave a clean vault, and a re-run finishes the job without losing a file.
#[test]
fn crash_between_objects_ledger_and_move_is_recoverable() {
    for point in ["after-objects", "after-ledger"] {
        let env = Env::new();
        for i in 0..10 {
            env.write(&format!("drop/{ORDER}/f{i}.bin"), &payload(i));
        }
        let out = env
            .vault()
            .env("VAULT_FAILPOINT", point)
            .args(["add", "--move", "--order-from", r"^(\d{16})/", "drop"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: the failpoint fired");
        for i in 0..10 {
            assert!(
                env.path(&format!("drop/{ORDER}/f{i}.bin")).exists(),
                "{point}: no source removed before filing completed"
            );
        }
        assert_eq!(env.objects().len(), 10, "{point}: objects were stored");
        let (v, code) = env.json(&["verify"]);
        assert_eq!(code, 0, "{point}: {v}");
        let unreferenced = v["unreferenced"].as_array().unwrap().len();
        assert_eq!(
            unreferenced,
            if point == "after-objects" { 10 } else { 0 },
            "{point}"
        );

        let (v, code) = env.json(&["add", "--move", "--order-from", r"^(\d{16})/", "drop"]);
        assert_eq!(code, 0, "{point}: {v}");
        let want = if point == "after-objects" {
            "added"
        } else {
            "duplicate"
        };
        assert!(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["status"] == want && i["moved"] == true),
            "{point}: {v}"
        );
        for i in 0..10 {
            assert!(!env.path(&format!("drop/{ORDER}/f{i}.bin")).exists());
        }
        let (show, _) = env.json(&["show", ORDER]);
        assert_eq!(show["items"].as_array().unwrap().len(), 10);
        env.vault().arg("verify").assert().success();
    }
}

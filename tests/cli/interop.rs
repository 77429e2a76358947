//! Interop with tools we did not write: the by-hand check in docs/store-format.md, run with
//! `sh`, `sha256sum` and `jq`, agrees with `vault verify` on a clean and on a tampered vault.

use crate::common;

use std::fs;
use std::process::Command;

use common::{Env, jpeg_bytes, make_writable, sha256_hex};

fn script() -> String {
    let doc =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/store-format.md")).unwrap();
    let start = doc
        .find("<!-- verify-by-hand:start -->")
        .expect("start marker");
    let end = doc.find("<!-- verify-by-hand:end -->").expect("end marker");
    let block = &doc[start..end];
    let code_start = block.find("```sh\n").unwrap() + 6;
    let code_end = block.rfind("```").unwrap();
    block[code_start..code_end].to_string()
}

fn by_hand(env: &Env) -> (bool, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script())
        .current_dir(env.vault_dir())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn documented_sha256sum_and_jq_check_agrees_with_verify() {
    if !common::have_tool("jq", &["--version"]) || !common::have_tool("sha256sum", &["--version"]) {
        return;
    }
    let env = Env::new();
    for i in 0..3u8 {
        let f = env.write(&format!("in/{i}.jpg"), &jpeg_bytes(i));
        env.vault()
            .args([
                "add",
                "--order",
                "8123456789012345",
                "--note",
                "line\nbreak \"quoted\"",
                f.to_str().unwrap(),
            ])
            .assert()
            .success();
    }
    let f = env.write("in/x.jpg", &jpeg_bytes(9));
    env.vault()
        .args(["add", "--order", "OTHER", f.to_str().unwrap()])
        .assert()
        .success();

    let (ok, out) = by_hand(&env);
    assert!(ok && out.trim() == "OK", "{out}");

    // Tamper with a ledger line: both checks fail.
    let ledger = env.ledger("8123456789012345");
    let text = fs::read_to_string(&ledger)
        .unwrap()
        .replacen("tester", "someone-else", 1);
    fs::write(&ledger, text).unwrap();
    let (ok, out) = by_hand(&env);
    assert!(!ok && out.contains("line 2: chain broken"), "{out}");
    env.vault().arg("verify").assert().code(3);
}

#[test]
fn documented_check_finds_a_corrupt_object() {
    if !common::have_tool("jq", &["--version"]) || !common::have_tool("sha256sum", &["--version"]) {
        return;
    }
    let env = Env::new();
    let f = env.write("in/a.jpg", &jpeg_bytes(1));
    env.vault()
        .args(["add", "--order", "A", f.to_str().unwrap()])
        .assert()
        .success();
    let obj = env.object_path(&sha256_hex(&jpeg_bytes(1)));
    make_writable(&obj);
    let mut b = fs::read(&obj).unwrap();
    b[50] ^= 0xff;
    fs::write(&obj, b).unwrap();
    let (ok, out) = by_hand(&env);
    assert!(!ok, "{out}");
    env.vault().arg("verify").assert().code(3);
}

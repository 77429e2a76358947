//! The human output of each command, pinned with insta. Times and ledger-line hashes (which depend on
//! the time) are filtered; everything else is exact.

use crate::common;

use common::{Env, jpeg_bytes};

fn stdout(env: &Env, args: &[&str]) -> String {
    let out = env.vault().args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn settings(env: &Env) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "[TIME]");
    s.add_filter(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", "[TIME]");
    // Times for people (`4 Dec 2026, 19:45 UTC`): the runs' own times change every day.
    s.add_filter(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC", "[TIME]");
    s.add_filter(r"\[[0-9a-f]{12}\]", "[LINE-HASH]");
    s.add_filter(&regex_escape(env.dir.path().to_str().unwrap()), "[TMP]");
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn human_output() {
    let env = Env::new();
    env.write("drop/IMG_0001.jpg", &jpeg_bytes(1));
    env.write("drop/IMG_0002.jpg", &jpeg_bytes(2));
    env.write(
        "drop/chat.txt",
        b"[31.12.24, 21:41:05] Ann: shipped?\n[31.12.24, 21:42:00] Bob: yes\n",
    );
    env.write("drop/evil\nname\u{202e}gpj.exe", b"x");
    let s = settings(&env);
    s.bind(|| {
        insta::assert_snapshot!(
            "add",
            stdout(
                &env,
                &[
                    "add",
                    "--order",
                    "8123456789012345",
                    "--by",
                    "packer-3",
                    "--note",
                    "box 1 of 2",
                    "drop"
                ]
            )
        );
        insta::assert_snapshot!(
            "add_again",
            stdout(
                &env,
                &["add", "--order", "8123456789012345", "drop/IMG_0001.jpg"]
            )
        );
        env.write("other.jpg", &jpeg_bytes(9));
        stdout(
            &env,
            &["add", "--order", "EBAY-12-34567-89012", "other.jpg"],
        );
        insta::assert_snapshot!("list", stdout(&env, &["list"]));
        insta::assert_snapshot!("show", stdout(&env, &["show", "8123456789012345"]));
        insta::assert_snapshot!("verify", stdout(&env, &["verify"]));
    });
}

#[test]
fn empty_list() {
    let env = Env::new();
    insta::assert_snapshot!(stdout(&env, &["list"]));
}

fn stderr(env: &Env, args: &[&str]) -> String {
    let out = env.vault().args(args).output().unwrap();
    String::from_utf8(out.stderr).unwrap()
}

/// What a person sees on stderr: warnings for a hostile name and a camera clock in 1998, errors
/// with their hints.
#[test]
fn diagnostics() {
    let env = Env::new();
    env.write(
        "drop/evil\nname\u{202e}gpj.jpg",
        &common::jpeg_with_exif("1998:01:01 00:00:00", None),
    );
    let mut s = settings(&env);
    s.add_filter(r"captured \d+ days before", "captured [N] days before");
    s.bind(|| {
        insta::assert_snapshot!(
            "stderr_add_warnings",
            stderr(&env, &["add", "--order", "8123456789012345", "drop"])
        );
        insta::assert_snapshot!(
            "stderr_unknown_order",
            stderr(&env, &["show", "0000000000000000"])
        );
        insta::assert_snapshot!("stderr_bad_order_id", stderr(&env, &["show", "../etc"]));
        insta::assert_snapshot!(
            "stderr_missing_file",
            stderr(&env, &["add", "--order", "8123456789012345", "nowhere.jpg"])
        );
    });
}

/// `--help` of the binary and of every command: the first thing a new user reads.
#[test]
fn help() {
    let env = Env::bare();
    settings(&env).bind(|| {
        insta::assert_snapshot!("help", stdout(&env, &["--help"]));
        for cmd in [
            "init",
            "add",
            "list",
            "show",
            "verify",
            "track",
            "shipments",
            "dispute",
            "due",
            "stats",
            "bundle",
            "verify-bundle",
        ] {
            insta::assert_snapshot!(format!("help_{cmd}"), stdout(&env, &[cmd, "--help"]));
        }
    });
}

#[test]
fn human_output_of_keys_stamps_and_a_signed_verify() {
    use crate::tsa_server::{Eku, KeyKind, Pki, Server, Validity};
    if !common::have_tool("openssl", &["version"]) {
        return;
    }
    let env = Env::new();
    let (server, pki) = Server::start(Pki::new(KeyKind::EcP256, Eku::Critical, Validity::Normal));
    let mut s = settings(&env);
    s.add_filter(r"\b[0-9A-F]{16}\b", "[KEYID]");
    s.add_filter(r"\b[0-9a-f]{64}\b", "[SHA256]");
    s.add_filter(r"RW[A-Za-z0-9+/]{54}", "[PUBKEY]");
    s.add_filter(&regex_escape(&server.url), "[TSA]");
    s.add_filter(&regex_escape(pki.dir.path().to_str().unwrap()), "[PKI]");
    env.write("a.jpg", &jpeg_bytes(3));
    s.bind(|| {
        insta::assert_snapshot!("key_generate", stdout(&env, &["key", "generate"]));
        stdout(&env, &["add", "--order", "ORDER-42", "a.jpg"]);
        let root = pki.root();
        insta::assert_snapshot!(
            "stamp",
            stdout(
                &env,
                &[
                    "stamp",
                    "--tsa",
                    &server.url,
                    "--tsa-ca",
                    root.to_str().unwrap()
                ]
            )
        );
        insta::assert_snapshot!(
            "verify_signed_order",
            stdout(&env, &["verify", "--order", "ORDER-42"])
        );
    });
}

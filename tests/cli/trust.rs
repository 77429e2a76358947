//! Signatures and time-stamps with real parts: Debian's `minisign` as the oracle both ways, and a
//! real TSA (`openssl ts -reply`) on loopback, with RSA and ECDSA keys and each failure a TSA shows.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::Env;
use crate::tsa_server::{Eku, KeyKind, Mode, Pki, Server, Validity};

fn key(env: &Env) -> Value {
    let (v, code) = env.json(&["key", "generate"]);
    assert_eq!(code, 0, "{v}");
    v
}

fn add(env: &Env, order: &str, name: &str, bytes: &[u8]) {
    let f = env.write(&format!("in/{order}/{name}"), bytes);
    let (v, code) = env.json(&["add", "--order", order, f.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
}

fn tool(name: &str) -> bool {
    let here = Command::new(name).arg("-h").output().is_ok()
        || Command::new(name).arg("version").output().is_ok();
    if !here {
        assert!(
            std::env::var_os("VAULT_CI").is_none(),
            "{name} is missing under VAULT_CI (.ci/run installs it)"
        );
        eprintln!("skipping: {name} is not installed");
    }
    here
}

fn signatures_of(env: &Env, order: &str) -> PathBuf {
    let shard = walk_find(&env.vault_dir().join("orders"), order);
    shard.join("signatures.jsonl")
}

fn walk_find(base: &Path, name: &str) -> PathBuf {
    for shard in fs::read_dir(base).unwrap() {
        let p = shard.unwrap().path().join(name);
        if p.is_dir() {
            return p;
        }
    }
    panic!("no order {name}")
}

fn stamp(env: &Env, server: &Server, root: &Path, extra: &[&str]) -> (Value, i32) {
    let mut args = vec![
        "stamp",
        "--tsa",
        &server.url,
        "--tsa-ca",
        root.to_str().unwrap(),
        "--tsa-timeout",
        "2",
    ];
    args.extend_from_slice(extra);
    env.json(&args)
}

#[test]
fn minisign_checks_what_vault_signs_and_vault_checks_what_minisign_signs() {
    if !tool("minisign") {
        return;
    }
    let env = Env::new();
    let made = key(&env);
    let secret = made["secret_key"].as_str().unwrap().to_string();
    let (pubkey, _) = env.json(&["key", "public"]);
    let pub_file = env.write("k.pub", pubkey["pub_file"].as_str().unwrap().as_bytes());
    // The human output is the .pub file itself.
    let human = env.vault().args(["key", "public"]).output().unwrap();
    assert_eq!(human.stdout, fs::read(&pub_file).unwrap());
    assert_eq!(
        fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // vault signs a ledger head; minisign verifies it from the head's text.
    add(&env, "1001", "a.txt", b"packing note");
    let line: Value = serde_json::from_str(
        fs::read_to_string(signatures_of(&env, "1001"))
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    let vault_id =
        serde_json::from_slice::<Value>(&fs::read(env.vault_dir().join("vault.json")).unwrap())
            .unwrap()["vault_id"]
            .as_str()
            .unwrap()
            .to_string();
    let text = format!(
        "evidence-vault ledger head\nvault: {vault_id}\norder: 1001\nseq: {}\nhead: {}\n",
        line["seq"],
        line["head"].as_str().unwrap()
    );
    let head = env.write("head.txt", text.as_bytes());
    env.write(
        "head.txt.minisig",
        line["minisig"].as_str().unwrap().as_bytes(),
    );
    let ok = Command::new("minisign")
        .args(["-V", "-p"])
        .arg(&pub_file)
        .arg("-m")
        .arg(&head)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("order=1001 seq=0"));
    fs::write(&head, text.replace("seq: 0", "seq: 1")).unwrap();
    let bad = Command::new("minisign")
        .args(["-V", "-p"])
        .arg(&pub_file)
        .arg("-m")
        .arg(&head)
        .output()
        .unwrap();
    assert!(!bad.status.success(), "a changed byte must fail minisign");

    // minisign signs the head's text with the vault's key file; vault verifies minisign's
    // signature in place of its own (and refuses it once a byte changes).
    fs::write(&head, &text).unwrap();
    fs::remove_file(env.path("head.txt.minisig")).unwrap();
    let signed = Command::new("minisign")
        .args(["-S", "-s", &secret, "-t", "signed by minisign itself", "-m"])
        .arg(&head)
        .output()
        .unwrap();
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let theirs = fs::read_to_string(env.path("head.txt.minisig")).unwrap();
    let sigs = signatures_of(&env, "1001");
    let mut l = line.clone();
    l["minisig"] = theirs.clone().into();
    fs::write(&sigs, format!("{l}\n")).unwrap();
    let (v, code) = env.json(&["verify", "--order", "1001"]);
    assert_eq!(code, 0, "vault accepts minisign's signature: {v}");
    assert_eq!(v["trust"][0]["signed_through"], 0);
    let mut lines: Vec<String> = theirs.lines().map(String::from).collect();
    let mut sig = lines[1].clone().into_bytes();
    sig[20] = if sig[20] == b'A' { b'B' } else { b'A' };
    lines[1] = String::from_utf8(sig).unwrap();
    l["minisig"] = (lines.join("\n") + "\n").into();
    fs::write(&sigs, format!("{l}\n")).unwrap();
    let (v, code) = env.json(&["verify", "--order", "1001"]);
    assert_eq!(code, 3, "one changed byte: {v}");
}

#[test]
fn verify_reports_signed_heads_and_finds_a_forged_or_stale_signature() {
    let env = Env::new();
    key(&env);
    add(&env, "1002", "a.txt", b"one");
    add(&env, "1002", "b.txt", b"two");
    let (v, code) = env.json(&["verify", "--order", "1002"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["trust"][0]["signed_through"], 1);
    let human = env
        .vault()
        .args(["verify", "--order", "1002"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("signed through entry 1 by key"));

    // An edited entry: the signature over its old head no longer matches the ledger.
    let sigs = signatures_of(&env, "1002");
    let ledger = sigs.with_file_name("ledger.jsonl");
    let text = fs::read_to_string(&ledger).unwrap();
    fs::write(&ledger, text.replacen("\"b.txt\"", "\"c.txt\"", 1)).unwrap();
    let (v, code) = env.json(&["verify", "--order", "1002"]);
    assert_eq!(code, 3, "{v}");
    assert!(
        v["problems"].to_string().contains("the ledger was edited"),
        "{v}"
    );
    fs::write(&ledger, text).unwrap();

    // A forged signature line (its head swapped for another entry's) fails.
    let lines: Vec<String> = fs::read_to_string(&sigs)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut forged: Value = serde_json::from_str(&lines[1]).unwrap();
    forged["seq"] = 0.into();
    fs::write(&sigs, format!("{}\n{}\n", lines[0], forged)).unwrap();
    let (v, code) = env.json(&["verify", "--order", "1002"]);
    assert_eq!(code, 3, "{v}");
}

#[test]
fn a_rotated_key_is_announced_by_the_old_one_and_the_history_verifies() {
    let env = Env::new();
    let first = key(&env);
    add(&env, "1003", "a.txt", b"before");
    let second = key(&env);
    assert_eq!(second["replaces"], first["key_id"]);
    add(&env, "1003", "b.txt", b"after");
    let (v, code) = env.json(&["verify"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["keys"].as_array().unwrap().len(), 2);
    assert_eq!(v["trust"][0]["signed_by"].as_array().unwrap().len(), 2);
    // An announcement not signed by the key before it is refused.
    let log = env.vault_dir().join("keys.jsonl");
    let text = fs::read_to_string(&log).unwrap();
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    lines[1]["by_previous"] = lines[1]["by_itself"].clone();
    fs::write(
        &log,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let (v, code) = env.json(&["verify"]);
    assert_eq!(code, 3, "{v}");
    assert!(v["problems"].to_string().contains("keys.jsonl"), "{v}");
}

#[test]
fn a_vault_that_signs_refuses_to_append_without_its_key() {
    let env = Env::new();
    let made = key(&env);
    fs::remove_file(made["secret_key"].as_str().unwrap()).unwrap();
    let f = env.write("in/x.txt", b"x");
    let (v, code) = env.json(&["add", "--order", "1004", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("secret signing key"),
        "{v}"
    );
}

#[test]
fn one_request_stamps_many_orders_and_verify_checks_every_token() {
    if !tool("openssl") {
        return;
    }
    for kind in [KeyKind::Rsa, KeyKind::EcP256] {
        let env = Env::new();
        key(&env);
        for i in 0..5 {
            add(
                &env,
                &format!("20{i}"),
                "p.txt",
                format!("photo {i}").as_bytes(),
            );
        }
        let (server, pki) = Server::start(Pki::new(kind, Eku::Critical, Validity::Normal));
        let (v, code) = stamp(&env, &server, &pki.root(), &[]);
        assert_eq!(code, 0, "{kind:?}: {v}");
        assert_eq!(server.requests(), 1, "one request for five orders");
        assert_eq!(v["stamped"].as_array().unwrap().len(), 5);
        // Nothing changed: nothing to send.
        let (v, code) = stamp(&env, &server, &pki.root(), &[]);
        assert_eq!((code, server.requests()), (0, 1), "{v}");
        assert_eq!(v["up_to_date"], 5);
        // One order changes: only it is stamped again.
        add(&env, "201", "q.txt", b"another photo");
        let (v, _) = stamp(&env, &server, &pki.root(), &[]);
        assert_eq!(v["stamped"].as_array().unwrap().len(), 1, "{v}");
        let (v, code) = env.json(&["verify"]);
        assert_eq!(code, 0, "{kind:?}: {v}");
        let t = v["trust"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["order"] == "201")
            .unwrap();
        assert_eq!(t["stamped_through"], 2, "{t}");
    }
}

fn object(env: &Env, digest: &str) -> PathBuf {
    env.vault_dir()
        .join("objects/sha256")
        .join(&digest[..2])
        .join(digest)
}

/// The `stamp` entries of an order's ledger.
fn stamp_entries(env: &Env, order: &str) -> Vec<Value> {
    let ledger = signatures_of(env, order).with_file_name("ledger.jsonl");
    fs::read_to_string(ledger)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event"] == "stamp")
        .collect()
}

#[test]
fn each_tsa_failure_is_named_the_other_tsa_goes_on_and_the_next_run_completes_it() {
    if !tool("openssl") {
        return;
    }
    let (good, good_pki) =
        Server::start(Pki::new(KeyKind::EcP256, Eku::Critical, Validity::Normal));
    let (bad, bad_pki) = Server::start(Pki::new(KeyKind::Rsa, Eku::Critical, Validity::Normal));
    let (good_root, bad_root) = (good_pki.root(), bad_pki.root());
    for (mode, code) in [
        (Mode::Http500, "http_status"),
        (Mode::WrongContentType, "content_type"),
        (Mode::Reject, "rejected"),
        (Mode::OtherRequest, "mismatch"),
        (Mode::OtherNonce, "mismatch"),
        (Mode::Tamper, "invalid"),
        (Mode::Hang, "timeout"),
    ] {
        let env = Env::new();
        add(&env, "301", "a.txt", b"a");
        add(&env, "302", "b.txt", b"b");
        bad.set_mode(mode);
        let before = bad.requests();
        let args = [
            "stamp",
            "--tsa",
            &good.url,
            "--tsa",
            &bad.url,
            "--tsa-ca",
            good_root.to_str().unwrap(),
            "--tsa-ca",
            bad_root.to_str().unwrap(),
            "--tsa-timeout",
            "1",
        ];
        let (v, exit) = env.json(&args);
        assert_eq!(exit, 4, "{mode:?}: pending is exit 4: {v}");
        assert_eq!(bad.requests() - before, 1, "{mode:?}: one request per TSA");
        let outcome = &v["tsas"][1];
        assert_eq!(outcome["failures"][0]["code"], code, "{mode:?}: {v}");
        if mode == Mode::OtherNonce {
            assert!(
                outcome["failures"][0]["text"]
                    .as_str()
                    .unwrap()
                    .contains("nonce"),
                "{v}"
            );
        }
        assert_eq!(
            (outcome["pending"].as_u64(), v["pending"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(v["tsas"][0]["stamped"], 2, "the good TSA went on: {v}");
        let human = env.vault().args(args).output().unwrap();
        assert!(
            String::from_utf8_lossy(&human.stdout).contains(&format!("failed ({code})")),
            "{mode:?}"
        );
        // The TSA recovers: the next run asks only it, and completes what was pending.
        bad.set_mode(Mode::Ok);
        let (good_before, bad_before) = (good.requests(), bad.requests());
        let (v, exit) = env.json(&args);
        assert_eq!(exit, 0, "{mode:?}: {v}");
        assert_eq!(good.requests(), good_before, "nothing new for the good TSA");
        assert_eq!(bad.requests() - bad_before, 1);
        assert_eq!(v["tsas"][1]["stamped"], 2);
        let (v, exit) = env.json(&["verify"]);
        assert_eq!(exit, 0, "{mode:?}: {v}");
        assert_eq!(v["trust"][0]["stamps"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn a_tsa_certificate_without_a_critical_timestamping_eku_or_not_yet_valid_is_refused() {
    if !tool("openssl") {
        return;
    }
    // openssl itself will not sign a token with such a certificate, so the EKU rule is checked on
    // the certificates openssl makes.
    for (eku, says) in [
        (Eku::Missing, Some("lacks the extended key usage")),
        (Eku::NotCritical, Some("not critical")),
        (Eku::Critical, None),
    ] {
        let pki = Pki::new(KeyKind::Rsa, eku, Validity::Normal);
        let pem = fs::read(pki.tsa_cert()).unwrap();
        let cert = &vault::trust::tsp::load_pem(&pem).unwrap()[0];
        match (vault::trust::tsp::check_tsa_usage(cert), says) {
            (Ok(()), None) => {}
            (Err(e), Some(says)) => assert!(e.to_string().contains(says), "{eku:?}: {e}"),
            (got, _) => panic!("{eku:?}: {got:?}"),
        }
    }
    // A certificate that starts tomorrow signs a token dated today: refused, named.
    let env = Env::new();
    add(&env, "401", "a.txt", b"a");
    let (server, pki) = Server::start(Pki::new(
        KeyKind::Rsa,
        Eku::Critical,
        Validity::StartsTomorrow,
    ));
    let (v, exit) = stamp(&env, &server, &pki.root(), &[]);
    assert_eq!(exit, 4, "{v}");
    let f = &v["tsas"][0]["failures"][0];
    assert_eq!(f["code"], "invalid", "{v}");
    assert!(
        f["text"]
            .as_str()
            .unwrap()
            .contains("not valid at the token's time"),
        "{v}"
    );
}

#[test]
fn a_token_outlives_its_tsa_certificate_and_a_tampered_token_fails_verify() {
    if !tool("openssl") {
        return;
    }
    let env = Env::new();
    add(&env, "501", "a.txt", b"a");
    let (server, pki) = Server::start(Pki::new(KeyKind::Rsa, Eku::Critical, Validity::EndsIn(3)));
    let (v, exit) = stamp(&env, &server, &pki.root(), &["--save"]);
    assert_eq!(exit, 0, "{v}");
    std::thread::sleep(std::time::Duration::from_secs(4));
    // Judged at genTime, not now: the TSA certificate has expired since, and the token holds.
    let (v, exit) = env.json(&["verify", "--order", "501"]);
    assert_eq!(exit, 0, "{v}");
    assert_eq!(v["trust"][0]["stamped_through"], 0);
    let human = env
        .vault()
        .args(["verify", "--order", "501"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("stamped through entry 0 at"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
    // One flipped byte in the stored token: exit 3, naming the stamp.
    let token = stamp_entries(&env, "501")[0]["stamp"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let path = object(&env, &token);
    let mut bytes = fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 20] ^= 0x40;
    let mut perms = fs::metadata(&path).unwrap().permissions();
    perms.set_mode(0o644);
    fs::set_permissions(&path, perms).unwrap();
    fs::write(&path, bytes).unwrap();
    let (v, exit) = env.json(&["verify", "--order", "501"]);
    assert_eq!(exit, 3, "{v}");
    assert!(v["problems"].to_string().contains("stamp by"), "{v}");
}

#[test]
fn a_direct_stamp_is_checked_by_openssl_with_the_head_as_digest() {
    if !tool("openssl") {
        return;
    }
    let env = Env::new();
    add(&env, "601", "a.txt", b"a");
    add(&env, "602", "b.txt", b"b");
    let (server, pki) = Server::start(Pki::new(KeyKind::EcP256, Eku::Critical, Validity::Normal));
    let (v, exit) = stamp(&env, &server, &pki.root(), &["--direct"]);
    assert_eq!(exit, 0, "{v}");
    assert_eq!(server.requests(), 2, "--direct: one request per order");
    let s = &stamp_entries(&env, "601")[0]["stamp"];
    assert_eq!(s["root"], s["head"]);
    let token = object(&env, s["token"].as_str().unwrap());
    let chain = object(&env, s["chain"].as_str().unwrap());
    let check = |digest: &str| {
        Command::new("openssl")
            .args(["ts", "-verify", "-digest", digest, "-in"])
            .arg(&token)
            .arg("-CAfile")
            .arg(pki.root())
            .arg("-untrusted")
            .arg(&chain)
            .output()
            .unwrap()
    };
    let ok = check(s["head"].as_str().unwrap());
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("Verification: OK"),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = check(&"00".repeat(32));
    assert!(!String::from_utf8_lossy(&bad.stdout).contains("Verification: OK"));
}

#[test]
fn stamp_without_a_tsa_says_how_to_configure_one() {
    let env = Env::new();
    add(&env, "701", "a.txt", b"a");
    let (v, exit) = env.json(&["stamp"]);
    assert_eq!(exit, 2, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("--tsa"),
        "{v}"
    );
}

/// The shell blocks of VERIFY.txt's step 7, one per stamp, as written.
fn recipes(verify_txt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in verify_txt.lines() {
        let l = line.trim_start();
        if l.starts_with("# --- check entry-") {
            cur = Some(String::new());
        } else if l == "# --- end ---" {
            out.extend(cur.take());
        } else if let Some(c) = cur.as_mut() {
            c.push_str(l);
            c.push('\n');
        }
    }
    out
}

#[test]
fn a_signed_and_stamped_bundle_checks_with_minisign_openssl_and_sh_as_verify_txt_says() {
    if !tool("openssl") || !tool("minisign") || !crate::common::have_tool("unzip", &["-v"]) {
        return;
    }
    let env = Env::new();
    let made = key(&env);
    let secret = fs::read_to_string(made["secret_key"].as_str().unwrap()).unwrap();
    let secret_line = secret.lines().nth(1).unwrap().to_string();
    add(&env, "801", "a.txt", b"packing photo");
    add(&env, "802", "b.txt", b"another order");
    add(&env, "803", "c.txt", b"a third");
    let (server, pki) = Server::start(Pki::new(KeyKind::Rsa, Eku::Critical, Validity::Normal));
    let (v, code) = stamp(&env, &server, &pki.root(), &["--save"]);
    assert_eq!(code, 0, "{v}");
    let (v, code) = env.json(&[
        "dispute",
        "open",
        "801",
        "--platform",
        "stripe",
        "--reason",
        "not-received",
        "--opened-at",
        "2026-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{v}");
    add(&env, "801", "d.txt", b"the label, added later");
    // The saved TSA stamps the head on its own before bundling.
    let zip = env.path("801.zip");
    let (v, code) = env.json(&[
        "bundle",
        "801",
        "--platform",
        "stripe",
        "-o",
        zip.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["stamps"], 2, "{v}");
    assert_eq!(v["stamp"]["stamped"].as_array().unwrap().len(), 1, "{v}");
    // The drafted statement says a third party dated the records, and when.
    let draft =
        String::from_utf8(crate::upload::zip_entry(&zip, "data/upload/statement.txt")).unwrap();
    assert!(
        draft.contains("time-stamped the order's records (RFC 3161) on 20"),
        "{draft}"
    );
    let sig = v["signature"].as_str().unwrap().to_string();

    let out = env.path("x");
    let unz = Command::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&out)
        .output()
        .unwrap();
    assert!(unz.status.success());
    let bag = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let run = |cmd: &str| {
        let o = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(&bag)
            .output()
            .unwrap();
        (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    let verify_txt = fs::read_to_string(bag.join("VERIFY.txt")).unwrap();
    for line in [
        "minisign -V -p data/trust/signing-key.pub -m tagmanifest-sha256.txt",
        "sha256sum -c tagmanifest-sha256.txt",
    ] {
        assert!(verify_txt.contains(line), "VERIFY.txt gives `{line}`");
        let (ok, said) = run(line);
        assert!(ok, "{line}: {said}");
    }
    // The zip's own signature, beside it.
    let (ok, said) = run(&format!(
        "minisign -V -p data/trust/signing-key.pub -m {} -x {sig}",
        zip.display()
    ));
    assert!(ok && said.contains("order=801"), "{said}");
    // Each stamp's recipe, run as written by POSIX sh: the head, the Merkle root, the token.
    let blocks = recipes(&verify_txt);
    assert_eq!(blocks.len(), 2, "{verify_txt}");
    for (i, b) in blocks.iter().enumerate() {
        let (_, said) = run(b);
        assert!(
            said.contains("head OK") && said.contains("Verification: OK"),
            "block {i}: {said}\n{b}"
        );
    }
    assert!(
        blocks.iter().any(|b| b.contains("root OK")),
        "one stamp went through the tree"
    );
    let (_, said) = run(blocks.iter().find(|b| b.contains("root OK")).unwrap());
    assert!(said.contains("root OK"), "{said}");
    // The secret key is in no file of the bag nor of the vault.
    for dir in [&bag, &env.vault_dir()] {
        for e in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(|e| e.ok())
        {
            if e.file_type().is_file() {
                let bytes = fs::read(e.path()).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(&secret_line),
                    "the secret key is in {}",
                    e.path().display()
                );
            }
        }
    }
    // What the arbitrator reads says what vouches for each file, and flags the late one.
    let report = fs::read_to_string(bag.join("data/report.html")).unwrap();
    assert!(report.contains("existed no later than"), "report.html");
    assert!(report.contains("signed by key"));
    assert!(report.contains("filed after the dispute was opened"));
    if crate::common::have_tool("pdftotext", &["-v"]) {
        let pdf = fs::read_dir(bag.join("data/upload"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "pdf"))
            .unwrap();
        let o = Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout).replace('\n', " ");
        assert!(text.contains("existed no later than"), "{text}");
        assert!(
            text.contains("filed after the dispute was opened"),
            "{text}"
        );
    }
    if crate::common::have_tool("python3", &["-m", "bagit", "--version"]) {
        let o = Command::new("python3")
            .args(["-m", "bagit", "--validate"])
            .arg(&bag)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    // verify-bundle: signed and stamped; pinned to the right key; refused with another key.
    let (v, code) = env.json(&["verify-bundle", zip.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["stamps"].as_array().unwrap().len(), 2, "{v}");
    assert!(v["signed_by"].is_string());
    let pubfile = bag.join("data/trust/signing-key.pub");
    let (v, code) = env.json(&[
        "verify-bundle",
        zip.to_str().unwrap(),
        "--key",
        pubfile.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    let other = Env::new();
    key(&other);
    let (p, _) = other.json(&["key", "public"]);
    let (v, code) = env.json(&[
        "verify-bundle",
        zip.to_str().unwrap(),
        "--key",
        p["public_key"].as_str().unwrap(),
    ]);
    assert_eq!(code, 3, "another key: {v}");

    // A flipped byte in a token inside the bag, manifests and all edited to match: the token fails.
    let tampered = env.path("t.zip");
    crate::common::rewrite_zip(
        &zip,
        &tampered,
        |name, mut bytes| {
            if name.ends_with("entry-1.tsr") {
                let n = bytes.len();
                bytes[n - 5] ^= 1;
            }
            Some((name.to_string(), bytes))
        },
        Vec::new(),
    );
    let (v, code) = env.json(&["verify-bundle", tampered.to_str().unwrap()]);
    assert_eq!(code, 3, "{v}");
    assert!(v["problems"].to_string().contains("entry-1.tsr"), "{v}");
}

#[test]
fn signed_bundles_of_the_same_evidence_are_byte_identical() {
    let env = Env::new();
    key(&env);
    add(&env, "901", "a.txt", b"a");
    let mk = |out: &str| {
        let p = env.path(out);
        let o = env
            .vault()
            .env("SOURCE_DATE_EPOCH", "1795000000")
            .args(["bundle", "901", "-o"])
            .arg(&p)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        p
    };
    let (a, b) = (mk("a.zip"), mk("b.zip"));
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    assert!(
        crate::common::zip_entry(&a, "901-evidence-2026-11-18/tagmanifest-sha256.txt.minisig")
            .starts_with(b"untrusted comment")
    );
}

#[test]
fn an_encrypted_key_signs_with_its_password_and_says_so_without_one() {
    let env = Env::new();
    let (v, code) = {
        let out = env
            .vault()
            .env("VAULT_KEY_PASSWORD", "correct horse")
            .args(["--json", "key", "generate", "--encrypt"])
            .output()
            .unwrap();
        (
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
            out.status.code().unwrap(),
        )
    };
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["encrypted"], true);
    let secret = fs::read_to_string(v["secret_key"].as_str().unwrap()).unwrap();
    assert!(secret.contains("encrypted"), "{secret}");
    // minisign opens it with the password (read from standard input) and signs with it.
    if tool("minisign") {
        let data = env.write("m.txt", b"m");
        let p = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo 'correct horse' | minisign -S -s '{}' -m '{}'",
                v["secret_key"].as_str().unwrap(),
                data.display()
            ))
            .output()
            .unwrap();
        assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    }
    let f = env.write("in/a.txt", b"a");
    let with = env
        .vault()
        .env("VAULT_KEY_PASSWORD", "correct horse")
        .args(["add", "--order", "1101", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let wrong = env
        .vault()
        .env("VAULT_KEY_PASSWORD", "wrong")
        .args(["add", "--order", "1101", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    let (v, code) = env.json(&["add", "--order", "1101", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{v}");
    assert!(
        v["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("VAULT_KEY_PASSWORD"),
        "{v}"
    );
    let (v, code) = env.json(&["verify", "--order", "1101"]);
    assert_eq!(
        (code, v["trust"][0]["signed_through"].as_u64()),
        (0, Some(0)),
        "{v}"
    );
}

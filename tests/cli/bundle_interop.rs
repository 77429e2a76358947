//! A bundle checked with tools we did not write: `unzip -t`, `sha256sum -c`, `bagit.py --validate`
//! (PyPI bagit), `openssl dgst`, the ledger-chain commands printed in VERIFY.txt, and `report.html`
//! rendered in headless Chromium. `.ci/run` installs them; elsewhere a missing tool skips its part.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Env, example_evidence, have_tool};

const ORDER: &str = "8123456789012345";

fn bundled() -> (Env, PathBuf, PathBuf) {
    let env = Env::new();
    env.vault()
        .args(["add", "--order", ORDER])
        .arg(example_evidence())
        .assert()
        .success();
    env.vault()
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .args(["bundle", ORDER, "-o", "evidence.zip"])
        .assert()
        .success();
    let zip = env.path("evidence.zip");
    let bag = env.path("x/8123456789012345-evidence-2026-11-18");
    (env, zip, bag)
}

fn run(cmd: &mut Command) -> (bool, String) {
    let o = cmd.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

fn unzip(zip: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let (ok, out) = run(Command::new("unzip").arg("-q").arg(zip).arg("-d").arg(into));
    assert!(ok, "{out}");
}

#[test]
fn standard_tools_accept_the_bundle_and_catch_a_change() {
    if !have_tool("unzip", &["-v"]) || !have_tool("sha256sum", &["--version"]) {
        return;
    }
    let (env, zip, bag) = bundled();
    let (ok, out) = run(Command::new("unzip").arg("-t").arg(&zip));
    assert!(ok && out.contains("No errors detected"), "{out}");
    unzip(&zip, &env.path("x"));
    let (ok, out) = run(Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&bag));
    assert!(ok, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.ends_with(": OK")).count(),
        13,
        "{out}"
    );

    if have_tool("openssl", &["version"]) {
        let (ok, out) = run(Command::new("openssl")
            .args(["dgst", "-sha256", "-r"])
            .arg(&zip));
        let (v, _) = env.json(&["verify-bundle", zip.to_str().unwrap()]);
        assert!(
            ok && out.starts_with(v["sha256"].as_str().unwrap()),
            "{out}"
        );
    }

    // VERIFY.txt's ledger-chain commands, run as printed.
    if have_tool("jq", &["--version"]) {
        let text = std::fs::read_to_string(bag.join("VERIFY.txt")).unwrap();
        let start = text.find("     prev=0000").unwrap();
        let end = text[start..].find("\n\n").unwrap() + start;
        let script: String = text[start..end]
            .lines()
            .map(|l| l.trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let (ok, out) = run(Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(&bag));
        assert!(
            ok && out.contains("chain checked: 6 lines") && !out.contains("broken"),
            "{out}"
        );
        let ledger = bag.join("data/ledger.jsonl");
        let t = std::fs::read_to_string(&ledger)
            .unwrap()
            .replacen("\"seq\":1,", "\"seq\":1, ", 1);
        std::fs::write(&ledger, t).unwrap();
        let (_, out) = run(Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(&bag));
        assert!(out.contains("chain broken at line 3"), "{out}");
    }

    // A changed original fails sha256sum.
    let photo = bag.join("data/originals/photo/IMG_0001.jpg");
    let mut b = std::fs::read(&photo).unwrap();
    b[300] ^= 1;
    std::fs::write(&photo, b).unwrap();
    let (ok, out) = run(Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&bag));
    assert!(!ok && out.contains("IMG_0001.jpg: FAILED"), "{out}");
}

#[test]
fn bagit_python_validates_the_extracted_bag() {
    // bagit-python, run as a module so that no PATH shim is needed.
    if !have_tool("python3", &["-m", "bagit", "--version"]) || !have_tool("unzip", &["-v"]) {
        return;
    }
    let (env, zip, bag) = bundled();
    unzip(&zip, &env.path("x"));
    let (ok, out) = run(Command::new("python3")
        .args(["-m", "bagit", "--validate"])
        .arg(&bag));
    assert!(ok && out.contains("is valid"), "{out}");
    // And refuses it once a payload file is added.
    std::fs::write(bag.join("data/originals/photo/smuggled.jpg"), b"x").unwrap();
    let (ok, out) = run(Command::new("python3")
        .args(["-m", "bagit", "--validate"])
        .arg(&bag));
    assert!(!ok, "{out}");
}

#[test]
fn report_renders_in_headless_chromium_with_the_photos() {
    if !have_tool("chromium", &["--version"]) || !have_tool("unzip", &["-v"]) {
        return;
    }
    let (env, zip, bag) = bundled();
    unzip(&zip, &env.path("x"));
    let report = bag.join("data/report.html");
    let profile = env.path("chromium-profile");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1280,2000",
    ];
    let url = format!("file://{}", report.display());
    // The DOM the browser built: the order, every item name, four embedded images.
    let out = Command::new("chromium")
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("Evidence for order 8123456789012345"), "{dom}");
    for name in [
        "IMG_0001.jpg",
        "IMG_0004.jpg",
        "WhatsApp-Chat-with-Lena.txt",
        "tracking-2026-11-25.json",
    ] {
        assert!(dom.contains(name), "{name} missing from the rendered page");
    }
    assert_eq!(dom.matches("src=\"data:image/jpeg;base64,").count(), 4);
    assert!(!dom.contains("<script"));
    // The pixels: the thumbnails are really painted (IMG_0001 shows a blue box, 70,110,200).
    let shot = env.path("report.png");
    let o = Command::new("chromium")
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(shot.is_file(), "{}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(&shot).unwrap().to_rgb8();
    let blue = img
        .pixels()
        .filter(|p| p[0].abs_diff(70) < 25 && p[1].abs_diff(110) < 25 && p[2].abs_diff(200) < 25)
        .count();
    assert!(
        blue > 2000,
        "the blue box of IMG_0001's thumbnail is on screen ({blue} px)"
    );
}

//! Inputs from the wild get a clear answer: zips that are not vault bundles, made here in the
//! test, each checked for exit 3, a message naming the problem, and no panic.

use std::io::Write;

use crate::common::Env;

/// A zip with these (name, bytes) entries, stored, written by the zip crate.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        if name.ends_with('/') {
            w.add_directory(*name, opts).unwrap();
        } else {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn zips_that_are_not_bundles_are_told_so_without_a_panic() {
    let env = Env::bare();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "top-level-file.zip",
            zip_of(&[("readme.txt", b"hi")]),
            "not a vault bundle",
        ),
        (
            "file-then-folder.zip",
            zip_of(&[("a", b"x"), ("a/b.txt", b"y")]),
            "not a vault bundle",
        ),
        (
            "two-folders.zip",
            zip_of(&[("one/a.txt", b"x"), ("two/b.txt", b"y")]),
            "not a vault bundle",
        ),
        (
            "folders-only.zip",
            zip_of(&[("one/", b"")]),
            "not a vault bundle",
        ),
        ("empty.zip", zip_of(&[]), "not a vault bundle"),
        (
            "other-bag.zip",
            zip_of(&[("bag/data/x.txt", b"x")]),
            "not a vault bundle",
        ),
        (
            "not-a-zip.zip",
            b"PK\x03\x04 but nothing after".to_vec(),
            "not a readable zip",
        ),
        ("text.zip", b"hello".to_vec(), "not a readable zip"),
    ];
    for (name, bytes, says) in cases {
        let path = env.path(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = env
            .vault()
            .arg("verify-bundle")
            .arg(&path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{name}: {stdout}{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            stdout.contains(says),
            "{name}: expected {says:?} in:\n{stdout}"
        );
        let (v, code) = env.json(&["verify-bundle", path.to_str().unwrap()]);
        assert_eq!(code, 3, "{name}: {v}");
        assert!(!v["problems"].as_array().unwrap().is_empty(), "{name}: {v}");
    }
}

/// A tag file larger than any bundle's is not held in memory: it is named as a problem, and the
/// check goes on streaming (exit 3, no panic, no huge allocation).
#[test]
fn an_oversized_tag_file_is_reported_not_held() {
    let env = Env::bare();
    let big = vec![b'x'; (64 << 20) + 1];
    let path = env.path("big.zip");
    std::fs::write(
        &path,
        zip_of(&[
            ("bag/bagit.txt", b"BagIt-Version: 1.0\n"),
            ("bag/VERIFY.txt", &big),
        ]),
    )
    .unwrap();
    let (v, code) = env.json(&["verify-bundle", path.to_str().unwrap()]);
    assert_eq!(code, 3, "{v}");
    assert!(
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"] == "VERIFY.txt"
                && p["what"].as_str().unwrap().contains("not read as text")),
        "{v}"
    );
}

/// A zip made by hand around one stored entry, with `declared` as the size its central directory
/// claims (a lie the checker must not believe).
fn zip_declaring(name: &str, data: &[u8], declared: u32) -> Vec<u8> {
    let mut z = zip_of(&[(name, data)]);
    // The central directory header (PK\1\2) holds compressed size at +20, uncompressed at +24.
    let cd = z.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    z[cd + 24..cd + 28].copy_from_slice(&declared.to_le_bytes());
    z
}

#[test]
fn hostile_zip_entries_are_named_and_refused() {
    let env = Env::bare();
    let bagit: &[u8] = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "slip.zip",
            zip_of(&[("b/bagit.txt", bagit), ("b/../../etc/x", b"x")]),
            "../../etc/x",
        ),
        (
            "absolute.zip",
            zip_of(&[("b/bagit.txt", bagit), ("/etc/x", b"x")]),
            "/etc/x",
        ),
        (
            "backslash.zip",
            zip_of(&[("b/bagit.txt", bagit), ("b/data\\..\\x", b"x")]),
            "b/data\\..\\x",
        ),
        (
            "drive.zip",
            zip_of(&[("b/bagit.txt", bagit), ("C:/x", b"x")]),
            "C:/x",
        ),
        (
            "case-twins.zip",
            zip_of(&[
                ("b/bagit.txt", bagit),
                ("b/data/A.txt", b"1"),
                ("b/data/a.txt", b"2"),
            ]),
            "only in case",
        ),
        (
            "nfc-nfd.zip",
            zip_of(&[
                ("b/bagit.txt", bagit),
                ("b/data/caf\u{e9}.txt", b"1"),
                ("b/data/cafe\u{301}.txt", b"2"),
            ]),
            "caf",
        ),
        (
            "declares-2gb.zip",
            zip_declaring("b/data/big.bin", b"tiny", 2_000_000_000),
            "big.bin",
        ),
    ];
    for (name, bytes, names) in cases {
        let path = env.path(name);
        std::fs::write(&path, &bytes).unwrap();
        let (v, code) = env.json(&["verify-bundle", path.to_str().unwrap()]);
        assert_eq!(code, 3, "{name}: {v}");
        let named = v["problems"].as_array().unwrap().iter().any(|p| {
            p["path"].as_str().unwrap().contains(names)
                || p["what"].as_str().unwrap().contains(names)
        });
        assert!(named, "{name}: expected {names:?} named in {v}");
    }
}

#[test]
fn symlink_entries_in_a_bundle_are_refused() {
    let env = Env::bare();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("b/bagit.txt", opts).unwrap();
    w.write_all(b"BagIt-Version: 1.0\n").unwrap();
    w.add_symlink("b/data/passwd", "/etc/passwd", opts).unwrap();
    let path = env.path("link.zip");
    std::fs::write(&path, w.finish().unwrap().into_inner()).unwrap();
    let (v, code) = env.json(&["verify-bundle", path.to_str().unwrap()]);
    assert_eq!(code, 3, "{v}");
    assert!(v["problems"].to_string().contains("symbolic link"), "{v}");
}

/// Photos and carrier payloads from the wild that are broken on purpose: filed byte for byte
/// (the original is the evidence), each parse failure named, and the vault still verifies and
/// bundles.
#[test]
fn broken_photos_and_hostile_json_are_filed_and_the_vault_stays_clean() {
    let env = Env::new();
    let mut huge_jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x03,
    ];
    huge_jpeg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty.jpg", Vec::new()),
        ("four.jpg", vec![0xFF, 0xD8, 0xFF, 0xD9]),
        (
            "eight.jpg",
            vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x45, 0x78],
        ),
        ("declares-65535x65535.jpg", huge_jpeg),
        ("tracking-deep.json", deep.into_bytes()),
        // A chat export carrying a zip: the inner zip is filed as it is, never opened.
        (
            "WhatsApp Chat - Buyer.zip",
            zip_of(&[
                ("_chat.txt", b"[18.11.26, 09:41:05] Buyer: sent?\n"),
                ("inner.zip", &zip_of(&[("x/_chat.txt", b"nested")])),
            ]),
        ),
    ];
    for (name, bytes) in &files {
        let p = env.write(&format!("in/{name}"), bytes);
        let kind = if name.ends_with(".json") {
            "tracking"
        } else if name.ends_with(".zip") {
            "chat"
        } else {
            "photo"
        };
        let out = env
            .vault()
            .args([
                "--json",
                "add",
                "--order",
                "8123456789012345",
                "--kind",
                kind,
            ])
            .arg(&p)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        if kind == "tracking" {
            assert!(
                stderr.contains(name) && stderr.contains("without events"),
                "{name}: {stderr}"
            );
        }
    }
    env.vault().arg("verify").assert().success();
    let out = env
        .vault()
        .args([
            "--json",
            "bundle",
            "8123456789012345",
            "--platform",
            "stripe",
            "-o",
            "b.zip",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.vault()
        .args(["verify-bundle", "b.zip"])
        .assert()
        .success();
    let (show, _) = env.json(&["show", "8123456789012345"]);
    // Every file, plus the inner zip taken out of the chat export (filed as it is, not opened).
    let items = show["items"].as_array().unwrap();
    assert_eq!(items.len(), files.len() + 1, "{show}");
    assert!(items.iter().any(|i| i["name"] == "inner.zip"), "{show}");
}

/// `vault add --kind chat FILE`, which must succeed without a panic; its stderr.
fn add_chat(env: &Env, file: &std::path::Path) -> String {
    let out = env
        .vault()
        .args(["add", "--order", "8123456789012345", "--kind", "chat"])
        .arg(file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{}: {stderr}", file.display());
    assert_eq!(out.status.code(), Some(0), "{}: {stderr}", file.display());
    stderr
}

/// Chat exports crafted to cost memory out of proportion to their size (a Telegram export of
/// 200,001 empty messages, a Messenger one likewise, a text of a million empty lines) are filed as
/// they are, each refused by the parser with a message naming the file and the bound; the vault
/// verifies and the order still bundles.
#[test]
fn chat_exports_crafted_for_memory_are_refused_by_name() {
    let env = Env::new();
    let many = |item: &str| {
        let mut s = String::from("{\"messages\":[");
        for i in 0..200_001 {
            if i > 0 {
                s.push(',');
            }
            s.push_str(item);
        }
        s.push_str("]}");
        s.into_bytes()
    };
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("result.json", many("{}"), "more than 200000 messages"),
        (
            "message_1.json",
            {
                let mut v =
                    b"{\"participants\":[],\"sender_name\":\"x\",\"timestamp_ms\":1,".to_vec();
                v.extend_from_slice(&many("{}")[1..]);
                v
            },
            "more than 200000 messages",
        ),
        (
            "lines.txt",
            vec![b'\n'; 1_000_001],
            "more than 1000000 lines",
        ),
    ];
    for (name, bytes, why) in &files {
        let stderr = add_chat(&env, &env.write(&format!("in/{name}"), bytes));
        assert!(
            stderr.contains(name) && stderr.contains(why),
            "{name}: {stderr}"
        );
    }
    env.vault().arg("verify").assert().success();
    env.vault()
        .args(["bundle", "8123456789012345", "-o", "b.zip"])
        .assert()
        .success();
    let (show, _) = env.json(&["show", "8123456789012345"]);
    assert_eq!(
        show["items"].as_array().unwrap().len(),
        files.len(),
        "{show}"
    );
}

/// The zip crate's own odd-format test files (tests/fixtures/odd-zips, see SOURCES.md there):
/// `verify-bundle` tells each is not a readable vault bundle (exit 3, the file named, no panic),
/// and each filed as a WhatsApp chat export is kept as it is with the vault verifying clean.
#[test]
fn the_zip_crates_odd_test_files_get_a_clear_answer() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/odd-zips");
    let mut zips: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    zips.sort();
    assert!(zips.len() >= 30, "{} odd zips", zips.len());
    let env = Env::new();
    for zip in &zips {
        let name = zip.file_name().unwrap().to_string_lossy().into_owned();
        let out = env.vault().arg("verify-bundle").arg(zip).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("panicked"), "{name}: {all}");
        assert_eq!(out.status.code(), Some(3), "{name}: {all}");
        assert!(
            all.contains("not a vault bundle")
                || all.contains("not a readable zip")
                || all.contains("entries overlap"),
            "{name}: {all}"
        );
        assert!(all.contains("TAMPERED OR MALFORMED"), "{name}: {all}");

        let chat = env.write(
            &format!("in/WhatsApp Chat - {name}"),
            &std::fs::read(zip).unwrap(),
        );
        add_chat(&env, &chat);
    }
    env.vault().arg("verify").assert().success();
}

/// A zip of one compressed run listed as many entries (an overlapping-entry zip bomb: 200 names,
/// each inflating the same 4 MiB) is refused whole, as a bundle and as a chat export, without
/// inflating it; the vault still verifies.
#[test]
fn an_overlapping_entry_zip_bomb_is_refused_whole() {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("b/_chat.txt", deflated).unwrap();
    w.write_all(b"[18.11.26, 09:41:05] Buyer: sent?\n").unwrap();
    w.start_file("b/data/originals/zeros.jpg", deflated)
        .unwrap();
    w.write_all(&vec![0u8; 4 << 20]).unwrap();
    for i in 0..200 {
        w.shallow_copy_file(
            "b/data/originals/zeros.jpg",
            &format!("b/data/originals/copy-{i}.jpg"),
        )
        .unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
    let env = Env::new();
    let path = env.write("in/WhatsApp Chat - bomb.zip", &bomb);
    let out = env
        .vault()
        .arg("verify-bundle")
        .arg(&path)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("entries overlap"), "{all}");
    let stderr = add_chat(&env, &path);
    assert!(
        stderr.contains("WhatsApp Chat - bomb.zip") && stderr.contains("entries overlap"),
        "{stderr}"
    );
    let (show, _) = env.json(&["show", "8123456789012345"]);
    assert_eq!(
        show["items"].as_array().unwrap().len(),
        1,
        "the zip alone: {show}"
    );
    env.vault().arg("verify").assert().success();
}

/// An EXIF block whose one entry declares 4 billion values (a Make tag of type ASCII, count
/// 0xFFFFFFFF) is filed with its metadata error or without the field, never read past its end.
#[test]
fn an_exif_entry_declaring_four_billion_values_is_filed() {
    // TIFF little-endian header, IFD0 with one entry: Make (0x010F), ASCII, count 0xFFFFFFFF,
    // value at offset 26 (past the end of the block).
    let mut tiff = b"II*\0\x08\0\0\0\x01\0".to_vec();
    tiff.extend_from_slice(&[0x0F, 0x01, 0x02, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 26, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(&app1);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    let env = Env::new();
    let p = env.write("in/huge-count.jpg", &jpeg);
    let (add, code) = env.json(&[
        "add",
        "--order",
        "8123456789012345",
        "--kind",
        "photo",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{add}");
    assert_eq!(add["items"][0]["status"], "added", "{add}");
    // What could not be read is said of this file by name.
    let warned = add["warning_details"].as_array().unwrap();
    assert!(
        warned.iter().any(|w| w["path"] == p.to_str().unwrap()),
        "{add}"
    );
    assert!(
        add["items"][0]["camera"].is_null(),
        "no Make read from past the end: {add}"
    );
    env.vault().arg("verify").assert().success();
}

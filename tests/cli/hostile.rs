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

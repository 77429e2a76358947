//! `vault bundle` and `vault verify-bundle`, driven through the real binary.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{
    Env, example_evidence, jpeg_bytes, make_writable, rewrite_zip, sha256_hex, zip_entry,
};
use predicates::prelude::*;
use serde_json::Value;

const ORDER: &str = "8123456789012345";
const EPOCH: &str = "1795000000"; // 2026-11-18T11:06:40Z
const BAG: &str = "8123456789012345-evidence-2026-11-18";

/// A vault holding the example evidence (4 photos with EXIF, a tracking JSON, a chat).
fn env_with_evidence() -> Env {
    let env = Env::new();
    env.vault()
        .args([
            "add",
            "--order",
            ORDER,
            "--by",
            "packer-3",
            "--note",
            "packed at station 3",
        ])
        .arg(example_evidence())
        .assert()
        .success();
    env
}

fn bundle(env: &Env, out: &str) -> (Value, PathBuf) {
    let o = env
        .vault()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["--json", "bundle", ORDER, "--force", "-o", out])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (serde_json::from_slice(&o.stdout).unwrap(), env.path(out))
}

fn verify(env: &Env, zip: &Path) -> (Vec<Value>, i32) {
    let (v, code) = env.json(&["verify-bundle", zip.to_str().unwrap()]);
    (v["problems"].as_array().cloned().unwrap_or_default(), code)
}

fn problems_mention(p: &[Value], path_part: &str, what_part: &str) -> bool {
    p.iter().any(|p| {
        p["path"].as_str().unwrap().contains(path_part)
            && p["what"].as_str().unwrap().contains(what_part)
    })
}

#[test]
fn bundle_writes_a_verified_bag_and_records_it() {
    let env = env_with_evidence();
    let (v, zip) = bundle(&env, "out.zip");
    assert_eq!(v["command"], "bundle");
    assert_eq!(v["bag"], BAG);
    assert_eq!(v["originals"], 6);
    assert_eq!(v["thumbnails"], 4);
    let bytes = fs::read(&zip).unwrap();
    assert_eq!(v["sha256"], sha256_hex(&bytes));
    assert_eq!(v["size"], bytes.len());

    // Originals are byte-identical, under kind folders.
    for f in fs::read_dir(example_evidence()).unwrap() {
        let f = f.unwrap().path();
        let name = f.file_name().unwrap().to_str().unwrap();
        let kind = if name.ends_with(".jpg") {
            "photo"
        } else if name.ends_with(".json") {
            "tracking"
        } else {
            "chat"
        };
        assert_eq!(
            zip_entry(&zip, &format!("{BAG}/data/originals/{kind}/{name}")),
            fs::read(&f).unwrap(),
            "{name}"
        );
    }
    // manifest.json describes each file; thumbnails name their original.
    let m: Value =
        serde_json::from_slice(&zip_entry(&zip, &format!("{BAG}/data/manifest.json"))).unwrap();
    assert_eq!(m["schema_version"], 1);
    assert_eq!(m["order"], ORDER);
    assert_eq!(m["generated_at"], "2026-11-18T11:06:40.000Z");
    let files = m["files"].as_array().unwrap();
    let photo = files
        .iter()
        .find(|f| f["path"] == "data/originals/photo/IMG_0001.jpg")
        .unwrap();
    assert_eq!(photo["original_name"], "IMG_0001.jpg");
    assert_eq!(photo["added_by"], "packer-3");
    assert_eq!(photo["note"], "packed at station 3");
    assert_eq!(photo["kind"], "photo");
    let thumb = files
        .iter()
        .find(|f| f["path"] == "data/thumbnails/IMG_0001.jpg")
        .unwrap();
    assert_eq!(thumb["derived_from"], photo["sha256"]);
    assert_eq!(thumb["role"], "thumbnail");
    // The thumbnail is a real, bounded JPEG, orientation applied (IMG_0003 has Orientation 6: 640x480 becomes portrait).
    let t3 = image::load_from_memory(&zip_entry(
        &zip,
        &format!("{BAG}/data/thumbnails/IMG_0003.jpg"),
    ))
    .unwrap();
    assert_eq!((t3.width(), t3.height()), (192, 256));
    let t1 = image::load_from_memory(&zip_entry(
        &zip,
        &format!("{BAG}/data/thumbnails/IMG_0001.jpg"),
    ))
    .unwrap();
    assert_eq!((t1.width(), t1.height()), (256, 192));

    // The ledger records the bundle; show lists it.
    let (show, _) = env.json(&["show", ORDER]);
    let last = show["ledger"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"], "bundle");
    assert_eq!(last["bundle"]["sha256"], v["sha256"]);
    assert_eq!(last["bundle"]["file"], "out.zip");
    env.vault()
        .args(["show", ORDER])
        .assert()
        .success()
        .stdout(predicate::str::contains("bundle out.zip"));

    let (p, code) = verify(&env, &zip);
    assert_eq!(code, 0, "{p:?}");
    env.vault()
        .args(["verify-bundle", zip.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "INTACT: order 8123456789012345, 6 original(s)",
        ));
}

#[test]
fn with_source_date_epoch_bundles_are_byte_identical() {
    let env = env_with_evidence();
    let (_, a) = bundle(&env, "a.zip");
    let (_, b) = bundle(&env, "b.zip");
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    // Entries are sorted, and every timestamp is the generated time.
    let mut z = zip::ZipArchive::new(fs::File::open(&a).unwrap()).unwrap();
    let names: Vec<String> = z.file_names().map(|n| n.unwrap().to_string()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    // ZipArchive::file_names is in central-directory order.
    assert_eq!(names.len(), sorted.len());
    for i in 0..z.len() {
        let e = z.by_index(i).unwrap();
        assert_eq!(e.unix_mode().unwrap() & 0o777, 0o644);
        let t = e.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (2026, 11, 18));
    }
}

#[test]
fn without_source_date_epoch_only_the_generated_time_differs() {
    let env = env_with_evidence();
    for out in ["a.zip", "b.zip"] {
        env.vault()
            .args(["bundle", ORDER, "-o", out])
            .assert()
            .success();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (a, b) = (env.path("a.zip"), env.path("b.zip"));
    let bag_a = zip::ZipArchive::new(fs::File::open(&a).unwrap())
        .unwrap()
        .file_names()
        .next()
        .unwrap()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut za = zip::ZipArchive::new(fs::File::open(&a).unwrap()).unwrap();
    for i in 0..za.len() {
        let name = za.by_index(i).unwrap().name().unwrap().to_string();
        let rel = &name[bag_a.len() + 1..];
        let (x, y) = (zip_entry(&a, &name), zip_entry(&b, &name));
        if rel == "data/manifest.json" {
            let mut mx: Value = serde_json::from_slice(&x).unwrap();
            let mut my: Value = serde_json::from_slice(&y).unwrap();
            assert_ne!(mx["generated_at"], my["generated_at"]);
            // report.html shows the generated time, so its hash differs too.
            for m in [&mut mx, &mut my] {
                m["generated_at"] = Value::Null;
                for f in m["files"].as_array_mut().unwrap() {
                    if f["role"] == "report" {
                        f["sha256"] = Value::Null;
                    }
                }
            }
            assert_eq!(mx, my);
        } else if [
            "data/report.html",
            "manifest-sha256.txt",
            "SHA256SUMS",
            "tagmanifest-sha256.txt",
        ]
        .contains(&rel)
        {
            // These carry the time, or the hash of something that does.
        } else {
            assert_eq!(x, y, "{rel} differs");
        }
    }
}

#[test]
fn second_bundle_uses_the_thumbnail_cache_and_refuses_to_overwrite() {
    let env = env_with_evidence();
    bundle(&env, "a.zip");
    let thumbs = fs::read_dir(env.vault_dir().join("cache/thumbs"))
        .unwrap()
        .count();
    assert_eq!(thumbs, 4);
    env.vault()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["bundle", ORDER, "-o", "a.zip"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    env.vault()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["bundle", ORDER, "-o", "a.zip", "--force"])
        .assert()
        .success();
    // Default name in the current directory.
    env.vault()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["bundle", ORDER])
        .assert()
        .success();
    assert!(env.path(&format!("{BAG}.zip")).is_file());
}

#[test]
fn bundle_refuses_broken_evidence_and_leaves_no_file() {
    let env = env_with_evidence();
    let obj = env.object_path(&sha256_hex(
        &fs::read(example_evidence().join("IMG_0002.jpg")).unwrap(),
    ));
    make_writable(&obj);
    let mut b = fs::read(&obj).unwrap();
    b[500] ^= 1;
    fs::write(&obj, b).unwrap();
    env.vault()
        .args(["bundle", ORDER, "-o", "x.zip"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("hashes to"));
    assert!(!env.path("x.zip").exists());
    assert!(
        fs::read_dir(env.dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".part"))
    );
    env.vault()
        .args(["bundle", "NOPE", "-o", "y.zip"])
        .assert()
        .code(1);
    env.vault()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["bundle", ORDER])
        .assert()
        .code(2);
}

#[test]
fn a_tampered_ledger_is_not_bundled() {
    let env = env_with_evidence();
    let l = env.ledger(ORDER);
    let t = fs::read_to_string(&l)
        .unwrap()
        .replacen("packer-3", "someone", 1);
    fs::write(&l, t).unwrap();
    env.vault()
        .args(["bundle", ORDER, "-o", "x.zip"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("broken ledger"));
}

// --- verify-bundle against tampering -------------------------------------------------------

fn tampered(
    env: &Env,
    edit: impl FnMut(&str, Vec<u8>) -> Option<(String, Vec<u8>)>,
    extra: Vec<(String, Vec<u8>)>,
) -> (Vec<Value>, i32) {
    let (_, zip) = bundle(env, "good.zip");
    let bad = env.path("bad.zip");
    rewrite_zip(&zip, &bad, edit, extra);
    verify(env, &bad)
}

#[test]
fn a_flipped_byte_in_a_photo_is_found() {
    let env = env_with_evidence();
    let (p, code) = tampered(
        &env,
        |n, mut b| {
            if n.ends_with("originals/photo/IMG_0002.jpg") {
                b[1000] ^= 0x01;
            }
            Some((n.to_string(), b))
        },
        vec![],
    );
    assert_eq!(code, 3);
    assert!(
        problems_mention(
            &p,
            "data/originals/photo/IMG_0002.jpg",
            "does not match manifest-sha256.txt"
        ),
        "{p:?}"
    );
    assert!(problems_mention(
        &p,
        "IMG_0002.jpg",
        "not recorded in the ledger"
    ));
}

#[test]
fn a_removed_and_an_added_file_are_found() {
    let env = env_with_evidence();
    let (p, code) = tampered(
        &env,
        |n, b| {
            (!n.ends_with("IMG_0004.jpg") || n.contains("thumbnails")).then(|| (n.to_string(), b))
        },
        vec![],
    );
    assert_eq!(code, 3);
    assert!(
        problems_mention(
            &p,
            "data/originals/photo/IMG_0004.jpg",
            "missing from the bag"
        ),
        "{p:?}"
    );
    let (p, code) = tampered(
        &env,
        |n, b| Some((n.to_string(), b)),
        vec![(
            format!("{BAG}/data/originals/photo/extra.jpg"),
            jpeg_bytes(9),
        )],
    );
    assert_eq!(code, 3);
    assert!(
        problems_mention(
            &p,
            "data/originals/photo/extra.jpg",
            "not listed in manifest-sha256.txt"
        ),
        "{p:?}"
    );
}

#[test]
fn a_swapped_photo_with_every_manifest_edited_to_match_is_caught_by_the_ledger() {
    let env = env_with_evidence();
    let (_, zip) = bundle(&env, "good.zip");
    let old = zip_entry(&zip, &format!("{BAG}/data/originals/photo/IMG_0001.jpg"));
    let new = jpeg_bytes(42);
    let (old_h, new_h) = (sha256_hex(&old), sha256_hex(&new));
    let swap = |s: &str| {
        s.replace(&old_h, &new_h).replace(
            &format!("\"size\": {}", old.len()),
            &format!("\"size\": {}", new.len()),
        )
    };
    // First pass: replace the photo and every listing of its hash, then recompute what hashes those.
    let mid = env.path("mid.zip");
    rewrite_zip(
        &zip,
        &mid,
        |n, b| {
            if n.ends_with("originals/photo/IMG_0001.jpg") {
                Some((n.to_string(), new.clone()))
            } else if n.ends_with("manifest-sha256.txt")
                || n.ends_with("SHA256SUMS")
                || n.ends_with("manifest.json")
            {
                Some((
                    n.to_string(),
                    swap(&String::from_utf8(b).unwrap()).into_bytes(),
                ))
            } else {
                Some((n.to_string(), b))
            }
        },
        vec![],
    );
    // Fix the payload and tag manifests for the edited manifest.json, and Payload-Oxum.
    let mj = zip_entry(&mid, &format!("{BAG}/data/manifest.json"));
    let old_mj = zip_entry(&zip, &format!("{BAG}/data/manifest.json"));
    let mut listings: Vec<(String, Vec<u8>)> = Vec::new();
    for l in ["manifest-sha256.txt", "SHA256SUMS"] {
        let t = String::from_utf8(zip_entry(&mid, &format!("{BAG}/{l}")))
            .unwrap()
            .replace(&sha256_hex(&old_mj), &sha256_hex(&mj));
        listings.push((l.to_string(), t.into_bytes()));
    }
    let info = String::from_utf8(zip_entry(&mid, &format!("{BAG}/bag-info.txt"))).unwrap();
    let oxum_line = info
        .lines()
        .find(|l| l.starts_with("Payload-Oxum"))
        .unwrap()
        .to_string();
    let (bytes, count) = oxum_line["Payload-Oxum: ".len()..].split_once('.').unwrap();
    let new_bytes: i64 = bytes.parse::<i64>().unwrap() + new.len() as i64 - old.len() as i64
        + mj.len() as i64
        - old_mj.len() as i64;
    let info = info.replace(&oxum_line, &format!("Payload-Oxum: {new_bytes}.{count}"));
    listings.push(("bag-info.txt".into(), info.into_bytes()));
    let mut tagm =
        String::from_utf8(zip_entry(&mid, &format!("{BAG}/tagmanifest-sha256.txt"))).unwrap();
    for (l, b) in &listings {
        let old_b = zip_entry(&zip, &format!("{BAG}/{l}"));
        tagm = tagm.replace(&sha256_hex(&old_b), &sha256_hex(b));
    }
    listings.push(("tagmanifest-sha256.txt".into(), tagm.into_bytes()));
    let bad = env.path("bad.zip");
    rewrite_zip(
        &mid,
        &bad,
        |n, b| {
            let rel = &n[BAG.len() + 1..];
            match listings.iter().find(|(l, _)| l == rel) {
                Some((_, nb)) => Some((n.to_string(), nb.clone())),
                None => Some((n.to_string(), b)),
            }
        },
        vec![],
    );
    let (p, code) = verify(&env, &bad);
    assert_eq!(code, 3);
    // Every manifest agrees with the swapped photo; only the ledger tells.
    assert!(
        p.iter()
            .all(|p| !p["what"].as_str().unwrap().contains("manifest")),
        "{p:?}"
    );
    assert!(
        problems_mention(
            &p,
            "data/originals/photo/IMG_0001.jpg",
            "not recorded in the ledger"
        ),
        "{p:?}"
    );
}

#[test]
fn an_edited_ledger_line_is_found() {
    let env = env_with_evidence();
    let (p, code) = tampered(
        &env,
        |n, b| {
            if n.ends_with("data/ledger.jsonl") {
                let t = String::from_utf8(b)
                    .unwrap()
                    .replacen("packer-3", "packer-9", 1);
                return Some((n.to_string(), t.into_bytes()));
            }
            Some((n.to_string(), b))
        },
        vec![],
    );
    assert_eq!(code, 3);
    assert!(
        problems_mention(&p, "data/ledger.jsonl", "line 2: prev hash does not match"),
        "{p:?}"
    );
}

#[test]
fn zip_slip_and_absolute_entries_are_refused() {
    let env = env_with_evidence();
    for evil in [
        "../../evil.sh",
        "/etc/cron.d/evil",
        &format!("{BAG}/../evil.sh"),
        &format!("{BAG}/data\\..\\..\\evil.sh"),
    ] {
        let (p, code) = tampered(
            &env,
            |n, b| Some((n.to_string(), b)),
            vec![(evil.to_string(), b"echo pwned".to_vec())],
        );
        assert_eq!(code, 3, "{evil}");
        assert!(
            p.iter()
                .any(|p| p["what"].as_str().unwrap().starts_with("unsafe entry name")),
            "{evil}: {p:?}"
        );
    }
}

#[test]
fn a_zip_bomb_is_not_inflated() {
    use std::io::Write;
    let env = env_with_evidence();
    let (_, zip) = bundle(&env, "good.zip");
    // Copy the bundle and add a 64 MiB run of zeros, deflated to ~64 KiB.
    let bad = env.path("bomb.zip");
    fs::copy(&zip, &bad).unwrap();
    let mut w = zip::ZipWriter::new_append(
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&bad)
            .unwrap(),
    )
    .unwrap();
    w.start_file(
        format!("{BAG}/data/bomb.bin"),
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        w.write_all(&zeros).unwrap();
    }
    w.finish().unwrap();
    let (p, code) = verify(&env, &bad);
    assert_eq!(code, 3);
    assert!(problems_mention(&p, "bomb.bin", "zip bomb"), "{p:?}");
}

#[test]
fn duplicate_names_and_garbage_are_malformed() {
    let env = env_with_evidence();
    let (_, zip) = bundle(&env, "good.zip");
    // Two entries whose names are made equal by patching the bytes of the second name everywhere.
    let dup = env.path("dup-src.zip");
    rewrite_zip(
        &zip,
        &dup,
        |n, b| Some((n.to_string(), b)),
        vec![
            (format!("{BAG}/data/zzzz-twin-B"), b"1".to_vec()),
            (format!("{BAG}/data/zzzz-twin-C"), b"2".to_vec()),
        ],
    );
    let bytes = fs::read(&dup).unwrap();
    let patched = String::from_utf8_lossy(&bytes).contains("zzzz-twin-C");
    assert!(patched);
    let mut b = bytes.clone();
    let needle = b"zzzz-twin-C";
    let mut i = 0;
    while let Some(pos) = b[i..].windows(needle.len()).position(|w| w == needle) {
        b[i + pos + needle.len() - 1] = b'B';
        i += pos + needle.len();
    }
    let bad = env.path("dup.zip");
    fs::write(&bad, b).unwrap();
    let (p, code) = verify(&env, &bad);
    assert_eq!(code, 3);
    assert!(
        problems_mention(&p, "dup.zip", "duplicate entry names"),
        "{p:?}"
    );

    let garbage = env.write("garbage.zip", b"PK\x03\x04 this is not a zip");
    let (p, code) = verify(&env, &garbage);
    assert_eq!(code, 3);
    assert!(
        p[0]["what"]
            .as_str()
            .unwrap()
            .contains("not a readable zip")
    );
    env.vault()
        .args(["verify-bundle", "no-such.zip"])
        .assert()
        .code(1);
}

/// After a power cut a cached thumbnail can be empty or cut short (the cache is not fsynced): such
/// a file is made again, and the bundle carries the same thumbnails as before.
#[test]
fn torn_cached_thumbnails_are_made_again() {
    let env = env_with_evidence();
    bundle(&env, "a.zip");
    let dir = env.vault_dir().join("cache/thumbs");
    let mut cached: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cached.sort();
    let good: Vec<Vec<u8>> = cached.iter().map(|p| fs::read(p).unwrap()).collect();
    fs::write(&cached[0], b"").unwrap();
    let half = &good[1][..good[1].len() / 2];
    fs::write(&cached[1], half).unwrap();
    env.vault()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["bundle", ORDER, "-o", "b.zip"])
        .assert()
        .success();
    for (p, g) in cached.iter().zip(&good) {
        assert_eq!(&fs::read(p).unwrap(), g, "{} made again", p.display());
    }
    assert_eq!(
        fs::read(env.path("a.zip")).unwrap(),
        fs::read(env.path("b.zip")).unwrap(),
        "the same bundle as before the damage"
    );
}

/// A decoder that panics on one hostile photo costs that photo its thumbnail and upload copy, each
/// reported by name; the bundle is made and verifies.
#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `cargo test --features failpoints`"
)]
fn a_panicking_decoder_costs_the_photo_its_derived_files_not_the_bundle() {
    let env = env_with_evidence();
    let out = env
        .vault()
        .env("VAULT_FAILPOINT", "decoder-panics")
        .args([
            "--json",
            "bundle",
            ORDER,
            "--platform",
            "stripe",
            "-o",
            "p.zip",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v}");
    // One note for the thumbnails and one for the upload copies, each naming every photo with
    // the reason once.
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{v}");
    for n in notes {
        let n = n.as_str().unwrap();
        assert!(n.contains("the image decoder failed on this file"), "{n}");
        assert!(n.contains("IMG_0001.jpg"), "{n}");
        assert_eq!(n.matches("decoder failed").count(), 1, "{n}");
    }
    assert!(notes[0].as_str().unwrap().starts_with("no thumbnail for "));
    assert!(
        notes[1]
            .as_str()
            .unwrap()
            .starts_with("upload for stripe: ")
    );
    let dropped = v["upload"]["dropped"].to_string();
    assert!(
        dropped.contains("IMG_0001.jpg") && dropped.contains("could not be decoded here"),
        "{v}"
    );
    let details = v["upload"]["checklist_details"].as_array().unwrap();
    assert!(
        details.iter().any(|d| d["code"] == "photos_original_only"
            && d["text"].as_str().unwrap().contains("IMG_0001.jpg")),
        "{v}"
    );
    env.vault()
        .args(["verify-bundle", "p.zip"])
        .assert()
        .success();
}

/// A very repetitive chat (a transcript that deflates past verify-bundle's zip-bomb ratio) is
/// stored uncompressed in the bundle rather than making a bundle that fails its own check.
#[test]
fn a_transcript_that_deflates_like_a_bomb_is_stored_and_the_bundle_verifies() {
    let env = Env::new();
    let line = "[18.11.26, 09:41:05] Buyer: where is my parcel? where is my parcel? where is it?\n";
    let chat = env.write(
        "in/WhatsApp Chat with Buyer.txt",
        line.repeat(14_000).as_bytes(),
    );
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "chat"])
        .arg(&chat)
        .assert()
        .success();
    env.vault()
        .args(["bundle", ORDER, "-o", "b.zip"])
        .assert()
        .success();
    env.vault()
        .args(["verify-bundle", "b.zip"])
        .assert()
        .success();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(env.path("b.zip")).unwrap()).unwrap();
    let mut large = 0;
    for i in 0..zip.len() {
        let e = zip.by_index(i).unwrap();
        if e.size() > 1 << 20 {
            large += 1;
            assert_eq!(
                e.compression(),
                zip::CompressionMethod::Stored,
                "{:?}",
                e.name()
            );
        }
    }
    assert!(
        large >= 2,
        "the chat original and its transcript are over 1 MiB"
    );
}

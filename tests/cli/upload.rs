//! `vault bundle --platform`: upload files within each platform profile's limits, a summary PDF
//! read back by poppler (`pdfinfo`, `pdftotext`), page images for image-only platforms, photos
//! re-encoded (never upscaled, orientation applied), video stills by ffmpeg, and every upload file
//! traced to its originals in manifest.json.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{Env, have_tool, sha256_hex};
use serde_json::Value;

pub(crate) const ORDER: &str = "8123456789012345";

/// A noisy photo (noise does not compress: a large file, like a real 12 MP photo).
pub(crate) fn big_photo(seed: u32, w: u32, h: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(w, h, |px, py| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let [a, b, c, _] = x.to_le_bytes();
        image::Rgb([
            (px / 16) as u8 ^ a,
            (py / 16) as u8 ^ b,
            (seed as u8).wrapping_mul(40) ^ c,
        ])
    });
    // vault's own encoder (libjpeg-turbo in the default build): fixtures cost seconds otherwise.
    vault::render::thumbnail::encode_jpeg(&img, 92).unwrap()
}

/// `jpeg` with EXIF orientation 6 (rotate 90° clockwise to display).
fn rotated(jpeg: &[u8]) -> Vec<u8> {
    let mut app1 = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    app1.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
    common::with_app1(jpeg, &app1)
}

const CHAT: &str = "\
20/11/2026, 09:15 - Дмитрий: Здравствуйте! Посылка пришла пустая.
20/11/2026, 09:20 - Seller: Hello, the parcel left us sealed; here are the packing photos.
20/11/2026, 09:31 - Ελένη: Το κουτί ήταν σκισμένο όταν έφτασε.
";

/// An order with `photos` large photos, a chat in three scripts and a tracking snapshot, and an
/// open dispute on `platform`.
fn order(env: &Env, photos: u32, side: u32, platform: &str) -> Vec<String> {
    let mut files = Vec::new();
    for k in 0..photos {
        files.push(env.write(
            &format!("in/IMG_{k:04}.jpg"),
            &big_photo(k, side, side * 3 / 4),
        ));
    }
    files.push(env.write("in/WhatsApp Chat with Dmitri.txt", CHAT.as_bytes()));
    let tracking = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tracking");
    let snapshot = std::fs::read_dir(&tracking)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("17track"))
        .expect("a 17TRACK fixture");
    files.push(env.write("in/tracking.json", &std::fs::read(snapshot).unwrap()));
    let mut add = env.vault();
    add.args(["add", "-q", "--order", ORDER]).args(&files);
    add.assert().success();
    env.vault()
        .args(["dispute", "open", ORDER, "--platform", platform])
        .args(["--reason", "not-as-described:damaged", "--case", "CASE-7"])
        .args(["--due", "2026-12-01T00:00:00Z"])
        .args(["--ordered-at", "2026-11-15T08:00:00+08:00"])
        .assert()
        .success();
    let mut hashes: Vec<String> = files
        .iter()
        .map(|f| sha256_hex(&std::fs::read(f).unwrap()))
        .collect();
    hashes.sort();
    hashes
}

pub(crate) fn bundle(env: &Env, args: &[&str]) -> (Value, i32) {
    let mut all = vec!["bundle", ORDER, "-o", "b.zip", "--force"];
    all.extend(args);
    env.json(&all)
}

/// A payload file of a bundle, by its path inside the bag (`data/...`).
pub(crate) fn zip_entry(zip: &Path, rel: &str) -> Vec<u8> {
    let f = std::fs::File::open(zip).unwrap();
    let z = zip::ZipArchive::new(f).unwrap();
    let name = z
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .find(|n| n.split_once('/').is_some_and(|(_, r)| r == rel))
        .unwrap_or_else(|| panic!("{rel} not in {}", zip.display()));
    common::zip_entry(zip, &name)
}

pub(crate) fn manifest(env: &Env) -> Value {
    let bytes = zip_entry(&env.path("b.zip"), "data/manifest.json");
    serde_json::from_slice(&bytes).unwrap()
}

pub(crate) fn upload_files(m: &Value) -> Vec<&Value> {
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "upload")
        .collect()
}

/// The upload files' names, in upload order (`01-summary.pdf`, ...).
pub(crate) fn upload_names(env: &Env) -> Vec<String> {
    upload_files(&manifest(env))
        .iter()
        .map(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("data/upload/")
                .to_string()
        })
        .collect()
}

fn poppler(env: &Env, pdf: &[u8], tool: &str) -> String {
    let p = env.write("check.pdf", pdf);
    let mut c = Command::new(tool);
    c.arg(&p);
    if tool == "pdftotext" {
        c.arg("-");
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{tool} failed: {:?}", out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn stripe_gets_one_pdf_per_evidence_field_within_its_published_limits() {
    let env = Env::new();
    let originals = order(&env, 12, 1600, "stripe");
    let statement = "Packed intact on 18 November — see the photos; упаковано целым.";
    let (v, code) = bundle(
        &env,
        &[
            "--platform",
            "stripe",
            "--statement",
            statement,
            "--tz",
            "Asia/Shanghai",
        ],
    );
    assert_eq!(code, 0, "{v}");
    let up = &v["upload"];
    assert_eq!(up["platform"], "stripe");
    // One file per evidence field: the summary as other evidence, the carrier's events as
    // shipping documentation, the conversation as customer communication.
    let fields: Vec<&str> = up["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "dispute evidence: uncategorized_file (Other evidence)",
            "dispute evidence: shipping_documentation (Shipping documentation)",
            "dispute evidence: customer_communication (Customer communication)"
        ],
        "{up}"
    );
    let total = up["total_bytes"].as_u64().unwrap();
    assert!(total <= 4_500_000, "{total}");
    assert!(
        up["checklist"][0]
            .as_str()
            .unwrap()
            .starts_with("01-summary.pdf → "),
        "{up}"
    );
    // 12 photos of ~2 MB do not fit 4.5 MB as they are: they were made smaller, and said so.
    assert!(
        up["shrunk"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("px")),
        "{up}"
    );
    // The dispute's checklist comes with the bundle.
    assert_eq!(v["dispute"]["reason"], "not-as-described:damaged");
    // The ledger's dispute line in report.html gives its times in the shop's zone too.
    let report = String::from_utf8(zip_entry(&env.path("b.zip"), "data/report.html")).unwrap();
    assert!(
        report.contains("answer due 1 Dec 2026, 08:00 Asia/Shanghai (1 Dec, 00:00 UTC)"),
        "{report}"
    );

    let m = manifest(&env);
    let ups = upload_files(&m);
    assert_eq!(ups.len(), 3);
    assert!(ups.iter().all(|u| u["media_type"] == "application/pdf"));
    let bytes = |u: &Value| zip_entry(&env.path("b.zip"), u["path"].as_str().unwrap());
    for u in &ups {
        assert!(bytes(u).len() <= 5 << 20, "{u}");
    }
    // The field files come from their own originals: the tracking snapshot, the chat.
    let one_source = |u: &Value| u["sources"].as_array().unwrap().len();
    assert_eq!((one_source(ups[1]), one_source(ups[2])), (1, 1));
    let mut sources: Vec<String> = ups[0]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    sources.sort();
    assert_eq!(sources, originals, "made from every original");

    let pdf = zip_entry(&env.path("b.zip"), ups[0]["path"].as_str().unwrap());
    assert_eq!(sha256_hex(&pdf), ups[0]["sha256"].as_str().unwrap());

    // The form's fields as data, for a script: filled from the ledger, the rest named.
    let form: Value = serde_json::from_slice(&zip_entry(
        &env.path("b.zip"),
        "data/upload/stripe-evidence.json",
    ))
    .unwrap();
    let ev = &form["evidence"];
    assert_eq!(ev["shipping_tracking_number"], "RR123456789CN", "{form}");
    assert_eq!(ev["shipping_carrier"], "China Post", "{form}");
    assert!(
        ev["shipping_date"]
            .as_str()
            .is_some_and(|d| d.len() == 10 && d.starts_with("20")),
        "{form}"
    );
    assert_eq!(ev["uncategorized_text"], statement);
    assert_eq!(form["files"]["uncategorized_file"], ups[0]["path"]);
    assert_eq!(form["files"]["shipping_documentation"], ups[1]["path"]);
    assert_eq!(form["files"]["customer_communication"], ups[2]["path"]);
    assert_eq!(form["files_not_placed"], serde_json::json!([]));
    assert_eq!(
        (form["reason"].as_str(), form["case"].as_str()),
        (Some("not-as-described:damaged"), Some("CASE-7"))
    );
    let not_filled = form["not_filled"].to_string();
    assert!(
        not_filled.contains("customer_name") && !not_filled.contains("shipping_date"),
        "{form}"
    );
    let m_form: Vec<&Value> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "form_data")
        .collect();
    assert_eq!(
        m_form.len(),
        2,
        "listed in the manifest, not as form files: {m_form:?}"
    );
    let given = zip_entry(&env.path("b.zip"), "data/upload/statement.txt");
    assert_eq!(String::from_utf8(given).unwrap(), format!("{statement}\n"));
    assert!(
        up["checklist"]
            .to_string()
            .contains("stripe-evidence.json: the text fields"),
        "{up}"
    );
    if !have_tool("pdfinfo", &["-v"]) {
        return;
    }
    let info = poppler(&env, &pdf, "pdfinfo");
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((2..=49).contains(&pages), "{info}");
    assert_eq!(up["files"][0]["pages"], pages);
    let text = poppler(&env, &pdf, "pdftotext");
    for want in [
        ORDER,
        "CASE-7",
        "not-as-described:damaged",
        "упаковано целым",
        "IMG_0004.jpg",
        // The conversation and the carrier's events are pointed to, in their own files.
        "03-customer-communication.pdf",
        "02-shipping-documentation.pdf",
        "Key dates",
        "Order placed",
        // What the order holds, on the cover (then what the reason asks for that it lacks).
        "Evidence held",
        "12 photo(s), 0 video(s)",
        "Carrier tracking",
        "3 message(s) in 1 export(s)",
        // Times as people read them, the shop's zone first (--tz).
        "15 Nov 2026, 08:00 Asia/Shanghai (15 Nov, 00:00 UTC)",
        &format!("page 1 of {pages}"),
        &format!("page {pages} of {pages}"),
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF text:\n{text}");
    }
    for h in &originals {
        assert!(text.contains(h.as_str()), "SHA-256 {h} not printed");
    }
    let chat = poppler(&env, &bytes(ups[2]), "pdftotext");
    for want in [
        "Customer communication — order",
        "Посылка пришла пустая",
        "Το κουτί ήταν σκισμένο",
    ] {
        assert!(
            chat.contains(want),
            "{want:?} not in the conversation PDF:\n{chat}"
        );
    }
    let ship = poppler(&env, &bytes(ups[1]), "pdftotext");
    for want in [
        "Shipping documentation",
        "RR123456789CN",
        "China Post",
        "Out for delivery",
    ] {
        assert!(
            ship.contains(want),
            "{want:?} not in the shipping PDF:\n{ship}"
        );
    }
}

#[test]
fn image_only_platforms_get_pages_and_photos_within_count_and_size() {
    let env = Env::new();
    order(&env, 9, 800, "aliexpress");
    // A small photo is never upscaled; a rotated one is turned upright.
    let small = env.write("in/small.jpg", &big_photo(99, 300, 200));
    let turned = env.write("in/turned.jpg", &rotated(&big_photo(98, 600, 400)));
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&small)
        .arg(&turned)
        .assert()
        .success();
    let (v, code) = bundle(&env, &["--platform", "aliexpress"]);
    assert_eq!(code, 0, "{v}");
    let up = &v["upload"];
    let files = up["files"].as_array().unwrap();
    assert_eq!(files.len(), 10, "AliExpress profile: 10 files: {up}");
    let m = manifest(&env);
    let ups = upload_files(&m);
    assert_eq!(ups.len(), 10);
    let mut total = 0;
    let mut page_images = 0;
    for f in &ups {
        let bytes = zip_entry(&env.path("b.zip"), f["path"].as_str().unwrap());
        total += bytes.len();
        assert!(
            bytes.len() <= 2 * 1024 * 1024,
            "{}: {}",
            f["path"],
            bytes.len()
        );
        assert!(
            ["image/jpeg", "image/png"].contains(&f["media_type"].as_str().unwrap()),
            "{f}"
        );
        let img = image::load_from_memory(&bytes).unwrap();
        let path = f["path"].as_str().unwrap();
        if path.contains("summary-page-") {
            page_images += 1;
            assert_eq!((img.width(), img.height()), (1190, 1684));
        } else {
            assert!(img.width().max(img.height()) <= 2048, "{path}");
            assert_eq!(f["sources"].as_array().unwrap().len(), 1, "{f}");
            assert_eq!(f["sources"][0], f["derived_from"]);
        }
        if path.ends_with("-small.jpg") {
            assert_eq!((img.width(), img.height()), (300, 200), "never upscaled");
        }
        if path.ends_with("-turned.jpg") {
            assert_eq!(
                (img.width(), img.height()),
                (400, 600),
                "orientation applied"
            );
        }
    }
    assert!(page_images >= 1);
    assert_eq!(total as u64, up["total_bytes"].as_u64().unwrap());
    // 9 + 2 photos and the pages do not fit 10 files: what was left out is named.
    let dropped = up["dropped"].as_array().unwrap();
    assert!(!dropped.is_empty(), "{up}");
    assert!(
        dropped
            .iter()
            .all(|d| d.as_str().unwrap().contains("the form takes 10 file(s)")),
        "{up}"
    );
}

#[test]
fn a_profile_file_tightens_the_limits_and_photos_are_re_encoded_to_fit() {
    let env = Env::new();
    order(&env, 3, 1200, "paypal");
    let profile = env.write(
        "paypal.json",
        br#"{"max_file_bytes": 150000, "max_files": 3, "photo_max_side": 1600}"#,
    );
    let (v, code) = bundle(
        &env,
        &[
            "--platform",
            "paypal",
            "--profile",
            profile.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{v}");
    let up = &v["upload"];
    assert_eq!(up["profile"]["max_file_bytes"], 150000);
    assert!(
        up["profile"]["overridden_by"]
            .as_str()
            .unwrap()
            .ends_with("paypal.json")
    );
    let files = up["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{up}");
    for f in files {
        assert!(f["size"].as_u64().unwrap() <= 150_000, "{f}");
    }
    assert_eq!(files[0]["path"], "data/upload/01-summary.pdf");
    assert!(
        up["shrunk"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("to fit 150000 bytes per file")),
        "{up}"
    );
    // The originals are untouched in the same bundle.
    let m = manifest(&env);
    let originals: Vec<&Value> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "original" && f["kind"] == "photo")
        .collect();
    assert_eq!(originals.len(), 3);
    for o in originals {
        assert!(o["size"].as_u64().unwrap() > 150_000);
    }
    env.vault()
        .args(["verify-bundle"])
        .arg(env.path("b.zip"))
        .assert()
        .success();
}

#[test]
fn a_bad_profile_file_is_a_usage_error_naming_the_file() {
    let env = Env::new();
    order(&env, 1, 64, "stripe");
    let bad = env.write("stripe-profile.json", br#"{"max_file_size": 10}"#);
    let out = env
        .vault()
        .args([
            "bundle",
            ORDER,
            "-o",
            "b.zip",
            "--platform",
            "stripe",
            "--profile",
        ])
        .arg(&bad)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("stripe-profile.json"), "{err}");
    assert!(err.contains("max_file_size"), "{err}");
    assert!(!env.path("b.zip").exists());
    // --profile without --platform is refused by the command line.
    env.vault()
        .args(["bundle", ORDER, "--profile"])
        .arg(&bad)
        .assert()
        .code(2);
}

#[test]
fn videos_become_still_frames_or_a_checklist_note_without_ffmpeg() {
    let env = Env::new();
    if !have_tool("ffmpeg", &["-version"]) {
        return;
    }
    let video = env.path("in/unboxing.mp4");
    std::fs::create_dir_all(video.parent().unwrap()).unwrap();
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=4:size=320x240:rate=10",
        ])
        .args(["-pix_fmt", "yuv420p", "-c:v", "mpeg4"])
        .arg(&video)
        .status()
        .unwrap();
    assert!(made.success());
    let photo = env.write("in/IMG_0001.jpg", &big_photo(1, 800, 600));
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&video)
        .arg(&photo)
        .assert()
        .success();
    let video_hash = sha256_hex(&std::fs::read(&video).unwrap());

    let (v, code) = bundle(&env, &["--platform", "paypal"]);
    assert_eq!(code, 0, "{v}");
    let m = manifest(&env);
    let stills: Vec<&Value> = upload_files(&m)
        .into_iter()
        .filter(|f| f["derived_from"] == video_hash.as_str())
        .collect();
    assert!(stills.len() >= 2, "{v}");
    for s in &stills {
        assert!(s["path"].as_str().unwrap().contains("unboxing-at-"), "{s}");
        let img =
            image::load_from_memory(&zip_entry(&env.path("b.zip"), s["path"].as_str().unwrap()))
                .unwrap();
        assert_eq!((img.width(), img.height()), (320, 240));
    }

    // Without ffmpeg on PATH the bundle still succeeds and says what it could not do.
    let mut cmd = env.vault();
    cmd.env("PATH", "/nonexistent").args([
        "--json",
        "bundle",
        ORDER,
        "-o",
        "b2.zip",
        "--platform",
        "paypal",
    ]);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["upload"]["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().contains("ffmpeg is not installed")),
        "{v}"
    );
}

#[test]
fn platform_bundles_are_deterministic() {
    let env = Env::new();
    order(&env, 2, 640, "ebay");
    let mut zips = Vec::new();
    for name in ["a.zip", "b.zip"] {
        env.vault()
            .env("SOURCE_DATE_EPOCH", "1790000000")
            .args(["bundle", "-q", ORDER, "-o", name, "--platform", "ebay"])
            .assert()
            .success();
        zips.push(std::fs::read(env.path(name)).unwrap());
    }
    assert!(zips[0] == zips[1], "same evidence, same bytes");
}

#[test]
fn every_profile_s_limits_hold_on_an_order_of_many_large_photos() {
    let env = Env::new();
    order(&env, 8, 1600, "other");
    for platform in [
        "aliexpress",
        "ebay",
        "amazon",
        "paypal",
        "stripe",
        "shopify",
        "other",
    ] {
        let (v, code) = bundle(&env, &["--platform", platform]);
        assert_eq!(code, 0, "{platform}: {v}");
        let up = &v["upload"];
        let prof = &up["profile"];
        let files = up["files"].as_array().unwrap();
        assert!(!files.is_empty(), "{platform}: {up}");
        if let Some(n) = prof["max_files"].as_u64() {
            // The count limit is per form field (Stripe's fields take one file each).
            let mut per_field: std::collections::BTreeMap<&str, u64> = Default::default();
            for f in files {
                *per_field.entry(f["field"].as_str().unwrap()).or_default() += 1;
            }
            assert!(per_field.values().all(|c| *c <= n), "{platform}: {up}");
        }
        let accepts: Vec<&str> = prof["accepts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let m = manifest(&env);
        let mut total = 0;
        for f in upload_files(&m) {
            let path = f["path"].as_str().unwrap();
            let bytes = zip_entry(&env.path("b.zip"), path);
            total += bytes.len() as u64;
            assert!(
                bytes.len() as u64 <= prof["max_file_bytes"].as_u64().unwrap(),
                "{platform}: {path} is {} bytes",
                bytes.len()
            );
            let kind = match &bytes[..4] {
                b"%PDF" => "pdf",
                [0xFF, 0xD8, 0xFF, _] => "jpeg",
                [0x89, b'P', b'N', b'G'] => "png",
                _ => panic!("{platform}: {path} is neither PDF, JPEG nor PNG"),
            };
            assert!(accepts.contains(&kind), "{platform}: {path} is {kind}");
            if kind == "pdf"
                && let Some(max) = prof["max_pages"].as_u64()
                && have_tool("pdfinfo", &["-v"])
            {
                let info = poppler(&env, &bytes, "pdfinfo");
                let pages: u64 = info
                    .lines()
                    .find_map(|l| l.strip_prefix("Pages:"))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
                assert!(pages <= max, "{platform}: {pages} pages");
            }
        }
        assert_eq!(total, up["total_bytes"].as_u64().unwrap());
        if let Some(max) = prof["max_total_bytes"].as_u64() {
            assert!(total <= max, "{platform}: {total} bytes in all");
        }
        // Every upload file is a derived file of this bundle: the bundle still verifies.
        env.vault()
            .args(["verify-bundle", "-q"])
            .arg(env.path("b.zip"))
            .assert()
            .success();
    }
}

/// Without `--platform`, a bundle of an order with an open dispute says how to get the upload
/// files for that platform (on stderr; the bundle itself has no `data/upload/`).
#[test]
fn a_bundle_without_platform_hints_at_the_open_dispute_s_platform() {
    let env = Env::new();
    order(&env, 1, 640, "paypal");
    let out = env
        .vault()
        .args(["bundle", ORDER, "-o", "b.zip"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("vault bundle {ORDER} --platform paypal")),
        "{err}"
    );
    assert!(upload_files(&manifest(&env)).is_empty());
    // `--quiet` keeps cron quiet.
    let out = env
        .vault()
        .args(["bundle", "-q", ORDER, "-o", "c.zip"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hint:"));
}

/// "Packed (first photo)" among the key dates skips a capture time that fails the sanity checks
/// (a camera clock left at 1998-01-01), and says "doubtful" when no photo's time is plausible.
#[test]
fn the_packing_date_ignores_camera_default_clocks() {
    if !have_tool("pdftotext", &["-v"]) {
        return;
    }
    let env = Env::new();
    let recent = (chrono::Utc::now() - chrono::Duration::days(2)).format("%Y:%m:%d 10:15:00");
    let good = env.write(
        "in/good.jpg",
        &common::jpeg_with_exif(&recent.to_string(), Some("+08:00")),
    );
    let bad = env.write(
        "in/bad.jpg",
        &common::jpeg_with_exif("1998:01:01 00:00:00", None),
    );
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .args([&bad, &good])
        .assert()
        .success();
    let key_dates = |env: &Env| {
        let (v, code) = bundle(env, &["--platform", "stripe"]);
        assert_eq!(code, 0, "{v}");
        let m = manifest(env);
        let pdf = upload_files(&m)
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(".pdf"))
            .map(|f| zip_entry(&env.path("b.zip"), f["path"].as_str().unwrap()))
            .expect("a summary PDF");
        let text = poppler(env, &pdf, "pdftotext");
        let start = text.find("Key dates").unwrap();
        let end = text[start..].find("Timeline").unwrap() + start;
        text[start..end].to_string()
    };
    let dates = key_dates(&env);
    // 10:15 at +08:00 is 02:15 UTC the same day.
    let expected = (chrono::Utc::now() - chrono::Duration::days(2)).format("%-d %b %Y, 02:15 UTC");
    assert!(dates.contains(&expected.to_string()), "{dates}");
    assert!(!dates.contains("1998"), "{dates}");

    // Only the doubtful photo: shown, and marked.
    let env = Env::new();
    let bad = env.write(
        "in/bad.jpg",
        &common::jpeg_with_exif("1998:01:01 00:00:00", None),
    );
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&bad)
        .assert()
        .success();
    let dates = key_dates(&env);
    assert!(dates.contains("1 Jan 1998, 00:00 (doubtful"), "{dates}");
}

/// A "video" that is really a playlist pointing at a server must not make ffmpeg fetch anything:
/// only local files, with the demuxer forced from the detected type. (Debian's ffmpeg 5 already
/// refuses http segments in a local playlist by default, so this guards the property against
/// ffmpeg builds and demuxers that do not, rather than telling the old code from the new here.)
#[test]
fn ffmpeg_never_follows_a_playlist_disguised_as_a_video() {
    if !have_tool("ffmpeg", &["-version"]) {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let env = Env::new();
    let playlist = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:{port}/steal.ts\n#EXT-X-ENDLIST\n"
    );
    let clip = env.write("clip.mp4", playlist.as_bytes());
    env.vault()
        .args(["add", "--order", "8123456789012345", "--kind", "video"])
        .arg(&clip)
        .assert()
        .success();
    env.vault()
        .args([
            "bundle",
            "8123456789012345",
            "--platform",
            "ebay",
            "-o",
            "e.zip",
        ])
        .assert()
        .success();
    assert!(
        listener.accept().is_err(),
        "ffmpeg connected to the address in the disguised playlist"
    );
}

#[test]
fn a_statement_is_drafted_from_the_order_only_and_an_edited_one_taken_back() {
    let env = Env::new();
    order(&env, 2, 800, "ebay");
    // The carrier's full history, delivered; and a photo whose camera dated it.
    let tracking = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tracking/17track-v2.2-gettrackinfo.json");
    let dated = env.write(
        "in/packing.jpg",
        &common::jpeg_with_exif("2026:11:18 10:05:02", Some("+08:00")),
    );
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&tracking)
        .arg(&dated)
        .assert()
        .success();
    let (v, code) = bundle(&env, &["--platform", "ebay"]);
    assert_eq!(code, 0, "{v}");
    let draft =
        String::from_utf8(zip_entry(&env.path("b.zip"), "data/upload/statement.txt")).unwrap();
    // Every fact is one the order holds: the dispute, the carrier's number and events, the
    // photos, the conversation, the files.
    for want in [
        ORDER,
        "(case CASE-7)",
        "on ebay, reason not-as-described:damaged",
        "by China Post under tracking number RR123456789CN",
        "delivered on 2026-11-24",
        "1 photo(s) were taken on 2026-11-18, all before the first carrier scan",
        "written conversation with the buyer",
        "SHA-256",
    ] {
        assert!(draft.contains(want), "{want:?} not in the draft: {draft}");
    }
    assert!(draft.chars().count() <= 1000, "{draft}");
    assert!(
        v["upload"]["checklist"]
            .to_string()
            .contains("statement.txt → the form's text box"),
        "{v}"
    );

    // Edited and given back, it is used as it is.
    let edited = env.write(
        "statement.txt",
        "\u{feff}Packed intact; the buyer confirmed receipt on 20 Nov. 已确认收货。\n".as_bytes(),
    );
    let (v, code) = bundle(
        &env,
        &[
            "--platform",
            "ebay",
            "--statement-file",
            edited.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{v}");
    let back =
        String::from_utf8(zip_entry(&env.path("b.zip"), "data/upload/statement.txt")).unwrap();
    assert_eq!(
        back,
        "Packed intact; the buyer confirmed receipt on 20 Nov. 已确认收货。\n"
    );
    // A file that is not text is refused, naming it; nothing is written.
    let bad = env.write("bad.txt", &[0xff, 0xfe, 0x00, 0x41]);
    let out = env
        .vault()
        .args([
            "bundle",
            ORDER,
            "-o",
            "c.zip",
            "--platform",
            "ebay",
            "--statement-file",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.txt") && err.contains("not UTF-8"),
        "{err}"
    );
    assert!(!env.path("c.zip").exists());
    // Too large, empty, or not there: refused the same way, naming the file.
    let big = env.write("big.txt", "a".repeat(65 * 1024).as_bytes());
    let empty = env.write("empty.txt", "\u{feff} \n".as_bytes());
    for (file, code, said) in [
        (big, 2, "larger than"),
        (empty, 2, "empty"),
        (env.path("missing.txt"), 1, "missing.txt"),
    ] {
        let out = env
            .vault()
            .args([
                "bundle",
                ORDER,
                "-o",
                "c.zip",
                "--platform",
                "ebay",
                "--statement-file",
            ])
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{err}");
        assert!(
            err.contains(said) && err.contains(&*file.file_name().unwrap().to_string_lossy()),
            "{err}"
        );
        assert!(!env.path("c.zip").exists());
    }
    // The earlier bundle is still there as it was made.
    assert_eq!(
        String::from_utf8(zip_entry(&env.path("b.zip"), "data/upload/statement.txt")).unwrap(),
        back
    );
}

/// PayPal: the evidence as its provide-evidence request takes it, filled from the ledger: proof of
/// fulfilment with the tracking number, the statement as notes, every upload file as a document.
#[test]
fn paypal_gets_its_provide_evidence_request_filled_from_the_order() {
    let env = Env::new();
    order(&env, 2, 640, "paypal");
    let (v, code) = bundle(&env, &["--platform", "paypal"]);
    assert_eq!(code, 0, "{v}");
    let form: Value = serde_json::from_slice(&zip_entry(
        &env.path("b.zip"),
        "data/upload/paypal-evidence.json",
    ))
    .unwrap();
    let e = &form["input"]["evidences"][0];
    assert_eq!(e["evidence_type"], "PROOF_OF_FULFILLMENT", "{form}");
    let t = &e["evidence_info"]["tracking_info"][0];
    assert_eq!(
        (
            t["tracking_number"].as_str(),
            t["carrier_name"].as_str(),
            t["carrier_name_other"].as_str()
        ),
        (Some("RR123456789CN"), Some("OTHER"), Some("China Post")),
        "{form}"
    );
    let statement =
        String::from_utf8(zip_entry(&env.path("b.zip"), "data/upload/statement.txt")).unwrap();
    assert_eq!(e["notes"].as_str().unwrap(), statement.trim_end());
    let names = upload_names(&env);
    let docs: Vec<String> = e["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(docs, names);
    assert_eq!(form["case"], "CASE-7");
    assert!(
        v["upload"]["checklist"]
            .to_string()
            .contains("paypal-evidence.json"),
        "{v}"
    );
}

/// The draft quotes the buyer's own words that bear on the reason ("Got it, thanks!" for an item
/// said not received), only from the recorded buyer (`--buyer-name`), never a message with a
/// negation in it, and nothing at all when the vault does not know which sender is the buyer.
#[test]
fn the_draft_quotes_the_buyers_own_words_that_bear_on_the_reason() {
    let chat = "\
18/11/2026, 09:41 - Lena (buyer): Hi! Is the blue hoodie in size M still available?
18/11/2026, 09:45 - Lena (buyer): Perfect, size M is right for me.
18/11/2026, 19:02 - Shop: Shipped with Cainiao. The buyer received it, we hope.
22/11/2026, 10:00 - Lena (buyer): I have not received it yet.
24/11/2026, 14:10 - Lena (buyer): Got it, thanks! My neighbour had it.
";
    let draft_for = |buyer: bool, reason: &str| {
        let env = Env::new();
        let f = env.write("in/WhatsApp Chat with Lena.txt", chat.as_bytes());
        let mut add = env.vault();
        add.args(["add", "-q", "--order", ORDER]).arg(&f);
        if buyer {
            add.args(["--buyer", "lena-77", "--buyer-name", "Lena (buyer)"]);
        }
        add.assert().success();
        env.vault()
            .args([
                "dispute",
                "open",
                ORDER,
                "--platform",
                "aliexpress",
                "--reason",
                reason,
            ])
            .assert()
            .success();
        let (v, code) = bundle(&env, &["--platform", "aliexpress"]);
        assert_eq!(code, 0, "{v}");
        String::from_utf8(zip_entry(&env.path("b.zip"), "data/upload/statement.txt")).unwrap()
    };
    let draft = draft_for(true, "not-received");
    assert!(
        draft.contains("On 2026-11-24 the buyer wrote: \"Got it, thanks! My neighbour had it.\""),
        "{draft}"
    );
    assert!(
        !draft.contains("not received it"),
        "a negation is never quoted: {draft}"
    );
    assert!(
        !draft.contains("we hope"),
        "the seller's own words are not the buyer's: {draft}"
    );
    let draft = draft_for(true, "not-as-described:wrong-size");
    assert!(
        draft.contains("the buyer wrote: \"Perfect, size M is right for me.\""),
        "{draft}"
    );
    assert!(!draft.contains("Got it"), "{draft}");
    let draft = draft_for(false, "not-received");
    assert!(
        !draft.contains("the buyer wrote"),
        "no buyer recorded: {draft}"
    );
}

/// Stripe: a field file that does not fit the form's limits is left out, and the summary then
/// carries what it held (here the conversation) instead of pointing to a file that is not there;
/// the files that are there keep the numbers the summary gives them.
#[test]
fn a_stripe_field_file_that_does_not_fit_stays_in_the_summary() {
    if !have_tool("pdftotext", &["-v"]) {
        return;
    }
    let env = Env::new();
    let mut chat = String::new();
    for k in 0..600 {
        let who = if k % 2 == 1 { "Lena (buyer)" } else { "Shop" };
        chat.push_str(&format!(
            "{:02}/11/2026, {:02}:{:02} - {who}: message number {k} about the blue hoodie, \
             its size, its colour and the parcel on its way\n",
            1 + k / 100,
            (k / 4) % 24,
            k % 60
        ));
    }
    let chat = env.write("in/WhatsApp Chat with Lena.txt", chat.as_bytes());
    let example = common::example_evidence();
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&chat)
        .arg(example.join("tracking-2026-11-25.json"))
        .arg(example.join("IMG_0001.jpg"))
        .assert()
        .success();
    env.vault()
        .args(["dispute", "open", ORDER, "--platform", "stripe"])
        .args(["--reason", "fraudulent", "--due", "2030-01-01T00:00:00Z"])
        .assert()
        .success();
    // Fitted as they are, the conversation's own file is the largest of the three.
    let (v, code) = bundle(&env, &["--platform", "stripe"]);
    assert_eq!(code, 0, "{v}");
    let sizes: Vec<u64> = v["upload"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 3, "{v}");
    let limit = sizes[2] - 1;
    assert!(sizes[..2].iter().all(|s| *s < limit), "{v}");
    let profile = env.write(
        "tight.json",
        format!("{{\"max_file_bytes\": {limit}}}").as_bytes(),
    );
    let (v, code) = bundle(
        &env,
        &[
            "--platform",
            "stripe",
            "--profile",
            profile.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{v}");
    let paths: Vec<&str> = v["upload"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "data/upload/01-summary.pdf",
            "data/upload/02-shipping-documentation.pdf"
        ]
    );
    assert!(
        v["upload"]["dropped"]
            .to_string()
            .contains("customer-communication.pdf: not uploaded"),
        "{v}"
    );
    let summary = poppler(
        &env,
        &zip_entry(&env.path("b.zip"), "data/upload/01-summary.pdf"),
        "pdftotext",
    );
    assert!(
        summary.contains("are in 02-shipping-documentation.pdf"),
        "{summary}"
    );
    assert!(!summary.contains("customer-communication.pdf"), "{summary}");
    assert!(
        summary.contains("Conversation: WhatsApp Chat with Lena.txt"),
        "{summary}"
    );
    assert!(summary.contains("message number 599"), "{summary}");
    let form: Value = serde_json::from_slice(&zip_entry(
        &env.path("b.zip"),
        "data/upload/stripe-evidence.json",
    ))
    .unwrap();
    assert!(
        form["files"].get("customer_communication").is_none(),
        "{form}"
    );
}

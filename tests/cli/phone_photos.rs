//! Every photo a phone takes reaches the platform: HEIC and AVIF (by libheif's converter), WebP and
//! PNG (in Rust) become upload copies for image-only platforms, turned upright; a JPEG cut short
//! shows the part that is there; a machine without a HEIF decoder says which photos stay
//! original-only and what to install. Fixtures are made by tools no one here wrote (`heif-enc`,
//! `cwebp`); references by the converters themselves (`heif-convert`, `dwebp`).

use crate::common;
use crate::upload::{ORDER, big_photo, bundle, manifest, upload_files, zip_entry};

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Env, have_tool};
use image::{DynamicImage, GenericImageView};
use serde_json::Value;

/// A 640×400 picture no symmetry maps onto itself: a horizontal gradient, a red block at the top
/// left, a blue bar along the bottom right.
fn picture() -> image::RgbImage {
    image::RgbImage::from_fn(640, 400, |x, y| {
        if x < 160 && y < 120 {
            image::Rgb([230, 30, 30])
        } else if x > 400 && y > 320 {
            image::Rgb([20, 40, 220])
        } else {
            image::Rgb([(x * 255 / 640) as u8, 160, (y * 255 / 400) as u8])
        }
    })
}

fn png(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {out:?}");
}

/// Mean absolute difference per channel of two images at 64×40, or None when their shapes differ
/// (a photo turned the wrong way).
fn difference(a: &DynamicImage, b: &DynamicImage) -> Option<f64> {
    let landscape = |i: &DynamicImage| i.width() >= i.height();
    if landscape(a) != landscape(b) {
        return None;
    }
    let (w, h) = if landscape(a) { (64, 40) } else { (40, 64) };
    let small = |i: &DynamicImage| i.resize_exact(w, h, image::imageops::FilterType::Triangle);
    let (a, b) = (small(a), small(b));
    let mut sum = 0u64;
    for ((_, _, p), (_, _, q)) in a.pixels().zip(b.pixels()) {
        for c in 0..3 {
            sum += u64::from(p[c].abs_diff(q[c]));
        }
    }
    Some(sum as f64 / f64::from(w * h * 3))
}

/// The upload copy made from the original with SHA-256 `hex`, decoded.
fn upload_copy_of(env: &Env, m: &Value, hex: &str) -> Option<DynamicImage> {
    let f = upload_files(m)
        .into_iter()
        .find(|f| f["derived_from"] == hex && !f["path"].as_str().unwrap().contains("summary"))?;
    let path = f["path"].as_str().unwrap();
    assert!(path.ends_with(".jpg") || path.ends_with(".png"), "{path}");
    Some(image::load_from_memory(&zip_entry(&env.path("b.zip"), path)).unwrap())
}

fn hex_of(p: &Path) -> String {
    common::sha256_hex(&std::fs::read(p).unwrap())
}

/// HEIC, AVIF, WebP and PNG photos, each with the reference render its own decoder makes.
fn phone_photos(env: &Env) -> Vec<(PathBuf, DynamicImage)> {
    let src = env.write("make/picture.png", &png(&picture()));
    let dir = env.path("in");
    std::fs::create_dir_all(&dir).unwrap();
    let heic = dir.join("IMG_0101.HEIC");
    let avif = dir.join("IMG_0102.avif");
    let webp = dir.join("IMG_0103.webp");
    let screenshot = dir.join("Screenshot_0104.png");
    run(Command::new("heif-enc")
        .args(["-q", "90", "-o"])
        .arg(&heic)
        .arg(&src));
    run(Command::new("heif-enc")
        .args(["-A", "-q", "90", "-o"])
        .arg(&avif)
        .arg(&src));
    run(Command::new("cwebp")
        .args(["-quiet", "-q", "90"])
        .arg(&src)
        .arg("-o")
        .arg(&webp));
    std::fs::copy(&src, &screenshot).unwrap();
    let reference = |input: &Path, tool: &str| {
        let out = env.path(&format!(
            "make/ref-{}.png",
            input.file_name().unwrap().to_string_lossy()
        ));
        match tool {
            "dwebp" => run(Command::new("dwebp")
                .arg("-quiet")
                .arg(input)
                .arg("-o")
                .arg(&out)),
            _ => run(Command::new("heif-convert").arg(input).arg(&out)),
        }
        image::open(&out).unwrap()
    };
    vec![
        (heic.clone(), reference(&heic, "heif-convert")),
        (avif.clone(), reference(&avif, "heif-convert")),
        (webp.clone(), reference(&webp, "dwebp")),
        (screenshot, DynamicImage::ImageRgb8(picture())),
    ]
}

fn have_converters() -> bool {
    have_tool("heif-enc", &["--version"])
        && have_tool("heif-convert", &["--list-decoders"])
        && have_tool("cwebp", &["-version"])
        && have_tool("dwebp", &["-version"])
}

/// `vault --json bundle ORDER --platform ebay -o ZIP` with nothing on PATH: no heif-convert, no
/// ffmpeg.
fn ebay_bundle_without_converters(env: &Env, zip: &str) -> std::process::Output {
    env.vault()
        .env("PATH", "/nonexistent")
        .args(["--json", "bundle", ORDER, "-o", zip, "--platform", "ebay"])
        .output()
        .unwrap()
}

/// An order of the four phone photos, or None (with a notice) where the tools are missing.
fn order_of_phone_photos() -> Option<(Env, Vec<(PathBuf, DynamicImage)>)> {
    if !have_converters() {
        return None;
    }
    let env = Env::new();
    let photos = phone_photos(&env);
    let mut add = env.vault();
    add.args(["add", "-q", "--order", ORDER]);
    for (p, _) in &photos {
        add.arg(p);
    }
    add.assert().success();
    Some((env, photos))
}

#[test]
fn heic_avif_webp_and_png_reach_every_image_only_platform_upright() {
    let Some((env, photos)) = order_of_phone_photos() else {
        return;
    };
    for platform in ["aliexpress", "ebay"] {
        let (v, code) = bundle(&env, &["--platform", platform]);
        assert_eq!(code, 0, "{v}");
        assert!(v["upload"]["dropped"].as_array().unwrap().is_empty(), "{v}");
        let m = manifest(&env);
        for (p, reference) in &photos {
            let copy = upload_copy_of(&env, &m, &hex_of(p))
                .unwrap_or_else(|| panic!("{platform}: no upload copy of {}: {v}", p.display()));
            assert_eq!(
                copy.dimensions(),
                (640, 400),
                "{}: never upscaled",
                p.display()
            );
            let d = difference(&copy, reference).expect("turned the wrong way");
            assert!(
                d < 6.0,
                "{platform}: {} differs from its reference by {d:.1}",
                p.display()
            );
        }
        // The thumbnails in report.html: one per photo, none a placeholder.
        let html = String::from_utf8(zip_entry(&env.path("b.zip"), "data/report.html")).unwrap();
        assert_eq!(
            html.matches("data:image/jpeg;base64,").count(),
            4,
            "{platform}"
        );
        assert!(!html.contains("no preview"), "{platform}");
    }
    // The picture is not the same upside down: the comparison can fail.
    let (p, reference) = &photos[0];
    let flipped = image::open(env.path(&format!(
        "make/ref-{}.png",
        p.file_name().unwrap().to_string_lossy()
    )))
    .unwrap()
    .rotate180();
    assert!(difference(&flipped, reference).unwrap() > 20.0);
    // A second bundle reads the converted copy from the cache: no converter needed.
    let cached = std::fs::read_dir(env.vault_dir().join("cache/converted"))
        .unwrap()
        .count();
    assert_eq!(cached, 2, "the HEIC and the AVIF");
    let out = ebay_bundle_without_converters(&env, "c.zip");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["upload"]["dropped"].as_array().unwrap().is_empty(), "{v}");
}

#[test]
fn iphone_photos_turned_by_their_container_are_upright() {
    let Some(samples) = common::samples() else {
        return;
    };
    if !have_tool("heif-convert", &["--list-decoders"]) {
        return;
    }
    let env = Env::new();
    let heic = samples.join("exif-samples/heic/mobile/iphone_13_pro_max.HEIC");
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&heic)
        .assert()
        .success();
    let (v, code) = bundle(&env, &["--platform", "ebay"]);
    assert_eq!(code, 0, "{v}");
    let copy = upload_copy_of(&env, &manifest(&env), &hex_of(&heic)).expect("an upload copy");
    // Stored 4032×3024 with a 90° turn in its `irot` property: displayed portrait.
    assert_eq!(copy.dimensions(), (1536, 2048));
    let reference = env.path("ref.jpg");
    run(Command::new("heif-convert").arg(&heic).arg(&reference));
    let d = difference(&copy, &image::open(&reference).unwrap()).expect("upright");
    assert!(d < 6.0, "differs from heif-convert's render by {d:.1}");
}

#[test]
fn without_a_heif_decoder_the_bundle_names_the_photos_and_what_to_install() {
    let Some((env, photos)) = order_of_phone_photos() else {
        return;
    };
    let out = ebay_bundle_without_converters(&env, "b.zip");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for name in ["IMG_0101.HEIC", "IMG_0102.avif"] {
        assert!(stderr.contains(name), "{stderr}");
    }
    assert!(stderr.contains("libheif-examples"), "{stderr}");
    let original_only: Vec<&Value> = v["upload"]["checklist_details"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "photos_original_only")
        .collect();
    assert_eq!(original_only.len(), 1, "{v}");
    let text = original_only[0]["text"].as_str().unwrap();
    assert!(
        text.contains("IMG_0101.HEIC") && text.contains("IMG_0102.avif"),
        "{text}"
    );
    assert!(
        !text.contains("webp") && !text.contains("Screenshot"),
        "{text}"
    );
    // WebP and PNG need nothing installed: they still reach the form.
    let m = manifest(&env);
    for (p, _) in &photos[2..] {
        assert!(
            upload_copy_of(&env, &m, &hex_of(p)).is_some(),
            "{}",
            p.display()
        );
    }
    // The report's cards say why there is no preview, and the originals are in the bag.
    let html = String::from_utf8(zip_entry(&env.path("b.zip"), "data/report.html")).unwrap();
    assert_eq!(
        html.matches("no preview: no decoder for this format")
            .count(),
        2
    );
    env.vault()
        .args(["verify-bundle", "b.zip"])
        .assert()
        .success();
}

#[test]
fn a_jpeg_cut_short_gets_a_partial_preview_and_the_original_is_kept_as_it_is() {
    let env = Env::new();
    let whole = big_photo(7, 1200, 900);
    let cut = &whole[..whole.len() * 55 / 100];
    let p = env.write("in/IMG_0200.jpg", cut);
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&p)
        .assert()
        .success();
    let (v, code) = bundle(&env, &["--platform", "ebay"]);
    assert_eq!(code, 0, "{v}");
    let html = String::from_utf8(zip_entry(&env.path("b.zip"), "data/report.html")).unwrap();
    assert!(html.contains("partial image"), "the card says so");
    let copy = upload_copy_of(&env, &manifest(&env), &hex_of(&p)).expect("an upload copy");
    assert_eq!(copy.dimensions(), (1200, 900));
    // The upload copy is a new JPEG, not the broken original; the original is in the bag as is.
    let m = manifest(&env);
    let original = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "original")
        .unwrap();
    assert_eq!(
        zip_entry(&env.path("b.zip"), original["path"].as_str().unwrap()),
        cut
    );
}

#[test]
fn a_label_photo_keeps_enough_pixels_to_read_on_every_platform() {
    // 4000×3000 of fine detail: a shipping label photographed whole compresses badly.
    let env = Env::new();
    let p = env.write("in/label.jpg", &big_photo(3, 4000, 3000));
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&p)
        .assert()
        .success();
    // A form that takes 900 kB per file: the copy gives up JPEG quality before pixels.
    let tight = env.write("tight.json", br#"{"max_file_bytes": 900000}"#);
    let tight = tight.to_str().unwrap();
    // Platforms that take photos as files of their own (Stripe and Shopify take one PDF).
    for (platform, profile) in [
        ("aliexpress", None),
        ("ebay", None),
        ("amazon", None),
        ("paypal", None),
        ("ebay", Some(tight)),
    ] {
        let mut args = vec!["--platform", platform];
        args.extend(profile.map(|p| ["--profile", p]).into_iter().flatten());
        let (v, code) = bundle(&env, &args);
        assert_eq!(code, 0, "{v}");
        let m = manifest(&env);
        let copy = upload_copy_of(&env, &m, &hex_of(&p))
            .unwrap_or_else(|| panic!("{platform}: no upload copy: {v}"));
        assert!(
            copy.width().max(copy.height()) >= 1600,
            "{platform}: {:?}",
            copy.dimensions()
        );
        let f = upload_files(&m)
            .into_iter()
            .find(|f| {
                f["derived_from"] == hex_of(&p).as_str()
                    && !f["path"].as_str().unwrap().contains("summary")
            })
            .unwrap();
        assert!(
            f["size"].as_u64().unwrap()
                <= v["upload"]["profile"]["max_file_bytes"].as_u64().unwrap(),
            "{platform}: {f}"
        );
    }
}

/// `jpeg` with EXIF as an iPhone writes it for a Live Photo's still: DateTimeOriginal with its
/// offset, and Apple's MakerNote whose tag 0x0011 is the content identifier.
fn live_still(jpeg: &[u8], datetime: &str, offset: &str, id: &str) -> Vec<u8> {
    // Apple's MakerNote: "Apple iOS", version 1, "MM", then a big-endian IFD whose offsets count
    // from the MakerNote's first byte.
    let mut note = b"Apple iOS\0\0\x01MM".to_vec();
    note.extend(1u16.to_be_bytes());
    note.extend([0x00, 0x11, 0x00, 0x02]);
    note.extend((id.len() as u32 + 1).to_be_bytes());
    note.extend((16u32 + 12 + 4).to_be_bytes());
    note.extend(0u32.to_be_bytes());
    note.extend(id.as_bytes());
    note.push(0);
    // TIFF, little endian: IFD0 { ExifIFD } -> Exif IFD { DateTimeOriginal, OffsetTimeOriginal,
    // MakerNote }.
    let entry = |tag: u16, typ: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend(typ.to_le_bytes());
        e.extend(count.to_le_bytes());
        e.extend(value.to_le_bytes());
        e
    };
    let exif_ifd = 8 + 2 + 12 + 4;
    let data = exif_ifd + 2 + 3 * 12 + 4;
    let mut dt = datetime.as_bytes().to_vec();
    dt.push(0);
    let mut tz = offset.as_bytes().to_vec();
    tz.push(0);
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(entry(0x8769, 4, 1, exif_ifd));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(3u16.to_le_bytes());
    tiff.extend(entry(0x9003, 2, dt.len() as u32, data));
    tiff.extend(entry(0x9011, 2, tz.len() as u32, data + dt.len() as u32));
    tiff.extend(entry(
        0x927c,
        7,
        note.len() as u32,
        data + (dt.len() + tz.len()) as u32,
    ));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(dt);
    tiff.extend(tz);
    tiff.extend(note);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    common::with_app1(jpeg, &app1)
}

/// A 2-second HEVC QuickTime video as ffmpeg writes it, with Apple's content identifier and a
/// creation date in its keys.
fn live_video(env: &Env, name: &str, id: &str, created: &str) -> PathBuf {
    let p = env.path(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc=duration=2:size=320x240:rate=10"])
        .args([
            "-c:v",
            "libx265",
            "-x265-params",
            "log-level=none",
            "-tag:v",
            "hvc1",
        ])
        .args(["-pix_fmt", "yuv420p", "-movflags", "use_metadata_tags"])
        .args([
            "-metadata",
            &format!("com.apple.quicktime.content.identifier={id}"),
        ])
        .args([
            "-metadata",
            &format!("com.apple.quicktime.creationdate={created}"),
        ])
        .arg(&p));
    p
}

#[test]
fn a_live_photo_is_one_linked_pair_shown_by_its_still() {
    if !have_tool("ffmpeg", &["-version"]) {
        return;
    }
    let env = Env::new();
    let (a, b) = (
        "570F1469-09C7-4E50-9875-05F21D5BD166",
        "0E4B2D5C-1F2A-4B3C-8D9E-AF0011223344",
    );
    let still_a = env.write(
        "in/IMG_0301.JPG",
        &live_still(&big_photo(31, 800, 600), "2026:11:20 10:00:03", "+08:00", a),
    );
    // The second pair's halves are a minute apart: not one moment.
    let still_b = env.write(
        "in/IMG_0302.JPG",
        &live_still(&big_photo(32, 800, 600), "2026:11:20 10:05:00", "+08:00", b),
    );
    let video_a = live_video(&env, "in/IMG_0301.MOV", a, "2026-11-20T10:00:02+0800");
    let video_b = live_video(&env, "in/IMG_0302.MOV", b, "2026-11-20T10:06:00+0800");
    // The fixtures are what exiftool reads as an iPhone's.
    if have_tool("exiftool", &["-ver"]) {
        let out = Command::new("exiftool")
            .args(["-s3", "-MediaGroupUUID"])
            .arg(&still_a)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), a);
        let out = Command::new("exiftool")
            .args(["-s3", "-ContentIdentifier"])
            .arg(&video_a)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), a);
    }
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .args([&still_a, &video_a, &still_b, &video_b])
        .assert()
        .success();
    let (v, code) = bundle(&env, &["--platform", "ebay"]);
    assert_eq!(code, 0, "{v}");
    let m = manifest(&env);
    let record = |p: &Path| {
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["role"] == "original" && f["sha256"] == hex_of(p).as_str())
            .unwrap()
            .clone()
    };
    for (still, video) in [(&still_a, &video_a), (&still_b, &video_b)] {
        assert_eq!(record(still)["live_photo_with"], hex_of(video).as_str());
        assert_eq!(record(video)["live_photo_with"], hex_of(still).as_str());
        // The still shows the pair: no still frames of its video go to the form.
        assert!(
            upload_files(&m)
                .iter()
                .all(|f| f["derived_from"] != hex_of(video).as_str()),
            "{v}"
        );
    }
    // The video's time, from the keys ffmpeg writes under moov/udta/meta.
    assert_eq!(record(&video_a)["captured_at"], "2026-11-20T10:00:02+08:00");
    let warned = |p: &Path| record(p)["warnings"].to_string().contains("Live Photo");
    assert!(!warned(&still_a) && !warned(&video_a));
    assert!(warned(&still_b) && warned(&video_b), "60 s apart");
    let html = String::from_utf8(zip_entry(&env.path("b.zip"), "data/report.html")).unwrap();
    assert_eq!(html.matches("Live Photo: <a href").count(), 2);
}

#[test]
fn an_hevc_phone_video_gives_still_frames() {
    if !have_tool("ffmpeg", &["-version"]) {
        return;
    }
    let env = Env::new();
    // An iPhone-style HEVC video ('hvc1'), not paired with any still.
    let video = live_video(
        &env,
        "in/IMG_0400.MOV",
        "11111111-2222-4333-8444-555555555555",
        "2026-11-20T10:00:00+0800",
    );
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&video)
        .assert()
        .success();
    let (v, code) = bundle(&env, &["--platform", "ebay"]);
    assert_eq!(code, 0, "{v}");
    let m = manifest(&env);
    let stills: Vec<&Value> = upload_files(&m)
        .into_iter()
        .filter(|f| f["derived_from"] == hex_of(&video).as_str())
        .filter(|f| f["path"].as_str().unwrap().contains("IMG_0400-at-"))
        .collect();
    assert!(stills.len() >= 2, "{v}");
    for s in stills {
        let img =
            image::load_from_memory(&zip_entry(&env.path("b.zip"), s["path"].as_str().unwrap()))
                .unwrap();
        assert_eq!(img.dimensions(), (320, 240));
    }
    assert!(
        !v["upload"]["checklist"]
            .to_string()
            .contains("no still frames"),
        "{v}"
    );
}

#[test]
fn a_live_photo_whose_heic_still_cannot_be_converted_is_shown_by_its_video() {
    if !have_tool("ffmpeg", &["-version"]) {
        return;
    }
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    // A real iPhone still (its MakerNote's content identifier, exiftool's MediaGroupUUID), with a
    // video made to match. (heif-enc cannot write an Apple MakerNote, so the pairing needs a real
    // iPhone file.)
    let heic = samples.join("exif-samples/heic/IMG_5195.HEIC");
    let id = "570F1469-09C7-4E50-9875-05F21D5BD166";
    let video = live_video(&env, "in/IMG_5195.MOV", id, "2021-04-11T15:47:52-0500");
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .args([&heic, &video])
        .assert()
        .success();
    // ffmpeg is installed, no HEIF converter is.
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let ffmpeg = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v ffmpeg"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::os::unix::fs::symlink(ffmpeg.trim(), bin.join("ffmpeg")).unwrap();
    let out = env
        .vault()
        .env("PATH", &bin)
        .args([
            "--json",
            "bundle",
            ORDER,
            "-o",
            "b.zip",
            "--platform",
            "ebay",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = manifest(&env);
    let heic_record = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "original" && f["sha256"] == hex_of(&heic).as_str())
        .unwrap()
        .clone();
    assert_eq!(
        heic_record["live_photo_with"],
        hex_of(&video).as_str(),
        "paired"
    );
    assert!(upload_copy_of(&env, &m, &hex_of(&heic)).is_none());
    assert!(
        upload_files(&m)
            .iter()
            .any(|f| f["derived_from"] == hex_of(&video).as_str()),
        "the video's stills stand in for the still: {v}"
    );
}

#[test]
fn prepare_converts_ahead_so_the_bundle_at_the_deadline_needs_no_converter() {
    let Some((env, photos)) = order_of_phone_photos() else {
        return;
    };
    let (v, code) = env.json(&["prepare"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (v["orders"].as_u64(), v["photos"].as_u64()),
        (Some(1), Some(4)),
        "{v}"
    );
    assert_eq!(
        (v["made"].as_u64(), v["cached"].as_u64()),
        (Some(4), Some(0)),
        "{v}"
    );
    assert!(v["failed"].as_array().unwrap().is_empty(), "{v}");
    let (v, _) = env.json(&["prepare", ORDER]);
    assert_eq!(
        (v["made"].as_u64(), v["cached"].as_u64()),
        (Some(0), Some(4)),
        "{v}"
    );
    // The deadline bundle converts nothing: it works without any converter installed.
    let out = ebay_bundle_without_converters(&env, "b.zip");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["upload"]["dropped"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["notes"].as_array().unwrap().is_empty(), "{v}");
    let m = manifest(&env);
    for (p, _) in &photos {
        assert!(
            upload_copy_of(&env, &m, &hex_of(p)).is_some(),
            "{}",
            p.display()
        );
    }
    // Nothing in the store changed: verify is clean.
    env.vault().args(["verify"]).assert().success();
}

#[test]
fn prepare_without_a_converter_names_the_photos_and_still_exits_0() {
    let Some((env, _)) = order_of_phone_photos() else {
        return;
    };
    let out = env
        .vault()
        .env("PATH", "/nonexistent")
        .args(["--json", "prepare"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&str> = v["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["IMG_0101.HEIC", "IMG_0102.avif"], "{v}");
    assert_eq!(v["made"], 2, "the WebP and the PNG need nothing installed");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("IMG_0101.HEIC") && stderr.contains("libheif-examples"),
        "{stderr}"
    );
    // An order the vault does not have is an error before anything is done.
    let (v, code) = env.json(&["prepare", "0000000000000000"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "unknown_order");
}

#[test]
fn a_heic_the_converter_cannot_read_is_named_and_kept_as_it_is() {
    if !have_tool("heif-convert", &["--list-decoders"]) {
        return;
    }
    let env = Env::new();
    // A HEIC header over nothing: detected as a photo, refused by libheif.
    let broken = b"\0\0\0\x18ftypheic\0\0\0\0heicmif1 and then nothing an image needs".to_vec();
    let p = env.write("in/IMG_0600.HEIC", &broken);
    let photo = env.write("in/IMG_0601.jpg", &big_photo(60, 640, 480));
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .args([&p, &photo])
        .assert()
        .success();
    let (v, code) = bundle(&env, &["--platform", "ebay"]);
    assert_eq!(code, 0, "{v}");
    let line = v["upload"]["checklist_details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "photos_original_only")
        .unwrap_or_else(|| panic!("no original-only line: {v}"))["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        line.contains("IMG_0600.HEIC") && line.contains("could not read it"),
        "{line}"
    );
    assert!(!line.contains("IMG_0601"), "{line}");
    // The other photo still goes; the broken one is in the bag byte for byte, and the vault
    // still holds it.
    let m = manifest(&env);
    assert!(upload_copy_of(&env, &m, &hex_of(&photo)).is_some());
    let original = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "original" && f["sha256"] == hex_of(&p).as_str())
        .unwrap();
    assert_eq!(
        zip_entry(&env.path("b.zip"), original["path"].as_str().unwrap()),
        broken
    );
    env.vault().args(["verify"]).assert().success();
}

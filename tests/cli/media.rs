//! Photos and videos: what `vault` reads from them, checked against an independent tool
//! (exiftool), the capture-time warnings, and every hostile sample stored without harm.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{Env, have_tool, jpeg_with_exif};
use predicates::prelude::*;
use serde_json::Value;

const ORDER: &str = "8123456789012345";

fn add_json(env: &Env, files: &[&Path]) -> Value {
    let mut args = vec!["add".to_string(), "--order".into(), ORDER.into()];
    args.extend(files.iter().map(|f| f.to_str().unwrap().to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (v, code) = env.json(&a);
    assert_eq!(code, 0, "{v}");
    v
}

#[test]
fn capture_time_offset_and_camera_are_read_and_shown() {
    let env = Env::new();
    let f = env.write(
        "IMG_1.jpg",
        &jpeg_with_exif("2026:11:18 10:05:02", Some("+08:00")),
    );
    let v = add_json(&env, &[&f]);
    let it = &v["items"][0];
    assert_eq!(it["captured_at"], "2026-11-18T10:05:02+08:00");
    assert_eq!(
        it["captured_from"],
        "EXIF DateTimeOriginal+OffsetTimeOriginal"
    );
    assert_eq!(it["camera"], "TestCam");
    assert_eq!(
        (it["width"].as_u64(), it["height"].as_u64()),
        (Some(8), Some(8))
    );
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(show["items"][0]["captured_at"], "2026-11-18T10:05:02+08:00");
    env.vault()
        .args(["show", ORDER])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "captured 18 Nov 2026, 02:05 UTC, TestCam, 8x8",
        ));

    let f = env.write("IMG_2.jpg", &jpeg_with_exif("2026:11:18 10:06:00", None));
    let v = add_json(&env, &[&f]);
    assert_eq!(v["items"][0]["captured_at"], "2026-11-18T10:06:00");
    assert_eq!(v["items"][0]["captured_at_naive"], true);
}

#[test]
fn wrong_camera_clocks_are_warned_about_on_add_and_show() {
    let env = Env::new();
    let default = env.write("default.jpg", &jpeg_with_exif("2000:01:01 00:04:12", None));
    let old = env.write(
        "old.jpg",
        &jpeg_with_exif("2003:05:01 12:00:00", Some("+02:00")),
    );
    let future = env.write(
        "future.jpg",
        &jpeg_with_exif("2099:01:01 12:00:00", Some("+00:00")),
    );
    let none = env.write("none.jpg", &common::jpeg_bytes(1));
    env.vault()
        .args(["add", "--order", ORDER])
        .args([&default, &old, &future, &none])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "default.jpg: capture time 2000-01-01 is a camera's default date",
        ))
        .stderr(predicate::str::contains(
            "old.jpg: capture time 2003-05-01 is before 2005",
        ))
        .stderr(
            predicate::str::contains("future.jpg: captured")
                .and(predicate::str::contains("after it was added")),
        )
        .stderr(predicate::str::contains("none.jpg: capture time unknown"));
    let (show, _) = env.json(&["show", ORDER]);
    let warnings: BTreeMap<String, String> = show["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["warnings"][0].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(warnings["default.jpg"].contains("default date"));
    assert!(warnings["old.jpg"].contains("before 2005"));
    assert!(warnings["future.jpg"].contains("after it was added"));
    // Bundles carry the warnings.
    env.vault()
        .args(["bundle", ORDER, "-o", "b.zip"])
        .assert()
        .success();
    let bag = {
        let z = zip::ZipArchive::new(std::fs::File::open(env.path("b.zip")).unwrap()).unwrap();
        z.file_names()
            .next()
            .unwrap()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let m: Value = serde_json::from_slice(&common::zip_entry(
        &env.path("b.zip"),
        &format!("{bag}/data/manifest.json"),
    ))
    .unwrap();
    let rec = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["original_name"] == "old.jpg")
        .unwrap()
        .clone();
    assert_eq!(rec["captured_at"], "2003-05-01T12:00:00+02:00");
    assert!(rec["warnings"][0].as_str().unwrap().contains("before 2005"));
    let html = String::from_utf8(common::zip_entry(
        &env.path("b.zip"),
        &format!("{bag}/data/report.html"),
    ))
    .unwrap();
    assert!(html.contains("is before 2005"));
}

/// Expected values from exiftool (Debian libimage-exiftool-perl), not from our own output.
fn exiftool(files: &[&Path]) -> Vec<Value> {
    let out = Command::new("exiftool")
        .args([
            "-j",
            "-n",
            "-DateTimeOriginal",
            "-OffsetTimeOriginal",
            "-SubSecTimeOriginal",
            "-Make",
            "-Model",
            "-ImageWidth",
            "-ImageHeight",
            "-CreationDate",
            "-Duration",
        ])
        .args(files)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn exif_time(e: &Value) -> Option<String> {
    // "2023:07:09 20:36:33" + ".616" + "+08:00" -> RFC 3339
    let dt = e["DateTimeOriginal"].as_str()?;
    let (d, t) = dt.split_once(' ')?;
    let mut s = format!("{}T{t}", d.replace(':', "-"));
    if let Some(sub) = e
        .get("SubSecTimeOriginal")
        .map(|v| v.to_string().trim_matches('"').to_string())
    {
        let ms: String = sub.chars().chain(std::iter::repeat('0')).take(3).collect();
        // A zero fraction is not written (as RFC 3339 allows).
        if ms != "000" {
            s.push_str(&format!(".{ms}"));
        }
    }
    if let Some(o) = e["OffsetTimeOriginal"].as_str() {
        s.push_str(o);
    } else if let Some(o) = xmp_offset(e, dt) {
        // vault takes the offset an XMP DateTimeOriginal of the same wall time writes.
        s.push_str(&o);
    }
    Some(s)
}

/// The offset of exiftool's XMP DateTimeOriginal (read by a second exiftool run, as
/// `XMPDateTimeOriginal`): `2008:03:15 09:52:01-04:00` → `-04:00`.
fn xmp_offset(e: &Value, exif_wall: &str) -> Option<String> {
    let x = e["XMPDateTimeOriginal"].as_str()?;
    let wall = x.get(..19)?;
    let off = x.get(19..)?;
    let off = off.split_once(['+', '-']).map_or("", |_| off);
    let off = off.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    (wall == exif_wall && !off.is_empty()).then(|| {
        if off == "Z" {
            "+00:00".into()
        } else {
            off.to_string()
        }
    })
}

#[test]
fn readings_match_exiftool_on_real_samples() {
    let Some(samples) = common::samples() else {
        return;
    };
    if !have_tool("exiftool", &["-ver"]) {
        return;
    }
    let files: Vec<std::path::PathBuf> = [
        "nom-exif/testdata/exif.jpg",
        "exif-samples/heic/IMG_5195.HEIC",
        "exif-samples/heic/mobile/iphone_13_pro_max.HEIC",
        "exif-samples/jpg/Canon_40D.jpg",
        "exif-samples/jpg/gps/DSCN0010.jpg",
        "exif-samples/jpg/Nikon_D70.jpg",
        "exif-samples/jpg/mobile/jolla.jpg",
        "exif-samples/jpg/orientation/portrait_6.jpg",
    ]
    .iter()
    .map(|p| samples.join(p))
    .collect();
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let mut expected = exiftool(&refs);
    // exiftool shows one DateTimeOriginal (EXIF's) unless XMP's is asked for alone.
    let xmp: Vec<Value> = serde_json::from_slice(
        &std::process::Command::new("exiftool")
            .args(["-j", "-XMP-exif:DateTimeOriginal"])
            .args(&refs)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for (e, x) in expected.iter_mut().zip(&xmp) {
        if let Some(d) = x.get("DateTimeOriginal") {
            e["XMPDateTimeOriginal"] = d.clone();
        }
    }
    let env = Env::new();
    let v = add_json(&env, &refs);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), files.len());
    for (item, e) in items.iter().zip(&expected) {
        let name = e["SourceFile"].as_str().unwrap();
        let want_time = exif_time(e);
        assert_eq!(
            item["captured_at"].as_str().map(String::from),
            want_time,
            "{name}"
        );
        assert_eq!(
            item["captured_at_naive"].as_bool().unwrap_or(false),
            want_time
                .as_deref()
                .is_some_and(|t| t.len() <= 23 && !t.ends_with('Z')),
            "{name}"
        );
        let make = e["Make"].as_str().unwrap_or("").trim();
        let model = e["Model"].as_str().unwrap_or("").trim();
        let camera = item["camera"].as_str().unwrap_or("");
        assert!(
            camera.contains(model)
                && (camera.starts_with(make)
                    || model.starts_with(make)
                    || camera.to_lowercase().contains(&make.to_lowercase())),
            "{name}: {camera} vs {make} {model}"
        );
        assert_eq!(
            (item["width"].as_u64(), item["height"].as_u64()),
            (e["ImageWidth"].as_u64(), e["ImageHeight"].as_u64()),
            "{name}"
        );
    }
    // A video: QuickTime creationdate with its offset, and the duration.
    let mov = samples.join("nom-exif/testdata/meta.mov");
    let e = &exiftool(&[&mov])[0];
    let v = add_json(&env, &[&mov]);
    let it = &v["items"][0];
    let want = e["CreationDate"].as_str().unwrap(); // "2019:02:12 15:27:12+08:00"
    let (d, t) = want.split_once(' ').unwrap();
    assert_eq!(
        it["captured_at"].as_str().unwrap(),
        format!("{}T{t}", d.replace(':', "-"))
    );
    assert_eq!(
        it["captured_from"],
        "QuickTime com.apple.quicktime.creationdate"
    );
    assert_eq!(it["duration_s"].as_f64(), e["Duration"].as_f64());
    assert_eq!(it["camera"], "Apple iPhone X");
}

#[test]
fn every_image_and_video_sample_is_stored_and_none_breaks_ingest() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    for dir in ["exif-samples", "nom-exif"] {
        let (v, code) = env.json(&["add", "--order", dir, samples.join(dir).to_str().unwrap()]);
        assert_eq!(code, 0, "{}", v["failed"]);
        let items = v["items"].as_array().unwrap();
        assert!(items.len() > 10);
        for it in items
            .iter()
            .filter(|i| i["kind"] == "photo" || i["kind"] == "video")
        {
            // Either something was read, or why not is recorded; never silence.
            let read = it.get("captured_at").is_some()
                || it.get("width").is_some()
                || it.get("camera").is_some();
            assert!(
                read || it.get("error").is_some() || !it["warnings"].as_array().unwrap().is_empty(),
                "{it}"
            );
        }
    }
    // The known-hostile files are all filed.
    let (show, _) = env.json(&["show", "nom-exif"]);
    let names: Vec<&str> = show["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    for hostile in ["endless_loop.jpg", "oom_large_box.heic", "broken.jpg"] {
        assert!(names.contains(&hostile), "{hostile} filed: {names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("crash_")));
    env.vault().arg("verify").assert().success();
}

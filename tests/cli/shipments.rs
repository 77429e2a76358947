//! `vault track` and `vault shipments`: parcels, their latest stage, the flags cron alerts on
//! (exit 4), and packing photos taken after the parcel's first carrier scan.

use crate::common;

use std::path::PathBuf;

use common::{Env, jpeg_with_exif};
use predicates::prelude::*;
use serde_json::Value;

const ORDER: &str = "8123456789012345";

fn fixture(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tracking")
        .join(name)
}

#[test]
fn track_registers_a_parcel_once_and_refuses_bad_numbers() {
    let env = Env::new();
    let (v, code) = env.json(&[
        "track",
        ORDER,
        "--carrier",
        "china-post",
        "--number",
        "RR123456789CN",
        "--shipped-at",
        "2026-11-18T18:40:00+08:00",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["status"], "registered");
    let (v, _) = env.json(&[
        "track",
        ORDER,
        "--carrier",
        "China-Post",
        "--number",
        "rr123456789cn",
    ]);
    assert_eq!(v["status"], "duplicate");
    env.vault()
        .args(["track", ORDER, "--carrier", "ups", "--number", "1Z 999"])
        .assert()
        .code(2);
    env.vault()
        .args([
            "track",
            ORDER,
            "--carrier",
            "ups",
            "--number",
            "1Z999",
            "--shipped-at",
            "yesterday",
        ])
        .assert()
        .code(2);
    let (show, _) = env.json(&["show", ORDER]);
    let track: Vec<&Value> = show["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "track")
        .collect();
    assert_eq!(track.len(), 1);
    assert_eq!(track[0]["shipment"]["number"], "RR123456789CN");
    assert_eq!(
        track[0]["shipment"]["shipped_at"],
        "2026-11-18T18:40:00+08:00"
    );
}

#[test]
fn a_delivered_parcel_is_flagged_for_cron() {
    let env = Env::new();
    env.vault()
        .args([
            "track",
            ORDER,
            "--carrier",
            "china-post",
            "--number",
            "RR123456789CN",
        ])
        .assert()
        .success();
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "tracking"])
        .arg(fixture("17track-v2.2-gettrackinfo.json"))
        .assert()
        .success();
    let (v, code) = env.json(&["shipments"]);
    assert_eq!(code, 4, "{v}");
    assert_eq!(v["attention"], 1);
    let s = &v["shipments"][0];
    assert_eq!(s["number"], "RR123456789CN");
    assert_eq!(s["registered"], true);
    assert_eq!(s["events"], 6);
    assert_eq!(s["latest_stage"], "delivered");
    assert_eq!(s["delivered_at"], "2026-11-24T13:47:00+01:00");
    assert_eq!(s["flags"], serde_json::json!(["delivered"]));
    env.vault()
        .args(["shipments", ORDER])
        .assert()
        .code(4)
        .stdout(
            predicate::str::contains("RR123456789CN  delivered  last 24 Nov 2026, 12:47 UTC")
                .and(predicate::str::contains("DELIVERED")),
        );
    // With the shop's zone set, people read the shop's time first; --json keeps RFC 3339.
    env.vault()
        .args(["config", "set", "timezone", "Asia/Shanghai"])
        .assert()
        .success();
    env.vault()
        .args(["shipments", ORDER])
        .assert()
        .code(4)
        .stdout(predicate::str::contains(
            "last 24 Nov 2026, 20:47 Asia/Shanghai (24 Nov, 12:47 UTC)",
        ));
    let (s, _) = env.json(&["shipments", ORDER]);
    assert_eq!(
        s["shipments"][0]["last_event_at"],
        "2026-11-24T13:47:00+01:00"
    );
}

/// A delivery is news once: past `--news-within` of the snapshot that showed it, the parcel is
/// listed as delivered but no longer flagged (nor stale), so the daily alert means something.
#[test]
fn a_delivery_is_flagged_while_it_is_news_not_forever() {
    let env = Env::new();
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "tracking"])
        .arg(fixture("17track-v2.2-gettrackinfo.json"))
        .assert()
        .success();
    let (fresh, code) = env.json(&["shipments", "--news-within", "1h"]);
    assert_eq!(code, 4, "{fresh}");
    assert_eq!(
        fresh["shipments"][0]["flags"],
        serde_json::json!(["delivered"])
    );
    let news_at = fresh["shipments"][0]["news_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(news_at.ends_with('Z') && news_at.len() == 24, "{news_at}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (old, code) = env.json(&["shipments", "--news-within", "1s", "--stale-after", "1s"]);
    assert_eq!(code, 0, "{old}");
    assert_eq!(old["attention"], 0);
    let s = &old["shipments"][0];
    assert_eq!(s["latest_stage"], "delivered");
    assert_eq!(s["news_at"], news_at.as_str());
    assert_eq!(s["flags"], serde_json::json!([]));
    env.vault()
        .args(["shipments", "--news-within", "1s"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("delivered").and(predicate::str::contains("DELIVERED").not()),
        );
}

#[test]
fn a_parcel_without_news_goes_stale_and_an_unregistered_snapshot_counts_too() {
    let env = Env::new();
    env.vault()
        .args([
            "track",
            ORDER,
            "--carrier",
            "ups",
            "--number",
            "1Z999AA10123456784",
            "--shipped-at",
            "2020-01-01",
        ])
        .assert()
        .success();
    let (v, code) = env.json(&["shipments", ORDER]);
    assert_eq!(code, 4);
    assert_eq!(v["shipments"][0]["flags"], serde_json::json!(["stale"]));
    assert!(v["shipments"][0].get("latest_stage").is_none());
    let (v, code) = env.json(&["shipments", ORDER, "--stale-after", "100000d"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["attention"], 0);
    // A Cainiao snapshot for a parcel nobody registered: listed, from the snapshot.
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "tracking"])
        .arg(fixture("cainiao-detail.json"))
        .assert()
        .success();
    let (v, _) = env.json(&["shipments", ORDER, "--stale-after", "100000d"]);
    let s = v["shipments"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[1]["number"], "LP00123456789012");
    assert_eq!(s[1]["registered"], false);
    assert_eq!(s[1]["carrier"], "cainiao");
    env.vault().args(["shipments", "NOPE"]).assert().code(1);
}

#[test]
fn a_photo_taken_after_the_first_carrier_scan_is_flagged() {
    let env = Env::new();
    // The parcel was picked up 2026-11-18T10:40Z (18:40 in Shenzhen).
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "tracking"])
        .arg(fixture("17track-v2.2-gettrackinfo.json"))
        .assert()
        .success();
    let before = env.write(
        "packing.jpg",
        &jpeg_with_exif("2026:11:18 10:05:02", Some("+08:00")),
    );
    let after = env.write(
        "later.jpg",
        &jpeg_with_exif("2026:11:20 12:00:00", Some("+08:00")),
    );
    env.vault()
        .args(["add", "--order", ORDER])
        .args([&before, &after])
        .assert()
        .success();
    let (show, _) = env.json(&["show", ORDER]);
    let scan_warning = |name: &str| {
        show["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()["warnings"]
            .as_array()
            .map(|w| {
                w.iter()
                    .any(|w| w.as_str().unwrap().contains("first carrier scan"))
            })
            .unwrap_or(false)
    };
    assert!(!scan_warning("packing.jpg"));
    assert!(scan_warning("later.jpg"), "{show}");
    // Bundles carry it.
    env.vault()
        .args(["bundle", ORDER, "-o", "b.zip"])
        .assert()
        .success();
}

#[test]
fn a_failed_attempt_reads_as_words_for_people_and_a_code_for_scripts() {
    let env = Env::new();
    let snapshot = br#"{"tracking_code":"EZ1000000001","carrier":"USPS","tracking_details":[
        {"datetime":"2026-11-20T09:00:00Z","message":"Delivery attempted, no access to delivery location","status":"unknown"}]}"#;
    let p = env.write("t.json", snapshot);
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "tracking"])
        .arg(&p)
        .assert()
        .success();
    env.vault()
        .args(["shipments", ORDER])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("FAILED ATTEMPT"))
        .stdout(predicate::str::contains("FAILEDATTEMPT").not());
    let (v, _) = env.json(&["shipments", ORDER]);
    assert_eq!(v["shipments"][0]["flags"][0], "failed_attempt", "{v}");
}

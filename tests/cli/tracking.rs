//! Tracking snapshots: parsed into normalised events, summarised on add and show, merged into one
//! de-duplicated order timeline. Expected values were established by reading the payloads.

use crate::common;

use std::path::{Path, PathBuf};

use common::Env;
use predicates::prelude::*;
use serde_json::Value;

const ORDER: &str = "8123456789012345";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tracking")
        .join(name)
}

fn add_tracking(env: &Env, files: &[&Path]) -> Value {
    let mut args = vec!["add", "--order", ORDER, "--kind", "tracking"];
    let paths: Vec<String> = files
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let (v, code) = env.json(&args);
    assert_eq!(code, 0, "{v}");
    v
}

fn stages(show: &Value) -> Vec<String> {
    show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["stage"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn seventeen_track_v2_2_and_its_webhook() {
    let env = Env::new();
    let v = add_tracking(&env, &[&fixture("17track-v2.2-gettrackinfo.json")]);
    let t = &v["items"][0]["tracking"];
    assert_eq!(t["format"], "17track-v2.2");
    assert_eq!(t["number"], "RR123456789CN");
    assert_eq!(t["events"], 6);
    assert_eq!(t["delivered_at"], "2026-11-24T13:47:00+01:00");
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(
        stages(&show),
        [
            "info_received",
            "picked_up",
            "in_transit",
            "customs",
            "out_for_delivery",
            "delivered"
        ]
    );
    let first = &show["timeline"][0];
    assert_eq!(first["time"], "2026-11-18T11:02:00+08:00");
    assert_eq!(
        first["raw"]["sub_status"], "InfoReceived",
        "the raw node is kept"
    );

    // The webhook repeats five of the six events: the timeline still has six, each first seen in
    // the first snapshot.
    let v = add_tracking(&env, &[&fixture("17track-v2.2-webhook.json")]);
    assert_eq!(v["items"][0]["tracking"]["format"], "17track-v2.2-webhook");
    assert_eq!(v["items"][0]["tracking"]["events"], 5);
    let (show, _) = env.json(&["show", ORDER]);
    let tl = show["timeline"].as_array().unwrap();
    assert_eq!(tl.len(), 6);
    assert!(
        tl.iter()
            .all(|e| e["first_seen_name"] == "17track-v2.2-gettrackinfo.json")
    );
}

#[test]
fn cainiao_epoch_milliseconds_are_the_truth() {
    let env = Env::new();
    let v = add_tracking(&env, &[&fixture("cainiao-detail.json")]);
    let t = &v["items"][0]["tracking"];
    assert_eq!(t["format"], "cainiao");
    assert_eq!(t["number"], "LP00123456789012");
    assert_eq!(t["events"], 4);
    assert_eq!(t["delivered_at"], "2025-11-24T12:47:00Z");
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(
        stages(&show),
        ["picked_up", "customs", "out_for_delivery", "delivered"]
    );
}

#[test]
fn real_carrier_payloads() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    let at = |p: &str| samples.join(p);
    // AfterShip v4: FedEx CN->JP, 14 checkpoints, times with offsets.
    let get = at(
        "aftership-sdk-java/aftership-sdk/src/test/resources/endpoint/tracking/GetTrackingResult.json",
    );
    let v = add_tracking(&env, &[&get]);
    let t = &v["items"][0]["tracking"];
    assert_eq!(
        (
            t["format"].as_str(),
            t["number"].as_str(),
            t["events"].as_u64()
        ),
        (Some("aftership"), Some("111111111111"), Some(14))
    );
    assert_eq!(t["delivered_at"], "2018-07-25T10:10:00+09:00");
    let (show, _) = env.json(&["show", ORDER]);
    let s = stages(&show);
    assert_eq!(s.first().unwrap(), "info_received");
    assert_eq!(s.last().unwrap(), "delivered");
    assert!(s.contains(&"out_for_delivery".to_string()));
    // The same parcel later, marked completed: the same 14 events, nothing new in the timeline.
    let done = at(
        "aftership-sdk-java/aftership-sdk/src/test/resources/endpoint/tracking/MarkAsCompletedResult.json",
    );
    add_tracking(&env, &[&done]);
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(show["timeline"].as_array().unwrap().len(), 14);

    // AfterShip with checkpoint times that carry no offset: kept as local time, marked naive.
    let upd = at(
        "aftership-sdk-java/aftership-sdk/src/test/resources/endpoint/tracking/UpdateTrackingResult.json",
    );
    let v = add_tracking(&env, &[&upd]);
    assert_eq!(v["items"][0]["tracking"]["events"], 11);
    assert_eq!(
        v["items"][0]["tracking"]["delivered_at"],
        "2018-08-01T17:19:47"
    );

    // EasyPost test-mode tracker: two pre-transit details.
    let ep = at("easypost-python/extracted/test_tracker_retrieve_1_GET.json");
    let v = add_tracking(&env, &[&ep]);
    let t = &v["items"][0]["tracking"];
    assert_eq!(
        (
            t["format"].as_str(),
            t["number"].as_str(),
            t["events"].as_u64()
        ),
        (Some("easypost"), Some("EZ1000000001"), Some(2))
    );
    assert!(t.get("delivered_at").is_none());

    // 17TRACK v1: compact keys; status 40 (delivered) applies to the latest event.
    let env = Env::new();
    let v1 = at("py17track/tests/fixtures/gettrackinfo_success_response.json");
    let v = add_tracking(&env, &[&v1]);
    let t = &v["items"][0]["tracking"];
    assert_eq!(
        (t["format"].as_str(), t["events"].as_u64()),
        (Some("17track-v1"), Some(4))
    );
    assert_eq!(t["delivered_at"], "2022-03-08T14:11:00");
    let unknown = at("py17track/tests/fixtures/gettrackinfo_with_unknown_status_response.json");
    let v = add_tracking(&env, &[&unknown]);
    assert!(
        v["items"][0]["tracking"].get("delivered_at").is_none(),
        "status 0 is not delivered"
    );
}

#[test]
fn unknown_json_is_stored_with_a_warning() {
    let env = Env::new();
    let f = env.write("mystery.json", br#"{"parcel": {"where": "somewhere"}}"#);
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "tracking", f.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("mystery.json: stored as a tracking item without events: not a tracking format vault reads"));
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(show["items"][0]["kind"], "tracking");
    assert!(show["items"][0].get("tracking").is_none());
    assert!(show["timeline"].as_array().unwrap().is_empty());
}

#[test]
fn the_example_snapshot_shows_in_human_output() {
    let env = Env::new();
    let ex = common::example_evidence().join("tracking-2026-11-25.json");
    env.vault()
        .args(["add", "--order", ORDER])
        .arg(&ex)
        .assert()
        .success();
    env.vault()
        .args(["show", ORDER])
        .assert()
        .success()
        .stdout(predicate::str::contains("aftership LP00123456789012: 5 events, delivered 24 Nov 2026, 12:47 UTC"))
        .stdout(predicate::str::contains("24 Nov 2026, 12:47 UTC  delivered         Delivered, left with neighbour (Schmidt) (Berlin, DE)"));
}

#[test]
fn bundles_show_carrier_events_with_the_delivery_highlighted() {
    let env = Env::new();
    add_tracking(&env, &[&fixture("17track-v2.2-gettrackinfo.json")]);
    let html = common::bundle_report(&env, ORDER, "b.zip");
    assert!(html.contains("<tr class=\"delivered\"><td>24 Nov 2026, 12:47 UTC</td><td>Carrier: <span class=\"kind\">delivered</span> Delivered, in mailbox &mdash; Berlin, DE"), "{html}");
    // Oldest first: the shipping information comes before the delivery.
    let info = html.find("Shipping information received").unwrap();
    let delivered = html.find("Delivered, in mailbox").unwrap();
    assert!(info < delivered);
    env.vault()
        .args(["verify-bundle", "b.zip"])
        .assert()
        .success();
}

#[test]
fn a_har_capture_of_a_shipengine_response_is_detected_and_read() {
    use base64::Engine;
    let env = Env::new();
    // What a browser's "Save all as HAR" writes when the seller checks ShipEngine's tracking page:
    // the page's script first, then the API answer, base64-encoded. Added without --kind.
    let api = r#"{"tracking_number":"1Z932R800392060079","status_code":"DE","carrier_code":"ups","events":[{"occurred_at":"2026-03-14T20:15:00Z","description":"Delivered, front door","city_locality":"AUSTIN","state_province":"TX","country_code":"US","status_code":"DE"},{"occurred_at":"2026-03-10T09:00:00Z","description":"Shipment picked up","status_code":"AC"}]}"#;
    let b64 = base64::engine::general_purpose::STANDARD.encode(api);
    let har = format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"WebInspector","version":"537.36"}},"entries":[{{"request":{{"method":"GET","url":"https://example.com/app.js"}},"response":{{"status":200,"content":{{"size":7,"mimeType":"text/javascript","text":"var x=1"}}}}}},{{"request":{{"method":"GET","url":"https://api.shipengine.com/v1/tracking?carrier_code=ups&tracking_number=1Z932R800392060079"}},"response":{{"status":200,"content":{{"size":{},"mimeType":"application/json","encoding":"base64","text":"{b64}"}}}}}}]}}}}"#,
        api.len()
    );
    let p = env.write("tracking.har", har.as_bytes());
    let (v, code) = env.json(&["add", "--order", ORDER, p.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let t = &v["items"][0]["tracking"];
    assert_eq!(v["items"][0]["kind"], "tracking", "{v}");
    assert_eq!(
        (
            t["format"].as_str(),
            t["via"].as_str(),
            t["events"].as_u64()
        ),
        (Some("shipengine"), Some("HAR log.entries[1]"), Some(2)),
        "{v}"
    );
    assert_eq!(t["delivered_at"], "2026-03-14T20:15:00Z");
    let (show, _) = env.json(&["show", ORDER]);
    assert_eq!(stages(&show), ["picked_up", "delivered"]);
}

//! `--json` read back into typed structs that deny unknown fields: a field added, renamed or
//! retyped in the output without this file (and docs/json-output.md) changing fails here, where
//! indexing a `serde_json::Value` would read `null` and carry on.
// The structs spell out the whole document; a test reads only what it checks.
#![allow(dead_code)]

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::common::{Env, jpeg_with_exif};

const ORDER: &str = "8123456789012345";

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Envelope<T> {
    schema_version: u32,
    command: String,
    #[serde(flatten)]
    body: T,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct AddOut {
    items: Vec<AddItem>,
    skipped: Vec<Skipped>,
    unmatched: Vec<Unmatched>,
    failed: Vec<FailedItem>,
    warnings: Vec<String>,
    warning_details: Vec<WarningDetail>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct AddItem {
    order: String,
    sha256: String,
    size: u64,
    kind: String,
    name: String,
    name_bytes_hex: Option<String>,
    media_type: String,
    status: String,
    seq: Option<u64>,
    source: String,
    moved: bool,
    captured_at: Option<String>,
    captured_at_naive: Option<bool>,
    captured_from: Option<String>,
    camera: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    orientation: Option<u16>,
    gps: Option<Value>,
    duration_s: Option<f64>,
    error: Option<String>,
    tracking: Option<Value>,
    chat: Option<Value>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Skipped {
    path: String,
    reason: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Unmatched {
    path: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FailedItem {
    path: String,
    order: Option<String>,
    error: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct WarningDetail {
    code: String,
    path: Option<String>,
    text: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ChecklistDetail {
    code: String,
    path: Option<String>,
    text: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct VerifyOut {
    order: Option<String>,
    orders_checked: usize,
    entries_checked: usize,
    objects_checked: usize,
    bytes_checked: u64,
    problems: Vec<VerifyProblem>,
    unreferenced: Vec<Unreferenced>,
    stale_temp_files: usize,
    interrupted_appends: Vec<Interrupted>,
    keys: Vec<String>,
    trust: Vec<OrderTrust>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct OrderTrust {
    order: String,
    entries: u64,
    signed_through: Option<u64>,
    signed_by: Vec<String>,
    last_evidence: Option<u64>,
    stamped_through: Option<u64>,
    stamps: Vec<StampSeen>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct StampSeen {
    tsa: String,
    tsa_name: String,
    through_seq: u64,
    gen_time: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct VerifyProblem {
    kind: String,
    order: Option<String>,
    line: Option<usize>,
    path: String,
    what: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Unreferenced {
    sha256: String,
    size: u64,
    path: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Interrupted {
    order: String,
    path: String,
    bytes: usize,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct VerifyBundleOut {
    file: String,
    sha256: Option<String>,
    bag: Option<String>,
    order: Option<String>,
    entries: usize,
    payload_files: usize,
    originals: usize,
    ledger_entries: usize,
    ledger_head: Option<String>,
    signed_by: Option<String>,
    signed_through: Option<u64>,
    stamps: Vec<StampSeen>,
    problems: Vec<BundleProblem>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct BundleProblem {
    path: String,
    what: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ShipmentsOut {
    shipments: Vec<Shipment>,
    attention: usize,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Shipment {
    order: String,
    carrier: Option<String>,
    number: String,
    registered: bool,
    shipped_at: Option<String>,
    events: usize,
    latest_stage: Option<String>,
    last_event_at: Option<String>,
    last_event: Option<String>,
    days_since_last_event: Option<i64>,
    delivered_at: Option<String>,
    news_at: Option<String>,
    flags: Vec<String>,
}

/// Run `vault --json ARGS` and read the document as `T`; the exit code too.
fn typed<T: DeserializeOwned>(env: &Env, command: &str, args: &[&str]) -> (T, i32) {
    let out = env.vault().arg("--json").args(args).output().unwrap();
    let doc: Envelope<T> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{command}: {e}\n{}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!((doc.schema_version, doc.command.as_str()), (1, command));
    (doc.body, out.status.code().unwrap())
}

#[test]
fn reports_read_back_into_typed_structs_that_deny_unknown_fields() {
    let env = Env::new();
    let photo = env.write(
        "in/IMG_0001.jpg",
        &jpeg_with_exif("2026:11:18 09:41:00", Some("+08:00")),
    );
    let old = env.write(
        "in/IMG_0002.jpg",
        &jpeg_with_exif("1998:01:01 00:00:00", None),
    );
    let tracking = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tracking/17track-v2.2-gettrackinfo.json");
    let (add, code) = typed::<AddOut>(
        &env,
        "add",
        &[
            "add",
            "--order",
            ORDER,
            photo.to_str().unwrap(),
            old.to_str().unwrap(),
            tracking.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(add.items.len(), 3);
    assert!(
        add.items
            .iter()
            .all(|i| i.order == ORDER && i.status == "added" && i.seq.is_some())
    );
    assert!(
        add.items
            .iter()
            .any(|i| i.tracking.is_some() && i.kind == "tracking")
    );
    assert_eq!(
        add.items[0].captured_at.as_deref(),
        Some("2026-11-18T09:41:00+08:00")
    );
    assert!(add.skipped.is_empty() && add.unmatched.is_empty() && add.failed.is_empty());
    // The 1998 camera clock: warnings as sentences and as data, naming the real file.
    assert!(!add.items[1].warnings.is_empty());
    assert_eq!(add.warnings.len(), add.warning_details.len());
    let detail = &add.warning_details[0];
    assert_eq!(detail.code, "capture_time");
    assert_eq!(detail.path.as_deref(), Some(old.to_str().unwrap()));
    assert_eq!(
        add.warnings[0],
        format!("{}: {}", old.display(), detail.text)
    );

    let (verify, code) = typed::<VerifyOut>(&env, "verify", &["verify"]);
    assert_eq!(code, 0);
    assert_eq!(
        (
            verify.orders_checked,
            verify.entries_checked,
            verify.objects_checked
        ),
        (1, 3, 3)
    );
    assert!(verify.problems.is_empty() && verify.unreferenced.is_empty());

    let (ships, code) = typed::<ShipmentsOut>(&env, "shipments", &["shipments"]);
    assert_eq!((code, ships.attention), (4, 1));
    assert_eq!(ships.shipments[0].flags, ["delivered"]);
    assert!(ships.shipments[0].news_at.is_some());

    env.vault()
        .args(["bundle", ORDER, "-o", "b.zip"])
        .assert()
        .success();
    let (vb, code) = typed::<VerifyBundleOut>(&env, "verify-bundle", &["verify-bundle", "b.zip"]);
    assert_eq!(code, 0);
    assert_eq!(vb.order.as_deref(), Some(ORDER));
    assert_eq!(vb.originals, 3);
    assert!(vb.problems.is_empty() && vb.ledger_head.is_some());

    // A platform bundle's checklist, as sentences and as data, line for line.
    let (b, code) = env.json(&["bundle", ORDER, "--platform", "stripe", "-o", "s.zip"]);
    assert_eq!(code, 0, "{b}");
    let texts = b["upload"]["checklist"].as_array().unwrap();
    let details: Vec<ChecklistDetail> =
        serde_json::from_value(b["upload"]["checklist_details"].clone()).unwrap();
    assert_eq!(texts.len(), details.len());
    assert!(details.iter().zip(texts).all(|(d, t)| t == d.text.as_str()));
    assert_eq!(details[0].code, "upload");
    assert!(
        details[0]
            .path
            .as_deref()
            .is_some_and(|p| p.starts_with("data/upload/01-"))
    );
    assert!(
        details.iter().any(|d| d.code == "form_value"),
        "{details:?}"
    );

    // Damage one object: problems are typed too.
    let victim = walkdir::WalkDir::new(env.vault_dir().join("objects"))
        .into_iter()
        .filter_map(|e| e.ok())
        .find(|e| e.file_type().is_file())
        .unwrap();
    std::fs::write(victim.path(), b"not the evidence").unwrap();
    let (verify, code) = typed::<VerifyOut>(&env, "verify", &["verify"]);
    assert_eq!(code, 3);
    // Its bytes no longer hash to its name, nor have the size the ledger recorded.
    assert_eq!(verify.problems.len(), 2, "{verify:?}");
    for p in &verify.problems {
        assert_eq!(
            (p.kind.as_str(), p.order.as_deref()),
            ("corrupt", Some(ORDER))
        );
        assert!(p.line.is_some() && p.path.ends_with(&*victim.file_name().to_string_lossy()));
    }
}

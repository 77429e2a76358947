//! The dispute desk across every platform and reason (#18): a dispute per reason, as the platform
//! writes it, through `bundle --platform`: the files each form field gets, within the platform's
//! limits; the form's fields filled from the ledger (Stripe's dispute update, PayPal's
//! provide-evidence, eBay's payment-dispute and inquiry calls); the checklist of what the reason
//! asks for, held and not, in `--json` and on the summary PDF; and a drafted statement that holds
//! the tracking number and the delivered day and, on an order that holds nothing, says nothing.

use crate::common;

use std::collections::BTreeMap;

use common::{Env, have_tool};
use serde_json::Value;

use crate::upload::{ORDER, manifest, upload_names, zip_entry};

/// How vault reads the reason: its family decides the evidence rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    NotReceived,
    NotAsDescribed,
    Unauthorized,
    Billing,
    Other,
}
use Family::*;

/// Every reason each platform writes (as it writes it), with the name vault records.
const CASES: &[(&str, &str, &str, Family)] = &[
    ("aliexpress", "not-received", "not-received", NotReceived),
    (
        "aliexpress",
        "not-received:invalid-tracking",
        "not-received:invalid-tracking",
        NotReceived,
    ),
    (
        "aliexpress",
        "not-received:in-transit",
        "not-received:in-transit",
        NotReceived,
    ),
    (
        "aliexpress",
        "not-received:customs",
        "not-received:customs",
        NotReceived,
    ),
    (
        "aliexpress",
        "not-received:returned",
        "not-received:returned",
        NotReceived,
    ),
    (
        "aliexpress",
        "not-as-described",
        "not-as-described",
        NotAsDescribed,
    ),
    (
        "aliexpress",
        "not-as-described:quality",
        "not-as-described:quality",
        NotAsDescribed,
    ),
    (
        "aliexpress",
        "not-as-described:damaged",
        "not-as-described:damaged",
        NotAsDescribed,
    ),
    (
        "aliexpress",
        "not-as-described:wrong-size",
        "not-as-described:wrong-size",
        NotAsDescribed,
    ),
    (
        "aliexpress",
        "not-as-described:wrong-color",
        "not-as-described:wrong-colour",
        NotAsDescribed,
    ),
    (
        "aliexpress",
        "not-as-described:missing-parts",
        "not-as-described:missing-parts",
        NotAsDescribed,
    ),
    (
        "aliexpress",
        "not-as-described:counterfeit",
        "not-as-described:counterfeit",
        NotAsDescribed,
    ),
    ("aliexpress", "other", "other", Other),
    ("stripe", "fraudulent", "fraudulent", Unauthorized),
    ("stripe", "unrecognized", "unrecognized", Unauthorized),
    (
        "stripe",
        "product_not_received",
        "product_not_received",
        NotReceived,
    ),
    (
        "stripe",
        "product_unacceptable",
        "product_unacceptable",
        NotAsDescribed,
    ),
    ("stripe", "duplicate", "duplicate", Billing),
    (
        "stripe",
        "subscription_canceled",
        "subscription_canceled",
        Billing,
    ),
    (
        "stripe",
        "credit_not_processed",
        "credit_not_processed",
        Billing,
    ),
    ("stripe", "general", "general", Other),
    ("shopify", "fraudulent", "fraudulent", Unauthorized),
    (
        "shopify",
        "product_not_received",
        "product_not_received",
        NotReceived,
    ),
    (
        "shopify",
        "product_unacceptable",
        "product_unacceptable",
        NotAsDescribed,
    ),
    (
        "paypal",
        "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
        "item-not-received",
        NotReceived,
    ),
    (
        "paypal",
        "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED",
        "significantly-not-as-described",
        NotAsDescribed,
    ),
    ("paypal", "UNAUTHORISED", "unauthorized", Unauthorized),
    ("paypal", "DUPLICATE_TRANSACTION", "duplicate", Billing),
    (
        "paypal",
        "CREDIT_NOT_PROCESSED",
        "credit_not_processed",
        Billing,
    ),
    (
        "paypal",
        "CANCELED_RECURRING_BILLING",
        "subscription_canceled",
        Billing,
    ),
    ("ebay", "INR", "item-not-received", NotReceived),
    (
        "ebay",
        "SNAD",
        "significantly-not-as-described",
        NotAsDescribed,
    ),
    // eBay's payment disputes, as its Fulfillment API writes their reasons.
    (
        "ebay",
        "COUNTERFEIT",
        "not-as-described:counterfeit",
        NotAsDescribed,
    ),
    ("ebay", "FRAUD", "unauthorized", Unauthorized),
    ("ebay", "DUPLICATE_AMOUNT", "duplicate", Billing),
    (
        "ebay",
        "CREDIT_NOT_PROCESSED",
        "credit_not_processed",
        Billing,
    ),
    ("ebay", "TRANSACTION_ISSUE", "other", Other),
    (
        "amazon",
        "item-not-received",
        "item-not-received",
        NotReceived,
    ),
    (
        "amazon",
        "item-materially-different",
        "materially-different",
        NotAsDescribed,
    ),
    ("other", "other", "other", Other),
];

/// The example order: four packing photos taken before the first carrier scan, a Cainiao
/// snapshot ending delivered (left with a neighbour: no signature), and a WhatsApp chat in which
/// the buyer confirms size and receipt.
const TRACKING: &str = "LP00123456789012";
const DELIVERED: &str = "delivered on 2026-11-24";
/// The first carrier scan past "info received", in UTC, as eBay takes it.
const SHIPPED_UTC: &str = "2026-11-18T19:12:00.000Z";

/// The longest statement each platform's text box takes (docs/platforms.md).
fn text_limit(platform: &str) -> usize {
    match platform {
        "stripe" => 20_000,
        "paypal" => 2_000,
        _ => 1_000,
    }
}

fn open(env: &Env, platform: &str, reason: &str, case: &str) {
    env.vault()
        .args(["dispute", "open", ORDER, "--platform", platform])
        .args(["--reason", reason, "--case", case])
        .args(["--amount", "20.00", "--currency", "USD"])
        .args(["--due", "2030-01-01T00:00:00Z"])
        .assert()
        .success();
}

/// A dispute on another order, opened as the platform writes its reason.
fn open_on(env: &Env, order: &str, platform: &str, reason: &str) {
    env.vault()
        .args([
            "dispute",
            "open",
            order,
            "--platform",
            platform,
            "--reason",
            reason,
        ])
        .assert()
        .success();
}

fn close(env: &Env) {
    env.vault()
        .args(["dispute", "close", ORDER, "--outcome", "withdrawn"])
        .assert()
        .success();
}

fn text_of(env: &Env, rel: &str) -> String {
    String::from_utf8(zip_entry(&env.path("b.zip"), rel)).unwrap()
}

fn form(env: &Env, rel: &str) -> Value {
    serde_json::from_slice(&zip_entry(&env.path("b.zip"), rel)).unwrap()
}

/// Whether the bundle's payload holds a file at `rel`.
fn has(env: &Env, rel: &str) -> bool {
    manifest(env)["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == rel)
}

/// The checklist lines of one code, as `--json` gives them.
fn lines(v: &Value, code: &str) -> Vec<String> {
    v["upload"]["checklist_details"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == code)
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

/// Without whitespace and hyphens: poppler drops a hyphen where a line breaks after it
/// (`not-as-` / `described` reads back as `not-asdescribed`).
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// Every upload file within the profile's limits: its type accepted, its size, the total, the
/// pages, and the files per form field.
fn within_limits(v: &Value, env: &Env, what: &str) {
    let profile = &v["upload"]["profile"];
    let accepts: Vec<&str> = profile["accepts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let files = v["upload"]["files"].as_array().unwrap();
    assert!(!files.is_empty(), "{what}: no upload files: {v}");
    let mut total = 0u64;
    let mut per_field: BTreeMap<&str, u64> = BTreeMap::new();
    for f in files {
        let path = f["path"].as_str().unwrap();
        let kind = match path.rsplit('.').next().unwrap() {
            "jpg" | "jpeg" => "jpeg",
            other => other,
        };
        assert!(
            accepts.contains(&kind),
            "{what}: {path} is {kind}, not taken"
        );
        let size = f["size"].as_u64().unwrap();
        assert_eq!(
            size,
            zip_entry(&env.path("b.zip"), path).len() as u64,
            "{what}: {path}'s size"
        );
        assert!(
            size <= profile["max_file_bytes"].as_u64().unwrap(),
            "{what}: {path}"
        );
        if let (Some(max), Some(pages)) = (profile["max_pages"].as_u64(), f["pages"].as_u64()) {
            assert!(pages <= max, "{what}: {path} has {pages} pages");
        }
        total += size;
        *per_field.entry(f["field"].as_str().unwrap()).or_default() += 1;
    }
    if let Some(max) = profile["max_total_bytes"].as_u64() {
        assert!(total <= max, "{what}: {total} bytes in all");
    }
    if let Some(max) = profile["max_files"].as_u64() {
        for (field, n) in per_field {
            assert!(n <= max, "{what}: {n} files for {field}");
        }
    }
}

/// The summary's text, read back by poppler (PDF platforms only).
fn summary_text(env: &Env) -> String {
    let pdf = env.write(
        "summary.pdf",
        &zip_entry(&env.path("b.zip"), "data/upload/01-summary.pdf"),
    );
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_platform_and_reason_gets_its_form_fields_its_limits_and_a_true_draft() {
    let poppler = have_tool("pdftotext", &["-v"]);
    let env = Env::new();
    let mut add = env.vault();
    add.args(["add", "-q", "--order", ORDER]).args([
        "--buyer",
        "lena-77",
        "--buyer-name",
        "Lena (buyer)",
    ]);
    for f in std::fs::read_dir(common::example_evidence()).unwrap() {
        add.arg(f.unwrap().path());
    }
    add.assert().success();

    for (k, &(platform, reason, recorded, family)) in CASES.iter().enumerate() {
        let what = format!("{platform} {reason}");
        let case = format!("C-{k}");
        open(&env, platform, reason, &case);
        let (v, code) = crate::upload::bundle(&env, &["--platform", platform]);
        assert_eq!(code, 0, "{what}: {v}");
        within_limits(&v, &env, &what);
        let files = upload_names(&env);

        // The statement: the dispute as recorded, the tracking number, the delivered day, the
        // buyer's own words where they bear on the reason; within the platform's text box.
        let statement = text_of(&env, "data/upload/statement.txt");
        let statement = statement.trim_end();
        for want in [
            format!("(case {case})"),
            format!("on {platform}, reason {recorded},"),
            TRACKING.to_string(),
            DELIVERED.to_string(),
            "4 photo(s) were taken on 2026-11-18, all before the first carrier scan".to_string(),
        ] {
            assert!(
                statement.contains(&want),
                "{what}: {want:?} not in {statement}"
            );
        }
        // What the reason turns on comes first: the packing for an item said not as described,
        // the shipping and delivery for the rest.
        let (packed, shipped) = (
            statement.find("photo(s) were taken").unwrap(),
            statement.find(TRACKING).unwrap(),
        );
        assert_eq!(
            packed < shipped,
            family == NotAsDescribed,
            "{what}: {statement}"
        );
        let quote = match family {
            NotReceived | Unauthorized => Some("Got it, thanks! My neighbour had it."),
            NotAsDescribed => Some("Perfect, size M is right for me."),
            Billing | Other => None,
        };
        match quote {
            Some(q) => assert!(
                statement.contains(&format!("the buyer wrote: \"{q}\"")),
                "{what}: {statement}"
            ),
            None => assert!(
                !statement.contains("the buyer wrote"),
                "{what}: {statement}"
            ),
        }
        assert!(
            statement.chars().count() <= text_limit(platform),
            "{what}: {} characters",
            statement.chars().count()
        );

        // The checklist: what the order holds of what the reason asks for (in `due` too), what
        // it lacks, and what only the seller's other records hold.
        let delivery = "1 tracking snapshot(s), with a delivered event";
        let photos = "4 packing photo(s) captured before the parcel's first carrier scan";
        let chat = "the conversation with the buyer (1 export(s))";
        let held: &[&str] = match family {
            NotReceived | Unauthorized => &[delivery, chat],
            NotAsDescribed => &[photos, chat],
            Billing | Other => &[chat],
        };
        assert_eq!(v["dispute"]["held"], serde_json::json!(held), "{what}");
        let (due, _) = env.json(&["due"]);
        assert_eq!(
            due["disputes"][0]["held"],
            serde_json::json!(held),
            "{what}"
        );
        assert_eq!(
            due["disputes"][0]["missing"], v["dispute"]["missing"],
            "{what}"
        );
        let missing = lines(&v, "missing");
        let to_supply = lines(&v, "to_supply");
        match family {
            // Delivered to a neighbour: no signature, which a card holder's denial turns on.
            Unauthorized => assert_eq!(
                missing,
                ["missing: a delivery signed for by the customer (the carrier's signature record)"],
                "{what}"
            ),
            _ => assert!(missing.is_empty(), "{what}: {missing:?}"),
        }
        let supply_has = |s: &str| to_supply.iter().any(|t| t.contains(s));
        match recorded {
            "fraudulent" | "unauthorized" => {
                assert!(supply_has("AVS") && supply_has("IP address"), "{what}")
            }
            "unrecognized" => assert!(supply_has("statement descriptor"), "{what}"),
            "duplicate" => assert!(supply_has("both charges"), "{what}"),
            "subscription_canceled" => assert!(supply_has("cancellation policy"), "{what}"),
            "credit_not_processed" => assert!(supply_has("refund policy"), "{what}"),
            "product_unacceptable" | "significantly-not-as-described" | "materially-different" => {
                assert!(supply_has("description"), "{what}")
            }
            "not-as-described:counterfeit" => {
                assert!(supply_has("genuine"), "{what}: {to_supply:?}")
            }
            "product_not_received" => assert!(supply_has("shipping address"), "{what}"),
            "item-not-received" if platform == "paypal" => {
                assert!(supply_has("Transaction Details"), "{what}")
            }
            _ => assert!(to_supply.is_empty(), "{what}: {to_supply:?}"),
        }

        // The summary says the same, under its own heading, where it is a PDF.
        if poppler && files[0] == "01-summary.pdf" {
            let text = squash(&summary_text(&env));
            let heading = squash(&format!(
                "Also asked for on {platform} for {recorded}, not in these records"
            ));
            if missing.is_empty() && to_supply.is_empty() {
                assert!(!text.contains(&heading), "{what}");
            } else {
                assert!(text.contains(&heading), "{what}: {text}");
                for line in missing.iter().chain(&to_supply) {
                    let item = line.split_once(": ").unwrap().1;
                    assert!(
                        text.contains(&squash(item)),
                        "{what}: {item:?} not on the summary"
                    );
                }
            }
            assert!(
                text.contains(&squash(statement)),
                "{what}: the statement is on the cover"
            );
        }

        // Each platform's files and form data.
        match platform {
            "stripe" => {
                assert_eq!(
                    files,
                    [
                        "01-summary.pdf",
                        "02-shipping-documentation.pdf",
                        "03-customer-communication.pdf"
                    ],
                    "{what}"
                );
                let f = form(&env, "data/upload/stripe-evidence.json");
                let e = &f["evidence"];
                assert_eq!(e["shipping_tracking_number"], TRACKING, "{what}");
                assert_eq!(
                    e["shipping_date"], "2026-11-19",
                    "{what}: the first scan's day"
                );
                assert_eq!(e["shipping_carrier"], "cainiao", "{what}");
                assert_eq!(e["customer_name"], "Lena (buyer)", "{what}");
                assert_eq!(e["uncategorized_text"], statement, "{what}");
                assert_eq!(
                    f["files"],
                    serde_json::json!({
                        "uncategorized_file": "data/upload/01-summary.pdf",
                        "shipping_documentation": "data/upload/02-shipping-documentation.pdf",
                        "customer_communication": "data/upload/03-customer-communication.pdf",
                    }),
                    "{what}"
                );
                assert_eq!(f["reason"], recorded);
                assert_eq!(f["case"], case.as_str());
                for field in ["customer_name", "shipping_carrier", "shipping_date"] {
                    assert!(
                        !f["not_filled"]
                            .to_string()
                            .contains(&format!("\"{field}\"")),
                        "{what}: {field} is filled"
                    );
                }
            }
            "paypal" => {
                assert_eq!(files[0], "01-summary.pdf", "{what}");
                assert!(
                    files[1..].iter().all(|f| f.ends_with(".jpg")),
                    "{what}: {files:?}"
                );
                let f = form(&env, "data/upload/paypal-evidence.json");
                let e = &f["input"]["evidences"][0];
                assert_eq!(e["evidence_type"], "PROOF_OF_FULFILLMENT", "{what}");
                let t = &e["evidence_info"]["tracking_info"][0];
                assert_eq!(t["tracking_number"], TRACKING, "{what}");
                assert_eq!(t["carrier_name_other"], "cainiao", "{what}");
                assert_eq!(e["notes"], statement, "{what}");
                let docs: Vec<&str> = e["documents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["name"].as_str().unwrap())
                    .collect();
                assert_eq!(docs, files, "{what}");
            }
            "ebay" => {
                assert!(
                    files[0].starts_with("01-summary-page-1-of-"),
                    "{what}: {files:?}"
                );
                let f = form(&env, "data/upload/ebay-evidence.json");
                assert_eq!(
                    f["shipping_fulfillments"],
                    serde_json::json!([{"trackingNumber": TRACKING, "shippedDate": SHIPPED_UTC, "lineItems": []}]),
                    "{what}"
                );
                let set = &f["add_evidence"];
                let want = match (family, recorded) {
                    (_, "not-as-described:counterfeit") => Some("PROOF_OF_AUTHENTICITY"),
                    (NotAsDescribed, _) => Some("PROOF_OF_ITEM_AS_DESCRIBED"),
                    (_, "credit_not_processed") => Some("PROOF_OF_CREDIT_NOT_DUE"),
                    (NotReceived | Unauthorized, _) => Some("PROOF_OF_DELIVERY"),
                    // eBay's own evidence request says which.
                    (Billing | Other, _) => None,
                };
                assert_eq!(set["evidenceType"], serde_json::json!(want), "{what}");
                assert_eq!(
                    f["not_filled"].to_string().contains("evidenceType"),
                    want.is_none(),
                    "{what}"
                );
                assert_eq!(
                    set["files"],
                    serde_json::json!(files),
                    "{what}: every image, in order"
                );
                assert_eq!(f["contest"]["note"], statement, "{what}");
                let inquiry = f["inquiry_shipment_info"].as_array().unwrap();
                if family == NotReceived {
                    assert_eq!(inquiry.len(), 1, "{what}");
                    assert_eq!(inquiry[0]["trackingNumber"], TRACKING);
                    assert_eq!(inquiry[0]["shippingCarrierName"], "cainiao");
                    assert_eq!(inquiry[0]["sellerComments"]["content"], statement);
                } else {
                    assert!(inquiry.is_empty(), "{what}");
                }
                let not_filled = f["not_filled"].to_string();
                assert_eq!(
                    not_filled.contains("returnAddress"),
                    family == NotAsDescribed,
                    "{what}: {not_filled}"
                );
            }
            "aliexpress" => {
                assert!(
                    files[0].starts_with("01-summary-page-1-of-"),
                    "{what}: {files:?}"
                );
                assert!(
                    files
                        .iter()
                        .all(|f| f.ends_with(".jpg") || f.ends_with(".png")),
                    "{what}: images only: {files:?}"
                );
            }
            "amazon" | "shopify" | "other" => {
                assert_eq!(files[0], "01-summary.pdf", "{what}");
            }
            _ => unreachable!(),
        }
        // The form data a platform does not document is not made up.
        for (p, rel) in [
            ("stripe", "data/upload/stripe-evidence.json"),
            ("paypal", "data/upload/paypal-evidence.json"),
            ("ebay", "data/upload/ebay-evidence.json"),
        ] {
            assert_eq!(has(&env, rel), p == platform, "{what}: {rel}");
        }
        close(&env);
    }
}

/// An order that holds only a document: no sentence, field or call claims shipping, delivery,
/// photos, a conversation, a time-stamp, an offer or the buyer's words, on any platform.
#[test]
fn on_an_order_that_holds_nothing_no_form_says_anything() {
    let env = Env::new();
    let doc = env.write("invoice.pdf", b"%PDF-1.4\n%%EOF\n");
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&doc)
        .assert()
        .success();
    let mut seen = std::collections::BTreeSet::new();
    for (k, &(platform, reason, recorded, _)) in CASES.iter().enumerate() {
        // One reason per platform and family is enough here: the draft does not vary within one.
        if !seen.insert((platform, recorded.split(':').next().unwrap())) {
            continue;
        }
        let what = format!("{platform} {reason}");
        open(&env, platform, reason, &format!("C-{k}"));
        let (v, code) = crate::upload::bundle(&env, &["--platform", platform]);
        assert_eq!(code, 0, "{what}: {v}");
        let statement = text_of(&env, "data/upload/statement.txt").to_lowercase();
        for absent in [
            "shipped",
            "tracking",
            "delivered",
            "photo",
            "conversation",
            "time-stamp",
            "buyer wrote",
            "refund of",
        ] {
            assert!(
                !statement.contains(absent),
                "{what}: {absent:?} in {statement}"
            );
        }
        assert!(statement.contains(&format!("reason {recorded}")), "{what}");
        match platform {
            "stripe" => {
                let e = &form(&env, "data/upload/stripe-evidence.json")["evidence"];
                let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["uncategorized_text"], "{what}");
                assert_eq!(
                    e["uncategorized_text"].as_str().unwrap().to_lowercase(),
                    statement.trim_end(),
                    "{what}"
                );
            }
            "paypal" => {
                let e = &form(&env, "data/upload/paypal-evidence.json")["input"]["evidences"][0];
                assert_eq!(e["evidence_type"], "OTHER", "{what}");
                assert!(e.get("evidence_info").is_none(), "{what}");
            }
            "ebay" => {
                let f = form(&env, "data/upload/ebay-evidence.json");
                assert_eq!(f["shipping_fulfillments"], serde_json::json!([]), "{what}");
                assert_eq!(f["inquiry_shipment_info"], serde_json::json!([]), "{what}");
                assert!(f["carrier"].is_null(), "{what}");
            }
            _ => {}
        }
        // The values to type into the form: none about shipping (the lines naming a file say
        // what the file is, not a value).
        let values: Vec<&Value> = v["upload"]["checklist_details"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["code"] == "form_value" && c.get("path").is_none())
            .collect();
        assert!(values.is_empty(), "{what}: {values:?}");
        close(&env);
    }
}

/// A buyer's personal data, once erased (`vault buyer forget`), reaches no later bundle: no
/// `customer_name` in Stripe's fields, no quote of the buyer's words (the vault no longer knows
/// which sender is the buyer), and `verify` is clean.
#[test]
fn an_erased_buyer_is_in_no_later_form() {
    let env = Env::new();
    let mut add = env.vault();
    add.args(["add", "-q", "--order", ORDER]).args([
        "--buyer",
        "lena-77",
        "--buyer-name",
        "Lena (buyer)",
    ]);
    for f in std::fs::read_dir(common::example_evidence()).unwrap() {
        add.arg(f.unwrap().path());
    }
    add.assert().success();
    open(&env, "stripe", "product_not_received", "C-1");
    let stripe = |env: &Env| {
        let (v, code) = crate::upload::bundle(env, &["--platform", "stripe"]);
        assert_eq!(code, 0, "{v}");
        (
            form(env, "data/upload/stripe-evidence.json"),
            text_of(env, "data/upload/statement.txt"),
        )
    };
    let (f, statement) = stripe(&env);
    assert_eq!(f["evidence"]["customer_name"], "Lena (buyer)");
    assert!(statement.contains("the buyer wrote"), "{statement}");
    env.vault()
        .args(["buyer", "forget", "lena-77"])
        .assert()
        .success();
    let (f, statement) = stripe(&env);
    assert!(f["evidence"].get("customer_name").is_none(), "{f}");
    assert!(f["not_filled"].to_string().contains("customer_name"), "{f}");
    assert!(!statement.contains("the buyer wrote"), "{statement}");
    assert!(!statement.contains("Lena"), "{statement}");
    env.vault().arg("verify").assert().success();
}

/// A seller's statement longer than the platform's text box: statement.txt and the summary keep
/// it whole, the form data carries the first characters the platform takes, and the bundle says
/// so (`upload.shrunk`).
#[test]
fn a_statement_over_the_platform_s_limit_is_said_and_cut_only_in_the_form_data() {
    let env = Env::new();
    let photo = env.write(
        "in/a.jpg",
        &common::jpeg_with_exif("2026:11:18 10:05:02", None),
    );
    env.vault()
        .args(["add", "-q", "--order", ORDER])
        .arg(&photo)
        .assert()
        .success();
    let long: String = "Packed whole, weighed and sealed on camera. 已封箱。".repeat(50);
    let chars = long.chars().count();
    assert!(chars > 2_000, "{chars}");
    for (platform, reason, limit, rel, field) in [
        (
            "ebay",
            "SNAD",
            1_000,
            "data/upload/ebay-evidence.json",
            "/contest/note",
        ),
        (
            "paypal",
            "SNAD",
            2_000,
            "data/upload/paypal-evidence.json",
            "/input/evidences/0/notes",
        ),
    ] {
        open(&env, platform, reason, "C-1");
        let (v, code) =
            crate::upload::bundle(&env, &["--platform", platform, "--statement", &long]);
        assert_eq!(code, 0, "{v}");
        let said =
            format!("statement: {chars} characters, over {platform}'s text limit of {limit}");
        assert!(v["upload"]["shrunk"].to_string().contains(&said), "{v}");
        assert_eq!(
            text_of(&env, "data/upload/statement.txt"),
            format!("{long}\n")
        );
        let cut: String = long.chars().take(limit).collect();
        assert_eq!(
            form(&env, rel).pointer(field).unwrap(),
            &Value::from(cut),
            "{platform}"
        );
        close(&env);
    }
    // Within the limit, nothing is said.
    open(&env, "stripe", "general", "C-2");
    let (v, code) = crate::upload::bundle(&env, &["--platform", "stripe", "--statement", &long]);
    assert_eq!(code, 0, "{v}");
    assert!(
        !v["upload"]["shrunk"].to_string().contains("statement:"),
        "{v}"
    );
    assert_eq!(
        form(&env, "data/upload/stripe-evidence.json")["evidence"]["uncategorized_text"],
        long.as_str()
    );
}

/// A card holder's denial: the same buyer's earlier orders that were never disputed are evidence
/// the vault holds. They are in `due`'s and the bundle's `held`, on the summary and in the draft;
/// an order of theirs with a dispute, another buyer's order, and any reason but the card holder's
/// are not; the buyers' order index is a cache that `vault buyers` rebuilds.
#[test]
fn a_card_holder_s_denial_cites_the_buyer_s_earlier_undisputed_orders() {
    let env = Env::new();
    let add = |order: &str, buyer: &str, file: &std::path::Path| {
        env.vault()
            .args(["add", "-q", "--order", order, "--buyer", buyer])
            .arg(file)
            .assert()
            .success();
    };
    let note = env.write("in/note.txt", b"packing list\n");
    add("7001", "lena-77", &note);
    add("7002", "lena-77", &note);
    open_on(&env, "7002", "ebay", "INR");
    add("7003", "someone-else", &note);
    let mut later = env.vault();
    later
        .args(["add", "-q", "--order", ORDER, "--buyer", "lena-77"])
        .args(["--buyer-name", "Lena (buyer)"]);
    for f in std::fs::read_dir(common::example_evidence()).unwrap() {
        later.arg(f.unwrap().path());
    }
    later.assert().success();
    let held = "1 earlier order(s) of the same buyer in the vault, none disputed";
    let cites = |env: &Env, reason: &str| {
        open(env, "stripe", reason, "C-1");
        let (due, _) = env.json(&["due"]);
        let due_held = due["disputes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["order"] == ORDER)
            .unwrap()["held"]
            .to_string();
        let (v, code) = crate::upload::bundle(env, &["--platform", "stripe"]);
        assert_eq!(code, 0, "{v}");
        let statement = text_of(env, "data/upload/statement.txt");
        close(env);
        (due_held, v["dispute"]["held"].to_string(), statement)
    };
    let (due_held, bundle_held, statement) = cites(&env, "fraudulent");
    assert!(due_held.contains(held), "{due_held}");
    assert!(bundle_held.contains(held), "{bundle_held}");
    assert!(
        statement.contains("The same buyer placed 1 earlier order(s) with the shop that were not disputed: 7001 (first filed 20"),
        "{statement}"
    );
    assert!(
        !statement.contains("7002") && !statement.contains("7003"),
        "{statement}"
    );
    if have_tool("pdftotext", &["-v"]) {
        let text = squash(&summary_text(&env));
        assert!(
            text.contains(&squash("The buyer's earlier orders")),
            "{text}"
        );
    }
    // Not for another reason.
    let (due_held, bundle_held, statement) = cites(&env, "product_not_received");
    assert!(!due_held.contains("earlier order") && !bundle_held.contains("earlier order"));
    assert!(!statement.contains("earlier order"), "{statement}");
    // The index is a cache: cleared, nothing is cited (never a wrong claim); `vault buyers`
    // rebuilds it from the ledgers.
    std::fs::remove_dir_all(env.vault_dir().join("cache/buyers")).unwrap();
    let (_, bundle_held, statement) = cites(&env, "fraudulent");
    assert!(!bundle_held.contains("earlier order"), "{bundle_held}");
    assert!(!statement.contains("earlier order"), "{statement}");
    env.vault().arg("buyers").assert().success();
    let (_, bundle_held, statement) = cites(&env, "unauthorized");
    assert!(bundle_held.contains(held), "{bundle_held}");
    assert!(statement.contains("7001 (first filed"), "{statement}");
}

//! Each platform's own forms as data: the values vault can fill from the order's records for a
//! form's text fields, and the files for a script to submit in the shape the platform's API takes
//! (Stripe's dispute update, PayPal's provide-evidence, eBay's payment-dispute and inquiry calls).
//! vault itself sends nothing. A field vault does not hold is named as not filled, never guessed.

use serde_json::{Value, json};

use super::upload::{Input, UploadFile};
use crate::dispute::{Platform, Reason, ReasonFamily};
use crate::evidence::tracking::{Stage, TimelineEvent};

/// The longest statement a platform's text box takes, in characters, and whether that is the
/// platform's published limit (else vault's cautious guess).
pub fn statement_limit(platform: Platform) -> (usize, bool) {
    match platform {
        // `evidence.uncategorized_text`: 20,000 characters (all text fields together 150,000).
        Platform::Stripe => (20_000, true),
        // provide-evidence `notes`: 2,000 characters.
        Platform::Paypal => (2_000, true),
        // contestPaymentDispute `note`: 1,000 characters.
        Platform::Ebay => (1_000, true),
        Platform::Aliexpress | Platform::Amazon | Platform::Shopify | Platform::Other => {
            (1_000, false)
        }
    }
}

/// The statement as a platform's text field takes it: its first [`statement_limit`] characters
/// (a draft always fits; a seller's longer text is cut, and `bundle` says so).
fn within_limit(statement: &str, platform: Platform) -> String {
    statement
        .chars()
        .take(statement_limit(platform).0)
        .collect()
}

/// The form-data file a platform bundle carries beside statement.txt: its path in the bag, its
/// bytes, and what it is (for the checklist). None for platforms whose forms are not documented
/// as data.
pub(super) fn platform_form(
    i: &Input<'_>,
    platform: Platform,
    statement: &str,
    listed: &[UploadFile],
) -> Option<(&'static str, Vec<u8>, &'static str)> {
    let (path, doc, what) = match platform {
        Platform::Stripe => (
            STRIPE_EVIDENCE,
            stripe_evidence(i, statement, listed),
            "the text fields above and which file goes in which file field, in the shape \
             Stripe's dispute update API takes, for a script to submit (vault sends nothing)",
        ),
        Platform::Paypal => (
            PAYPAL_EVIDENCE,
            paypal_evidence(i, statement, listed),
            "the evidence (tracking numbers, the statement as notes, the files), in the shape \
             PayPal's provide-evidence request takes, for a script to submit (vault sends nothing)",
        ),
        Platform::Ebay => (
            EBAY_EVIDENCE,
            ebay_evidence(i, statement, listed),
            "the tracking as eBay's shipping fulfilment, the files as an evidence set, the \
             statement as the contest note (and, for an item not received, the inquiry's shipment \
             information), in the shape eBay's APIs take, for a script to submit (vault sends nothing)",
        ),
        Platform::Aliexpress | Platform::Amazon | Platform::Shopify | Platform::Other => {
            return None;
        }
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    Some((path, bytes, what))
}

/// Values for the form's own text fields, where the platform has them.
pub(super) fn form_values(i: &Input<'_>, platform: Platform) -> Vec<String> {
    let Shipping {
        numbers,
        carriers,
        first_scan,
        ..
    } = shipping(i);
    let mut v = Vec::new();
    if matches!(platform, Platform::Stripe | Platform::Shopify) {
        if !numbers.is_empty() {
            v.push(format!("shipping_tracking_number: {}", numbers.join(", ")));
        }
        if let Some(t) = first_scan {
            v.push(format!("shipping_date: {}", day(t.event.time.as_str())));
        }
        if !carriers.is_empty() {
            v.push(format!("shipping_carrier: {}", carriers.join(", ")));
        }
        if let Some(name) = i.buyer.as_ref().and_then(|p| p.name.as_ref()) {
            v.push(format!("customer_name: {name}"));
        }
    } else if !numbers.is_empty() {
        v.push(format!(
            "tracking number(s) to quote: {}",
            numbers.join(", ")
        ));
    }
    v
}

/// Where a platform bundle keeps the statement for the form's text box.
pub const STATEMENT: &str = "data/upload/statement.txt";

/// Where a Stripe bundle keeps the dispute evidence its form takes as data.
pub const STRIPE_EVIDENCE: &str = "data/upload/stripe-evidence.json";
/// PayPal's "provide evidence" request, filled from the order (PayPal bundles).
pub const PAYPAL_EVIDENCE: &str = "data/upload/paypal-evidence.json";

/// The `input` part of PayPal's provide-evidence call (`POST /v1/customer/disputes/{id}/
/// provide-evidence`, multipart): proof of fulfilment with the tracking numbers when the order
/// has them, else other evidence; the statement as notes; the upload files as documents.
fn paypal_evidence(i: &Input<'_>, statement: &str, listed: &[UploadFile]) -> Value {
    let ship = shipping(i);
    let documents: Vec<Value> = listed
        .iter()
        .map(|f| json!({"name": f.path.trim_start_matches("data/upload/")}))
        .collect();
    let notes = within_limit(statement, Platform::Paypal);
    let evidence = if ship.numbers.is_empty() {
        json!({"evidence_type": "OTHER", "notes": notes, "documents": documents})
    } else {
        // PayPal names carriers from a list of its own; vault writes OTHER and the carrier's name
        // as the snapshots give it, rather than guess the list's spelling.
        let tracking: Vec<Value> = ship
            .numbers
            .iter()
            .map(|n| {
                json!({
                    "carrier_name": "OTHER",
                    "carrier_name_other": carrier_of(i, n).unwrap_or("unknown"),
                    "tracking_number": n,
                })
            })
            .collect();
        json!({
            "evidence_type": "PROOF_OF_FULFILLMENT",
            "evidence_info": {"tracking_info": tracking},
            "notes": notes,
            "documents": documents,
        })
    };
    let doc = json!({
        "schema_version": 1,
        "about": "The `input` part of PayPal's provide-evidence request (POST /v1/customer/disputes/{id}/provide-evidence, multipart/form-data), filled from the order. \
                  Send each file under `documents` as a part of its own named by its file name; vault itself sends nothing.",
        "order": i.order.as_str(),
        "reason": i.dispute.map(|d| d.reason.as_str()),
        "case": i.dispute.and_then(|d| d.case.as_deref()),
        "input": {"evidences": [evidence]},
    });
    doc
}

/// `stripe-evidence.json`: the evidence text fields vault can fill from the order, in the shape of
/// the `evidence` object of Stripe's dispute update (`POST /v1/disputes/{id}`), and for each file
/// field the upload file that goes there (a script uploads it with purpose `dispute_evidence` and
/// puts the file's id in that field). Fields vault does not hold are named, not guessed.
fn stripe_evidence(i: &Input<'_>, statement: &str, listed: &[UploadFile]) -> Value {
    use std::collections::BTreeMap;
    let mut evidence: BTreeMap<&str, String> = BTreeMap::new();
    let ship = shipping(i);
    if !ship.numbers.is_empty() {
        evidence.insert("shipping_tracking_number", ship.numbers.join(", "));
    }
    if let Some(t) = ship.first_scan {
        evidence.insert("shipping_date", day(t.event.time.as_str()));
    }
    if !ship.carriers.is_empty() {
        evidence.insert("shipping_carrier", ship.carriers.join(", "));
    }
    if let Some(name) = i.buyer.as_ref().and_then(|p| p.name.as_ref()) {
        evidence.insert("customer_name", name.clone());
    }
    evidence.insert(
        "uncategorized_text",
        within_limit(statement, Platform::Stripe),
    );
    // Stripe's file fields take one file each: the shipping documentation and the conversation in
    // theirs, the summary as "other evidence".
    let mut files: BTreeMap<&str, &str> = BTreeMap::new();
    let mut unplaced: Vec<&str> = Vec::new();
    for f in listed {
        let field = f.api_field.unwrap_or("uncategorized_file");
        if files.contains_key(field) {
            unplaced.push(f.path.as_str());
        } else {
            files.insert(field, f.path.as_str());
        }
    }
    let not_filled: Vec<&str> = [
        "access_activity_log",
        "billing_address",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "product_description",
        "refund_policy_disclosure",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_tracking_number",
    ]
    .into_iter()
    .filter(|f| !evidence.contains_key(f))
    .collect();
    let doc = json!({
        "schema_version": 1,
        "about": "The evidence fields of Stripe's dispute update (POST /v1/disputes/{id}) that vault filled from the order. \
                  Upload each file under `files` with purpose dispute_evidence and put the file's id in its field; \
                  send with submit=false to stage the evidence (Stripe's default, true, submits it at once). \
                  vault itself sends nothing. `not_filled` are fields vault does not hold.",
        "order": i.order.as_str(),
        "reason": i.dispute.map(|d| d.reason.as_str()),
        "case": i.dispute.and_then(|d| d.case.as_deref()),
        "evidence": evidence,
        "files": files,
        "files_not_placed": unplaced,
        "not_filled": not_filled,
    });
    doc
}

/// What the order's records say of its shipping, for the form's fields and the drafted statement.
pub(super) struct Shipping<'a> {
    /// The parcels' tracking numbers, sorted, each once.
    pub numbers: Vec<&'a str>,
    /// The carriers `vault track` registered and the snapshots named, sorted, each once.
    pub carriers: Vec<&'a str>,
    /// The first carrier scan: the earliest event past `info_received`.
    pub first_scan: Option<&'a TimelineEvent>,
    /// The earliest delivered event.
    pub delivered: Option<&'a TimelineEvent>,
}

/// The carrier of one parcel: as `vault track` registered it, else as its snapshots name it.
fn carrier_of<'a>(i: &Input<'a>, number: &str) -> Option<&'a str> {
    let registered = i.entries.iter().find_map(|e| match &e.event {
        crate::ledger::Event::Track { shipment } if shipment.number == number => {
            Some(shipment.carrier.as_str())
        }
        _ => None,
    });
    registered.or_else(|| {
        i.entries.iter().find_map(|e| {
            let t = e.event.item()?.tracking.as_ref()?;
            (t.number.as_deref() == Some(number))
                .then_some(t.carrier.as_deref())
                .flatten()
        })
    })
}

pub(super) fn shipping<'a>(i: &Input<'a>) -> Shipping<'a> {
    let mut numbers: Vec<&str> = i
        .tracking
        .iter()
        .filter_map(|t| t.tracking_number.as_deref())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut carriers: Vec<&str> = i
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            crate::ledger::Event::Track { shipment } => Some(shipment.carrier.as_str()),
            crate::ledger::Event::Add { item } => item.tracking.as_ref()?.carrier.as_deref(),
            _ => None,
        })
        .collect();
    carriers.sort_unstable();
    carriers.dedup();
    let earliest = |stage: fn(Stage) -> bool| {
        i.tracking
            .iter()
            .filter(|t| stage(t.event.stage))
            .min_by_key(|t| t.event.sort_key())
    };
    Shipping {
        numbers,
        carriers,
        first_scan: earliest(|s| s != Stage::InfoReceived),
        delivered: earliest(|s| s == Stage::Delivered),
    }
}

/// The day of an RFC 3339 time or date as written (`2026-11-18`).
pub(super) fn day(t: &str) -> String {
    t.chars().take(10).collect()
}

/// Where an eBay bundle keeps its forms as data.
pub const EBAY_EVIDENCE: &str = "data/upload/ebay-evidence.json";

/// eBay's evidence type for the files of a payment dispute, by the reason's family (eBay's
/// `EvidenceTypeEnum`); None where eBay's own request must say (its `evidenceRequests`).
fn ebay_evidence_type(reason: Reason) -> Option<&'static str> {
    match reason.family() {
        ReasonFamily::NotAsDescribed if reason == Reason::NotAsDescribedCounterfeit => {
            Some("PROOF_OF_AUTHENTICITY")
        }
        ReasonFamily::NotAsDescribed => Some("PROOF_OF_ITEM_AS_DESCRIBED"),
        ReasonFamily::NotReceived | ReasonFamily::Unauthorized => Some("PROOF_OF_DELIVERY"),
        ReasonFamily::Billing if reason == Reason::CreditNotProcessed => {
            Some("PROOF_OF_CREDIT_NOT_DUE")
        }
        ReasonFamily::Billing | ReasonFamily::Other => None,
    }
}

/// `ebay-evidence.json`: eBay's calls as a script makes them, filled from the order.
///
/// - `shipping_fulfillments`: one body per tracking number for `createShippingFulfillment`
///   (`POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment`), which is how eBay's
///   payment disputes take tracking as proof of delivery. `shippedDate` is the first carrier
///   scan in UTC, left out (and named in `not_filled`) when the carrier gave no offset: eBay
///   would take "now" in its place.
/// - `add_evidence`: the `addEvidence` body with the upload files by name (uploaded first with
///   `uploadEvidenceFile`, whose `fileId` replaces the name); eBay takes JPEG and PNG only.
/// - `contest`: the `contestPaymentDispute` body, the statement as its `note` (1,000 characters).
/// - `inquiry_shipment_info`: for an item not received, the Post-Order API's
///   `provide_shipment_info` body for the buyer's inquiry, one per parcel.
fn ebay_evidence(i: &Input<'_>, statement: &str, listed: &[UploadFile]) -> Value {
    let ship = shipping(i);
    let reason = i.dispute.map(|d| d.reason);
    // Each parcel's own first carrier scan, in UTC.
    let shipped = |number: &str| {
        i.tracking
            .iter()
            .filter(|t| t.tracking_number.as_deref() == Some(number))
            .filter(|t| t.event.stage != Stage::InfoReceived)
            .min_by_key(|t| t.event.sort_key())
            .and_then(|t| t.event.time.utc())
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    };
    let mut undated = false;
    let fulfillments: Vec<Value> = ship
        .numbers
        .iter()
        .map(|n| {
            let mut body = json!({"trackingNumber": n, "lineItems": []});
            match shipped(n) {
                Some(t) => body["shippedDate"] = json!(t),
                None => undated = true,
            }
            body
        })
        .collect();
    let images: Vec<&str> = listed
        .iter()
        .filter(|f| {
            let p = f.path.to_ascii_lowercase();
            p.ends_with(".jpg") || p.ends_with(".jpeg") || p.ends_with(".png")
        })
        .map(|f| f.path.trim_start_matches("data/upload/"))
        .collect();
    let evidence_type = reason.and_then(ebay_evidence_type);
    let add_evidence = (!images.is_empty()).then(|| {
        json!({
            "evidenceType": evidence_type,
            "files": images,
            "lineItems": [],
        })
    });
    let note = within_limit(statement, Platform::Ebay);
    let family = reason.map(Reason::family);
    let inquiry: Vec<Value> = if family == Some(ReasonFamily::NotReceived) {
        ship.numbers
            .iter()
            .map(|n| {
                let mut body = json!({
                    "shippedWithTracking": true,
                    "trackingNumber": n,
                    "sellerComments": {"content": note},
                });
                if let Some(c) = carrier_of(i, n) {
                    body["shippingCarrierName"] = json!(c);
                }
                body
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut not_filled = vec![
        "lineItems (getPaymentDispute's evidenceRequests, or the order's line items)",
        "shippingCarrierCode (eBay's carrier code, from GeteBayDetails ShippingCarrierDetails)",
        "revision (getPaymentDispute)",
    ];
    if undated {
        not_filled.push(
            "shippedDate of a parcel whose first carrier scan has no UTC offset or is not held \
             (eBay would take the time of the call)",
        );
    }
    if evidence_type.is_none() && add_evidence.is_some() {
        not_filled.push("evidenceType (the type eBay's evidenceRequests ask for)");
    }
    if family == Some(ReasonFamily::NotAsDescribed) {
        not_filled.push(
            "returnAddress (required when contesting an item significantly not as described)",
        );
    }
    json!({
        "schema_version": 1,
        "about": "eBay's calls for this dispute, filled from the order; vault itself sends nothing. \
                  shipping_fulfillments: createShippingFulfillment bodies (POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment), \
                  how eBay's payment disputes take tracking as proof of delivery. \
                  add_evidence: the addEvidence body (POST /sell/fulfillment/v1/payment_dispute/{id}/add_evidence); \
                  upload each file under `files` with uploadEvidenceFile first and put {\"fileId\": …} in its place; \
                  use the evidenceType eBay's evidenceRequests ask for when it differs. \
                  contest: the contestPaymentDispute body, after all evidence is added (it closes adding). \
                  inquiry_shipment_info: for an item not received, the Post-Order API's provide_shipment_info body \
                  per parcel (POST /post-order/v2/inquiry/{inquiryId}/provide_shipment_info). \
                  `not_filled` are fields vault does not hold.",
        "order": i.order.as_str(),
        "reason": reason.map(Reason::as_str),
        "case": i.dispute.and_then(|d| d.case.as_deref()),
        "carrier": (!ship.carriers.is_empty()).then(|| ship.carriers.join(", ")),
        "shipping_fulfillments": fulfillments,
        "add_evidence": add_evidence,
        "contest": {"note": note, "revision": null},
        "inquiry_shipment_info": inquiry,
        "not_filled": not_filled,
    })
}

//! Disputes: open/note/close in the ledger, the platforms' deadlines, and `vault due` for cron
//! (exit 4 when an answer is due soon) with the evidence each reason still needs.

use crate::common;

use chrono::{Duration, SecondsFormat, Timelike, Utc};
use common::{Env, jpeg_with_exif};
use predicates::prelude::*;
use serde_json::Value;

const ORDER: &str = "8123456789012345";

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tracking")
        .join(name)
}

#[test]
fn a_dispute_is_opened_noted_and_closed_in_the_ledger() {
    let env = Env::new();
    let (v, code) = env.json(&[
        "dispute",
        "open",
        ORDER,
        "--platform",
        "aliexpress",
        "--reason",
        "not-received:in-transit",
        "--opened-at",
        "2026-11-20T10:00:00+08:00",
        "--case",
        "AE-1",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["due"], "2026-11-25T10:00:00+08:00", "AliExpress: 5 days");
    env.vault()
        .args([
            "dispute",
            "open",
            ORDER,
            "--platform",
            "ebay",
            "--reason",
            "other",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already has an open dispute"));
    env.vault()
        .args([
            "dispute",
            "note",
            ORDER,
            "answered with tracking and photos",
        ])
        .assert()
        .success();
    env.vault()
        .args([
            "dispute",
            "close",
            ORDER,
            "--outcome",
            "partial-refund",
            "--amount",
            "8.00",
            "--currency",
            "usd",
        ])
        .assert()
        .success();
    env.vault()
        .args(["dispute", "close", ORDER, "--outcome", "won"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no open dispute"));
    env.vault()
        .args([
            "dispute",
            "open",
            ORDER,
            "--platform",
            "ebay",
            "--reason",
            "changed-mind",
        ])
        .assert()
        .code(2);
    let (show, _) = env.json(&["show", ORDER]);
    let events: Vec<&str> = show["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["dispute_open", "dispute_note", "dispute_close"]);
    assert_eq!(
        show["ledger"][1]["note"],
        "answered with tracking and photos"
    );
    assert_eq!(show["ledger"][2]["close"]["outcome"], "partial-refund");
    assert_eq!(show["ledger"][2]["close"]["currency"], "USD");
    env.vault()
        .args(["show", ORDER])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "dispute closed: partial-refund, 8.00 USD",
        ));
    env.vault().arg("verify").assert().success();
}

#[test]
fn ebay_counts_business_days_and_paypal_needs_a_date() {
    let env = Env::new();
    // Friday 2026-11-20 -> Mon, Tue, Wed.
    let (v, _) = env.json(&[
        "dispute",
        "open",
        "E-1",
        "--platform",
        "ebay",
        "--reason",
        "not-as-described:damaged",
        "--opened-at",
        "2026-11-20T17:00:00-05:00",
    ]);
    assert_eq!(v["due"], "2026-11-25T17:00:00-05:00");
    env.vault()
        .args([
            "dispute",
            "open",
            "P-1",
            "--platform",
            "paypal",
            "--reason",
            "not-received",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "paypal sets the answer's deadline per case: give it with --due",
        ));
}

#[test]
fn due_flags_what_is_due_soon_and_lists_missing_evidence() {
    let env = Env::new();
    let now = Utc::now();
    // Opened 4 days ago on AliExpress: due in about a day.
    let opened = (now - Duration::days(4)).to_rfc3339_opts(SecondsFormat::Secs, true);
    env.vault()
        .args([
            "dispute",
            "open",
            ORDER,
            "--platform",
            "aliexpress",
            "--reason",
            "not-received",
            "--opened-at",
            &opened,
        ])
        .assert()
        .success();
    // A Stripe case due in 10 days, and a PayPal case with no date.
    let later = (now + Duration::days(10)).to_rfc3339_opts(SecondsFormat::Secs, true);
    env.vault()
        .args([
            "dispute",
            "open",
            "S-1",
            "--platform",
            "stripe",
            "--reason",
            "not-as-described",
            "--due",
            &later,
        ])
        .assert()
        .success();
    env.vault()
        .args([
            "dispute",
            "open",
            "P-1",
            "--platform",
            "paypal",
            "--reason",
            "other",
        ])
        .assert()
        .success();

    let (v, code) = env.json(&["due"]);
    assert_eq!(code, 4, "{v}");
    let d = v["disputes"].as_array().unwrap();
    let orders: Vec<&str> = d.iter().map(|d| d["order"].as_str().unwrap()).collect();
    assert_eq!(
        orders,
        [ORDER, "S-1", "P-1"],
        "soonest first, no deadline last"
    );
    assert_eq!(d[0]["urgent"], true);
    assert!(
        d[0]["time_left"].as_str().unwrap().starts_with("23h")
            || d[0]["time_left"].as_str().unwrap().starts_with("1d")
    );
    assert_eq!(d[1]["urgent"], false);
    let missing = |i: usize| {
        d[i]["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        missing(0)
            .iter()
            .any(|m| m.starts_with("a tracking snapshot"))
    );
    assert!(missing(1).iter().any(|m| m == "packing photos"));

    // The evidence arrives: a delivered snapshot and the chat; nothing missing for not-received.
    env.vault()
        .args(["add", "--order", ORDER, "--kind", "tracking"])
        .arg(fixture("17track-v2.2-gettrackinfo.json"))
        .assert()
        .success();
    env.vault()
        .args(["add", "--order", ORDER])
        .arg(common::example_evidence().join("WhatsApp-Chat-with-Lena.txt"))
        .assert()
        .success();
    let (v, _) = env.json(&["due"]);
    assert!(
        v["disputes"][0]["missing"].as_array().unwrap().is_empty(),
        "{v}"
    );

    // A photo taken after the parcel's first scan does not count as a packing photo.
    env.vault()
        .args(["add", "--order", "S-1", "--kind", "tracking"])
        .arg(fixture("17track-v2.2-gettrackinfo.json"))
        .assert()
        .success();
    let late = env.write(
        "late.jpg",
        &jpeg_with_exif("2026:11:20 12:00:00", Some("+08:00")),
    );
    env.vault()
        .args(["add", "--order", "S-1"])
        .arg(&late)
        .assert()
        .success();
    let (v, _) = env.json(&["due"]);
    let s1 = v["disputes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["order"] == "S-1")
        .unwrap()
        .clone();
    assert!(
        s1["missing"]
            .to_string()
            .contains("before the parcel's first carrier scan"),
        "{s1}"
    );

    // A wider window makes the Stripe case urgent too; closing the first leaves nothing urgent at 48h.
    let (v, _) = env.json(&["due", "--within", "30d"]);
    assert_eq!(v["urgent"], 2);
    env.vault()
        .args(["dispute", "close", ORDER, "--outcome", "won"])
        .assert()
        .success();
    let (v, code) = env.json(&["due"]);
    assert_eq!((code, v["urgent"].as_u64()), (0, Some(0)));
    let _: Value = v;
}

#[test]
fn bad_close_arguments_are_usage_errors_and_record_nothing() {
    let env = Env::new();
    env.vault()
        .args([
            "dispute",
            "open",
            ORDER,
            "--platform",
            "amazon",
            "--reason",
            "other",
        ])
        .assert()
        .success();
    let before = std::fs::read(env.ledger(ORDER)).unwrap();
    for args in [
        vec!["--outcome", "won", "--amount", "eight", "--currency", "USD"],
        vec![
            "--outcome",
            "won",
            "--amount",
            "8.00",
            "--currency",
            "dollars",
        ],
        vec!["--outcome", "won", "--amount", "8.00"],
        vec!["--outcome", "maybe"],
    ] {
        env.vault()
            .args(["dispute", "close", ORDER])
            .args(&args)
            .assert()
            .code(2);
    }
    env.vault()
        .args([
            "dispute",
            "open",
            ORDER,
            "--platform",
            "ebay",
            "--reason",
            "other",
            "--opened-at",
            "yesterday",
        ])
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read(env.ledger(ORDER)).unwrap(),
        before,
        "nothing recorded"
    );
}

#[test]
fn ebay_at_750_dollars_asks_for_signature_proof() {
    let env = Env::new();
    let open = |order: &str, amount: &str| {
        env.vault()
            .args(["dispute", "open", order, "--platform", "ebay"])
            .args(["--reason", "not-received", "--amount", amount])
            .args(["--currency", "USD"])
            .assert()
            .success();
    };
    open("EB-750", "750.00");
    open("EB-749", "749.99");
    let (v, code) = env.json(&["due", "--within", "30d"]);
    assert_eq!(code, 4, "{v}");
    let missing = |order: &str| -> Vec<String> {
        v["disputes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["order"] == order)
            .unwrap()["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        missing("EB-750").iter().any(|m| m.contains("signature")),
        "{v}"
    );
    assert!(
        !missing("EB-749").iter().any(|m| m.contains("signature")),
        "{v}"
    );
}

#[test]
fn stats_count_outcomes_and_refunds_by_platform_and_reason() {
    let env = Env::new();
    let old = (Utc::now() - Duration::days(200)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let recent = (Utc::now() - Duration::days(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let dispute = |order: &str, platform: &str, reason: &str, at: &str, close: &[&str]| {
        env.vault()
            .args(["dispute", "open", order, "--platform", platform])
            .args(["--reason", reason, "--opened-at", at, "--due", at])
            .assert()
            .success();
        if !close.is_empty() {
            env.vault()
                .args(["dispute", "close", order])
                .args(close)
                .assert()
                .success();
        }
    };
    dispute(
        "A1",
        "aliexpress",
        "not-received",
        &recent,
        &["--outcome", "won"],
    );
    dispute(
        "A2",
        "aliexpress",
        "not-as-described:damaged",
        &recent,
        &[
            "--outcome",
            "refunded",
            "--amount",
            "12.5",
            "--currency",
            "usd",
        ],
    );
    dispute(
        "E1",
        "ebay",
        "not-received",
        &recent,
        &[
            "--outcome",
            "partial-refund",
            "--amount",
            "0.75",
            "--currency",
            "USD",
        ],
    );
    dispute("E2", "ebay", "other", &recent, &[]);
    dispute(
        "OLD",
        "paypal",
        "not-received",
        &old,
        &["--outcome", "lost"],
    );
    // A second dispute on the same order after the first closed counts too.
    dispute(
        "A1",
        "aliexpress",
        "other",
        &recent,
        &["--outcome", "withdrawn"],
    );

    let (v, code) = env.json(&["stats"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["total"]["opened"], 6);
    assert_eq!(v["total"]["lost"], 1);
    assert_eq!(v["total"]["open"], 1);
    assert_eq!(v["total"]["amount_refunded"]["USD"], "13.25");

    let (v, _) = env.json(&["stats", "--since", "90d"]);
    assert_eq!(
        v["total"]["opened"], 5,
        "the 200-day-old dispute is out: {v}"
    );
    assert_eq!(v["total"]["lost"], 0);
    let group = |list: &str, name: &str| {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {list}: {v}"))
    };
    let ali = group("by_platform", "aliexpress");
    assert_eq!(
        (ali["opened"].as_u64(), ali["won"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(ali["refunded"], 1);
    assert_eq!(ali["withdrawn"], 1);
    assert_eq!(ali["amount_refunded"]["USD"], "12.50");
    let ebay = group("by_platform", "ebay");
    assert_eq!(
        (ebay["partial_refund"].as_u64(), ebay["open"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(group("by_reason", "not-received")["opened"], 2);
    assert!(
        v["by_platform"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["name"] != "paypal")
    );
    // Every order here was started now: 5 disputes over 5 orders in the period.
    assert_eq!(v["orders"], 5);
    assert_eq!(v["dispute_rate_percent"], 100.0);

    let out = env.vault().args(["stats"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.starts_with("6 dispute(s) opened, over 5 order(s)"),
        "{text}"
    );
    assert!(text.contains("paid back 13.25 USD"), "{text}");

    // By evidence held: only A1 (won, then withdrawn by the buyer) has a photo and a chat.
    let photo = env.write("in/IMG_1.jpg", &common::jpeg_bytes(7));
    env.vault()
        .args(["add", "-q", "--order", "A1"])
        .arg(&photo)
        .arg(common::example_evidence().join("WhatsApp-Chat-with-Lena.txt"))
        .assert()
        .success();
    let (v, _) = env.json(&["stats"]);
    let by = |kind: &str| {
        v["by_evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["evidence"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} in {v}"))
    };
    let photos = by("photos");
    assert_eq!(photos["with"]["opened"], 2, "{photos}");
    assert_eq!(photos["with"]["won_percent"], 100.0);
    // Without: A2 refunded, E1 partly refunded, OLD lost, E2 still open.
    assert_eq!(photos["without"]["opened"], 4);
    assert_eq!(photos["without"]["won_percent"], 0.0);
    assert_eq!(by("conversation")["with"]["opened"], 2);
    assert_eq!(by("delivery")["with"]["opened"], 0);
    assert!(by("delivery")["with"]["won_percent"].is_null());
    let out = env.vault().args(["stats"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("  with photos: 100% won (2 of 2 closed); without: 0% won (0 of 3 closed)"),
        "{text}"
    );
}

#[test]
fn amounts_must_fit_their_currency_and_odd_ledger_amounts_do_not_break_stats() {
    let env = Env::new();
    let open = |amount: &str, currency: &str| {
        env.vault()
            .args([
                "dispute",
                "open",
                ORDER,
                "--platform",
                "ebay",
                "--reason",
                "not-received",
            ])
            .args(["--amount", amount, "--currency", currency])
            .assert()
    };
    open("8.5", "JPY")
        .code(2)
        .stderr(predicate::str::contains("more decimals than JPY has (0)"));
    open("8.005", "USD").code(2);
    assert!(
        !env.ledger(ORDER).exists(),
        "a refused dispute creates no order"
    );
    open("812.00", "USD").success();
    env.vault()
        .args(["dispute", "close", ORDER, "--outcome", "partial-refund"])
        .args(["--amount", "8.00", "--currency", "USD"])
        .assert()
        .success();
    let (v, code) = env.json(&["stats"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["total"]["amount_refunded"]["USD"], "8.00");
    // A ledger written by another tool with an amount vault cannot read: counted, not summed.
    let ledger = env.ledger(ORDER);
    crate::common::make_writable(&ledger);
    let text = std::fs::read_to_string(&ledger).unwrap();
    std::fs::write(&ledger, text.replace("\"8.00\"", "\"8.\u{20ac}\"")).unwrap();
    let (v, code) = env.json(&["stats"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["total"]["partial_refund"], 1);
    assert!(v["total"]["amount_refunded"].get("USD").is_none(), "{v}");
}

#[test]
fn a_note_or_close_on_a_mistyped_order_is_refused_and_an_open_on_one_warns() {
    let env = Env::new();
    for args in [
        vec!["dispute", "note", "8123456789012346", "hello"],
        vec!["dispute", "close", "8123456789012346", "--outcome", "won"],
    ] {
        env.vault()
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no order 8123456789012346"));
    }
    let (v, code) = env.json(&["list"]);
    assert_eq!(code, 0);
    assert_eq!(v["orders"].as_array().unwrap().len(), 0, "{v}");
    // Opening one may bring a new order in (a dispute can come before any evidence), and says so;
    // on an order the vault holds it says nothing of the kind.
    env.vault()
        .args(["dispute", "open", "8123456789012346", "--platform", "ebay"])
        .args(["--reason", "INR"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: order 8123456789012346 was not in the vault: it is new",
        ));
    env.vault()
        .args([
            "dispute",
            "close",
            "8123456789012346",
            "--outcome",
            "withdrawn",
        ])
        .assert()
        .success();
    env.vault()
        .args(["dispute", "open", "8123456789012346", "--platform", "ebay"])
        .args(["--reason", "INR"])
        .assert()
        .success()
        .stderr(predicate::str::contains("not in the vault").not());
}

#[test]
fn a_stripe_fraud_claim_asks_for_delivery_proof_and_lists_what_only_the_seller_can_supply() {
    let env = Env::new();
    let order = "pi_3QfraudX";
    env.vault()
        .args(["dispute", "open", order, "--platform", "stripe"])
        .args(["--reason", "fraudulent", "--due", "2030-01-10T00:00:00Z"])
        .assert()
        .success();
    let (v, _) = env.json(&["due", "--within", "1h"]);
    let d = &v["disputes"][0];
    assert_eq!(
        d["reason"], "fraudulent",
        "recorded as Stripe writes it: {v}"
    );
    let missing = d["missing"].to_string();
    assert!(
        missing.contains("proof of delivery to the card holder"),
        "{v}"
    );
    assert!(!missing.contains("packing photos"), "{v}");
    let supply = d["to_supply"].to_string();
    assert!(
        supply.contains("AVS") && supply.contains("IP address"),
        "{v}"
    );
    let human = env
        .vault()
        .args(["due", "--within", "1h"])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("fraudulent") && human.contains("    to supply: the payment's AVS"),
        "{human}"
    );
    // The platform bundle's checklist carries both, as data.
    let chat = env.write(
        "chat.csv",
        b"time,sender,text\n2026-11-18 09:41,Lena,thanks, it arrived\n",
    );
    env.vault()
        .args(["add", "-q", "--order", order])
        .arg(&chat)
        .assert()
        .success();
    let (b, code) = env.json(&["bundle", order, "--platform", "stripe", "-o", "s.zip"]);
    assert_eq!(code, 0, "{b}");
    let details = b["upload"]["checklist_details"].as_array().unwrap();
    let by_code = |c: &str| details.iter().filter(|d| d["code"] == c).count();
    assert_eq!(by_code("to_supply"), 4, "{b}");
    assert!(by_code("missing") >= 1, "{b}");
    // Reasons in another platform's spelling are taken; an unknown one is refused with the list.
    env.vault()
        .args(["dispute", "open", "PP-1", "--platform", "paypal"])
        .args(["--reason", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED"])
        .args(["--due", "2030-01-10T00:00:00Z"])
        .assert()
        .success();
    let (v, _) = env.json(&["due", "--within", "1h"]);
    assert!(
        v["disputes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["order"] == "PP-1" && d["reason"] == "item-not-received"),
        "{v}"
    );
    env.vault()
        .args([
            "dispute",
            "open",
            "X-1",
            "--platform",
            "stripe",
            "--reason",
            "chargeback",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fraudulent"));
}

#[test]
fn offers_are_recorded_with_the_buyers_answer_and_counted() {
    let env = Env::new();
    let order = "AE-OFFER-1";
    env.vault()
        .args(["dispute", "open", order, "--platform", "aliexpress"])
        .args(["--reason", "not-as-described:wrong-size"])
        .assert()
        .success();
    for args in [
        vec!["--refund", "8.00", "--currency", "usd", "--declined"],
        vec!["--refund", "12.50", "--currency", "USD", "--accepted"],
    ] {
        env.vault()
            .args(["dispute", "offer", order])
            .args(&args)
            .assert()
            .success();
    }
    // Amounts are checked against the currency; both answers at once are refused.
    env.vault()
        .args([
            "dispute",
            "offer",
            order,
            "--refund",
            "8.001",
            "--currency",
            "USD",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--refund"));
    env.vault()
        .args([
            "dispute",
            "offer",
            order,
            "--refund",
            "8",
            "--currency",
            "USD",
        ])
        .args(["--accepted", "--declined"])
        .assert()
        .code(2);
    // An order the vault does not have gets no offer (nor is it created).
    env.vault()
        .args([
            "dispute",
            "offer",
            "NOPE-1",
            "--refund",
            "8",
            "--currency",
            "USD",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NOPE-1"));
    let (show, _) = env.json(&["show", order]);
    let offers: Vec<&Value> = show["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "dispute_offer")
        .collect();
    assert_eq!(offers.len(), 2, "{show}");
    assert_eq!(offers[0]["offer"]["refund"], "8.00");
    assert_eq!(offers[0]["offer"]["currency"], "USD");
    assert_eq!(offers[0]["offer"]["answer"], "declined");
    assert_eq!(offers[1]["offer"]["answer"], "accepted");
    // The drafted statement tells them, as recorded.
    let note = env.write(
        "chat.csv",
        b"time,sender,text\n2026-11-18 09:41,Lena,too small\n",
    );
    env.vault()
        .args(["add", "-q", "--order", order])
        .arg(&note)
        .assert()
        .success();
    env.vault()
        .args([
            "bundle",
            order,
            "--platform",
            "aliexpress",
            "-o",
            "b.zip",
            "-q",
        ])
        .assert()
        .success();
    let out = std::process::Command::new("unzip")
        .args(["-p", "b.zip", "*/data/upload/statement.txt"])
        .current_dir(env.path(""))
        .output();
    if let Some(out) = out.ok().filter(|o| o.status.success()) {
        let draft = String::from_utf8_lossy(&out.stdout);
        assert!(
            draft.contains("a refund of 8.00 USD was offered to settle; the buyer declined it")
                && draft.contains("12.50 USD was offered to settle; the buyer accepted it"),
            "{draft}"
        );
    } else {
        assert!(
            std::env::var_os("VAULT_CI").is_none(),
            "unzip is needed here"
        );
    }
    env.vault()
        .args(["dispute", "close", order, "--outcome", "partial-refund"])
        .args(["--amount", "12.50", "--currency", "USD"])
        .assert()
        .success();
    let (stats, _) = env.json(&["stats"]);
    assert_eq!(
        (
            stats["total"]["offers"].as_u64(),
            stats["total"]["offers_accepted"].as_u64()
        ),
        (Some(2), Some(1)),
        "{stats}"
    );
    let human = env.vault().arg("stats").output().unwrap();
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("2 offer(s), 1 accepted"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
    env.vault().args(["verify"]).assert().success();
}

/// AliExpress's stages after the buyer's refund request: negotiation (to day 15 after the
/// dispute opened) and escalation (3 days for the evidence), each with its deadline in `due`.
#[test]
fn dispute_stages_carry_their_own_deadlines_into_due() {
    let env = Env::new();
    let opened = (chrono::Utc::now() - chrono::Duration::days(4))
        .with_nanosecond(0)
        .unwrap();
    env.vault()
        .args([
            "dispute",
            "open",
            "A-9",
            "--platform",
            "aliexpress",
            "--reason",
            "not-received",
        ])
        .args(["--opened-at", &opened.to_rfc3339()])
        .assert()
        .success();
    let (v, code) = env.json(&["dispute", "stage", "A-9", "--stage", "negotiating"]);
    assert_eq!(code, 0, "{v}");
    let want = opened + chrono::Duration::days(15);
    let due_of = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert_eq!(due_of(&v["due"]), want, "{v}");
    let (d, _) = env.json(&["due"]);
    assert_eq!(d["disputes"][0]["stage"], "negotiating", "{d}");
    assert_eq!(due_of(&d["disputes"][0]["due"]), want);
    // Escalated today: three days from now, and urgent within 4 days.
    let at = chrono::Utc::now().with_nanosecond(0).unwrap();
    env.vault()
        .args([
            "dispute",
            "stage",
            "A-9",
            "--stage",
            "escalated",
            "--at",
            &at.to_rfc3339(),
        ])
        .assert()
        .success();
    let (d, code) = env.json(&["due", "--within", "4d"]);
    assert_eq!(code, 4, "{d}");
    assert_eq!(d["disputes"][0]["stage"], "escalated");
    assert_eq!(
        due_of(&d["disputes"][0]["due"]),
        at + chrono::Duration::days(3)
    );
    let out = env.vault().args(["due"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("A-9  aliexpress  not-received, escalated  due "),
        "{text}"
    );
    // A platform without a published rule: the stage's --due, else a warning.
    env.vault()
        .args([
            "dispute",
            "open",
            "S-1",
            "--platform",
            "stripe",
            "--reason",
            "fraudulent",
        ])
        .assert()
        .success();
    let out = env
        .vault()
        .args(["dispute", "stage", "S-1", "--stage", "escalated"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("give it with --due"),
        "{out:?}"
    );
    // No open dispute: refused, nothing recorded.
    env.vault()
        .args(["dispute", "close", "S-1", "--outcome", "won"])
        .assert()
        .success();
    env.vault()
        .args(["dispute", "stage", "S-1", "--stage", "negotiating"])
        .assert()
        .code(2);
}

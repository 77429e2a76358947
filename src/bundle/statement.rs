//! The drafted answer: a factual statement made only of what the order holds (the dispute, the
//! carrier's events, the photos' capture times, the conversation), for the seller to check, edit
//! and paste into the platform's form. No sentence is written for a fact the vault lacks.

use super::forms::{Shipping, day, shipping, statement_limit};
use super::upload::Input;
use crate::dispute::Platform;
use crate::dispute::ReasonFamily;
use crate::evidence::kind::Kind;
use crate::time::Timestamp;

/// The statement, in short sentences, within the platform's text box
/// ([`statement_limit`]: eBay's contest note takes 1,000 characters, PayPal's notes 2,000,
/// Stripe's `uncategorized_text` 20,000; the rest are guessed at 1,000).
pub fn draft(i: &Input<'_>, platform: Platform) -> String {
    let mut s: Vec<String> = Vec::new();
    if let Some(d) = i.dispute {
        let case = d
            .case
            .as_deref()
            .map(|c| format!(" (case {c})"))
            .unwrap_or_default();
        s.push(format!(
            "Order {}{case}: the buyer's dispute on {}, reason {}, opened {}.",
            i.order,
            d.platform.as_str(),
            d.reason,
            day(&d.opened_at)
        ));
    } else {
        s.push(format!("Order {}.", i.order));
    }
    let Shipping {
        numbers,
        carriers,
        first_scan: scan,
        delivered,
    } = shipping(i);
    // What the reason turns on comes first: for an item said not as described, how it was packed;
    // for the rest, that it was shipped and delivered.
    let mut packed = packing(i, scan.map(|t| &t.event.time));
    if i.dispute.map(|d| d.reason.family()) == Some(ReasonFamily::NotAsDescribed) {
        s.extend(packed.take());
    }
    if let Some(first) = scan {
        let by = if carriers.is_empty() {
            String::new()
        } else {
            format!(" by {}", carriers.join(", "))
        };
        let with = if numbers.is_empty() {
            String::new()
        } else {
            format!(" under tracking number {}", numbers.join(", "))
        };
        s.push(format!(
            "The parcel was shipped{by}{with}; its first carrier scan is dated {}.",
            day(first.event.time.as_str())
        ));
    } else if !numbers.is_empty() {
        s.push(format!("Tracking number: {}.", numbers.join(", ")));
    }
    if let Some(d) = delivered {
        let at = d
            .event
            .location
            .as_deref()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        let signed = if crate::case::mentions_signature(&d.event.description) {
            ", signed for"
        } else {
            ""
        };
        s.push(format!(
            "The carrier's own events show it delivered on {}{at}{signed}.",
            day(d.event.time.as_str())
        ));
    }
    s.extend(packed);
    // A card holder's denial: the same buyer's earlier orders that went undisputed.
    if !i.earlier_orders.is_empty() {
        s.push(format!(
            "The same buyer placed {} earlier order(s) with the shop that were not disputed: {}.",
            i.earlier_orders.len(),
            super::upload::earlier_list(i)
        ));
    }
    // The earliest third-party time-stamp of the order's records.
    if let Some(st) = i
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            crate::ledger::Event::Stamp { stamp } => Some(stamp),
            _ => None,
        })
        .min_by(|a, b| a.gen_time.cmp(&b.gen_time))
    {
        s.push(format!(
            "A third party, {}, time-stamped the order's records (RFC 3161) on {}: what was filed by then existed no later than that day.",
            st.tsa_name,
            day(&st.gen_time)
        ));
    }
    // Offers made since the dispute opened, each with the day it was recorded.
    let mut offers = Vec::new();
    for e in i.entries {
        match &e.event {
            crate::ledger::Event::DisputeOpen { .. } => offers.clear(),
            crate::ledger::Event::DisputeOffer { offer } => offers.push(format!(
                "On {} a refund of {} {} was offered to settle{}.",
                day(&crate::time::format_time(&e.at)),
                offer.refund,
                offer.currency,
                match offer.answer {
                    Some(crate::dispute::OfferAnswer::Accepted) => "; the buyer accepted it",
                    Some(crate::dispute::OfferAnswer::Declined) => "; the buyer declined it",
                    None => "",
                }
            )),
            _ => {}
        }
    }
    s.extend(offers);
    s.extend(buyer_words(i));
    let messages: usize = i.chats.iter().map(|(_, t, _)| t.messages.len()).sum();
    if messages > 0 {
        s.push(format!(
            "The written conversation with the buyer ({messages} messages) is attached as exported."
        ));
    }
    s.push(format!(
        "Each of the {} attached files is listed with its SHA-256 in the summary, so any copy can be checked.",
        i.originals.len()
    ));
    fit(s, statement_limit(platform).0)
}

/// Words that confirm receipt, and words that say the item is right, in the languages our
/// sellers' buyers write most (lower case; matched as substrings).
const RECEIVED: &[&str] = &[
    "received",
    "got it",
    "arrived",
    "收到",
    "已收",
    "получил",
    "получила",
    "пришла",
    "пришло",
    "recibí",
    "recibido",
    "llegó",
    "reçu",
    "erhalten",
    "angekommen",
    "ricevuto",
    "recebi",
    "chegou",
    "ได้รับ",
    "استلمت",
    "קיבלתי",
    "הגיע",
];
const AS_DESCRIBED: &[&str] = &[
    "is right",
    "right size",
    "perfect",
    "fits",
    "as described",
    "合适",
    "满意",
    "подходит",
    "me queda bien",
    "passt",
    "perfetto",
    "perfeito",
];
/// A message with any of these is never quoted as confirming anything ("not received").
const NEGATIONS: &[&str] = &[
    " not ",
    "n't",
    "never",
    " no ",
    "没",
    "未",
    "不",
    " не ",
    "нет",
    " pas ",
    "nicht",
    "kein",
    " non ",
    "não",
    "ไม่",
    "لم",
    "لا ",
    "לא",
    " nunca ",
    " ni ",
];

/// The buyer's own words that bear on the reason, quoted with their day: only messages whose
/// sender is the order's recorded buyer (`--buyer-name`, or the ID as the chat shows it), only
/// messages without a negation in them (a "not received" is never quoted as a receipt), at most
/// two.
fn buyer_words(i: &Input<'_>) -> Vec<String> {
    let Some(family) = i.dispute.map(|d| d.reason.family()) else {
        return Vec::new();
    };
    let words = match family {
        ReasonFamily::NotReceived | ReasonFamily::Unauthorized => RECEIVED,
        ReasonFamily::NotAsDescribed => AS_DESCRIBED,
        ReasonFamily::Billing | ReasonFamily::Other => return Vec::new(),
    };
    let Some(person) = &i.buyer else {
        return Vec::new();
    };
    let is_buyer = |sender: &str| {
        let s = sender.trim().to_lowercase();
        s == person.id.to_lowercase()
            || person
                .name
                .as_deref()
                .is_some_and(|n| s == n.trim().to_lowercase())
    };
    let mut out = Vec::new();
    for (_, t, _) in i.chats {
        for m in &t.messages {
            if !m.sender.as_deref().is_some_and(is_buyer) {
                continue;
            }
            let padded = format!(
                " {} ",
                m.text.to_lowercase().replace(['.', ',', '!', '?'], " ")
            );
            if NEGATIONS.iter().any(|n| padded.contains(n))
                || !words.iter().any(|w| padded.contains(w))
            {
                continue;
            }
            let text: String = m.text.chars().take(200).collect();
            out.push(format!(
                "On {} the buyer wrote: \"{}\"",
                day(m.time.as_str()),
                text.trim()
            ));
        }
    }
    out.truncate(2);
    out
}

/// The photos' sentence: how many, when the first and last were taken, and whether all of them
/// were taken before the first carrier scan (said only when both times have a zone).
fn packing(i: &Input<'_>, scan: Option<&Timestamp>) -> Option<String> {
    let mut times: Vec<Timestamp> = i
        .originals
        .iter()
        .filter(|r| r.kind == Some(Kind::Photo) && r.warnings.is_empty())
        .filter_map(|r| Timestamp::parse(r.captured_at.as_deref()?))
        .collect();
    if times.is_empty() {
        let photos = i
            .originals
            .iter()
            .filter(|r| r.kind == Some(Kind::Photo))
            .count();
        return (photos > 0).then(|| format!("{photos} photo(s) are attached."));
    }
    times.sort_by_key(Timestamp::sort_key);
    let (first, last) = (&times[0], &times[times.len() - 1]);
    let span = if day(first.as_str()) == day(last.as_str()) {
        format!("on {}", day(first.as_str()))
    } else {
        format!("from {} to {}", day(first.as_str()), day(last.as_str()))
    };
    let before = match (last.utc(), scan.and_then(Timestamp::utc)) {
        (Some(l), Some(s)) if l < s => ", all before the first carrier scan",
        _ => "",
    };
    Some(format!(
        "{} photo(s) were taken {span}{before}, by the camera's clock.",
        times.len()
    ))
}

/// The sentences within `max` characters: the last ones go first, whole.
fn fit(mut s: Vec<String>, max: usize) -> String {
    loop {
        let text = s.join(" ");
        if text.chars().count() <= max || s.len() <= 1 {
            return text.chars().take(max).collect();
        }
        s.remove(s.len() - 2); // keep the closing sentence about the hashes
    }
}

//! Disputes and their clocks: the platforms' response deadlines, and what evidence a reason needs.
//!
//! Published rules used as defaults: AliExpress - the seller answers within 5 days of the buyer
//! opening (or changing) the dispute; eBay - 3 business days; Amazon - 48 hours. PayPal, Stripe and
//! Shopify give a per-case date, which `--due` records. Business days are Monday to Friday in the
//! zone of the opening time; public holidays are not known to vault (a conservative choice: the
//! deadline can only come out early, never late).

use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Aliexpress,
    Ebay,
    Amazon,
    Paypal,
    Stripe,
    Shopify,
    Other,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Aliexpress => "aliexpress",
            Platform::Ebay => "ebay",
            Platform::Amazon => "amazon",
            Platform::Paypal => "paypal",
            Platform::Stripe => "stripe",
            Platform::Shopify => "shopify",
            Platform::Other => "other",
        }
    }
}

/// The reasons platforms use, with their sub-reasons.
pub const REASONS: [&str; 13] = [
    "not-received",
    "not-received:invalid-tracking",
    "not-received:in-transit",
    "not-received:customs",
    "not-received:returned",
    "not-as-described",
    "not-as-described:quality",
    "not-as-described:damaged",
    "not-as-described:wrong-size",
    "not-as-described:wrong-colour",
    "not-as-described:missing-parts",
    "not-as-described:counterfeit",
    "other",
];

pub fn parse_reason(s: &str) -> Result<String, String> {
    let r = s
        .trim()
        .to_lowercase()
        .replace("wrong-color", "wrong-colour");
    if REASONS.contains(&r.as_str()) {
        Ok(r)
    } else {
        Err(format!(
            "unknown reason {s:?}; one of: {}",
            REASONS.join(", ")
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
#[value(rename_all = "kebab-case")]
pub enum Outcome {
    Won,
    Lost,
    PartialRefund,
    Refunded,
    Withdrawn,
}

/// When the seller's answer is due, by the platform's published rule; None where the platform sets
/// a date per case (then `--due` gives it).
pub fn default_due(
    platform: Platform,
    opened: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    match platform {
        Platform::Aliexpress => Some(opened + Duration::days(5)),
        Platform::Amazon => Some(opened + Duration::hours(48)),
        Platform::Ebay => Some(add_business_days(opened, 3)),
        Platform::Paypal | Platform::Stripe | Platform::Shopify | Platform::Other => None,
    }
}

/// `n` business days (Mon-Fri) after `t`, at the same local time, in `t`'s own offset.
/// Opened on a weekend, the count starts on Monday.
pub fn add_business_days(t: DateTime<FixedOffset>, n: u32) -> DateTime<FixedOffset> {
    let weekend = |d: &DateTime<FixedOffset>| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut d = t;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !weekend(&d) {
            left -= 1;
        }
    }
    d
}

/// What evidence a reason needs, checked against what the order holds.
pub struct Evidence {
    pub delivered: bool,
    pub tracking_snapshots: usize,
    pub photos_before_first_scan: usize,
    pub photos: usize,
    pub chats: usize,
}

/// Missing evidence for a reason, as sentences for a person.
pub fn missing(reason: &str, e: &Evidence) -> Vec<String> {
    let mut m = Vec::new();
    if reason.starts_with("not-received") {
        if e.tracking_snapshots == 0 {
            m.push("a tracking snapshot (vault add --kind tracking)".to_string());
        } else if !e.delivered {
            m.push("a tracking snapshot with a delivered event".to_string());
        }
    }
    if reason.starts_with("not-as-described") {
        if e.photos == 0 {
            m.push("packing photos".to_string());
        } else if e.photos_before_first_scan == 0 {
            m.push("packing photos captured before the parcel's first carrier scan".to_string());
        }
    }
    if e.chats == 0 {
        m.push("the conversation with the buyer (a chat export)".to_string());
    }
    m
}

/// Human "time left": `2d 3h`, `5h 10m`, `overdue by 3h`.
pub fn time_left(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = due - now;
    let (neg, d) = if d < Duration::zero() {
        (true, -d)
    } else {
        (false, d)
    };
    let s = if d.num_days() >= 1 {
        format!("{}d {}h", d.num_days(), d.num_hours() % 24)
    } else {
        format!("{}h {}m", d.num_hours(), d.num_minutes() % 60)
    };
    if neg { format!("overdue by {s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn published_deadlines() {
        let opened = t("2026-11-20T10:00:00+08:00"); // a Friday in Shenzhen
        assert_eq!(
            default_due(Platform::Aliexpress, opened),
            Some(t("2026-11-25T10:00:00+08:00"))
        );
        assert_eq!(
            default_due(Platform::Amazon, opened),
            Some(t("2026-11-22T10:00:00+08:00"))
        );
        // eBay: Mon, Tue, Wed.
        assert_eq!(
            default_due(Platform::Ebay, opened),
            Some(t("2026-11-25T10:00:00+08:00"))
        );
        assert_eq!(default_due(Platform::Paypal, opened), None);
    }

    #[test]
    fn business_days_are_counted_in_the_opening_zone() {
        // Saturday 01:00 in Berlin is still Friday in New York: the weekend differs by zone.
        let berlin = t("2026-11-21T01:00:00+01:00");
        let new_york = berlin.with_timezone(&FixedOffset::west_opt(5 * 3600).unwrap());
        assert_eq!(add_business_days(berlin, 1), t("2026-11-23T01:00:00+01:00")); // Monday
        assert_eq!(
            add_business_days(new_york, 1),
            t("2026-11-23T19:00:00-05:00")
        ); // Monday too: Fri -> Mon
        assert_eq!(
            add_business_days(t("2026-11-23T09:00:00Z"), 5),
            t("2026-11-30T09:00:00Z")
        );
    }

    #[test]
    fn reasons_and_time_left() {
        assert_eq!(
            parse_reason("Not-As-Described:Wrong-Color").unwrap(),
            "not-as-described:wrong-colour"
        );
        assert!(parse_reason("buyer changed mind").is_err());
        let now = t("2026-11-22T00:00:00Z").with_timezone(&Utc);
        assert_eq!(time_left(now + Duration::hours(50), now), "2d 2h");
        assert_eq!(
            time_left(now - Duration::minutes(190), now),
            "overdue by 3h 10m"
        );
    }

    #[test]
    fn checklists() {
        let none = Evidence {
            delivered: false,
            tracking_snapshots: 0,
            photos_before_first_scan: 0,
            photos: 0,
            chats: 0,
        };
        assert_eq!(missing("not-received:in-transit", &none).len(), 2);
        let good = Evidence {
            delivered: true,
            tracking_snapshots: 2,
            photos_before_first_scan: 3,
            photos: 4,
            chats: 1,
        };
        assert!(missing("not-received", &good).is_empty());
        assert!(missing("not-as-described:damaged", &good).is_empty());
        let late_photos = Evidence {
            photos_before_first_scan: 0,
            ..good
        };
        assert!(
            missing("not-as-described", &late_photos)[0]
                .contains("before the parcel's first carrier scan")
        );
    }
}

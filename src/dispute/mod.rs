//! Disputes and their clocks: the platforms' response deadlines, and what evidence a reason needs.
//!
//! Published rules used as defaults: AliExpress - the seller answers within 5 days of the buyer
//! opening (or changing) the dispute; eBay - 3 business days; Amazon - 48 hours. PayPal, Stripe and
//! Shopify give a per-case date, which `--due` records. Business days are Monday to Friday in the
//! zone of the opening time; public holidays are not known to vault (a conservative choice: the
//! deadline can only come out early, never late).

pub mod money;
pub mod profile;
pub mod stats;

use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc, Weekday};
use serde::{Deserialize, Serialize};

use money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    pub const ALL: [Platform; 7] = [
        Platform::Aliexpress,
        Platform::Ebay,
        Platform::Amazon,
        Platform::Paypal,
        Platform::Stripe,
        Platform::Shopify,
        Platform::Other,
    ];

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

/// Why the buyer opened the dispute: the reasons platforms use, with their sub-reasons. Recorded
/// in the ledger by name (`not-received:customs`); `family()` is what the evidence rules go by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    NotReceived,
    NotReceivedInvalidTracking,
    NotReceivedInTransit,
    NotReceivedCustoms,
    NotReceivedReturned,
    NotAsDescribed,
    NotAsDescribedQuality,
    NotAsDescribedDamaged,
    NotAsDescribedWrongSize,
    NotAsDescribedWrongColour,
    NotAsDescribedMissingParts,
    NotAsDescribedCounterfeit,
    Other,
}

/// The two kinds of dispute the evidence rules know, and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonFamily {
    NotReceived,
    NotAsDescribed,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 13] = [
        Reason::NotReceived,
        Reason::NotReceivedInvalidTracking,
        Reason::NotReceivedInTransit,
        Reason::NotReceivedCustoms,
        Reason::NotReceivedReturned,
        Reason::NotAsDescribed,
        Reason::NotAsDescribedQuality,
        Reason::NotAsDescribedDamaged,
        Reason::NotAsDescribedWrongSize,
        Reason::NotAsDescribedWrongColour,
        Reason::NotAsDescribedMissingParts,
        Reason::NotAsDescribedCounterfeit,
        Reason::Other,
    ];

    /// The name the ledger records and the command line takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotReceived => "not-received",
            Reason::NotReceivedInvalidTracking => "not-received:invalid-tracking",
            Reason::NotReceivedInTransit => "not-received:in-transit",
            Reason::NotReceivedCustoms => "not-received:customs",
            Reason::NotReceivedReturned => "not-received:returned",
            Reason::NotAsDescribed => "not-as-described",
            Reason::NotAsDescribedQuality => "not-as-described:quality",
            Reason::NotAsDescribedDamaged => "not-as-described:damaged",
            Reason::NotAsDescribedWrongSize => "not-as-described:wrong-size",
            Reason::NotAsDescribedWrongColour => "not-as-described:wrong-colour",
            Reason::NotAsDescribedMissingParts => "not-as-described:missing-parts",
            Reason::NotAsDescribedCounterfeit => "not-as-described:counterfeit",
            Reason::Other => "other",
        }
    }

    pub fn family(self) -> ReasonFamily {
        let name = self.as_str();
        if name.starts_with("not-received") {
            ReasonFamily::NotReceived
        } else if name.starts_with("not-as-described") {
            ReasonFamily::NotAsDescribed
        } else {
            ReasonFamily::Other
        }
    }

    /// A reason by name, any case; `wrong-color` is read as `wrong-colour`.
    pub fn parse(s: &str) -> Result<Reason, String> {
        let r = s
            .trim()
            .to_lowercase()
            .replace("wrong-color", "wrong-colour");
        Reason::ALL
            .into_iter()
            .find(|x| x.as_str() == r)
            .ok_or_else(|| {
                let names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown reason {s:?}; one of: {}", names.join(", "))
            })
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reason, D::Error> {
        let s = String::deserialize(d)?;
        Reason::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Won,
    Lost,
    PartialRefund,
    Refunded,
    Withdrawn,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Won,
        Outcome::Lost,
        Outcome::PartialRefund,
        Outcome::Refunded,
        Outcome::Withdrawn,
    ];

    /// The name `--outcome` takes and the ledger records.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::PartialRefund => "partial-refund",
            Outcome::Refunded => "refunded",
            Outcome::Withdrawn => "withdrawn",
        }
    }
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

/// What a `dispute_open` ledger entry records.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DisputeOpened {
    pub platform: Platform,
    pub reason: Reason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// When the buyer opened it (RFC 3339).
    pub opened_at: String,
    /// When the seller's answer is due: `--due`, else the platform's published rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// The amount in dispute (the order's value), e.g. "812.00", with its currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// When the buyer placed the order (RFC 3339), for the summary's key dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_at: Option<String>,
}

/// What a `dispute_close` ledger entry records.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DisputeClosed {
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// What evidence a reason needs, checked against what the order holds.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub delivered: bool,
    pub tracking_snapshots: usize,
    pub photos_before_first_scan: usize,
    pub photos: usize,
    pub chats: usize,
    /// A carrier event says the parcel was signed for.
    pub signed: bool,
}

/// eBay's published threshold: an item not received claim on an order of this many US dollars or
/// more needs signature confirmation as proof of delivery.
pub const EBAY_SIGNATURE_USD: u32 = 750;

impl DisputeOpened {
    /// The amount in dispute, when one was recorded and can be read.
    pub fn money(&self) -> Option<Money> {
        Money::parse(self.amount.as_deref()?, self.currency.as_deref()?).ok()
    }
}

impl DisputeClosed {
    /// The amount paid back, when one was recorded and can be read.
    pub fn money(&self) -> Option<Money> {
        Money::parse(self.amount.as_deref()?, self.currency.as_deref()?).ok()
    }
}

/// Whether the dispute needs proof of a signature on delivery (eBay, $750 and over, not received).
pub fn needs_signature(d: &DisputeOpened) -> bool {
    d.platform == Platform::Ebay
        && d.reason.family() == ReasonFamily::NotReceived
        && d.money().is_some_and(|m| {
            m.currency.as_str() == "USD" && m.minor >= i64::from(EBAY_SIGNATURE_USD) * 100
        })
}

/// Evidence a dispute's reason needs that the order lacks: a stable code for scripts, and the
/// sentence for a person. Serialized as the sentence (as `--json` schema 1 always gave it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub code: MissingCode,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingCode {
    TrackingSnapshot,
    DeliveredEvent,
    DeliverySignature,
    PackingPhotos,
    PhotosBeforeFirstScan,
    Conversation,
}

impl Missing {
    fn new(code: MissingCode, text: impl Into<String>) -> Missing {
        Missing {
            code,
            text: text.into(),
        }
    }
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Missing {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Missing evidence for a dispute.
pub fn missing(d: &DisputeOpened, e: &Evidence) -> Vec<Missing> {
    use MissingCode as C;
    let family = d.reason.family();
    let mut m = Vec::new();
    if family == ReasonFamily::NotReceived {
        if e.tracking_snapshots == 0 {
            m.push(Missing::new(
                C::TrackingSnapshot,
                "a tracking snapshot (vault add --kind tracking)",
            ));
        } else if !e.delivered {
            m.push(Missing::new(
                C::DeliveredEvent,
                "a tracking snapshot with a delivered event",
            ));
        }
        if needs_signature(d) && !e.signed {
            m.push(Missing::new(
                C::DeliverySignature,
                format!(
                    "proof of signature on delivery (eBay requires it for orders of ${EBAY_SIGNATURE_USD} or more): \
                     the carrier's signature record, added with vault add"
                ),
            ));
        }
    }
    if family == ReasonFamily::NotAsDescribed {
        if e.photos == 0 {
            m.push(Missing::new(C::PackingPhotos, "packing photos"));
        } else if e.photos_before_first_scan == 0 {
            m.push(Missing::new(
                C::PhotosBeforeFirstScan,
                "packing photos captured before the parcel's first carrier scan",
            ));
        }
    }
    if e.chats == 0 {
        m.push(Missing::new(
            C::Conversation,
            "the conversation with the buyer (a chat export)",
        ));
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
            Reason::parse("Not-As-Described:Wrong-Color").unwrap(),
            Reason::NotAsDescribedWrongColour
        );
        assert!(Reason::parse("buyer changed mind").is_err());
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Ok(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), r);
        }
        assert_eq!(
            Reason::NotReceivedCustoms.family(),
            ReasonFamily::NotReceived
        );
        assert_eq!(
            Reason::NotAsDescribed.family(),
            ReasonFamily::NotAsDescribed
        );
        assert_eq!(Reason::Other.family(), ReasonFamily::Other);
        // A ledger naming a reason vault does not know is refused by name, not read as another.
        let err = serde_json::from_str::<Reason>("\"buyer changed mind\"").unwrap_err();
        assert!(err.to_string().contains("unknown reason"), "{err}");
        let now = t("2026-11-22T00:00:00Z").with_timezone(&Utc);
        assert_eq!(time_left(now + Duration::hours(50), now), "2d 2h");
        assert_eq!(
            time_left(now - Duration::minutes(190), now),
            "overdue by 3h 10m"
        );
    }

    fn opened(platform: Platform, reason: &str, amount: Option<&str>) -> DisputeOpened {
        DisputeOpened {
            platform,
            reason: Reason::parse(reason).unwrap(),
            case: None,
            opened_at: "2026-11-20T10:00:00+08:00".into(),
            due: None,
            amount: amount.map(Into::into),
            currency: amount.map(|_| "USD".into()),
            ordered_at: None,
        }
    }

    #[test]
    fn checklists() {
        let ali = |r: &str| opened(Platform::Aliexpress, r, None);
        let none = Evidence::default();
        assert_eq!(missing(&ali("not-received:in-transit"), &none).len(), 2);
        let good = Evidence {
            delivered: true,
            tracking_snapshots: 2,
            photos_before_first_scan: 3,
            photos: 4,
            chats: 1,
            signed: false,
        };
        assert!(missing(&ali("not-received"), &good).is_empty());
        assert!(missing(&ali("not-as-described:damaged"), &good).is_empty());
        let late_photos = Evidence {
            photos_before_first_scan: 0,
            ..good.clone()
        };
        let late = &missing(&ali("not-as-described"), &late_photos)[0];
        assert_eq!(late.code, MissingCode::PhotosBeforeFirstScan);
        assert!(late.text.contains("before the parcel's first carrier scan"));
        assert_eq!(serde_json::to_value(late).unwrap(), late.text.as_str());
        // eBay: signature proof from $750, for items not received only.
        let ebay = |amount| opened(Platform::Ebay, "not-received", Some(amount));
        assert!(missing(&ebay("749.99"), &good).is_empty());
        let m = missing(&ebay("750.00"), &good);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].code, MissingCode::DeliverySignature);
        assert!(m[0].text.contains("signature"), "{m:?}");
        let signed = Evidence {
            signed: true,
            ..good.clone()
        };
        assert!(missing(&ebay("1200"), &signed).is_empty());
        let nad = opened(Platform::Ebay, "not-as-described", Some("900"));
        assert!(!needs_signature(&nad));
        let eur = DisputeOpened {
            currency: Some("EUR".into()),
            ..ebay("900")
        };
        assert!(!needs_signature(&eur));
    }
}

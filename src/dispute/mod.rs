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
    // Card networks' reasons as Stripe (and Shopify Payments) writes them.
    Fraudulent,
    Unrecognized,
    ProductNotReceived,
    ProductUnacceptable,
    Duplicate,
    SubscriptionCanceled,
    CreditNotProcessed,
    General,
    // PayPal's (and eBay's Money Back Guarantee and Amazon's A-to-z) claim types.
    ItemNotReceived,
    SignificantlyNotAsDescribed,
    Unauthorized,
    MateriallyDifferent,
}

/// The kinds of dispute the evidence rules know, and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonFamily {
    NotReceived,
    NotAsDescribed,
    /// The card holder says they did not make or allow the payment.
    Unauthorized,
    /// A billing question: charged twice, a refund or cancellation not honoured.
    Billing,
    Other,
}

/// Other spellings platforms use for a reason (their APIs' and help pages' names), folded: lower
/// case, `_` and spaces as `-`.
const ALIASES: &[(&str, Reason)] = &[
    (
        "merchandise-or-service-not-received",
        Reason::ItemNotReceived,
    ),
    ("inr", Reason::ItemNotReceived),
    (
        "merchandise-or-service-not-as-described",
        Reason::SignificantlyNotAsDescribed,
    ),
    ("snad", Reason::SignificantlyNotAsDescribed),
    ("unauthorised", Reason::Unauthorized),
    ("unauthorized-transaction", Reason::Unauthorized),
    ("duplicate-transaction", Reason::Duplicate),
    ("canceled-recurring-billing", Reason::SubscriptionCanceled),
    ("subscription-cancelled", Reason::SubscriptionCanceled),
    ("item-materially-different", Reason::MateriallyDifferent),
    // eBay's payment disputes (the Fulfillment API's DisputeReasonEnum).
    ("fraud", Reason::Unauthorized),
    ("counterfeit", Reason::NotAsDescribedCounterfeit),
    ("duplicate-amount", Reason::Duplicate),
    ("transaction-issue", Reason::Other),
    (
        "not-as-described:wrong-color",
        Reason::NotAsDescribedWrongColour,
    ),
];

impl Reason {
    pub const ALL: [Reason; 25] = [
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
        Reason::Fraudulent,
        Reason::Unrecognized,
        Reason::ProductNotReceived,
        Reason::ProductUnacceptable,
        Reason::Duplicate,
        Reason::SubscriptionCanceled,
        Reason::CreditNotProcessed,
        Reason::General,
        Reason::ItemNotReceived,
        Reason::SignificantlyNotAsDescribed,
        Reason::Unauthorized,
        Reason::MateriallyDifferent,
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
            Reason::Fraudulent => "fraudulent",
            Reason::Unrecognized => "unrecognized",
            Reason::ProductNotReceived => "product_not_received",
            Reason::ProductUnacceptable => "product_unacceptable",
            Reason::Duplicate => "duplicate",
            Reason::SubscriptionCanceled => "subscription_canceled",
            Reason::CreditNotProcessed => "credit_not_processed",
            Reason::General => "general",
            Reason::ItemNotReceived => "item-not-received",
            Reason::SignificantlyNotAsDescribed => "significantly-not-as-described",
            Reason::Unauthorized => "unauthorized",
            Reason::MateriallyDifferent => "materially-different",
        }
    }

    pub fn family(self) -> ReasonFamily {
        use Reason as R;
        match self {
            R::NotReceived
            | R::NotReceivedInvalidTracking
            | R::NotReceivedInTransit
            | R::NotReceivedCustoms
            | R::NotReceivedReturned
            | R::ProductNotReceived
            | R::ItemNotReceived => ReasonFamily::NotReceived,
            R::NotAsDescribed
            | R::NotAsDescribedQuality
            | R::NotAsDescribedDamaged
            | R::NotAsDescribedWrongSize
            | R::NotAsDescribedWrongColour
            | R::NotAsDescribedMissingParts
            | R::NotAsDescribedCounterfeit
            | R::ProductUnacceptable
            | R::SignificantlyNotAsDescribed
            | R::MateriallyDifferent => ReasonFamily::NotAsDescribed,
            R::Fraudulent | R::Unrecognized | R::Unauthorized => ReasonFamily::Unauthorized,
            R::Duplicate | R::SubscriptionCanceled | R::CreditNotProcessed => ReasonFamily::Billing,
            R::Other | R::General => ReasonFamily::Other,
        }
    }

    /// A reason by name as vault or the platform writes it: any case, `_`, `-` or spaces alike
    /// (`product_not_received`, `MERCHANDISE_OR_SERVICE_NOT_RECEIVED`, `wrong-color`).
    pub fn parse(s: &str) -> Result<Reason, String> {
        let fold = |x: &str| x.trim().to_lowercase().replace(['_', ' '], "-");
        let r = fold(s);
        Reason::ALL
            .into_iter()
            .find(|x| fold(x.as_str()) == r)
            .or_else(|| ALIASES.iter().find(|(a, _)| *a == r).map(|(_, x)| *x))
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

/// Where a dispute stands after it was opened (the buyer's refund request): talks with the buyer,
/// then the platform deciding. AliExpress runs them with deadlines of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Seller and buyer negotiate (the seller's guides: steer towards a partial refund).
    Negotiating,
    /// The buyer (or the seller) escalated: the platform arbitrates on the evidence.
    Escalated,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Negotiating => "negotiating",
            Stage::Escalated => "escalated",
        }
    }
}

/// What a `dispute_stage` ledger entry records.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DisputeStaged {
    pub stage: Stage,
    /// When the stage began (RFC 3339).
    pub at: String,
    /// The stage's own deadline: `--due`, else the platform's rule (see [`stage_due`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

/// A stage's deadline by the platform's rule, where vault knows one. AliExpress (vault's reading
/// of its seller rules, a guess: docs/platforms.md): negotiation runs to day 15 after the dispute
/// opened; once escalated, AliExpress asks for the seller's evidence within 3 days.
pub fn stage_due(
    platform: Platform,
    stage: Stage,
    opened: DateTime<FixedOffset>,
    at: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    match (platform, stage) {
        (Platform::Aliexpress, Stage::Negotiating) => Some(opened + Duration::days(15)),
        (Platform::Aliexpress, Stage::Escalated) => Some(at + Duration::days(3)),
        _ => None,
    }
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

/// What a `dispute_offer` ledger entry records: a refund offered to settle (the seller's guides
/// advise negotiating first, towards a partial refund), and the buyer's answer once known.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DisputeOffer {
    /// The refund offered, e.g. "8.00", with its currency.
    pub refund: String,
    pub currency: String,
    /// The buyer's answer; absent while none is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<OfferAnswer>,
}

/// How the buyer answered an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OfferAnswer {
    Accepted,
    Declined,
}

impl DisputeOffer {
    /// One line for people: `a refund of 8.00 USD offered (the buyer accepted)`.
    pub fn describe(&self) -> String {
        let answer = match self.answer {
            Some(OfferAnswer::Accepted) => " (the buyer accepted)",
            Some(OfferAnswer::Declined) => " (the buyer declined)",
            None => "",
        };
        format!(
            "a refund of {} {} offered{answer}",
            self.refund, self.currency
        )
    }
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
    /// The same buyer's earlier orders in the vault with no dispute (counted for the card-holder
    /// reasons only: it reads those orders' ledgers).
    pub earlier_undisputed: usize,
}

/// eBay's and PayPal's published threshold: an item not received claim on an order of this many
/// US dollars or more needs signature confirmation as proof of delivery (PayPal: "or its
/// equivalent in other currencies", which vault cannot convert: only USD amounts are checked).
pub const SIGNATURE_USD: u32 = 750;

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

/// Whether the dispute needs proof of a signature on delivery (eBay and PayPal, $750 and over,
/// not received).
pub fn needs_signature(d: &DisputeOpened) -> bool {
    matches!(d.platform, Platform::Ebay | Platform::Paypal)
        && d.reason.family() == ReasonFamily::NotReceived
        && d.money().is_some_and(|m| {
            m.currency.as_str() == "USD" && m.minor >= i64::from(SIGNATURE_USD) * 100
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
    /// Never missing: the buyer's earlier undisputed orders, held or not.
    EarlierOrders,
}

impl Missing {
    pub fn new(code: MissingCode, text: impl Into<String>) -> Missing {
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

/// One item of a reason's checklist that vault can tell from the order's records: held, with
/// what the order holds of it, or missing, with what to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub code: MissingCode,
    /// Held: what the order holds (`a tracking snapshot with a delivered event`).
    pub held: Option<String>,
    /// Missing: what to add (`a tracking snapshot (vault add --kind tracking)`); None for what
    /// helps when held but is not missing when not (the buyer's earlier orders).
    pub missing: Option<String>,
}

impl Check {
    fn new(code: MissingCode, held: Option<String>, missing: impl Into<String>) -> Check {
        Check {
            code,
            held,
            missing: Some(missing.into()),
        }
    }
}

/// The evidence a dispute's reason asks for that vault can tell from the order's records, each
/// held or missing: proof of delivery for not-received and card-holder reasons (with a signature
/// where it is needed), packing photos from before the first carrier scan for not-as-described
/// ones, and the conversation for every reason.
pub fn checklist(d: &DisputeOpened, e: &Evidence) -> Vec<Check> {
    use MissingCode as C;
    let family = d.reason.family();
    let mut c = Vec::new();
    // Tracking that ends delivered: what a not-received claim turns on, and a fraud claim too.
    let delivered = e.tracking_snapshots > 0 && e.delivered;
    let delivery = |c: &mut Vec<Check>, snapshot: &str| {
        let held = delivered.then(|| {
            format!(
                "{} tracking snapshot(s), with a delivered event",
                e.tracking_snapshots
            )
        });
        c.push(if e.tracking_snapshots == 0 {
            Check::new(C::TrackingSnapshot, None, snapshot)
        } else {
            Check::new(
                C::DeliveredEvent,
                held,
                "a tracking snapshot with a delivered event",
            )
        });
    };
    let signed = || {
        e.signed
            .then(|| "the delivery, signed for (in the carrier's events)".to_string())
    };
    if family == ReasonFamily::NotReceived {
        delivery(&mut c, "a tracking snapshot (vault add --kind tracking)");
        if needs_signature(d) {
            c.push(Check::new(
                C::DeliverySignature,
                signed(),
                format!(
                    "proof of signature on delivery ({} requires it for orders of ${SIGNATURE_USD} or more): \
                     the carrier's signature record, added with vault add",
                    if d.platform == Platform::Paypal { "PayPal" } else { "eBay" }
                ),
            ));
        }
    }
    if family == ReasonFamily::NotAsDescribed {
        c.push(if e.photos == 0 {
            Check::new(C::PackingPhotos, None, "packing photos")
        } else {
            Check::new(
                C::PhotosBeforeFirstScan,
                (e.photos_before_first_scan > 0).then(|| {
                    format!(
                        "{} packing photo(s) captured before the parcel's first carrier scan",
                        e.photos_before_first_scan
                    )
                }),
                "packing photos captured before the parcel's first carrier scan",
            )
        });
    }
    if family == ReasonFamily::Unauthorized {
        // The card holder denies the purchase: delivery to them is the strongest answer.
        delivery(
            &mut c,
            "proof of delivery to the card holder: a tracking snapshot (vault add --kind tracking)",
        );
        if delivered {
            c.push(Check::new(
                C::DeliverySignature,
                signed(),
                "a delivery signed for by the customer (the carrier's signature record)",
            ));
        }
        // The same buyer's earlier orders that went undisputed: held when the vault has them,
        // never missing (the card's own history is the payment processor's, to supply).
        if e.earlier_undisputed > 0 {
            c.push(Check {
                code: C::EarlierOrders,
                held: Some(format!(
                    "{} earlier order(s) of the same buyer in the vault, none disputed",
                    e.earlier_undisputed
                )),
                missing: None,
            });
        }
    }
    c.push(Check::new(
        C::Conversation,
        (e.chats > 0).then(|| format!("the conversation with the buyer ({} export(s))", e.chats)),
        "the conversation with the buyer (a chat export)",
    ));
    c
}

/// What the platform's guidance for this reason asks for that vault cannot tell from what the
/// order holds (it comes from the payment processor, the shop's pages or the seller): listed for
/// the seller to supply, never counted as present or missing. From Stripe's published dispute
/// guidance per reason; the same card-network reasons on PayPal and Shopify Payments follow it.
pub fn to_supply(d: &DisputeOpened) -> Vec<&'static str> {
    match d.reason {
        Reason::Fraudulent | Reason::Unauthorized => vec![
            "the payment's AVS (address) and CVC check results, from the payment processor",
            "the customer's IP address or device at checkout",
            "the customer's earlier payments with the same card that were not disputed",
            "that the shipping address is the card's billing address (or the customer's own)",
        ],
        Reason::Unrecognized => vec![
            "the receipt as the customer got it, and the name on their card statement (the shop's statement descriptor)",
            "the customer's IP address or device at checkout",
        ],
        Reason::Duplicate => vec![
            "both charges' records, showing they are separate purchases (or the refund of one)",
        ],
        Reason::SubscriptionCanceled => vec![
            "the subscription's cancellation policy as the customer saw it",
            "that the customer did not cancel by that policy, or used the service after",
        ],
        Reason::CreditNotProcessed => vec![
            "the refund policy as the customer saw it at checkout",
            "why no refund is due (the item was not returned, or the credit was already given)",
        ],
        Reason::NotAsDescribedCounterfeit => {
            vec!["proof the item is genuine: the supplier's invoice or the brand's authorisation"]
        }
        Reason::ProductUnacceptable
        | Reason::SignificantlyNotAsDescribed
        | Reason::MateriallyDifferent => vec![
            "the product's description as the customer saw it (the listing)",
            "the refund or return policy, and whether the item came back",
        ],
        Reason::ProductNotReceived | Reason::ItemNotReceived
            if d.platform == Platform::Stripe || d.platform == Platform::Shopify =>
        {
            vec!["the shipping address the customer gave"]
        }
        // PayPal's seller protection: the tracking must show the address of the payment.
        r if r.family() == ReasonFamily::NotReceived && d.platform == Platform::Paypal => vec![
            "that the carrier's tracking shows the recipient's name and address as on PayPal's Transaction Details page",
        ],
        _ => Vec::new(),
    }
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

    /// The checklist's items the order does not hold.
    fn missing(d: &DisputeOpened, e: &Evidence) -> Vec<Missing> {
        checklist(d, e)
            .into_iter()
            .filter(|c| c.held.is_none())
            .filter_map(|c| Some(Missing::new(c.code, c.missing?)))
            .collect()
    }

    #[test]
    fn the_checklist_is_held_or_missing_item_by_item() {
        let d = |reason: &str| opened(Platform::Stripe, reason, None);
        let all = Evidence {
            delivered: true,
            tracking_snapshots: 2,
            photos_before_first_scan: 3,
            photos: 4,
            chats: 1,
            signed: true,
            earlier_undisputed: 2,
        };
        let held = |r: &str, e: &Evidence| -> Vec<String> {
            checklist(&d(r), e)
                .into_iter()
                .filter_map(|c| c.held)
                .collect()
        };
        assert_eq!(
            held("fraudulent", &all),
            [
                "2 tracking snapshot(s), with a delivered event",
                "the delivery, signed for (in the carrier's events)",
                "2 earlier order(s) of the same buyer in the vault, none disputed",
                "the conversation with the buyer (1 export(s))"
            ]
        );
        assert_eq!(
            held("not-as-described:damaged", &all),
            [
                "3 packing photo(s) captured before the parcel's first carrier scan",
                "the conversation with the buyer (1 export(s))"
            ]
        );
        assert_eq!(
            held("duplicate", &all),
            ["the conversation with the buyer (1 export(s))"]
        );
        // Every item is one or the other; the buyer's earlier orders are never missing.
        let none = Evidence::default();
        for r in Reason::ALL {
            let n = checklist(&d(r.as_str()), &none).len();
            assert_eq!(missing(&d(r.as_str()), &none).len(), n, "{r}");
            assert!(held(r.as_str(), &none).is_empty(), "{r}");
        }
        let delivered_only = Evidence {
            delivered: true,
            tracking_snapshots: 1,
            ..Evidence::default()
        };
        assert!(
            !missing(&d("fraudulent"), &delivered_only)
                .iter()
                .any(|m| m.code == MissingCode::EarlierOrders)
        );
    }

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn reasons_are_taken_as_each_platform_writes_them() {
        for (written, reason, family) in [
            ("fraudulent", Reason::Fraudulent, ReasonFamily::Unauthorized),
            (
                "unrecognized",
                Reason::Unrecognized,
                ReasonFamily::Unauthorized,
            ),
            (
                "product_not_received",
                Reason::ProductNotReceived,
                ReasonFamily::NotReceived,
            ),
            (
                "product-unacceptable",
                Reason::ProductUnacceptable,
                ReasonFamily::NotAsDescribed,
            ),
            ("duplicate", Reason::Duplicate, ReasonFamily::Billing),
            (
                "subscription_canceled",
                Reason::SubscriptionCanceled,
                ReasonFamily::Billing,
            ),
            (
                "credit_not_processed",
                Reason::CreditNotProcessed,
                ReasonFamily::Billing,
            ),
            ("general", Reason::General, ReasonFamily::Other),
            (
                "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
                Reason::ItemNotReceived,
                ReasonFamily::NotReceived,
            ),
            (
                "Item not received",
                Reason::ItemNotReceived,
                ReasonFamily::NotReceived,
            ),
            (
                "SNAD",
                Reason::SignificantlyNotAsDescribed,
                ReasonFamily::NotAsDescribed,
            ),
            (
                "UNAUTHORISED",
                Reason::Unauthorized,
                ReasonFamily::Unauthorized,
            ),
            (
                "materially different",
                Reason::MateriallyDifferent,
                ReasonFamily::NotAsDescribed,
            ),
            (
                "not-received:customs",
                Reason::NotReceivedCustoms,
                ReasonFamily::NotReceived,
            ),
            (
                "not-as-described:wrong-color",
                Reason::NotAsDescribedWrongColour,
                ReasonFamily::NotAsDescribed,
            ),
            ("FRAUD", Reason::Unauthorized, ReasonFamily::Unauthorized),
            (
                "COUNTERFEIT",
                Reason::NotAsDescribedCounterfeit,
                ReasonFamily::NotAsDescribed,
            ),
            ("DUPLICATE_AMOUNT", Reason::Duplicate, ReasonFamily::Billing),
            ("TRANSACTION_ISSUE", Reason::Other, ReasonFamily::Other),
            (
                "ITEM_NOT_RECEIVED",
                Reason::ItemNotReceived,
                ReasonFamily::NotReceived,
            ),
        ] {
            let r = Reason::parse(written).unwrap_or_else(|e| panic!("{written}: {e}"));
            assert_eq!((r, r.family()), (reason, family), "{written}");
            // Recorded by its own name, which reads back as itself.
            assert_eq!(Reason::parse(r.as_str()), Ok(r));
        }
        let e = Reason::parse("chargeback").unwrap_err();
        assert!(
            e.contains("fraudulent") && e.contains("not-received:customs"),
            "{e}"
        );
    }

    #[test]
    fn a_fraud_claim_asks_for_delivery_to_the_card_holder_and_the_processors_checks() {
        let d = DisputeOpened {
            platform: Platform::Stripe,
            reason: Reason::Fraudulent,
            case: None,
            opened_at: "2026-11-20T10:00:00+08:00".into(),
            due: None,
            amount: None,
            currency: None,
            ordered_at: None,
        };
        let codes =
            |e: &Evidence| -> Vec<MissingCode> { missing(&d, e).iter().map(|m| m.code).collect() };
        let none = Evidence::default();
        assert_eq!(
            codes(&none),
            [MissingCode::TrackingSnapshot, MissingCode::Conversation]
        );
        let delivered = Evidence {
            tracking_snapshots: 1,
            delivered: true,
            chats: 1,
            ..Evidence::default()
        };
        assert_eq!(codes(&delivered), [MissingCode::DeliverySignature]);
        let signed = Evidence {
            signed: true,
            ..delivered
        };
        assert!(codes(&signed).is_empty());
        // Packing photos are not what a fraud claim turns on.
        assert!(!codes(&none).contains(&MissingCode::PackingPhotos));
        let supply = to_supply(&d).join("; ");
        assert!(
            supply.contains("AVS")
                && supply.contains("IP address")
                && supply.contains("earlier payments"),
            "{supply}"
        );
        let billing = DisputeOpened {
            reason: Reason::CreditNotProcessed,
            ..d.clone()
        };
        assert!(to_supply(&billing).join(" ").contains("refund policy"));
        let aliexpress = DisputeOpened {
            platform: Platform::Aliexpress,
            reason: Reason::NotReceived,
            ..d
        };
        assert!(
            to_supply(&aliexpress).is_empty(),
            "nothing vault cannot check for a plain not-received"
        );
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
            earlier_undisputed: 0,
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
        // PayPal: the same threshold for its seller protection's proof of delivery.
        let paypal = opened(Platform::Paypal, "item-not-received", Some("750.00"));
        let m = missing(&paypal, &good);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].text.contains("PayPal requires it"), "{m:?}");
        assert!(
            missing(
                &opened(Platform::Paypal, "item-not-received", Some("749.99")),
                &good
            )
            .is_empty()
        );
        assert!(!needs_signature(&opened(
            Platform::Stripe,
            "product_not_received",
            Some("900")
        )));
    }
}

//! Counting disputes: by outcome, with the amounts paid back summed exactly per currency.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Outcome;
use super::money::Money;

/// Counts for one group of disputes.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct Tally {
    pub opened: u64,
    /// Still open.
    pub open: u64,
    pub won: u64,
    pub lost: u64,
    pub partial_refund: u64,
    pub refunded: u64,
    pub withdrawn: u64,
    /// Refunds offered to settle, and how many of them the buyer accepted.
    pub offers: u64,
    pub offers_accepted: u64,
    /// Amounts refunded (closes with an amount), per currency, as decimal strings.
    pub amount_refunded: BTreeMap<String, String>,
    /// Won (or withdrawn by the buyer) per 100 disputes closed, one decimal; None before one closed.
    pub won_percent: Option<f64>,
    #[serde(skip)]
    sums: BTreeMap<String, Money>,
}

impl Tally {
    /// The amounts paid back, for people: `19.90 USD, 5.00 EUR`; None when nothing was.
    pub fn paid_back(&self) -> Option<String> {
        (!self.amount_refunded.is_empty()).then(|| {
            self.amount_refunded
                .iter()
                .map(|(c, a)| format!("{a} {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
    }

    /// The offers made in one dispute.
    pub fn offered(&mut self, offers: &[&super::DisputeOffer]) {
        self.offers += offers.len() as u64;
        self.offers_accepted += offers
            .iter()
            .filter(|o| o.answer == Some(super::OfferAnswer::Accepted))
            .count() as u64;
    }

    /// One dispute, with how it ended (`None`: still open) and the amount paid back, if any.
    pub fn count(&mut self, outcome: Option<Outcome>, refunded: Option<Money>) {
        self.opened += 1;
        match outcome {
            None => self.open += 1,
            Some(Outcome::Won) => self.won += 1,
            Some(Outcome::Lost) => self.lost += 1,
            Some(Outcome::PartialRefund) => self.partial_refund += 1,
            Some(Outcome::Refunded) => self.refunded += 1,
            Some(Outcome::Withdrawn) => self.withdrawn += 1,
        }
        let closed = self.opened - self.open;
        self.won_percent = (closed > 0).then(|| {
            let won = 100.0 * (self.won + self.withdrawn) as f64 / closed as f64;
            (won * 10.0).round() / 10.0
        });
        let Some(m) = refunded else { return };
        let code = m.currency.as_str().to_string();
        let sum = match self.sums.get(&code) {
            // An overflow (an absurd ledger) keeps the sum so far rather than wrapping.
            Some(s) => s.checked_add(m).unwrap_or(*s),
            None => m,
        };
        self.amount_refunded.insert(code.clone(), sum.amount());
        self.sums.insert(code, sum);
    }
}

/// What evidence an order holds, as the groups `stats` compares win rates by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Photos taken before the parcel's first carrier scan (packing photos).
    PackingPhotos,
    Photos,
    TrackingSnapshots,
    /// A carrier event says it was delivered.
    Delivery,
    /// A carrier event says it was signed for.
    Signature,
    /// A written conversation with the buyer.
    Conversation,
    /// An RFC 3161 time-stamp of the order's ledger.
    TrustedTimestamp,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 7] = [
        EvidenceKind::PackingPhotos,
        EvidenceKind::Photos,
        EvidenceKind::TrackingSnapshots,
        EvidenceKind::Delivery,
        EvidenceKind::Signature,
        EvidenceKind::Conversation,
        EvidenceKind::TrustedTimestamp,
    ];

    /// For people: "disputes with packing photos".
    pub fn words(self) -> &'static str {
        match self {
            EvidenceKind::PackingPhotos => "packing photos (taken before the first carrier scan)",
            EvidenceKind::Photos => "photos",
            EvidenceKind::TrackingSnapshots => "tracking snapshots",
            EvidenceKind::Delivery => "delivery confirmed by the carrier",
            EvidenceKind::Signature => "a signature on delivery",
            EvidenceKind::Conversation => "a written conversation",
            EvidenceKind::TrustedTimestamp => "a trusted time-stamp (RFC 3161)",
        }
    }

    /// Whether an order holding `e` (and time-stamped or not) has this evidence.
    pub fn held(self, e: &super::Evidence, stamped: bool) -> bool {
        match self {
            EvidenceKind::PackingPhotos => e.photos_before_first_scan > 0,
            EvidenceKind::Photos => e.photos > 0,
            EvidenceKind::TrackingSnapshots => e.tracking_snapshots > 0,
            EvidenceKind::Delivery => e.delivered,
            EvidenceKind::Signature => e.signed,
            EvidenceKind::Conversation => e.chats > 0,
            EvidenceKind::TrustedTimestamp => stamped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_summed_exactly_per_currency() {
        let m = |a: &str, c: &str| Some(Money::parse(a, c).unwrap());
        let mut t = Tally::default();
        t.count(Some(Outcome::Refunded), m("0.10", "USD"));
        t.count(Some(Outcome::PartialRefund), m("0.20", "USD"));
        t.count(Some(Outcome::Refunded), m("5", "EUR"));
        t.count(Some(Outcome::Refunded), m("500", "JPY"));
        t.count(None, None);
        assert_eq!(t.amount_refunded["USD"], "0.30");
        // Four closed, none won: 0 %; the open one does not count.
        assert_eq!(t.won_percent, Some(0.0));
        assert_eq!(t.amount_refunded["EUR"], "5.00");
        assert_eq!(t.amount_refunded["JPY"], "500");
        assert_eq!(
            (t.opened, t.open, t.refunded, t.partial_refund),
            (5, 1, 3, 1)
        );
        // Won, and withdrawn by the buyer: 2 of 6 closed.
        t.count(Some(Outcome::Won), None);
        t.count(Some(Outcome::Withdrawn), None);
        assert_eq!(t.won_percent, Some(33.3));
    }
}

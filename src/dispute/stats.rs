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
    #[serde(skip)]
    sums: BTreeMap<String, Money>,
}

impl Tally {
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
        assert_eq!(t.amount_refunded["EUR"], "5.00");
        assert_eq!(t.amount_refunded["JPY"], "500");
        assert_eq!(
            (t.opened, t.open, t.refunded, t.partial_refund),
            (5, 1, 3, 1)
        );
    }
}

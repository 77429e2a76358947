//! One order's evidence, read once from its ledger: what `show`, `bundle`, `due`, `shipments`,
//! `stats` and the summary PDF ask about an order, answered in one place.
//!
//! A [`Case`] holds the order's ledger as read from the store. What is derived from stored objects
//! (the carriers' merged timeline) is computed on first use and kept, so a command that asks for
//! the timeline, the first carrier scan, the photo warnings and the dispute checklist reads each
//! tracking snapshot once.

pub mod shipments;

use std::cell::OnceCell;

use chrono::{DateTime, Utc};

use crate::digest::Digest;
use crate::dispute::{DisputeClosed, DisputeOpened, Evidence};
use crate::error::{Error, Result};
use crate::evidence::chat::{self, Transcript};
use crate::evidence::kind::{Kind, MediaType};
use crate::evidence::metadata;
use crate::evidence::tracking::{self, Snapshot, Stage, TimelineEvent};
use crate::ledger::{Entry, Event, Item, Ledger};
use crate::store::Vault;
use crate::store::order::OrderId;

/// An order's evidence, as its ledger records it.
pub struct Case<'v> {
    vault: &'v Vault,
    ledger: Ledger,
    timeline: OnceCell<Vec<TimelineEvent>>,
    earlier: OnceCell<Vec<(OrderId, DateTime<Utc>)>>,
}

/// A dispute of the order: how it was opened and, once it ended, how it closed.
#[derive(Debug, Clone)]
pub struct DisputeSpan<'a> {
    pub opened: &'a DisputeOpened,
    /// The stages it went through since it opened, in order.
    pub stages: Vec<&'a crate::dispute::DisputeStaged>,
    /// Refunds offered while it was open, with the buyer's answers.
    pub offers: Vec<&'a crate::dispute::DisputeOffer>,
    pub closed: Option<&'a DisputeClosed>,
}

impl<'v> Case<'v> {
    /// Read `order`'s ledger; [`Error::UnknownOrder`] when the vault has no such order.
    pub fn load(vault: &'v Vault, order: &OrderId) -> Result<Case<'v>> {
        match Ledger::read_existing(vault, order)? {
            Some(ledger) => Ok(Case::new(vault, ledger)),
            None => Err(Error::UnknownOrder {
                order: order.to_string(),
            }),
        }
    }

    /// A case over a ledger already read (e.g. from bytes the caller also needs).
    pub fn new(vault: &'v Vault, ledger: Ledger) -> Case<'v> {
        Case {
            vault,
            ledger,
            timeline: OnceCell::new(),
            earlier: OnceCell::new(),
        }
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The items filed under the order, each with the entry that added it, oldest first.
    pub fn items(&self) -> impl Iterator<Item = (&Entry, &Item)> {
        self.ledger.items()
    }

    /// The carriers' events, merged from the order's tracking snapshots in the order they were
    /// added, each event once. Re-derived from the stored objects, on first use.
    pub fn timeline(&self) -> &[TimelineEvent] {
        self.timeline.get_or_init(|| {
            let snapshots: Vec<(Digest, &str, Snapshot)> = self
                .items()
                .map(|(_, i)| i)
                // Any tracking JSON, whatever version of vault filed it (older ones kept no summary).
                .filter(|i| i.kind == Kind::Tracking && i.media_type == MediaType::JSON)
                .filter_map(|i| {
                    read_snapshot(self.vault, &i.sha256)
                        .ok()
                        .map(|s| (i.sha256, i.name.as_str(), s))
                })
                .collect();
            tracking::merge(snapshots.iter().map(|(d, n, s)| (*d, *n, s)))
        })
    }

    /// The parcel's first carrier scan: its instant, and whether the carrier gave no offset.
    pub fn first_scan(&self) -> Option<(DateTime<Utc>, bool)> {
        tracking::first_scan(self.timeline())
    }

    /// Capture-time warnings for a photo or video item: relative to when it was added, and for
    /// photos to the parcel's first carrier scan when the order has tracking.
    pub fn item_warnings(&self, e: &Entry, i: &Item) -> Vec<String> {
        let Some(m) = &i.media else { return Vec::new() };
        if !matches!(i.kind, Kind::Photo | Kind::Video) {
            return Vec::new();
        }
        let mut w = metadata::time_warnings(m, &e.at);
        if i.kind == Kind::Photo
            && let Some(scan) = self.first_scan()
            && let Some(after) = metadata::after_first_scan(m, scan)
        {
            w.push(after);
        }
        w
    }

    /// Every dispute of the order, oldest first: each `dispute_open` with the `dispute_close`
    /// that ends it, if any.
    pub fn disputes(&self) -> Vec<DisputeSpan<'_>> {
        disputes(&self.ledger)
    }

    /// The order's open dispute, if any: the last `dispute_open` with no `dispute_close` after it.
    pub fn open_dispute(&self) -> Option<&DisputeOpened> {
        open_dispute(&self.ledger)
    }

    /// The order's buyer (a key of `crate::buyers`): the latest `buyer` entry.
    pub fn buyer(&self) -> Option<&str> {
        buyer(&self.ledger)
    }

    /// What evidence the order holds, for the dispute checklists.
    pub fn evidence(&self) -> Evidence {
        let items: Vec<&Item> = self.items().map(|(_, i)| i).collect();
        let scan = self.first_scan();
        let photos: Vec<_> = items.iter().filter(|i| i.kind == Kind::Photo).collect();
        let before = photos
            .iter()
            .filter(|i| {
                let Some(m) = &i.media else { return false };
                m.captured_local().is_some()
                    && scan.is_none_or(|s| metadata::after_first_scan(m, s).is_none())
            })
            .count();
        let delivered: Vec<_> = self
            .timeline()
            .iter()
            .filter(|t| t.event.stage == Stage::Delivered)
            .collect();
        Evidence {
            delivered: !delivered.is_empty(),
            signed: delivered
                .iter()
                .any(|t| mentions_signature(&t.event.description)),
            tracking_snapshots: items.iter().filter(|i| i.kind == Kind::Tracking).count(),
            photos_before_first_scan: before,
            earlier_undisputed: 0,
            photos: photos.len(),
            chats: items.iter().filter(|i| i.kind == Kind::Chat).count(),
        }
    }

    /// The open dispute's checklist as what the order holds of it (a sentence each) and what it
    /// still lacks; both empty when none is open.
    pub fn checked(&self) -> (Vec<String>, Vec<crate::dispute::Missing>) {
        let Some(d) = self.open_dispute() else {
            return (Vec::new(), Vec::new());
        };
        let evidence = Evidence {
            earlier_undisputed: self.earlier_undisputed().len(),
            ..self.evidence()
        };
        let (mut held, mut missing) = (Vec::new(), Vec::new());
        for c in crate::dispute::checklist(d, &evidence) {
            match (c.held, c.missing) {
                (Some(h), _) => held.push(h),
                (None, Some(m)) => missing.push(crate::dispute::Missing::new(c.code, m)),
                (None, None) => {}
            }
        }
        (held, missing)
    }

    /// For an open card-holder denial (`fraudulent`, `unrecognized`, `unauthorized`: the reasons
    /// they answer), the same buyer's other orders first filed before this one, with no
    /// dispute: each with when it was first filed, oldest first, read on first use; empty for
    /// any other order. Found through the buyers' order index (a cache,
    /// `crate::buyers::indexed_orders`) and checked against each order's own ledger, so the cost
    /// is the buyer's orders, not the vault's.
    pub fn earlier_undisputed(&self) -> &[(OrderId, DateTime<Utc>)] {
        self.earlier.get_or_init(|| {
            let denied = self
                .open_dispute()
                .is_some_and(|d| d.reason.family() == crate::dispute::ReasonFamily::Unauthorized);
            let (true, Some(key), Some(first)) =
                (denied, self.buyer(), self.ledger.entries().next())
            else {
                return Vec::new();
            };
            let mut out = Vec::new();
            // This order itself is not earlier than its own first entry.
            for order in crate::buyers::indexed_orders(self.vault, key) {
                let Ok(Some(other)) = Ledger::read_existing(self.vault, &order) else {
                    continue;
                };
                let disputed = other
                    .entries()
                    .any(|e| matches!(e.event, Event::DisputeOpen { .. }));
                match other.entries().next() {
                    Some(e) if buyer(&other) == Some(key) && !disputed && e.at < first.at => {
                        out.push((order, e.at));
                    }
                    _ => {}
                }
            }
            out.sort_by_key(|(_, at)| *at);
            out
        })
    }

    /// What the open dispute's reason asks for that vault cannot tell it holds (empty when none is
    /// open): for the seller to supply.
    pub fn to_supply(&self) -> Vec<&'static str> {
        self.open_dispute()
            .map(crate::dispute::to_supply)
            .unwrap_or_default()
    }

    /// A chat item's transcript, read the way it was read when it was added.
    pub fn transcript(&self, item: &Item) -> std::result::Result<Transcript, String> {
        read_transcript(
            self.vault,
            &item.sha256,
            item.chat.as_ref().map(|c| c.read_with).unwrap_or_default(),
        )
    }
}

/// Whether a carrier's delivery event says the parcel was signed for: a word such as "signed" or
/// "signature" (not "consignee", "assigned" or "designated"), or 签收 / 簽收 (Chinese carriers).
pub fn mentions_signature(description: &str) -> bool {
    let lower = description.to_lowercase();
    lower.contains("签收")
        || lower.contains("簽收")
        || lower.split(|c: char| !c.is_alphanumeric()).any(|w| {
            matches!(w, "sign" | "signed" | "signer" | "signing") || w.starts_with("signature")
        })
}

/// Every dispute in a ledger, oldest first: each `dispute_open` with the `dispute_close` that ends
/// it. A second open without a close in between replaces the first; a close with none open ends
/// nothing.
pub fn disputes(ledger: &Ledger) -> Vec<DisputeSpan<'_>> {
    let mut spans = Vec::new();
    let mut open: Option<DisputeSpan<'_>> = None;
    for e in ledger.entries() {
        match &e.event {
            Event::DisputeOpen { dispute } => {
                open = Some(DisputeSpan {
                    opened: dispute,
                    stages: Vec::new(),
                    offers: Vec::new(),
                    closed: None,
                })
            }
            Event::DisputeOffer { offer } => {
                if let Some(span) = open.as_mut() {
                    span.offers.push(offer);
                }
            }
            Event::DisputeStage { stage } => {
                if let Some(span) = open.as_mut() {
                    span.stages.push(stage);
                }
            }
            Event::DisputeClose { close } => {
                if let Some(mut span) = open.take() {
                    span.closed = Some(close);
                    spans.push(span);
                }
            }
            _ => {}
        }
    }
    spans.extend(open);
    spans
}

/// The open dispute of a ledger, if any: the last `dispute_open` with no `dispute_close` after it.
pub fn buyer(ledger: &Ledger) -> Option<&str> {
    buyer_of(ledger.entries())
}

/// The latest `buyer` entry's key among `entries`.
pub fn buyer_of<'a>(entries: impl Iterator<Item = &'a crate::ledger::Entry>) -> Option<&'a str> {
    entries
        .filter_map(|e| match &e.event {
            crate::ledger::Event::Buyer { buyer } => Some(buyer.as_str()),
            _ => None,
        })
        .last()
}

pub fn open_dispute(ledger: &Ledger) -> Option<&DisputeOpened> {
    disputes(ledger)
        .pop()
        .filter(|s| s.closed.is_none())
        .map(|s| s.opened)
}

/// Parse a stored tracking snapshot (at most [`tracking::MAX_SNAPSHOT`] bytes).
pub fn read_snapshot(vault: &Vault, d: &Digest) -> std::result::Result<Snapshot, String> {
    tracking::parse(&vault.read_object_bounded(d, tracking::MAX_SNAPSHOT)?)
}

/// Parse a stored chat export: a text or JSON export, or a WhatsApp zip.
pub fn read_transcript(
    vault: &Vault,
    d: &Digest,
    opts: chat::ParseOptions,
) -> std::result::Result<Transcript, String> {
    let object = vault.open_object(d).map_err(|e| e.to_string())?;
    chat::read_export(object, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_signatures_count() {
        for yes in [
            "Delivered, signed by J. SMITH",
            "Signature obtained",
            "已签收，签收人：本人",
            "Signed for at front desk",
        ] {
            assert!(mentions_signature(yes), "{yes}");
        }
        for no in [
            "Delivered to consignee",
            "Assigned to courier",
            "Left at designated safe place",
            "Delivered",
        ] {
            assert!(!mentions_signature(no), "{no}");
        }
    }
}

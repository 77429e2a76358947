//! Shipment status for cron: per parcel of an order, its latest stage, its last event and how long
//! ago, and the flags an ops person should hear about (delivered, exception, failed attempt,
//! returned, no news for too long).
//!
//! A state change (delivered, exception, failed attempt, returned) is news once: it is flagged while
//! the snapshot that first showed it was filed no longer ago than `news_within`, so a daily cron
//! alert names each change once or twice instead of every parcel ever delivered, forever.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::digest::Digest;
use crate::error::Result;
use crate::evidence::tracking::{Stage, TimelineEvent};
use crate::ledger::{Event, Ledger};
use crate::store::Vault;
use crate::store::order::OrderId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Delivered,
    Exception,
    FailedAttempt,
    Returned,
    /// No carrier event for longer than `--stale-after` (or none at all since it was shipped).
    Stale,
}

impl Flag {
    /// The name `--json` gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Delivered => "delivered",
            Flag::Exception => "exception",
            Flag::FailedAttempt => "failed_attempt",
            Flag::Returned => "returned",
            Flag::Stale => "stale",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub order: OrderId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    pub number: String,
    /// Registered with `vault track` (else only seen in a snapshot).
    pub registered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<String>,
    pub events: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_stage: Option<Stage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_since_last_event: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
    /// When vault filed the snapshot that first showed the latest event (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub news_at: Option<String>,
    pub flags: Vec<Flag>,
}

/// What `of_order` judges against: the clock, and the two windows.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: DateTime<Utc>,
    /// No carrier event for longer than this: stale.
    pub stale_after: Duration,
    /// A state change is flagged while its news is no older than this.
    pub news_within: Duration,
}

/// A parcel of an order: registered with `vault track`, or only seen in a snapshot.
struct Parcel {
    carrier: Option<String>,
    number: String,
    registered: bool,
    shipped_at: Option<String>,
    /// When vault first heard of it (the `track` entry, or the snapshot's `add`).
    since: DateTime<Utc>,
}

/// The shipments of one order, as of `clock.now`.
pub fn of_order(vault: &Vault, order: &OrderId, clock: Clock) -> Result<Vec<Status>> {
    let case = super::Case::new(vault, Ledger::read(vault, order)?);
    let ledger = case.ledger();
    let timeline = case.timeline();
    let parcels = parcels(ledger);
    // When each snapshot was first filed: the news of the events it first showed.
    let mut filed: HashMap<Digest, DateTime<Utc>> = HashMap::new();
    for (e, i) in ledger.items() {
        filed.entry(i.sha256).or_insert(e.at);
    }
    let single = parcels.len() == 1;
    Ok(parcels
        .into_iter()
        .map(|parcel| {
            // A snapshot without a number belongs to the order's only parcel, if it has one.
            let events: Vec<&TimelineEvent> = timeline
                .iter()
                .filter(|t| match &t.tracking_number {
                    Some(n) => n.eq_ignore_ascii_case(&parcel.number),
                    None => single,
                })
                .collect();
            status(order, parcel, &events, &filed, clock)
        })
        .collect())
}

/// The order's parcels: registered ones first (in order), then numbers only seen in snapshots.
fn parcels(ledger: &Ledger) -> Vec<Parcel> {
    let mut parcels: Vec<Parcel> = Vec::new();
    let known =
        |parcels: &[Parcel], n: &str| parcels.iter().any(|p| p.number.eq_ignore_ascii_case(n));
    for e in ledger.entries() {
        if let Event::Track { shipment } = &e.event
            && !known(&parcels, &shipment.number)
        {
            parcels.push(Parcel {
                carrier: Some(shipment.carrier.clone()),
                number: shipment.number.clone(),
                registered: true,
                shipped_at: shipment.shipped_at.clone(),
                since: e.at,
            });
        }
    }
    for (e, i) in ledger.items() {
        if let Some(t) = &i.tracking
            && let Some(n) = &t.number
            && !known(&parcels, n)
        {
            parcels.push(Parcel {
                carrier: t.carrier.clone(),
                number: n.clone(),
                registered: false,
                shipped_at: None,
                since: e.at,
            });
        }
    }
    parcels
}

/// One parcel's status from its events: the latest stage, and its flags as of `clock.now`.
fn status(
    order: &OrderId,
    parcel: Parcel,
    events: &[&TimelineEvent],
    filed: &HashMap<Digest, DateTime<Utc>>,
    clock: Clock,
) -> Status {
    let window = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    let now = clock.now;
    let latest = events.iter().max_by_key(|t| t.event.sort_key());
    let last = latest.map(|t| &t.event);
    let news_at = latest.and_then(|t| filed.get(&t.first_seen_in).copied());
    let fresh = news_at.is_some_and(|at| now - at <= window(clock.news_within));
    let delivered = events
        .iter()
        .filter(|t| t.event.stage == Stage::Delivered)
        .max_by_key(|t| t.event.sort_key());
    let last_instant = last.map(|e| e.utc().unwrap_or_else(|| e.sort_key().and_utc()));
    // With no event yet, the clock runs from the hand-over (or the registration).
    let quiet_since = last_instant
        .or_else(|| {
            parcel
                .shipped_at
                .as_deref()
                .and_then(crate::time::parse_instant_or_date)
        })
        .unwrap_or(parcel.since);
    let state = match last.map(|e| e.stage) {
        Some(Stage::Delivered) => Some(Flag::Delivered),
        Some(Stage::Exception) => Some(Flag::Exception),
        Some(Stage::FailedAttempt) => Some(Flag::FailedAttempt),
        Some(Stage::Returned) => Some(Flag::Returned),
        _ => None,
    };
    let mut flags: Vec<Flag> = state.filter(|_| fresh).into_iter().collect();
    // A delivery the carrier later followed with other events (a return, a scan out of order)
    // is still news while that latest snapshot is.
    if fresh && delivered.is_some() && !flags.contains(&Flag::Delivered) {
        flags.push(Flag::Delivered);
    }
    let finished = delivered.is_some() || state == Some(Flag::Returned);
    if !finished && now - quiet_since > window(clock.stale_after) {
        flags.push(Flag::Stale);
    }
    flags.sort();
    Status {
        order: order.clone(),
        carrier: parcel.carrier,
        number: parcel.number,
        registered: parcel.registered,
        shipped_at: parcel.shipped_at,
        events: events.len(),
        latest_stage: last.map(|e| e.stage),
        last_event_at: last.map(|e| e.time.to_string()),
        last_event: last.map(|e| e.description.clone()),
        days_since_last_event: last_instant.map(|t| (now - t).num_days()),
        delivered_at: delivered.map(|t| t.event.time.to_string()),
        news_at: news_at.map(|t| crate::time::format_time(&t)),
        flags,
    }
}

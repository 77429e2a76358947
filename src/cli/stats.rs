//! `vault stats [--since 90d]`: the seller's dispute record, by platform and reason.
//!
//! Platforms rank sellers on their dispute rate, so the report gives disputes opened against the
//! orders the vault holds for the same period, and what the disputes cost.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Ctx;
use crate::case::Case;
use crate::cli::output::{Report, escape_str};
use crate::dispute::Platform;
use crate::dispute::stats::{EvidenceKind, Tally};
use crate::error::{Error, Exit, Result};
use crate::ledger::Ledger;

/// Disputes opened, won, lost and refunded, by platform and reason
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  vault stats\n  vault stats --since 90d")]
pub struct Args {
    /// Count disputes opened (and orders started) this long ago or later, e.g. 90d [default: all]
    #[arg(long, value_name = "DURATION", value_parser = super::args::parse_duration)]
    pub since: Option<Duration>,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub name: String,
    #[serde(flatten)]
    pub tally: Tally,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    /// Start of the period (RFC 3339), when --since was given.
    pub since: Option<String>,
    /// Orders whose first ledger entry falls in the period.
    pub orders: u64,
    /// Disputes opened per 100 orders of the period (the rate platforms rank sellers on).
    pub dispute_rate_percent: Option<f64>,
    pub total: Tally,
    pub by_platform: Vec<Group>,
    pub by_reason: Vec<Group>,
    /// For each kind of evidence: the disputes of orders that hold it, and of those that do not.
    pub by_evidence: Vec<EvidenceGroup>,
}

/// Disputes split by whether their order holds one kind of evidence (as it holds it now).
#[derive(Debug, Serialize)]
pub struct EvidenceGroup {
    pub evidence: EvidenceKind,
    pub with: Tally,
    pub without: Tally,
}

impl Report for Stats {
    const COMMAND: &'static str = "stats";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        let t = &self.total;
        writeln!(
            w,
            "{} dispute(s) opened{}, over {} order(s){}",
            t.opened,
            self.since
                .as_deref()
                .map(|s| format!(" since {s}"))
                .unwrap_or_default(),
            self.orders,
            self.dispute_rate_percent
                .map(|r| format!(": {r:.1} per 100 orders"))
                .unwrap_or_default()
        )?;
        if quiet {
            return Ok(());
        }
        let line = |w: &mut dyn Write, name: &str, t: &Tally| -> io::Result<()> {
            writeln!(
                w,
                "  {:<34} {:>3} opened  {:>3} open  {:>3} won  {:>3} lost  {:>3} partial  {:>3} refunded  {:>3} withdrawn{}{}",
                escape_str(name),
                t.opened,
                t.open,
                t.won,
                t.lost,
                t.partial_refund,
                t.refunded,
                t.withdrawn,
                t.paid_back()
                    .map(|p| format!("  paid back {p}"))
                    .unwrap_or_default(),
                if t.offers == 0 {
                    String::new()
                } else {
                    format!("  {} offer(s), {} accepted", t.offers, t.offers_accepted)
                }
            )
        };
        line(w, "all", t)?;
        if !self.by_platform.is_empty() {
            writeln!(w, "by platform")?;
            for g in &self.by_platform {
                line(w, &g.name, &g.tally)?;
            }
            writeln!(w, "by reason")?;
            for g in &self.by_reason {
                line(w, &g.name, &g.tally)?;
            }
        }
        let closed = |t: &Tally| t.opened - t.open;
        let rate = |t: &Tally| match t.won_percent {
            Some(p) => format!(
                "{p:.0}% won ({} of {} closed)",
                t.won + t.withdrawn,
                closed(t)
            ),
            None => "none closed".into(),
        };
        let shown: Vec<&EvidenceGroup> = self
            .by_evidence
            .iter()
            .filter(|g| closed(&g.with) + closed(&g.without) > 0)
            .collect();
        if !shown.is_empty() {
            writeln!(w, "by evidence held (won includes withdrawn by the buyer)")?;
        }
        for g in shown {
            writeln!(
                w,
                "  with {}: {}; without: {}",
                g.evidence.words(),
                rate(&g.with),
                rate(&g.without)
            )?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let since: Option<DateTime<Utc>> = match args.since {
        None => None,
        Some(d) => Some(
            chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| Utc::now().checked_sub_signed(d))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--since {}s reaches before the earliest time vault can count from",
                        d.as_secs()
                    ))
                })?,
        ),
    };
    let in_period = |t: DateTime<Utc>| since.is_none_or(|s| t >= s);
    let mut total = Tally::default();
    let mut by_platform: BTreeMap<Platform, Tally> = BTreeMap::new();
    let mut by_reason: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_evidence: BTreeMap<EvidenceKind, (Tally, Tally)> = BTreeMap::new();
    let mut orders = 0;
    for order in vault.orders()?.0 {
        let case = Case::new(&vault, Ledger::read(&vault, &order)?);
        if case
            .ledger()
            .entries()
            .next()
            .is_some_and(|e| in_period(e.at))
        {
            orders += 1;
        }
        let evidence = case.evidence();
        let stamped = case
            .ledger()
            .entries()
            .any(|e| matches!(e.event, crate::ledger::Event::Stamp { .. }));
        for span in case.disputes() {
            let d = span.opened;
            let opened = DateTime::parse_from_rfc3339(&d.opened_at)
                .map(|t| t.with_timezone(&Utc))
                .ok();
            if !opened.is_some_and(in_period) {
                continue;
            }
            let close = span.closed;
            let outcome = close.map(|c| c.outcome);
            let amount = close.and_then(|c| c.money());
            for t in [
                &mut total,
                by_platform.entry(d.platform).or_default(),
                by_reason.entry(d.reason.as_str().to_string()).or_default(),
            ] {
                t.count(outcome, amount);
                t.offered(&span.offers);
            }
            for k in EvidenceKind::ALL {
                let (with, without) = by_evidence.entry(k).or_default();
                let t = if k.held(&evidence, stamped) {
                    with
                } else {
                    without
                };
                t.count(outcome, amount);
                t.offered(&span.offers);
            }
        }
    }
    let rate = (orders > 0).then(|| 100.0 * total.opened as f64 / orders as f64);
    ctx.out.report(&Stats {
        since: since.map(|s| s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        orders,
        dispute_rate_percent: rate.map(|r| (r * 10.0).round() / 10.0),
        total,
        by_platform: by_platform
            .into_iter()
            .map(|(p, tally)| Group {
                name: p.as_str().to_string(),
                tally,
            })
            .collect(),
        by_reason: by_reason
            .into_iter()
            .map(|(name, tally)| Group { name, tally })
            .collect(),
        by_evidence: by_evidence
            .into_iter()
            .map(|(evidence, (with, without))| EvidenceGroup {
                evidence,
                with,
                without,
            })
            .collect(),
    });
    Ok(Exit::Success)
}

//! `vault due [--within 48h]`: open disputes by deadline, with the evidence held and still missing.

use std::io::{self, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Ctx;
use crate::case::Case;
use crate::cli::output::Report;
use crate::dispute;
use crate::error::{Exit, Result};
use crate::ledger::Ledger;
use crate::store::order::OrderId;

/// Open disputes by deadline and what evidence is held and missing; exits 4 when one is due within --within
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault due                             # open disputes by deadline, with what is held and missing\n  vault --json due --within 24h > due.json; [ $? -ne 4 ] || mail -s 'answers due' ops@example.com < due.json"
)]
pub struct Args {
    /// Flag disputes due within this long (e.g. 48h, 3d); overdue ones always
    #[arg(long, value_name = "DURATION", default_value = "48h", value_parser = super::args::parse_duration)]
    pub within: Duration,
}

#[derive(Serialize)]
pub struct Due {
    pub order: OrderId,
    pub platform: dispute::Platform,
    pub reason: crate::dispute::Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    pub opened_at: String,
    /// Where it stands since it opened (`dispute stage`): negotiating, escalated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<dispute::Stage>,
    /// The answer's deadline: the latest stage's, else the one set when it opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_left: Option<String>,
    /// Due within `--within`, or overdue.
    pub urgent: bool,
    /// What the order holds of the reason's checklist.
    pub held: Vec<String>,
    pub missing: Vec<crate::dispute::Missing>,
    /// What the reason asks for that vault cannot tell it holds (the payment's AVS/CVC results,
    /// the refund policy, ...): for the seller to supply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to_supply: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct DueReport {
    pub disputes: Vec<Due>,
    pub urgent: usize,
}

impl Report for DueReport {
    const COMMAND: &'static str = "due";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        for d in &self.disputes {
            if quiet && !d.urgent {
                continue;
            }
            writeln!(
                w,
                "{}{}  {}  {}{}  due {}  ({})",
                if d.urgent { "URGENT  " } else { "" },
                d.order,
                d.platform.as_str(),
                d.reason.as_str(),
                d.stage
                    .map(|s| format!(", {}", s.as_str()))
                    .unwrap_or_default(),
                d.due.as_deref().map_or_else(
                    || "? (no deadline recorded: dispute open --due)".into(),
                    super::output::when
                ),
                d.time_left.as_deref().unwrap_or("-"),
            )?;
            for h in &d.held {
                writeln!(w, "    held: {h}")?;
            }
            for m in &d.missing {
                writeln!(w, "    missing: {m}")?;
            }
            for t in &d.to_supply {
                writeln!(w, "    to supply: {t}")?;
            }
        }
        if !quiet && self.disputes.is_empty() {
            writeln!(w, "no open disputes")?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let now = Utc::now();
    let within = chrono::Duration::from_std(args.within).unwrap_or(chrono::Duration::MAX);
    let mut disputes = Vec::new();
    for order in vault.orders()?.0 {
        let case = Case::new(&vault, Ledger::read(&vault, &order)?);
        let Some(d) = case.open_dispute() else {
            continue;
        };
        let spans = case.disputes();
        let stage = spans
            .last()
            .filter(|s| s.closed.is_none())
            .and_then(|s| s.stages.last().copied());
        let due_text = stage.and_then(|s| s.due.clone()).or_else(|| d.due.clone());
        let due: Option<DateTime<Utc>> = due_text
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let (held, missing) = case.checked();
        disputes.push(Due {
            held,
            missing,
            to_supply: case.to_supply(),
            urgent: due.is_some_and(|t| t - now <= within),
            time_left: due.map(|t| dispute::time_left(t, now)),
            order,
            platform: d.platform,
            reason: d.reason,
            case: d.case.clone(),
            opened_at: d.opened_at.clone(),
            stage: stage.map(|s| s.stage),
            due: due_text,
        });
    }
    // Soonest first; no recorded deadline last.
    disputes.sort_by_key(|d| {
        d.due
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    });
    let urgent = disputes.iter().filter(|d| d.urgent).count();
    ctx.out.report(&DueReport { disputes, urgent });
    Ok(if urgent > 0 {
        Exit::Attention
    } else {
        Exit::Success
    })
}

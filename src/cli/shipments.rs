//! `vault shipments [ORDER]`: each parcel's latest stage and what cron should alert on.

use std::io::{self, Write};
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;

use super::Ctx;
use crate::case::shipments::{self, Status};
use crate::cli::output::{Report, escape_str};
use crate::error::{Exit, Result};
use crate::store::order::OrderId;

/// Shipments: latest stage, last event, days since; flags delivered, exception, failed attempt,
/// returned and stale. Exits 4 when anything is flagged (for cron alerts)
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault shipments                       # every parcel: stage, last event, days since\n  vault --json shipments --stale-after 5d > s.json; [ $? -ne 4 ] || mail -s parcels ops@example.com < s.json"
)]
pub struct Args {
    /// Only this order [default: every order]
    #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
    pub order: Option<OrderId>,
    /// Flag a parcel with no carrier news for this long (e.g. 7d, 36h)
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = super::args::parse_duration)]
    pub stale_after: Duration,
    /// Flag a state change (delivered, exception, failed attempt, returned) while the snapshot
    /// that first showed it was filed no longer ago than this; a little more than the cron
    /// interval flags each change once
    #[arg(long, value_name = "DURATION", default_value = "36h", value_parser = super::args::parse_duration)]
    pub news_within: Duration,
}

#[derive(Serialize)]
pub struct ShipmentsReport {
    pub shipments: Vec<Status>,
    /// How many shipments carry a flag.
    pub attention: usize,
}

impl Report for ShipmentsReport {
    const COMMAND: &'static str = "shipments";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        for s in &self.shipments {
            if quiet && s.flags.is_empty() {
                continue;
            }
            let flags: Vec<String> = s
                .flags
                .iter()
                .map(|f| f.as_str().replace('_', " ").to_uppercase())
                .collect();
            writeln!(
                w,
                "{}  {} {}  {}  last {}{}  {}",
                s.order,
                escape_str(s.carrier.as_deref().unwrap_or("?")),
                escape_str(&s.number),
                s.latest_stage.map(|st| st.as_str()).unwrap_or("no events"),
                s.last_event_at
                    .as_deref()
                    .map_or_else(|| "-".into(), super::output::when),
                s.days_since_last_event
                    .map(|d| format!(" ({d} days ago)"))
                    .unwrap_or_default(),
                flags.join(" ")
            )?;
        }
        if !quiet && self.shipments.is_empty() {
            writeln!(
                w,
                "no shipments (register one with `vault track ORDER --carrier NAME --number TRACKING`)"
            )?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let orders = match args.order {
        Some(o) => {
            if !crate::ledger::path(&vault, &o).exists() {
                return Err(crate::error::Error::UnknownOrder {
                    order: o.to_string(),
                });
            }
            vec![o]
        }
        None => vault.orders()?.0,
    };
    let clock = shipments::Clock {
        now: Utc::now(),
        stale_after: args.stale_after,
        news_within: args.news_within,
    };
    let mut all = Vec::new();
    for o in &orders {
        all.extend(shipments::of_order(&vault, o, clock)?);
    }
    let attention = all.iter().filter(|s| !s.flags.is_empty()).count();
    ctx.out.report(&ShipmentsReport {
        shipments: all,
        attention,
    });
    Ok(if attention > 0 {
        Exit::Attention
    } else {
        Exit::Success
    })
}

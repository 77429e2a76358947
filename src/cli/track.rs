//! `vault track ORDER --carrier NAME --number TRACKING`: register a parcel of an order.

use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Ctx;
use crate::cli::output::{Report, escape_str};
use crate::error::{Exit, Result};
use crate::ledger::{Appender, Event, NewEntry, Shipment};
use crate::store::order::OrderId;

/// Register a shipment (carrier and tracking number) of an order; an order can have several
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault track 8123456789012345 --carrier cainiao --number LP00123456789012\n  vault track 8123456789012345 --carrier ups --number 1Z999AA10123456784 --shipped-at 2026-11-18T09:00:00+08:00"
)]
pub struct Args {
    #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
    pub order: OrderId,
    /// The carrier, e.g. cainiao, ups, china-post
    #[arg(long, value_name = "NAME", value_parser = parse_token)]
    pub carrier: String,
    /// The tracking number
    #[arg(long, value_name = "TRACKING", value_parser = parse_token)]
    pub number: String,
    /// When the parcel was handed to the carrier: RFC 3339 (2026-11-18T18:40:00+08:00) or a date
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub shipped_at: Option<String>,
    /// Who registers it [default: the OS user]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    #[command(flatten)]
    pub buyer: super::buyer::BuyerArgs,
}

fn parse_token(s: &str) -> std::result::Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.len() > 64 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("1-64 characters without spaces or control characters".into());
    }
    Ok(t.to_string())
}

fn parse_time(s: &str) -> std::result::Result<String, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.to_rfc3339());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        return Ok(d.format("%Y-%m-%d").to_string());
    }
    Err(format!(
        "{s:?} is neither RFC 3339 (2026-11-18T18:40:00+08:00) nor a date (2026-11-18)"
    ))
}

#[derive(Serialize)]
pub struct TrackReport {
    pub order: OrderId,
    pub carrier: String,
    pub number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<String>,
    /// `registered`, or `duplicate` when this carrier and number were already registered.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl Report for TrackReport {
    const COMMAND: &'static str = "track";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if quiet {
            return Ok(());
        }
        writeln!(
            w,
            "{:<10}  {}  {} {}",
            self.status,
            self.order,
            escape_str(&self.carrier),
            escape_str(&self.number)
        )
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault_to_append()?;
    let by = ctx.who(args.by)?;
    let mut app = Appender::open(&vault, &args.order)?;
    if let Some(w) = app.chain_warning() {
        ctx.out.warn(&w);
    }
    let known = app
        .ledger()
        .entries()
        .any(|e| matches!(&e.event, Event::Track { shipment } if shipment.number.eq_ignore_ascii_case(&args.number) && shipment.carrier.eq_ignore_ascii_case(&args.carrier)));
    let flag = args.buyer.stage(&vault, &mut app, &by)?;
    let seq = if known {
        app.commit()?;
        None
    } else {
        let e = app.push(NewEntry {
            at: Utc::now(),
            by,
            event: Event::Track {
                shipment: Shipment {
                    carrier: args.carrier.clone(),
                    number: args.number.clone(),
                    shipped_at: args.shipped_at.clone(),
                },
            },
            note: args.note,
        });
        app.commit()?;
        Some(e.seq)
    };
    ctx.out.report(&TrackReport {
        order: args.order,
        carrier: args.carrier,
        number: args.number,
        shipped_at: args.shipped_at,
        status: if known { "duplicate" } else { "registered" },
        seq,
    });
    super::buyer::warn_flagged(ctx, &flag);
    Ok(Exit::Success)
}

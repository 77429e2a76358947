//! `vault buyers [--flagged]`: every buyer the vault's orders name, with their orders, disputes,
//! outcomes and refunds, and whether the blacklist flags them.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Ctx;
use crate::buyers::{self, FlagEvent, Flags};
use crate::case::Case;
use crate::cli::output::{Report, escape_str};
use crate::dispute::stats::Tally;
use crate::error::{Exit, Result};
use crate::ledger::Ledger;
use crate::store::order::OrderId;

/// Buyers with their orders, disputes and refunds, and the blacklist
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault buyers\n  vault buyers --flagged\n  vault --json buyers | jq '.buyers[] | select(.disputes.refunded > 1)'"
)]
pub struct Args {
    /// Only the buyers the blacklist flags
    #[arg(long)]
    pub flagged: bool,
}

#[derive(Debug, Serialize)]
pub struct Buyer {
    /// The key hashed records name the buyer by.
    pub key: String,
    /// The platform's ID and the name, unless erased (`vault buyer forget`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub flagged: bool,
    /// The reason of the flag in force, or of the last unflag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub orders: Vec<OrderId>,
    /// The buyer's disputes: opened, outcomes, refunds per currency.
    pub disputes: Tally,
}

#[derive(Debug, Serialize)]
pub struct BuyersReport {
    pub buyers: Vec<Buyer>,
}

impl Report for BuyersReport {
    const COMMAND: &'static str = "buyers";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if self.buyers.is_empty() {
            return writeln!(
                w,
                "no buyers recorded (give --buyer ID to add, track or dispute open)"
            );
        }
        for b in &self.buyers {
            let who = match (&b.id, &b.name) {
                (Some(id), Some(n)) => format!("{} ({})", escape_str(id), escape_str(n)),
                (Some(id), None) => escape_str(id),
                _ => format!("{} (personal data erased)", b.key),
            };
            let t = &b.disputes;
            writeln!(
                w,
                "{}{who}  {} order(s), {} dispute(s): {} won, {} lost, {} refunded, {} partial{}",
                if b.flagged { "FLAGGED  " } else { "" },
                b.orders.len(),
                t.opened,
                t.won + t.withdrawn,
                t.lost,
                t.refunded,
                t.partial_refund,
                t.paid_back()
                    .map(|p| format!("; paid back {p}"))
                    .unwrap_or_default()
            )?;
            if !quiet && let Some(r) = &b.reason {
                writeln!(
                    w,
                    "    {}: {}",
                    if b.flagged { "flagged" } else { "unflagged" },
                    escape_str(r)
                )?;
            }
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let people = buyers::people(&vault)?;
    let flags = Flags::read(&vault)?;
    let latest = flags.latest();
    let mut by_key: BTreeMap<String, (Vec<OrderId>, Tally)> = BTreeMap::new();
    for order in vault.orders()?.0 {
        let case = Case::new(&vault, Ledger::read(&vault, &order)?);
        let Some(key) = case.buyer() else { continue };
        let (orders, tally) = by_key.entry(key.to_string()).or_default();
        orders.push(order.clone());
        for span in case.disputes() {
            let close = span.closed;
            tally.count(close.map(|c| c.outcome), close.and_then(|c| c.money()));
            tally.offered(&span.offers);
        }
    }
    // Having read every order, rewrite the buyers' order index (a cache the bundle's
    // earlier-orders lookup reads) from what the ledgers say.
    buyers::reindex(
        &vault,
        &by_key
            .iter()
            .map(|(k, (orders, _))| (k.clone(), orders.clone()))
            .collect(),
    );
    // Flagged buyers no order names yet (flagged by ID, or imported from another shop) too.
    for key in latest.keys() {
        by_key.entry((*key).to_string()).or_default();
    }
    let buyers = by_key
        .into_iter()
        .map(|(key, (orders, disputes))| {
            let person = people.get(&key);
            let flag = latest.get(key.as_str());
            Buyer {
                id: person.map(|p| p.id.clone()),
                name: person.and_then(|p| p.name.clone()),
                flagged: flag.is_some_and(|f| f.event == FlagEvent::Flag),
                reason: flag.map(|f| f.reason.clone()),
                key,
                orders,
                disputes,
            }
        })
        .filter(|b| !args.flagged || b.flagged)
        .collect();
    ctx.out.report(&BuyersReport { buyers });
    Ok(Exit::Success)
}

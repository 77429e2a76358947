//! `vault list`: every order with its item count, size and first/last activity.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

use super::Ctx;
use crate::cli::output::{Report, human_bytes};
use crate::error::{Exit, Result};
use crate::ledger::Ledger;
use crate::store::order::OrderId;
use crate::time::format_time;

/// List the orders in the vault
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault list\n  vault --json list | jq -r '.orders[].order'   # every order id, for scripts"
)]
pub struct Args {}

#[derive(Serialize)]
pub struct OrderSummary {
    pub order: OrderId,
    pub items: usize,
    pub bytes: u64,
    pub entries: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_activity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<String>,
    /// The ledger chain checks out (`vault verify` tells what is wrong when it does not).
    pub chain_intact: bool,
}

#[derive(Serialize)]
pub struct ListReport {
    pub orders: Vec<OrderSummary>,
}

impl Report for ListReport {
    const COMMAND: &'static str = "list";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        if self.orders.is_empty() {
            return writeln!(
                w,
                "no orders yet (add evidence with `vault add --order ORDER FILE...`)"
            );
        }
        writeln!(
            w,
            "{:<24}  {:>5}  {:>10}  {:<20}  LAST",
            "ORDER", "ITEMS", "SIZE", "FIRST"
        )?;
        for o in &self.orders {
            let t =
                |s: &Option<String>| s.as_deref().map_or_else(|| "-".into(), super::output::when);
            let flag = if o.chain_intact {
                ""
            } else {
                "  LEDGER BROKEN: run vault verify"
            };
            writeln!(
                w,
                "{:<24}  {:>5}  {:>10}  {:<20}  {}{flag}",
                o.order.as_str(),
                o.items,
                human_bytes(o.bytes),
                t(&o.first_activity),
                t(&o.last_activity),
            )?;
        }
        Ok(())
    }
}

pub fn run(_args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let (orders, _strays) = vault.orders()?;
    let summaries: Result<Vec<OrderSummary>> = orders
        .into_par_iter()
        .map(|order| {
            let ledger = Ledger::read(&vault, &order)?;
            let items: Vec<_> = ledger.items().collect();
            let times: Vec<_> = ledger.entries().map(|e| e.at).collect();
            Ok(OrderSummary {
                items: items.len(),
                bytes: items.iter().map(|(_, i)| i.size).sum(),
                entries: ledger.lines.len(),
                first_activity: times.iter().min().map(format_time),
                last_activity: times.iter().max().map(format_time),
                chain_intact: ledger.problems.is_empty(),
                order,
            })
        })
        .collect();
    let report = ListReport { orders: summaries? };
    ctx.out.report(&report);
    Ok(Exit::Success)
}

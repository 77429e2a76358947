//! `vault prepare [ORDER...]`: make the slow derived files (thumbnails, JPEGs of HEIC/AVIF photos)
//! ahead of the dispute, so that `bundle` is fast when the deadline runs.

use std::io::{self, Write};

use super::Ctx;
use crate::bundle::prepare::{self, PrepareReport};
use crate::cli::output::Report;
use crate::error::{Exit, Result};
use crate::store::order::OrderId;

/// Make thumbnails and HEIC/AVIF conversions ahead of time, so a bundle at the deadline is fast
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault prepare                     # every order: run from cron after add\n  vault prepare 8123456789012345    # one order\n  vault --json prepare | jq '.failed[] | .name + \": \" + .reason'"
)]
pub struct Args {
    /// The orders to prepare (default: every order)
    #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
    pub orders: Vec<OrderId>,
}

impl Report for PrepareReport {
    const COMMAND: &'static str = "prepare";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if quiet {
            return Ok(());
        }
        writeln!(
            w,
            "prepared {} photo(s) in {} order(s): {} made now, {} already cached, {} could not be decoded",
            self.photos,
            self.orders,
            self.made,
            self.cached,
            self.failed.len()
        )
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let orders = if args.orders.is_empty() {
        vault.orders()?.0
    } else {
        for o in &args.orders {
            // An unknown order is an error before anything is done.
            crate::case::Case::load(&vault, o)?;
        }
        args.orders
    };
    let bar = ctx.out.count_bar(0, "preparing photos");
    let report = prepare::run(&vault, &orders, &bar)?;
    let failed: Vec<(String, String)> = report
        .failed
        .iter()
        .map(|f| (format!("{} (order {})", f.name, f.order), f.reason.clone()))
        .collect();
    for (names, why) in crate::bundle::by_reason(&failed) {
        ctx.out.warn(&format!("no preview of {names}: {why}"));
    }
    ctx.out.report(&report);
    Ok(Exit::Success)
}

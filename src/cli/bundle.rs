//! `vault bundle ORDER`: build the order's evidence bundle, verify it, record it in the ledger.

use std::io::{self, Write};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::Ctx;
use crate::bundle::{self, Built};
use crate::error::{Error, Exit, Result};
use crate::order::OrderId;
use crate::output::{Report, escape_os, escape_str, human_bytes};

/// Build a verified evidence bundle (a zipped BagIt bag) of an order
///
/// With SOURCE_DATE_EPOCH set, bundles of the same evidence are byte-identical.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_name = "ORDER", value_parser = super::add::parse_order)]
    pub order: OrderId,
    /// Where to write the zip [default: ORDER-evidence-<UTC date>.zip in the current directory]
    #[arg(short, long, value_name = "FILE.zip")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists
    #[arg(long)]
    pub force: bool,
    /// Who is making the bundle, for the ledger [default: the OS user]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

impl Report for Built {
    const COMMAND: &'static str = "bundle";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        writeln!(w, "{}", escape_os(self.path.as_os_str()))?;
        if quiet {
            return Ok(());
        }
        writeln!(
            w,
            "  size     {} ({} bytes)",
            human_bytes(self.size),
            self.size
        )?;
        writeln!(w, "  sha256   {}", self.sha256)?;
        writeln!(
            w,
            "  contents {} original(s), {} thumbnail(s), ledger of {} entries; verified",
            self.originals, self.thumbnails, self.ledger_entries
        )?;
        for n in &self.notes {
            writeln!(w, "  note     {}", escape_str(n))?;
        }
        Ok(())
    }
}

/// The bundle's timestamp: `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when set, else now.
pub fn generated_at() -> Result<DateTime<Utc>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) if !s.trim().is_empty() => s
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "SOURCE_DATE_EPOCH={s:?} is not a number of seconds"
                ))
            }),
        _ => Ok(Utc::now()),
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let at = generated_at()?;
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(bundle::default_name(&args.order, &at)));
    let by = super::who(args.by)?;
    let opts = bundle::Options {
        output,
        generated_at: at,
        force: args.force,
        by,
    };
    let bar = ctx.out.bytes_bar(0, "bundling");
    let built = bundle::build(&vault, &args.order, &opts, &bar)?;
    for n in &built.notes {
        ctx.out.warn(n);
    }
    ctx.out.report(&built);
    Ok(Exit::Success)
}

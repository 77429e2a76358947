//! `vault stamp [ORDER...]`: RFC 3161 tokens for every order whose ledger changed since its last
//! stamp, one request per TSA (a Merkle tree of the changed heads), or one per order (`--direct`).

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use super::Ctx;
use crate::cli::output::Report;
use crate::error::{Error, Exit, Result};
use crate::stamp::{self, StampReport, Tsa};
use crate::store::Vault;
use crate::store::order::OrderId;

/// Time-stamp changed ledgers with a Time-Stamp Authority (RFC 3161); exit 4 when some are pending
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault stamp --tsa http://timestamp.digicert.com --save   # once: keep the TSA\n  vault stamp                           # hourly from cron: exit 4 while some are pending\n  vault stamp 8123456789012345 --direct # one order, checkable with openssl ts -verify"
)]
pub struct Args {
    /// Only these orders [default: every order]
    #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
    pub orders: Vec<OrderId>,
    #[command(flatten)]
    pub tsa: TsaArgs,
    /// Stamp each order's head on its own (one request per order), checkable with
    /// `openssl ts -verify -digest HEAD`
    #[arg(long)]
    pub direct: bool,
    /// Keep the --tsa given (with its --tsa-ca) in vault.json for later runs
    #[arg(long)]
    pub save: bool,
    /// Who stamps [default: the OS user]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

/// The TSAs to ask (shared by `add --stamp` and `bundle`).
#[derive(Debug, clap::Args)]
pub struct TsaArgs {
    /// A Time-Stamp Authority's URL (repeatable) [default: the `tsa` setting, else the TSAs saved
    /// in vault.json]
    #[arg(long, value_name = "URL")]
    pub tsa: Vec<String>,
    /// The root certificate (PEM) each --tsa chains to, in the same order (one for all, or none:
    /// the saved root, else the system's trust store)
    #[arg(long, value_name = "PEM")]
    pub tsa_ca: Vec<PathBuf>,
    /// Seconds to wait for each TSA
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub tsa_timeout: u64,
}

impl TsaArgs {
    /// The TSAs: those given, else those saved; none is a usage error naming how to set one.
    /// The TSAs to ask: `--tsa` (with `--tsa-ca`), else the `tsa` setting (each with the root
    /// saved for it in vault.json, else the system's), else those saved with `--save`.
    pub fn resolve(&self, vault: &Vault, settings: &crate::config::Settings) -> Result<Vec<Tsa>> {
        if self.tsa.is_empty() {
            if !self.tsa_ca.is_empty() {
                return Err(Error::Usage("--tsa-ca needs a --tsa".into()));
            }
            return stamp::default_tsas(vault, &settings.tsa());
        }
        if self.tsa_ca.len() > 1 && self.tsa_ca.len() != self.tsa.len() {
            return Err(Error::Usage(format!(
                "{} --tsa-ca for {} --tsa: give one for each TSA, in the same order (or one for all)",
                self.tsa_ca.len(),
                self.tsa.len()
            )));
        }
        self.tsa
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let ca = self
                    .tsa_ca
                    .get(i)
                    .or(self.tsa_ca.first().filter(|_| self.tsa_ca.len() == 1));
                stamp::tsa_from(vault, url, ca.map(|p| p.as_path()))
            })
            .collect()
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.tsa_timeout.max(1))
    }
}

impl Report for StampReport {
    const COMMAND: &'static str = "stamp";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        for t in &self.tsas {
            for f in &t.failures {
                writeln!(w, "failed ({}): {}", f.code, f.text)?;
            }
        }
        for s in &self.skipped {
            writeln!(w, "skipped {}: {}", s.order, s.why)?;
        }
        if quiet {
            return Ok(());
        }
        for t in &self.tsas {
            match &t.gen_time {
                Some(g) => writeln!(
                    w,
                    "{}: {} order(s) stamped at {g} in {} request(s){}",
                    t.url,
                    t.stamped,
                    t.requests,
                    if t.pending > 0 {
                        format!("; {} pending", t.pending)
                    } else {
                        String::new()
                    }
                )?,
                None if t.requests == 0 => writeln!(w, "{}: nothing new to stamp", t.url)?,
                None => writeln!(
                    w,
                    "{}: {} order(s) pending (the next run retries)",
                    t.url, t.pending
                )?,
            }
        }
        writeln!(
            w,
            "{} order(s) checked, {} already stamped through their last entry, {} pending",
            self.orders_checked, self.up_to_date, self.pending
        )
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let mut vault = ctx.open_vault_to_append()?;
    let tsas = args.tsa.resolve(&vault, ctx.settings()?)?;
    if tsas.is_empty() {
        return Err(Error::Usage(
            "no Time-Stamp Authority configured: run `vault stamp --tsa URL --tsa-ca ROOT.pem --save` once (e.g. --tsa http://timestamp.digicert.com)".into(),
        ));
    }
    if args.save {
        for (i, t) in tsas.iter().enumerate() {
            let from_system = args.tsa.tsa_ca.is_empty()
                || (args.tsa.tsa_ca.len() > 1 && args.tsa.tsa_ca.get(i).is_none());
            stamp::save(&mut vault, t, from_system)?;
        }
    }
    let bar = ctx.out.count_bar(0, "stamping");
    let report = stamp::stamp(
        &vault,
        &stamp::Options {
            tsas,
            orders: args.orders,
            direct: args.direct,
            timeout: args.tsa.timeout(),
            by: ctx.who(args.by)?,
        },
        &bar,
    )?;
    ctx.out.report(&report);
    Ok(if report.pending > 0 {
        Exit::Attention
    } else {
        Exit::Success
    })
}

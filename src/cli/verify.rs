//! `vault verify`: re-hash objects and check every ledger chain.

use std::io::{self, Write};

use super::Ctx;
use crate::cli::output::{Report, escape_os, human_bytes};
use crate::error::{Exit, Result};
use crate::store::order::OrderId;
use crate::verify::{self, VerifyReport};

/// Re-hash every object and check every ledger chain; exit 3 if anything is corrupt, missing or tampered
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault verify                          # everything: objects, chains, signatures, stamps\n  vault verify --order 8123456789012345 # one order\n  vault --json verify > verify.json || mail -s 'vault verify failed' ops@example.com < verify.json"
)]
pub struct Args {
    /// Check only this order's ledger and the objects it names
    #[arg(long, value_name = "ORDER", value_parser = super::args::parse_order)]
    pub order: Option<OrderId>,
}

impl Report for VerifyReport {
    const COMMAND: &'static str = "verify";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        for p in &self.problems {
            let order = p.order.as_ref().map(|o| o.as_str()).unwrap_or("-");
            let line = p.line.map(|l| format!("line {l}")).unwrap_or("-".into());
            writeln!(
                w,
                "{:<10}  {order}  {line}  {}  {}",
                format!("{:?}", p.kind).to_lowercase(),
                escape_os(p.path.as_os_str()),
                p.what
            )?;
        }
        if quiet {
            return Ok(());
        }
        if !self.unreferenced.is_empty() {
            writeln!(
                w,
                "note: {} object(s) no order files (an interrupted add? run it again): {}",
                self.unreferenced.len(),
                self.unreferenced
                    .iter()
                    .take(5)
                    .map(|u| u.sha256.short())
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        for i in &self.interrupted_appends {
            writeln!(
                w,
                "note: order {}: the ledger ends in {} bytes of an interrupted append (not recorded; the next add removes them)",
                i.order, i.bytes
            )?;
        }
        let verdict = if self.is_clean() {
            "OK".to_string()
        } else {
            format!("FAILED: {} problem(s)", self.problems.len())
        };
        writeln!(
            w,
            "{verdict}: {} order(s), {} ledger entries, {} object(s), {} checked",
            self.orders_checked,
            self.entries_checked,
            self.objects_checked,
            human_bytes(self.bytes_checked)
        )?;
        self.trust_lines(w)
    }
}

/// `entry 4` or `entries 4-7` (sequence numbers, as `show` prints them).
fn span(from: u64, to: u64) -> String {
    if from == to {
        format!("entry {from}")
    } else {
        format!("entries {from}-{to}")
    }
}

/// How far ledgers are signed: per order when one was checked, else a tally.
trait TrustLines {
    fn trust_lines(&self, w: &mut dyn Write) -> io::Result<()>;
}

impl TrustLines for VerifyReport {
    fn trust_lines(&self, w: &mut dyn Write) -> io::Result<()> {
        if self.keys.is_empty() && self.trust.iter().all(|t| t.signed_through.is_none()) {
            writeln!(
                w,
                "note: not signed: this vault has no signing key (`vault key generate`)"
            )?;
        }
        if self.order.is_some() {
            for t in &self.trust {
                let last = t.entries.saturating_sub(1);
                match t.signed_through {
                    Some(s) => {
                        write!(
                            w,
                            "order {}: signed through entry {s} by key {}",
                            t.order,
                            t.signed_by.join(", ")
                        )?;
                        if s < last {
                            write!(w, "; {} not signed", span(s + 1, last))?;
                        }
                        writeln!(w)?;
                    }
                    None => writeln!(w, "order {}: not signed", t.order)?,
                }
                for st in &t.stamps {
                    writeln!(
                        w,
                        "order {}: stamped through entry {} at {} by TSA {} ({})",
                        t.order, st.through_seq, st.gen_time, st.tsa, st.tsa_name
                    )?;
                }
                let evidence = t.last_evidence.unwrap_or(last);
                match t.stamped_through {
                    Some(s) if s < evidence => writeln!(
                        w,
                        "order {}: {} not yet stamped",
                        t.order,
                        span(s + 1, evidence)
                    )?,
                    None => writeln!(w, "order {}: not yet stamped", t.order)?,
                    _ => {}
                }
            }
            return Ok(());
        }
        let whole = self
            .trust
            .iter()
            .filter(|t| t.signed_through.is_some_and(|s| s + 1 >= t.entries))
            .count();
        if !self.keys.is_empty() {
            writeln!(
                w,
                "signatures: {whole} of {} order(s) signed through their last entry (keys: {})",
                self.trust.len(),
                self.keys.join(", ")
            )?;
        }
        let stamped = self
            .trust
            .iter()
            .filter(|t| t.stamped_through.is_some())
            .count();
        writeln!(
            w,
            "stamps: {stamped} of {} order(s) dated by an RFC 3161 token (`vault stamp`)",
            self.trust.len()
        )
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let bar = ctx.out.bytes_bar(0, "verifying");
    let report = verify::verify(&vault, args.order.as_ref(), &bar)?;
    ctx.out.report(&report);
    Ok(if report.is_clean() {
        Exit::Success
    } else {
        Exit::Integrity
    })
}

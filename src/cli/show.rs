//! `vault show ORDER`: an order's items and its ledger, oldest first.

use std::io::{self, Write};

use serde::Serialize;

use super::Ctx;
use crate::digest::Digest;
use crate::error::{Error, Exit, Result};
use crate::ledger::{Entry, Event, Ledger, format_time};
use crate::media::Kind;
use crate::order::OrderId;
use crate::output::{Report, escape_str, human_bytes};

/// Show an order's items and ledger
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_name = "ORDER", value_parser = super::add::parse_order)]
    pub order: OrderId,
}

#[derive(Serialize)]
pub struct ShownItem {
    pub order: OrderId,
    pub sha256: Digest,
    pub size: u64,
    pub kind: Kind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_bytes_hex: Option<String>,
    pub media_type: String,
    pub status: &'static str,
    pub added_at: String,
    pub by: String,
    pub note: Option<String>,
    /// The ledger sequence number of the entry that added it.
    pub seq: u64,
}

#[derive(Serialize)]
pub struct ShownEntry {
    /// SHA-256 of this ledger line: the next entry's `prev`.
    pub hash: Digest,
    #[serde(flatten)]
    pub entry: Entry,
}

#[derive(Serialize)]
pub struct ChainStatus {
    pub intact: bool,
    pub entries: usize,
    pub head: Option<Digest>,
    pub problems: Vec<String>,
}

#[derive(Serialize)]
pub struct ShowReport {
    pub order: OrderId,
    pub items: Vec<ShownItem>,
    pub ledger: Vec<ShownEntry>,
    pub chain: ChainStatus,
}

impl Report for ShowReport {
    const COMMAND: &'static str = "show";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        let bytes: u64 = self.items.iter().map(|i| i.size).sum();
        let chain = if self.chain.intact {
            "chain intact".to_string()
        } else {
            format!(
                "CHAIN BROKEN ({} problems): run vault verify",
                self.chain.problems.len()
            )
        };
        writeln!(
            w,
            "order {}: {} items, {}; ledger {} entries, {chain}",
            self.order,
            self.items.len(),
            human_bytes(bytes),
            self.chain.entries
        )?;
        if !self.items.is_empty() {
            writeln!(w, "\nitems")?;
            for i in &self.items {
                writeln!(
                    w,
                    "  {:>3}  {:<8}  {:>9}  {}  {}  {}  {}",
                    i.seq,
                    i.kind.as_str(),
                    human_bytes(i.size),
                    i.sha256.short(),
                    crate::cli::list::short_time(&i.added_at),
                    escape_str(&i.by),
                    escape_str(&i.name),
                )?;
                if let Some(n) = &i.note {
                    writeln!(w, "       note: {}", escape_str(n))?;
                }
            }
        }
        writeln!(w, "\nledger")?;
        for e in &self.ledger {
            let what = match &e.entry.event {
                Event::Add { item } => format!(
                    "add {} {} ({})",
                    item.kind,
                    escape_str(&item.name),
                    item.sha256.short()
                ),
                Event::Bundle { bundle } => format!(
                    "bundle {} ({}, {} entries)",
                    escape_str(&bundle.file),
                    bundle.sha256.short(),
                    bundle.ledger_entries
                ),
            };
            writeln!(
                w,
                "  {:>3}  {}  {}  {what}  [{}]",
                e.entry.seq,
                format_time(&e.entry.at),
                escape_str(&e.entry.by),
                e.hash.short()
            )?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    if !vault.ledger_path(&args.order).exists() {
        return Err(Error::UnknownOrder {
            order: args.order.to_string(),
        });
    }
    let ledger = Ledger::read(&vault, &args.order)?;
    let items = ledger
        .items()
        .map(|(e, i)| ShownItem {
            order: args.order.clone(),
            sha256: i.sha256,
            size: i.size,
            kind: i.kind,
            name: i.name.clone(),
            name_bytes_hex: i.name_bytes_hex.clone(),
            media_type: i.media_type.clone(),
            status: "added",
            added_at: format_time(&e.at),
            by: e.by.clone(),
            note: e.note.clone(),
            seq: e.seq,
        })
        .collect();
    let entries = ledger
        .lines
        .iter()
        .filter_map(|l| {
            l.entry.as_ref().ok().map(|e| ShownEntry {
                hash: l.hash,
                entry: e.clone(),
            })
        })
        .collect();
    let problems: Vec<String> = ledger
        .problems
        .iter()
        .map(|p| format!("line {}: {}", p.line, p.what))
        .collect();
    for p in &problems {
        ctx.out.warn(&format!("ledger of {}: {p}", args.order));
    }
    let report = ShowReport {
        order: args.order,
        items,
        ledger: entries,
        chain: ChainStatus {
            intact: problems.is_empty(),
            entries: ledger.lines.len(),
            head: ledger.head,
            problems,
        },
    };
    ctx.out.report(&report);
    Ok(if report.chain.intact {
        Exit::Success
    } else {
        Exit::Integrity
    })
}

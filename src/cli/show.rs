//! `vault show ORDER`: an order's items and its ledger, oldest first.

use std::io::{self, Write};

use serde::Serialize;

use super::Ctx;
use crate::case::Case;
use crate::cli::output::{Report, escape_str, human_bytes};
use crate::digest::Digest;
use crate::error::{Exit, Result};
use crate::ledger::{Entry, Event};
use crate::store::order::OrderId;
use crate::time::format_time;

/// Show an order's items and ledger
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault show 8123456789012345\n  vault --json show 8123456789012345 | jq '.timeline'   # the carrier's events"
)]
pub struct Args {
    #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
    pub order: OrderId,
}

#[derive(Serialize)]
pub struct ShownItem {
    #[serde(flatten)]
    pub facts: crate::ledger::ItemFacts,
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
    /// Every tracking event of the order's snapshots, merged and de-duplicated, oldest first.
    pub timeline: Vec<crate::evidence::tracking::TimelineEvent>,
    pub ledger: Vec<ShownEntry>,
    pub chain: ChainStatus,
}

impl Report for ShowReport {
    const COMMAND: &'static str = "show";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        self.headline(w)?;
        if !self.items.is_empty() {
            writeln!(w, "\nitems")?;
            for i in &self.items {
                item_lines(w, i)?;
            }
        }
        if !self.timeline.is_empty() {
            writeln!(w, "\ntracking")?;
            for t in &self.timeline {
                timeline_line(w, t)?;
            }
        }
        writeln!(w, "\nledger")?;
        for e in &self.ledger {
            ledger_line(w, e)?;
        }
        Ok(())
    }
}

impl ShowReport {
    /// `order O: N items, SIZE; ledger N entries, chain intact`
    fn headline(&self, w: &mut dyn Write) -> io::Result<()> {
        let bytes: u64 = self.items.iter().map(|i| i.facts.size).sum();
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
        )
    }
}

/// One item: its line, then what its file says (media, warnings, tracking, chat) and its note.
fn item_lines(w: &mut dyn Write, i: &ShownItem) -> io::Result<()> {
    writeln!(
        w,
        "  {:>3}  {:<8}  {:>9}  {}  {}  {}  {}",
        i.seq,
        i.facts.kind.as_str(),
        human_bytes(i.facts.size),
        i.facts.sha256.short(),
        crate::time::short_time(&i.added_at),
        escape_str(&i.by),
        escape_str(&i.facts.name),
    )?;
    if let Some(m) = &i.facts.media {
        let facts = media_facts(m);
        if !facts.is_empty() {
            writeln!(w, "       {}", facts.join(", "))?;
        }
    }
    for warning in &i.facts.warnings {
        writeln!(w, "       warning: {}", escape_str(warning))?;
    }
    if let Some(t) = &i.facts.tracking {
        writeln!(
            w,
            "       {} {}: {} events{}",
            t.format,
            t.number.as_deref().map(escape_str).unwrap_or_default(),
            t.events,
            t.delivered_at
                .as_deref()
                .map(|d| format!(", delivered {}", super::output::when(d)))
                .unwrap_or_default()
                + &t.tz_assumed
                    .as_deref()
                    .map(|z| format!(" (local times, zone assumed {z})"))
                    .unwrap_or_default()
        )?;
    }
    if let Some(c) = &i.facts.chat {
        writeln!(
            w,
            "       {}: {} messages from {}, {} to {}{}",
            c.format,
            c.messages,
            c.participants
                .iter()
                .map(|p| escape_str(p))
                .collect::<Vec<_>>()
                .join(", "),
            c.first
                .as_deref()
                .map_or_else(|| "-".into(), super::output::when),
            c.last
                .as_deref()
                .map_or_else(|| "-".into(), super::output::when),
            c.tz_assumed
                .as_deref()
                .map(|z| format!(" (local times, zone assumed {z})"))
                .unwrap_or_default()
        )?;
    }
    if let Some(n) = &i.note {
        writeln!(w, "       note: {}", escape_str(n))?;
    }
    Ok(())
}

/// What a photo or video says about itself: capture time, camera, size, duration, GPS.
fn media_facts(m: &crate::evidence::metadata::MediaInfo) -> Vec<String> {
    let mut facts = Vec::new();
    if let Some(c) = &m.captured_at {
        let zone = if m.captured_at_naive {
            " (camera's local time, zone unknown)"
        } else {
            ""
        };
        facts.push(format!("captured {}{zone}", super::output::when(c)));
    }
    if let Some(c) = &m.camera {
        facts.push(escape_str(c));
    }
    if let (Some(wd), Some(ht)) = (m.width, m.height) {
        facts.push(format!("{wd}x{ht}"));
    }
    if let Some(d) = m.duration_s {
        facts.push(format!("{d:.1} s"));
    }
    if let Some(g) = m.gps {
        facts.push(format!("GPS {:.5},{:.5}", g.lat, g.lon));
    }
    facts
}

fn timeline_line(
    w: &mut dyn Write,
    t: &crate::evidence::tracking::TimelineEvent,
) -> io::Result<()> {
    let e = &t.event;
    let zone = if e.time_naive() { " (local)" } else { "" };
    writeln!(
        w,
        "  {}{zone}  {:<16}  {}{}",
        super::output::when(e.time.as_str()),
        e.stage.as_str(),
        escape_str(&e.description),
        e.location
            .as_deref()
            .map(|l| format!(" ({})", escape_str(l)))
            .unwrap_or_default()
    )
}

fn ledger_line(w: &mut dyn Write, e: &ShownEntry) -> io::Result<()> {
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
        Event::Track { shipment } => format!(
            "track {} {}{}",
            escape_str(&shipment.carrier),
            escape_str(&shipment.number),
            shipment
                .shipped_at
                .as_deref()
                .map(|t| format!(" shipped {t}"))
                .unwrap_or_default()
        ),
        other => other
            .summary(crate::cli::output::zone().as_ref())
            .map(|d| escape_str(&d))
            .unwrap_or_default(),
    };
    writeln!(
        w,
        "  {:>3}  {}  {}  {what}  [{}]",
        e.entry.seq,
        super::output::when(&format_time(&e.entry.at)),
        escape_str(&e.entry.by),
        e.hash.short()
    )
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault()?;
    let case = Case::load(&vault, &args.order)?;
    let ledger = case.ledger();
    let items = case
        .items()
        .map(|(e, i)| ShownItem {
            facts: i.facts(&args.order, case.item_warnings(e, i)),
            status: "added",
            added_at: format_time(&e.at),
            by: e.by.clone(),
            note: e.note.clone(),
            seq: e.seq,
        })
        .collect();
    // Tracking events are derived: re-read from the snapshots, in the order they were added.
    let timeline = case.timeline().to_vec();
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
        timeline,
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

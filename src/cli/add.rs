//! `vault add`: file evidence under an order.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use regex::Regex;

use super::Ctx;
use crate::cli::output::{Report, escape_os, escape_str, human_bytes};
use crate::error::{Error, Exit, Result};
use crate::evidence::kind::Kind;
use crate::ingest::{self, AddReport, Input, Options, Status, Target};
use crate::store::order::OrderId;

/// File photos, videos, tracking snapshots and chat exports under an order
///
/// Directories are walked in sorted order; symbolic links and hidden files inside them are skipped
/// and listed. `-` reads one item from standard input (give it a --name).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault add --order 8123456789012345 IMG_0001.jpg IMG_0002.jpg\n  curl -s $API | vault add --order 8123456789012345 --kind tracking --name 17track.json -\n  vault add --order-from '^(\\d{16})/' --move /srv/drop"
)]
pub struct Args {
    /// The order to file everything under
    #[arg(long, value_name = "ORDER", value_parser = super::args::parse_order,
          required_unless_present = "order_from", conflicts_with = "order_from")]
    pub order: Option<OrderId>,
    /// Take each file's order from the first capture group of REGEX matched against its path
    /// relative to the directory given
    #[arg(long, value_name = "REGEX", value_parser = parse_order_regex)]
    pub order_from: Option<Regex>,
    /// The kind, instead of detecting it from content
    #[arg(long, value_parser = clap::value_parser!(Kind))]
    pub kind: Option<Kind>,
    /// A note recorded with each item
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Who is adding [default: the OS user]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Remove each source file once it is stored, re-read and recorded in the ledger
    #[arg(long = "move")]
    pub move_sources: bool,
    /// Leave files modified more recently than this alone (still being copied into a drop folder):
    /// e.g. 60s, 5m
    #[arg(long, value_name = "DURATION", value_parser = super::args::parse_duration)]
    pub min_age: Option<std::time::Duration>,
    /// Read chat exports as this format instead of detecting it
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::evidence::chat::Format>,
    /// Day/month order of WhatsApp dates, instead of deciding it from the whole file (the
    /// `date-order` setting is used only where the file does not decide)
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<crate::evidence::chat::DateOrder>,
    /// The zone to assume for chat and carrier times written without one: an IANA name
    /// (Asia/Shanghai) or an offset (+08:00) [default: the `timezone` setting, else this machine's]
    #[arg(long, value_name = "ZONE", value_parser = crate::config::Zone::parse)]
    pub tz: Option<crate::config::Zone>,
    /// Treat warnings (an export that cannot be parsed, a suspicious capture time) as errors:
    /// exit 1; exit 4 when the order's buyer (--buyer) is on the blacklist; the items are stored
    /// all the same
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub buyer: super::buyer::BuyerArgs,
    /// The file name to record for standard input (`-`)
    #[arg(long, value_name = "NAME")]
    pub name: Option<OsString>,
    /// Time-stamp the orders just filed (RFC 3161) with the saved TSAs or --tsa; offline, they
    /// stay pending for `vault stamp` (exit 4)
    #[arg(long)]
    pub stamp: bool,
    #[command(flatten)]
    pub tsa: super::stamp::TsaArgs,
    /// Files and directories; `-` for standard input
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

fn parse_order_regex(s: &str) -> std::result::Result<Regex, String> {
    let re = Regex::new(s).map_err(|e| e.to_string())?;
    if re.captures_len() < 2 {
        return Err("the regex needs a capture group for the order, e.g. '^(\\d{16})/'".into());
    }
    Ok(re)
}

/// What `add` prints: the items, and with `--stamp` what stamping them did.
#[derive(serde::Serialize)]
pub struct AddOut {
    #[serde(flatten)]
    pub report: AddReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamp: Option<crate::stamp::StampReport>,
}

impl Report for AddOut {
    const COMMAND: &'static str = "add";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        self.report.human(w, quiet)?;
        if let Some(s) = &self.stamp {
            s.human(w, quiet)?;
        }
        Ok(())
    }
}

impl Report for AddReport {
    const COMMAND: &'static str = "add";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if quiet {
            return Ok(());
        }
        for i in &self.items {
            let status = match i.status {
                Status::Added => "added",
                Status::Duplicate => "duplicate",
            };
            let moved = if i.moved { "  (moved)" } else { "" };
            writeln!(
                w,
                "{status:<9}  {}  {:<8}  {:>9}  {}  {}{moved}",
                i.facts.order,
                i.facts.kind.as_str(),
                human_bytes(i.facts.size),
                i.facts.sha256.short(),
                escape_os(&i.raw_name),
            )?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let inputs = inputs(&args)?;
    let by = ctx.who(args.by)?;
    if args.buyer.buyer.is_some() && args.order.is_none() {
        return Err(Error::Usage(
            "--buyer names one order's buyer: give it with --order, not --order-from".into(),
        ));
    }
    let buyer_order = args.order.clone();
    let target = match (args.order, args.order_from) {
        (Some(o), _) => Target::Order(o),
        (None, Some(re)) => Target::OrderFrom(re),
        (None, None) => unreachable!("clap requires --order or --order-from"),
    };
    let vault = ctx.open_vault_to_append()?;
    // The TSAs first: a --stamp that cannot stamp is a usage error before anything is filed.
    let tsas = if args.stamp {
        let t = args.tsa.resolve(&vault, ctx.settings()?)?;
        if t.is_empty() {
            return Err(Error::Usage(
                "--stamp needs a Time-Stamp Authority: --tsa URL --tsa-ca ROOT.pem, or save one with `vault stamp --tsa URL --tsa-ca ROOT.pem --save`".into(),
            ));
        }
        t
    } else {
        Vec::new()
    };
    let plan = ingest::plan(&vault, &inputs, &target, args.min_age)?;
    let opts = Options {
        kind: args.kind,
        chat: crate::evidence::chat::ParseOptions {
            format: args.format,
            date_order: args.date_order,
            undecided_order: ctx.settings()?.date_order(),
            year: None,
        },
        tz: args.tz.or(ctx.settings()?.timezone()),
        note: args.note,
        by,
        move_sources: args.move_sources,
    };
    let big = plan.file_count() > 20 || plan.total_bytes() > 256 << 20;
    let bar = if big {
        ctx.out.bytes_bar(plan.total_bytes(), "adding")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let report = ingest::run(&vault, plan, &opts, &bar);
    diagnostics(ctx, &report);
    let flag = match &buyer_order {
        Some(order) => args.buyer.record(&vault, order, &opts.by)?,
        None => None,
    };
    super::buyer::warn_flagged(ctx, &flag);
    let stamp = if args.stamp {
        let mut orders: Vec<OrderId> = report
            .items
            .iter()
            .filter(|i| i.status == Status::Added)
            .map(|i| i.facts.order.clone())
            .collect();
        orders.sort();
        orders.dedup();
        if orders.is_empty() {
            None
        } else {
            Some(crate::stamp::stamp(
                &vault,
                &crate::stamp::Options {
                    tsas,
                    // One order: its head on its own, checkable with `openssl ts -verify -digest`.
                    direct: orders.len() == 1,
                    orders,
                    timeout: args.tsa.timeout(),
                    by: opts.by.clone(),
                },
                &indicatif::ProgressBar::hidden(),
            )?)
        }
    } else {
        None
    };
    let pending = stamp.as_ref().is_some_and(|s| s.pending > 0);
    let report = AddOut { report, stamp };
    ctx.out.report(&report);
    let report = report.report;
    let added = report
        .items
        .iter()
        .filter(|i| i.status == Status::Added)
        .count();
    ctx.out.note(&format!(
        "{added} added, {} duplicate, {} skipped, {} unmatched, {} failed ({})",
        report.items.len() - added,
        report.skipped.len(),
        report.unmatched.len(),
        report.failed.len(),
        vault.root().display()
    ));
    let strict_failure = args.strict && !report.warnings.is_empty();
    Ok(if !report.failed.is_empty() || strict_failure {
        Exit::Error
    } else if pending || (args.strict && flag.is_some()) {
        Exit::Attention
    } else {
        Exit::Success
    })
}

/// The inputs named on the command line; `-` (standard input, at most once) needs `--name`, a
/// plain file name, and `--name` needs `-`.
fn inputs(args: &Args) -> Result<Vec<Input>> {
    let stdin_count = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        return Err(Error::Usage(
            "`-` (standard input) can be given only once".into(),
        ));
    }
    let name = match (&args.name, stdin_count) {
        (None, 1) => {
            return Err(Error::Usage(
                "reading standard input (`-`) needs --name NAME, the file name to record".into(),
            ));
        }
        (Some(_), 0) => {
            return Err(Error::Usage(
                "--name is only for standard input (`-`)".into(),
            ));
        }
        (name, _) => name,
    };
    if let Some(name) = name {
        let s = name.to_string_lossy();
        if s.is_empty() || s.contains('/') || s == "." || s == ".." {
            return Err(Error::Usage(format!(
                "--name must be a plain file name, not {:?}",
                escape_str(&s)
            )));
        }
    }
    Ok(args
        .paths
        .iter()
        .map(|p| match name {
            Some(name) if p.as_os_str() == "-" => Input::Stdin { name: name.clone() },
            _ => Input::Path(p.clone()),
        })
        .collect())
}

/// Skipped, unmatched, warned and failed inputs, on stderr, names escaped for a terminal.
fn diagnostics(ctx: &Ctx, report: &ingest::AddReport) {
    for s in &report.skipped {
        ctx.out.note(&format!(
            "skipped {}: {}",
            escape_os(s.path.as_os_str()),
            s.reason
        ));
    }
    for u in &report.unmatched {
        ctx.out.note(&format!(
            "no order in path, left alone: {}",
            escape_os(u.path.as_os_str())
        ));
    }
    for w in report.warnings.iter() {
        ctx.out.warn(&match &w.path {
            Some(p) => format!("{}: {}", escape_os(p.as_os_str()), escape_str(&w.text)),
            None => escape_str(&w.text),
        });
    }
    for f in &report.failed {
        ctx.out
            .fail(&format!("{}: {}", escape_os(f.path.as_os_str()), f.error));
    }
}

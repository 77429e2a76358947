//! `vault bundle ORDER`: build the order's evidence bundle, verify it, record it in the ledger.

use std::io::{self, Write};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::Ctx;
use crate::bundle::{self, Built};
use crate::cli::output::{Report, escape_os, escape_str, human_bytes};
use crate::dispute::Platform;
use crate::dispute::profile::Profile;
use crate::error::{Error, Exit, Result};
use crate::render::summary::text::FontSources;
use crate::store::order::OrderId;

/// Build a verified evidence bundle (a zipped BagIt bag) of an order
///
/// With SOURCE_DATE_EPOCH set, bundles of the same evidence are byte-identical.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault bundle 8123456789012345                     # ORDER-evidence-DATE.zip, verified\n  vault bundle 8123456789012345 --platform stripe   # plus data/upload/ for Stripe's form\n  vault bundle 8123456789012345 -o /tmp/case.zip --force"
)]
pub struct Args {
    #[arg(value_name = "ORDER", value_parser = super::args::parse_order)]
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
    /// Add data/upload/: files ready for this platform's dispute form, within its limits
    /// [default: the `platform` setting]
    #[arg(long, value_enum, value_name = "PLATFORM")]
    pub platform: Option<Platform>,
    /// With --platform: a JSON file overriding the platform's limits (docs/platforms.md)
    /// [default: the `profile.PLATFORM` setting, else profiles/PLATFORM.json in the vault, if there]
    #[arg(long, value_name = "FILE", requires = "platform")]
    pub profile: Option<PathBuf>,
    /// With --platform: the seller's statement, for the summary's cover page and the form's text
    /// box [default: one drafted from what the order holds, in data/upload/statement.txt]
    #[arg(long, value_name = "TEXT", requires = "platform")]
    pub statement: Option<String>,
    /// With --platform: the statement from a UTF-8 text file (the drafted one, edited)
    #[arg(
        long,
        value_name = "FILE",
        requires = "platform",
        conflicts_with = "statement"
    )]
    pub statement_file: Option<PathBuf>,
    /// With --platform: a folder of fonts (.ttf, .otf, .ttc) for the summary's scripts that the
    /// embedded font lacks, looked in before the system's fonts; repeatable [also: the `fonts`
    /// setting]
    #[arg(long, value_name = "DIR", requires = "platform")]
    pub font: Vec<PathBuf>,
    /// The shop's zone, for the times people read in report.html and the summary (each also in
    /// UTC): an IANA name (Asia/Shanghai) or an offset (+08:00) [default: the `timezone` setting,
    /// else UTC alone]
    #[arg(long, value_name = "ZONE", value_parser = crate::config::Zone::parse)]
    pub tz: Option<crate::config::Zone>,
    /// Do not time-stamp the order's head first (by default, with TSAs saved in vault.json, the
    /// head is stamped on its own so that the bag carries a token for every entry)
    #[arg(long)]
    pub no_stamp: bool,
}

/// What `bundle` prints: the bundle, and what stamping the order's head first did.
#[derive(serde::Serialize)]
pub struct BundleOut {
    #[serde(flatten)]
    pub built: Built,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamp: Option<crate::stamp::StampReport>,
}

impl Report for BundleOut {
    const COMMAND: &'static str = "bundle";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        self.built.human(w, quiet)
    }
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
        match (&self.signed_by, &self.signature) {
            (Some(k), Some(sig)) => writeln!(
                w,
                "  signed   by key {k}; the zip's signature: {}",
                escape_os(sig.as_os_str())
            )?,
            _ => writeln!(
                w,
                "  signed   no: the vault has no signing key (`vault key generate`)"
            )?,
        }
        writeln!(w, "  stamps   {} RFC 3161 token(s) carried", self.stamps)?;
        for n in &self.notes {
            writeln!(w, "  note     {}", escape_str(n))?;
        }
        if let Some(d) = &self.dispute {
            writeln!(
                w,
                "  dispute  {} ({}){}",
                d.platform.as_str(),
                d.reason.as_str(),
                d.due
                    .as_deref()
                    .map(|t| format!(", answer due {}", crate::cli::output::when(t)))
                    .unwrap_or_default()
            )?;
            for h in &d.held {
                writeln!(w, "  held     {}", escape_str(h))?;
            }
            for m in &d.missing {
                writeln!(w, "  missing  {}", escape_str(&m.text))?;
            }
        }
        if let Some(u) = &self.upload {
            writeln!(
                w,
                "  upload   {} file(s) for {}, {} in all",
                u.files.len(),
                u.platform.as_str(),
                human_bytes(u.total_bytes)
            )?;
            for c in &u.checklist.0 {
                writeln!(w, "    [ ] {}", escape_str(&c.text))?;
            }
            for s in &u.shrunk {
                writeln!(w, "  shrunk   {}", escape_str(s))?;
            }
            for d in &u.dropped {
                writeln!(w, "  dropped  {}", escape_str(d))?;
            }
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

/// A statement file: UTF-8 text of at most 64 KiB (a form's text box takes far less).
fn read_statement(path: &std::path::Path) -> Result<String> {
    const MAX: u64 = 64 << 10;
    let bad = |what: String| Error::BadInput {
        path: path.to_path_buf(),
        what,
        hint: "give the statement as a UTF-8 text file (data/upload/statement.txt of an earlier \
               bundle, edited)"
            .into(),
    };
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = crate::bounded::read_at_most(file, MAX).map_err(bad)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        bad(format!(
            "not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let text = text.trim_start_matches('\u{feff}').trim().to_string();
    if text.is_empty() {
        return Err(bad("empty".into()));
    }
    Ok(text)
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let vault = ctx.open_vault_to_append()?;
    let at = generated_at()?;
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(bundle::default_name(&args.order, &at)));
    let by = ctx.who(args.by)?;
    let settings = ctx.settings()?;
    let upload = match args.platform.or(settings.platform()) {
        Some(p) => Some(bundle::upload::Request {
            profile: Profile::load(
                p,
                args.profile.or_else(|| settings.profile(p)).as_deref(),
                vault.root(),
            )?,
            statement: match &args.statement_file {
                Some(f) => Some(read_statement(f)?),
                None => args.statement,
            },
            fonts: FontSources {
                dirs: args.font.iter().cloned().chain(settings.fonts()).collect(),
                system: true,
            },
        }),
        None => None,
    };
    let opts = bundle::Options {
        output,
        generated_at: at,
        force: args.force,
        by,
        upload,
        zone: args.tz.or(settings.timezone()),
    };
    let stamp = stamp_head(&vault, &args.order, args.no_stamp, &opts.by, ctx)?;
    let bar = ctx.out.bytes_bar(0, "bundling");
    let built = bundle::build(&vault, &args.order, &opts, &bar)?;
    for n in &built.notes {
        ctx.out.warn(n);
    }
    if let (Some(d), None) = (&built.dispute, &built.upload) {
        ctx.out.note(&format!(
            "hint: the order has an open {} dispute; `vault bundle {} --platform {}` adds files \
             ready for its form (data/upload/)",
            d.platform.as_str(),
            args.order,
            d.platform.as_str()
        ));
    }
    ctx.out.report(&BundleOut { built, stamp });
    Ok(Exit::Success)
}

/// With TSAs saved in vault.json, stamp the order's head on its own before bundling, if it is not
/// stamped through its last entry yet. A TSA that fails is a warning: the bundle is made anyway.
fn stamp_head(
    vault: &crate::store::Vault,
    order: &OrderId,
    skip: bool,
    by: &str,
    ctx: &Ctx,
) -> Result<Option<crate::stamp::StampReport>> {
    let urls = ctx.settings()?.tsa();
    if skip
        || (vault.meta().tsa.is_empty() && urls.is_empty())
        || vault.read_ledger(order)?.is_none()
    {
        return Ok(None);
    }
    let report = crate::stamp::stamp(
        vault,
        &crate::stamp::Options {
            tsas: crate::stamp::default_tsas(vault, &urls)?,
            orders: vec![order.clone()],
            direct: true,
            timeout: std::time::Duration::from_secs(10),
            by: by.to_string(),
        },
        &indicatif::ProgressBar::hidden(),
    )?;
    for t in &report.tsas {
        for f in &t.failures {
            ctx.out.warn(&format!(
                "not stamped before bundling ({}): {}; the bundle carries the stamps made so far",
                f.code,
                escape_str(&f.text)
            ));
        }
    }
    Ok(Some(report))
}

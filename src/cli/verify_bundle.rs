//! `vault verify-bundle FILE.zip`: check a bundle as a third party would.

use std::io::{self, Write};
use std::path::PathBuf;

use super::Ctx;
use crate::bundle::check::{self, BundleCheck};
use crate::cli::output::{Report, escape_str};
use crate::error::{Exit, Result};

/// Check an evidence bundle: zip safety, BagIt manifests, SHA256SUMS, manifest.json and the ledger
/// chain; exit 3 if anything is tampered or malformed
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_name = "FILE.zip")]
    pub file: PathBuf,
}

impl Report for BundleCheck {
    const COMMAND: &'static str = "verify-bundle";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        for p in &self.problems {
            writeln!(w, "{}: {}", escape_str(&p.path), escape_str(&p.what))?;
        }
        if quiet {
            return Ok(());
        }
        let verdict = if self.is_intact() {
            "INTACT".to_string()
        } else {
            format!("TAMPERED OR MALFORMED: {} problem(s)", self.problems.len())
        };
        writeln!(
            w,
            "{verdict}: order {}, {} original(s), {} payload file(s), ledger of {} entries",
            self.order.as_deref().map(escape_str).unwrap_or("?".into()),
            self.originals,
            self.payload_files,
            self.ledger_entries
        )?;
        if let Some(d) = self.sha256 {
            writeln!(w, "sha256 of the zip: {d}")?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let report = check::check_file(&args.file)?;
    ctx.out.report(&report);
    Ok(if report.is_intact() {
        Exit::Success
    } else {
        Exit::Integrity
    })
}

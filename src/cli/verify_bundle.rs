//! `vault verify-bundle FILE.zip`: check a bundle as a third party would.

use std::io::{self, Write};
use std::path::PathBuf;

use super::Ctx;
use crate::bundle::check::{self, BundleCheck};
use crate::cli::output::{Report, escape_str};
use crate::error::{Error, Exit, Result};
use crate::trust::minisig::PublicKey;

/// Check an evidence bundle: zip safety, BagIt manifests, SHA256SUMS, manifest.json and the ledger
/// chain; exit 3 if anything is tampered or malformed
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault verify-bundle 8123456789012345-evidence-2026-12-01.zip\n  vault verify-bundle case.zip --key seller.pub   # pin the seller's published key"
)]
pub struct Args {
    #[arg(value_name = "FILE.zip")]
    pub file: PathBuf,
    /// The seller's published public key (a minisign .pub file, or its base64 line): the bag must
    /// be signed by it (without it, the key inside the bag is used and only named)
    #[arg(long, value_name = "PUB")]
    pub key: Option<String>,
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
        match &self.signed_by {
            Some(k) => writeln!(
                w,
                "signed by key {k} (compare it with the key the seller published)"
            )?,
            None => writeln!(w, "not signed")?,
        }
        for s in &self.stamps {
            writeln!(
                w,
                "stamped through entry {} at {} by TSA {} ({})",
                s.through_seq,
                escape_str(&s.gen_time),
                escape_str(&s.tsa),
                escape_str(&s.tsa_name)
            )?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let key = match &args.key {
        None => None,
        Some(k) => {
            let text = if std::path::Path::new(k).is_file() {
                crate::bounded::read_file_at_most(std::path::Path::new(k), 64 * 1024).map_err(
                    |what| Error::BadInput {
                        path: k.into(),
                        what,
                        hint: "--key takes a minisign public key file or its base64 line".into(),
                    },
                )?
            } else {
                k.as_bytes().to_vec()
            };
            Some(
                PublicKey::parse(&String::from_utf8_lossy(&text)).map_err(|what| {
                    Error::BadInput {
                        path: k.into(),
                        what,
                        hint: "--key takes a minisign public key file or its base64 line".into(),
                    }
                })?,
            )
        }
    };
    let report = check::check_file(&args.file, key.as_ref())?;
    ctx.out.report(&report);
    Ok(if report.is_intact() {
        Exit::Success
    } else {
        Exit::Integrity
    })
}

//! `vault init [DIR]`: create a vault, or confirm one is there.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::Ctx;
use crate::cli::output::Report;
use crate::error::{Exit, Result};
use crate::store::Vault;

/// Create a vault (idempotent: an existing vault is left as it is)
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault init /srv/vault                 # the packing room's shared vault\n  VAULT_DIR=/srv/vault vault init       # the same, as cron sees it"
)]
pub struct Args {
    /// Where [default: --vault, VAULT_DIR, else the default vault directory]
    pub dir: Option<PathBuf>,
}

#[derive(Serialize)]
pub struct InitReport {
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
    pub created: bool,
    pub vault_id: String,
    pub format_version: u32,
}

impl Report for InitReport {
    const COMMAND: &'static str = "init";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if quiet {
            return Ok(());
        }
        let what = if self.created {
            "created vault"
        } else {
            "already a vault"
        };
        writeln!(w, "{what}: {}", self.path.display())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let dir = match args.dir {
        Some(d) => d,
        None => ctx.vault_dir()?.0,
    };
    let (vault, created) = Vault::init(&dir)?;
    ctx.out.report(&InitReport {
        path: dir,
        created,
        vault_id: vault.meta().vault_id.clone(),
        format_version: vault.meta().format_version,
    });
    Ok(Exit::Success)
}

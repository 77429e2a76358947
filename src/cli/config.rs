//! `vault config set|get|unset|list`: settings in the vault's `vault.toml` (shared by everyone
//! using that vault) or, with `--user`, in the per-user defaults file.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::Ctx;
use crate::cli::output::Report;
use crate::config::{self, KEYS, Setting, Source, Value};
use crate::error::{Error, Exit, Result};

/// Settings: the shop's zone, the default --by, TSAs, the default platform (docs/config.md)
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    vault config set timezone Asia/Shanghai      # chat times without a zone are the shop's\n  \
    vault config set station packing-2 --user    # this machine's default --by\n  \
    vault config list                            # every key, its value and where it comes from\n\n\
    Environment variables (VAULT_TIMEZONE, VAULT_STATION, …) override the files; flags override both.")]
pub struct Args {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Set KEY to VALUE (lists, such as tsa, comma-separated)
    Set {
        key: String,
        value: String,
        /// In the per-user defaults file ($XDG_CONFIG_HOME/vault/config.toml), not the vault's
        #[arg(long)]
        user: bool,
    },
    /// Print the value of KEY in force (exit 1 when it is not set)
    Get { key: String },
    /// Remove KEY from the vault's file (or, with --user, the per-user file)
    Unset {
        key: String,
        #[arg(long)]
        user: bool,
    },
    /// Every key: its value in force and where it comes from
    List,
}

/// `config set` and `config unset`.
#[derive(Serialize)]
pub struct Changed {
    pub action: &'static str,
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(serialize_with = "crate::paths::lossy")]
    pub file: PathBuf,
    /// `unset`: whether the file held the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<bool>,
    /// Where the value in force now comes from, when not from the file just written (an
    /// environment variable, or the vault's file over the user's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden_by: Option<Source>,
}

impl Report for Changed {
    const COMMAND: &'static str = "config";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if !quiet {
            match (&self.value, self.removed) {
                (Some(v), _) => writeln!(w, "{} = {v}  ({})", self.key, self.file.display())?,
                (None, Some(true)) => {
                    writeln!(w, "{} removed from {}", self.key, self.file.display())?
                }
                (None, _) => writeln!(w, "{} was not set in {}", self.key, self.file.display())?,
            }
        }
        if let Some(o) = &self.overridden_by {
            writeln!(w, "note: {o} sets {} over it", self.key)?;
        }
        Ok(())
    }
}

/// `config get`.
#[derive(Serialize)]
pub struct Got {
    #[serde(flatten)]
    pub setting: Setting,
}

impl Report for Got {
    const COMMAND: &'static str = "config";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        writeln!(w, "{}", self.setting.value)
    }
}

/// `config list`.
#[derive(Serialize)]
pub struct Listed {
    /// The values in force.
    pub settings: Vec<Setting>,
    /// Every key there is, with its environment variable and what it does.
    pub keys: Vec<KeyDoc>,
    #[serde(serialize_with = "crate::paths::lossy")]
    pub vault_file: PathBuf,
    #[serde(serialize_with = "crate::paths::lossy_opt")]
    pub user_file: Option<PathBuf>,
}

#[derive(Serialize)]
pub struct KeyDoc {
    pub key: &'static str,
    pub env: &'static str,
    pub what: &'static str,
}

impl Report for Listed {
    const COMMAND: &'static str = "config";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        for s in &self.settings {
            writeln!(w, "{} = {}  ({})", s.key, s.value, s.source)?;
        }
        if quiet {
            return Ok(());
        }
        let unset: Vec<&KeyDoc> = self
            .keys
            .iter()
            .filter(|k| {
                !self.settings.iter().any(|s| {
                    s.key == k.key
                        || (k.key.starts_with("profile.") && s.key.starts_with("profile."))
                })
            })
            .collect();
        if !unset.is_empty() {
            writeln!(w, "not set:")?;
            for k in unset {
                writeln!(w, "  {:<18} ${:<24} {}", k.key, k.env, k.what)?;
            }
        }
        writeln!(w, "files: {} (this vault)", self.vault_file.display())?;
        if let Some(u) = &self.user_file {
            writeln!(w, "       {} (your defaults)", u.display())?;
        }
        Ok(())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let file = |user: bool| -> Result<PathBuf> {
        if user {
            return config::user_file().ok_or_else(|| {
                Error::Usage(
                    "no per-user settings file: neither XDG_CONFIG_HOME nor HOME is set".into(),
                )
            });
        }
        Ok(ctx.open_vault()?.root().join(config::VAULT_FILE))
    };
    match args.command {
        ConfigCommand::Set { key, value, user } => {
            let path = file(user)?;
            let value = config::set(&path, &key, &value)?;
            let overridden_by = overridden(ctx, &key, &path)?;
            ctx.out.report(&Changed {
                action: "set",
                key,
                value: Some(value),
                file: path,
                removed: None,
                overridden_by,
            });
        }
        ConfigCommand::Unset { key, user } => {
            let path = file(user)?;
            let removed = config::unset(&path, &key)?;
            let overridden_by = overridden(ctx, &key, &path)?;
            ctx.out.report(&Changed {
                action: "unset",
                key,
                value: None,
                file: path,
                removed: Some(removed),
                overridden_by,
            });
        }
        ConfigCommand::Get { key } => {
            if let Err(e) = config::check(&key, "")
                && e.starts_with("unknown key")
            {
                return Err(Error::Usage(e));
            }
            let setting = ctx
                .settings()?
                .get(&key)
                .cloned()
                .ok_or(Error::NotSet { key })?;
            ctx.out.report(&Got { setting });
        }
        ConfigCommand::List => {
            let (dir, _) = ctx.vault_dir()?;
            let settings = ctx.settings()?;
            ctx.out.report(&Listed {
                settings: settings.all().cloned().collect(),
                keys: KEYS
                    .iter()
                    .map(|k| KeyDoc {
                        key: k.name,
                        env: k.env,
                        what: k.what,
                    })
                    .collect(),
                vault_file: dir.join(config::VAULT_FILE),
                user_file: config::user_file(),
            });
        }
    }
    Ok(Exit::Success)
}

/// What now sets `key` over the file just written, if anything does.
fn overridden(ctx: &Ctx, key: &str, written: &std::path::Path) -> Result<Option<Source>> {
    let fresh = config::Settings::load(&ctx.vault_dir()?.0)?;
    Ok(fresh
        .get(key)
        .map(|s| s.source.clone())
        .filter(|s| match s {
            Source::User { path } | Source::Vault { path } => path != written,
            Source::Env { .. } => true,
        }))
}

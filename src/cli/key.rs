//! `vault key generate|public`: the vault's Ed25519 signing key, in minisign's formats.

use std::io::{self, Write};

use serde::Serialize;

use super::Ctx;
use crate::cli::output::Report;
use crate::error::{Error, Exit, Result};
use crate::ledger::sign::{self, NewKey};

/// The vault's signing key (minisign's formats: `minisign -V` checks what vault signs)
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vault key generate                    # once per vault; cron needs it unencrypted\n  vault key generate --encrypt          # asks for a password (or $VAULT_KEY_PASSWORD)\n  vault key public > seller.pub         # publish it; buyers' platforms check bundles with it"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Make a key pair; with a key already, a new one announced by the old (rotation)
    Generate {
        /// Encrypt the secret key with a password (asked, or $VAULT_KEY_PASSWORD); cron needs an
        /// unencrypted key
        #[arg(long)]
        encrypt: bool,
        /// Who makes the key [default: the operating-system user]
        #[arg(long)]
        by: Option<String>,
    },
    /// Print the public key exactly as minisign's .pub file holds it
    Public,
}

impl Report for NewKey {
    const COMMAND: &'static str = "key";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if quiet {
            return Ok(());
        }
        writeln!(
            w,
            "signing key {} ({})",
            self.key_id,
            if self.encrypted {
                "encrypted"
            } else {
                "not encrypted: keep the file private"
            }
        )?;
        if let Some(old) = &self.replaces {
            writeln!(
                w,
                "replaces key {old}, which signed the announcement in keys.jsonl"
            )?;
        }
        writeln!(
            w,
            "secret key: {} (back it up; it never enters the vault)",
            self.secret_key.display()
        )?;
        writeln!(w, "public key: {}", self.public_key_file.display())?;
        writeln!(w, "fingerprint: {}", self.fingerprint)?;
        writeln!(
            w,
            "publish the public key where buyers' platforms can see it:\n  {}",
            self.public_key
        )
    }
}

/// `vault key public`.
#[derive(Serialize)]
pub struct PublicReport {
    pub key_id: String,
    pub public_key: String,
    pub fingerprint: String,
    /// The `.pub` file's text.
    pub pub_file: String,
}

impl Report for PublicReport {
    const COMMAND: &'static str = "key";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        w.write_all(self.pub_file.as_bytes())
    }
}

pub fn run(args: Args, ctx: &Ctx) -> Result<Exit> {
    let mut vault = ctx.open_vault()?;
    match args.command {
        KeyCommand::Generate { encrypt, by } => {
            let by = ctx.who(by)?;
            let password = if encrypt { Some(password()?) } else { None };
            let made = sign::generate(&mut vault, password, &by)?;
            ctx.out.report(&made);
        }
        KeyCommand::Public => {
            let Some(meta) = &vault.meta().signing else {
                return Err(Error::Usage(
                    "this vault has no signing key yet: make one with `vault key generate`".into(),
                ));
            };
            let key =
                crate::trust::minisig::PublicKey::parse(&meta.public_key).map_err(|what| {
                    Error::BadVault {
                        path: vault.root().join("vault.json"),
                        reason: format!("signing.public_key: {what}"),
                    }
                })?;
            ctx.out.report(&PublicReport {
                key_id: meta.key_id.clone(),
                public_key: meta.public_key.clone(),
                fingerprint: meta.fingerprint.clone(),
                pub_file: key.to_box(),
            });
        }
    }
    Ok(Exit::Success)
}

/// The new key's password: `$VAULT_KEY_PASSWORD`, else asked twice on the terminal.
fn password() -> Result<String> {
    if let Ok(p) = std::env::var("VAULT_KEY_PASSWORD") {
        if p.is_empty() {
            return Err(Error::Usage(
                "VAULT_KEY_PASSWORD is empty: an encrypted key needs a password".into(),
            ));
        }
        return Ok(p);
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| {
            Error::Usage(format!(
                "--encrypt needs a password: set VAULT_KEY_PASSWORD or run on a terminal ({e})"
            ))
        })
    };
    let p = ask("password for the new key: ")?;
    if p.is_empty() {
        return Err(Error::Usage(
            "an empty password: an encrypted key needs one (or leave out --encrypt)".into(),
        ));
    }
    if ask("the same password again: ")? != p {
        return Err(Error::Usage("the passwords differ".into()));
    }
    Ok(p)
}

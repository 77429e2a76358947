//! The command line: global flags, subcommand dispatch, and the mapping of results to exit codes.
//! Each subcommand lives in its own file with its arguments and its `run`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cli::output::Output;
use crate::error::{Error, Exit, Result};
use crate::store::Vault;

pub mod add;
pub mod args;
pub mod bundle;
pub mod buyer;
pub mod buyers;
pub mod completions;
pub mod config;
pub mod dispute;
pub mod due;
pub mod init;
pub mod key;
pub mod list;
pub mod output;
pub mod prepare;
pub mod progress;
pub mod shipments;
pub mod show;
pub mod stamp;
pub mod stats;
pub mod track;
pub mod user;
pub mod verify;
pub mod verify_bundle;

#[derive(Debug, Parser)]
#[command(
    name = "vault",
    version,
    about = "Evidence vault for e-commerce disputes: packing photos, tracking and chats, hashed and hash-chained per order.",
    after_help = "Exit codes: 0 success, 1 error, 2 usage, 3 integrity failure, 4 attention (shipments; stamps pending).\nDocs: docs/ in the source tree."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct Global {
    /// The vault directory [default: $XDG_DATA_HOME/vault, else ~/.local/share/vault]
    #[arg(long, global = true, env = "VAULT_DIR", value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// Machine-readable output on stdout (see docs/json-output.md)
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress bars (they are also off when stderr is not a terminal)
    #[arg(long, global = true, env = "VAULT_NO_PROGRESS", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_progress: bool,
    /// Print only errors and warnings
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::Args),
    Add(add::Args),
    List(list::Args),
    Show(show::Args),
    Verify(verify::Args),
    Bundle(bundle::Args),
    VerifyBundle(verify_bundle::Args),
    Track(track::Args),
    Shipments(shipments::Args),
    Dispute(dispute::Args),
    Due(due::Args),
    Stats(stats::Args),
    Buyer(buyer::Args),
    Buyers(buyers::Args),
    Key(key::Args),
    Stamp(stamp::Args),
    Prepare(prepare::Args),
    Config(config::Args),
    Completions(completions::CompletionsArgs),
    Man(completions::ManArgs),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Init(_) => "init",
            Command::Add(_) => "add",
            Command::List(_) => "list",
            Command::Show(_) => "show",
            Command::Verify(_) => "verify",
            Command::Bundle(_) => "bundle",
            Command::VerifyBundle(_) => "verify-bundle",
            Command::Track(_) => "track",
            Command::Shipments(_) => "shipments",
            Command::Dispute(_) => "dispute",
            Command::Due(_) => "due",
            Command::Stats(_) => "stats",
            Command::Buyer(_) => "buyer",
            Command::Buyers(_) => "buyers",
            Command::Key(_) => "key",
            Command::Stamp(_) => "stamp",
            Command::Prepare(_) => "prepare",
            Command::Config(_) => "config",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
}

/// What every command gets: where the vault is and how to print.
pub struct Ctx {
    pub out: Output,
    vault_arg: Option<PathBuf>,
    settings: std::cell::OnceCell<crate::config::Settings>,
}

impl Ctx {
    /// The vault directory and whether the user named it (flag or environment).
    pub fn vault_dir(&self) -> Result<(PathBuf, bool)> {
        if let Some(p) = &self.vault_arg {
            return Ok((p.clone(), true));
        }
        Ok((default_vault_dir()?, false))
    }

    /// Open the vault. A vault the user named must exist; the default one is created on first use.
    pub fn open_vault(&self) -> Result<Vault> {
        let (dir, explicit) = self.vault_dir()?;
        if explicit {
            return Vault::open(&dir);
        }
        match Vault::open(&dir) {
            Err(Error::NoVault { .. }) => {
                let (v, created) = Vault::init(&dir)?;
                if created {
                    self.out
                        .note(&format!("created a new vault at {}", dir.display()));
                }
                Ok(v)
            }
            other => other,
        }
    }
}

impl Ctx {
    /// The settings in force (files and environment; flags are applied by each command), read
    /// once. A bad settings file stops the command, naming the file (exit 2).
    pub fn settings(&self) -> Result<&crate::config::Settings> {
        if let Some(s) = self.settings.get() {
            return Ok(s);
        }
        let loaded = crate::config::Settings::load(&self.vault_dir()?.0)?;
        Ok(self.settings.get_or_init(|| loaded))
    }

    /// Who is acting: `--by`, else the `station` setting, else the operating-system user.
    pub fn who(&self, by: Option<String>) -> Result<String> {
        match by {
            Some(b) => args::who(Some(b)),
            None => args::who(self.settings()?.station().map(String::from)),
        }
    }

    /// Open the vault for a command that appends to ledgers: a vault that signs has its key opened
    /// first, so that a missing key stops the command before any work (exit 2, with a hint).
    pub fn open_vault_to_append(&self) -> Result<Vault> {
        let vault = self.open_vault()?;
        crate::ledger::sign::Signer::for_vault(&vault)?;
        Ok(vault)
    }
}

/// `$XDG_DATA_HOME/vault`, else `~/.local/share/vault`.
pub fn default_vault_dir() -> Result<PathBuf> {
    crate::paths::xdg_dir("XDG_DATA_HOME", ".local/share")
        .map(|d| d.join("vault"))
        .ok_or_else(|| {
            Error::Usage(
                "no vault directory: set --vault DIR or VAULT_DIR (neither XDG_DATA_HOME nor HOME is set)"
                    .into(),
            )
        })
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            // args_os: an argument that is not UTF-8 (a file name) must not panic here.
            if code != 0 && std::env::args_os().any(|a| a == "--json") {
                let out = Output::new(true, true, true);
                out.error_json_only("usage", &Error::Usage(e.kind().to_string()));
            }
            return ExitCode::from(if code == 0 { 0 } else { Exit::Usage.code() });
        }
    };
    let out = Output::new(cli.global.json, cli.global.quiet, cli.global.no_progress);
    let ctx = Ctx {
        out,
        vault_arg: cli.global.vault.filter(|p| !p.as_os_str().is_empty()),
        settings: std::cell::OnceCell::new(),
    };
    // Times people read are shown in the shop's zone too. A settings file that cannot be read
    // does not stop a command here: the commands that need settings say what is wrong with it.
    if !cli.global.json {
        output::set_zone(ctx.settings().ok().and_then(|s| s.timezone()));
    }
    let name = cli.command.name();
    let result = match cli.command {
        Command::Init(a) => init::run(a, &ctx),
        Command::Add(a) => add::run(a, &ctx),
        Command::List(a) => list::run(a, &ctx),
        Command::Show(a) => show::run(a, &ctx),
        Command::Verify(a) => verify::run(a, &ctx),
        Command::Bundle(a) => bundle::run(a, &ctx),
        Command::VerifyBundle(a) => verify_bundle::run(a, &ctx),
        Command::Track(a) => track::run(a, &ctx),
        Command::Shipments(a) => shipments::run(a, &ctx),
        Command::Dispute(a) => dispute::run(a, &ctx),
        Command::Due(a) => due::run(a, &ctx),
        Command::Stats(a) => stats::run(a, &ctx),
        Command::Buyer(a) => buyer::run(a, &ctx),
        Command::Buyers(a) => buyers::run(a, &ctx),
        Command::Key(a) => key::run(a, &ctx),
        Command::Stamp(a) => stamp::run(a, &ctx),
        Command::Prepare(a) => prepare::run(a, &ctx),
        Command::Config(a) => config::run(a, &ctx),
        Command::Completions(a) => completions::completions(a, &ctx),
        Command::Man(a) => completions::man(a, &ctx),
    };
    if let Some(why) = ctx.out.stdout_failure() {
        // The report was lost: a cron job's `> file || alert` must hear about it.
        ctx.out.fail(&format!("writing to standard output: {why}"));
        return Exit::Error.into();
    }
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            ctx.out.error(name, &e);
            e.exit().into()
        }
    }
}

//! `vault completions SHELL` and `vault man --dir DIR`: shell completions and man pages, made
//! from the same command-line definition that parses the arguments.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use serde::Serialize;

use super::{Cli, Ctx};
use crate::cli::output::Report;
use crate::error::{Error, Exit, IoContext, Result};

/// Print a shell completion script
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    vault completions bash > ~/.local/share/bash-completion/completions/vault\n  \
    vault completions zsh > ~/.zfunc/_vault        # with fpath+=~/.zfunc in ~/.zshrc\n  \
    vault completions fish > ~/.config/fish/completions/vault.fish")]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Write man pages: vault(1) and one per subcommand
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    vault man --dir ~/.local/share/man/man1 && man vault-bundle\n  \
    sudo vault man --dir /usr/local/share/man/man1")]
pub struct ManArgs {
    /// Where to write the pages (made if missing)
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

/// `vault completions`: the script (human output is the script itself).
#[derive(Serialize)]
pub struct Script {
    pub shell: String,
    pub script: String,
}

impl Report for Script {
    const COMMAND: &'static str = "completions";
    fn human(&self, w: &mut dyn Write, _quiet: bool) -> io::Result<()> {
        w.write_all(self.script.as_bytes())
    }
}

/// `vault man`: the pages written.
#[derive(Serialize)]
pub struct Pages {
    #[serde(serialize_with = "crate::paths::lossy")]
    pub dir: PathBuf,
    pub pages: Vec<String>,
}

impl Report for Pages {
    const COMMAND: &'static str = "man";
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()> {
        if !quiet {
            writeln!(
                w,
                "wrote {} man page(s) to {}",
                self.pages.len(),
                self.dir.display()
            )?;
        }
        Ok(())
    }
}

pub fn completions(args: CompletionsArgs, ctx: &Ctx) -> Result<Exit> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, name, &mut script);
    ctx.out.report(&Script {
        shell: args.shell.to_string(),
        script: String::from_utf8_lossy(&script).into_owned(),
    });
    Ok(Exit::Success)
}

pub fn man(args: ManArgs, ctx: &Ctx) -> Result<Exit> {
    std::fs::create_dir_all(&args.dir).at(&args.dir)?;
    let mut pages = Vec::new();
    let root = Cli::command();
    let name = root.get_name().to_string();
    write_pages(&root, &name, &args.dir, &mut pages)?;
    ctx.out.report(&Pages {
        dir: args.dir,
        pages,
    });
    Ok(Exit::Success)
}

/// `name.1` for `cmd`, then `name-sub.1` for each subcommand, recursively.
fn write_pages(cmd: &clap::Command, name: &str, dir: &Path, pages: &mut Vec<String>) -> Result<()> {
    let cmd = cmd
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "));
    let file = format!("{name}.1");
    let mut bytes = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut bytes)
        .map_err(|e| Error::io(dir.join(&file), e))?;
    let path = dir.join(&file);
    std::fs::write(&path, bytes).at(&path)?;
    pages.push(file);
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, pages)?;
    }
    Ok(())
}

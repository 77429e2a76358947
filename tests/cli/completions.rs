//! `vault completions` and `vault man`: made from the CLI definition, checked by the shells and by
//! groff (and mandoc where installed), tools no one here wrote.

use crate::common::{Env, have_tool};

use std::process::Command;

#[test]
fn completion_scripts_for_every_shell_name_the_subcommands_and_bash_reads_them() {
    let env = Env::bare();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = env.vault().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["verify-bundle", "stamp", "config", "--platform"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
        let path = env.write(&format!("vault.{shell}"), script.as_bytes());
        // The shells' own syntax check, where the shell is installed (bash always is).
        let check = match shell {
            "bash" => Some(("bash", vec!["-n"])),
            "zsh" if have_tool("zsh", &["--version"]) => Some(("zsh", vec!["-n"])),
            "fish" if have_tool("fish", &["--version"]) => Some(("fish", vec!["--no-execute"])),
            _ => None,
        };
        if let Some((sh, args)) = check {
            let o = Command::new(sh).args(&args).arg(&path).output().unwrap();
            assert!(
                o.status.success(),
                "{sh} -n: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    // bash: the function it defines completes the subcommands.
    let script = env.path("vault.bash");
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=(vault ver); COMP_CWORD=1; _vault vault ver vault; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    let words = String::from_utf8_lossy(&o.stdout);
    assert!(
        words.lines().any(|l| l == "verify") && words.lines().any(|l| l == "verify-bundle"),
        "{words}"
    );
}

#[test]
fn man_pages_for_every_subcommand_pass_groff_s_warnings() {
    let env = Env::bare();
    let dir = env.path("man");
    let (v, code) = env.json(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let pages: Vec<&str> = v["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for want in [
        "vault.1",
        "vault-add.1",
        "vault-bundle.1",
        "vault-key-generate.1",
        "vault-config-set.1",
    ] {
        assert!(pages.contains(&want), "{want} missing: {pages:?}");
    }
    let groff = have_tool("groff", &["--version"]);
    let mandoc = have_tool("mandoc", &["-Tascii", "/dev/null"]);
    if std::env::var_os("VAULT_CI").is_some() {
        assert!(groff, "VAULT_CI: groff is needed to check the man pages");
    }
    for page in &pages {
        let path = dir.join(page);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page}: not a man page"
        );
        if groff {
            let o = Command::new("groff")
                // -k: input through preconv, as man-db's `man` does (help texts hold UTF-8).
                .args(["-k", "-man", "-ww", "-z"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                o.status.success() && o.stderr.is_empty(),
                "groff -ww {page}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        if mandoc {
            let o = Command::new("mandoc")
                .args(["-Tlint", "-Werror"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "mandoc -Tlint {page}: {}",
                String::from_utf8_lossy(&o.stdout)
            );
        }
    }
    // The rendered page of a subcommand shows its own name and options.
    if groff {
        let o = Command::new("groff")
            .args(["-k", "-man", "-Tutf8"])
            .arg(dir.join("vault-stamp.1"))
            .output()
            .unwrap();
        // Terminal output embolds by overstriking (`c\x08c`): keep the last of each pair.
        let raw: Vec<char> = String::from_utf8_lossy(&o.stdout).chars().collect();
        let mut text = String::new();
        for (i, c) in raw.iter().enumerate() {
            if *c != '\u{8}' && raw.get(i + 1) != Some(&'\u{8}') {
                text.push(*c);
            }
        }
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("SYNOPSIS vault stamp [--tsa]"), "{text}");
        assert!(text.contains("--direct"), "{text}");
    }
}

/// Words of a shell command line: split on blanks, single and double quotes kept together.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// Every subcommand's `--help` ends with examples, and every example's vault command line is one
/// vault's own parser accepts (up to the first pipe, redirection, `;`, `&&` or comment).
#[test]
fn every_subcommand_s_help_ends_with_examples_that_parse() {
    use clap::{CommandFactory, Parser};
    let start = regex::Regex::new(r"(^|\s)(vault\s.*)").unwrap();
    let cmd = vault::cli::Cli::command();
    let mut checked = 0;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        let help = sub
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        let examples = help
            .split_once("Examples:")
            .unwrap_or_else(|| panic!("`vault {name} --help` has no examples"))
            .1;
        let mut lines = 0;
        for line in examples.lines() {
            let Some(m) = start.captures(line) else {
                continue;
            };
            let mut text = m[2].to_string();
            for stop in [" #", " |", " >", ";", " &&", " <"] {
                if let Some(i) = text.find(stop) {
                    text.truncate(i);
                }
            }
            let words = shell_words(&text);
            assert!(
                words
                    .get(1)
                    .is_some_and(|w| w == name || w.starts_with('-')),
                "`vault {name} --help`: an example of another command: {line}"
            );
            if let Err(e) = vault::cli::Cli::try_parse_from(&words) {
                panic!("`vault {name} --help`: {line:?} does not parse: {e}");
            }
            lines += 1;
        }
        assert!(
            lines >= 2,
            "`vault {name} --help`: {lines} example(s), want two or three"
        );
        checked += 1;
    }
    assert!(checked >= 17, "{checked} subcommands");
}

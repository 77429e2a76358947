//! All printing happens here: data to stdout, progress and diagnostics to stderr.
//!
//! With `--json`, stdout carries exactly one JSON document per command, wrapped in an envelope with
//! `schema_version` and `command` (see `docs/json-output.md`). Human output escapes anything that could
//! mislead a terminal: control characters, bidirectional overrides, invalid UTF-8.

use std::ffi::OsStr;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::error::Error;

/// Version of the `--json` output contract. Bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// A command's result: printable for humans, serialisable for scripts.
/// The shop's zone, for the times of human output (`--json` keeps RFC 3339).
static ZONE: std::sync::OnceLock<Option<crate::time::Zone>> = std::sync::OnceLock::new();

/// Set once, at start, from the `timezone` setting.
pub fn set_zone(zone: Option<crate::time::Zone>) {
    let _ = ZONE.set(zone);
}

/// A time as people read it: `1 Dec 2026, 18:19 UTC`, first in the shop's zone when the
/// `timezone` setting names one; anything not a time as it is.
/// The shop's zone for human output (the `timezone` setting), when set.
pub fn zone() -> Option<crate::time::Zone> {
    ZONE.get().copied().flatten()
}

pub fn when(t: &str) -> String {
    escape_str(&crate::time::human_in(t, zone().as_ref()))
}

pub trait Report: Serialize {
    /// The command name, as in the JSON envelope.
    const COMMAND: &'static str;
    /// Write the human form to stdout (`w`). Return without writing for nothing to say.
    fn human(&self, w: &mut dyn Write, quiet: bool) -> io::Result<()>;
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema_version: u32,
    command: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorJson<'a>,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
    exit_code: u8,
}

/// Output settings for one run.
#[derive(Debug)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    pub progress: bool,
    /// The first failure to write a report to stdout.
    stdout_failed: std::sync::Mutex<Option<String>>,
}

impl Output {
    pub fn new(json: bool, quiet: bool, no_progress: bool) -> Output {
        Output {
            json,
            quiet,
            progress: !no_progress && !quiet && io::stderr().is_terminal(),
            stdout_failed: std::sync::Mutex::new(None),
        }
    }

    /// Print a command's result to stdout.
    pub fn report<R: Report>(&self, r: &R) {
        let stdout = io::stdout();
        let mut w = stdout.lock();
        let res = if self.json {
            let env = Envelope {
                schema_version: SCHEMA_VERSION,
                command: R::COMMAND,
                body: r,
            };
            serde_json::to_writer(&mut w, &env)
                .map_err(io::Error::other)
                .and_then(|_| writeln!(w))
        } else {
            r.human(&mut w, self.quiet)
        };
        // A closed pipe (`vault list | head`) is the reader's choice, not an error; any other
        // failure (a full disk under `> file`) is remembered, and the run exits 1 for it.
        if let Err(e) = res.and_then(|_| w.flush())
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            let mut failed = self.stdout_failed.lock().unwrap_or_else(|p| p.into_inner());
            failed.get_or_insert(e.to_string());
        }
    }

    /// Why writing the report to stdout failed, if it did (other than a closed pipe).
    pub fn stdout_failure(&self) -> Option<String> {
        self.stdout_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Report a fatal error: on stderr always, and as JSON on stdout with `--json`.
    pub fn error(&self, command: &str, e: &Error) {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "error: {e}");
        if let Some(h) = e.hint() {
            let _ = writeln!(err, "hint: {h}");
        }
        drop(err);
        if self.json {
            self.error_json_only(command, e);
        }
    }

    /// The JSON form of a fatal error on stdout, for scripts that parse stdout.
    pub fn error_json_only(&self, command: &str, e: &Error) {
        let body = ErrorBody {
            error: ErrorJson {
                code: e.code(),
                message: e.to_string(),
                hint: e.hint(),
                exit_code: e.exit().code(),
            },
        };
        let env = Envelope {
            schema_version: SCHEMA_VERSION,
            command,
            body: &body,
        };
        let mut out = io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, &env);
        let _ = writeln!(out);
    }

    /// A diagnostic line on stderr (suppressed by `--quiet`).
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "{msg}");
        }
    }

    /// A warning on stderr; shown even with `--quiet`, since it concerns evidence.
    pub fn warn(&self, msg: &str) {
        let _ = writeln!(io::stderr().lock(), "warning: {msg}");
    }

    /// A per-item failure on stderr; shown even with `--quiet`.
    pub fn fail(&self, msg: &str) {
        let _ = writeln!(io::stderr().lock(), "error: {msg}");
    }

    /// A byte-counting progress bar, or a hidden one when progress is off.
    pub fn bytes_bar(&self, total: u64, msg: &'static str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>9} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        bar.set_message(msg);
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    /// A progress bar counting things (orders), or a hidden one when progress is off.
    pub fn count_bar(&self, total: u64, msg: &'static str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg:>9} [{bar:30}] {pos}/{len} eta {eta}")
                .expect("static template")
                .progress_chars("=> "),
        );
        bar.set_message(msg);
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }
}

/// Make a name safe to print on a terminal: control characters, bidirectional controls and other
/// invisible format characters become `\u{…}` escapes, invalid UTF-8 bytes become `\xNN`, and a
/// backslash is doubled so that the escaped form is unambiguous.
pub fn escape_os(name: &OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_bytes(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        escape_str(&name.to_string_lossy())
    }
}

pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        push_escaped(&mut out, chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width and LRM/RLM
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{061c}'              // Arabic letter mark
            | '\u{feff}'              // BOM / zero-width no-break space
        )
}

pub use crate::render::human_bytes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_hostile_names() {
        assert_eq!(escape_str("IMG 1.jpg"), "IMG 1.jpg");
        assert_eq!(escape_str("a\nb"), "a\\nb");
        assert_eq!(escape_str("gpj.\u{202e}exe"), "gpj.\\u{202e}exe");
        assert_eq!(escape_str("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape_bytes(b"caf\xe9.jpg"), "caf\\xe9.jpg");
        assert_eq!(escape_str("a\\b"), "a\\\\b");
        assert_eq!(escape_str("заказ 💡.jpg"), "заказ 💡.jpg");
    }

    proptest::proptest! {
        #[test]
        fn escaped_output_has_no_controls(bytes in proptest::collection::vec(0u8.., 0..64)) {
            let s = escape_bytes(&bytes);
            proptest::prop_assert!(!s.chars().any(needs_escape));
        }
    }
}

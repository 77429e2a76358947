//! `vault`: a content-addressed evidence vault for cross-border e-commerce sellers.
//!
//! The library holds everything; the `vault` binary is a thin shell over [`cli::main`].
//!
//! The layers, lowest first (see `docs/architecture.md`; `tests/cli/layers.rs` keeps them true):
//!
//! - [`error`], [`time`], [`digest`], [`paths`], [`progress`], [`bounded`]: typed errors and exit
//!   codes, time helpers, SHA-256 digests, how paths are written into JSON, progress reporting,
//!   reads with a ceiling;
//! - [`evidence`]: pure parsers of untrusted bytes (kind detection, photo/video metadata, chat
//!   exports, carrier tracking payloads): they never see a vault or a ledger;
//! - [`trust`]: signatures in minisign's formats, RFC 3161 time-stamp tokens, Merkle trees;
//! - [`store`]: the vault on disk, its content-addressed objects and order ids;
//! - [`dispute`]: platforms, reasons, outcomes, deadlines and upload profiles;
//! - [`ledger`]: the per-order, append-only, hash-chained ledger;
//! - [`case`]: one order's evidence, read once from its ledger;
//! - [`render`]: derived files for people (thumbnails, the summary PDF), never evidence;
//! - [`ingest`], [`verify`], [`bundle`]: what the commands do;
//! - [`cli`]: arguments, output (the only place that prints), progress bars, one file per command.

#![forbid(unsafe_code)]

pub mod bounded;
pub mod bundle;
pub mod buyers;
pub mod case;
pub mod cli;
pub mod config;
pub mod digest;
pub mod dispute;
pub mod error;
pub mod evidence;
pub mod fuzzing;
pub mod ingest;
pub mod ledger;
pub mod paths;
pub mod progress;
pub mod render;
pub mod stamp;
pub mod store;
pub mod time;
pub mod trust;
pub mod verify;

/// `evidence-vault <version>`: recorded in every ledger entry.
pub const TOOL: &str = concat!("evidence-vault ", env!("CARGO_PKG_VERSION"));

/// Crash-test hook: when `VAULT_FAILPOINT` names this point, the process aborts here, as a `kill -9`
/// or power cut would stop it. Used by `tests/cli/crash.rs`. Compiled in only with the test feature
/// `failpoints` (`cargo test --features failpoints`): a release binary ignores the variable.
pub(crate) fn failpoint(name: &str) {
    if failpoint_is(name) {
        std::process::abort();
    }
}

/// Race-test hook: when `VAULT_FAILPOINT` names this point, the process waits a second here,
/// holding whatever it holds, so that a test can run a second process into the window.
pub(crate) fn failpoint_pause(name: &str) {
    if failpoint_is(name) {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[cfg(not(feature = "failpoints"))]
pub(crate) fn failpoint_is(_name: &str) -> bool {
    false
}

#[cfg(feature = "failpoints")]
pub(crate) fn failpoint_is(name: &str) -> bool {
    static POINT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    POINT
        .get_or_init(|| std::env::var("VAULT_FAILPOINT").ok())
        .as_deref()
        == Some(name)
}

//! `vault`: a content-addressed evidence vault for cross-border e-commerce sellers.
//!
//! The library holds everything; the `vault` binary is a thin shell over [`cli::main`].
//!
//! - [`store`]: the vault on disk and its content-addressed objects;
//! - [`ledger`]: the per-order, append-only, hash-chained ledger;
//! - [`media`]: what a file is (kind and media type);
//! - [`ingest`]: files, folders and standard input into items;
//! - [`verify`]: integrity checking;
//! - [`output`]: all printing, `--json`, progress;
//! - [`error`]: typed errors and the exit-code table.

#![forbid(unsafe_code)]

pub mod bundle;
pub mod chat;
pub mod cli;
pub mod digest;
pub mod dispute;
pub mod error;
pub mod ingest;
pub mod ledger;
pub mod media;
pub mod metadata;
pub mod order;
pub mod output;
pub mod profile;
pub mod shipments;
pub mod store;
pub mod summary;
pub mod thumbnail;
pub mod tracking;
pub mod user;
pub mod verify;

/// `evidence-vault <version>`: recorded in every ledger entry.
pub const TOOL: &str = concat!("evidence-vault ", env!("CARGO_PKG_VERSION"));

/// Crash-test hook: when `VAULT_FAILPOINT` names this point, the process aborts here, as a `kill -9`
/// or power cut would stop it. Used by `tests/crash.rs`; unset in normal use.
pub(crate) fn failpoint(name: &str) {
    if failpoint_is(name) {
        std::process::abort();
    }
}

pub(crate) fn failpoint_is(name: &str) -> bool {
    static POINT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    POINT
        .get_or_init(|| std::env::var("VAULT_FAILPOINT").ok())
        .as_deref()
        == Some(name)
}

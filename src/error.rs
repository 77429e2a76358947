//! Typed errors and the one exit-code table.
//!
//! Every error names what it concerns (a path, an order) and, where there is something the user can
//! do about it, carries a hint. The exit code of the process is derived from the error here and
//! nowhere else; `docs/exit-codes.md` documents the same table.

use std::io;
use std::path::PathBuf;

/// Process exit codes. Keep in step with `docs/exit-codes.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// An error: nothing or only part of the work was done (e.g. one of several files was unreadable).
    Error = 1,
    /// The command line was wrong: unknown flag, invalid order id, bad regex. Nothing was done.
    Usage = 2,
    /// Integrity failure: something in the vault or bundle is corrupt, missing or tampered with.
    Integrity = 3,
    /// Done, and something needs a human: a shipment delivered, stuck or returned (`shipments`).
    Attention = 4,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{}: no vault here", path.display())]
    NoVault { path: PathBuf },

    #[error("{}: exists and is not empty, but is not a vault", path.display())]
    NotEmpty { path: PathBuf },

    #[error("{}: {reason}", path.display())]
    BadVault { path: PathBuf, reason: String },

    #[error("invalid order id {id:?}: {reason}")]
    InvalidOrder { id: String, reason: &'static str },

    #[error("no order {order} in this vault")]
    UnknownOrder { order: String },

    #[error("{}: {what}", path.display())]
    Integrity { path: PathBuf, what: String },

    #[error("{}: already exists", path.display())]
    Exists { path: PathBuf },

    /// A file the user handed over (a profile, say) that cannot be used as it is.
    #[error("{}: {what}", path.display())]
    BadInput {
        path: PathBuf,
        what: String,
        hint: String,
    },

    #[error("{key} is not set")]
    NotSet { key: String },

    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// What the user can do about it, if anything useful can be said.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoVault { path } => Some(format!(
                "create one with `vault init {}`, or check the --vault / VAULT_DIR spelling",
                path.display()
            )),
            Error::NotEmpty { .. } => {
                Some("choose an empty or new directory for the vault".to_string())
            }
            Error::InvalidOrder { .. } => Some(
                "order ids are 1-64 characters of A-Z a-z 0-9 . _ - and do not start with '.'"
                    .to_string(),
            ),
            Error::UnknownOrder { .. } => Some("`vault list` shows the orders".to_string()),
            Error::Integrity { .. } => Some("run `vault verify` to see what is wrong".to_string()),
            Error::Exists { .. } => {
                Some("choose another name with -o, or replace it with --force".to_string())
            }
            Error::BadInput { hint, .. } => Some(hint.clone()),
            Error::NotSet { key } => Some(format!(
                "`vault config set {key} VALUE` sets it; `vault config list` shows every key"
            )),
            Error::Io { source, .. } if source.kind() == io::ErrorKind::PermissionDenied => {
                Some("check the file's permissions and owner".to_string())
            }
            _ => None,
        }
    }

    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage(_) | Error::InvalidOrder { .. } | Error::BadInput { .. } => Exit::Usage,
            Error::Integrity { .. } => Exit::Integrity,
            _ => Exit::Error,
        }
    }

    /// A short machine-readable name for `--json` error output.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::NoVault { .. } => "no_vault",
            Error::NotEmpty { .. } => "not_empty",
            Error::BadVault { .. } => "bad_vault",
            Error::InvalidOrder { .. } => "invalid_order",
            Error::UnknownOrder { .. } => "unknown_order",
            Error::Integrity { .. } => "integrity",
            Error::Exists { .. } => "exists",
            Error::BadInput { .. } => "bad_input",
            Error::NotSet { .. } => "not_set",
            Error::Usage(_) => "usage",
        }
    }
}

/// Attach a path to an `io::Result`.
pub trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}

//! How file paths are written into `--json` documents and manifests.

use std::path::Path;

use serde::Serializer;

/// Serde `serialize_with`: a path as UTF-8, lossy where the name is not (the exact bytes, when
/// they matter, are recorded beside it, e.g. an item's `name_bytes_hex`).
pub fn lossy<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// `lossy` for an optional path.
pub fn lossy_opt<S: Serializer>(p: &Option<std::path::PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => lossy(p, s),
        None => s.serialize_none(),
    }
}

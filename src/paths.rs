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

/// An XDG base directory: `$VAR` when it is set to an absolute path, else `$HOME/<home_rel>`;
/// `None` when neither is usable.
pub fn xdg_dir(var: &str, home_rel: &str) -> Option<std::path::PathBuf> {
    if let Some(x) = std::env::var_os(var).filter(|x| !x.is_empty()) {
        let x = std::path::PathBuf::from(x);
        if x.is_absolute() {
            return Some(x);
        }
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| std::path::PathBuf::from(h).join(home_rel))
}

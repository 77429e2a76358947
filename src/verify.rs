//! Integrity checking of a vault: every ledger chain, every object re-hashed, every reference resolved.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::PathBuf;

use crate::progress::{Progress, counted};
use rayon::prelude::*;
use serde::Serialize;

use crate::digest::Digest;
use crate::error::{IoContext, Result};
use crate::ledger::Ledger;
use crate::store::Vault;
use crate::store::order::OrderId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemKind {
    /// An object's bytes no longer hash to its name.
    Corrupt,
    /// An object a ledger entry names is not in the store.
    Missing,
    /// A ledger's chain is broken: an entry was edited, removed, reordered or is not valid.
    Tampered,
    /// A file could not be read at all.
    Unreadable,
    /// Something in the store that does not belong there (a stray file or directory).
    Unexpected,
}

/// One thing wrong, one line in the human output.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderId>,
    /// 1-based line of the ledger entry concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
    pub what: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unreferenced {
    pub sha256: Digest,
    pub size: u64,
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The order checked, or absent for the whole vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderId>,
    pub orders_checked: usize,
    pub entries_checked: usize,
    pub objects_checked: usize,
    pub bytes_checked: u64,
    pub problems: Vec<Problem>,
    /// Objects no ledger names: left by an interrupted add (re-run it) or by hand. Not an error.
    pub unreferenced: Vec<Unreferenced>,
    /// Leftover staging files in `tmp/` from interrupted writes. Not an error.
    pub stale_temp_files: usize,
    /// Ledgers ending in a partial line: an append killed mid-write (or one in progress right
    /// now). Not part of the ledger and not an error; the next append to the order removes it.
    pub interrupted_appends: Vec<Interrupted>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Interrupted {
    pub order: OrderId,
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
    /// Bytes after the last complete line.
    pub bytes: usize,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Where an object is referenced from.
#[derive(Debug, Clone)]
struct Ref {
    order: OrderId,
    line: usize,
    size: u64,
}

/// Check the whole vault, or one order (its ledger and the objects it names).
pub fn verify(vault: &Vault, only: Option<&OrderId>, bar: &dyn Progress) -> Result<VerifyReport> {
    let mut problems = Vec::new();
    let orders = match only {
        Some(o) => {
            if !crate::ledger::path(vault, o).exists() {
                return Err(crate::error::Error::UnknownOrder {
                    order: o.to_string(),
                });
            }
            vec![o.clone()]
        }
        None => {
            let (orders, strays) = vault.orders()?;
            for path in strays {
                problems.push(Problem {
                    kind: ProblemKind::Unexpected,
                    order: None,
                    line: None,
                    what: "not an order directory (invalid id, or in the wrong shard)".into(),
                    path,
                });
            }
            orders
        }
    };

    // Ledgers: chains, and what each entry references.
    let ledgers: Vec<(OrderId, Result<Ledger>)> = orders
        .par_iter()
        .map(|o| {
            let path = crate::ledger::path(vault, o);
            let ledger = fs::read(&path).at(&path).map(|b| Ledger::parse(o, &b));
            (o.clone(), ledger)
        })
        .collect();
    let mut refs: BTreeMap<Digest, Vec<Ref>> = BTreeMap::new();
    let mut entries_checked = 0;
    let mut interrupted_appends = Vec::new();
    for (order, ledger) in ledgers {
        let path = crate::ledger::path(vault, &order);
        let ledger = match ledger {
            Ok(l) => l,
            Err(e) => {
                problems.push(Problem {
                    kind: ProblemKind::Unreadable,
                    order: Some(order),
                    line: None,
                    path,
                    what: e.to_string(),
                });
                continue;
            }
        };
        entries_checked += ledger.lines.len();
        if ledger.torn_tail > 0 {
            interrupted_appends.push(Interrupted {
                order: order.clone(),
                path: path.clone(),
                bytes: ledger.torn_tail,
            });
        }
        for p in &ledger.problems {
            problems.push(Problem {
                kind: ProblemKind::Tampered,
                order: Some(order.clone()),
                line: Some(p.line),
                path: path.clone(),
                what: p.what.clone(),
            });
        }
        for line in &ledger.lines {
            if let Ok(entry) = &line.entry
                && let Some(item) = entry.event.item()
            {
                refs.entry(item.sha256).or_default().push(Ref {
                    order: order.clone(),
                    line: line.number,
                    size: item.size,
                });
            }
        }
    }

    // Objects: the whole store, or just those the order names.
    let mut objects: Vec<(Digest, PathBuf, u64)> = Vec::new();
    match only {
        Some(_) => {
            for d in refs.keys() {
                let path = vault.object_path(d);
                match fs::symlink_metadata(&path) {
                    Ok(m) if m.is_file() => objects.push((*d, path, m.len())),
                    Ok(_) => problems.push(Problem {
                        kind: ProblemKind::Unexpected,
                        order: None,
                        line: None,
                        path,
                        what:
                            "not a regular file (a symlink, FIFO or device in the store): not read"
                                .into(),
                    }),
                    Err(_) => {}
                }
            }
        }
        None => list_objects(vault, &mut objects, &mut problems)?,
    }
    let total: u64 = objects.iter().map(|o| o.2).sum();
    bar.set_length(total);
    let hashed: Vec<(Digest, PathBuf, u64, Result<Digest>)> = objects
        .into_par_iter()
        .map(|(d, path, size)| {
            let r = fs::File::open(&path)
                .and_then(|f| crate::digest::hash_reader(counted(f, bar)))
                .map(|(h, _)| h)
                .at(&path);
            (d, path, size, r)
        })
        .collect();
    bar.finish();

    let objects_checked = hashed.len();
    let bytes_checked = hashed.iter().map(|h| h.2).sum();
    let mut present: HashMap<Digest, u64> = HashMap::new();
    let mut unreferenced = Vec::new();
    for (d, path, size, r) in hashed {
        let users = refs.get(&d).map(Vec::as_slice).unwrap_or(&[]);
        let bad = match r {
            Ok(h) if h == d => None,
            Ok(h) => Some((
                ProblemKind::Corrupt,
                format!("content hashes to {h}, not its name"),
            )),
            Err(e) => Some((ProblemKind::Unreadable, e.to_string())),
        };
        match bad {
            None => {
                present.insert(d, size);
                if users.is_empty() {
                    unreferenced.push(Unreferenced {
                        sha256: d,
                        size,
                        path,
                    });
                }
            }
            Some((kind, what)) if users.is_empty() => problems.push(Problem {
                kind,
                order: None,
                line: None,
                path,
                what: format!("{what} (no order files this object)"),
            }),
            Some((kind, what)) => {
                for r in users {
                    problems.push(Problem {
                        kind,
                        order: Some(r.order.clone()),
                        line: Some(r.line),
                        path: path.clone(),
                        what: what.clone(),
                    });
                }
                // Reported above; not "missing" as well.
                present.insert(d, size);
            }
        }
    }
    for (d, users) in &refs {
        for r in users {
            match present.get(d) {
                None => problems.push(Problem {
                    kind: ProblemKind::Missing,
                    order: Some(r.order.clone()),
                    line: Some(r.line),
                    path: vault.object_path(d),
                    what: "object is missing from the store".into(),
                }),
                Some(&size) if size != r.size => problems.push(Problem {
                    kind: ProblemKind::Corrupt,
                    order: Some(r.order.clone()),
                    line: Some(r.line),
                    path: vault.object_path(d),
                    what: format!("object is {size} bytes, the ledger says {}", r.size),
                }),
                Some(_) => {}
            }
        }
    }
    problems.sort_by(|a, b| {
        (&a.order, a.line, &a.path, a.kind).cmp(&(&b.order, b.line, &b.path, b.kind))
    });

    let stale_temp_files = fs::read_dir(vault.tmp_dir())
        .map(|d| d.count())
        .unwrap_or(0);
    Ok(VerifyReport {
        order: only.cloned(),
        orders_checked: orders.len(),
        entries_checked,
        objects_checked,
        bytes_checked,
        problems,
        unreferenced,
        stale_temp_files,
        interrupted_appends,
    })
}

fn list_objects(
    vault: &Vault,
    objects: &mut Vec<(Digest, PathBuf, u64)>,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let base = vault.objects_dir();
    let mut unexpected = |path: PathBuf, what: &str| {
        problems.push(Problem {
            kind: ProblemKind::Unexpected,
            order: None,
            line: None,
            path,
            what: what.to_string(),
        })
    };
    let mut shards: Vec<_> = fs::read_dir(&base)
        .at(&base)?
        .collect::<std::io::Result<_>>()
        .at(&base)?;
    shards.sort_by_key(|e| e.file_name());
    for shard in shards {
        let shard_path = shard.path();
        let shard_name = shard.file_name();
        // file_type() does not follow a symlink: a linked shard is reported, never walked.
        if !shard.file_type().is_ok_and(|t| t.is_dir()) {
            unexpected(shard_path, "not a shard directory");
            continue;
        }
        for entry in fs::read_dir(&shard_path).at(&shard_path)? {
            let entry = entry.at(&shard_path)?;
            let path = entry.path();
            let digest = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<Digest>().ok());
            // Only regular files are read: a symlink could point anywhere (`/dev/zero` hangs a
            // reader) and a FIFO blocks the open.
            let regular = entry.file_type().is_ok_and(|t| t.is_file());
            match digest {
                Some(_) if !regular => unexpected(
                    path,
                    "not a regular file (a symlink, FIFO or device in the store): not read",
                ),
                Some(d) if d.hex()[..2] == *shard_name.to_string_lossy() => {
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    objects.push((d, path, size));
                }
                _ => unexpected(path, "not an object (name is not a SHA-256 in its shard)"),
            }
        }
    }
    Ok(())
}

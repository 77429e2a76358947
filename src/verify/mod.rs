//! Integrity checking of a vault: every ledger chain, every object re-hashed, every reference resolved.

mod refs;

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use crate::progress::{Progress, counted};
use rayon::prelude::*;
use serde::Serialize;

use crate::digest::Digest;
use crate::error::{IoContext, Result};
use crate::ledger::sign::{Keyring, check_heads};
use crate::ledger::{Entry, Event, Ledger};
use crate::store::Vault;
use crate::store::order::OrderId;
use refs::{Ref, Refs};

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
    /// The signing keys `keys.jsonl` announces, oldest first (each signed by the one before).
    pub keys: Vec<String>,
    /// Per order: how far its ledger is signed and stamped.
    pub trust: Vec<OrderTrust>,
}

/// How far one order's ledger is vouched for.
#[derive(Debug, Clone, Serialize)]
pub struct OrderTrust {
    pub order: OrderId,
    pub entries: u64,
    /// The highest entry (sequence number) whose signed head verifies: it vouches for all before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_through: Option<u64>,
    /// The keys that signed the order's heads.
    pub signed_by: Vec<String>,
    /// The last entry that is not itself a stamp: the one a stamp would cover next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_evidence: Option<u64>,
    /// The highest entry an RFC 3161 token dates (through a checked stamp entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamped_through: Option<u64>,
    /// The latest checked stamp per TSA.
    pub stamps: Vec<StampSeen>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StampSeen {
    pub tsa: String,
    pub tsa_name: String,
    pub through_seq: u64,
    /// When the TSA says the entries through `through_seq` existed.
    pub gen_time: String,
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

/// What one ledger holds for the check, kept after the ledger itself is dropped.
struct LedgerFacts {
    entries: usize,
    torn_tail: usize,
    problems: Vec<Problem>,
    /// (digest, line, size) of every item the ledger files.
    refs: Vec<(Digest, usize, u64)>,
    trust: OrderTrust,
}

/// The "order" of a reference that `vault.json` makes (a TSA's root certificate).
const VAULT_JSON: u32 = u32::MAX;

/// Objects hashed as one parallel batch (with their references): memory for a few thousand.
const OBJECTS_AT_ONCE: usize = 4096;

/// How many ledgers are read at once: enough for every core, few enough that memory stays flat.
const LEDGERS_AT_ONCE: usize = 256;

/// Check the whole vault, or one order (its ledger and the objects it names).
///
/// Memory stays bounded as the vault grows: ledgers are read a batch at a time and kept only as
/// compact references, spilled by shard ([`refs::Refs`]); objects are then checked one shard at a
/// time against that shard's references. What grows is the list of order ids and the report.
pub fn verify(vault: &Vault, only: Option<&OrderId>, bar: &dyn Progress) -> Result<VerifyReport> {
    let mut report = VerifyReport {
        order: only.cloned(),
        orders_checked: 0,
        entries_checked: 0,
        objects_checked: 0,
        bytes_checked: 0,
        problems: Vec::new(),
        unreferenced: Vec::new(),
        stale_temp_files: 0,
        interrupted_appends: Vec::new(),
        keys: Vec::new(),
        trust: Vec::new(),
    };
    let ring = Keyring::read(vault)?;
    let stamps = crate::ledger::stamps::Checker::new(vault);
    report.keys = ring.keys.iter().map(|k| k.id.to_string()).collect();
    report
        .problems
        .extend(ring.problems.iter().map(|(line, what)| Problem {
            kind: ProblemKind::Tampered,
            order: None,
            line: (*line > 0).then_some(*line),
            path: vault.keys_log(),
            what: what.clone(),
        }));
    // The blacklist's own chain (the whole vault only).
    if only.is_none() {
        let flags = crate::buyers::Flags::read(vault)?;
        report
            .problems
            .extend(flags.problems.iter().map(|(line, what)| Problem {
                kind: ProblemKind::Tampered,
                order: None,
                line: Some(*line),
                path: crate::buyers::flags_path(vault),
                what: what.clone(),
            }));
    }
    let orders = select_orders(vault, only, &mut report.problems)?;
    report.orders_checked = orders.len();
    let mut refs = Refs::new();
    // The progress bar's length: the bytes the ledgers name (objects no ledger names lengthen it
    // as they are found).
    let named_bytes = read_ledgers(vault, (&ring, &stamps), &orders, &mut refs, &mut report)?;
    // vault.json names objects too: the TSAs' root certificates.
    for ca in vault
        .meta()
        .tsa
        .iter()
        .filter_map(|t| t.ca)
        .filter(|_| only.is_none())
    {
        let size = vault.backend().object_size(&ca).ok().flatten().unwrap_or(0);
        refs.push(Ref {
            digest: ca,
            order: VAULT_JSON,
            line: 0,
            size,
        })
        .map_err(spill_failed)?;
    }
    bar.set_length(named_bytes);
    check_objects(
        vault,
        only.is_some(),
        &orders,
        &mut refs,
        (bar, named_bytes),
        &mut report,
    )?;
    report.problems.sort_by(|a, b| {
        (&a.order, a.line, &a.path, a.kind).cmp(&(&b.order, b.line, &b.path, b.kind))
    });
    report.stale_temp_files = fs::read_dir(vault.tmp_dir())
        .map(|d| d.count())
        .unwrap_or(0);
    Ok(report)
}

/// The orders to check: the one asked for, or every order (strays reported).
fn select_orders(
    vault: &Vault,
    only: Option<&OrderId>,
    problems: &mut Vec<Problem>,
) -> Result<Vec<OrderId>> {
    if let Some(o) = only {
        if !crate::ledger::path(vault, o).exists() {
            return Err(crate::error::Error::UnknownOrder {
                order: o.to_string(),
            });
        }
        return Ok(vec![o.clone()]);
    }
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
    Ok(orders)
}

/// The spill files live in the system's temporary directory.
fn spill_failed(e: std::io::Error) -> crate::error::Error {
    crate::error::Error::Io {
        path: std::env::temp_dir(),
        source: e,
    }
}

/// Ledgers: chains, and what each entry references (into `refs`). Returns the bytes the entries
/// name in all.
fn read_ledgers(
    vault: &Vault,
    trust: (&Keyring, &crate::ledger::stamps::Checker<'_>),
    orders: &[OrderId],
    refs: &mut Refs,
    report: &mut VerifyReport,
) -> Result<u64> {
    let mut named_bytes = 0u64;
    for (batch_no, batch) in orders.chunks(LEDGERS_AT_ONCE).enumerate() {
        let facts: Vec<std::result::Result<LedgerFacts, String>> = batch
            .par_iter()
            .map(|o| ledger_facts(vault, trust, o))
            .collect();
        for (i, (order, facts)) in batch.iter().zip(facts).enumerate() {
            let index = u32::try_from(batch_no * LEDGERS_AT_ONCE + i).unwrap_or(u32::MAX);
            let path = crate::ledger::path(vault, order);
            let facts = match facts {
                Ok(f) => f,
                Err(what) => {
                    report.problems.push(Problem {
                        kind: ProblemKind::Unreadable,
                        order: Some(order.clone()),
                        line: None,
                        path,
                        what,
                    });
                    continue;
                }
            };
            report.entries_checked += facts.entries;
            if facts.torn_tail > 0 {
                report.interrupted_appends.push(Interrupted {
                    order: order.clone(),
                    path,
                    bytes: facts.torn_tail,
                });
            }
            report.problems.extend(facts.problems);
            report.trust.push(facts.trust);
            for (digest, line, size) in facts.refs {
                named_bytes = named_bytes.saturating_add(size);
                let line = u32::try_from(line).unwrap_or(u32::MAX);
                refs.push(Ref {
                    digest,
                    order: index,
                    line,
                    size,
                })
                .map_err(spill_failed)?;
            }
        }
    }
    Ok(named_bytes)
}

fn ledger_facts(
    vault: &Vault,
    (ring, stamps): (&Keyring, &crate::ledger::stamps::Checker<'_>),
    order: &OrderId,
) -> std::result::Result<LedgerFacts, String> {
    let path = crate::ledger::path(vault, order);
    let bytes = vault
        .read_ledger(order)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the ledger vanished while the vault was checked".to_string())?;
    let ledger = Ledger::parse(order, &bytes);
    drop(bytes);
    let signatures = vault
        .read_signatures(order)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let heads = check_heads(&vault.meta().vault_id, order, &ledger, &signatures, ring);
    let sig_path = path.with_file_name(crate::store::backend::SIGNATURES_FILE);
    let mut problems: Vec<Problem> = heads
        .problems
        .iter()
        .map(|(line, what)| Problem {
            kind: ProblemKind::Tampered,
            order: Some(order.clone()),
            line: Some(*line),
            path: sig_path.clone(),
            what: what.clone(),
        })
        .collect();
    let mut trust = OrderTrust {
        order: order.clone(),
        entries: ledger.lines.len() as u64,
        signed_through: heads.signed_through,
        signed_by: heads.keys.into_iter().collect(),
        last_evidence: ledger.evidence_head().map(|(seq, _)| seq),
        stamped_through: None,
        stamps: Vec::new(),
    };
    for line in &ledger.lines {
        let Ok(Entry {
            event: Event::Stamp { stamp },
            ..
        }) = &line.entry
        else {
            continue;
        };
        match stamps.check(order, &ledger, stamp) {
            Ok(c) => {
                trust.stamped_through = Some(
                    trust
                        .stamped_through
                        .map_or(c.through_seq, |s| s.max(c.through_seq)),
                );
                trust.stamps.retain(|s| s.tsa != c.tsa);
                trust.stamps.push(StampSeen {
                    tsa: c.tsa,
                    tsa_name: c.tsa_name,
                    through_seq: c.through_seq,
                    gen_time: crate::time::format_time(&c.gen_time),
                });
            }
            Err(what) => problems.push(Problem {
                kind: ProblemKind::Tampered,
                order: Some(order.clone()),
                line: Some(line.number),
                path: path.clone(),
                what: format!("stamp by {}: {what}", stamp.tsa),
            }),
        }
    }
    problems.extend(ledger.problems.iter().map(|p| Problem {
        kind: ProblemKind::Tampered,
        order: Some(order.clone()),
        line: Some(p.line),
        path: path.clone(),
        what: p.what.clone(),
    }));
    let refs = ledger
        .lines
        .iter()
        .flat_map(|line| {
            let mut r = Vec::new();
            match line.entry.as_ref().map(|e| &e.event) {
                Ok(Event::Add { item }) => r.push((item.sha256, line.number, item.size)),
                Ok(Event::Stamp { stamp }) => {
                    r.push((stamp.token, line.number, stamp.token_size));
                    r.push((stamp.chain, line.number, stamp.chain_size));
                }
                _ => {}
            }
            r
        })
        .collect();
    Ok(LedgerFacts {
        entries: ledger.lines.len(),
        torn_tail: ledger.torn_tail,
        problems,
        refs,
        trust,
    })
}

/// Objects, one shard at a time through the storage seam: the whole store (and anything in it
/// that is not an object), or for one order just the shards and objects it names.
fn check_objects(
    vault: &Vault,
    only_named: bool,
    orders: &[OrderId],
    refs: &mut Refs,
    (bar, mut length): (&dyn Progress, u64),
    report: &mut VerifyReport,
) -> Result<()> {
    let store = vault.backend();
    if !only_named {
        let strays = store.stray_objects().at(vault.objects_dir())?;
        report.problems.extend(
            strays
                .into_iter()
                .map(|(path, what)| unexpected(path, what)),
        );
    }
    // Shards are hashed in batches of at least `OBJECTS_AT_ONCE` objects, so that every core has
    // work even when each shard holds only a few. References stay sorted by digest across a batch
    // (a shard is the digest's first byte, and shards come in order).
    let (mut users, mut objects) = (Vec::new(), Vec::new());
    for shard in 0..=255u8 {
        let mut these = refs.take(usize::from(shard)).map_err(spill_failed)?;
        // One order's check lists only the shards it names, and looks only at what it names.
        if !only_named || !these.is_empty() {
            let listing = store
                .list_objects(shard)
                .at(vault.objects_dir().join(format!("{shard:02x}")))?;
            let named = |d: &Digest| these.binary_search_by(|r| r.digest.cmp(d)).is_ok();
            for (path, what) in listing.strays {
                let names_one = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.parse::<Digest>().ok())
                    .is_some_and(|d| named(&d));
                if !only_named || names_one {
                    report.problems.push(unexpected(path, what));
                }
            }
            objects.extend(
                listing
                    .objects
                    .into_iter()
                    .filter(|(d, _)| !only_named || named(d))
                    .map(|(d, size)| (d, vault.object_path(&d), size)),
            );
        }
        users.append(&mut these);
        let listed = report.bytes_checked + objects.iter().map(|o| o.2).sum::<u64>();
        if listed > length {
            length = listed;
            bar.set_length(length);
        }
        if objects.len() >= OBJECTS_AT_ONCE || shard == 255 {
            users.sort_unstable();
            check_shard(
                vault,
                orders,
                &users,
                std::mem::take(&mut objects),
                bar,
                report,
            );
            users.clear();
        }
    }
    bar.finish();
    Ok(())
}

fn unexpected(path: PathBuf, what: &str) -> Problem {
    Problem {
        kind: ProblemKind::Unexpected,
        order: None,
        line: None,
        path,
        what: what.to_string(),
    }
}

/// Hash a batch of shards' objects and match them with the references into those shards.
fn check_shard(
    vault: &Vault,
    orders: &[OrderId],
    users: &[Ref],
    objects: Vec<(Digest, PathBuf, u64)>,
    bar: &dyn Progress,
    report: &mut VerifyReport,
) {
    let order_of = |r: &Ref| orders.get(r.order as usize).cloned();
    let of = |d: &Digest| {
        let from = users.partition_point(|r| r.digest < *d);
        let to = users.partition_point(|r| r.digest <= *d);
        &users[from..to]
    };
    let hashed: Vec<(Digest, PathBuf, u64, Result<Digest>)> = objects
        .into_par_iter()
        .map(|(d, path, size)| {
            let r = vault
                .backend()
                .open_object(&d)
                .and_then(|f| crate::digest::hash_reader(counted(f, bar)))
                .map(|(h, _)| h)
                .at(&path);
            (d, path, size, r)
        })
        .collect();
    report.objects_checked += hashed.len();
    let mut present: HashMap<Digest, u64> = HashMap::with_capacity(hashed.len());
    for (d, path, size, r) in hashed {
        report.bytes_checked += size;
        let named_by = of(&d);
        let bad = match r {
            Ok(h) if h == d => None,
            Ok(h) => Some((
                ProblemKind::Corrupt,
                format!("content hashes to {h}, not its name"),
            )),
            Err(e) => Some((ProblemKind::Unreadable, e.to_string())),
        };
        // A bad object is reported here, and so not as "missing" as well.
        present.insert(d, size);
        match bad {
            None if named_by.is_empty() => report.unreferenced.push(Unreferenced {
                sha256: d,
                size,
                path,
            }),
            None => {}
            Some((kind, what)) if named_by.is_empty() => report.problems.push(Problem {
                kind,
                order: None,
                line: None,
                path,
                what: format!("{what} (no order files this object)"),
            }),
            Some((kind, what)) => {
                for r in named_by {
                    report.problems.push(Problem {
                        kind,
                        order: order_of(r),
                        line: Some(r.line as usize),
                        path: path.clone(),
                        what: what.clone(),
                    });
                }
            }
        }
    }
    for r in users {
        match present.get(&r.digest) {
            None => report.problems.push(Problem {
                kind: ProblemKind::Missing,
                order: order_of(r),
                line: Some(r.line as usize),
                path: vault.object_path(&r.digest),
                what: "object is missing from the store".into(),
            }),
            Some(&size) if size != r.size => report.problems.push(Problem {
                kind: ProblemKind::Corrupt,
                order: order_of(r),
                line: Some(r.line as usize),
                path: vault.object_path(&r.digest),
                what: format!("object is {size} bytes, the ledger says {}", r.size),
            }),
            Some(_) => {}
        }
    }
}

//! `vault stamp`: RFC 3161 tokens for every order whose ledger changed since its last stamp.
//!
//! One run sends at most one request per TSA, however many orders changed: the changed heads are
//! the leaves of a Merkle tree ([`crate::trust::merkle`]), its root is stamped, and each order
//! records a `stamp` entry with the token (an object), the TSA's certificate chain (an object), the
//! root and its inclusion proof. `--direct` stamps each order's head on its own instead, which
//! `openssl ts -verify -digest HEAD` checks with no extra step.
//!
//! Nothing is queued on disk: what is pending is read from the ledgers (an order whose content
//! entries run past its last stamp by that TSA), so a failed run leaves nothing to lose or repair,
//! and the next run stamps what is still pending.

pub mod http;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use rayon::prelude::*;
use serde::Serialize;
use x509_cert::Certificate;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::ledger::{Appender, Event, NewEntry, StampRecord};
use crate::progress::Progress;
use crate::store::Vault;
use crate::store::order::OrderId;
use crate::trust::merkle::{self, Step};
use crate::trust::tsp;

/// A TSA to ask: its URL and the certificates its tokens must chain to.
#[derive(Debug, Clone)]
pub struct Tsa {
    pub url: String,
    pub roots: Vec<Certificate>,
    /// Where the roots came from, for messages.
    pub roots_from: String,
}

pub struct Options {
    pub tsas: Vec<Tsa>,
    /// Only these orders (all when empty).
    pub orders: Vec<OrderId>,
    pub direct: bool,
    pub timeout: Duration,
    pub by: String,
}

/// What one TSA did in this run.
#[derive(Debug, Clone, Serialize)]
pub struct TsaOutcome {
    pub url: String,
    pub requests: usize,
    /// Orders stamped by this TSA in this run.
    pub stamped: usize,
    /// Orders still waiting for this TSA (its request failed).
    pub pending: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gen_time: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
}

/// A request that failed, named.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// `unreachable`, `timeout`, `http_status`, `content_type`, `too_large`, `rejected`,
    /// `mismatch`, `invalid`, `store`.
    pub code: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderStamped {
    pub order: OrderId,
    pub tsa: String,
    pub through_seq: u64,
    pub gen_time: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StampReport {
    pub direct: bool,
    /// Orders looked at.
    pub orders_checked: usize,
    /// Orders stamped through their last entry by every TSA already.
    pub up_to_date: usize,
    pub tsas: Vec<TsaOutcome>,
    pub stamped: Vec<OrderStamped>,
    /// Order-TSA pairs still pending after this run.
    pub pending: usize,
    /// Orders that cannot be stamped (a broken chain), with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub order: OrderId,
    pub why: String,
}

/// An order's state for stamping: its content head and, per TSA, how far it is stamped.
struct Due {
    order: OrderId,
    /// The last entry that is not a stamp, and its hash.
    seq: u64,
    head: Digest,
    stamped: HashMap<String, u64>,
}

fn due(vault: &Vault, order: &OrderId) -> std::result::Result<Option<Due>, String> {
    let ledger = crate::ledger::Ledger::read_existing(vault, order)
        .map_err(|e| e.to_string())?
        .ok_or("no such order")?;
    if let Some(p) = ledger.problems.first() {
        return Err(format!(
            "the ledger's chain is broken at line {} ({}): run `vault verify --order {order}`",
            p.line, p.what
        ));
    }
    let Some((seq, head)) = ledger.evidence_head() else {
        return Ok(None);
    };
    let mut stamped = HashMap::new();
    for e in ledger.entries() {
        if let Event::Stamp { stamp } = &e.event {
            let s = stamped
                .entry(stamp.tsa.clone())
                .or_insert(stamp.through_seq);
            *s = (*s).max(stamp.through_seq);
        }
    }
    Ok(Some(Due {
        order: order.clone(),
        seq,
        head,
        stamped,
    }))
}

/// Stamp every order whose ledger changed since its last stamp by each TSA.
pub fn stamp(vault: &Vault, opts: &Options, bar: &dyn Progress) -> Result<StampReport> {
    if opts.tsas.is_empty() {
        return Err(Error::Usage(
            "no Time-Stamp Authority: give --tsa URL (with --tsa-ca ROOT.pem), or save one with `vault stamp --tsa URL --tsa-ca ROOT.pem --save`".into(),
        ));
    }
    let orders = if opts.orders.is_empty() {
        vault.orders()?.0
    } else {
        for o in &opts.orders {
            if vault.read_ledger(o)?.is_none() {
                return Err(Error::UnknownOrder {
                    order: o.to_string(),
                });
            }
        }
        opts.orders.clone()
    };
    let states: Vec<_> = orders.par_iter().map(|o| (o, due(vault, o))).collect();
    let mut report = StampReport {
        direct: opts.direct,
        orders_checked: orders.len(),
        up_to_date: 0,
        tsas: Vec::new(),
        stamped: Vec::new(),
        pending: 0,
        skipped: Vec::new(),
    };
    let mut dues = Vec::new();
    for (order, state) in states {
        match state {
            Ok(Some(d)) => dues.push(d),
            Ok(None) => {}
            Err(why) => report.skipped.push(Skipped {
                order: order.clone(),
                why,
            }),
        }
    }
    let is_due = |d: &Due, url: &str| d.stamped.get(url).is_none_or(|&s| s < d.seq);
    report.up_to_date = dues
        .iter()
        .filter(|d| opts.tsas.iter().all(|t| !is_due(d, &t.url)))
        .count();
    let total: usize = opts
        .tsas
        .iter()
        .map(|t| dues.iter().filter(|d| is_due(d, &t.url)).count())
        .sum();
    bar.set_length(total as u64);
    for tsa in &opts.tsas {
        let todo: Vec<&Due> = dues.iter().filter(|d| is_due(d, &tsa.url)).collect();
        let outcome = stamp_with(vault, tsa, &todo, opts, bar, &mut report.stamped);
        report.pending += outcome.pending;
        report.tsas.push(outcome);
    }
    bar.finish();
    Ok(report)
}

/// A request's digest and who it covers: the tree's root with each order's proof, or one head.
struct Batch<'d> {
    root: Digest,
    leaves: Vec<(&'d Due, Vec<Step>)>,
}

fn batches<'d>(todo: &[&'d Due], direct: bool) -> Vec<Batch<'d>> {
    if direct {
        return todo
            .iter()
            .map(|d| Batch {
                root: d.head,
                leaves: vec![(*d, Vec::new())],
            })
            .collect();
    }
    let hashes: Vec<Digest> = todo
        .iter()
        .map(|d| merkle::leaf_hash(merkle::leaf_data(d.order.as_str(), d.seq, &d.head).as_bytes()))
        .collect();
    match merkle::build(&hashes) {
        None => Vec::new(),
        Some((root, proofs)) => vec![Batch {
            root,
            leaves: todo.iter().copied().zip(proofs).collect(),
        }],
    }
}

fn stamp_with(
    vault: &Vault,
    tsa: &Tsa,
    todo: &[&Due],
    opts: &Options,
    bar: &dyn Progress,
    stamped: &mut Vec<OrderStamped>,
) -> TsaOutcome {
    let mut out = TsaOutcome {
        url: tsa.url.clone(),
        requests: 0,
        stamped: 0,
        pending: 0,
        gen_time: None,
        failures: Vec::new(),
    };
    for batch in batches(todo, opts.direct) {
        out.requests += 1;
        match obtain(vault, tsa, &batch.root, opts.timeout) {
            Err(f) => {
                out.pending += batch.leaves.len();
                out.failures.push(f);
                bar.inc(batch.leaves.len() as u64);
            }
            Ok(got) => {
                out.gen_time = Some(got.gen_time.clone());
                let leaves = if opts.direct { 1 } else { todo.len() as u64 };
                // Each order's entry is its own locked append with an fsync: done by many threads
                // at once, so that the file system commits them together.
                let results: Vec<(&Due, Result<()>)> = on_appenders(|| {
                    batch
                        .leaves
                        .into_par_iter()
                        .map(|(due, proof)| {
                            let record = StampRecord {
                                tsa: tsa.url.clone(),
                                tsa_name: got.tsa_name.clone(),
                                gen_time: got.gen_time.clone(),
                                serial: got.serial.clone(),
                                through_seq: due.seq,
                                head: due.head,
                                root: batch.root,
                                leaves,
                                proof,
                                nonce: got.nonce.clone(),
                                token: got.token.0,
                                token_size: got.token.1,
                                chain: got.chain.0,
                                chain_size: got.chain.1,
                            };
                            let r = record_stamp(vault, &due.order, record, &opts.by);
                            bar.inc(1);
                            (due, r)
                        })
                        .collect()
                });
                for (due, r) in results {
                    match r {
                        Ok(()) => {
                            out.stamped += 1;
                            stamped.push(OrderStamped {
                                order: due.order.clone(),
                                tsa: tsa.url.clone(),
                                through_seq: due.seq,
                                gen_time: got.gen_time.clone(),
                            });
                        }
                        Err(e) => {
                            out.pending += 1;
                            out.failures.push(Failure {
                                code: "store",
                                text: format!("order {}: {e}", due.order),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Threads for the appends: waiting on fsync, not on the CPU, so more than there are cores.
/// (Without a pool of its own — threads refused — the work runs on the caller's pool.)
fn on_appenders<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(16)
            .thread_name(|i| format!("stamp-append-{i}"))
            .build()
            .ok()
    });
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// A token obtained, checked and stored.
struct Got {
    gen_time: String,
    serial: String,
    tsa_name: String,
    nonce: String,
    token: (Digest, u64),
    chain: (Digest, u64),
}

fn obtain(
    vault: &Vault,
    tsa: &Tsa,
    digest: &Digest,
    timeout: Duration,
) -> std::result::Result<Got, Failure> {
    let nonce = getrandom::u64().map_err(|e| Failure {
        code: "invalid",
        text: format!("no random nonce: {e}"),
    })? >> 1;
    let reply = http::post(&tsa.url, &tsp::request(&digest.0, nonce), timeout)?;
    let name = |e: tsp::TspError| Failure {
        code: match e {
            tsp::TspError::Rejected(_) => "rejected",
            tsp::TspError::Mismatch(_) => "mismatch",
            tsp::TspError::Invalid(_) => "invalid",
        },
        text: format!("{}: {e}", tsa.url),
    };
    let token = tsp::token_of_reply(&reply).map_err(name)?;
    let v = tsp::verify(&token, &digest.0, Some(nonce), &tsa.roots, &[]).map_err(name)?;
    let put = |bytes: &[u8]| -> std::result::Result<(Digest, u64), Failure> {
        let s = vault.put(bytes).map_err(|e| Failure {
            code: "store",
            text: match e {
                crate::store::PutError::Source(e) => e.to_string(),
                crate::store::PutError::Store(e) => e.to_string(),
            },
        })?;
        let _ = vault.sync_object_dir(&s.digest);
        Ok((s.digest, s.size))
    };
    Ok(Got {
        gen_time: crate::time::format_time(&v.gen_time),
        serial: v.serial,
        tsa_name: v.tsa,
        nonce: format!("{nonce:016x}"),
        token: put(&reply)?,
        chain: put(v.chain_pem.as_bytes())?,
    })
}

fn record_stamp(vault: &Vault, order: &OrderId, stamp: StampRecord, by: &str) -> Result<()> {
    let mut app = Appender::open(vault, order)?;
    app.push(NewEntry {
        at: Utc::now(),
        by: by.to_string(),
        event: Event::Stamp {
            stamp: Box::new(stamp),
        },
        note: None,
    });
    app.commit()
}

/// The system's trust store, for public TSAs whose roots browsers trust: `$SSL_CERT_FILE`, else
/// Debian's and Red Hat's bundle paths.
fn system_roots() -> Option<(String, Vec<Certificate>)> {
    let candidates = std::env::var("SSL_CERT_FILE").ok().into_iter().chain(
        [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
        ]
        .map(String::from),
    );
    for path in candidates {
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(certs) = load_bundle(&bytes)
        {
            return Some((path, certs));
        }
    }
    None
}

/// Every certificate of a PEM bundle that parses (system bundles hold a few odd ones).
fn load_bundle(bytes: &[u8]) -> std::result::Result<Vec<Certificate>, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut certs = Vec::new();
    for block in text.split_inclusive("-----END CERTIFICATE-----") {
        if let Some(start) = block.find("-----BEGIN CERTIFICATE-----")
            && let Ok(mut c) = tsp::load_pem(&block.as_bytes()[start..])
        {
            certs.append(&mut c);
        }
    }
    if certs.is_empty() {
        return Err("no certificate".into());
    }
    Ok(certs)
}

/// A TSA given on the command line: its URL and, optionally, a PEM file of its root (and
/// intermediates); without one, the root configured for that URL, else the system's trust store.
pub fn tsa_from(vault: &Vault, url: &str, ca: Option<&std::path::Path>) -> Result<Tsa> {
    if !url.starts_with("http://") {
        return Err(Error::Usage(format!(
            "--tsa {url:?}: give the TSA's http:// URL (TSAs serve plain HTTP: the token is signed; this build has no TLS)"
        )));
    }
    if let Some(path) = ca {
        let bytes = crate::bounded::read_file_at_most(path, tsp::MAX_REPLY).map_err(|what| {
            Error::BadInput {
                path: path.to_path_buf(),
                what,
                hint: "--tsa-ca takes the TSA's root certificate as PEM".into(),
            }
        })?;
        let roots = tsp::load_pem(&bytes).map_err(|what| Error::BadInput {
            path: path.to_path_buf(),
            what,
            hint: "--tsa-ca takes the TSA's root certificate as PEM".into(),
        })?;
        return Ok(Tsa {
            url: url.to_string(),
            roots,
            roots_from: path.display().to_string(),
        });
    }
    if let Some(t) = configured(vault)?.into_iter().find(|t| t.url == url) {
        return Ok(t);
    }
    system_tsa(url)
}

fn system_tsa(url: &str) -> Result<Tsa> {
    let (from, roots) = system_roots().ok_or_else(|| {
        Error::Usage(format!(
            "--tsa {url}: no --tsa-ca given and no system trust store found: give the TSA's root with --tsa-ca ROOT.pem"
        ))
    })?;
    Ok(Tsa {
        url: url.to_string(),
        roots,
        roots_from: from,
    })
}

/// The TSAs a run without `--tsa` asks: those the `tsa` setting names (`urls`; each with the root
/// saved for it in vault.json, else the system's), else those saved in vault.json.
pub fn default_tsas(vault: &Vault, urls: &[String]) -> Result<Vec<Tsa>> {
    if urls.is_empty() {
        return configured(vault);
    }
    urls.iter().map(|u| tsa_from(vault, u, None)).collect()
}

/// The TSAs saved in `vault.json`, with their roots.
pub fn configured(vault: &Vault) -> Result<Vec<Tsa>> {
    vault
        .meta()
        .tsa
        .iter()
        .map(|t| match t.ca {
            Some(ca) => {
                let bytes = vault
                    .read_object_bounded(&ca, tsp::MAX_REPLY)
                    .map_err(|what| Error::BadVault {
                        path: vault.object_path(&ca),
                        reason: format!("the root certificate of TSA {}: {what}", t.url),
                    })?;
                let roots = tsp::load_pem(&bytes).map_err(|what| Error::BadVault {
                    path: vault.object_path(&ca),
                    reason: format!("the root certificate of TSA {}: {what}", t.url),
                })?;
                Ok(Tsa {
                    url: t.url.clone(),
                    roots,
                    roots_from: format!("vault.json (object {})", ca.short()),
                })
            }
            None => system_tsa(&t.url),
        })
        .collect()
}

/// Save `tsa` in `vault.json` (its roots stored as an object), replacing one with the same URL.
pub fn save(vault: &mut Vault, tsa: &Tsa, from_system: bool) -> Result<()> {
    let ca = if from_system {
        None
    } else {
        let mut pem = String::new();
        for c in &tsa.roots {
            pem.push_str(&tsp::pem(&der::Encode::to_der(c).map_err(|e| {
                Error::Usage(format!("re-encoding the TSA root: {e}"))
            })?));
        }
        let stored = vault.put(pem.as_bytes()).map_err(|e| match e {
            crate::store::PutError::Store(e) => e,
            crate::store::PutError::Source(e) => Error::io(vault.tmp_dir(), e),
        })?;
        vault.sync_object_dir(&stored.digest)?;
        Some(stored.digest)
    };
    let entry = crate::store::TsaMeta {
        url: tsa.url.clone(),
        ca,
    };
    vault.update_meta(|m| {
        m.tsa.retain(|t| t.url != entry.url);
        m.tsa.push(entry);
    })
}

//! The per-order ledger: an append-only, hash-chained JSON-lines file.
//!
//! Each line is one entry. Its `prev` field holds the SHA-256 of the exact bytes of the previous line
//! (without the line feed); the first entry's `prev` is 64 zeros. Editing, removing or reordering any
//! line breaks the chain at the next line. `seq` counts from 0, and `order` names the order, so an
//! entry cannot be moved to another order's ledger unnoticed.
//!
//! Appends take an exclusive lock on the ledger file, so concurrent `vault add` runs serialise. Each
//! batch of entries is written with one `write` call and fsynced before the command reports success.

pub mod sign;
pub mod stamps;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::dispute::{DisputeClosed, DisputeOpened};
use crate::error::{Error, IoContext, Result};
use crate::evidence::kind::{Kind, MediaType};
use crate::store::Vault;
use crate::store::backend::{AppendError, LedgerWriter};
use crate::store::order::OrderId;

pub use crate::store::backend::LEDGER_FILE;

/// `orders/<shard>/<order>/ledger.jsonl`: where `order`'s ledger is kept.
pub fn path(vault: &Vault, order: &OrderId) -> PathBuf {
    vault.order_dir(order).join(LEDGER_FILE)
}

/// One ledger line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub seq: u64,
    pub prev: Digest,
    pub order: OrderId,
    #[serde(with = "crate::time::rfc3339")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub tool: String,
    #[serde(flatten)]
    pub event: Event,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What happened. Tagged by the `event` field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// An object was filed under the order.
    Add { item: Box<Item> },
    /// An evidence bundle was made of the order (see `bundle`).
    Bundle { bundle: BundleRecord },
    /// A shipment (parcel) of the order was registered with its carrier and tracking number.
    Track { shipment: Shipment },
    /// A buyer opened a dispute on a platform.
    DisputeOpen { dispute: DisputeOpened },
    /// A note on the dispute (the text is the entry's `note`).
    DisputeNote {},
    /// The dispute moved on: negotiation, escalation to the platform.
    DisputeStage {
        stage: crate::dispute::DisputeStaged,
    },
    /// A refund offered to settle the dispute, and the buyer's answer.
    DisputeOffer { offer: crate::dispute::DisputeOffer },
    /// The dispute ended.
    DisputeClose { close: DisputeClosed },
    /// A Time-Stamp Authority's token dates the ledger through an entry (`vault stamp`).
    Stamp { stamp: Box<StampRecord> },
    /// The order's buyer, by key only (`crate::buyers`: the ID and name are kept apart, erasable).
    Buyer { buyer: String },
}

/// A parcel registered with `vault track`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Shipment {
    pub carrier: String,
    pub number: String,
    /// When it was handed to the carrier, as the user gave it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<String>,
}

/// What a `bundle` entry records: enough to recognise the zip later and to know what it covered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BundleRecord {
    /// SHA-256 of the zip file.
    pub sha256: Digest,
    pub size: u64,
    /// The zip's file name (not its directory).
    pub file: String,
    /// The bag's top-level folder inside the zip.
    pub bag: String,
    /// How many ledger entries the bundle carries, and the hash of the last one.
    pub ledger_entries: u64,
    pub ledger_head: Digest,
}

/// What a `stamp` ledger entry records.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StampRecord {
    /// The TSA's URL.
    pub tsa: String,
    /// The TSA certificate's subject.
    pub tsa_name: String,
    /// When the TSA says the digest existed (RFC 3339, UTC).
    pub gen_time: String,
    /// The token's serial number (hex).
    pub serial: String,
    /// The entry stamped: the ledger's head at that entry is a leaf of the tree.
    pub through_seq: u64,
    pub head: Digest,
    /// The digest the token stamps: the tree's root, or the head itself (`--direct`).
    pub root: Digest,
    /// Leaves in the tree (1 for a direct stamp).
    pub leaves: u64,
    /// The inclusion proof from this order's leaf to the root (empty for a direct stamp).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proof: Vec<crate::trust::merkle::Step>,
    /// The nonce sent (hex), which the token must echo.
    pub nonce: String,
    /// The TSA's reply (`.tsr`, DER), stored as an object.
    pub token: Digest,
    pub token_size: u64,
    /// PEM of the certificate chain the token was checked against (signer first, root last).
    pub chain: Digest,
    pub chain_size: u64,
}

impl StampRecord {
    /// Whether this is a direct stamp of the head (no tree).
    pub fn is_direct(&self) -> bool {
        self.proof.is_empty() && self.root == self.head
    }

    /// The leaf this stamp's proof starts from.
    pub fn leaf(&self, order: &OrderId) -> Digest {
        if self.is_direct() {
            self.head
        } else {
            crate::trust::merkle::leaf_hash(
                crate::trust::merkle::leaf_data(order.as_str(), self.through_seq, &self.head)
                    .as_bytes(),
            )
        }
    }
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Add { .. } => "add",
            Event::Bundle { .. } => "bundle",
            Event::Track { .. } => "track",
            Event::DisputeOpen { .. } => "dispute_open",
            Event::DisputeNote {} => "dispute_note",
            Event::DisputeOffer { .. } => "dispute_offer",
            Event::DisputeStage { .. } => "dispute_stage",
            Event::DisputeClose { .. } => "dispute_close",
            Event::Stamp { .. } => "stamp",
            Event::Buyer { .. } => "buyer",
        }
    }

    /// One line for people about a dispute or stamp event, its times in `zone` first when
    /// given (and in UTC); None for other events.
    pub fn summary(&self, zone: Option<&crate::time::Zone>) -> Option<String> {
        let human = |t: &str| crate::time::human_in(t, zone);
        match self {
            Event::Stamp { stamp } => Some(format!(
                "time-stamped: entries 1-{} existed no later than {} (RFC 3161 token from {})",
                stamp.through_seq + 1,
                human(&stamp.gen_time),
                stamp.tsa_name
            )),
            Event::DisputeOpen { dispute: d } => Some(format!(
                "dispute opened on {} ({}){}{}, at {}",
                d.platform.as_str(),
                d.reason,
                d.case
                    .as_deref()
                    .map(|c| format!(", case {c}"))
                    .unwrap_or_default(),
                d.due
                    .as_deref()
                    .map(|t| format!(", answer due {}", human(t)))
                    .unwrap_or_default(),
                human(&d.opened_at)
            )),
            Event::DisputeNote {} => Some("dispute note".to_string()),
            Event::Buyer { buyer } => Some(format!("the order's buyer: {buyer}")),
            Event::DisputeStage { stage } => Some(format!(
                "dispute {}{}",
                stage.stage.as_str(),
                stage
                    .due
                    .as_deref()
                    .map(|t| format!(", answer due {}", human(t)))
                    .unwrap_or_default()
            )),
            Event::DisputeOffer { offer } => Some(format!("dispute: {}", offer.describe())),
            Event::DisputeClose { close: c } => Some(format!(
                "dispute closed: {}{}",
                serde_json::to_value(c.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                match (&c.amount, &c.currency) {
                    (Some(a), Some(cur)) => format!(", {a} {cur}"),
                    (Some(a), None) => format!(", {a}"),
                    _ => String::new(),
                }
            )),
            _ => None,
        }
    }

    /// The item an `add` entry files; `None` for other events.
    pub fn item(&self) -> Option<&Item> {
        match self {
            Event::Add { item } => Some(item.as_ref()),
            _ => None,
        }
    }
}

/// An object filed under an order, as recorded in an `add` entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Item {
    pub sha256: Digest,
    pub size: u64,
    pub kind: Kind,
    /// The original file name, as UTF-8 (lossy when the name was not UTF-8).
    pub name: String,
    /// The original name's exact bytes in hex, present only when the name was not valid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_bytes_hex: Option<String>,
    pub media_type: MediaType,
    /// What a photo or video says about itself (capture time, camera, size, GPS, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<crate::evidence::metadata::MediaInfo>,
    /// For tracking snapshots vault can read: format, tracking number, event count, delivery time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<crate::evidence::tracking::Summary>,
    /// For chat exports vault can read: format, message count, participants, first and last time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<crate::evidence::chat::Summary>,
    /// For a media file taken out of a chat export zip: the zip's SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extracted_from: Option<Digest>,
}

impl Item {
    /// What `add` and `show` report of this item under `order`, with its capture-time warnings.
    pub fn facts(&self, order: &OrderId, warnings: Vec<String>) -> ItemFacts {
        ItemFacts {
            order: order.clone(),
            sha256: self.sha256,
            size: self.size,
            kind: self.kind,
            name: self.name.clone(),
            name_bytes_hex: self.name_bytes_hex.clone(),
            media_type: self.media_type.clone(),
            media: self.media.clone(),
            tracking: self.tracking.clone(),
            chat: self.chat.clone(),
            warnings,
        }
    }
}

/// An item as `add` and `show` report it (`--json`: the fields of `items[]` they share).
#[derive(Debug, Clone, Serialize)]
pub struct ItemFacts {
    pub order: OrderId,
    pub sha256: Digest,
    pub size: u64,
    pub kind: Kind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_bytes_hex: Option<String>,
    pub media_type: MediaType,
    /// What a photo or video says about itself: `captured_at`, `captured_from`, `camera`, `width`,
    /// `height`, `orientation`, `gps`, `duration_s`, `error`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub media: Option<crate::evidence::metadata::MediaInfo>,
    /// For tracking snapshots vault can read: `format`, `number`, `carrier`, `events`, `delivered_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<crate::evidence::tracking::Summary>,
    /// For chat exports vault can read: `format`, `messages`, `participants`, `first`, `last`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<crate::evidence::chat::Summary>,
    /// Capture-time checks that failed (see `metadata::time_warnings`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The fields every ledger line has, whatever its event: enough to check the chain even for event
/// types a newer version of vault wrote.
#[derive(Debug, Deserialize)]
struct Header {
    seq: u64,
    prev: Digest,
    order: OrderId,
}

/// One line of a ledger file as read from disk.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// SHA-256 of the line's bytes without its line feed.
    pub hash: Digest,
    /// The parsed entry, or why it could not be parsed.
    pub entry: std::result::Result<Entry, String>,
}

/// A problem found while checking a ledger's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProblem {
    /// 1-based line number.
    pub line: usize,
    pub what: String,
}

/// A whole ledger read from disk.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub lines: Vec<Line>,
    /// Bytes after the last line feed: an append that was cut short (the process was killed in the
    /// middle of its `write`, which Linux may cut at a page boundary). Nobody was told those entries
    /// were recorded; they are not part of the ledger, and the next append removes them.
    pub torn_tail: usize,
    /// The hash of the last line, which the next entry must name as `prev`.
    pub head: Option<Digest>,
    /// Chain problems, in line order.
    pub problems: Vec<ChainProblem>,
}

impl Ledger {
    /// Parse and check ledger bytes for `order`.
    pub fn parse(order: &OrderId, bytes: &[u8]) -> Ledger {
        let mut ledger = Ledger::default();
        if bytes.is_empty() {
            return ledger;
        }
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        ledger.torn_tail = bytes.len() - complete;
        let Some(body) = bytes[..complete].strip_suffix(b"\n") else {
            return ledger;
        };
        let mut prev = Digest::ZERO;
        for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
            let number = i + 1;
            let hash = Digest::of(raw);
            let problem = |what: String| ChainProblem { line: number, what };
            let entry = match std::str::from_utf8(raw) {
                Err(_) => Err("not valid UTF-8".to_string()),
                Ok(text) => serde_json::from_str::<Entry>(text).map_err(|e| e.to_string()),
            };
            // The chain is checked from the header alone so that entry types this version does not
            // know (written by a newer vault) still verify.
            match serde_json::from_slice::<Header>(raw) {
                Err(e) => ledger
                    .problems
                    .push(problem(format!("not a ledger entry: {e}"))),
                Ok(h) => {
                    if h.seq != i as u64 {
                        ledger.problems.push(problem(format!(
                            "sequence number {} where {} was expected (an entry was removed, added or moved)",
                            h.seq, i
                        )));
                    }
                    if h.prev != prev {
                        ledger.problems.push(problem(if i == 0 {
                            "the first entry does not start the chain (prev is not 64 zeros): earlier entries were removed".to_string()
                        } else {
                            format!(
                                "prev hash does not match line {}: that line, or this one, was edited, removed or reordered",
                                number - 1
                            )
                        }));
                    }
                    if &h.order != order {
                        ledger.problems.push(problem(format!(
                            "entry belongs to order {}, not {order}",
                            h.order
                        )));
                    }
                    if let Err(e) = &entry {
                        ledger.problems.push(problem(format!(
                            "entry not understood (written by a newer vault?): {e}"
                        )));
                    }
                }
            }
            prev = hash;
            ledger.lines.push(Line {
                number,
                hash,
                entry,
            });
        }
        ledger.head = ledger.lines.last().map(|l| l.hash);
        ledger
    }

    /// Read `order`'s ledger; an empty ledger when the order has none yet.
    pub fn read(vault: &Vault, order: &OrderId) -> Result<Ledger> {
        Ok(Ledger::read_existing(vault, order)?.unwrap_or_default())
    }

    /// Read `order`'s ledger; `None` when the vault has no such order.
    pub fn read_existing(vault: &Vault, order: &OrderId) -> Result<Option<Ledger>> {
        Ok(vault
            .read_ledger(order)?
            .map(|bytes| Ledger::parse(order, &bytes)))
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.lines.iter().filter_map(|l| l.entry.as_ref().ok())
    }

    /// The last entry that is not itself a stamp, with its hash: what a stamp should cover (a
    /// stamp entry records a token; stamping it again would date nothing new).
    pub fn evidence_head(&self) -> Option<(u64, Digest)> {
        self.lines
            .iter()
            .rev()
            .find(|l| !matches!(&l.entry, Ok(e) if matches!(e.event, Event::Stamp { .. })))
            .map(|l| (l.number as u64 - 1, l.hash))
    }

    /// The items filed under the order, each with the entry that added it, oldest first.
    pub fn items(&self) -> impl Iterator<Item = (&Entry, &Item)> {
        self.entries()
            .filter_map(|e| e.event.item().map(|i| (e, i)))
    }
}

/// An open, locked ledger for appending. Dropping it releases the lock.
pub struct Appender {
    writer: Box<dyn LedgerWriter>,
    /// For messages: where the local store keeps the ledger.
    path: PathBuf,
    order: OrderId,
    next_seq: u64,
    /// The sequence number of the first staged entry: the ledger's length when last committed.
    committed_seq: u64,
    prev: Digest,
    known: HashSet<Digest>,
    pending: Vec<u8>,
    /// The ledger as read under the lock, before this appender's entries.
    ledger: Ledger,
    /// Signs each committed head, when the vault has a key.
    signer: Option<Arc<sign::Signer>>,
    /// Why the last commit's head is not signed, when signing failed after the entries were written.
    unsigned: Option<String>,
}

/// The fields of a new entry that the caller chooses.
pub struct NewEntry {
    pub at: DateTime<Utc>,
    pub by: String,
    pub event: Event,
    pub note: Option<String>,
}

impl Appender {
    /// Open (creating when needed) and lock `order`'s ledger. Blocks while another process holds it.
    pub fn open(vault: &Vault, order: &OrderId) -> Result<Appender> {
        // The key first: a vault that signs refuses to append unsigned (a missing key is an error).
        let signer = sign::Signer::for_vault(vault)?;
        let path = vault.order_dir(order).join(LEDGER_FILE);
        let (bytes, writer) = vault.backend().open_ledger(order).at(&path)?;
        let ledger = Ledger::parse(order, &bytes);
        let known = ledger.items().map(|(_, item)| item.sha256).collect();
        let next_seq = ledger.lines.len() as u64;
        let prev = ledger.head.unwrap_or(Digest::ZERO);
        Ok(Appender {
            writer,
            path,
            order: order.clone(),
            next_seq,
            committed_seq: next_seq,
            prev,
            known,
            pending: Vec::new(),
            ledger,
            signer,
            unsigned: None,
        })
    }

    /// Why the last commit's head went unsigned (the signature log could not be written).
    pub fn unsigned(&self) -> Option<&str> {
        self.unsigned.as_deref()
    }

    /// Whether an object is already filed under this order (including entries staged in this batch).
    pub fn contains(&self, d: &Digest) -> bool {
        self.known.contains(d)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn order(&self) -> &OrderId {
        &self.order
    }

    /// The ledger as it was when the lock was taken.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// When the ledger's chain is already broken (edited, truncated inside, reordered): a warning
    /// to show before appending. New entries chain on from the last line as it is, so nothing new
    /// is refused; the break stays for `vault verify` to report.
    pub fn chain_warning(&self) -> Option<String> {
        let first = self.ledger.problems.first()?;
        Some(format!(
            "{}: the ledger's chain is broken ({} problem{}, first at line {}: {}); new entries \
             are appended after it. Run `vault verify --order {}`",
            self.path.display(),
            self.ledger.problems.len(),
            if self.ledger.problems.len() == 1 {
                ""
            } else {
                "s"
            },
            first.line,
            first.what,
            self.order
        ))
    }

    /// Stage an entry. Nothing is written until `commit`.
    pub fn push(&mut self, new: NewEntry) -> Entry {
        let entry = Entry {
            seq: self.next_seq,
            prev: self.prev,
            order: self.order.clone(),
            at: new.at,
            by: new.by,
            tool: crate::TOOL.to_string(),
            event: new.event,
            note: new.note,
        };
        let line = serde_json::to_vec(&entry).expect("serialising a ledger entry");
        debug_assert!(!line.contains(&b'\n'));
        self.prev = Digest::of(&line);
        self.next_seq += 1;
        if let Some(item) = entry.event.item() {
            self.known.insert(item.sha256);
        }
        self.pending.extend_from_slice(&line);
        self.pending.push(b'\n');
        entry
    }

    /// Append the staged entries in one call, durably, at the sequence number they were staged
    /// for. The lock is held until the appender drops.
    pub fn commit(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        match self.writer.append(self.committed_seq, &self.pending) {
            Ok(()) => {
                self.pending.clear();
                self.committed_seq = self.next_seq;
                self.sign_head();
                Ok(())
            }
            Err(AppendError::Io(e)) => Err(Error::io(&self.path, e)),
            Err(taken) => Err(Error::io(
                &self.path,
                std::io::Error::other(taken.to_string()),
            )),
        }
    }
}

impl Appender {
    /// Sign the head just committed. The entries are recorded whatever happens here: a failure
    /// leaves the head unsigned (said by `unsigned`, found by `verify`), never a wrong signature.
    fn sign_head(&mut self) {
        self.unsigned = None;
        let Some(signer) = &self.signer else {
            return;
        };
        let signed = signer.sign_head(&self.order, self.committed_seq - 1, &self.prev);
        let mut line = serde_json::to_vec(&signed).expect("serialising a signed head");
        line.push(b'\n');
        if let Err(e) = self.writer.append_signature(&line) {
            self.unsigned = Some(format!(
                "{}: the new ledger head was not signed: {e}",
                self.path
                    .with_file_name(crate::store::backend::SIGNATURES_FILE)
                    .display()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{self, OpenOptions};
    use std::io::Write;

    fn item(bytes: &[u8]) -> Item {
        Item {
            sha256: Digest::of(bytes),
            size: bytes.len() as u64,
            kind: Kind::Other,
            name: "x".into(),
            name_bytes_hex: None,
            media_type: MediaType::OCTET_STREAM,
            media: None,
            tracking: None,
            chat: None,
            extracted_from: None,
        }
    }

    fn ledger_with(n: usize) -> (tempfile::TempDir, Vault, OrderId) {
        let dir = tempfile::tempdir().unwrap();
        let (v, _) = Vault::init(&dir.path().join("v")).unwrap();
        let order: OrderId = "8000000000000001".parse().unwrap();
        let mut a = Appender::open(&v, &order).unwrap();
        for i in 0..n {
            a.push(NewEntry {
                at: Utc::now(),
                by: "tester".into(),
                event: Event::Add {
                    item: Box::new(item(format!("item {i}").as_bytes())),
                },
                note: (i == 1).then(|| "a note".to_string()),
            });
        }
        a.commit().unwrap();
        (dir, v, order)
    }

    #[test]
    fn fresh_chain_is_clean() {
        let (_d, v, order) = ledger_with(3);
        let l = Ledger::read(&v, &order).unwrap();
        assert_eq!(l.lines.len(), 3);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert_eq!(l.items().count(), 3);
        assert_eq!(l.entries().next().unwrap().prev, Digest::ZERO);
    }

    #[test]
    fn appends_continue_the_chain() {
        let (_d, v, order) = ledger_with(2);
        let mut a = Appender::open(&v, &order).unwrap();
        assert!(a.contains(&Digest::of(b"item 0")));
        let e = a.push(NewEntry {
            at: Utc::now(),
            by: "b".into(),
            event: Event::Add {
                item: Box::new(item(b"z")),
            },
            note: None,
        });
        a.commit().unwrap();
        drop(a);
        assert_eq!(e.seq, 2);
        let l = Ledger::read(&v, &order).unwrap();
        assert!(l.problems.is_empty(), "{:?}", l.problems);
    }

    fn problems_after(edit: impl Fn(&mut Vec<String>)) -> Vec<ChainProblem> {
        let (_d, v, order) = ledger_with(4);
        let text = fs::read_to_string(path(&v, &order)).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        edit(&mut lines);
        let bytes = lines.join("\n") + "\n";
        Ledger::parse(&order, bytes.as_bytes()).problems
    }

    #[test]
    fn edit_is_detected_at_the_next_line() {
        let p = problems_after(|l| l[1] = l[1].replace("a note", "another note"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 3);
        assert!(p[0].what.contains("prev hash does not match line 2"));
    }

    #[test]
    fn removal_and_reorder_are_detected() {
        let p = problems_after(|l| {
            l.remove(2);
        });
        assert!(p.iter().any(|p| p.line == 3 && p.what.contains("sequence")));
        let p = problems_after(|l| l.swap(1, 2));
        assert!(!p.is_empty());
        let p = problems_after(|l| {
            l.remove(0);
        });
        assert!(p.iter().any(|p| p.line == 1 && p.what.contains("64 zeros")));
    }

    #[test]
    fn garbage_is_reported_and_a_torn_tail_is_not_part_of_the_ledger() {
        let order: OrderId = "o".parse().unwrap();
        let l = Ledger::parse(&order, b"not json\n");
        assert_eq!(l.problems.len(), 1);
        assert!(l.problems[0].what.contains("not a ledger entry"));
        let l = Ledger::parse(&order, b"{\"seq\":0");
        assert_eq!((l.torn_tail, l.lines.len()), (8, 0));
        assert!(l.problems.is_empty());
    }

    #[test]
    fn entry_moved_from_another_order_is_detected() {
        let (_d, v, order) = ledger_with(1);
        let bytes = fs::read(path(&v, &order)).unwrap();
        let other: OrderId = "other".parse().unwrap();
        let p = Ledger::parse(&other, &bytes).problems;
        assert!(p.iter().any(|p| p.what.contains("belongs to order")));
    }

    #[test]
    fn an_append_after_a_torn_one_cuts_the_partial_line_and_keeps_the_chain() {
        let (_d, v, order) = ledger_with(2);
        let path = path(&v, &order);
        let before = fs::read(&path).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"seq\":2,\"prev\":\"ab").unwrap();
        drop(f);
        assert_eq!(Ledger::read(&v, &order).unwrap().torn_tail, 19);
        let mut a = Appender::open(&v, &order).unwrap();
        let e = a.push(NewEntry {
            at: Utc::now(),
            by: "b".into(),
            event: Event::Add {
                item: Box::new(item(b"next")),
            },
            note: None,
        });
        a.commit().unwrap();
        drop(a);
        assert_eq!(e.seq, 2);
        let after = fs::read(&path).unwrap();
        assert!(after.starts_with(&before), "complete entries untouched");
        let l = Ledger::read(&v, &order).unwrap();
        assert!(
            l.problems.is_empty() && l.torn_tail == 0,
            "{:?}",
            l.problems
        );
        assert_eq!(l.lines.len(), 3);
    }
}

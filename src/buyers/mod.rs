//! Buyers and the blacklist: who bought an order, which buyers the seller has flagged, and why.
//!
//! Personal data stays out of anything hashed. A buyer is named in hash-chained records only by a
//! **key**: `b-` and the first 24 hex digits of SHA-256(salt ‖ 0 ‖ the buyer's ID as the platform
//! writes it, trimmed), where the salt is 32 random bytes kept in `buyers/salt`. The buyer's ID
//! and name live in `buyers/people.json`, a plain table keyed by that key, rewritten atomically;
//! `vault buyer forget ID` deletes the buyer's row, and nothing hashed changes, so every chain
//! still verifies. After that the key cannot be turned back into the ID without guessing IDs and
//! having the salt (pseudonymised, not anonymised: GDPR recital 26; see docs/buyers.md).
//!
//! - Orders' ledgers record `buyer` entries (`{"buyer": KEY}`): `add`, `track` and
//!   `dispute open` with `--buyer ID`.
//! - `buyers/flags.jsonl` is the blacklist's own hash-chained ledger: `flag` and `unflag` entries,
//!   each with a reason (and the order it concerns), chained like an order's ledger (`prev` = the
//!   SHA-256 of the previous line), checked by `vault verify`.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::store::Vault;
use crate::store::order::OrderId;

/// Largest people table or blacklist read (each line is a few hundred bytes).
const MAX_FILE: u64 = 64 << 20;

fn dir(vault: &Vault) -> PathBuf {
    vault.root().join("buyers")
}

pub fn flags_path(vault: &Vault) -> PathBuf {
    dir(vault).join("flags.jsonl")
}

fn people_path(vault: &Vault) -> PathBuf {
    dir(vault).join("people.json")
}

/// A buyer's ID as given: trimmed; empty or control characters refused.
pub fn check_id(id: &str) -> std::result::Result<String, String> {
    let id = id.trim();
    if id.is_empty() || id.len() > 256 || id.chars().any(char::is_control) {
        return Err(format!(
            "{id:?} is not a buyer ID: give the platform's buyer or account ID (at most 256 bytes, no control characters)"
        ));
    }
    Ok(id.to_string())
}

/// The vault's salt for buyer keys, made on first use.
fn salt(vault: &Vault) -> Result<Vec<u8>> {
    let path = dir(vault).join("salt");
    match std::fs::read(&path) {
        Ok(s) if s.len() == 32 => return Ok(s),
        Ok(_) => {
            return Err(Error::BadInput {
                path,
                what: "not a 32-byte salt".into(),
                hint: "restore buyers/salt from a backup: without it, buyer IDs no longer match their keys".into(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).at(&path),
    }
    let mut s = vec![0u8; 32];
    getrandom::fill(&mut s)
        .map_err(|e| Error::Usage(format!("no randomness for the salt: {e}")))?;
    std::fs::create_dir_all(dir(vault)).at(dir(vault))?;
    // Made once: a concurrent first use keeps whichever salt was written first.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(mut f) => {
            f.write_all(&s).at(&path)?;
            f.sync_all().at(&path)?;
            Ok(s)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => salt(vault),
        Err(e) => Err(e).at(&path),
    }
}

/// The key that names buyer `id` in hashed records.
pub fn key(vault: &Vault, id: &str) -> Result<String> {
    Ok(key_with(&salt(vault)?, id))
}

fn key_with(salt: &[u8], id: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update([0]);
    h.update(id.trim().as_bytes());
    format!("b-{}", &hex(&h.finalize())[..24])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What vault knows of a person: erasable.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Person {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `buyers/people.json`: key → person.
pub fn people(vault: &Vault) -> Result<BTreeMap<String, Person>> {
    let path = people_path(vault);
    let bytes = match crate::bounded::read_file_at_most(&path, MAX_FILE) {
        Ok(b) => b,
        Err(_) if !path.exists() => return Ok(BTreeMap::new()),
        Err(what) => {
            return Err(Error::BadInput {
                path,
                what,
                hint: "restore it from a backup, or remove it (buyers then show by key only)"
                    .into(),
            });
        }
    };
    serde_json::from_slice(&bytes).map_err(|e| Error::BadInput {
        path,
        what: format!("not a buyers table: {e}"),
        hint: "restore it from a backup, or remove it (buyers then show by key only)".into(),
    })
}

/// The people table's lock (`buyers/people.lock`), held while the table is read and rewritten so
/// that two processes remembering or forgetting buyers at once both keep their change (the table
/// itself is replaced by a rename, so it cannot carry the lock).
fn lock_people(vault: &Vault) -> Result<std::fs::File> {
    std::fs::create_dir_all(dir(vault)).at(dir(vault))?;
    let path = dir(vault).join("people.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .at(&path)?;
    f.lock().at(&path)?;
    Ok(f)
}

fn write_people(vault: &Vault, table: &BTreeMap<String, Person>) -> Result<()> {
    std::fs::create_dir_all(dir(vault)).at(dir(vault))?;
    let mut json = serde_json::to_vec_pretty(table).expect("a table serialises");
    json.push(b'\n');
    vault.write_file_atomic(&people_path(vault), &json)
}

/// Remember buyer `id` (and `name`, when given) under its key; the key.
pub fn remember(vault: &Vault, id: &str, name: Option<&str>) -> Result<String> {
    Ok(remember_all(vault, &[(id, name)])?.remove(0))
}

/// [`remember`] for many buyers, the table rewritten once; their keys, in order.
pub fn remember_all(vault: &Vault, buyers: &[(&str, Option<&str>)]) -> Result<Vec<String>> {
    let s = salt(vault)?;
    let _lock = lock_people(vault)?;
    let mut table = people(vault)?;
    crate::failpoint_pause("people-read");
    let mut changed = false;
    let mut keys = Vec::with_capacity(buyers.len());
    for (id, name) in buyers {
        let k = key_with(&s, id);
        let entry = table.entry(k.clone()).or_default();
        let new = Person {
            id: id.trim().to_string(),
            name: name.map(str::to_string).or(entry.name.clone()),
        };
        if *entry != new {
            *entry = new;
            changed = true;
        }
        keys.push(k);
    }
    if changed {
        write_people(vault, &table)?;
    }
    Ok(keys)
}

/// Erase buyer `id`'s personal data (ID and name); whether there was any.
pub fn forget(vault: &Vault, id: &str) -> Result<bool> {
    let k = key(vault, id)?;
    let _lock = lock_people(vault)?;
    let mut table = people(vault)?;
    let had = table.remove(&k).is_some();
    if had {
        write_people(vault, &table)?;
    }
    Ok(had)
}

/// Largest order index of one buyer read (an order id per line).
const MAX_INDEX: u64 = 1 << 20;

/// `cache/buyers/<key>.orders`: the orders whose ledger records buyer `key`, one id per line, in
/// the order they were recorded (duplicates possible). A cache: the orders' ledgers are the truth,
/// so a reader checks each order's latest buyer, and `vault buyers` rewrites it from them.
/// None for anything but a key as [`key_with`] makes them (`b-` and 24 lower-case hex digits):
/// a key read from an edited ledger never names a path.
fn index_path(vault: &Vault, key: &str) -> Option<PathBuf> {
    let hex = key.strip_prefix("b-")?;
    (hex.len() == 24 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then(|| {
        vault
            .cache_dir()
            .join("buyers")
            .join(format!("{key}.orders"))
    })
}

/// Note that `order`'s ledger records buyer `key` (an append of one short line, atomic among
/// concurrent appends). A cache: failing to write it loses nothing.
pub fn index_order(vault: &Vault, key: &str, order: &OrderId) {
    let Some(path) = index_path(vault, key) else {
        return;
    };
    let append = || -> std::io::Result<()> {
        std::fs::create_dir_all(path.parent().unwrap_or(vault.root()))?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        f.write_all(format!("{order}\n").as_bytes())
    };
    let _ = append();
}

/// Rewrite every buyer's order index from `orders` (key → orders), as a full read of the
/// ledgers found them. A cache: failing to write it loses nothing.
pub fn reindex(vault: &Vault, orders: &BTreeMap<String, Vec<OrderId>>) {
    for (key, list) in orders {
        let Some(path) = index_path(vault, key) else {
            continue;
        };
        let text: String = list.iter().map(|o| format!("{o}\n")).collect();
        if std::fs::create_dir_all(path.parent().unwrap_or(vault.root())).is_ok() {
            let _ = vault.write_file_atomic(&path, text.as_bytes());
        }
    }
}

/// The orders the index names for buyer `key`, each once, in the order recorded; none when
/// there is no index (a vault from before it, or a cleared cache: `vault buyers` rebuilds it).
pub fn indexed_orders(vault: &Vault, key: &str) -> Vec<OrderId> {
    let Some(Ok(bytes)) =
        index_path(vault, key).map(|p| crate::bounded::read_file_at_most(&p, MAX_INDEX))
    else {
        return Vec::new();
    };
    let mut seen = std::collections::BTreeSet::new();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|l| l.trim().parse::<OrderId>().ok())
        .filter(|o| seen.insert(o.clone()))
        .collect()
}

/// Flagged or unflagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagEvent {
    Flag,
    Unflag,
}

/// One line of `buyers/flags.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FlagEntry {
    pub seq: u64,
    pub prev: Digest,
    #[serde(with = "crate::time::rfc3339")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub event: FlagEvent,
    pub buyer: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderId>,
}

/// The blacklist's ledger: its entries, and where its chain is broken (1-based line, what).
#[derive(Debug)]
pub struct Flags {
    pub entries: Vec<FlagEntry>,
    pub problems: Vec<(usize, String)>,
    /// The SHA-256 of the last whole line (zeros for none): the next entry's `prev`.
    pub head: Digest,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags {
            entries: Vec::new(),
            problems: Vec::new(),
            head: Digest::ZERO,
        }
    }
}

impl Flags {
    /// Read and check `buyers/flags.jsonl`; an absent file is an empty list. A last line without
    /// its line feed (an append cut short) is not part of it.
    pub fn read(vault: &Vault) -> Result<Flags> {
        let path = flags_path(vault);
        let bytes = match crate::bounded::read_file_at_most(&path, MAX_FILE) {
            Ok(b) => b,
            Err(_) if !path.exists() => return Ok(Flags::default()),
            Err(what) => {
                return Err(Error::BadInput {
                    path,
                    what,
                    hint: "restore it from a backup".into(),
                });
            }
        };
        Ok(Flags::parse(&bytes))
    }

    pub fn parse(bytes: &[u8]) -> Flags {
        let mut f = Flags::default();
        let whole = bytes.len() - bytes.iter().rev().take_while(|b| **b != b'\n').count();
        let body = &bytes[..whole];
        let Some(body) = body.strip_suffix(b"\n") else {
            return f;
        };
        for (i, line) in body.split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                f.problems.push((i + 1, "an empty line".into()));
                continue;
            }
            match serde_json::from_slice::<FlagEntry>(line) {
                Ok(e) => {
                    if e.prev != f.head {
                        f.problems.push((
                            i + 1,
                            "the chain is broken here: prev is not the SHA-256 of the line before"
                                .into(),
                        ));
                    }
                    if e.seq != f.entries.len() as u64 {
                        f.problems.push((
                            i + 1,
                            format!("seq {} where {} was next", e.seq, f.entries.len()),
                        ));
                    }
                    f.entries.push(e);
                }
                Err(e) => f
                    .problems
                    .push((i + 1, format!("not a blacklist entry: {e}"))),
            }
            f.head = Digest::of(line);
        }
        f
    }

    /// Each buyer's latest entry: flagged ones are those whose latest is a `flag`.
    pub fn latest(&self) -> BTreeMap<&str, &FlagEntry> {
        let mut m = BTreeMap::new();
        for e in &self.entries {
            m.insert(e.buyer.as_str(), e);
        }
        m
    }

    /// The `flag` entry in force for `key`, if the buyer is flagged.
    pub fn flagged(&self, key: &str) -> Option<&FlagEntry> {
        self.latest()
            .get(key)
            .copied()
            .filter(|e| e.event == FlagEvent::Flag)
    }
}

/// A `flag` or `unflag` to append.
pub struct NewFlag {
    pub event: FlagEvent,
    pub key: String,
    pub reason: String,
    pub order: Option<OrderId>,
}

impl NewFlag {
    pub fn new(event: FlagEvent, key: String, reason: String, order: Option<OrderId>) -> NewFlag {
        NewFlag {
            event,
            key,
            reason,
            order,
        }
    }
}

/// Append `new` entries, chained to the last one, in one write under a file lock.
pub fn append(vault: &Vault, new: Vec<NewFlag>, by: &str) -> Result<Vec<FlagEntry>> {
    let path = flags_path(vault);
    std::fs::create_dir_all(dir(vault)).at(dir(vault))?;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .at(&path)?;
    f.lock().at(&path)?;
    let mut bytes = Vec::new();
    (&f).take(MAX_FILE).read_to_end(&mut bytes).at(&path)?;
    // An append cut short left a partial line: drop it (we hold the lock).
    let whole = bytes.len() - bytes.iter().rev().take_while(|b| **b != b'\n').count();
    if whole < bytes.len() {
        f.set_len(whole as u64).at(&path)?;
        f.seek(std::io::SeekFrom::End(0)).at(&path)?;
        bytes.truncate(whole);
    }
    let flags = Flags::parse(&bytes);
    if let Some((line, what)) = flags.problems.first() {
        return Err(Error::BadInput {
            path,
            what: format!("line {line}: {what}"),
            hint: "`vault verify` says more; restore the file from a backup before flagging".into(),
        });
    }
    let (mut seq, mut prev) = (flags.entries.len() as u64, flags.head);
    let mut out = Vec::with_capacity(new.len());
    let mut lines = Vec::new();
    let at = Utc::now();
    for n in new {
        let entry = FlagEntry {
            seq,
            prev,
            at,
            by: by.to_string(),
            event: n.event,
            buyer: n.key,
            reason: n.reason,
            order: n.order,
        };
        let line = serde_json::to_vec(&entry).expect("an entry serialises");
        prev = Digest::of(&line);
        seq += 1;
        lines.extend(line);
        lines.push(b'\n');
        out.push(entry);
    }
    f.write_all(&lines).at(&path)?;
    f.sync_all().at(&path)?;
    Ok(out)
}

/// One CSV field, quoted when it has to be (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The records of a CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
pub fn csv_records(text: &str) -> std::result::Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_key_names_an_index_file() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) = crate::store::Vault::init(dir.path()).unwrap();
        let key = super::key_with(b"salt", "lena-77");
        assert!(super::index_path(&vault, &key).is_some(), "{key}");
        for bad in [
            "../../etc/x",
            "b-../../../../x",
            "b-ABCDEF0123456789abcdef01",
            "b-12",
            "",
        ] {
            assert!(super::index_path(&vault, bad).is_none(), "{bad}");
        }
    }

    use super::*;

    fn entry(seq: u64, prev: Digest, event: FlagEvent) -> Vec<u8> {
        let e = FlagEntry {
            seq,
            prev,
            at: DateTime::UNIX_EPOCH,
            by: "t".into(),
            event,
            buyer: "b-1".into(),
            reason: "r".into(),
            order: None,
        };
        serde_json::to_vec(&e).unwrap()
    }

    #[test]
    fn the_blacklist_chain_is_checked_and_the_latest_entry_counts() {
        let a = entry(0, Digest::ZERO, FlagEvent::Flag);
        let b = entry(1, Digest::of(&a), FlagEvent::Unflag);
        let text = [a.clone(), b"\n".to_vec(), b.clone(), b"\n".to_vec()].concat();
        let f = Flags::parse(&text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(f.flagged("b-1").is_none(), "unflagged last");
        // A line edited afterwards breaks the chain at the next line.
        let edited = [a.replace_reason(), b"\n".to_vec(), b, b"\n".to_vec()].concat();
        let f = Flags::parse(&edited);
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
        assert_eq!(f.problems[0].0, 2);
        // A partial last line is not part of it.
        let cut = [a.clone(), b"\n".to_vec(), b"{\"seq\":1".to_vec()].concat();
        let f = Flags::parse(&cut);
        assert!(f.problems.is_empty());
        assert_eq!(f.entries.len(), 1);
        assert!(f.flagged("b-1").is_some());
    }

    trait Edit {
        fn replace_reason(&self) -> Vec<u8>;
    }
    impl Edit for Vec<u8> {
        fn replace_reason(&self) -> Vec<u8> {
            String::from_utf8(self.clone())
                .unwrap()
                .replace("\"reason\":\"r\"", "\"reason\":\"x\"")
                .into_bytes()
        }
    }

    #[test]
    fn csv_round_trips_quotes_commas_and_newlines() {
        let fields = [
            "cn1",
            "said \"empty\", twice\nthen again",
            "2026-12-01T00:00:00.000Z",
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        let text = format!("buyer_id,reason,flagged_at\r\n{}\r\n", line.join(","));
        let r = csv_records(&text).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1], fields);
        assert!(csv_records("a,\"b").is_err());
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(check_id("  cn1234567 ").unwrap(), "cn1234567");
        assert!(check_id("").is_err());
        assert!(check_id("a\nb").is_err());
    }
}

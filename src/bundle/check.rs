//! `verify-bundle`: check an evidence bundle as a third party would, and list every problem.
//!
//! Order of work: the zip's structure first (entry names, duplicates, declared sizes) so that
//! nothing hostile is inflated; then every entry is read once, bounded by its declared size, and
//! hashed; then the BagIt manifests, `SHA256SUMS`, `manifest.json` and the ledger chain are checked
//! against what was read, and every original against the ledger entry that added it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use serde::Serialize;

use super::trust::TAG_SIGNATURE;
use super::{BAGIT_TXT, MANIFEST_SCHEMA, Manifest, Role, bagit_unescape};
use crate::digest::{BUF_SIZE, Digest, Hasher};
use crate::error::{IoContext, Result};
use crate::ledger::Ledger;
use crate::trust::minisig::PublicKey;

/// Most entries a bundle may have.
pub const MAX_ENTRIES: usize = 100_000;
/// Largest declared size of one entry (a long 4K video fits).
pub const MAX_ENTRY_SIZE: u64 = 64 << 30;
/// Largest total declared size of all entries.
pub const MAX_TOTAL_SIZE: u64 = 256 << 30;
/// Largest compression ratio accepted for a deflated entry over 1 MiB: beyond it, a zip bomb.
pub const MAX_RATIO: u64 = 200;
/// Tag files, `manifest.json` and the ledger are the only entries kept in memory (everything else
/// is hashed as it streams by), each up to this size...
const MAX_TEXT: u64 = 64 << 20;
/// ...and up to this much in all, so a crafted bundle cannot make the checker hold more.
const MAX_TEXT_TOTAL: u64 = 96 << 20;

/// Why an entry declaring `size` bytes (`compressed` in the zip) is not inflated: over the size
/// limit, or deflated past the zip-bomb ratio.
fn size_problem(size: u64, compressed: u64) -> Option<String> {
    let compressed = compressed.max(1);
    if size > MAX_ENTRY_SIZE {
        Some(format!(
            "declares {size} bytes, over the {MAX_ENTRY_SIZE}-byte limit"
        ))
    } else if size > (1 << 20) && size / compressed > MAX_RATIO {
        Some(format!(
            "compression ratio {}:1 (a zip bomb?); not inflated",
            size / compressed
        ))
    } else {
        None
    }
}

/// Whether an entry (by its path in the bag) is one the checker reads as text: the tag files at the
/// bag's top, `data/manifest.json` and the ledger.
fn is_checked_text(rel: &str) -> bool {
    !rel.contains('/')
        || rel == "data/manifest.json"
        || rel == "data/ledger.jsonl"
        || rel.starts_with("data/trust/")
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The entry concerned, relative to the bag (or the zip name for structural problems).
    pub path: String,
    pub what: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleCheck {
    #[serde(serialize_with = "crate::paths::lossy")]
    pub file: std::path::PathBuf,
    pub sha256: Option<Digest>,
    pub bag: Option<String>,
    pub order: Option<String>,
    pub entries: usize,
    pub payload_files: usize,
    pub originals: usize,
    pub ledger_entries: usize,
    pub ledger_head: Option<Digest>,
    /// The key whose signature over the tag manifest verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// The highest ledger entry whose signed head (data/trust/signatures.jsonl) verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_through: Option<u64>,
    /// The RFC 3161 stamps that verify.
    pub stamps: Vec<BagStampSeen>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BagStampSeen {
    pub tsa: String,
    pub tsa_name: String,
    pub through_seq: u64,
    pub gen_time: String,
}

impl BundleCheck {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

struct Read_ {
    sha256: Digest,
    size: u64,
    text: Option<Vec<u8>>,
}

/// Check the bundle at `path`. `Err` only when the file cannot be opened at all.
pub fn check(path: &Path) -> Result<BundleCheck> {
    check_signed_by(path, None)
}

/// Check the bundle, and that it is signed by `key` when one is given (the seller's published key).
pub fn check_signed_by(path: &Path, key: Option<&PublicKey>) -> Result<BundleCheck> {
    let f = File::open(path).at(path)?;
    let mut c = Checker {
        report: BundleCheck {
            file: path.to_path_buf(),
            sha256: None,
            bag: None,
            order: None,
            entries: 0,
            payload_files: 0,
            originals: 0,
            ledger_entries: 0,
            ledger_head: None,
            signed_by: None,
            signed_through: None,
            stamps: Vec::new(),
            problems: Vec::new(),
        },
        zip_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if let Some(mut zip) = c.open_zip(f)
        && let Some((prefix, readable)) = c.structure(&mut zip)
    {
        let files = c.read_entries(&mut zip, &prefix, readable);
        c.bagit(&files);
        if let Some(manifest) = c.manifest(&files) {
            let originals = c.manifest_against_files(&manifest, &files);
            let ledger = c.ledger(&manifest, &files, &originals);
            c.trust(&manifest, &files, ledger.as_ref(), key);
        }
    }
    c.report.problems.sort();
    c.report.problems.dedup();
    Ok(c.report)
}

/// A bundle being checked: what was found so far, and every problem.
struct Checker {
    report: BundleCheck,
    /// The zip's file name, for problems with the zip as a whole.
    zip_name: String,
}

type Zip = zip::ZipArchive<BufReader<File>>;
/// (index, name, declared size) of the entries that are safe to inflate.
type Readable = Vec<(usize, String, u64)>;

/// A tag file, manifest or ledger kept in memory, by its path in the bag.
fn text(files: &BTreeMap<String, Read_>, p: &str) -> Option<Vec<u8>> {
    files.get(p).and_then(|r| r.text.clone())
}

/// The payload: every file under `data/`.
fn payload_of(files: &BTreeMap<String, Read_>) -> BTreeMap<&String, &Read_> {
    files
        .iter()
        .filter(|(p, _)| p.starts_with("data/"))
        .collect()
}

impl Checker {
    fn problem(&mut self, path: &str, what: String) {
        self.report.problems.push(Problem {
            path: path.to_string(),
            what,
        });
    }

    fn zip_problem(&mut self, what: String) {
        let path = self.zip_name.clone();
        self.problem(&path, what);
    }

    /// The zip's central directory, if it can be read and is not too large to check.
    fn open_zip(&mut self, f: File) -> Option<Zip> {
        let zip = match zip::ZipArchive::new(BufReader::with_capacity(BUF_SIZE, f)) {
            Ok(z) => z,
            Err(e) => {
                self.zip_problem(format!("not a readable zip: {e}"));
                return None;
            }
        };
        self.report.entries = zip.len();
        // The zip crate indexes entries by name, so a second entry of the same name is not visible
        // below: ask for it explicitly.
        if zip.has_duplicate_names() {
            self.zip_problem("duplicate entry names: two files claim the same path".into());
        }
        if zip.len() > MAX_ENTRIES {
            self.zip_problem(format!(
                "{} entries, more than the {MAX_ENTRIES} a bundle may have",
                zip.len()
            ));
            return None;
        }
        Some(zip)
    }

    /// Phase 1, structure, from the central directory only: nothing is inflated yet. Returns the
    /// bag's folder (as a prefix) and the entries that are safe to read.
    fn structure(&mut self, zip: &mut Zip) -> Option<(String, Readable)> {
        match zip.has_overlapping_entries() {
            Ok(false) => {}
            Ok(true) => {
                self.zip_problem(crate::evidence::chat::OVERLAP.into());
                return None;
            }
            Err(e) => {
                self.zip_problem(format!("entry offsets are unreadable: {e}"));
                return None;
            }
        }
        let mut top: Option<String> = None;
        let mut seen = HashSet::new();
        let mut seen_ci = HashSet::new();
        let mut total: u64 = 0;
        let mut readable = Vec::new();
        for i in 0..zip.len() {
            let e = match zip.by_index_raw(i) {
                Ok(e) => e,
                Err(err) => {
                    self.zip_problem(format!("entry {i} is unreadable: {err}"));
                    continue;
                }
            };
            let Ok(name) = std::str::from_utf8(e.name_raw()).map(str::to_string) else {
                self.problem(
                    &String::from_utf8_lossy(e.name_raw()),
                    "entry name is not UTF-8".into(),
                );
                continue;
            };
            if let Some(why) = unsafe_name(&name) {
                self.problem(&name, format!("unsafe entry name: {why}"));
                continue;
            }
            if !seen.insert(name.clone()) {
                self.problem(&name, "duplicate entry name".into());
                continue;
            }
            // Case-folded and NFC-normalised: names that differ only so (`A`/`a`, `é` composed
            // or not) land on one file where the zip is unpacked on macOS or Windows.
            if !seen_ci.insert(folded(&name)) {
                self.problem(
                    &name,
                    "entry name differs from another only in case or Unicode normalisation".into(),
                );
            }
            if e.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) {
                self.problem(&name, "symbolic link entry".into());
                continue;
            }
            let Some((first, _)) = name.split_once('/') else {
                self.problem(&name,
                "not a vault bundle: a file outside any folder (a bundle keeps everything in its \
                 bag's one top-level folder)"
                    .into(),
            );
                continue;
            };
            let first = first.to_string();
            match &top {
                None => top = Some(first.clone()),
                Some(t) if *t != first => {
                    self.problem(
                        &name,
                        format!("not a vault bundle: outside the bag's one top-level folder {t}/"),
                    );
                    continue;
                }
                Some(_) => {}
            }
            if e.is_dir() {
                continue;
            }
            let size = e.size();
            if let Some(why) = size_problem(size, e.compressed_size()) {
                self.problem(&name, why);
                continue;
            }
            total = total.saturating_add(size);
            readable.push((i, name, size));
        }
        if total > MAX_TOTAL_SIZE {
            self.zip_problem(format!(
                "declares {total} bytes in all, over the {MAX_TOTAL_SIZE}-byte limit"
            ));
            return None;
        }
        let Some(bag) = top else {
            self.zip_problem("not a vault bundle: no folder with files in the zip".into());
            return None;
        };
        self.report.bag = Some(bag.clone());
        let prefix = format!("{bag}/");
        Some((prefix, readable))
    }

    /// Phase 2: read every entry once, bounded by its declared size, hashing it.
    fn read_entries(
        &mut self,
        zip: &mut Zip,
        prefix: &str,
        readable: Readable,
    ) -> BTreeMap<String, Read_> {
        let mut files: BTreeMap<String, Read_> = BTreeMap::new();
        let mut buf = vec![0u8; BUF_SIZE];
        let mut kept = 0u64;
        for (i, name, size) in readable {
            // Every readable entry is under `top/` (checked above).
            let rel = name.strip_prefix(prefix).unwrap_or(&name).to_string();
            let keep_text = is_checked_text(&rel) && {
                if size > MAX_TEXT || kept + size > MAX_TEXT_TOTAL {
                    self.problem(
                        &rel,
                        format!(
                            "{size} bytes: more than a bundle's tag files, manifest and ledger may \
                             hold ({MAX_TEXT} each, {MAX_TEXT_TOTAL} in all); not read as text"
                        ),
                    );
                    false
                } else {
                    kept += size;
                    true
                }
            };
            let e = match zip.by_index(i) {
                Ok(e) => e,
                Err(err) => {
                    self.problem(&rel, format!("cannot be read: {err}"));
                    continue;
                }
            };
            match read_bounded(e, size, keep_text, &mut buf) {
                Ok(r) => {
                    files.insert(rel, r);
                }
                Err(what) => self.problem(&rel, what),
            }
        }
        files
    }

    /// Phase 3, BagIt: the declaration, both payload listings, the tag manifest, bag-info.txt.
    fn bagit(&mut self, files: &BTreeMap<String, Read_>) {
        match text(files, "bagit.txt") {
            None => self.problem(
                "bagit.txt",
                "missing: not a vault bundle (nor any BagIt bag)".into(),
            ),
            Some(t) if t != BAGIT_TXT.as_bytes() => {
                self.problem("bagit.txt", "not a BagIt 1.0 declaration".into())
            }
            Some(_) => {}
        }
        let payload: BTreeMap<&String, &Read_> = files
            .iter()
            .filter(|(p, _)| p.starts_with("data/"))
            .collect();
        self.report.payload_files = payload.len();
        for listing in ["manifest-sha256.txt", "SHA256SUMS"] {
            let Some(t) = text(files, listing) else {
                self.problem(listing, "missing".into());
                continue;
            };
            let listed = check_listing(&mut self.report, listing, &t, files);
            for p in payload.keys() {
                if !listed.contains(p.as_str()) {
                    self.problem(
                        p,
                        format!("in the bag but not listed in {listing} (added?)"),
                    );
                }
            }
        }
        match text(files, "tagmanifest-sha256.txt") {
            None => self.problem("tagmanifest-sha256.txt", "missing".into()),
            Some(t) => {
                let listed = check_listing(&mut self.report, "tagmanifest-sha256.txt", &t, files);
                for p in files.keys() {
                    if !p.starts_with("data/")
                        && p != "tagmanifest-sha256.txt"
                        && p != TAG_SIGNATURE
                        && !listed.contains(p.as_str())
                    {
                        self.problem(
                            p,
                            "tag file not listed in tagmanifest-sha256.txt (added?)".into(),
                        );
                    }
                }
            }
        }
        match text(files, "bag-info.txt") {
            None => self.problem("bag-info.txt", "missing".into()),
            Some(t) => {
                let info = String::from_utf8_lossy(&t).into_owned();
                let field = |k: &str| {
                    info.lines().find_map(|l| {
                        l.strip_prefix(k)
                            .and_then(|r| r.strip_prefix(':'))
                            .map(|v| v.trim().to_string())
                    })
                };
                let bytes: u64 = payload.values().map(|r| r.size).sum();
                let want = format!("{bytes}.{}", payload.len());
                match field("Payload-Oxum") {
                    Some(oxum) if oxum == want => {}
                    Some(oxum) => self.problem(
                        "bag-info.txt",
                        format!("Payload-Oxum {oxum}, but the payload is {want}"),
                    ),
                    None => self.problem("bag-info.txt", "no Payload-Oxum".into()),
                }
                self.report.order = field("External-Identifier");
            }
        }
    }

    /// Phase 4a: manifest.json, if it is there and this vault understands it.
    fn manifest(&mut self, files: &BTreeMap<String, Read_>) -> Option<Manifest> {
        match text(files, "data/manifest.json") {
            None => {
                self.problem("data/manifest.json", "missing".into());
                None
            }
            Some(t) => match serde_json::from_slice::<Manifest>(&t) {
                Ok(m) if m.schema_version > MANIFEST_SCHEMA => {
                    self.problem(
                        "data/manifest.json",
                        format!(
                            "schema_version {} is newer than this vault understands",
                            m.schema_version
                        ),
                    );
                    None
                }
                Ok(m) => Some(m),
                Err(e) => {
                    self.problem("data/manifest.json", format!("not a valid manifest: {e}"));
                    None
                }
            },
        }
    }

    /// Phase 4b: manifest.json against the files. Returns the originals it describes, by digest.
    fn manifest_against_files<'m>(
        &mut self,
        manifest: &'m Manifest,
        files: &BTreeMap<String, Read_>,
    ) -> HashMap<Digest, &'m super::FileRecord> {
        let payload = payload_of(files);
        if self.report.order.as_deref() != Some(manifest.order.as_str()) {
            self.problem(
                "data/manifest.json",
                format!(
                    "order {} differs from bag-info.txt's External-Identifier",
                    manifest.order
                ),
            );
        }
        self.report.order = Some(manifest.order.to_string());
        let mut described = HashSet::new();
        let mut originals: HashMap<Digest, &super::FileRecord> = HashMap::new();
        for r in &manifest.files {
            described.insert(r.path.as_str());
            match files.get(&r.path) {
                None => self.problem(&r.path, "listed in manifest.json but missing".into()),
                Some(f) if f.sha256 != r.sha256 || f.size != r.size => self.problem(
                    &r.path,
                    format!(
                        "does not match manifest.json (SHA-256 {} size {}, expected {} size {})",
                        f.sha256, f.size, r.sha256, r.size
                    ),
                ),
                Some(_) => {}
            }
            if r.role == Role::Original {
                originals.insert(r.sha256, r);
            }
        }
        self.report.originals = originals.len();
        for p in payload.keys() {
            if p.as_str() != "data/manifest.json" && !described.contains(p.as_str()) {
                self.problem(
                    p,
                    "in the bag but not described in manifest.json (added?)".into(),
                );
            }
        }
        for r in &manifest.files {
            for src in r.derived_from.iter().chain(&r.sources) {
                if !originals.contains_key(src) {
                    self.problem(
                        &r.path,
                        format!("derived from {src}, which is not an original in this bundle"),
                    );
                }
            }
        }
        originals
    }

    /// Phase 5, the ledger: its chain, and every original recorded in it as added.
    fn ledger(
        &mut self,
        manifest: &Manifest,
        files: &BTreeMap<String, Read_>,
        originals: &HashMap<Digest, &super::FileRecord>,
    ) -> Option<Ledger> {
        match text(files, &manifest.ledger.path) {
            None if files.contains_key(&manifest.ledger.path) => {
                self.problem(
                    &manifest.ledger.path,
                    "the ledger is not where a vault bundle keeps it (data/ledger.jsonl), or too \
                 large: not read"
                        .into(),
                );
                None
            }
            None => {
                self.problem(&manifest.ledger.path, "ledger missing".into());
                None
            }
            Some(bytes) => {
                let ledger = Ledger::parse(&manifest.order, &bytes);
                self.report.ledger_entries = ledger.lines.len();
                self.report.ledger_head = ledger.head;
                for p in &ledger.problems {
                    self.problem(
                        &manifest.ledger.path,
                        format!("line {}: {}", p.line, p.what),
                    );
                }
                if ledger.head != manifest.ledger.head
                    || ledger.lines.len() as u64 != manifest.ledger.entries
                {
                    self.problem(
                        &manifest.ledger.path,
                        "entry count or last hash differs from manifest.json".into(),
                    );
                }
                let added: HashMap<Digest, (u64, u64)> = ledger
                    .items()
                    .map(|(e, i)| (i.sha256, (i.size, e.seq)))
                    .collect();
                for (d, r) in originals {
                    // The bytes actually in the bag must be the ones the ledger recorded, whatever the
                    // manifests say.
                    let actual = files.get(&r.path).map(|f| f.sha256);
                    if let Some(a) = actual.filter(|a| a != d) {
                        self.problem(&r.path,
                        format!(
                            "SHA-256 {a} is not recorded in the ledger: not the file that was added"
                        ),
                    );
                        continue;
                    }
                    match added.get(d) {
                    None => self.problem(&r.path,
                        format!(
                            "SHA-256 {d} is not recorded in the ledger: not the file that was added"
                        ),
                    ),
                    Some(&(size, seq)) if size != r.size || Some(seq) != r.ledger_seq => self.problem(&r.path,
                        "size or ledger entry differs from the ledger".into(),
                    ),
                    Some(_) => {}
                }
                }
                for (d, _) in added.iter().filter(|(d, _)| !originals.contains_key(*d)) {
                    self.problem(
                        &manifest.ledger.path,
                        format!("the ledger records {d}, which is not in the bundle (removed?)"),
                    );
                }
                Some(ledger)
            }
        }
    }
}

impl Checker {
    /// Phase 6, trust: the seller's signature over the tag manifest (with the bag's key, or the
    /// one the checker was given), the signed heads, and every RFC 3161 stamp the manifest lists
    /// (token, chain to the bag's root at genTime, proof, and the head against the ledger).
    fn trust(
        &mut self,
        manifest: &Manifest,
        files: &BTreeMap<String, Read_>,
        ledger: Option<&Ledger>,
        pin: Option<&PublicKey>,
    ) {
        use super::trust::{KEY_PATH, KEYS_PATH, SIGNATURES_PATH};
        let info = manifest.trust.clone().unwrap_or_default();
        let bag_key =
            match text(files, KEY_PATH).map(|t| PublicKey::parse(&String::from_utf8_lossy(&t))) {
                Some(Ok(k)) => Some(k),
                Some(Err(e)) => {
                    self.problem(KEY_PATH, format!("not a minisign public key: {e}"));
                    None
                }
                None => None,
            };
        let key = pin.cloned().or(bag_key.clone());
        match (text(files, TAG_SIGNATURE), &key) {
            (Some(sig), Some(key)) => {
                let checked =
                    crate::trust::minisig::SignatureBox::parse(&String::from_utf8_lossy(&sig))
                        .and_then(|sb| {
                            let tm = text(files, "tagmanifest-sha256.txt").unwrap_or_default();
                            key.verify(&sb, &tm[..])
                        });
                match checked {
                    Ok(()) => self.report.signed_by = Some(key.id.to_string()),
                    Err(e) => self.problem(TAG_SIGNATURE, format!("the seller's signature: {e}")),
                }
            }
            (Some(_), None) => self.problem(
                TAG_SIGNATURE,
                format!("a signature, but no public key ({KEY_PATH}) to check it with"),
            ),
            (None, Some(_)) if pin.is_some() => self.problem(
                TAG_SIGNATURE,
                "not signed, but a signing key was expected".into(),
            ),
            (None, Some(_)) => self.problem(
                TAG_SIGNATURE,
                format!("missing, though the bag carries a public key ({KEY_PATH}): removed?"),
            ),
            (None, None) => {}
        }
        if let (Some(pin), Some(bag)) = (pin, &bag_key)
            && pin != bag
        {
            self.problem(
                KEY_PATH,
                format!(
                    "the bag's key is {}, not the expected key {}",
                    bag.id, pin.id
                ),
            );
        }
        if let (Some(id), Some(bag)) = (&info.key_id, &bag_key)
            && *id != bag.id.to_string()
        {
            self.problem(
                "data/manifest.json",
                format!("names key {id}, but the bag's key is {}", bag.id),
            );
        }
        let Some(ledger) = ledger else { return };
        if let Some(sigs) = text(files, SIGNATURES_PATH) {
            let ring = match text(files, KEYS_PATH) {
                Some(k) => crate::ledger::sign::Keyring::parse(
                    &info.vault_id,
                    &String::from_utf8_lossy(&k),
                ),
                None => bag_key
                    .clone()
                    .map(crate::ledger::sign::Keyring::of)
                    .unwrap_or_default(),
            };
            for (line, what) in &ring.problems {
                self.problem(KEYS_PATH, format!("line {line}: {what}"));
            }
            let heads = crate::ledger::sign::check_heads(
                &info.vault_id,
                &manifest.order,
                ledger,
                &sigs,
                &ring,
            );
            for (line, what) in heads.problems {
                self.problem(SIGNATURES_PATH, format!("line {line}: {what}"));
            }
            self.report.signed_through = heads.signed_through;
        }
        for st in &info.stamps {
            match check_stamp(manifest, files, ledger, st) {
                Ok(seen) => self.report.stamps.push(seen),
                Err(what) => {
                    self.problem(&st.token, format!("stamp of entry {}: {what}", st.entry))
                }
            }
        }
    }
}

/// One stamp the manifest lists, against the bag's files and ledger.
fn check_stamp(
    manifest: &Manifest,
    files: &BTreeMap<String, Read_>,
    ledger: &Ledger,
    st: &super::trust::BagStamp,
) -> std::result::Result<BagStampSeen, String> {
    use crate::ledger::{Entry, Event};
    use crate::trust::{merkle, tsp};
    // The ledger itself must record this stamp: the manifest cannot make one up.
    let recorded = ledger
        .lines
        .get(st.entry as usize)
        .and_then(|l| match &l.entry {
            Ok(Entry {
                event: Event::Stamp { stamp },
                ..
            }) => Some(stamp.clone()),
            _ => None,
        });
    let rec = recorded.ok_or("the ledger has no stamp entry there")?;
    let token = text(files, &st.token).ok_or("the token is missing from the bag")?;
    if Digest::of(&token) != rec.token
        || rec.root != st.root
        || rec.head != st.head
        || rec.through_seq != st.through_seq
    {
        return Err("the token, root or head differs from the ledger's stamp entry".into());
    }
    let line = ledger
        .lines
        .get(st.through_seq as usize)
        .ok_or("stamps an entry the ledger does not have")?;
    if line.hash != st.head {
        return Err(format!(
            "stamps head {}, but ledger entry {} hashes to {}",
            st.head.short(),
            st.through_seq,
            line.hash.short()
        ));
    }
    let leaf = if rec.is_direct() {
        st.head
    } else {
        let data = merkle::leaf_data(manifest.order.as_str(), st.through_seq, &st.head);
        if st.leaf_data.as_deref() != Some(data.as_str()) {
            return Err("the leaf data is not the order's head".into());
        }
        merkle::leaf_hash(data.as_bytes())
    };
    if merkle::root_from(leaf, &rec.proof) != rec.root {
        return Err("the inclusion proof does not lead to the stamped root".into());
    }
    let pem = |p: &str| -> std::result::Result<Vec<x509_cert::Certificate>, String> {
        tsp::load_pem(&text(files, p).ok_or(format!("{p} is missing from the bag"))?)
            .map_err(|e| format!("{p}: {e}"))
    };
    let roots = pem(&st.root_cert)?;
    let chain = pem(&st.chain)?;
    let nonce = u64::from_str_radix(&rec.nonce, 16)
        .map_err(|_| "the stamp's nonce is not hex".to_string())?;
    let tok = tsp::token_of_reply(&token).map_err(|e| e.to_string())?;
    let v =
        tsp::verify(&tok, &rec.root.0, Some(nonce), &roots, &chain).map_err(|e| e.to_string())?;
    let gen_time = crate::time::format_time(&v.gen_time);
    if gen_time != rec.gen_time {
        return Err(format!(
            "the ledger says {} but the token says {gen_time}",
            rec.gen_time
        ));
    }
    Ok(BagStampSeen {
        tsa: rec.tsa.clone(),
        tsa_name: v.tsa,
        through_seq: st.through_seq,
        gen_time,
    })
}

/// A name as a case- and normalisation-insensitive file system sees it.
pub fn folded(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfc().collect::<String>().to_lowercase()
}

/// Why an entry name is unsafe to extract, if it is.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("absolute path");
    }
    if name.contains('\\') {
        return Some("backslash in path");
    }
    if name.as_bytes().get(1) == Some(&b':') {
        return Some("drive letter");
    }
    if name.contains('\0') {
        return Some("NUL byte");
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    if trimmed.split('/').any(|c| c == "..") {
        return Some("'..' component");
    }
    if trimmed.split('/').any(|c| c.is_empty() || c == ".") {
        return Some("empty or '.' component");
    }
    None
}

fn read_bounded(
    mut r: impl Read,
    declared: u64,
    keep: bool,
    buf: &mut [u8],
) -> std::result::Result<Read_, String> {
    let mut h = Hasher::default();
    let mut text = keep.then(Vec::new);
    let mut n_total = 0u64;
    loop {
        let n = match r.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("corrupt in the zip: {e}")),
        };
        n_total += n as u64;
        if n_total > declared {
            return Err(format!("inflates beyond its declared {declared} bytes"));
        }
        h.update(&buf[..n]);
        if let Some(t) = text.as_mut() {
            t.extend_from_slice(&buf[..n]);
        }
    }
    if n_total != declared {
        return Err(format!("{n_total} bytes, the zip declares {declared}"));
    }
    Ok(Read_ {
        sha256: h.finish(),
        size: n_total,
        text,
    })
}

/// Check a `<sha256>  <path>` listing against the files; return the paths it lists.
fn check_listing(
    report: &mut BundleCheck,
    listing: &str,
    text: &[u8],
    files: &BTreeMap<String, Read_>,
) -> HashSet<String> {
    let mut listed = HashSet::new();
    for (n, line) in String::from_utf8_lossy(text).lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(2, [' ', '\t']);
        let (Some(hex), Some(rest)) = (parts.next(), parts.next()) else {
            report.problems.push(Problem {
                path: listing.into(),
                what: format!("line {}: not '<sha256>  <path>'", n + 1),
            });
            continue;
        };
        let path = bagit_unescape(rest.trim_start().trim_start_matches('*'));
        let Ok(d) = hex.parse::<Digest>() else {
            report.problems.push(Problem {
                path: listing.into(),
                what: format!("line {}: not a SHA-256", n + 1),
            });
            continue;
        };
        match files.get(&path) {
            None => report.problems.push(Problem {
                path: path.clone(),
                what: format!("listed in {listing} but missing from the bag (removed?)"),
            }),
            Some(f) if f.sha256 != d => report.problems.push(Problem {
                path: path.clone(),
                what: format!("SHA-256 does not match {listing} (modified?)"),
            }),
            Some(_) => {}
        }
        listed.insert(path);
    }
    listed
}

/// Used by the CLI: check and also hash the zip file itself.
pub fn check_file(path: &Path, key: Option<&PublicKey>) -> Result<BundleCheck> {
    let mut report = check_signed_by(path, key)?;
    let f = File::open(path).at(path)?;
    report.sha256 = Some(crate::digest::hash_reader(f).at(path)?.0);
    Ok(report)
}

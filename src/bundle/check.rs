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

use super::{BAGIT_TXT, MANIFEST_SCHEMA, Manifest, Role, bagit_unescape};
use crate::digest::{BUF_SIZE, Digest, Hasher};
use crate::error::{IoContext, Result};
use crate::ledger::Ledger;

/// Most entries a bundle may have.
pub const MAX_ENTRIES: usize = 100_000;
/// Largest declared size of one entry (a long 4K video fits).
pub const MAX_ENTRY_SIZE: u64 = 64 << 30;
/// Largest total declared size of all entries.
pub const MAX_TOTAL_SIZE: u64 = 256 << 30;
/// Largest compression ratio accepted for a deflated entry over 1 MiB: beyond it, a zip bomb.
pub const MAX_RATIO: u64 = 200;
/// Tag files, manifests and the ledger are kept in memory up to this size.
const MAX_TEXT: u64 = 256 << 20;

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
    pub problems: Vec<Problem>,
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
    let f = File::open(path).at(path)?;
    let mut report = BundleCheck {
        file: path.to_path_buf(),
        sha256: None,
        bag: None,
        order: None,
        entries: 0,
        payload_files: 0,
        originals: 0,
        ledger_entries: 0,
        ledger_head: None,
        problems: Vec::new(),
    };
    let zip_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let problem = |report: &mut BundleCheck, p: &str, what: String| {
        report.problems.push(Problem {
            path: p.to_string(),
            what,
        })
    };
    let mut zip = match zip::ZipArchive::new(BufReader::with_capacity(BUF_SIZE, f)) {
        Ok(z) => z,
        Err(e) => {
            problem(&mut report, &zip_name, format!("not a readable zip: {e}"));
            return Ok(report);
        }
    };
    report.entries = zip.len();
    // The zip crate indexes entries by name, so a second entry of the same name is not visible
    // below: ask for it explicitly.
    if zip.has_duplicate_names() {
        problem(
            &mut report,
            &zip_name,
            "duplicate entry names: two files claim the same path".into(),
        );
    }
    if zip.len() > MAX_ENTRIES {
        problem(
            &mut report,
            &zip_name,
            format!(
                "{} entries, more than the {MAX_ENTRIES} a bundle may have",
                zip.len()
            ),
        );
        return Ok(report);
    }

    // 1. Structure, from the central directory only: nothing is inflated yet.
    let mut top: Option<String> = None;
    let mut seen = HashSet::new();
    let mut seen_ci = HashSet::new();
    let mut total: u64 = 0;
    let mut readable = Vec::new();
    for i in 0..zip.len() {
        let e = match zip.by_index_raw(i) {
            Ok(e) => e,
            Err(err) => {
                problem(
                    &mut report,
                    &zip_name,
                    format!("entry {i} is unreadable: {err}"),
                );
                continue;
            }
        };
        let Ok(name) = std::str::from_utf8(e.name_raw()).map(str::to_string) else {
            problem(
                &mut report,
                &String::from_utf8_lossy(e.name_raw()),
                "entry name is not UTF-8".into(),
            );
            continue;
        };
        if let Some(why) = unsafe_name(&name) {
            problem(&mut report, &name, format!("unsafe entry name: {why}"));
            continue;
        }
        if !seen.insert(name.clone()) {
            problem(&mut report, &name, "duplicate entry name".into());
            continue;
        }
        if !seen_ci.insert(name.to_lowercase()) {
            problem(
                &mut report,
                &name,
                "entry name differs from another only in case".into(),
            );
        }
        if e.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) {
            problem(&mut report, &name, "symbolic link entry".into());
            continue;
        }
        let Some((first, _)) = name.split_once('/') else {
            problem(
                &mut report,
                &name,
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
                problem(
                    &mut report,
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
        if size > MAX_ENTRY_SIZE {
            problem(
                &mut report,
                &name,
                format!("declares {size} bytes, over the {MAX_ENTRY_SIZE}-byte limit"),
            );
            continue;
        }
        let compressed = e.compressed_size().max(1);
        if size > (1 << 20) && size / compressed > MAX_RATIO {
            problem(
                &mut report,
                &name,
                format!(
                    "compression ratio {}:1 (a zip bomb?); not inflated",
                    size / compressed
                ),
            );
            continue;
        }
        total = total.saturating_add(size);
        readable.push((i, name, size));
    }
    if total > MAX_TOTAL_SIZE {
        problem(
            &mut report,
            &zip_name,
            format!("declares {total} bytes in all, over the {MAX_TOTAL_SIZE}-byte limit"),
        );
        return Ok(report);
    }
    let Some(bag) = top else {
        problem(
            &mut report,
            &zip_name,
            "not a vault bundle: no folder with files in the zip".into(),
        );
        return Ok(report);
    };
    report.bag = Some(bag.clone());
    let prefix = format!("{bag}/");

    // 2. Read every entry once, bounded by its declared size, hashing it.
    let mut files: BTreeMap<String, Read_> = BTreeMap::new();
    let mut buf = vec![0u8; BUF_SIZE];
    for (i, name, size) in readable {
        // Every readable entry is under `top/` (checked above).
        let rel = name.strip_prefix(&prefix).unwrap_or(&name).to_string();
        let keep_text = !rel.starts_with("data/originals/")
            && !rel.starts_with("data/thumbnails/")
            && size <= MAX_TEXT;
        let e = match zip.by_index(i) {
            Ok(e) => e,
            Err(err) => {
                problem(&mut report, &rel, format!("cannot be read: {err}"));
                continue;
            }
        };
        match read_bounded(e, size, keep_text, &mut buf) {
            Ok(r) => {
                files.insert(rel, r);
            }
            Err(what) => problem(&mut report, &rel, what),
        }
    }

    // 3. BagIt.
    let text = |files: &BTreeMap<String, Read_>, p: &str| files.get(p).and_then(|r| r.text.clone());
    match text(&files, "bagit.txt") {
        None => problem(
            &mut report,
            "bagit.txt",
            "missing: not a vault bundle (nor any BagIt bag)".into(),
        ),
        Some(t) if t != BAGIT_TXT.as_bytes() => problem(
            &mut report,
            "bagit.txt",
            "not a BagIt 1.0 declaration".into(),
        ),
        Some(_) => {}
    }
    let payload: BTreeMap<&String, &Read_> = files
        .iter()
        .filter(|(p, _)| p.starts_with("data/"))
        .collect();
    report.payload_files = payload.len();
    for listing in ["manifest-sha256.txt", "SHA256SUMS"] {
        let Some(t) = text(&files, listing) else {
            problem(&mut report, listing, "missing".into());
            continue;
        };
        let listed = check_listing(&mut report, listing, &t, &files);
        for p in payload.keys() {
            if !listed.contains(p.as_str()) {
                problem(
                    &mut report,
                    p,
                    format!("in the bag but not listed in {listing} (added?)"),
                );
            }
        }
    }
    match text(&files, "tagmanifest-sha256.txt") {
        None => problem(&mut report, "tagmanifest-sha256.txt", "missing".into()),
        Some(t) => {
            let listed = check_listing(&mut report, "tagmanifest-sha256.txt", &t, &files);
            for p in files.keys() {
                if !p.starts_with("data/")
                    && p != "tagmanifest-sha256.txt"
                    && !listed.contains(p.as_str())
                {
                    problem(
                        &mut report,
                        p,
                        "tag file not listed in tagmanifest-sha256.txt (added?)".into(),
                    );
                }
            }
        }
    }
    match text(&files, "bag-info.txt") {
        None => problem(&mut report, "bag-info.txt", "missing".into()),
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
                Some(oxum) => problem(
                    &mut report,
                    "bag-info.txt",
                    format!("Payload-Oxum {oxum}, but the payload is {want}"),
                ),
                None => problem(&mut report, "bag-info.txt", "no Payload-Oxum".into()),
            }
            report.order = field("External-Identifier");
        }
    }

    // 4. manifest.json against the files.
    let manifest: Option<Manifest> = match text(&files, "data/manifest.json") {
        None => {
            problem(&mut report, "data/manifest.json", "missing".into());
            None
        }
        Some(t) => match serde_json::from_slice::<Manifest>(&t) {
            Ok(m) if m.schema_version > MANIFEST_SCHEMA => {
                problem(
                    &mut report,
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
                problem(
                    &mut report,
                    "data/manifest.json",
                    format!("not a valid manifest: {e}"),
                );
                None
            }
        },
    };
    let Some(manifest) = manifest else {
        report.problems.sort();
        return Ok(report);
    };
    if report.order.as_deref() != Some(manifest.order.as_str()) {
        problem(
            &mut report,
            "data/manifest.json",
            format!(
                "order {} differs from bag-info.txt's External-Identifier",
                manifest.order
            ),
        );
    }
    report.order = Some(manifest.order.to_string());
    let mut described = HashSet::new();
    let mut originals: HashMap<Digest, &super::FileRecord> = HashMap::new();
    for r in &manifest.files {
        described.insert(r.path.as_str());
        match files.get(&r.path) {
            None => problem(
                &mut report,
                &r.path,
                "listed in manifest.json but missing".into(),
            ),
            Some(f) if f.sha256 != r.sha256 || f.size != r.size => problem(
                &mut report,
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
    report.originals = originals.len();
    for p in payload.keys() {
        if p.as_str() != "data/manifest.json" && !described.contains(p.as_str()) {
            problem(
                &mut report,
                p,
                "in the bag but not described in manifest.json (added?)".into(),
            );
        }
    }
    for r in &manifest.files {
        for src in r.derived_from.iter().chain(&r.sources) {
            if !originals.contains_key(src) {
                problem(
                    &mut report,
                    &r.path,
                    format!("derived from {src}, which is not an original in this bundle"),
                );
            }
        }
    }

    // 5. The ledger: its chain, and every original recorded in it as added.
    match text(&files, &manifest.ledger.path) {
        None => problem(&mut report, &manifest.ledger.path, "ledger missing".into()),
        Some(bytes) => {
            let ledger = Ledger::parse(&manifest.order, &bytes);
            report.ledger_entries = ledger.lines.len();
            report.ledger_head = ledger.head;
            for p in &ledger.problems {
                problem(
                    &mut report,
                    &manifest.ledger.path,
                    format!("line {}: {}", p.line, p.what),
                );
            }
            if ledger.head != manifest.ledger.head
                || ledger.lines.len() as u64 != manifest.ledger.entries
            {
                problem(
                    &mut report,
                    &manifest.ledger.path,
                    "entry count or last hash differs from manifest.json".into(),
                );
            }
            let added: HashMap<Digest, (u64, u64)> = ledger
                .items()
                .map(|(e, i)| (i.sha256, (i.size, e.seq)))
                .collect();
            for (d, r) in &originals {
                // The bytes actually in the bag must be the ones the ledger recorded, whatever the
                // manifests say.
                let actual = files.get(&r.path).map(|f| f.sha256);
                if let Some(a) = actual.filter(|a| a != d) {
                    problem(
                        &mut report,
                        &r.path,
                        format!(
                            "SHA-256 {a} is not recorded in the ledger: not the file that was added"
                        ),
                    );
                    continue;
                }
                match added.get(d) {
                    None => problem(
                        &mut report,
                        &r.path,
                        format!(
                            "SHA-256 {d} is not recorded in the ledger: not the file that was added"
                        ),
                    ),
                    Some(&(size, seq)) if size != r.size || Some(seq) != r.ledger_seq => problem(
                        &mut report,
                        &r.path,
                        "size or ledger entry differs from the ledger".into(),
                    ),
                    Some(_) => {}
                }
            }
            for (d, _) in added.iter().filter(|(d, _)| !originals.contains_key(*d)) {
                problem(
                    &mut report,
                    &manifest.ledger.path,
                    format!("the ledger records {d}, which is not in the bundle (removed?)"),
                );
            }
        }
    }
    report.problems.sort();
    report.problems.dedup();
    Ok(report)
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
pub fn check_file(path: &Path) -> Result<BundleCheck> {
    let mut report = check(path)?;
    let f = File::open(path).at(path)?;
    report.sha256 = Some(crate::digest::hash_reader(f).at(path)?.0);
    Ok(report)
}

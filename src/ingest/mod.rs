//! Ingest: turn files, directories and standard input into items filed under orders.
//!
//! The work is split in two steps so that a dry look at the inputs (`plan`) is separate from the
//! writes (`run`):
//! 1. `plan` walks the inputs in sorted order, decides each file's order and lists what it skips;
//! 2. `run` stores objects in parallel, one read per file (hash and copy in one pass), then appends
//!    one ledger entry per new item under the order's lock, chunk by chunk, and only then removes
//!    sources for `--move`.
//!
//! A crash at any point leaves stored objects (perhaps unreferenced, which `verify` reports but does
//! not count as an error) and complete ledger lines; running the same add again files what is missing.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::progress::{Progress, counted};
use chrono::Utc;
use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use walkdir::WalkDir;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::evidence::kind::{self as media, Kind, MediaType};
use crate::evidence::metadata::{self, MediaInfo};
use crate::ledger::{Appender, Event, Item, NewEntry};
use crate::store::order::OrderId;
use crate::store::{PutError, Stored, Vault};

/// How many files are stored before their ledger entries are written. Bounds the work a crash can
/// leave unfiled, and the memory held for results.
const CHUNK: usize = 64;

/// Where each file goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// Every file to this order.
    Order(OrderId),
    /// The order is the first capture group of this regex matched against the path relative to the
    /// walked directory.
    OrderFrom(Regex),
}

/// What to ingest.
#[derive(Debug, Clone)]
pub enum Input {
    Path(PathBuf),
    /// Standard input, filed under this name.
    Stdin {
        name: OsString,
    },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Option<Kind>,
    /// How chat exports are read (`--format`, `--date-order`).
    pub chat: crate::evidence::chat::ParseOptions,
    /// The zone assumed for chat times written without one (`--tz`, else the `timezone`
    /// setting); None: this machine's.
    pub tz: Option<crate::config::Zone>,
    pub note: Option<String>,
    pub by: String,
    pub move_sources: bool,
}

#[derive(Debug)]
enum Source {
    File(PathBuf),
    Stdin,
}

#[derive(Debug)]
struct Job {
    source: Source,
    order: OrderId,
    name: OsString,
    size_hint: u64,
    /// The planned file's device and inode: what is opened later must be that same file.
    identity: Option<(u64, u64)>,
}

/// A file's (device, inode), where the platform has them.
fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Open a planned file for reading, making sure it is still the regular file that was planned: a
/// symlink or FIFO swapped in after planning (a shared drop folder) is refused, never followed,
/// never waited on.
fn open_planned(path: &Path, planned: Option<(u64, u64)>) -> std::result::Result<File, String> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Not through a symlink; and a FIFO opens without waiting for a writer.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let f = opts.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return "replaced by a symbolic link after it was listed; not read".to_string();
        }
        describe_io(&e)
    })?;
    let meta = f.metadata().map_err(|e| describe_io(&e))?;
    if !meta.is_file() {
        return Err("no longer a regular file (replaced after it was listed); not read".into());
    }
    if planned.is_some() && identity(&meta) != planned {
        return Err("replaced by another file after it was listed; not read".into());
    }
    Ok(f)
}

/// The inputs, resolved to files and orders, plus everything left alone and why.
#[derive(Debug)]
pub struct Plan {
    jobs: Vec<Job>,
    /// Files modified more recently than this before `now` are skipped.
    min_age: Option<std::time::Duration>,
    now: SystemTime,
    pub skipped: Vec<Skipped>,
    pub unmatched: Vec<Unmatched>,
    pub failed: Vec<Failed>,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            jobs: Vec::new(),
            min_age: None,
            now: SystemTime::now(),
            skipped: Vec::new(),
            unmatched: Vec::new(),
            failed: Vec::new(),
        }
    }
}

impl Plan {
    pub fn file_count(&self) -> usize {
        self.jobs.len()
    }
    pub fn total_bytes(&self) -> u64 {
        self.jobs.iter().map(|j| j.size_hint).sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderId>,
    pub error: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Duplicate,
}

/// One file's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    #[serde(flatten)]
    pub facts: crate::ledger::ItemFacts,
    pub status: Status,
    /// Ledger sequence number of the new entry (absent for duplicates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Where it came from: a path, or `-` for standard input.
    #[serde(serialize_with = "crate::paths::lossy")]
    pub source: PathBuf,
    /// The source file was removed (`--move`).
    pub moved: bool,
    #[serde(skip)]
    pub raw_name: OsString,
}

#[derive(Debug, Default, Serialize)]
pub struct AddReport {
    pub items: Vec<Filed>,
    pub skipped: Vec<Skipped>,
    pub unmatched: Vec<Unmatched>,
    pub failed: Vec<Failed>,
    /// Warnings that do not fail the run (e.g. a file that changed while it was read): `--json`
    /// gives them twice, as `warnings` (sentences, as in schema 1 from the start) and as
    /// `warning_details` (`{code, path, text}`, for scripts).
    #[serde(flatten)]
    pub warnings: Warnings,
}

/// What a warning is about, for scripts: stable names, one per kind of warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// A photo's or video's capture time is missing or does not fit when it was filed.
    CaptureTime,
    /// Filed, but its tracking or chat content could not be read (no summary).
    NotParsed,
    /// Files inside an export (chat zip media, e-mail attachments) that were not taken out.
    NotExtracted,
    /// A chat was read, with something for the person to check: an ambiguous day/month order,
    /// media the export left out.
    ChatNote,
    /// The file changed while it was read; what was read is filed.
    ChangedWhileRead,
    /// A corrupt stored copy was replaced by this file's identical bytes.
    Repaired,
    /// The order's ledger chain was already broken before this run appended to it.
    ChainBroken,
    /// A new object's directory entry could not be made durable.
    NotDurable,
}

impl WarningCode {
    pub const ALL: [WarningCode; 8] = [
        WarningCode::CaptureTime,
        WarningCode::NotParsed,
        WarningCode::NotExtracted,
        WarningCode::ChatNote,
        WarningCode::ChangedWhileRead,
        WarningCode::Repaired,
        WarningCode::ChainBroken,
        WarningCode::NotDurable,
    ];
}

/// A warning about one input, or about the run. The path is kept as it is (the output layer
/// escapes it for a terminal); `--json` writes `"<path>: <text>"`, or the text alone, in
/// `warnings`, and the parts in `warning_details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: WarningCode,
    pub path: Option<PathBuf>,
    pub text: String,
}

impl Warning {
    pub fn about(code: WarningCode, path: &Path, text: impl Into<String>) -> Warning {
        Warning {
            code,
            path: Some(path.to_path_buf()),
            text: text.into(),
        }
    }

    pub fn general(code: WarningCode, text: impl Into<String>) -> Warning {
        Warning {
            code,
            path: None,
            text: text.into(),
        }
    }

    /// The sentence: `"<path>: <text>"`, or the text alone.
    pub fn sentence(&self) -> String {
        match &self.path {
            Some(p) => format!("{}: {}", p.to_string_lossy(), self.text),
            None => self.text.clone(),
        }
    }
}

/// The warnings of a run, serialized as `warnings` (sentences) and `warning_details` (parts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings(pub Vec<Warning>);

impl std::ops::Deref for Warnings {
    type Target = Vec<Warning>;
    fn deref(&self) -> &Vec<Warning> {
        &self.0
    }
}

impl std::ops::DerefMut for Warnings {
    fn deref_mut(&mut self) -> &mut Vec<Warning> {
        &mut self.0
    }
}

impl Serialize for Warnings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(Serialize)]
        struct Detail<'a> {
            code: WarningCode,
            #[serde(skip_serializing_if = "Option::is_none")]
            path: Option<std::borrow::Cow<'a, str>>,
            text: &'a str,
        }
        let sentences: Vec<String> = self.0.iter().map(Warning::sentence).collect();
        let details: Vec<Detail> = self
            .0
            .iter()
            .map(|w| Detail {
                code: w.code,
                path: w.path.as_deref().map(|p| p.to_string_lossy()),
                text: &w.text,
            })
            .collect();
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("warnings", &sentences)?;
        m.serialize_entry("warning_details", &details)?;
        m.end()
    }
}

/// Resolve inputs to jobs. Errors here are usage errors (nothing has been written yet); unreadable
/// paths become `failed` entries so that the rest still goes in.
pub fn plan(
    vault: &Vault,
    inputs: &[Input],
    target: &Target,
    min_age: Option<std::time::Duration>,
) -> Result<Plan> {
    let mut plan = Plan {
        min_age,
        now: SystemTime::now(),
        ..Plan::default()
    };
    let vault_root = fs::canonicalize(vault.root()).unwrap_or_else(|_| vault.root().to_path_buf());
    for input in inputs {
        match input {
            Input::Stdin { name } => {
                let Target::Order(order) = target else {
                    return Err(Error::Usage(
                        "standard input needs --order (not --order-from)".into(),
                    ));
                };
                plan.jobs.push(Job {
                    source: Source::Stdin,
                    order: order.clone(),
                    name: name.clone(),
                    size_hint: 0,
                    identity: None,
                });
            }
            Input::Path(path) => plan_path(&mut plan, path, target, &vault_root),
        }
    }
    Ok(plan)
}

fn plan_path(plan: &mut Plan, root: &Path, target: &Target, vault_root: &Path) {
    // A path named on the command line is followed even if it is a symlink: the user chose it.
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) => {
            plan.failed.push(Failed {
                path: root.to_path_buf(),
                order: None,
                error: describe_io(&e),
            });
            return;
        }
    };
    if meta.is_file() {
        let rel = root.file_name().map(PathBuf::from).unwrap_or_default();
        plan_file(plan, root, &rel, &meta, target, Some(vault_root));
        return;
    }
    if !meta.is_dir() {
        plan.skipped.push(Skipped {
            path: root.to_path_buf(),
            reason: "not a regular file or directory".into(),
        });
        return;
    }
    if is_inside(root, vault_root) {
        plan.skipped.push(Skipped {
            path: root.to_path_buf(),
            reason: "inside the vault".into(),
        });
        return;
    }
    walk_dir(plan, root, target, vault_root);
}

/// Plan every regular file under the directory `root`, without following links; hidden files and
/// directories, links, special files and the vault itself are skipped, each reported.
fn walk_dir(plan: &mut Plan, root: &Path, target: &Target, vault_root: &Path) {
    let walk_error = |e: &walkdir::Error| {
        e.io_error()
            .map(describe_io)
            .unwrap_or_else(|| e.to_string())
    };
    let mut it = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                plan.failed.push(Failed {
                    path: e
                        .path()
                        .map_or_else(|| root.to_path_buf(), Path::to_path_buf),
                    order: None,
                    error: walk_error(&e),
                });
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path();
        let ft = entry.file_type();
        let hidden = entry.file_name().as_encoded_bytes().first() == Some(&b'.');
        let skip = if ft.is_symlink() {
            Some("symbolic link (not followed)")
        } else if ft.is_dir() {
            if hidden {
                Some("hidden directory")
            } else if is_inside(path, vault_root) {
                Some("the vault itself")
            } else {
                continue;
            }
        } else if !ft.is_file() {
            Some("not a regular file")
        } else if hidden {
            // Dot files in drop folders are system files (.DS_Store) or copies still in flight
            // (rsync's .name.XXXXXX); they are left alone.
            Some("hidden file")
        } else {
            None
        };
        if let Some(reason) = skip {
            plan.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: reason.into(),
            });
            if ft.is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        match entry.metadata() {
            // Directories inside the vault were pruned above, so files need no check of their own.
            Ok(meta) => plan_file(plan, path, &rel, &meta, target, None),
            Err(e) => plan.failed.push(Failed {
                path: path.to_path_buf(),
                order: None,
                error: walk_error(&e),
            }),
        }
    }
}

fn plan_file(
    plan: &mut Plan,
    path: &Path,
    rel: &Path,
    meta: &fs::Metadata,
    target: &Target,
    vault_root: Option<&Path>,
) {
    if vault_root.is_some_and(|v| is_inside(path, v)) {
        plan.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: "inside the vault".into(),
        });
        return;
    }
    if let (Some(min_age), Ok(mtime)) = (plan.min_age, meta.modified()) {
        // A file from the future (clock skew) counts as age zero: it is left for later too.
        let age = plan.now.duration_since(mtime).unwrap_or_default();
        if age < min_age {
            plan.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: format!("modified {}s ago, younger than --min-age", age.as_secs()),
            });
            return;
        }
    }
    let order = match target {
        Target::Order(o) => o.clone(),
        Target::OrderFrom(re) => {
            let rel_str = rel
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/");
            let Some(m) = re.captures(&rel_str).and_then(|c| c.get(1)) else {
                plan.unmatched.push(Unmatched {
                    path: path.to_path_buf(),
                });
                return;
            };
            match m.as_str().parse::<OrderId>() {
                Ok(o) => o,
                Err(e) => {
                    plan.failed.push(Failed {
                        path: path.to_path_buf(),
                        order: None,
                        error: e.to_string(),
                    });
                    return;
                }
            }
        }
    };
    plan.jobs.push(Job {
        source: Source::File(path.to_path_buf()),
        order,
        name: path
            .file_name()
            .map(OsStr::to_os_string)
            .unwrap_or_default(),
        size_hint: meta.len(),
        identity: identity(meta),
    });
}

/// Whether `path` is `dir` or lies under it, comparing canonical paths.
fn is_inside(path: &Path, dir: &Path) -> bool {
    match fs::canonicalize(path) {
        Ok(p) => p.starts_with(dir),
        Err(_) => false,
    }
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// A job's file stored, not yet filed.
struct StoredJob {
    stored: Stored,
    kind: Kind,
    media_type: MediaType,
    media: Option<MediaInfo>,
    /// The source's size or mtime changed while it was read.
    changed: bool,
}

fn store_one(
    vault: &Vault,
    job: &Job,
    bar: &dyn Progress,
) -> std::result::Result<StoredJob, String> {
    let (stored, changed) = match &job.source {
        Source::Stdin => {
            let stdin = io::stdin().lock();
            let stored = vault.put(counted(stdin, bar)).map_err(put_error)?;
            (stored, false)
        }
        Source::File(path) => {
            let f = open_planned(path, job.identity)?;
            let before = stamp(&f);
            let stored = vault.put(counted(&f, bar)).map_err(put_error)?;
            let after = fs::metadata(path)
                .ok()
                .map(|m| (m.len(), m.modified().ok()));
            let changed =
                before.is_none() || after != before || before.map(|b| b.0) != Some(stored.size);
            (stored, changed)
        }
    };
    let detected = media::detect(&stored.head, &job.name);
    // Read from the stored object (just written, so in the page cache), not the source, which may
    // have changed since.
    let media = metadata::applies_to(&detected.media_type)
        .then(|| object_metadata(vault, &stored.digest, &detected.media_type));
    Ok(StoredJob {
        kind: detected.kind,
        media_type: detected.media_type,
        media,
        stored,
        changed,
    })
}

fn stamp(f: &File) -> Option<(u64, Option<SystemTime>)> {
    f.metadata().ok().map(|m| (m.len(), m.modified().ok()))
}

fn put_error(e: PutError) -> String {
    match e {
        PutError::Source(e) => format!("read failed: {}", describe_io(&e)),
        PutError::Store(e) => format!("could not store: {e}"),
    }
}

fn job_path(job: &Job) -> PathBuf {
    match &job.source {
        Source::File(p) => p.clone(),
        Source::Stdin => PathBuf::from("-"),
    }
}

/// The original name as the ledger keeps it: UTF-8 (lossy) plus the exact bytes when not UTF-8.
fn ledger_name(name: &OsStr) -> (String, Option<String>) {
    match name.to_str() {
        Some(s) => (s.to_string(), None),
        None => {
            let bytes = name.as_encoded_bytes();
            let hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
            (name.to_string_lossy().into_owned(), Some(hex))
        }
    }
}

/// File each media entry of a chat export zip under the same order, as its own item linked to the
/// zip (`extracted_from`). Bounded by `chat::ZipExport`; nested archives are filed, not opened.
fn extract_chat_media(
    vault: &Vault,
    app: &mut Appender,
    zip: Digest,
    job: &Job,
    opts: &Options,
    now: chrono::DateTime<Utc>,
    report: &mut AddReport,
) {
    let shown = job_path(job);
    let opened = vault.open_object(&zip).map_err(|e| e.to_string());
    let mut export = match opened.and_then(crate::evidence::chat::ZipExport::new) {
        Ok(z) => z,
        Err(why) => {
            report.warnings.push(Warning::about(
                WarningCode::NotExtracted,
                &shown,
                format!("media not taken out of the export: {why}"),
            ));
            return;
        }
    };
    for s in &export.skipped {
        report
            .warnings
            .push(Warning::about(WarningCode::NotExtracted, &shown, s.clone()));
    }
    for (index, name, _) in std::mem::take(&mut export.media) {
        let stored = match export.with_entry(index, |r| vault.put(r)) {
            Ok(Ok(stored)) => stored,
            Ok(Err(PutError::Source(e))) => {
                report.warnings.push(Warning::about(
                    WarningCode::NotExtracted,
                    &shown,
                    format!("{name}: unreadable in the zip: {e}"),
                ));
                continue;
            }
            Ok(Err(PutError::Store(e))) => {
                report.warnings.push(Warning::about(
                    WarningCode::NotExtracted,
                    &shown,
                    format!("{name}: could not store: {e}"),
                ));
                continue;
            }
            Err(e) => {
                report.warnings.push(Warning::about(
                    WarningCode::NotExtracted,
                    &shown,
                    format!("{name}: {e}"),
                ));
                continue;
            }
        };
        file_extracted(vault, app, zip, &name, stored, job, opts, now, report);
    }
}

/// File the attachments of an e-mail (or mailbox) under the same order, each as its own item
/// linked to the message file (`extracted_from`).
fn extract_email_attachments(
    vault: &Vault,
    app: &mut Appender,
    mail: Digest,
    job: &Job,
    opts: &Options,
    now: chrono::DateTime<Utc>,
    report: &mut AddReport,
) {
    let shown = job_path(job);
    let mail_bytes = match vault.read_object_bounded(&mail, crate::evidence::chat::MAX_EXPORT) {
        Ok(b) => b,
        Err(why) => {
            report.warnings.push(Warning::about(
                WarningCode::NotExtracted,
                &shown,
                format!("attachments not taken out: {why}"),
            ));
            return;
        }
    };
    // Each attachment is stored and filed as it is found, not collected first.
    let found = crate::evidence::chat::for_each_email_attachment(&mail_bytes, |name, bytes| {
        match vault.put(bytes) {
            Ok(stored) => file_extracted(vault, app, mail, name, stored, job, opts, now, report),
            Err(_) => report.warnings.push(Warning::about(
                WarningCode::NotExtracted,
                &shown,
                format!("{name}: could not store"),
            )),
        }
    });
    if let Err(why) = found {
        report.warnings.push(Warning::about(
            WarningCode::NotExtracted,
            &shown,
            format!("attachments not all taken out: {why}"),
        ));
    }
}

/// File one file taken out of an export (`from`) under the appender's order.
#[allow(clippy::too_many_arguments)]
fn file_extracted(
    vault: &Vault,
    app: &mut Appender,
    from: Digest,
    name: &str,
    stored: Stored,
    job: &Job,
    opts: &Options,
    now: chrono::DateTime<Utc>,
    report: &mut AddReport,
) {
    if stored.new {
        let _ = vault.sync_object_dir(&stored.digest);
    }
    if app.contains(&stored.digest) {
        return;
    }
    // A name from inside an export is untrusted: only its last path component is kept (display and
    // bundles escape the rest).
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name).to_string();
    let detected = media::detect(&stored.head, OsStr::new(&name));
    let media_info = metadata::applies_to(&detected.media_type)
        .then(|| object_metadata(vault, &stored.digest, &detected.media_type));
    let item = Item {
        sha256: stored.digest,
        size: stored.size,
        kind: detected.kind,
        name: name.clone(),
        name_bytes_hex: None,
        media_type: detected.media_type,
        media: media_info,
        tracking: None,
        chat: None,
        extracted_from: Some(from),
    };
    let entry = app.push(NewEntry {
        at: now,
        by: opts.by.clone(),
        event: Event::Add {
            item: Box::new(item.clone()),
        },
        note: Some(format!("from the export {}", ledger_name(&job.name).0)),
    });
    report.items.push(Filed {
        facts: item.facts(app.order(), Vec::new()),
        status: Status::Added,
        seq: Some(entry.seq),
        source: job_path(job).join(&name),
        moved: false,
        raw_name: OsString::from(&name),
    });
}

/// What a stored photo or video says about itself (read from the object's local file).
fn object_metadata(vault: &Vault, d: &Digest, media_type: &str) -> metadata::MediaInfo {
    match vault.object_file(d) {
        Ok(path) => metadata::read(&path, media_type),
        Err(e) => metadata::MediaInfo {
            error: Some(e.to_string()),
            ..Default::default()
        },
    }
}

/// A parser's summary, or `None` and a warning saying the item is stored without it and why.
/// The zone to record as assumed for the local times among `times` (those written without an
/// offset): `--tz` or the `timezone` setting, else this machine's; None when every time has its
/// offset.
fn assumed_zone(opts: &Options, times: impl Iterator<Item = crate::time::At>) -> Option<String> {
    let local: Vec<chrono::NaiveDateTime> = times
        .filter_map(|t| match t {
            crate::time::At::Local(n) => Some(n),
            crate::time::At::Instant(_) => None,
        })
        .collect();
    if local.is_empty() {
        return None;
    }
    let zone = opts
        .tz
        .unwrap_or_else(|| crate::config::Zone::Fixed(*chrono::Local::now().offset()));
    Some(zone.assumed_for(local.into_iter()))
}

fn summarised<T>(
    parsed: std::result::Result<T, String>,
    what: &str,
    job: &Job,
    warnings: &mut Vec<Warning>,
) -> Option<T> {
    parsed
        .map_err(|why| {
            let without = if what == "chat" {
                "a transcript"
            } else {
                "events"
            };
            warnings.push(Warning::about(
                WarningCode::NotParsed,
                &job_path(job),
                format!("stored as a {what} item without {without}: {why}"),
            ));
        })
        .ok()
}

/// Store and file everything in `plan`.
pub fn run(vault: &Vault, plan: Plan, opts: &Options, bar: &dyn Progress) -> AddReport {
    let mut report = AddReport {
        skipped: plan.skipped,
        unmatched: plan.unmatched,
        failed: plan.failed,
        ..AddReport::default()
    };
    // Ingest waits on the disk (each object is fsynced) as much as it hashes: with twice as many
    // workers as cores, one thread hashes while another waits in fsync. See docs/performance.md.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads((2 * cores).clamp(4, 16))
        .thread_name(|i| format!("ingest-{i}"))
        .build();
    for chunk in plan.jobs.chunks(CHUNK) {
        match &pool {
            Ok(pool) => pool.install(|| run_chunk(vault, chunk, opts, bar, &mut report)),
            // No threads to be had: the global pool still works.
            Err(_) => run_chunk(vault, chunk, opts, bar, &mut report),
        }
    }
    bar.finish();
    report
}

/// One chunk of an `add` run: its jobs, what storing each one gave, and the run's options.
struct Chunk<'a> {
    vault: &'a Vault,
    jobs: &'a [Job],
    results: Vec<std::result::Result<StoredJob, String>>,
    opts: &'a Options,
}

fn run_chunk(
    vault: &Vault,
    jobs: &[Job],
    opts: &Options,
    bar: &dyn Progress,
    report: &mut AddReport,
) {
    let chunk = Chunk {
        vault,
        jobs,
        results: jobs.par_iter().map(|j| store_one(vault, j, bar)).collect(),
        opts,
    };
    chunk.sync_new_objects(report);
    crate::failpoint("after-objects");

    let mut filed: Vec<Option<Filed>> = vec![None; jobs.len()];
    // Files taken out of exports are reported right after their export (below).
    let extracted_from_here = report.items.len();
    for (order, idxs) in group_by_order(jobs) {
        chunk.file_order(order, &idxs, &mut filed, report);
    }
    crate::failpoint("after-ledger");

    if opts.move_sources {
        chunk.remove_sources(&mut filed, report);
    }
    let mut extracted: Vec<Filed> = report.items.drain(extracted_from_here..).collect();
    for parent in filed.into_iter().flatten() {
        let (children, rest): (Vec<Filed>, Vec<Filed>) = extracted
            .into_iter()
            .partition(|f| f.source.parent() == Some(parent.source.as_path()));
        extracted = rest;
        report.items.push(parent);
        report.items.extend(children);
    }
    report.items.extend(extracted);
}

/// The jobs' indices grouped by order, orders in first-seen order, input order within each.
fn group_by_order(jobs: &[Job]) -> Vec<(&OrderId, Vec<usize>)> {
    let mut groups: Vec<(&OrderId, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&OrderId, usize> = HashMap::new();
    for (i, job) in jobs.iter().enumerate() {
        let g = *index.entry(&job.order).or_insert_with(|| {
            groups.push((&job.order, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    groups
}

impl Chunk<'_> {
    /// Directory entries of new objects become durable before any ledger line names them.
    fn sync_new_objects(&self, report: &mut AddReport) {
        let mut synced = HashSet::new();
        for r in self.results.iter().flatten() {
            if r.stored.new
                && synced.insert(r.stored.digest.0[0])
                && let Err(e) = self.vault.sync_object_dir(&r.stored.digest)
            {
                report
                    .warnings
                    .push(Warning::general(WarningCode::NotDurable, e.to_string()));
            }
        }
    }

    /// Report every stored job of `idxs` as failed with `error` (its order's ledger took nothing).
    fn fail_stored(&self, order: &OrderId, idxs: &[usize], error: &str, report: &mut AddReport) {
        for &i in idxs {
            if self.results[i].is_ok() {
                report.failed.push(Failed {
                    path: job_path(&self.jobs[i]),
                    order: Some(order.clone()),
                    error: error.to_string(),
                });
            }
        }
    }

    /// File one order's stored jobs in its ledger, with one commit.
    fn file_order(
        &self,
        order: &OrderId,
        idxs: &[usize],
        filed: &mut [Option<Filed>],
        report: &mut AddReport,
    ) {
        let mut app = match Appender::open(self.vault, order) {
            Ok(a) => a,
            Err(e) => {
                self.fail_stored(order, idxs, &format!("stored but not filed: {e}"), report);
                return;
            }
        };
        if let Some(w) = app.chain_warning() {
            report
                .warnings
                .push(Warning::general(WarningCode::ChainBroken, w));
        }
        let now = Utc::now();
        // Files taken out of this order's exports are reported from here on.
        let batch_extracted = report.items.len();
        for &i in idxs {
            let job = &self.jobs[i];
            match &self.results[i] {
                Ok(sj) => filed[i] = Some(self.file_one(&mut app, order, job, sj, now, report)),
                Err(error) => report.failed.push(Failed {
                    path: job_path(job),
                    order: Some(order.clone()),
                    error: error.clone(),
                }),
            }
        }
        if let Err(e) = app.commit() {
            let error = format!("stored but not filed: {e}");
            for &i in idxs {
                if filed[i].take().is_some() {
                    report.failed.push(Failed {
                        path: job_path(&self.jobs[i]),
                        order: Some(order.clone()),
                        error: error.clone(),
                    });
                }
            }
            // What was taken out of this batch's exports was not filed either.
            for f in report.items.drain(batch_extracted..) {
                report.failed.push(Failed {
                    path: f.source,
                    order: Some(order.clone()),
                    error: error.clone(),
                });
            }
        }
    }

    /// Stage one stored job's `add` entry (unless the order already holds these bytes), taking
    /// apart the exports it is, and say what was filed.
    fn file_one(
        &self,
        app: &mut Appender,
        order: &OrderId,
        job: &Job,
        sj: &StoredJob,
        now: chrono::DateTime<Utc>,
        report: &mut AddReport,
    ) -> Filed {
        let (vault, opts) = (self.vault, self.opts);
        let (name, name_bytes_hex) = ledger_name(&job.name);
        let kind = opts.kind.unwrap_or(sj.kind);
        let (tracking, chat) = self.summaries(kind, job, sj, &mut report.warnings);
        let digest = sj.stored.digest;
        let item = Item {
            sha256: digest,
            size: sj.stored.size,
            kind,
            name,
            name_bytes_hex,
            media_type: sj.media_type.clone(),
            media: sj.media.clone(),
            tracking,
            chat,
            extracted_from: None,
        };
        let (status, seq) = if app.contains(&digest) {
            (Status::Duplicate, None)
        } else {
            let entry = app.push(NewEntry {
                at: now,
                by: opts.by.clone(),
                event: Event::Add {
                    item: Box::new(item.clone()),
                },
                note: opts.note.clone(),
            });
            if kind == Kind::Chat && sj.media_type == MediaType::ZIP {
                extract_chat_media(vault, app, digest, job, opts, now, report);
            }
            if kind == Kind::Chat && sj.media_type.is_mail() {
                extract_email_attachments(vault, app, digest, job, opts, now, report);
            }
            (Status::Added, Some(entry.seq))
        };
        if sj.changed {
            report.warnings.push(Warning::about(
                WarningCode::ChangedWhileRead,
                &job_path(job),
                "changed while it was read; what was read is filed, the file is kept",
            ));
        }
        if sj.stored.repaired {
            report.warnings.push(Warning::about(
                WarningCode::Repaired,
                &job_path(job),
                format!(
                    "repaired: the vault's copy of {digest} no longer matched its SHA-256 and was \
                     replaced by this file's bytes, which do"
                ),
            ));
        }
        let warnings = match &sj.media {
            Some(m) if kind == Kind::Photo || kind == Kind::Video => {
                metadata::time_warnings(m, &now)
            }
            _ => Vec::new(),
        };
        for w in &warnings {
            report.warnings.push(Warning::about(
                WarningCode::CaptureTime,
                &job_path(job),
                w.clone(),
            ));
        }
        Filed {
            facts: item.facts(order, warnings),
            status,
            seq,
            source: job_path(job),
            moved: false,
            raw_name: job.name.clone(),
        }
    }

    /// Tracking snapshots and chat exports are parsed into summaries; what cannot be parsed is
    /// stored all the same, with a warning that says why.
    fn summaries(
        &self,
        kind: Kind,
        job: &Job,
        sj: &StoredJob,
        warnings: &mut Vec<Warning>,
    ) -> (
        Option<crate::evidence::tracking::Summary>,
        Option<crate::evidence::chat::Summary>,
    ) {
        let (vault, opts) = (self.vault, self.opts);
        let digest = &sj.stored.digest;
        let tracking = (kind == Kind::Tracking && sj.media_type == MediaType::JSON)
            .then(|| {
                let parsed = crate::case::read_snapshot(vault, digest);
                let parsed = parsed.map(|s| crate::evidence::tracking::Summary {
                    tz_assumed: assumed_zone(opts, s.events.iter().map(|e| e.time.at())),
                    ..crate::evidence::tracking::Summary::from(&s)
                });
                summarised(parsed, "tracking", job, warnings)
            })
            .flatten();
        let textual = sj.media_type.is_textual() || sj.media_type == MediaType::ZIP;
        let chat = (kind == Kind::Chat && textual)
            .then(|| {
                // A file already known to be e-mail is read as e-mail (its header block can be
                // too long for content detection); the choice is recorded.
                let chat_opts = crate::evidence::chat::ParseOptions {
                    format: opts.chat.format.or(sj
                        .media_type
                        .is_mail()
                        .then_some(crate::evidence::chat::Format::Email)),
                    ..opts.chat
                };
                let parsed = crate::case::read_transcript(vault, digest, chat_opts);
                if let Ok(t) = &parsed {
                    for note in &t.notes {
                        warnings.push(Warning::about(
                            WarningCode::ChatNote,
                            &job_path(job),
                            format!("chat read; {note}"),
                        ));
                    }
                }
                let parsed = parsed.map(|t| crate::evidence::chat::Summary {
                    read_with: crate::evidence::chat::ParseOptions {
                        year: t.assumed_year.or(chat_opts.year),
                        ..chat_opts
                    },
                    tz_assumed: assumed_zone(opts, t.messages.iter().map(|m| m.time.at())),
                    ..crate::evidence::chat::Summary::from(&t)
                });
                summarised(parsed, "chat", job, warnings)
            })
            .flatten();
        (tracking, chat)
    }

    /// `--move`: sources are removed only once their entries are durable and the object re-reads
    /// correctly; a file that changed while it was read is kept.
    fn remove_sources(&self, filed: &mut [Option<Filed>], report: &mut AddReport) {
        for (i, f) in filed.iter_mut().enumerate() {
            let (Some(f), Ok(sj), Source::File(path)) =
                (f.as_mut(), &self.results[i], &self.jobs[i].source)
            else {
                continue;
            };
            if sj.changed {
                continue;
            }
            let failed = |error: String| Failed {
                path: path.clone(),
                order: Some(f.facts.order.clone()),
                error,
            };
            let failure = match self.vault.rehash_object(&f.facts.sha256) {
                Ok((d, _)) if d == f.facts.sha256 => match fs::remove_file(path) {
                    Ok(()) => None,
                    Err(e) => Some(failed(format!(
                        "filed, but the source could not be removed: {}",
                        describe_io(&e)
                    ))),
                },
                Ok((d, _)) => Some(failed(format!(
                    "stored object re-reads as {d}, not {}; source kept (run vault verify)",
                    f.facts.sha256
                ))),
                Err(e) => Some(failed(format!(
                    "stored object could not be re-read: {e}; source kept"
                ))),
            };
            match failure {
                None => f.moved = true,
                Some(fail) => report.failed.push(fail),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_planned_file_swapped_for_a_link_a_fifo_or_another_file_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("IMG_0001.jpg");
        fs::write(&p, b"photo").unwrap();
        let planned = identity(&fs::symlink_metadata(&p).unwrap());
        assert!(open_planned(&p, planned).is_ok());
        // Another file renamed over it (made while the first still existed: another inode).
        let other = dir.path().join("other");
        fs::write(&other, b"other").unwrap();
        fs::rename(&other, &p).unwrap();
        let e = open_planned(&p, planned).unwrap_err();
        assert!(e.contains("replaced by another file"), "{e}");
        // A symlink to a secret.
        fs::remove_file(&p).unwrap();
        fs::write(dir.path().join("secret"), b"key").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), &p).unwrap();
        let e = open_planned(&p, planned).unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
        // A FIFO nobody writes: refused at once, not waited on.
        fs::remove_file(&p).unwrap();
        if std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .is_ok_and(|s| s.success())
        {
            let e = open_planned(&p, planned).unwrap_err();
            assert!(e.contains("no longer a regular file"), "{e}");
        }
    }
}

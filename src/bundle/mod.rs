//! Evidence bundles: one zip per order that an arbitrator reads at a glance and anyone can check
//! with standard tools.
//!
//! The zip holds a BagIt bag (RFC 8493, version 1.0) in one top-level folder:
//!
//! ```text
//! <ORDER>-evidence-<YYYY-MM-DD>/
//!   bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
//!   SHA256SUMS                  the payload again, for `sha256sum -c SHA256SUMS`
//!   VERIFY.txt                  how to check the bundle with standard tools
//!   data/report.html            one self-contained page for the arbitrator
//!   data/manifest.json          every file: hash, size, kind, original name, times, provenance
//!   data/ledger.jsonl           the order's hash-chained ledger
//!   data/originals/<kind>/…     every item, byte-identical to what was added
//!   data/thumbnails/…           derived previews of the photos
//! ```
//!
//! Deterministic: entries sorted, fixed permissions, every timestamp the generated time, which
//! `SOURCE_DATE_EPOCH` fixes. `docs/bundle-format.md` is the reference.

pub mod check;
pub mod forms;
pub mod prepare;
mod report_html;
mod statement;
pub mod trust;
pub mod upload;
mod zipfile;

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::progress::Progress;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::case::Case;
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::evidence::kind::{Kind, MediaType};
use crate::ledger::{Entry, Event, Ledger};
use crate::store::Vault;
use crate::store::order::OrderId;
use crate::time::format_time;
use zipfile::{Content, ZipEntry, write_verified};

/// Version of `manifest.json`.
pub const MANIFEST_SCHEMA: u32 = 1;

pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// What a file in the bundle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An item of the order, byte-identical to what was added.
    Original,
    /// A preview made from an original.
    Thumbnail,
    /// The order's ledger.
    Ledger,
    /// `report.html`.
    Report,
    /// A file made for a platform's upload form (`data/upload/`).
    Upload,
    /// Values for a platform's form fields and which upload file goes in which field, for a
    /// script to submit (`data/upload/stripe-evidence.json`): not itself uploaded.
    #[serde(rename = "form_data")]
    FormData,
    /// The seller's public key, signed heads, time-stamp tokens and their certificates
    /// (`data/trust/`).
    Trust,
}

/// One file of the payload, as `manifest.json` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileRecord {
    /// Path inside the bag, e.g. `data/originals/photo/IMG_0001.jpg`.
    pub path: String,
    pub sha256: Digest,
    pub size: u64,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// The name the file had when it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    /// Sequence number of the ledger entry that added it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Capture time the file states, where known (photos and videos; read by later versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    /// The tag the capture time came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_from: Option<String>,
    /// Capture-time checks that failed (a camera clock in 1998, a photo taken after it was added).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// For derived files: the SHA-256 of the original they were made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<Digest>,
    /// For upload files: the SHA-256 of every original they were made from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Digest>,
    /// For originals: the time of the earliest RFC 3161 token that dates the entry that added it
    /// (the file existed no later than this), and the TSA that vouches for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existed_by_tsa: Option<String>,
    /// For originals: the key whose signed ledger head first covers the entry that added it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// For originals: filed after the dispute was opened (evidence gathered late is weaker).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub filed_after_dispute: bool,
    /// For the two halves of a Live Photo (a still and its short video with the same Apple
    /// content identifier): the SHA-256 of the other half.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_photo_with: Option<Digest>,
}

impl FileRecord {
    /// A record of a file the bundle makes (not an original): only path, hash, size, role and type.
    fn made(path: &str, bytes: &[u8], role: Role, media_type: MediaType) -> FileRecord {
        FileRecord {
            path: path.to_string(),
            sha256: Digest::of(bytes),
            size: bytes.len() as u64,
            role,
            kind: None,
            media_type: Some(media_type),
            original_name: None,
            added_at: None,
            added_by: None,
            ledger_seq: None,
            note: None,
            captured_at: None,
            captured_from: None,
            warnings: Vec::new(),
            derived_from: None,
            sources: Vec::new(),
            existed_by: None,
            existed_by_tsa: None,
            signed_by: None,
            filed_after_dispute: false,
            live_photo_with: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LedgerInfo {
    pub path: String,
    pub entries: u64,
    pub head: Option<Digest>,
}

/// `data/manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub schema_version: u32,
    pub order: OrderId,
    pub generated_at: String,
    pub tool: String,
    pub bag: String,
    pub ledger: LedgerInfo,
    pub files: Vec<FileRecord>,
    /// What could not be made, e.g. a photo without a thumbnail, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The key that signed the bag and the time-stamps it carries (`data/trust/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<trust::TrustInfo>,
}

/// How to build a bundle.
#[derive(Debug, Clone)]
pub struct Options {
    pub output: PathBuf,
    /// The bundle's one timestamp: `SOURCE_DATE_EPOCH` when set, else now.
    pub generated_at: DateTime<Utc>,
    /// Replace an existing file at `output`.
    pub force: bool,
    pub by: String,
    /// Make `data/upload/` for a platform (`--platform`).
    pub upload: Option<upload::Request>,
    /// The shop's zone: times people read (report.html, the summary) are also shown in it.
    pub zone: Option<crate::time::Zone>,
}

/// A bundle written, verified and recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    #[serde(serialize_with = "crate::paths::lossy")]
    pub path: PathBuf,
    pub size: u64,
    pub sha256: Digest,
    pub bag: String,
    pub order: OrderId,
    pub generated_at: String,
    pub originals: usize,
    pub thumbnails: usize,
    pub payload_files: usize,
    pub payload_bytes: u64,
    pub ledger_entries: u64,
    pub notes: Vec<String>,
    /// Sequence number of the `bundle` entry recorded in the order's ledger.
    pub ledger_seq: u64,
    /// The order's open dispute: its platform and reason, and the evidence it still lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute: Option<DisputeCheck>,
    /// `data/upload/`, when `--platform` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload: Option<upload::UploadReport>,
    /// The key that signed the bag (inside) and the zip (`FILE.zip.minisig` beside it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::paths::lossy_opt"
    )]
    pub signature: Option<PathBuf>,
    /// RFC 3161 stamps the bag carries.
    pub stamps: usize,
}

/// The open dispute a bundle was made for, with its evidence checklist.
#[derive(Debug, Clone, Serialize)]
pub struct DisputeCheck {
    pub platform: crate::dispute::Platform,
    pub reason: crate::dispute::Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// What the order holds of the reason's checklist.
    pub held: Vec<String>,
    pub missing: Vec<crate::dispute::Missing>,
}

/// The default file name: `ORDER-evidence-YYYY-MM-DD.zip`.
pub fn default_name(order: &OrderId, at: &DateTime<Utc>) -> String {
    format!("{}.zip", bag_name(order, at))
}

pub fn bag_name(order: &OrderId, at: &DateTime<Utc>) -> String {
    format!("{order}-evidence-{}", at.format("%Y-%m-%d"))
}

/// A transcript of one chat original: the record, the transcript, the zone assumed.
type Chat<'r> = (
    &'r FileRecord,
    crate::evidence::chat::Transcript,
    Option<String>,
);

/// What every phase of a build reads: the order, its case, the entries carried, the bag's name.
struct Parts<'a> {
    vault: &'a Vault,
    order: &'a OrderId,
    case: &'a Case<'a>,
    entries: Vec<&'a Entry>,
    bag: String,
    generated: String,
}

/// Build the bundle of `order`, verify it, and record it in the ledger.
pub fn build(vault: &Vault, order: &OrderId, opts: &Options, bar: &dyn Progress) -> Result<Built> {
    // Checked first to fail fast; the final no-clobber rename checks again.
    if !opts.force && opts.output.exists() {
        return Err(Error::Exists {
            path: opts.output.clone(),
        });
    }
    let (case, carried) = read_order(vault, order)?;
    let parts = Parts {
        vault,
        order,
        case: &case,
        entries: case.ledger().lines[..carried.keep]
            .iter()
            .filter_map(|l| l.entry.as_ref().ok())
            .collect(),
        bag: bag_name(order, &opts.generated_at),
        generated: format_time(&opts.generated_at),
    };
    let mut notes = Vec::new();
    let mut layout = Layout::default();

    layout.originals(&case, &parts.entries);
    let originals = layout.records.len();
    let thumb_of = layout.thumbnails(vault, &mut notes)?;
    let thumbnails = layout.records.len() - originals;
    layout.add_bytes(
        FileRecord::made(LEDGER_PATH, &carried.bytes, Role::Ledger, MediaType::JSONL),
        carried.bytes.clone(),
        true,
    );
    let signer = crate::ledger::sign::Signer::for_vault(vault)?;
    let trust = trust::gather(vault, order, &parts.entries, signer.as_deref())?;
    let dispute_opened = case
        .open_dispute()
        .or_else(|| case.disputes().last().map(|d| d.opened))
        .and_then(|d| crate::time::parse_instant_or_date(&d.opened_at));
    trust::vouch(&mut layout.records, &trust, dispute_opened);
    for (record, bytes) in trust.files {
        layout.add_bytes(record, bytes, true);
    }
    let chats = transcripts(&case, &layout.records, &parts.entries);

    // The open dispute's checklist, and the platform's upload files.
    let (held, missing) = case.checked();
    let (upload_records, upload_report) = match &opts.upload {
        Some(req) => {
            let (made, report) =
                parts.uploads(&layout.records, &chats, &missing, req, opts.zone.as_ref())?;
            // Evidence that will not reach the platform's form is said, not only listed.
            notes.extend(
                report
                    .checklist
                    .0
                    .iter()
                    .filter(|c| {
                        matches!(
                            c.code,
                            upload::ChecklistCode::PhotosOriginalOnly
                                | upload::ChecklistCode::VideosWithoutStills
                        )
                    })
                    .map(|c| format!("upload for {}: {}", report.platform.as_str(), c.text)),
            );
            if !report.missing_scripts.is_empty() {
                notes.push(format!(
                    "upload for {}: no font here draws the summary's {} text: it is drawn as \
                     hollow boxes (install fonts-noto-core and fonts-noto-cjk, or give --font DIR)",
                    report.platform.as_str(),
                    report.missing_scripts.join(", ")
                ));
            }
            (Layout::uploads(&mut layout.zip, made), Some(report))
        }
        None => (Vec::new(), None),
    };
    let listed: Vec<FileRecord> = layout
        .records
        .iter()
        .chain(&upload_records)
        .cloned()
        .collect();
    let report = report_html::render(&report_html::Input {
        order,
        bag: &parts.bag,
        generated_at: &parts.generated,
        zone: opts.zone.as_ref(),
        records: &listed,
        entries: &parts.entries,
        ledger_head: carried.head,
        thumbs: &thumb_of,
        notes: &notes,
        tracking: case.timeline(),
        chats: &chats,
        trust: &trust.info,
    });
    drop(chats);
    layout.records.extend(upload_records);
    layout.add_bytes(
        FileRecord::made(
            "data/report.html",
            report.as_bytes(),
            Role::Report,
            MediaType::HTML,
        ),
        report.into_bytes(),
        true,
    );
    layout.records.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = parts.manifest(&layout, &carried, &notes, trust.info);
    let payload = layout.tag_files(&manifest, &opts.generated_at, originals, signer.as_deref());
    layout.zip.sort_by(|a, b| a.path.cmp(&b.path));

    let (sha256, size, prehash) =
        write_verified(vault, opts, &parts.bag, &layout.zip, bar, signer.is_some())?;
    let signature = match (&signer, prehash) {
        (Some(s), Some(p)) => Some(sign_zip(s, opts, order, &parts.generated, sha256, &p)?),
        _ => None,
    };
    let seq = record(
        vault,
        order,
        &opts.by,
        crate::ledger::BundleRecord {
            sha256,
            size,
            file: file_name(&opts.output),
            bag: parts.bag.clone(),
            ledger_entries: carried.keep as u64,
            ledger_head: carried.head.unwrap_or(Digest::ZERO),
        },
    )?;
    Ok(Built {
        path: opts.output.clone(),
        size,
        sha256,
        bag: parts.bag,
        order: order.clone(),
        generated_at: parts.generated,
        originals,
        thumbnails,
        payload_files: payload.files,
        payload_bytes: payload.bytes,
        ledger_entries: carried.keep as u64,
        notes,
        ledger_seq: seq,
        dispute: case.open_dispute().map(|d| DisputeCheck {
            platform: d.platform,
            reason: d.reason,
            due: d.due.clone(),
            held,
            missing,
        }),
        upload: upload_report,
        signed_by: signer.map(|s| s.key_id().to_string()),
        signature,
        stamps: manifest.trust.as_ref().map_or(0, |t| t.stamps.len()),
    })
}

/// `FILE.zip.minisig` beside the zip: the seller's signature over the zip file itself.
fn sign_zip(
    signer: &crate::ledger::sign::Signer,
    opts: &Options,
    order: &OrderId,
    generated: &str,
    sha256: Digest,
    prehash: &[u8],
) -> Result<PathBuf> {
    let mut name = opts.output.clone().into_os_string();
    name.push(".minisig");
    let dest = PathBuf::from(name);
    let sig = signer.sign_file_prehashed(
        prehash,
        &format!(
            "vault bundle order={order} file={} sha256={sha256} generated={generated} key={}",
            file_name(&opts.output),
            signer.key_id()
        ),
    );
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".vault-bundle-")
        .suffix(".minisig.part")
        .tempfile_in(&dir)
        .at(&dir)?;
    tmp.write_all(sig.to_string().as_bytes()).at(tmp.path())?;
    tmp.as_file().sync_all().at(tmp.path())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    if opts.force {
        tmp.persist(&dest).map_err(|e| Error::io(&dest, e.error))?;
    } else {
        tmp.persist_noclobber(&dest).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                Error::Exists { path: dest.clone() }
            } else {
                Error::io(&dest, e.error)
            }
        })?;
    }
    crate::store::sync_dir(&dir)?;
    Ok(dest)
}

/// Where the bag keeps the ledger it carries.
const LEDGER_PATH: &str = "data/ledger.jsonl";

impl Parts<'_> {
    /// The platform's upload files, made from the originals laid out so far.
    fn uploads(
        &self,
        records: &[FileRecord],
        chats: &[Chat<'_>],
        missing: &[crate::dispute::Missing],
        req: &upload::Request,
        zone: Option<&crate::time::Zone>,
    ) -> Result<(Vec<upload::Made>, upload::UploadReport)> {
        let originals: Vec<FileRecord> = records
            .iter()
            .filter(|r| r.role == Role::Original)
            .cloned()
            .collect();
        upload::make(
            &upload::Input {
                vault: self.vault,
                order: self.order,
                originals: &originals,
                entries: &self.entries,
                tracking: self.case.timeline(),
                chats,
                dispute: self.case.open_dispute(),
                missing,
                generated_at: &self.generated,
                zone,
                // The order's recorded buyer, while their personal data is kept (`vault buyer
                // forget` erases it; an unreadable people table names nobody).
                buyer: self
                    .case
                    .buyer()
                    .and_then(|key| crate::buyers::people(self.vault).ok()?.remove(key)),
                earlier_orders: self.case.earlier_undisputed(),
            },
            req,
        )
    }

    /// `data/manifest.json`: every file of the bag with its record, the ledger carried, notes.
    fn manifest(
        &self,
        layout: &Layout,
        carried: &Carried,
        notes: &[String],
        trust: trust::TrustInfo,
    ) -> Manifest {
        Manifest {
            schema_version: MANIFEST_SCHEMA,
            order: self.order.clone(),
            generated_at: self.generated.clone(),
            tool: crate::TOOL.to_string(),
            bag: self.bag.clone(),
            ledger: LedgerInfo {
                path: LEDGER_PATH.to_string(),
                entries: carried.keep as u64,
                head: carried.head,
            },
            files: layout.records.clone(),
            notes: notes.to_vec(),
            trust: Some(trust),
        }
    }
}

/// The bundle file's name as the ledger records it.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The part of the ledger a bundle carries.
struct Carried {
    /// Lines carried: up to the last entry that is not a `bundle` record.
    keep: usize,
    /// Their exact bytes.
    bytes: Vec<u8>,
    /// The hash of the last line carried.
    head: Option<Digest>,
}

/// Read the order's ledger (refusing a broken chain or an order without items) and cut what the
/// bundle carries.
fn read_order<'v>(vault: &'v Vault, order: &OrderId) -> Result<(Case<'v>, Carried)> {
    let Some(raw) = vault.read_ledger(order)? else {
        return Err(Error::UnknownOrder {
            order: order.to_string(),
        });
    };
    let case = Case::new(vault, Ledger::parse(order, &raw));
    let ledger = case.ledger();
    if let Some(p) = ledger.problems.first() {
        return Err(Error::Integrity {
            path: crate::ledger::path(vault, order),
            what: format!(
                "line {}: {}; a bundle is not made from a broken ledger",
                p.line, p.what
            ),
        });
    }
    // The bag carries the ledger up to its last entry that is not a `bundle` record: bundling the
    // same evidence again then gives the same bytes. Bundle records between later additions stay.
    let keep = ledger
        .lines
        .iter()
        .rposition(|l| {
            !matches!(
                l.entry,
                Ok(Entry {
                    event: Event::Bundle { .. },
                    ..
                })
            )
        })
        .map_or(0, |i| i + 1);
    if ledger.items().next().is_none() {
        return Err(Error::Usage(format!(
            "order {order} has no items to bundle"
        )));
    }
    let bytes: Vec<u8> = raw
        .split_inclusive(|&b| b == b'\n')
        .take(keep)
        .flatten()
        .copied()
        .collect();
    let head = ledger.lines[..keep].last().map(|l| l.hash);
    Ok((case, Carried { keep, bytes, head }))
}

/// What goes into the bag: the manifest's records and the zip's entries, built up phase by phase.
#[derive(Default)]
struct Layout {
    records: Vec<FileRecord>,
    zip: Vec<ZipEntry>,
}

/// The payload's size, for bag-info's Payload-Oxum and the report.
struct Payload {
    files: usize,
    bytes: u64,
}

impl Layout {
    /// The platform's upload files, stored as made (they are JPEG, PNG or PDF already); their
    /// records, listed once the report is laid out. (Takes the zip list alone: the transcripts
    /// borrow the records meanwhile.)
    fn uploads(zip: &mut Vec<ZipEntry>, made: Vec<upload::Made>) -> Vec<FileRecord> {
        made.into_iter()
            .map(|m| {
                zip.push(ZipEntry {
                    path: m.record.path.clone(),
                    content: Content::Bytes(m.bytes),
                    compress: false,
                });
                m.record
            })
            .collect()
    }

    fn add_bytes(&mut self, record: FileRecord, bytes: Vec<u8>, compress: bool) {
        self.zip.push(ZipEntry {
            path: record.path.clone(),
            content: Content::Bytes(bytes),
            compress,
        });
        self.records.push(record);
    }

    /// Originals, named by kind and original name, made unique and safe.
    fn originals(&mut self, case: &Case<'_>, entries: &[&Entry]) {
        let mut names = UniqueNames::default();
        // (record index, Live Photo content identifier)
        let mut live: Vec<(usize, String)> = Vec::new();
        for e in entries {
            let Some(item) = e.event.item() else { continue };
            let path = names.claim(&format!("data/originals/{}", item.kind), &item.name);
            self.records.push(FileRecord {
                path: path.clone(),
                sha256: item.sha256,
                size: item.size,
                role: Role::Original,
                kind: Some(item.kind),
                media_type: Some(item.media_type.clone()),
                original_name: Some(item.name.clone()),
                added_at: Some(format_time(&e.at)),
                added_by: Some(e.by.clone()),
                ledger_seq: Some(e.seq),
                note: e.note.clone(),
                captured_at: item.media.as_ref().and_then(|m| m.captured_at.clone()),
                captured_from: item.media.as_ref().and_then(|m| m.captured_from.clone()),
                warnings: case.item_warnings(e, item),
                derived_from: None,
                sources: Vec::new(),
                existed_by: None,
                existed_by_tsa: None,
                signed_by: None,
                filed_after_dispute: false,
                live_photo_with: None,
            });
            if let Some(id) = item.media.as_ref().and_then(|m| m.content_id.clone()) {
                live.push((self.records.len() - 1, id));
            }
            self.zip.push(ZipEntry {
                path,
                content: Content::Object {
                    digest: item.sha256,
                    size: item.size,
                },
                compress: item.media_type.is_textual(),
            });
        }
        pair_live_photos(&mut self.records, &live);
    }

    /// Thumbnails of photos, in parallel, from the cache where it has them. Returns them by the
    /// original's digest (for report.html); a photo without one gets a note saying why.
    fn thumbnails(
        &mut self,
        vault: &Vault,
        notes: &mut Vec<String>,
    ) -> Result<BTreeMap<Digest, crate::render::thumbnail::Thumb>> {
        let photos: Vec<&FileRecord> = self
            .records
            .iter()
            .filter(|r| {
                r.kind == Some(Kind::Photo)
                    || r.media_type.as_ref().is_some_and(MediaType::is_image)
            })
            .collect();
        let thumbs: Vec<(Digest, Result<crate::render::thumbnail::Thumb>)> = photos
            .par_iter()
            .map(|r| {
                let t = crate::render::thumbnail::get(
                    vault,
                    &r.sha256,
                    r.media_type.as_deref().unwrap_or(""),
                );
                (r.sha256, t)
            })
            .collect();
        let mut thumb_of: BTreeMap<Digest, crate::render::thumbnail::Thumb> = BTreeMap::new();
        let mut without = Vec::new();
        for (r, (d, t)) in photos.iter().zip(thumbs) {
            let t = t?;
            if let Err(reason) = &t {
                without.push((
                    r.original_name.as_deref().unwrap_or(&r.path).to_string(),
                    reason.clone(),
                ));
            }
            thumb_of.insert(d, t);
        }
        notes.extend(
            by_reason(&without)
                .into_iter()
                .map(|(names, why)| format!("no thumbnail for {names}: {why}")),
        );
        let mut thumb_names = UniqueNames::default();
        let mut made = Vec::new();
        for r in &photos {
            let Some(Ok(crate::render::thumbnail::Thumbnail { jpeg: bytes, .. })) =
                thumb_of.get(&r.sha256)
            else {
                continue;
            };
            let stem = Path::new(r.original_name.as_deref().unwrap_or("photo"))
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "photo".into());
            let path = thumb_names.claim("data/thumbnails", &format!("{stem}.jpg"));
            made.push((
                FileRecord {
                    kind: Some(Kind::Photo),
                    derived_from: Some(r.sha256),
                    ..FileRecord::made(&path, bytes, Role::Thumbnail, MediaType::JPEG)
                },
                bytes.clone(),
            ));
        }
        for (record, bytes) in made {
            self.add_bytes(record, bytes, false);
        }
        Ok(thumb_of)
    }

    /// `data/manifest.json`, the BagIt tag files and `SHA256SUMS`, from the records so far.
    fn tag_files(
        &mut self,
        manifest: &Manifest,
        generated_at: &DateTime<Utc>,
        originals: usize,
        signer: Option<&crate::ledger::sign::Signer>,
    ) -> Payload {
        let order = &manifest.order;
        let mut manifest_json =
            serde_json::to_vec_pretty(manifest).expect("serialising the manifest");
        manifest_json.push(b'\n');
        // BagIt manifests: every payload file, the manifest.json included.
        let mut payload: Vec<(String, Digest, u64)> = self
            .records
            .iter()
            .map(|r| (r.path.clone(), r.sha256, r.size))
            .collect();
        payload.push((
            "data/manifest.json".into(),
            Digest::of(&manifest_json),
            manifest_json.len() as u64,
        ));
        payload.sort();
        self.zip.push(ZipEntry {
            path: "data/manifest.json".into(),
            content: Content::Bytes(manifest_json),
            compress: true,
        });
        let payload_bytes: u64 = payload.iter().map(|p| p.2).sum();
        let manifest_txt: String = payload
            .iter()
            .map(|(p, d, _)| format!("{d}  {}\n", bagit_escape(p)))
            .collect();
        let bag_info = format!(
            "Bag-Software-Agent: {}\nBagging-Date: {}\nExternal-Identifier: {order}\nExternal-Description: Evidence bundle for order {order}: {originals} original file(s) with the order's hash-chained ledger. See VERIFY.txt.\nPayload-Oxum: {payload_bytes}.{}\n",
            crate::TOOL,
            generated_at.format("%Y-%m-%d"),
            payload.len()
        );
        let mut tags: Vec<(String, Vec<u8>)> = vec![
            ("bagit.txt".into(), BAGIT_TXT.as_bytes().to_vec()),
            ("bag-info.txt".into(), bag_info.into_bytes()),
            (
                "manifest-sha256.txt".into(),
                manifest_txt.clone().into_bytes(),
            ),
            ("SHA256SUMS".into(), manifest_txt.into_bytes()),
            (
                "VERIFY.txt".into(),
                verify_txt(&manifest.bag, order, manifest.trust.as_ref()).into_bytes(),
            ),
        ];
        let tagmanifest: String = {
            let mut t: Vec<_> = tags
                .iter()
                .map(|(p, b)| format!("{}  {p}\n", Digest::of(b)))
                .collect();
            t.sort();
            t.concat()
        };
        if let Some(s) = signer {
            let sig = s.sign_text(
                &tagmanifest,
                &trust::tag_comment(
                    order,
                    &manifest.generated_at,
                    manifest.ledger.head.as_ref(),
                    manifest.ledger.entries,
                    &s.key_id().to_string(),
                ),
            );
            tags.push((trust::TAG_SIGNATURE.into(), sig.to_string().into_bytes()));
        }
        tags.push(("tagmanifest-sha256.txt".into(), tagmanifest.into_bytes()));
        for (path, bytes) in tags {
            self.zip.push(ZipEntry {
                path,
                content: Content::Bytes(bytes),
                compress: true,
            });
        }
        Payload {
            files: payload.len(),
            bytes: payload_bytes,
        }
    }
}

/// Conversations, re-derived from the chat exports the bundle carries.
fn transcripts<'r>(
    case: &Case<'_>,
    records: &'r [FileRecord],
    entries: &[&Entry],
) -> Vec<Chat<'r>> {
    let items = || entries.iter().filter_map(|e| e.event.item());
    records
        .iter()
        .filter(|r| r.role == Role::Original && r.kind == Some(Kind::Chat))
        // An archive taken out of a chat export is evidence, but is never opened.
        .filter(|r| !items().any(|i| i.sha256 == r.sha256 && i.extracted_from.is_some()))
        .filter_map(|r| {
            let item = items().find(|i| i.sha256 == r.sha256)?;
            let tz = item.chat.as_ref().and_then(|c| c.tz_assumed.clone());
            case.transcript(item).ok().map(|t| (r, t, tz))
        })
        .collect()
}

/// Record the bundle in the order's ledger; returns the new entry's sequence number.
fn record(
    vault: &Vault,
    order: &OrderId,
    by: &str,
    bundle: crate::ledger::BundleRecord,
) -> Result<u64> {
    let mut app = crate::ledger::Appender::open(vault, order)?;
    let entry = app.push(crate::ledger::NewEntry {
        at: Utc::now(),
        by: by.to_string(),
        event: Event::Bundle { bundle },
        note: None,
    });
    app.commit()?;
    Ok(entry.seq)
}

/// BagIt requires CR, LF and `%` in manifest paths to be percent-encoded. Our names never contain
/// CR or LF, but the rule is applied anyway.
pub fn bagit_escape(p: &str) -> String {
    p.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn bagit_unescape(p: &str) -> String {
    p.replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%25", "%")
}

/// Paths made unique (case-insensitively, for Windows and macOS) and safe: only `A-Z a-z 0-9 . _ -`,
/// no leading dot, at most 100 characters. The original name stays in `manifest.json`.
#[derive(Default)]
struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    fn claim(&mut self, dir: &str, name: &str) -> String {
        let safe = safe_name(name);
        let (stem, ext) = match safe.rfind('.') {
            Some(i) if i > 0 => (&safe[..i], &safe[i..]),
            _ => (safe.as_str(), ""),
        };
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                format!("{dir}/{stem}{ext}")
            } else {
                format!("{dir}/{stem}-{n}{ext}")
            };
            if self.taken.insert(check::folded(&candidate)) {
                return candidate;
            }
            n += 1;
        }
    }
}

pub fn safe_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with('.') {
        s.replace_range(..1, "_");
    }
    if s.is_empty() {
        s = "file".into();
    }
    if s.len() > 100 {
        // Keep the extension: the end of the name says what the file is.
        let ext = s
            .rfind('.')
            .filter(|&i| s.len() - i <= 10)
            .map(|i| s[i..].to_string())
            .unwrap_or_default();
        s.truncate(100 - ext.len());
        s.push_str(&ext);
    }
    s
}

fn verify_txt(bag: &str, order: &OrderId, trust: Option<&trust::TrustInfo>) -> String {
    let steps = trust
        .map(|t| trust::verify_steps(t, order))
        .unwrap_or_default();
    format!(
        r#"How to check this evidence bundle (order {order}) without vault
=====================================================================

This zip is a BagIt bag (RFC 8493). Every file under data/ is listed with its SHA-256 in
manifest-sha256.txt and, in the same format, in SHA256SUMS. data/ledger.jsonl is the order's
chain of custody: each line holds the SHA-256 of the line before it.

1. Unpack, and check the zip itself:
     unzip -t {bag}.zip        (or the file's own name; "No errors detected" expected)
     unzip {bag}.zip
     cd {bag}

2. Check every file against its SHA-256 (GNU coreutils; on macOS: shasum -a 256 -c SHA256SUMS):
     sha256sum -c SHA256SUMS

3. Validate the bag with the Library of Congress BagIt tool:
     pip install bagit
     bagit.py --validate .

4. Check the ledger chain (needs jq): every line's "prev" is the SHA-256 of the line before it,
   the first line's is 64 zeros. Prints "chain OK" or the first broken line.
     prev=0000000000000000000000000000000000000000000000000000000000000000; n=0
     while IFS= read -r line; do n=$((n+1))
       [ "$(printf '%s' "$line" | jq -r .prev)" = "$prev" ] || {{ echo "chain broken at line $n"; break; }}
       prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
     done < data/ledger.jsonl; echo "chain checked: $n lines, last hash $prev"

5. Check that each original is the one the ledger recorded: the SHA-256 of every file under
   data/originals/ appears as "sha256" in an "add" line of data/ledger.jsonl:
     jq -r '.item.sha256 // empty' data/ledger.jsonl | sort > /tmp/ledger.sha
     find data/originals -type f -exec sha256sum {{}} + | cut -d' ' -f1 | sort -u > /tmp/files.sha
     comm -13 /tmp/ledger.sha /tmp/files.sha     (prints nothing when every original is recorded)

{steps}With vault installed, `vault verify-bundle {bag}.zip` runs all of these checks at once.
data/manifest.json says, for every file, what it is, when it was added and by whom, and for
derived files (thumbnails) which original they were made from. data/report.html is the
human-readable summary.
"#
    )
}

/// Link the two halves of each Live Photo: the first still and the first video with the same
/// content identifier. Their capture times should agree within seconds (the video runs about
/// 1.5 s either side of the still); when they do not, both say so.
fn pair_live_photos(records: &mut [FileRecord], ids: &[(usize, String)]) {
    /// More apart than this, the two halves do not look like one moment.
    const SLACK_S: i64 = 5;
    let first_of = |kind: Kind, id: &str| {
        ids.iter()
            .find(|(k, i)| i == id && records[*k].kind == Some(kind))
            .map(|(k, _)| *k)
    };
    let mut pairs = Vec::new();
    for (_, id) in ids {
        if let (Some(p), Some(v)) = (first_of(Kind::Photo, id), first_of(Kind::Video, id))
            && !pairs.contains(&(p, v))
        {
            pairs.push((p, v));
        }
    }
    for (p, v) in pairs {
        records[p].live_photo_with = Some(records[v].sha256);
        records[v].live_photo_with = Some(records[p].sha256);
        let at = |r: &FileRecord| {
            r.captured_at
                .as_deref()
                .and_then(crate::time::Timestamp::parse)
        };
        // Instants where both have one, else wall clocks where neither has.
        let apart = match (at(&records[p]), at(&records[v])) {
            (Some(a), Some(b)) => match (a.utc(), b.utc()) {
                (Some(a), Some(b)) => Some(a - b),
                (None, None) => Some(a.wall_clock() - b.wall_clock()),
                _ => None,
            },
            _ => None,
        };
        if let Some(apart) = apart {
            let seconds = apart.num_seconds().abs();
            let apart = if seconds < 120 {
                format!("{seconds} s")
            } else {
                crate::evidence::metadata::human_span(apart)
            };
            if seconds > SLACK_S {
                for (k, other) in [(p, v), (v, p)] {
                    let name = records[other]
                        .original_name
                        .clone()
                        .unwrap_or_else(|| records[other].path.clone());
                    records[k].warnings.push(format!(
                        "Live Photo: captured {apart} apart from its other half {name} (expected within {SLACK_S} s)"
                    ));
                }
            }
        }
    }
}

/// `(name, why)` pairs grouped by the reason, in first-seen order: `("a.heic, b.heic", why)`;
/// past ten names, `"…, j.heic and 40 more"`.
pub(crate) fn by_reason(items: &[(String, String)]) -> Vec<(String, String)> {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for (name, why) in items {
        match groups.iter_mut().find(|g| g.1 == why) {
            Some(g) => g.0.push(name),
            None => groups.push((vec![name], why)),
        }
    }
    // A line a person reads: the first ten names, then how many more.
    const SHOWN: usize = 10;
    groups
        .into_iter()
        .map(|(names, why)| {
            let mut list = names[..names.len().min(SHOWN)].join(", ");
            if names.len() > SHOWN {
                list.push_str(&format!(" and {} more", names.len() - SHOWN));
            }
            (list, why.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_group_names_and_long_lists_are_cut() {
        let item = |n: &str, why: &str| (n.to_string(), why.to_string());
        let groups = by_reason(&[
            item("a.heic", "no decoder"),
            item("b.jpg", "broken"),
            item("c.heic", "no decoder"),
        ]);
        assert_eq!(
            groups,
            [
                ("a.heic, c.heic".to_string(), "no decoder".to_string()),
                ("b.jpg".to_string(), "broken".to_string())
            ]
        );
        let many: Vec<(String, String)> = (0..25)
            .map(|k| item(&format!("IMG_{k:02}.HEIC"), "no decoder"))
            .collect();
        let groups = by_reason(&many);
        assert_eq!(groups.len(), 1);
        assert!(groups[0].0.starts_with("IMG_00.HEIC, IMG_01.HEIC"));
        assert!(
            groups[0].0.ends_with("IMG_09.HEIC and 15 more"),
            "{}",
            groups[0].0
        );
    }

    #[test]
    fn names_are_safe_and_unique() {
        let mut u = UniqueNames::default();
        assert_eq!(u.claim("d", "IMG 1.jpg"), "d/IMG_1.jpg");
        assert_eq!(u.claim("d", "IMG_1.jpg"), "d/IMG_1-2.jpg");
        assert_eq!(u.claim("d", "img_1.JPG"), "d/img_1-3.JPG");
        assert_eq!(
            u.claim("d", "../../etc/passwd"),
            "d/.._.._etc_passwd".replacen('.', "_", 1)
        );
        assert_eq!(u.claim("d", ".hidden"), "d/_hidden");
        assert_eq!(
            u.claim("d", "evil\nname\u{202e}gpj.exe"),
            "d/evil_name_gpj.exe"
        );
        assert_eq!(u.claim("d", ""), "d/file");
        let long = format!("{}.jpeg", "x".repeat(300));
        let got = u.claim("d", &long);
        assert_eq!(got.len(), 2 + 100);
        assert!(got.ends_with(".jpeg"));
    }

    #[test]
    fn bagit_paths_round_trip() {
        for p in ["data/a b.txt", "data/100%.txt", "data/x\ny"] {
            assert_eq!(bagit_unescape(&bagit_escape(p)), p);
        }
    }
}

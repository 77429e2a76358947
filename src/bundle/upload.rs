//! `upload/`: the files a platform's dispute form takes as they are, made from the originals
//! within the platform profile's limits, with a checklist of where each one goes.
//!
//! PDF platforms get a summary PDF (cover, key dates, timeline, photos with captions, tracking,
//! conversation, every original's SHA-256), image-only platforms the same pages as JPEGs. Photos
//! (and still frames of videos, by `ffmpeg` when installed) follow as separate files where the
//! form takes more than one. When the evidence does not fit, the photos are made smaller, then
//! the conversation shortened, then files left out, and each step is reported. Nothing here
//! touches the originals, which stay in `data/originals`.

use std::path::Path;

use image::DynamicImage;
use rayon::prelude::*;
use serde::Serialize;

use super::forms::{STATEMENT, form_values, shipping};
use super::{FileRecord, Role, UniqueNames, safe_name};
use crate::digest::Digest;
use crate::dispute::DisputeOpened;
use crate::dispute::Platform;
use crate::dispute::profile::{FileType, Profile};
use crate::evidence::chat::Transcript;
use crate::evidence::kind::{Kind, MediaType};
use crate::evidence::tracking::TimelineEvent;
use crate::ledger::Entry;
use crate::render::summary::text::{FontSources, Fonts};
use crate::render::summary::{self, Block, Doc, Picture};
use crate::store::Vault;
use crate::store::order::OrderId;

/// Long sides tried for photos inside the summary, largest first.
const PDF_SIDES: [u32; 5] = [1200, 900, 700, 500, 350];

/// What `bundle --platform` was asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub profile: Profile,
    pub statement: Option<String>,
    /// Where the summary's fonts for scripts beyond the embedded one are looked for.
    pub fonts: FontSources,
}

/// One file of `upload/`.
#[derive(Debug, Clone, Serialize)]
pub struct UploadFile {
    /// Path inside the bag, `data/upload/...`.
    pub path: String,
    /// Where it goes in the platform's form.
    pub field: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// How many originals it was made from (their hashes are in manifest.json).
    pub sources: usize,
    /// The field's name in the platform's API (Stripe's `shipping_documentation`, ...).
    #[serde(skip)]
    pub api_field: Option<&'static str>,
}

/// What `upload/` holds and what did not fit, for the bundle's report.
#[derive(Debug, Clone, Serialize)]
pub struct UploadReport {
    pub platform: Platform,
    pub profile: Profile,
    pub files: Vec<UploadFile>,
    pub total_bytes: u64,
    /// Which file goes where, values for the form's text fields, evidence still missing:
    /// `--json` gives `checklist` (sentences) and `checklist_details` (`{code, path?, text}`).
    #[serde(flatten)]
    pub checklist: Checklist,
    /// Made smaller to fit, and by how much.
    pub shrunk: Vec<String>,
    /// Left out, and why.
    pub dropped: Vec<String>,
    /// Scripts of the summary's text that no font here draws (they show as hollow boxes).
    pub missing_scripts: Vec<String>,
}

/// What a checklist line is about, for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistCode {
    /// Upload this file (`path`) in the form's field.
    Upload,
    /// A value to type into one of the form's text fields.
    FormValue,
    /// Evidence the dispute's reason needs that the order lacks.
    Missing,
    /// What the reason's guidance asks for that vault cannot tell the order holds (the payment's
    /// AVS/CVC results, the refund policy): for the seller to supply.
    ToSupply,
    /// Videos without still frames (no ffmpeg, or unreadable), named with the reason.
    VideosWithoutStills,
    /// Photos no decoder here could convert (HEIC without libheif, a broken file), named with the
    /// reason and what to install: they reach the platform only if uploaded by hand.
    PhotosOriginalOnly,
    /// Photos only inside the summary PDF (the form takes too few files).
    PhotosInPdfOnly,
    /// Limits in force that are guesses, not published rules.
    GuessedLimits,
}

/// One thing for the person filling in the platform's form to do or check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub code: ChecklistCode,
    /// The upload file concerned (`data/upload/…`), for `upload` lines.
    pub path: Option<String>,
    pub text: String,
}

impl ChecklistItem {
    fn new(code: ChecklistCode, text: impl Into<String>) -> ChecklistItem {
        ChecklistItem {
            code,
            path: None,
            text: text.into(),
        }
    }
}

/// The checklist, serialized as `checklist` (the sentences, as schema 1 always gave them) and
/// `checklist_details` (the same lines as data).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checklist(pub Vec<ChecklistItem>);

impl Serialize for Checklist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(Serialize)]
        struct Detail<'a> {
            code: ChecklistCode,
            #[serde(skip_serializing_if = "Option::is_none")]
            path: &'a Option<String>,
            text: &'a str,
        }
        let texts: Vec<&str> = self.0.iter().map(|c| c.text.as_str()).collect();
        let details: Vec<Detail> = self
            .0
            .iter()
            .map(|c| Detail {
                code: c.code,
                path: &c.path,
                text: &c.text,
            })
            .collect();
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("checklist", &texts)?;
        m.serialize_entry("checklist_details", &details)?;
        m.end()
    }
}

/// What the summary and the field files are made with: the request's profile, the statement
/// settled (the seller's or the draft), and the files made apart for their own form fields.
struct Plan {
    profile: Profile,
    statement: String,
    /// The field files that go in the upload (`SHIPPING_PDF`, `CONVERSATION_PDF`), in upload
    /// order right after the summary: the summary points to them instead of repeating them.
    apart: Vec<String>,
}

/// A file that may go into `upload/`, if it fits.
struct Candidate {
    name: String,
    /// The form field it goes in, when not the profile's one: (for people, the API's name).
    field: Option<(String, &'static str)>,
    bytes: Vec<u8>,
    /// The originals it was made from.
    sources: Vec<Digest>,
    pages: Option<u32>,
    media_type: MediaType,
}

/// A file made for `upload/`.
pub struct Made {
    pub record: FileRecord,
    pub bytes: Vec<u8>,
}

/// Everything the bundle knows about the order, for the summary.
pub struct Input<'a> {
    pub vault: &'a Vault,
    pub order: &'a OrderId,
    /// The originals, as manifest.json lists them.
    pub originals: &'a [FileRecord],
    pub entries: &'a [&'a Entry],
    pub tracking: &'a [TimelineEvent],
    pub chats: &'a [(&'a FileRecord, Transcript, Option<String>)],
    pub dispute: Option<&'a DisputeOpened>,
    /// Evidence the dispute's reason needs that the order lacks.
    pub missing: &'a [crate::dispute::Missing],
    pub generated_at: &'a str,
    /// The shop's zone, for the times people read.
    pub zone: Option<&'a crate::time::Zone>,
    /// The order's recorded buyer (`--buyer`, `--buyer-name`), unless erased.
    pub buyer: Option<crate::buyers::Person>,
    /// For a card holder's denial: the same buyer's earlier orders with no dispute, each with
    /// when it was first filed (`Case::earlier_undisputed`); empty otherwise.
    pub earlier_orders: &'a [(OrderId, chrono::DateTime<chrono::Utc>)],
}

/// A photo or video still ready for the summary and for upload.
struct Shot {
    /// The original it was made from.
    source: Digest,
    /// Name for the upload file, without extension.
    stem: String,
    caption: Vec<String>,
    /// JPEG at the profile's photo size, orientation applied.
    jpeg: Vec<u8>,
    width: u32,
    height: u32,
    /// The original as it is, when it can be uploaded unchanged.
    original: Option<Vec<u8>>,
}

/// Make the upload files: the summary (one PDF, or page images), the photos and stills as files
/// of their own, fitted to the form's limits, numbered in upload order, with the checklist.
pub fn make(i: &Input<'_>, req: &Request) -> crate::error::Result<(Vec<Made>, UploadReport)> {
    // The seller's statement, else one drafted from the order: on the cover page, in the form's
    // text box (statement.txt) and, for Stripe, in `uncategorized_text`.
    let drafted = req.statement.is_none();
    let statement = req
        .statement
        .clone()
        .unwrap_or_else(|| super::statement::draft(i, req.profile.platform));
    let fonts_from = &req.fonts;
    let req = &Plan {
        profile: req.profile.clone(),
        statement: statement.clone(),
        apart: Vec::new(),
    };
    let p = &req.profile;
    let mut shrunk = Vec::new();
    let mut dropped = Vec::new();
    let mut checklist = Vec::new();

    let all = shots(i, p);
    for (names, why) in super::by_reason(&all.videos_without_stills) {
        checklist.push(ChecklistItem::new(
            ChecklistCode::VideosWithoutStills,
            format!(
                "no still frames of {names} (in data/originals only; most platforms do not \
                 take video): {why}"
            ),
        ));
    }
    for (names, why) in super::by_reason(&all.original_only) {
        checklist.push(ChecklistItem::new(
            ChecklistCode::PhotosOriginalOnly,
            format!("{names}: original only, not converted for the form: {why}"),
        ));
    }
    dropped.extend(all.original_only.iter().map(|(name, _)| {
        format!("{name}: no upload copy (it could not be decoded here); the original is in data/originals")
    }));
    let max_files = p.max_files.map_or(usize::MAX, |n| n as usize).max(1);
    // The summary's fonts, chosen once for everything it could show.
    let full = summary_doc(i, req, &all, &sizes_only(&all.list), None);
    let chat_texts = i.chats.iter().flat_map(|c| {
        c.1.messages
            .iter()
            .flat_map(|m| [m.text.as_str(), m.sender.as_deref().unwrap_or("")])
    });
    let carrier_texts = i.tracking.iter().flat_map(|t| {
        [
            t.event.description.as_str(),
            t.event.location.as_deref().unwrap_or(""),
        ]
    });
    let fonts = Fonts::for_text(
        full.texts().chain(chat_texts).chain(carrier_texts),
        fonts_from,
    );
    // Forms with a field per kind of evidence: the shipping documentation and the conversation
    // in files of their own, each within the form's limits (what does not fit stays in the
    // summary); the summary fits in what they leave of the total.
    let fields = if fields_apart(p) {
        let (kept, _) = fit_limits(field_files(i, req, &fonts)?, p, max_files, &mut dropped);
        kept
    } else {
        Vec::new()
    };
    let taken: u64 = fields.iter().map(|c| c.bytes.len() as u64).sum();
    let summary_req = Plan {
        profile: Profile {
            max_total_bytes: p.max_total_bytes.map(|t| t.saturating_sub(taken)),
            ..p.clone()
        },
        statement: req.statement.clone(),
        apart: fields.iter().map(|c| c.name.clone()).collect(),
    };
    let files = summary_files(i, &summary_req, &all, &fonts, &mut shrunk, &mut dropped)?;
    let shots = &all.list;

    // Photos and stills as files of their own, while the form takes more files.
    let img_type = p.image_type().filter(|_| max_files > files.len().min(1));
    if img_type.is_none() && !shots.is_empty() && p.takes_pdf() {
        checklist.push(ChecklistItem::new(
            ChecklistCode::PhotosInPdfOnly,
            format!(
                "the {} photo(s) and video still(s) are inside summary.pdf only: the form takes {max_files} file(s){}",
                shots.len(),
                if fields_apart(p) { " per evidence field" } else { "" }
            ),
        ));
    }
    let mut extra = Vec::new();
    if let Some(t) = img_type {
        for s in shots {
            let (bytes, note) = photo_file(s, p, t)?;
            shrunk.extend(note);
            extra.push(Candidate {
                field: None,
                name: format!("{}.{}", s.stem, ext(t)),
                bytes,
                sources: vec![s.source],
                pages: None,
                media_type: media_type(t),
            });
        }
    }
    // Keep page 1 first, then photos, then the other pages: photos matter more than page 7.
    let mut ordered = Vec::new();
    let mut rest = files.into_iter();
    if let Some(first) = rest.next() {
        ordered.push(first);
    }
    ordered.extend(extra);
    ordered.extend(rest);
    ordered.extend(fields);
    let (kept, total) = fit_limits(ordered, p, max_files, &mut dropped);
    let (mut made, listed) = number(kept, p, &mut checklist);

    checklist.sort_by_key(|c| c.code != ChecklistCode::Upload);
    checklist.extend(
        form_values(i, p.platform)
            .into_iter()
            .map(|v| ChecklistItem::new(ChecklistCode::FormValue, v)),
    );
    checklist.extend(
        i.missing
            .iter()
            .map(|m| ChecklistItem::new(ChecklistCode::Missing, format!("missing: {m}"))),
    );
    checklist.extend(
        i.dispute
            .map(crate::dispute::to_supply)
            .into_iter()
            .flatten()
            .map(|t| {
                ChecklistItem::new(
                    ChecklistCode::ToSupply,
                    format!("to supply (vault cannot tell whether you have it): {t}"),
                )
            }),
    );
    checklist
        .extend(guessed_limits(p).map(|g| ChecklistItem::new(ChecklistCode::GuessedLimits, g)));
    let whose = if drafted {
        "drafted by vault from the order's records only: check it, edit it if you like and \
         give it back with --statement-file"
    } else {
        "the seller's statement, as given"
    };
    let chars = statement.chars().count();
    let limit = super::forms::statement_limit(p.platform).0;
    if chars > limit {
        shrunk.push(format!(
            "statement: {chars} characters, over {}'s text limit of {limit}: the form takes the \
             first {limit} (the form data files carry those), statement.txt and the summary keep \
             it whole; shorten it for the form",
            p.platform.as_str()
        ));
    }
    form_data(
        (&mut made, &mut checklist),
        STATEMENT,
        format!("{statement}\n").into_bytes(),
        MediaType::TEXT,
        |name| format!("{name} → the form's text box ({chars} characters; {whose})"),
    );
    if let Some((path, bytes, what)) =
        super::forms::platform_form(i, p.platform, &statement, &listed)
    {
        form_data(
            (&mut made, &mut checklist),
            path,
            bytes,
            MediaType::JSON,
            |name| format!("{name}: {what}"),
        );
    }
    let report = UploadReport {
        platform: p.platform,
        profile: p.clone(),
        total_bytes: total,
        files: listed,
        checklist: Checklist(checklist),
        shrunk,
        dropped,
        missing_scripts: fonts.missing.iter().cloned().collect(),
    };
    Ok((made, report))
}

/// The summary as the profile takes it: one PDF with everything (its photos shrink, then the
/// conversation, then photos go), or its pages as images.
fn summary_files(
    i: &Input<'_>,
    req: &Plan,
    shots: &Shots,
    fonts: &Fonts,
    shrunk: &mut Vec<String>,
    dropped: &mut Vec<String>,
) -> crate::error::Result<Vec<Candidate>> {
    let p = &req.profile;
    let all_sources: Vec<Digest> = i.originals.iter().map(|r| r.sha256).collect();
    let max_total = p.max_total_bytes.unwrap_or(u64::MAX);
    let mut files = Vec::new();
    if p.takes_pdf() {
        let budget = p.max_file_bytes.min(max_total);
        let (pdf, pages) = fit_pdf(i, req, shots, fonts, budget, shrunk, dropped)?;
        files.push(Candidate {
            field: None,
            name: "summary.pdf".into(),
            bytes: pdf,
            sources: all_sources,
            pages: Some(pages),
            media_type: MediaType::PDF,
        });
    } else if let Some(t) = p.image_type() {
        // Photos follow as files of their own.
        let doc = summary_doc(i, req, shots, &[], None);
        let pages = summary::layout(&doc, &mut fonts.shaper());
        let n = pages.len();
        for (k, page) in pages.iter().enumerate() {
            let mut q = 85;
            let bytes = loop {
                let b = page_image(&doc, page, fonts, t, q)?;
                if b.len() as u64 <= p.max_file_bytes || q <= 40 {
                    break b;
                }
                q -= 15;
            };
            files.push(Candidate {
                field: None,
                name: format!("summary-page-{}-of-{n}.{}", k + 1, ext(t)),
                bytes,
                sources: all_sources.clone(),
                pages: None,
                media_type: media_type(t),
            });
        }
    }
    Ok(files)
}

/// Keep files in order while the form takes them: its file count, file size and total size.
/// Returns the kept files and their total size; the rest are named in `dropped`.
fn fit_limits(
    ordered: Vec<Candidate>,
    p: &Profile,
    max_files: usize,
    dropped: &mut Vec<String>,
) -> (Vec<Candidate>, u64) {
    let max_total = p.max_total_bytes.unwrap_or(u64::MAX);
    let mut kept = Vec::new();
    let mut total = 0u64;
    for f in ordered {
        let size = f.bytes.len() as u64;
        // The count limit is per form field (Stripe: one file in each).
        let in_field = kept
            .iter()
            .filter(|k: &&Candidate| k.field == f.field)
            .count();
        if in_field >= max_files {
            dropped.push(format!(
                "{}: not uploaded, the form takes {max_files} file(s){}",
                f.name,
                if p.takes_pdf() {
                    " (it is in summary.pdf)"
                } else {
                    ""
                }
            ));
        } else if size > p.max_file_bytes {
            dropped.push(format!(
                "{}: not uploaded, {} bytes is over the {}-byte file limit",
                f.name, size, p.max_file_bytes
            ));
        } else if total + size > max_total {
            dropped.push(format!(
                "{}: not uploaded, it would take the total over {} bytes",
                f.name, max_total
            ));
        } else {
            total += size;
            kept.push(f);
        }
    }
    (kept, total)
}

/// Number the kept files in upload order (names unique and safe), each with its manifest record
/// and a checklist line saying which form field it goes in.
fn number(
    kept: Vec<Candidate>,
    p: &Profile,
    checklist: &mut Vec<ChecklistItem>,
) -> (Vec<Made>, Vec<UploadFile>) {
    let mut names = UniqueNames::default();
    let mut made = Vec::new();
    let mut listed = Vec::new();
    for (k, c) in kept.into_iter().enumerate() {
        let Candidate {
            name,
            field,
            bytes,
            sources,
            pages,
            media_type: mt,
        } = c;
        let path = names.claim("data/upload", &format!("{:02}-{}", k + 1, safe_name(&name)));
        let (field, api_field) = match field {
            Some((f, api)) => (f, Some(api)),
            None => (p.field.clone(), None),
        };
        checklist.insert(
            k.min(checklist.len()),
            ChecklistItem {
                code: ChecklistCode::Upload,
                path: Some(path.clone()),
                text: format!("{} → {field}", path.trim_start_matches("data/upload/")),
            },
        );
        listed.push(UploadFile {
            path: path.clone(),
            field,
            size: bytes.len() as u64,
            pages,
            sources: sources.len(),
            api_field,
        });
        let mut record = FileRecord::made(&path, &bytes, Role::Upload, mt);
        record.derived_from = (sources.len() == 1).then(|| sources[0]);
        record.sources = sources;
        made.push(Made { record, bytes });
    }
    (made, listed)
}

/// A checklist line naming the limits in force that are guesses (a limit the profile does not
/// set is no guess), unless a profile file overrides them.
fn guessed_limits(p: &Profile) -> Option<String> {
    let guessed: Vec<&str> = [
        ("accepts", true),
        ("max_file_bytes", true),
        ("max_total_bytes", p.max_total_bytes.is_some()),
        ("max_pages", p.max_pages.is_some()),
        ("max_files", p.max_files.is_some()),
    ]
    .into_iter()
    .filter(|(f, set)| *set && !p.published.iter().any(|x| x == f))
    .map(|(f, _)| f)
    .collect();
    (!guessed.is_empty() && p.overridden_by.is_none()).then(|| {
        format!(
            "{} limits {} are conservative guesses, not published rules: check the form, and \
             override them with a profile file if they differ (docs/platforms.md)",
            p.platform.as_str(),
            guessed.join(", ")
        )
    })
}

fn ext(t: FileType) -> &'static str {
    match t {
        FileType::Png => "png",
        FileType::Gif => "gif",
        FileType::Pdf => "pdf",
        FileType::Jpeg => "jpg",
    }
}

fn media_type(t: FileType) -> MediaType {
    match t {
        FileType::Png => MediaType::PNG,
        FileType::Gif => MediaType::GIF,
        FileType::Pdf => MediaType::PDF,
        FileType::Jpeg => MediaType::JPEG,
    }
}

fn encode(img: &DynamicImage, t: FileType, quality: u8) -> crate::error::Result<Vec<u8>> {
    let fail =
        |e: String| crate::error::Error::Usage(format!("encoding an upload image failed: {e}"));
    let rgb = img.to_rgb8();
    match t {
        FileType::Png => {
            let mut out = Vec::new();
            DynamicImage::ImageRgb8(rgb)
                .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
                .map_err(|e| fail(e.to_string()))?;
            Ok(out)
        }
        _ => crate::render::thumbnail::encode_jpeg(&rgb, quality).map_err(fail),
    }
}

fn page_image(
    doc: &Doc,
    page: &summary::Page,
    fonts: &Fonts,
    t: FileType,
    q: u8,
) -> crate::error::Result<Vec<u8>> {
    let jpeg =
        summary::raster::page_jpeg(doc, page, fonts, q).map_err(crate::error::Error::Usage)?;
    if t == FileType::Jpeg {
        return Ok(jpeg);
    }
    let img = image::load_from_memory(&jpeg)
        .map_err(|e| crate::error::Error::Usage(format!("re-reading a page image failed: {e}")))?;
    encode(&img, t, q)
}

/// At most `side` pixels on the long side, aspect kept; never larger than it is.
fn fit_side(img: &DynamicImage, side: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let long = w.max(h);
    if long <= side {
        return img.clone();
    }
    let scale = |v: u32| {
        ((u64::from(v) * u64::from(side) + u64::from(long) / 2) / u64::from(long)).max(1) as u32
    };
    DynamicImage::ImageRgb8(crate::render::thumbnail::resize_rgb(
        img,
        scale(w),
        scale(h),
    ))
}

/// A photo as an upload file within the per-file limit: the original when it can go as it is,
/// else re-encoded, smaller until it fits.
fn photo_file(
    s: &Shot,
    p: &Profile,
    t: FileType,
) -> crate::error::Result<(Vec<u8>, Option<String>)> {
    if let Some(o) = &s.original
        && t == FileType::Jpeg
        && o.len() as u64 <= p.max_file_bytes
    {
        return Ok((o.clone(), None));
    }
    if (t == FileType::Jpeg && s.jpeg.len() as u64 <= p.max_file_bytes) || p.max_file_bytes == 0 {
        return Ok((s.jpeg.clone(), None));
    }
    let img = image::load_from_memory(&s.jpeg)
        .map_err(|e| crate::error::Error::Usage(format!("re-reading {} failed: {e}", s.stem)))?;
    // Pixels first, quality second: a label or a receipt must stay legible, so the quality goes
    // down (to 50) before the size does, and the size in small steps.
    let full = s.width.max(s.height);
    let mut side = full;
    loop {
        let fitted = fit_side(&img, side);
        let qualities: &[u8] = if t == FileType::Jpeg {
            &[80, 70, 60, 50]
        } else {
            &[80]
        };
        for &q in qualities {
            let bytes = encode(&fitted, t, q)?;
            if bytes.len() as u64 <= p.max_file_bytes || side <= 320 {
                let note = (side < full || q < 80).then(|| {
                    let quality = if t == FileType::Jpeg {
                        format!(" at JPEG quality {q}")
                    } else {
                        String::new()
                    };
                    format!(
                        "{}: made {side} px on the long side{quality} to fit {} bytes per file",
                        s.stem, p.max_file_bytes
                    )
                });
                return Ok((bytes, note));
            }
        }
        side = (side * 85 / 100).max(320);
    }
}

/// The summary PDF within `budget` bytes and the profile's page limit.
fn fit_pdf(
    i: &Input<'_>,
    req: &Plan,
    all: &Shots,
    fonts: &Fonts,
    budget: u64,
    shrunk: &mut Vec<String>,
    dropped: &mut Vec<String>,
) -> crate::error::Result<(Vec<u8>, u32)> {
    let p = &req.profile;
    let shaper = &mut fonts.shaper();
    let shots = &all.list;
    let messages: usize = i.chats.iter().map(|c| c.1.messages.len()).sum();
    let mut keep_photos = shots.len();
    let mut conv: Option<usize> = None;
    let sizes = sizes_only(shots);
    // Pages first: they do not depend on how large the photos are.
    if let Some(max) = p.max_pages {
        let mut pages = |keep: usize, conv: Option<usize>| {
            summary::layout(&summary_doc(i, req, all, &sizes[..keep], conv), shaper).len() as u32
        };
        let mut limit = messages;
        while pages(keep_photos, conv) > max && limit > 0 {
            limit /= 2;
            conv = Some(limit);
        }
        while pages(keep_photos, conv) > max && keep_photos > 0 {
            keep_photos -= 1;
        }
        if let Some(n) = conv {
            shrunk.push(format!(
                "summary.pdf: the conversation cut to its last {n} of {messages} messages to fit \
                 {max} pages (the whole transcript is in report.html)"
            ));
        }
    }
    // Photos made small once per size, in parallel.
    let mut small: Vec<Option<Vec<Picture>>> = vec![None; PDF_SIDES.len()];
    loop {
        for (k, side) in PDF_SIDES.into_iter().enumerate() {
            let pictures = small[k]
                .get_or_insert_with(|| shots.par_iter().map(|s| shrink_jpeg(s, side)).collect());
            let doc = summary_doc(i, req, all, &pictures[..keep_photos], conv);
            let pages = summary::layout(&doc, shaper);
            let pdf =
                summary::pdf::write(&doc, &pages, fonts).map_err(crate::error::Error::Usage)?;
            if pdf.len() as u64 <= budget {
                if side != PDF_SIDES[0] && keep_photos > 0 {
                    shrunk.push(format!(
                        "summary.pdf: photos made {side} px on the long side to fit {budget} bytes"
                    ));
                }
                for s in &shots[keep_photos..] {
                    dropped.push(format!(
                        "{}: left out of summary.pdf to fit the platform's limits",
                        s.stem
                    ));
                }
                return Ok((pdf, pages.len() as u32));
            }
        }
        if keep_photos == 0 {
            // Text alone is over the budget: cut the conversation further, down to nothing.
            let n = conv.unwrap_or(messages);
            if n == 0 {
                let doc = summary_doc(i, req, all, &[], Some(0));
                let pages = summary::layout(&doc, shaper);
                let pdf =
                    summary::pdf::write(&doc, &pages, fonts).map_err(crate::error::Error::Usage)?;
                dropped.push(format!(
                    "summary.pdf is {} bytes even without photos or conversation, over {budget}",
                    pdf.len()
                ));
                return Ok((pdf, pages.len() as u32));
            }
            conv = Some(n / 2);
            shrunk.push(format!(
                "summary.pdf: the conversation cut to its last {} messages to fit {budget} bytes",
                n / 2
            ));
            keep_photos = shots.len().min(keep_photos);
            continue;
        }
        keep_photos -= 1;
    }
}

/// The order's photos and video stills ready for the summary and upload, and what could not be
/// made ready.
struct Shots {
    /// Photos and stills, in capture order, at the profile's size.
    list: Vec<Shot>,
    /// Photos without an upload copy: (name, why).
    original_only: Vec<(String, String)>,
    /// Videos without still frames: (name, why).
    videos_without_stills: Vec<(String, String)>,
}

/// Photos of the order and still frames of its videos, in capture order, at the profile's size.
fn shots(i: &Input<'_>, p: &Profile) -> Shots {
    let side = p.photo_max_side;
    let mut photos: Vec<&FileRecord> = i
        .originals
        .iter()
        .filter(|r| {
            r.kind == Some(Kind::Photo) && r.media_type.as_ref().is_some_and(MediaType::is_image)
        })
        .collect();
    photos.sort_by(|a, b| key(a).cmp(&key(b)).then(a.path.cmp(&b.path)));
    photos.dedup_by_key(|r| r.sha256);
    let made: Vec<Result<Shot, String>> = photos
        .par_iter()
        .map(|r| {
            // A decoder bug on one hostile photo costs that photo its copy, not the bundle. The
            // closure only reads shared state and builds a new copy: nothing is left half-changed.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| upload_copy(i, r, side)))
                .unwrap_or_else(|_| Err("the image decoder failed on this file".to_string()))
        })
        .collect();
    let mut all = Shots {
        list: Vec::new(),
        original_only: Vec::new(),
        videos_without_stills: Vec::new(),
    };
    for (r, m) in photos.iter().zip(made) {
        match m {
            Ok(s) => all.list.push(s),
            Err(why) => all.original_only.push((
                format!(
                    "{} (SHA-256 {}…)",
                    r.original_name.as_deref().unwrap_or(&r.path),
                    &r.sha256.hex()[..12]
                ),
                why,
            )),
        }
    }
    // A Live Photo's video is shown by its still, unless the still could not be converted.
    let shown: Vec<Digest> = all.list.iter().map(|s| s.source).collect();
    let videos: Vec<&FileRecord> = i
        .originals
        .iter()
        .filter(|r| r.kind == Some(Kind::Video))
        .filter(|r| !r.live_photo_with.is_some_and(|p| shown.contains(&p)))
        .collect();
    let ffmpeg = !videos.is_empty() && crate::render::external::have_ffmpeg();
    for r in videos {
        let name = r.original_name.as_deref().unwrap_or(&r.path);
        if !ffmpeg {
            all.videos_without_stills.push((
                name.to_string(),
                "ffmpeg is not installed (Debian/Ubuntu: apt install ffmpeg)".to_string(),
            ));
            continue;
        }
        let stills = video_stills(i, r, side);
        if stills.is_empty() {
            all.videos_without_stills.push((
                name.to_string(),
                "ffmpeg could not read a frame of it".to_string(),
            ));
        }
        all.list.extend(stills);
    }
    all
}

/// A photo's upload copy: decoded (orientation applied), fitted to `side`, re-encoded as JPEG; the
/// original too where it is already an upright JPEG no larger than asked.
fn upload_copy(i: &Input<'_>, r: &FileRecord, side: u32) -> Result<Shot, String> {
    let path = i.vault.object_file(&r.sha256).map_err(|e| e.to_string())?;
    let mt = r.media_type.as_ref().unwrap_or(MediaType::unknown());
    let decoded = crate::render::thumbnail::decode_object(i.vault, &r.sha256, mt, side)
        .map_err(|e| e.to_string())??;
    let img = decoded.image;
    // decode_object decodes at full size when the original is no larger than asked.
    let whole = img.width().max(img.height()) <= side;
    let upright = crate::render::thumbnail::orientation_is_plain(&path, mt);
    let img = fit_side(&img, side);
    let jpeg = encode(&img, FileType::Jpeg, 85).map_err(|e| e.to_string())?;
    // The original itself where it is a whole JPEG already upright and no larger than asked.
    let original = (*mt == MediaType::JPEG && upright && whole && !decoded.partial)
        .then(|| std::fs::read(&path).ok())
        .flatten();
    let mut caption = caption(i, r, None);
    if decoded.partial {
        caption.push(PARTIAL.to_string());
    }
    if crate::render::external::needs_converter(mt) {
        caption.push(format!(
            "a JPEG copy of the {} original (SHA-256 above)",
            ext_of(mt)
        ));
    }
    Ok(Shot {
        source: r.sha256,
        stem: stem(r),
        caption,
        width: img.width(),
        height: img.height(),
        jpeg,
        original,
    })
}

/// What a card or caption says of a JPEG cut short.
pub const PARTIAL: &str =
    "partial image: the file is cut short; only its first part decodes (the original is unchanged)";

/// `HEIC`, `AVIF`, … for a caption.
fn ext_of(mt: &MediaType) -> String {
    mt.as_str()
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Photos go in the order they were taken (else added).
fn key(r: &FileRecord) -> chrono::NaiveDateTime {
    crate::time::sort_key(
        r.captured_at
            .as_deref()
            .or(r.added_at.as_deref())
            .unwrap_or(""),
    )
}

fn stem(r: &FileRecord) -> String {
    Path::new(r.original_name.as_deref().unwrap_or("photo"))
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "photo".into())
}

fn caption(i: &Input<'_>, r: &FileRecord, still: Option<&str>) -> Vec<String> {
    let name = r.original_name.as_deref().unwrap_or(&r.path);
    let mut c = vec![match still {
        Some(t) => format!("{name}, still frame at {t}"),
        None => name.to_string(),
    }];
    let mut line = String::new();
    if let Some(t) = &r.captured_at {
        line.push_str(&format!("captured {}", i.show(t)));
        if let Some(f) = &r.captured_from {
            line.push_str(&format!(" ({f})"));
        }
        line.push_str(" · ");
    } else {
        line.push_str("no capture time in the file · ");
    }
    line.push_str(&format!(
        "added {} by {} · SHA-256 {}…",
        r.added_at
            .as_deref()
            .map_or_else(|| "?".into(), |t| i.show(t)),
        r.added_by.as_deref().unwrap_or("?"),
        &r.sha256.hex()[..16]
    ));
    c.push(line);
    c.push(super::trust::vouched(r).join(" · "));
    if let Some(other) = r.live_photo_with
        && still.is_none()
    {
        let video = i
            .originals
            .iter()
            .find(|o| o.sha256 == other)
            .map_or_else(|| other.hex()[..12].to_string(), |o| o.path.clone());
        c.push(format!("Live Photo: its video is {video}"));
    }
    for w in &r.warnings {
        c.push(format!("warning: {w}"));
    }
    c
}

/// Still frames at the start, middle and end of a video, by `ffmpeg`; none when it is missing or
/// cannot read the file.
fn video_stills(i: &Input<'_>, r: &FileRecord, side: u32) -> Vec<Shot> {
    let Ok(path) = i.vault.object_file(&r.sha256) else {
        return Vec::new();
    };
    let duration = i
        .entries
        .iter()
        .filter_map(|e| e.event.item())
        .find(|it| it.sha256 == r.sha256)
        .and_then(|it| it.media.as_ref()?.duration_s)
        .filter(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(1.0);
    let mut out = Vec::new();
    for at in [0.0, duration * 0.5, (duration - 0.5).max(0.0)] {
        if out
            .iter()
            .any(|(t, _): &(f64, Vec<u8>)| (t - at).abs() < 0.25)
        {
            continue;
        }
        match crate::render::external::ffmpeg_frame(
            &path,
            r.media_type.as_ref().unwrap_or(MediaType::unknown()),
            at,
            side,
        ) {
            Some(jpeg) => out.push((at, jpeg)),
            None => break,
        }
    }
    out.into_iter()
        .filter_map(|(at, jpeg)| {
            let img = image::load_from_memory(&jpeg).ok()?;
            let t = format!("{:02}:{:02}", (at as u64) / 60, (at as u64) % 60);
            Some(Shot {
                source: r.sha256,
                stem: format!("{}-at-{}", stem(r), t.replace(':', "m") + "s"),
                caption: caption(i, r, Some(&t)),
                width: img.width(),
                height: img.height(),
                jpeg,
                original: None,
            })
        })
        .collect()
}

/// A time for people: RFC 3339 as given, or "unknown".
fn when(i: &Input<'_>, t: Option<String>) -> String {
    t.map_or_else(|| "unknown".into(), |t| i.show(&t))
}

impl Input<'_> {
    /// A time as people read it on the summary: `1 Dec 2026, 18:19 UTC`, with the shop's zone
    /// first when it is known (RFC 3339 stays in the manifest and the ledger).
    fn show(&self, t: &str) -> String {
        crate::time::human_in(t, self.zone)
    }
}

/// A file of `upload/` for the form's text fields or a script (manifest role `form_data`, not one
/// of the form's files), with its checklist line (`line` gets the file's name).
fn form_data(
    (made, checklist): (&mut Vec<Made>, &mut Vec<ChecklistItem>),
    path: &str,
    bytes: Vec<u8>,
    media_type: MediaType,
    line: impl FnOnce(&str) -> String,
) {
    checklist.push(ChecklistItem {
        code: ChecklistCode::FormValue,
        path: Some(path.into()),
        text: line(path.trim_start_matches("data/upload/")),
    });
    let record = FileRecord::made(path, &bytes, Role::FormData, media_type);
    made.push(Made { record, bytes });
}

/// Files of the shipping documentation and the conversation, for forms with a field for each.
const SHIPPING_PDF: &str = "shipping-documentation.pdf";
const CONVERSATION_PDF: &str = "customer-communication.pdf";

/// Whether the platform's form takes evidence per field (Stripe: one file per evidence field):
/// then the carrier's events and the conversation go in files of their own.
fn fields_apart(p: &Profile) -> bool {
    p.platform == Platform::Stripe
}

/// The shipping documentation and the conversation as PDFs of their own, for their form fields,
/// each within the profile's page limit (the conversation keeps its last messages).
fn field_files(i: &Input<'_>, req: &Plan, fonts: &Fonts) -> crate::error::Result<Vec<Candidate>> {
    let p = &req.profile;
    let mut out = Vec::new();
    let doc_of = |title: &str, what: &str| Doc {
        title: format!("{title}: order {}", i.order),
        footer: format!("Order {} · {what} made by {}", i.order, crate::TOOL),
        created: crate::time::parse_instant_or_date(i.generated_at).unwrap_or_default(),
        ..Doc::default()
    };
    let sources_of = |k: Kind| -> Vec<Digest> {
        i.originals
            .iter()
            .filter(|r| r.kind == Some(k))
            .map(|r| r.sha256)
            .collect()
    };
    let hashes = |b: &mut Vec<Block>, k: Kind| original_hashes(b, i, |r| r.kind == Some(k));
    let write = |doc: &Doc| -> crate::error::Result<(Vec<u8>, u32)> {
        let pages = summary::layout(doc, &mut fonts.shaper());
        let pdf = summary::pdf::write(doc, &pages, fonts).map_err(crate::error::Error::Usage)?;
        Ok((pdf, pages.len() as u32))
    };
    if !i.tracking.is_empty() {
        let mut doc = doc_of("Shipping documentation", "shipping documentation");
        doc.blocks.push(Block::Title(format!(
            "Shipping documentation — order {}",
            i.order
        )));
        let ship = shipping(i);
        let mut rows = Vec::new();
        if !ship.carriers.is_empty() {
            rows.push(("Carrier".to_string(), ship.carriers.join(", ")));
        }
        if !ship.numbers.is_empty() {
            rows.push(("Tracking number".to_string(), ship.numbers.join(", ")));
        }
        if let Some(t) = ship.first_scan {
            rows.push((
                "First carrier scan".to_string(),
                i.show(t.event.time.as_str()),
            ));
        }
        if let Some(d) = ship.delivered {
            rows.push(("Delivered".to_string(), i.show(d.event.time.as_str())));
        }
        doc.blocks.push(Block::Fields(rows));
        tracking_events(&mut doc.blocks, i);
        hashes(&mut doc.blocks, Kind::Tracking);
        let (bytes, pages) = write(&doc)?;
        out.push(Candidate {
            field: Some((
                "dispute evidence: shipping_documentation (Shipping documentation)".into(),
                "shipping_documentation",
            )),
            name: SHIPPING_PDF.into(),
            bytes,
            sources: sources_of(Kind::Tracking),
            pages: Some(pages),
            media_type: MediaType::PDF,
        });
    }
    if !i.chats.is_empty() {
        let messages: usize = i.chats.iter().map(|c| c.1.messages.len()).sum();
        let make = |keep: usize| {
            let mut doc = doc_of("Customer communication", "customer communication");
            doc.blocks.push(Block::Title(format!(
                "Customer communication — order {}",
                i.order
            )));
            conversations(&mut doc.blocks, i, keep);
            hashes(&mut doc.blocks, Kind::Chat);
            doc
        };
        let mut keep = messages;
        let (mut bytes, mut pages) = write(&make(keep))?;
        while p.max_pages.is_some_and(|m| pages > m) && keep > 0 {
            keep /= 2;
            (bytes, pages) = write(&make(keep))?;
        }
        out.push(Candidate {
            field: Some((
                "dispute evidence: customer_communication (Customer communication)".into(),
                "customer_communication",
            )),
            name: CONVERSATION_PDF.into(),
            bytes,
            sources: sources_of(Kind::Chat),
            pages: Some(pages),
            media_type: MediaType::PDF,
        });
    }
    Ok(out)
}

/// The summary document with `shots` as photos (`pictures[k]` is shot k made small, or only its
/// size when the document is laid out to count pages); `conv` keeps only the last that many
/// messages of the conversation.
fn summary_doc(
    i: &Input<'_>,
    req: &Plan,
    shots: &Shots,
    pictures: &[Picture],
    conv: Option<usize>,
) -> Doc {
    let mut doc = Doc {
        title: format!("Evidence summary: order {}", i.order),
        created: crate::time::parse_instant_or_date(i.generated_at).unwrap_or_default(),
        footer: format!(
            "Order {} · evidence summary made by {}",
            i.order,
            crate::TOOL
        ),
        ..Doc::default()
    };
    doc.blocks.push(Block::Title(format!(
        "Evidence summary — order {}",
        i.order
    )));
    doc.blocks.push(Block::Fields(heading_fields(i, req)));
    doc.blocks
        .push(Block::Heading("The seller's position".into()));
    doc.blocks.push(Block::Text(req.statement.clone()));
    doc.blocks.push(Block::Heading("Key dates".into()));
    doc.blocks.push(Block::Fields(key_dates(i)));
    let held = evidence_held(i);
    if !held.is_empty() {
        doc.blocks.push(Block::Heading("Evidence held".into()));
        doc.blocks.push(Block::Fields(held));
    }
    if let Some(d) = i.dispute {
        let rest = not_held(i, d);
        if !rest.is_empty() {
            doc.blocks.push(Block::Heading(format!(
                "Also asked for on {} for {}, not in these records",
                d.platform.as_str(),
                d.reason
            )));
            doc.blocks.push(Block::Fields(rest));
        }
    }
    doc.blocks.push(Block::Heading("Timeline".into()));
    for (t, text) in &timeline(i) {
        doc.blocks.push(Block::Message {
            head: i.show(t),
            text: text.clone(),
        });
    }
    photos(&mut doc, shots, pictures);
    // Files of their own, for their own form fields: pointed to, not repeated; numbered as
    // `number` will number them, right after the summary.
    let apart = |name: &str| req.apart.iter().position(|n| n == name).map(|k| k + 2);
    match apart(SHIPPING_PDF) {
        Some(n) if !i.tracking.is_empty() => {
            doc.blocks.push(Block::Heading("Tracking events".into()));
            doc.blocks.push(Block::Small(format!(
                "The carrier's {} event(s) are in {n:02}-{SHIPPING_PDF} (Stripe's shipping documentation).",
                i.tracking.len()
            )));
        }
        _ => tracking_events(&mut doc.blocks, i),
    }
    match apart(CONVERSATION_PDF) {
        Some(n) if !i.chats.is_empty() => {
            doc.blocks.push(Block::Heading("Conversation".into()));
            doc.blocks.push(Block::Small(format!(
                "The written conversation with the buyer is in {n:02}-{CONVERSATION_PDF} (Stripe's customer communication)."
            )));
        }
        _ => conversations(&mut doc.blocks, i, conv.unwrap_or(usize::MAX)),
    }
    original_hashes(&mut doc.blocks, i, |_| true);
    doc
}

/// Order, platform, case, reason, amount, how much evidence, when the summary was made.
fn heading_fields(i: &Input<'_>, req: &Plan) -> Vec<(String, String)> {
    let mut head = vec![("Order".to_string(), i.order.to_string())];
    if let Some(d) = i.dispute {
        head.push(("Platform".into(), d.platform.as_str().into()));
        if let Some(c) = &d.case {
            head.push(("Case".into(), c.clone()));
        }
        head.push(("Dispute reason".into(), d.reason.to_string()));
        if let (Some(a), Some(c)) = (&d.amount, &d.currency) {
            head.push(("Amount in dispute".into(), format!("{a} {c}")));
        }
    } else {
        head.push(("Platform".into(), req.profile.platform.as_str().into()));
    }
    head.push((
        "Evidence".into(),
        format!(
            "{} original file(s), each listed with its SHA-256 at the end",
            i.originals.len()
        ),
    ));
    head.push(("Summary made".into(), i.show(i.generated_at)));
    head
}

/// What the order holds of the evidence platforms ask for, as label/value rows (what it lacks
/// follows under its own heading, [`not_held`]).
fn evidence_held(i: &Input<'_>) -> Vec<(String, String)> {
    let count = |k: Kind| i.originals.iter().filter(|r| r.kind == Some(k)).count();
    let mut rows = Vec::new();
    let (photos, videos) = (count(Kind::Photo), count(Kind::Video));
    if photos + videos > 0 {
        rows.push((
            "Photos and videos".to_string(),
            format!("{photos} photo(s), {videos} video(s), each with its SHA-256 below"),
        ));
    }
    let snapshots = count(Kind::Tracking);
    if snapshots > 0 {
        rows.push((
            "Carrier tracking".to_string(),
            match shipping(i).delivered {
                Some(d) => format!(
                    "{snapshots} snapshot(s) of the carrier's records; delivered {}{}",
                    i.show(d.event.time.as_str()),
                    if crate::case::mentions_signature(&d.event.description) {
                        ", signed for"
                    } else {
                        ""
                    }
                ),
                None => format!("{snapshots} snapshot(s) of the carrier's records"),
            },
        ));
    }
    let messages: usize = i.chats.iter().map(|c| c.1.messages.len()).sum();
    if messages > 0 {
        rows.push((
            "Written conversation".to_string(),
            format!(
                "{messages} message(s) in {} export(s), as exported",
                i.chats.len()
            ),
        ));
    }
    if !i.earlier_orders.is_empty() {
        rows.push((
            "The buyer's earlier orders".to_string(),
            format!(
                "{} earlier order(s) of the same buyer, none disputed: {}",
                i.earlier_orders.len(),
                earlier_list(i)
            ),
        ));
    }
    let stamps = i
        .entries
        .iter()
        .filter(|e| matches!(e.event, crate::ledger::Event::Stamp { .. }))
        .count();
    if stamps > 0 {
        rows.push((
            "Trusted time-stamps".to_string(),
            format!("{stamps} RFC 3161 token(s) date the records (see data/trust)"),
        ));
    }
    rows
}

/// The rest of the reason's checklist, as label/value rows: the evidence the order lacks
/// (`vault due`'s `missing`) and what only the seller's other records can hold (`to_supply`: the
/// payment processor's checks, the shop's policies). Said as what these records do not hold,
/// never as a claim either way.
fn not_held(i: &Input<'_>, d: &DisputeOpened) -> Vec<(String, String)> {
    let missing = i
        .missing
        .iter()
        .map(|m| ("Not held".to_string(), m.to_string()));
    let elsewhere = crate::dispute::to_supply(d)
        .into_iter()
        .map(|t| ("Outside vault's records".to_string(), t.to_string()));
    missing.chain(elsewhere).collect()
}

/// The buyer's earlier undisputed orders as people read them: `A (first filed 2 May 2026), …`,
/// the first five and how many more.
pub(super) fn earlier_list(i: &Input<'_>) -> String {
    let mut list: Vec<String> = i
        .earlier_orders
        .iter()
        .take(5)
        .map(|(o, at)| {
            format!(
                "{o} (first filed {})",
                super::forms::day(&crate::time::format_time(at))
            )
        })
        .collect();
    if i.earlier_orders.len() > 5 {
        list.push(format!("and {} more", i.earlier_orders.len() - 5));
    }
    list.join(", ")
}

/// Ordered, first filed, packed, handed over, delivered, dispute opened, answer due.
fn key_dates(i: &Input<'_>) -> Vec<(String, String)> {
    let first_entry = i.entries.first().map(|e| crate::time::format_time(&e.at));
    // The earliest photo whose capture time passed the sanity checks (a camera clock left at
    // 1998-01-01 says nothing about packing); else the earliest at all, marked as doubtful.
    let photo_time = |clean: bool| {
        i.originals
            .iter()
            .filter(|r| r.kind == Some(Kind::Photo) && (!clean || r.warnings.is_empty()))
            .filter_map(|r| r.captured_at.clone())
            .min_by_key(|t| crate::time::sort_key(t))
    };
    let packed = photo_time(true).map(|t| i.show(&t)).or_else(|| {
        photo_time(false).map(|t| {
            format!(
                "{} (doubtful: see the photos' capture-time warnings)",
                i.show(&t)
            )
        })
    });
    let ship = shipping(i);
    let time_of = |t: Option<&TimelineEvent>| t.map(|t| t.event.time.to_string());
    let handed = time_of(ship.first_scan);
    let delivered = time_of(ship.delivered);
    let mut dates = Vec::new();
    if let Some(t) = i.dispute.and_then(|d| d.ordered_at.clone()) {
        dates.push(("Order placed".to_string(), i.show(&t)));
    }
    dates.extend([
        ("First evidence filed".to_string(), when(i, first_entry)),
        (
            "Packed (first photo)".into(),
            packed.unwrap_or_else(|| "unknown".into()),
        ),
        ("Handed to the carrier".into(), when(i, handed)),
        ("Delivered".into(), when(i, delivered)),
        (
            "Dispute opened".into(),
            when(i, i.dispute.map(|d| d.opened_at.clone())),
        ),
        (
            "Answer due".into(),
            when(i, i.dispute.and_then(|d| d.due.clone())),
        ),
    ]);
    dates
}

/// Ledger entries, capture times and carrier events, by time.
fn timeline(i: &Input<'_>) -> Vec<(String, String)> {
    let mut timeline: Vec<(String, String)> = Vec::new();
    for e in i.entries {
        let t = crate::time::format_time(&e.at);
        let text = match e.event.item() {
            Some(item) => format!("{} filed: {} (by {})", item.kind, item.name, e.by),
            None => e
                .event
                .summary(i.zone)
                .unwrap_or_else(|| e.event.name().replace('_', " ")),
        };
        let note = e
            .note
            .as_deref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default();
        timeline.push((t, format!("{text}{note}")));
    }
    for r in i.originals.iter().filter(|r| r.captured_at.is_some()) {
        timeline.push((
            r.captured_at.clone().unwrap_or_default(),
            format!(
                "{} captured: {}",
                r.kind.map(|k| k.to_string()).unwrap_or_default(),
                r.original_name.as_deref().unwrap_or(&r.path)
            ),
        ));
    }
    for t in i.tracking {
        timeline.push((
            t.event.time.to_string(),
            format!("carrier: {}", t.event.description),
        ));
    }
    timeline.sort_by_key(|(t, _)| crate::time::sort_key(t));
    timeline
}

/// The photos drawn, and those not drawn here (image-only platforms upload them as files of
/// their own; a PDF that had to leave some out) named with their captions.
fn photos(doc: &mut Doc, all: &Shots, pictures: &[Picture]) {
    let shots = &all.list;
    for (s, picture) in shots.iter().zip(pictures) {
        let idx = doc.pictures.len();
        doc.pictures.push(picture.clone());
        if idx == 0 {
            doc.blocks
                .push(Block::Heading("Photos and video stills".into()));
        }
        doc.blocks.push(Block::Photo {
            picture: idx,
            caption: s.caption.clone(),
        });
    }
    let rest = &shots[pictures.len().min(shots.len())..];
    if !rest.is_empty() {
        doc.blocks.push(Block::Heading(if pictures.is_empty() {
            "Photos and video stills (uploaded as separate images)".into()
        } else {
            "Photos and video stills not shown here (see data/originals)".into()
        }));
        for s in rest {
            doc.blocks.push(Block::Small(s.caption.join("\n")));
        }
    }
    if !all.original_only.is_empty() || !all.videos_without_stills.is_empty() {
        doc.blocks.push(Block::Heading(
            "Original only: not shown here (see data/originals)".into(),
        ));
        for (name, why) in all.original_only.iter().chain(&all.videos_without_stills) {
            doc.blocks.push(Block::Small(format!("{name}: {why}")));
        }
    }
}

fn tracking_events(b: &mut Vec<Block>, i: &Input<'_>) {
    if i.tracking.is_empty() {
        return;
    }
    b.push(Block::Heading("Tracking events".into()));
    for t in i.tracking {
        let loc = t
            .event
            .location
            .as_deref()
            .map(|l| format!(" · {l}"))
            .unwrap_or_default();
        b.push(Block::Small(format!(
            "{}{loc} · {}{}",
            i.show(t.event.time.as_str()),
            t.event.description,
            t.tracking_number
                .as_deref()
                .map(|n| format!(" · {n}"))
                .unwrap_or_default()
        )));
    }
}

/// The conversations, at most `budget` messages in all: the last messages are kept, later
/// chats first, counted from their ends.
fn conversations(b: &mut Vec<Block>, i: &Input<'_>, mut budget: usize) {
    let mut parts = Vec::new();
    for (r, t, tz) in i.chats.iter().rev() {
        let take = t.messages.len().min(budget);
        budget -= take;
        parts.push((r, t, tz, take));
    }
    parts.reverse();
    for (r, t, tz, take) in parts {
        b.push(Block::Heading(format!(
            "Conversation: {} ({}, {} messages)",
            r.original_name.as_deref().unwrap_or(&r.path),
            t.format,
            t.messages.len()
        )));
        if let Some(z) = tz {
            b.push(Block::Small(format!("times read as {z}")));
        }
        let skip = t.messages.len() - take;
        if skip > 0 {
            b.push(Block::Small(format!(
                "({skip} earlier messages left out here to fit the platform's limits; all are in report.html)"
            )));
        }
        for m in &t.messages[skip..] {
            b.push(Block::Message {
                head: format!(
                    "{}  {}",
                    i.show(m.time.as_str()),
                    m.sender.as_deref().unwrap_or("(system)")
                ),
                text: m.text.clone(),
            });
        }
    }
}

/// The originals `keep` selects, each with its SHA-256 and what dates or signs it.
fn original_hashes(b: &mut Vec<Block>, i: &Input<'_>, keep: impl Fn(&FileRecord) -> bool) {
    b.push(Block::Heading("Original files and their SHA-256".into()));
    b.push(Block::Small(
        "Each file is in the evidence bundle under data/originals, byte for byte as filed; \
         `sha256sum` of it prints the hash below."
            .into(),
    ));
    for r in i.originals.iter().filter(|r| keep(r)) {
        b.push(Block::Small(format!(
            "{} ({}, {} bytes)\n{}\n{}",
            r.original_name.as_deref().unwrap_or(&r.path),
            r.kind.map(|k| k.to_string()).unwrap_or_default(),
            r.size,
            r.sha256,
            super::trust::vouched(r).join(" · ")
        )));
    }
}

/// A shot as a JPEG of at most `side` px on the long side, for the summary.
fn shrink_jpeg(s: &Shot, side: u32) -> Picture {
    let whole = || Picture {
        jpeg: s.jpeg.clone(),
        width: s.width,
        height: s.height,
    };
    if s.width.max(s.height) <= side {
        return whole();
    }
    let Ok(img) = image::load_from_memory(&s.jpeg) else {
        return whole();
    };
    let small = fit_side(&img, side);
    match encode(&small, FileType::Jpeg, 75) {
        Ok(jpeg) => Picture {
            jpeg,
            width: small.width(),
            height: small.height(),
        },
        Err(_) => whole(),
    }
}

/// Pictures with the shots' sizes and no pixels: enough to lay pages out and count them.
fn sizes_only(shots: &[Shot]) -> Vec<Picture> {
    shots
        .iter()
        .map(|s| Picture {
            jpeg: Vec::new(),
            width: s.width,
            height: s.height,
        })
        .collect()
}

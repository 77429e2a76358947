//! What a photo or video says about itself: when it was captured (with its UTC offset when the file
//! gives one, and which tag said so), camera, pixel size, orientation, GPS position, duration; and
//! the checks that flag a capture time that looks wrong.
//!
//! Read with `nom-exif` (EXIF in JPEG/HEIC/TIFF/PNG/WebP; QuickTime keys and `mvhd` in MP4/MOV/3GP),
//! pixel sizes from the image header where `image` can read it. Hostile files are normal: nothing
//! here panics out (a panic in a parser is caught and recorded), and a file whose metadata cannot be
//! read is still stored, with the reason recorded.

use crate::evidence::bmff::{find_box, heif_meta, next_box};
use crate::evidence::kind::MediaType;
use std::fs::File;
use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Utc};
use nom_exif::{
    EntryValue, Exif, ExifTag, MediaKind, MediaParser, MediaSource, TrackInfo, TrackInfoTag,
};
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// A GPS position in decimal degrees (WGS 84), positive north and east.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_m: Option<f64>,
}

/// What was read from a photo or video. Stored with the item in its ledger entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// RFC 3339: with the UTC offset when the file gives one; else the local time as the camera
    /// wrote it, without offset, and `captured_at_naive` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub captured_at_naive: bool,
    /// The tag the capture time came from, e.g. `EXIF DateTimeOriginal+OffsetTimeOriginal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_from: Option<String>,
    /// Make and model, e.g. `Apple iPhone X`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// EXIF orientation, 1-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<Gps>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Apple's Live Photo content identifier (a UUID), in both the still and its video: files of
    /// an order with the same one are the two halves of one Live Photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// Why the metadata could not be read (the file is stored all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl MediaInfo {
    /// The capture time as an instant, when the offset is known.
    pub fn captured_utc(&self) -> Option<DateTime<Utc>> {
        self.captured()?.utc()
    }

    /// The capture time, typed: an instant or the camera's local time. (The ledger keeps it as
    /// text and a flag, `captured_at` and `captured_at_naive`, as it always has.)
    pub fn captured(&self) -> Option<Timestamp> {
        Timestamp::from_parts(self.captured_at.as_deref()?, self.captured_at_naive)
    }

    /// The capture time as the camera's wall clock showed it.
    pub fn captured_local(&self) -> Option<NaiveDateTime> {
        Timestamp::parse(self.captured_at.as_deref()?).map(|t| t.wall_clock())
    }
}

/// Whether this media type is one we read metadata from.
pub fn applies_to(media_type: &str) -> bool {
    let mt = MediaType::from(media_type);
    mt.is_image() || mt.is_video()
}

/// Read what the file at `path` says about itself. Never panics; failures become `error`.
pub fn read(path: &Path, media_type: &str) -> MediaInfo {
    let caught = std::panic::catch_unwind(|| read_inner(path, media_type));
    let mut info = match caught {
        Ok(Ok(info)) => info,
        Ok(Err(e)) => MediaInfo {
            error: Some(e),
            ..MediaInfo::default()
        },
        Err(_) => MediaInfo {
            error: Some("the metadata reader failed on this file (malformed metadata)".into()),
            ..MediaInfo::default()
        },
    };
    // Pixel size from the image header is the truth where it can be read; EXIF sizes are a fallback.
    let mt = MediaType::from(media_type);
    if mt.is_image()
        && let Some((w, h)) = image_size(path, media_type)
    {
        info.width = Some(w);
        info.height = Some(h);
    }
    // HEIF: the primary image's size is in its `ispe` property; EXIF may describe the unedited shot.
    if mt.is_heif_family()
        && let Some((w, h)) = heif_size(path)
    {
        info.width = Some(w);
        info.height = Some(h);
    }
    info
}

/// Width and height from the image's own header. For JPEG, `jpeg-decoder` stops at the frame header
/// (`image` would read the whole file first: a tenth of the cost of adding it).
fn image_size(path: &Path, media_type: &str) -> Option<(u32, u32)> {
    if MediaType::JPEG == media_type {
        let mut dec = jpeg_decoder::Decoder::new(std::io::BufReader::new(File::open(path).ok()?));
        dec.read_info().ok()?;
        let info = dec.info()?;
        return Some((u32::from(info.width), u32::from(info.height)));
    }
    image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// The largest `ispe` (image spatial extent) in a HEIF file's `meta/iprp/ipco`: the primary image,
/// or the grid it is tiled from. Reads the `meta` box only; every box size is bounds-checked.
fn heif_size(path: &Path) -> Option<(u32, u32)> {
    let meta = heif_meta(path)?;
    let iprp = find_box(&meta, b"iprp")?;
    let ipco = find_box(iprp, b"ipco")?;
    let mut best: Option<(u32, u32)> = None;
    let mut rest = ipco;
    while let Some((kind, body, next)) = next_box(rest) {
        if kind == *b"ispe" && body.len() >= 12 {
            let w = u32::from_be_bytes(body[4..8].try_into().ok()?);
            let h = u32::from_be_bytes(body[8..12].try_into().ok()?);
            if u64::from(w) * u64::from(h) > best.map_or(0, |(a, b)| u64::from(a) * u64::from(b)) {
                best = Some((w, h));
            }
        }
        rest = next;
    }
    best.filter(|&(w, h)| w > 0 && h > 0)
}

fn read_inner(path: &Path, media_type: &str) -> Result<MediaInfo, String> {
    // XMP's creation dates, then IPTC's (exiftool's order), then a PNG's own, from the photo's
    // header; a JPEG's whole header is also where nom-exif reads EXIF, without opening it again.
    let mut xmp = super::xmp::XmpDates::default();
    let opened = if MediaType::from(media_type).is_image() {
        let (head, jpeg_header) = super::xmp::head(path);
        xmp = super::xmp::dates_in(&head);
        xmp.dates.extend(super::iptc::dates_in(&head));
        xmp.dates.extend(super::png::dates_in(&head));
        jpeg_header.then_some(head)
    } else {
        None
    };
    match opened {
        Some(header) => read_source(MediaSource::from_memory(header), path, media_type, &xmp),
        None => {
            let file = File::open(path).map_err(|e| e.to_string())?;
            read_source(MediaSource::seekable(file), path, media_type, &xmp)
        }
    }
}

/// What nom-exif reads from `opened` (the file, or a JPEG's header in memory), with the XMP,
/// IPTC and PNG dates already read from the photo's header.
fn read_source<R: std::io::Read>(
    opened: nom_exif::Result<MediaSource<R>>,
    path: &Path,
    media_type: &str,
    xmp: &super::xmp::XmpDates,
) -> Result<MediaInfo, String> {
    let ms = match opened {
        Ok(ms) => ms,
        Err(nom_exif::Error::UnsupportedFormat) => {
            return Err(format!("metadata of {media_type} files is not read"));
        }
        Err(e) => return Err(format!("unreadable metadata: {e}")),
    };
    let mut parser = MediaParser::new();
    match ms.kind() {
        MediaKind::Image => {
            let parsed = parser.parse_exif(ms);
            // A HEIF `Exif` item without JPEG's `Exif\0\0` prefix (libheif's way) is read here.
            let heif = || {
                MediaType::from(media_type)
                    .is_heif_family()
                    .then(|| super::bmff::heif_exif(path))
                    .flatten()
                    .and_then(|tiff| MediaSource::from_memory(tiff).ok())
                    .and_then(|ms| MediaParser::new().parse_exif(ms).ok())
                    .map(Exif::from)
            };
            let mut info = match parsed {
                Ok(iter) => from_exif(&iter.into()),
                Err(_) if let Some(exif) = heif() => from_exif(&exif),
                // No EXIF at all (a screenshot, a stripped photo) is not an error: XMP may
                // still tell.
                Err(nom_exif::Error::ExifNotFound) => MediaInfo::default(),
                Err(e) if xmp.dates.is_empty() => return Err(format!("unreadable EXIF: {e}")),
                Err(_) => MediaInfo::default(),
            };
            with_xmp(&mut info, xmp);
            Ok(info)
        }
        MediaKind::Track => {
            let mut info = match parser.parse_track(ms) {
                Ok(t) => from_track(&t),
                Err(nom_exif::Error::TrackNotFound) => MediaInfo::default(),
                Err(e) => return Err(format!("unreadable container metadata: {e}")),
            };
            let keys = super::apple::video_keys(path).unwrap_or_default();
            info.content_id = super::apple::video_content_id_in(&keys);
            // nom-exif reads `com.apple.quicktime.creationdate` from `moov/meta` only; ffmpeg and
            // some editors write the keys under `moov/udta/meta`.
            if info.captured_at.is_none()
                && let Some(d) = keys
                    .iter()
                    .find(|(k, _)| k == "com.apple.quicktime.creationdate")
                    .and_then(|(_, v)| quicktime_date(v))
                    .filter(|d| d.year() > 1904)
            {
                set_time(
                    &mut info,
                    d.naive_local(),
                    Some(*d.offset()),
                    "QuickTime com.apple.quicktime.creationdate".to_string(),
                );
            }
            Ok(info)
        }
    }
}

/// `2026-11-20T10:00:02+0800` (as iPhones write it) or RFC 3339.
fn quicktime_date(v: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(v.trim(), "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(v.trim()))
        .ok()
}

fn text(v: Option<&EntryValue>) -> Option<String> {
    let s = v?
        .as_str()?
        .trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

fn number(v: Option<&EntryValue>) -> Option<u64> {
    match v? {
        EntryValue::U8(n) => Some(u64::from(*n)),
        EntryValue::U16(n) => Some(u64::from(*n)),
        EntryValue::U32(n) => Some(u64::from(*n)),
        EntryValue::U64(n) => Some(*n),
        EntryValue::U16Array(a) => a.first().map(|n| u64::from(*n)),
        EntryValue::U32Array(a) => a.first().map(|n| u64::from(*n)),
        _ => None,
    }
}

/// `Canon` + `Canon EOS 40D` → `Canon EOS 40D`; `Apple` + `iPhone X` → `Apple iPhone X`.
fn camera(make: Option<String>, model: Option<String>) -> Option<String> {
    match (make, model) {
        (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
            Some(model)
        }
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (make, model) => make.or(model),
    }
}

fn gps_of(g: &nom_exif::GPSInfo) -> Option<Gps> {
    let (lat, lon) = (g.latitude_decimal()?, g.longitude_decimal()?);
    if !(lat.is_finite() && lon.is_finite()) || lat.abs() > 90.0 || lon.abs() > 180.0 {
        return None;
    }
    if lat == 0.0 && lon == 0.0 {
        return None; // "null island": an empty GPS block
    }
    Some(Gps {
        lat,
        lon,
        alt_m: g.altitude_meters().filter(|a| a.is_finite()),
    })
}

fn from_exif(exif: &Exif) -> MediaInfo {
    let mut info = MediaInfo {
        camera: camera(
            text(exif.get(ExifTag::Make)),
            text(exif.get(ExifTag::Model)),
        ),
        orientation: number(exif.get(ExifTag::Orientation))
            .and_then(|o| u16::try_from(o).ok())
            .filter(|o| (1..=8).contains(o)),
        gps: exif.gps_info().and_then(gps_of),
        width: number(exif.get(ExifTag::ExifImageWidth)).and_then(|n| u32::try_from(n).ok()),
        height: number(exif.get(ExifTag::ExifImageHeight)).and_then(|n| u32::try_from(n).ok()),
        content_id: match exif.get(ExifTag::MakerNote) {
            Some(EntryValue::Undefined(note) | EntryValue::U8Array(note)) => {
                super::apple::photo_content_id(note)
            }
            _ => None,
        },
        ..MediaInfo::default()
    };
    let candidates = [
        (
            ExifTag::DateTimeOriginal,
            ExifTag::OffsetTimeOriginal,
            ExifTag::SubSecTimeOriginal,
            "DateTimeOriginal",
            "OffsetTimeOriginal",
            "SubSecTimeOriginal",
        ),
        (
            ExifTag::CreateDate,
            ExifTag::OffsetTimeDigitized,
            ExifTag::SubSecTimeDigitized,
            "CreateDate",
            "OffsetTimeDigitized",
            "SubSecTimeDigitized",
        ),
        (
            ExifTag::ModifyDate,
            ExifTag::OffsetTime,
            ExifTag::SubSecTime,
            "ModifyDate",
            "OffsetTime",
            "SubSecTime",
        ),
    ];
    for (tag, off_tag, sub_tag, name, off_name, sub_name) in candidates {
        let Some(v) = exif.get(tag) else { continue };
        let sub = text(exif.get(sub_tag)).filter(|s| s.bytes().all(|b| b.is_ascii_digit()));
        let mut from = format!("EXIF {name}");
        let (naive, offset) = match v {
            EntryValue::DateTime(t) => (t.naive_local(), Some(*t.offset())),
            EntryValue::NaiveDateTime(t) => (*t, None),
            EntryValue::Text(s) => {
                match NaiveDateTime::parse_from_str(s.trim_end_matches('\0'), "%Y:%m:%d %H:%M:%S") {
                    Ok(t) => (t, None),
                    Err(_) => continue,
                }
            }
            _ => continue,
        };
        let offset =
            offset.or_else(|| text(exif.get(off_tag)).and_then(|o| crate::time::parse_offset(&o)));
        if offset.is_some() && exif.get(off_tag).is_some() {
            from.push_str(&format!("+{off_name}"));
        }
        let naive = match sub.as_deref() {
            Some(s) => {
                from.push_str(&format!("+{sub_name}"));
                let frac: String = s.chars().chain(std::iter::repeat('0')).take(9).collect();
                naive.with_nanosecond_checked(frac.parse().unwrap_or(0))
            }
            None => naive,
        };
        set_time(&mut info, naive, offset, from);
        if offset.is_none() {
            zone_from_gps(&mut info, exif, naive);
        }
        break;
    }
    info
}

/// GPS `DateStamp` + `TimeStamp` is a UTC instant from the satellites: where a capture time has
/// no offset, the difference between the two is the camera's zone — when it is a whole quarter
/// hour within ±14 h, give or take two minutes (the fix and the shot are not the same instant).
/// A camera whose clock is off by more gives no zone.
fn zone_from_gps(info: &mut MediaInfo, exif: &Exif, naive: NaiveDateTime) {
    let Some(date) = text(exif.get(ExifTag::GPSDateStamp))
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim_end_matches('\0'), "%Y:%m:%d").ok())
    else {
        return;
    };
    let Some(EntryValue::URationalArray(hms)) = exif.get(ExifTag::GPSTimeStamp) else {
        return;
    };
    let part = |i: usize| {
        hms.get(i)
            .filter(|r| r.denominator() != 0)
            .map(|r| f64::from(r.numerator()) / f64::from(r.denominator()))
    };
    let (Some(h), Some(m), Some(sec)) = (part(0), part(1), part(2)) else {
        return;
    };
    let secs = h * 3600.0 + m * 60.0 + sec;
    if !(0.0..86_400.0).contains(&secs) {
        return;
    }
    let Some(utc) = date
        .and_hms_opt(0, 0, 0)
        .map(|d| d + chrono::Duration::milliseconds((secs * 1000.0) as i64))
    else {
        return;
    };
    let diff = (naive - utc).num_seconds();
    let quarter = ((diff as f64) / 900.0).round() as i64 * 900;
    if quarter.abs() > 14 * 3600 || (diff - quarter).abs() > 120 {
        return;
    }
    let Some(offset) = i32::try_from(quarter).ok().and_then(FixedOffset::east_opt) else {
        return;
    };
    let from = info.captured_from.clone().unwrap_or_default();
    set_time(info, naive, Some(offset), format!("{from} (zone from GPS)"));
}

/// XMP's (and IPTC's) dates where EXIF has none that is a capture time, and their offset where
/// EXIF wrote the same wall time without one.
fn with_xmp(info: &mut MediaInfo, xmp: &super::xmp::XmpDates) {
    let exif_capture = info.captured_from.as_deref().is_some_and(|f| {
        f.starts_with("EXIF DateTimeOriginal") || f.starts_with("EXIF CreateDate")
    });
    if exif_capture {
        if info.captured_at_naive
            && let Some(naive) = info.captured_local()
            && let Some((name, d)) = xmp.dates.iter().find(|(_, d)| {
                d.offset.is_some() && !d.date_only && (d.naive - naive).num_seconds().abs() < 1
            })
        {
            let from = info.captured_from.clone().unwrap_or_default();
            set_time(
                info,
                naive,
                d.offset,
                format!("{from} (offset from {name})"),
            );
        }
        return;
    }
    // No EXIF capture time (nothing, or only ModifyDate): an XMP creation date is better; a
    // modification date only when there is nothing else.
    let modified = |n: &str| n == "XMP xmp:ModifyDate" || n == super::png::MODIFIED;
    if let Some((name, d)) = xmp.dates.iter().find(|(n, _)| !modified(n)).or_else(|| {
        info.captured_at
            .is_none()
            .then(|| xmp.dates.iter().find(|(n, _)| modified(n)))
            .flatten()
    }) {
        let from = if d.date_only {
            format!("{name} (date only)")
        } else {
            (*name).to_string()
        };
        set_time(info, d.naive, d.offset, from);
    }
}

trait WithNanos {
    fn with_nanosecond_checked(self, n: u32) -> NaiveDateTime;
}
impl WithNanos for NaiveDateTime {
    fn with_nanosecond_checked(self, n: u32) -> NaiveDateTime {
        chrono::Timelike::with_nanosecond(&self, n).unwrap_or(self)
    }
}

fn set_time(info: &mut MediaInfo, naive: NaiveDateTime, offset: Option<FixedOffset>, from: String) {
    let fmt = if chrono::Timelike::nanosecond(&naive) == 0 {
        "%Y-%m-%dT%H:%M:%S"
    } else {
        "%Y-%m-%dT%H:%M:%S%.3f"
    };
    match offset.and_then(|o| naive.and_local_timezone(o).single()) {
        Some(t) => {
            let secs = if chrono::Timelike::nanosecond(&naive) == 0 {
                chrono::SecondsFormat::Secs
            } else {
                chrono::SecondsFormat::Millis
            };
            info.captured_at = Some(t.to_rfc3339_opts(secs, false));
            info.captured_at_naive = false;
        }
        None => {
            info.captured_at = Some(naive.format(fmt).to_string());
            info.captured_at_naive = true;
        }
    }
    info.captured_from = Some(from);
}

fn from_track(t: &TrackInfo) -> MediaInfo {
    let mut info = MediaInfo {
        camera: camera(
            text(t.get(TrackInfoTag::Make)),
            text(t.get(TrackInfoTag::Model)),
        ),
        width: number(t.get(TrackInfoTag::Width))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0),
        height: number(t.get(TrackInfoTag::Height))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0),
        duration_s: number(t.get(TrackInfoTag::DurationMs))
            .map(|ms| ms as f64 / 1000.0)
            .filter(|d| *d > 0.0),
        gps: t.gps_info().and_then(gps_of),
        ..MediaInfo::default()
    };
    if let Some(EntryValue::DateTime(d)) = t.get(TrackInfoTag::CreateDate) {
        // An `mvhd` creation time of 0 is "not set": 1904-01-01, the QuickTime epoch.
        if d.year() > 1904 {
            // nom-exif prefers `com.apple.quicktime.creationdate` (local time with offset) over
            // `mvhd` (UTC); a non-zero offset can only have come from the former.
            let from = if d.offset().local_minus_utc() != 0 {
                "QuickTime com.apple.quicktime.creationdate"
            } else {
                "QuickTime/MP4 creation time (mvhd or creationdate, UTC)"
            };
            set_time(
                &mut info,
                d.naive_local(),
                Some(*d.offset()),
                from.to_string(),
            );
        }
    }
    info
}

/// A warning about a capture time, shown on `add` and `show` and carried into bundles.
pub fn time_warnings(info: &MediaInfo, added_at: &DateTime<Utc>) -> Vec<String> {
    let mut w = Vec::new();
    let Some(local) = info.captured_local() else {
        w.push(match &info.error {
            Some(e) => format!("capture time unknown: {e}"),
            None => "no capture time in the file".to_string(),
        });
        return w;
    };
    let date = local.date();
    let defaults = [
        (1998, 1, 1),
        (2000, 1, 1),
        (2001, 1, 1),
        (2002, 1, 1),
        (1970, 1, 1),
        (1980, 1, 1),
    ];
    if defaults
        .iter()
        .any(|&(y, m, d)| date.year() == y && date.month() == m && date.day() == d)
    {
        w.push(format!(
            "capture time {} is a camera's default date: its clock was not set",
            date
        ));
    } else if date.year() < 2005 {
        w.push(format!(
            "capture time {} is before 2005: the camera clock is probably wrong",
            date
        ));
    }
    // With no offset the wall-clock time could be anywhere from UTC-12 to UTC+14.
    let (utc, slack) = match info.captured_utc() {
        Some(t) => (t, chrono::Duration::minutes(2)),
        None => (local.and_utc(), chrono::Duration::hours(14)),
    };
    if utc > *added_at + slack {
        w.push(format!(
            "captured {} after it was added: the camera clock is ahead, or the time was edited",
            human_span(utc - *added_at)
        ));
    } else if *added_at - utc > chrono::Duration::days(30) + slack {
        w.push(format!(
            "captured {} before it was added (more than 30 days): is this photo from this order?",
            human_span(*added_at - utc)
        ));
    }
    w
}

/// The flag for a packing photo taken after the parcel was already with the carrier. `scan` is the
/// parcel's first carrier scan and whether its time had no offset.
pub fn after_first_scan(info: &MediaInfo, scan: (DateTime<Utc>, bool)) -> Option<String> {
    let local = info.captured_local()?;
    let (captured, naive) = match info.captured_utc() {
        Some(t) => (t, false),
        None => (local.and_utc(), true),
    };
    let slack = if naive || scan.1 {
        chrono::Duration::hours(14)
    } else {
        chrono::Duration::minutes(2)
    };
    (captured > scan.0 + slack).then(|| {
        format!(
            "captured {} after the parcel's first carrier scan ({}): not a packing photo?",
            human_span(captured - scan.0),
            scan.0.format("%Y-%m-%d %H:%MZ")
        )
    })
}

/// A long duration for people: whole days, else hours, else minutes.
pub fn human_span(d: chrono::Duration) -> String {
    let d = d.abs();
    if d.num_days() >= 2 {
        format!("{} days", d.num_days())
    } else if d.num_hours() >= 2 {
        format!("{} hours", d.num_hours())
    } else {
        format!("{} minutes", d.num_minutes().max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn info(captured: &str, naive: bool) -> MediaInfo {
        MediaInfo {
            captured_at: Some(captured.into()),
            captured_at_naive: naive,
            ..MediaInfo::default()
        }
    }

    #[test]
    fn sane_times_give_no_warning() {
        let added = at("2026-11-18T03:00:00Z");
        assert!(time_warnings(&info("2026-11-18T10:05:02+08:00", false), &added).is_empty());
        assert!(
            time_warnings(&info("2026-11-18T10:05:02", true), &added).is_empty(),
            "naive: +14 h slack"
        );
    }

    #[test]
    fn wrong_clocks_are_flagged() {
        let added = at("2026-11-18T03:00:00Z");
        let w = |c: &str, n: bool| time_warnings(&info(c, n), &added).join("; ");
        assert!(w("2000-01-01T00:03:00", true).contains("default date"));
        assert!(w("2003-06-01T12:00:00+02:00", false).contains("before 2005"));
        assert!(w("2026-11-18T12:00:00+08:00", false).contains("after it was added"));
        // A far-future date (a clock set wrong, or an edited file), with no zone to go by.
        let far = w("2099-01-01T00:00:00", true);
        assert!(far.contains("26341 days after it was added"), "{far}");
        assert!(w("2026-09-01T12:00:00+08:00", false).contains("more than 30 days"));
        assert!(time_warnings(&MediaInfo::default(), &added)[0].contains("no capture time"));
    }

    #[test]
    fn heif_boxes_are_bounds_checked() {
        // A box claiming more bytes than there are, a zero-size header, garbage: no panic, no size.
        assert!(next_box(&[0, 0, 0, 200, b'm', b'e', b't', b'a']).is_none());
        assert!(next_box(&[0, 0, 0, 4, b'x', b'x', b'x', b'x']).is_none());
        assert!(
            next_box(&[
                0, 0, 0, 1, b'f', b't', b'y', b'p', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ])
            .is_none()
        );
        assert!(find_box(b"garbage", b"meta").is_none());
        let mut ispe = vec![0, 0, 0, 20];
        ispe.extend_from_slice(b"ispe");
        ispe.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x0a, 0x06, 0, 0, 0x0c, 0xf1]);
        let (k, body, rest) = next_box(&ispe).unwrap();
        assert_eq!((&k, body.len(), rest.len()), (b"ispe", 12, 0));
    }

    #[test]
    fn cameras_are_named_once() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(camera(s("Canon"), s("Canon EOS 40D")), s("Canon EOS 40D"));
        assert_eq!(camera(s("Apple"), s("iPhone X")), s("Apple iPhone X"));
        assert_eq!(camera(None, s("X")), s("X"));
    }
}

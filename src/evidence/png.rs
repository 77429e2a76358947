//! The dates of a PNG's own chunks: the `Creation Time` text keyword (`tEXt`, or uncompressed
//! `iTXt`) that screenshot tools and exiftool write, and `tIME`, the last modification. (EXIF in
//! `eXIf` is read by the metadata crate, XMP in `iTXt` by [`super::xmp`].)
//!
//! The PNG specification recommends RFC 1123 dates for `Creation Time`, but writers use what they
//! like: RFC 2822, ISO 8601 and exiftool's `YYYY:MM:DD HH:MM:SS[±HH:MM]` are read.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::xmp::XmpDate;

/// What `captured_from` records for each.
pub const CREATION_TIME: &str = "PNG Creation Time";
pub const MODIFIED: &str = "PNG tIME (last modified)";

/// The dates in `head` (a PNG's first bytes): `Creation Time`, then `tIME`.
pub fn dates_in(head: &[u8]) -> Vec<(&'static str, XmpDate)> {
    let Some(mut rest) = head.strip_prefix(b"\x89PNG\r\n\x1a\n") else {
        return Vec::new();
    };
    let (mut created, mut modified) = (None, None);
    while rest.len() >= 12 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = &rest[4..8];
        let Some(data) = rest.get(8..8usize.saturating_add(len)) else {
            break;
        };
        match kind {
            b"tEXt" if created.is_none() => {
                if let Some(v) = data.strip_prefix(b"Creation Time\0") {
                    created = parse_text_date(&String::from_utf8_lossy(v));
                }
            }
            // keyword\0, compression flag, method, language\0, translated keyword\0, text.
            b"iTXt" if created.is_none() => {
                if let Some(v) = data.strip_prefix(b"Creation Time\0\0")
                    && let Some(text) = v.get(1..).and_then(|v| after_nuls(v, 2))
                {
                    created = parse_text_date(&String::from_utf8_lossy(text));
                }
            }
            b"tIME" if data.len() == 7 => {
                modified = NaiveDate::from_ymd_opt(
                    i32::from(u16::from_be_bytes([data[0], data[1]])),
                    u32::from(data[2]),
                    u32::from(data[3]),
                )
                .and_then(|d| {
                    d.and_hms_opt(u32::from(data[4]), u32::from(data[5]), u32::from(data[6]))
                })
                // tIME is UTC by the specification.
                .map(|naive| XmpDate {
                    naive,
                    offset: chrono::FixedOffset::east_opt(0),
                    date_only: false,
                });
            }
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        rest = rest.get(12usize.saturating_add(len)..).unwrap_or_default();
    }
    let mut out = Vec::new();
    out.extend(created.map(|d| (CREATION_TIME, d)));
    out.extend(modified.map(|d| (MODIFIED, d)));
    out
}

/// What follows the `n`th NUL byte.
fn after_nuls(mut v: &[u8], n: usize) -> Option<&[u8]> {
    for _ in 0..n {
        v = &v[memchr::memchr(0, v)? + 1..];
    }
    Some(v)
}

fn parse_text_date(s: &str) -> Option<XmpDate> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc2822(s).or_else(|_| DateTime::parse_from_rfc3339(s)) {
        return Some(XmpDate {
            naive: t.naive_local(),
            offset: Some(*t.offset()),
            date_only: false,
        });
    }
    // exiftool's form, or ISO 8601 without a zone; an offset after it when written.
    let (clock, zone) = match s.get(19..) {
        Some(z) if !z.is_empty() => (&s[..19], crate::time::parse_offset(z.trim())),
        _ => (s, None),
    };
    let naive = [
        "%Y:%m:%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(clock, f).ok())?;
    Some(XmpDate {
        naive,
        offset: zone,
        date_only: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend([0; 4]); // the CRC is not checked here
        c
    }

    fn png(chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend(chunk(b"IHDR", &[0; 13]));
        for c in chunks {
            p.extend(c);
        }
        p.extend(chunk(b"IDAT", &[0; 4]));
        p
    }

    #[test]
    fn creation_time_in_the_forms_writers_use() {
        for (text, want, offset) in [
            ("2026:11:20 10:00:05", "2026-11-20 10:00:05", None),
            (
                "2026:11:20 10:00:05+08:00",
                "2026-11-20 10:00:05",
                Some(8 * 3600),
            ),
            (
                "Fri, 20 Nov 2026 10:00:05 +0100",
                "2026-11-20 10:00:05",
                Some(3600),
            ),
            ("2026-11-20T10:00:05Z", "2026-11-20 10:00:05", Some(0)),
            ("2026-11-20T10:00:05", "2026-11-20 10:00:05", None),
        ] {
            let d = dates_in(&png(&[chunk(
                b"tEXt",
                format!("Creation Time\0{text}").as_bytes(),
            )]));
            assert_eq!(d.len(), 1, "{text}");
            assert_eq!(d[0].1.naive.to_string(), want, "{text}");
            assert_eq!(d[0].1.offset.map(|o| o.local_minus_utc()), offset, "{text}");
        }
        let itxt = chunk(b"iTXt", b"Creation Time\0\0\0en\0\x002026:11:20 10:00:05");
        assert_eq!(dates_in(&png(&[itxt]))[0].0, CREATION_TIME);
        assert!(dates_in(&png(&[chunk(b"tEXt", b"Creation Time\0yesterday")])).is_empty());
    }

    #[test]
    fn time_chunk_is_utc_and_comes_after_creation() {
        let time = chunk(b"tIME", &[0x07, 0xEA, 11, 20, 2, 0, 5]);
        let text = chunk(b"tEXt", b"Creation Time\x002026:11:20 10:00:05");
        let d = dates_in(&png(&[time, text]));
        assert_eq!(d[0].0, CREATION_TIME);
        assert_eq!(d[1].0, MODIFIED);
        assert_eq!(d[1].1.naive.to_string(), "2026-11-20 02:00:05");
        assert_eq!(d[1].1.offset.map(|o| o.local_minus_utc()), Some(0));
    }

    #[test]
    fn chunks_cut_or_lying_about_their_length_end_the_walk() {
        let p = png(&[chunk(b"tEXt", b"Creation Time\x002026:11:20 10:00:05")]);
        for cut in 0..p.len() {
            let _ = dates_in(&p[..cut]);
        }
        let mut p = png(&[]);
        p[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(dates_in(&p).is_empty());
        assert!(dates_in(&png(&[chunk(b"tIME", &[0xFF, 0xFF, 13, 40, 25, 61, 61])])).is_empty());
    }
}

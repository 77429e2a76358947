//! The dates of an XMP packet (Adobe's RDF/XML metadata, embedded as-is in JPEG APP1, TIFF tag
//! 700, PNG iTXt, WebP `XMP ` chunks and HEIF items): `exif:DateTimeOriginal`,
//! `photoshop:DateCreated`, `xmp:CreateDate` (`xap:` in older packets) and `xmp:ModifyDate`,
//! written as attributes (`xmp:CreateDate="…"`) or as elements (`<xmp:CreateDate>…<`).
//!
//! Hand-written on purpose: only these four properties are read, the packet is found by its
//! `<x:xmpmeta` marker in the file's first bytes, and a scanner that never allocates more than
//! the packet cannot be made to build a tree from hostile input. Namespace prefixes other than the
//! conventional ones are not resolved.

use std::io::Read;
use std::path::Path;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime};

/// Bytes of a file searched for a packet (XMP sits in a photo's header).
pub const SEARCH: u64 = 256 << 10;
/// Largest packet read.
const MAX_PACKET: usize = 1 << 20;

/// A date as XMP writes it (ISO 8601, any precision): the wall time, its offset when written,
/// and whether the time of day was written at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct XmpDate {
    pub naive: NaiveDateTime,
    pub offset: Option<FixedOffset>,
    pub date_only: bool,
}

/// The dates found, by property; the names are those `captured_from` records.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct XmpDates {
    pub dates: Vec<(&'static str, XmpDate)>,
}

impl XmpDates {
    pub fn get(&self, name: &str) -> Option<XmpDate> {
        self.dates.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
    }
}

/// Creation properties, most specific first, and the property each is recorded as.
const PROPERTIES: &[(&[&str], &str)] = &[
    (&["exif:DateTimeOriginal"], "XMP exif:DateTimeOriginal"),
    (&["photoshop:DateCreated"], "XMP photoshop:DateCreated"),
    (&["xmp:CreateDate", "xap:CreateDate"], "XMP xmp:CreateDate"),
    (&["xmp:ModifyDate", "xap:ModifyDate"], "XMP xmp:ModifyDate"),
];

/// Where a photo keeps its XMP packet and IPTC block, empty when the file cannot be read: a JPEG's
/// segments before its image data (`SOS`), else the first [`SEARCH`] bytes. The flag is true when
/// the bytes are a JPEG's whole header, so that EXIF can be read from them too.
pub fn head(path: &Path) -> (Vec<u8>, bool) {
    let Ok(mut f) = std::fs::File::open(path) else {
        return (Vec::new(), false);
    };
    let mut head = Vec::new();
    // A header's segments are usually a few KiB: read 16 KiB, then more only as they say.
    let mut want = 16 << 10;
    loop {
        let have = head.len() as u64;
        match (&mut f).take(want - have).read_to_end(&mut head) {
            Ok(_) => {}
            Err(_) => return (Vec::new(), false),
        }
        let short = (head.len() as u64) < want;
        match jpeg_header_end(&head) {
            Some(Ok(end)) => {
                head.truncate(end);
                return (head, true);
            }
            Some(Err(need)) if !short && need <= SEARCH => want = need.max(want * 2).min(SEARCH),
            _ if !short && want < SEARCH => want = SEARCH,
            _ => return (head, false),
        }
    }
}

/// Where a JPEG's header ends (the offset of its `SOS` marker), or how many bytes are needed to
/// go on; None when `bytes` are not a JPEG or its segments do not add up.
fn jpeg_header_end(bytes: &[u8]) -> Option<Result<usize, u64>> {
    if !bytes.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut at = 2usize;
    loop {
        let (Some(&ff), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Some(Err(at as u64 + 4));
        };
        if ff != 0xff {
            return None;
        }
        match marker {
            0xda => return Some(Ok(at)),
            0xff => at += 1, // fill bytes
            0x01 | 0xd0..=0xd7 => at += 2,
            0xd9 => return None,
            _ => {
                let Some(len) = bytes.get(at + 2..at + 4) else {
                    return Some(Err(at as u64 + 4));
                };
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len < 2 {
                    return None;
                }
                at += 2 + len;
            }
        }
    }
}

/// The XMP dates in `bytes` (a packet, or a file holding one).
pub fn dates_in(bytes: &[u8]) -> XmpDates {
    let Some(start) = memchr::memmem::find(bytes, b"<x:xmpmeta") else {
        return XmpDates::default();
    };
    let rest = &bytes[start..];
    let end = memchr::memmem::find(rest, b"</x:xmpmeta>")
        .map_or(rest.len(), |e| e + 12)
        .min(MAX_PACKET);
    let packet = String::from_utf8_lossy(&rest[..end]);
    let mut out = XmpDates::default();
    for (names, recorded) in PROPERTIES {
        if let Some(d) = names
            .iter()
            .find_map(|n| value_of(&packet, n))
            .and_then(|v| parse_date(&v))
        {
            out.dates.push((recorded, d));
        }
    }
    out
}

/// The text of property `name`: `name="v"` (or `'v'`), or `<name>v</name>`, or the first
/// `<rdf:li>` of `<name><rdf:Seq>…` (how some writers put dates).
fn value_of(packet: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = packet[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before = packet[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_whitespace() || c == '<') {
            continue;
        }
        let after = &packet[at + name.len()..];
        if before == Some('<') {
            // Element: <name ...>value</name>
            let Some(gt) = after.find('>') else { continue };
            if after[..gt].ends_with('/') {
                continue;
            }
            let body = &after[gt + 1..];
            let close = body.find(&format!("</{name}")).unwrap_or(body.len());
            let inner = &body[..close];
            let text = match inner.find("<rdf:li") {
                Some(li) => {
                    let li = &inner[li..];
                    let s = li.find('>')? + 1;
                    let e = li.find("</rdf:li").unwrap_or(li.len());
                    li.get(s..e)?
                }
                None => inner,
            };
            let t = text.trim();
            if !t.is_empty() && !t.contains('<') {
                return Some(t.to_string());
            }
        } else {
            let a = after.trim_start();
            let Some(a) = a.strip_prefix('=') else {
                continue;
            };
            let a = a.trim_start();
            let q = a.chars().next()?;
            if q != '"' && q != '\'' {
                continue;
            }
            let v = &a[1..];
            return Some(v[..v.find(q)?].trim().to_string());
        }
    }
    None
}

/// ISO 8601 as XMP writes it: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.s]]` with
/// `Z` or `±hh:mm` or nothing. A year or a month alone is too coarse to be a capture time.
pub fn parse_date(v: &str) -> Option<XmpDate> {
    let v = v.trim();
    let (date, time) = match v.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (v, None),
    };
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let Some(time) = time else {
        return Some(XmpDate {
            naive: d.and_hms_opt(0, 0, 0)?,
            offset: None,
            date_only: true,
        });
    };
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
        (c, FixedOffset::east_opt(0))
    } else if let Some(i) = time.rfind(['+', '-']) {
        (&time[..i], crate::time::parse_offset(&time[i..]))
    } else {
        (time, None)
    };
    let t = ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveTime::parse_from_str(clock, f).ok())?;
    Some(XmpDate {
        naive: d.and_time(t),
        offset,
        date_only: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG: SOI, an APPn segment of `app` bytes of body, a DQT, then SOS and image data.
    fn jpeg(app: usize) -> Vec<u8> {
        let mut j = vec![0xff, 0xd8, 0xff, 0xe1];
        j.extend(u16::try_from(app + 2).unwrap().to_be_bytes());
        j.extend(std::iter::repeat_n(b'x', app));
        j.extend([0xff, 0xff, 0xdb, 0, 4, 1, 2]); // a fill byte, then DQT
        j.extend([0xff, 0xda, 0, 2]);
        j.extend(std::iter::repeat_n(0x55, 100_000));
        j
    }

    #[test]
    fn a_jpeg_header_is_read_up_to_its_image_data_however_long_its_segments() {
        for app in [10, 20_000, 65_000] {
            let j = jpeg(app);
            let sos = j.len() - 100_004;
            assert_eq!(jpeg_header_end(&j), Some(Ok(sos)));
            // Cut inside the segment: the reader is told how far to read.
            assert!(matches!(jpeg_header_end(&j[..app / 2 + 4]), Some(Err(n)) if n >= 8));
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.jpg");
            std::fs::write(&path, &j).unwrap();
            let (head, whole) = head(&path);
            assert!(whole, "{app}");
            assert_eq!(head, j[..sos]);
        }
        // Not a JPEG, a marker without its 0xFF, an end of image before any data: no header.
        assert_eq!(jpeg_header_end(b"\x89PNG\r\n"), None);
        assert_eq!(jpeg_header_end(&[0xff, 0xd8, 0x12, 0xe1]), None);
        assert_eq!(jpeg_header_end(&[0xff, 0xd8, 0xff, 0xd9]), None);
        assert_eq!(jpeg_header_end(&[0xff, 0xd8, 0xff, 0xe1, 0, 1]), None);
    }

    #[test]
    fn other_files_and_headers_past_the_search_limit_give_the_first_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        std::fs::write(&png, vec![7u8; 300 << 10]).unwrap();
        let (head_bytes, whole) = head(&png);
        assert!(!whole);
        assert_eq!(head_bytes.len() as u64, SEARCH);
        // Five 65 KB segments: more than the search limit before the image data.
        let mut j = vec![0xff, 0xd8];
        for _ in 0..5 {
            j.extend([0xff, 0xe2, 0xff, 0xff]);
            j.extend(std::iter::repeat_n(b'y', 0xfffd));
        }
        j.extend([0xff, 0xda, 0, 2, 0]);
        let long = dir.path().join("long.jpg");
        std::fs::write(&long, &j).unwrap();
        let (head_bytes, whole) = head(&long);
        assert!(!whole);
        assert_eq!(head_bytes.len() as u64, SEARCH);
        assert!(head(&dir.path().join("missing.jpg")).0.is_empty());
    }

    #[test]
    fn attributes_elements_and_sequences() {
        let packet = br#"junk<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description
            xmp:ModifyDate="2011-09-23T14:00:00+02:00" xap:CreateDate='2011-09-23T12:43:03Z'>
            <photoshop:DateCreated>2003-08-31</photoshop:DateCreated>
            <exif:DateTimeOriginal><rdf:Seq><rdf:li>2010-04-13T09:37:22.50+02:00</rdf:li></rdf:Seq></exif:DateTimeOriginal>
            </rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let d = dates_in(packet);
        let c = d.get("XMP xmp:CreateDate").unwrap();
        assert_eq!(c.naive.to_string(), "2011-09-23 12:43:03");
        assert_eq!(c.offset, FixedOffset::east_opt(0));
        let p = d.get("XMP photoshop:DateCreated").unwrap();
        assert!(p.date_only && p.offset.is_none());
        let o = d.get("XMP exif:DateTimeOriginal").unwrap();
        assert_eq!(o.naive.to_string(), "2010-04-13 09:37:22.500");
        assert_eq!(o.offset, FixedOffset::east_opt(7200));
        assert_eq!(
            d.get("XMP xmp:ModifyDate").unwrap().offset,
            FixedOffset::east_opt(7200)
        );
    }

    #[test]
    fn no_packet_or_a_broken_one_gives_nothing() {
        assert!(dates_in(b"no xmp here").dates.is_empty());
        assert!(
            dates_in(b"<x:xmpmeta xmp:CreateDate=\"garbage\" xmp:CreateDate=")
                .dates
                .is_empty()
        );
        assert!(dates_in(b"<x:xmpmeta <xmp:CreateDate>").dates.is_empty());
        assert_eq!(parse_date("2011"), None);
        assert_eq!(parse_date("2011-09-23T25:00:00"), None);
    }
}

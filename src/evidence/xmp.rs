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

/// The first [`SEARCH`] bytes of a file, where a photo keeps its XMP packet and IPTC block;
/// empty when it cannot be read.
pub fn head(path: &Path) -> Vec<u8> {
    let mut head = Vec::new();
    if std::fs::File::open(path)
        .and_then(|f| f.take(SEARCH).read_to_end(&mut head))
        .is_err()
    {
        head.clear();
    }
    head
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

//! The creation dates of IPTC-IIM, the press photographers' metadata that Photoshop, Lightroom,
//! photo desks and many shop-photo tools write into a JPEG's APP13 segment (`Photoshop 3.0`,
//! image resource `0x0404`): `2:55 DateCreated` (`CCYYMMDD`) with `2:60 TimeCreated`
//! (`HHMMSS±HHMM`), else `2:62 DigitalCreationDate` with `2:63 DigitalCreationTime`. exiftool
//! shows the pairs as `Composite:DateTimeCreated` and `Composite:DigitalCreationDateTime`.
//!
//! Hand-written: two records of a fixed layout are read, every length is checked against the
//! segment, and nothing is allocated for the data sets skipped.

use chrono::{FixedOffset, NaiveDate, NaiveTime};

use super::xmp::XmpDate;

/// The IPTC creation dates in `head` (a JPEG's first bytes), most specific first, named as
/// `captured_from` records them (a date without its time is flagged `date_only`).
pub fn dates_in(head: &[u8]) -> Vec<(&'static str, XmpDate)> {
    let Some(iim) = iptc_resource(head) else {
        return Vec::new();
    };
    let (mut created, mut digital) = ([None, None], [None, None]);
    for (record, dataset, value) in datasets(iim) {
        match (record, dataset) {
            (2, 55) => created[0] = Some(value),
            (2, 60) => created[1] = Some(value),
            (2, 62) => digital[0] = Some(value),
            (2, 63) => digital[1] = Some(value),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (pair, both, date_only) in [
        (created, "IPTC DateCreated+TimeCreated", "IPTC DateCreated"),
        (
            digital,
            "IPTC DigitalCreationDate+DigitalCreationTime",
            "IPTC DigitalCreationDate",
        ),
    ] {
        let Some(date) = pair[0].and_then(parse_date) else {
            continue;
        };
        match pair[1].and_then(parse_time) {
            Some((time, offset)) => out.push((
                both,
                XmpDate {
                    naive: date.and_time(time),
                    offset,
                    date_only: false,
                },
            )),
            None => out.push((
                date_only,
                XmpDate {
                    naive: date.and_time(NaiveTime::MIN),
                    offset: None,
                    date_only: true,
                },
            )),
        }
    }
    out
}

/// The IPTC-NAA block (resource `0x0404`) of the first APP13 `Photoshop 3.0` segment.
fn iptc_resource(head: &[u8]) -> Option<&[u8]> {
    const SIG: &[u8] = b"Photoshop 3.0\0";
    let at = memchr::memmem::find(head, SIG)?;
    // FF ED, then the segment's length (which counts its own two bytes).
    if at < 4 || head[at - 4..at - 2] != [0xFF, 0xED] {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([head[at - 2], head[at - 1]]));
    let segment = head.get(at..(at - 2).checked_add(len)?)?;
    let mut rest = segment.get(SIG.len()..)?;
    // Image resources: `8BIM`, id (u16), a Pascal name padded to even, size (u32), data padded.
    while rest.len() >= 12 && rest.starts_with(b"8BIM") {
        let id = u16::from_be_bytes([rest[4], rest[5]]);
        let name_len = usize::from(rest[6]);
        let name_total = (1 + name_len).next_multiple_of(2);
        let size_at = 6 + name_total;
        let size = u32::from_be_bytes(rest.get(size_at..size_at + 4)?.try_into().ok()?);
        let size = usize::try_from(size).ok()?;
        let data_at = size_at + 4;
        let data = rest.get(data_at..data_at.checked_add(size)?)?;
        if id == 0x0404 {
            return Some(data);
        }
        rest = rest
            .get(data_at + size.next_multiple_of(2)..)
            .unwrap_or_default();
    }
    None
}

/// IIM data sets: tag marker 0x1C, record, data set, length (u16; extended lengths are not used
/// for dates and end the walk), value.
fn datasets(mut iim: &[u8]) -> impl Iterator<Item = (u8, u8, &[u8])> {
    std::iter::from_fn(move || {
        let [0x1C, record, dataset, hi, lo, ..] = *iim else {
            return None;
        };
        if hi & 0x80 != 0 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        let value = iim.get(5..5 + len)?;
        iim = &iim[5 + len..];
        Some((record, dataset, value))
    })
}

/// `CCYYMMDD`; zeros (an unknown date) are none.
fn parse_date(v: &[u8]) -> Option<NaiveDate> {
    let s = std::str::from_utf8(v).ok()?.trim_matches(['\0', ' ']);
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        s[..4].parse().ok()?,
        s[4..6].parse().ok()?,
        s[6..].parse().ok()?,
    )
    .filter(|d| chrono::Datelike::year(d) > 0)
}

/// `HHMMSS±HHMM` (IIM 4.2), or `HHMMSS` and `HH:MM:SS±HH:MM` as some writers put it.
fn parse_time(v: &[u8]) -> Option<(NaiveTime, Option<FixedOffset>)> {
    let s: String = std::str::from_utf8(v)
        .ok()?
        .trim_matches(['\0', ' '])
        .chars()
        .filter(|&c| c != ':')
        .collect();
    if s.len() < 6 || !s.is_char_boundary(6) {
        return None;
    }
    let (clock, zone) = s.split_at(6);
    if !clock.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let time = NaiveTime::from_hms_opt(
        clock[..2].parse().ok()?,
        clock[2..4].parse().ok()?,
        clock[4..].parse().ok()?,
    )?;
    let offset = match zone {
        "" => None,
        z => {
            let sign = match z.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits = &z[1..];
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let mins: i32 =
                digits[..2].parse::<i32>().ok()? * 60 + digits[2..].parse::<i32>().ok()?;
            if mins > 14 * 60 {
                return None;
            }
            Some(FixedOffset::east_opt(sign * mins * 60)?)
        }
    };
    Some((time, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An APP13 segment as Photoshop writes it, with these IIM data sets.
    pub(crate) fn app13(sets: &[(u8, u8, &[u8])]) -> Vec<u8> {
        let mut iim = Vec::new();
        for (r, d, v) in sets {
            iim.extend([0x1C, *r, *d]);
            iim.extend((v.len() as u16).to_be_bytes());
            iim.extend(*v);
        }
        let mut res = b"Photoshop 3.0\0".to_vec();
        // A resource before IPTC's, with a name, to walk past.
        res.extend(b"8BIM\x03\xed\x03abc\x00\x00\x00\x03xyz\x00");
        res.extend(b"8BIM\x04\x04\x00\x00");
        res.extend((iim.len() as u32).to_be_bytes());
        res.extend(&iim);
        if iim.len() % 2 == 1 {
            res.push(0);
        }
        let mut seg = vec![0xFF, 0xD8, 0xFF, 0xED];
        seg.extend(((res.len() + 2) as u16).to_be_bytes());
        seg.extend(res);
        seg
    }

    #[test]
    fn date_and_time_created_with_their_offset() {
        let head = app13(&[
            (2, 0, b"\x00\x04"),
            (2, 55, b"20261120"),
            (2, 60, b"100002+0800"),
            (2, 62, b"20261121"),
        ]);
        let d = dates_in(&head);
        assert_eq!(d[0].0, "IPTC DateCreated+TimeCreated");
        assert_eq!(d[0].1.naive.to_string(), "2026-11-20 10:00:02");
        assert_eq!(d[0].1.offset, FixedOffset::east_opt(8 * 3600));
        assert_eq!(d[1].0, "IPTC DigitalCreationDate");
        assert!(d[1].1.date_only);
    }

    #[test]
    fn colons_a_missing_zone_and_a_negative_one() {
        assert_eq!(
            parse_time(b"10:00:02-05:30"),
            Some((
                NaiveTime::from_hms_opt(10, 0, 2).unwrap(),
                FixedOffset::west_opt(5 * 3600 + 1800)
            ))
        );
        assert_eq!(parse_time(b"235959").unwrap().1, None);
        assert_eq!(parse_time(b"2359"), None);
        assert_eq!(parse_time(b"250000"), None);
        assert_eq!(parse_time(b"100000+2500"), None);
        assert_eq!(parse_date(b"00000000"), None);
        assert_eq!(parse_date(b"2026113"), None);
    }

    #[test]
    fn lengths_past_the_segment_are_not_followed() {
        let mut head = app13(&[(2, 55, b"20261120")]);
        // Claim a longer IIM block than the segment holds.
        let at = memchr::memmem::find(&head, b"8BIM\x04\x04").unwrap();
        head[at + 8..at + 12].copy_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        assert!(dates_in(&head).is_empty());
        // Cut in the middle of a data set.
        let head = app13(&[(2, 55, b"20261120")]);
        for cut in 0..head.len() {
            let _ = dates_in(&head[..cut]);
        }
        // A segment length shorter than its signature.
        let mut head = app13(&[(2, 55, b"20261120")]);
        head[4..6].copy_from_slice(&3u16.to_be_bytes());
        assert!(dates_in(&head).is_empty());
    }
}

//! Time helpers shared by every layer: the ledger's RFC 3339 form, where a time of any form
//! sorts, UTC offsets, and short forms for people.
//!
//! Times come in two kinds: instants (RFC 3339 with an offset or `Z`, as the ledger, carriers and
//! most exports write them) and local times written without a zone (EXIF without `OffsetTime`,
//! chat exports), kept as naive ISO forms `2026-11-18T09:41:00`. Sorting reads a local time as
//! UTC; nothing here guesses a zone.

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, SecondsFormat, TimeZone, Utc,
};
use serde::{Serialize, Serializer};

/// The RFC 3339 form used in ledgers: UTC, millisecond precision, `Z`.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Where a time from any source sorts among others: an RFC 3339 time by its instant; a naive
/// local time (`2026-11-18T09:41:00`, with or without fractional seconds, as EXIF and chat exports
/// give them) read as UTC; anything unreadable first.
pub fn sort_key(t: &str) -> NaiveDateTime {
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f"))
        .unwrap_or_default()
}

/// A time as a source gave it, and what it means: an instant (the source gave a UTC offset, or the
/// time is UTC) or a local wall-clock time written without a zone (EXIF without `OffsetTime`,
/// most chat exports, some carriers). The text is kept exactly as vault first wrote it, so that
/// reports and bundles stay byte for byte what they were; the meaning is parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    text: String,
    at: At,
}

/// What a [`Timestamp`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Instant(DateTime<FixedOffset>),
    /// Wall-clock time, zone unknown.
    Local(NaiveDateTime),
}

impl Timestamp {
    /// An instant, written in RFC 3339 at `precision` (`Z` for UTC).
    pub fn instant(t: DateTime<FixedOffset>, precision: SecondsFormat) -> Timestamp {
        Timestamp {
            text: t.to_rfc3339_opts(precision, true),
            at: At::Instant(t),
        }
    }

    /// An instant in chrono's default RFC 3339 form (`+00:00`, fractions only when present).
    pub fn rfc3339(t: DateTime<FixedOffset>) -> Timestamp {
        Timestamp {
            text: t.to_rfc3339(),
            at: At::Instant(t),
        }
    }

    /// A local time without a zone, written `YYYY-MM-DDTHH:MM:SS`.
    pub fn local(t: NaiveDateTime) -> Timestamp {
        Timestamp {
            text: t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            at: At::Local(t),
        }
    }

    /// Read a time vault wrote: RFC 3339 (an instant) or `YYYY-MM-DDTHH:MM:SS[.f]` (local). The
    /// text is kept as given.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let at = match DateTime::parse_from_rfc3339(text) {
            Ok(t) => At::Instant(t),
            Err(_) => At::Local(NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?),
        };
        Some(Timestamp {
            text: text.to_string(),
            at,
        })
    }

    /// Read `text` as an instant when `naive` is false, else as a local time (the form the
    /// ledger and `--json` write: the text and a `…_naive` flag). `None` when it does not parse
    /// as that.
    pub fn from_parts(text: &str, naive: bool) -> Option<Timestamp> {
        Timestamp::parse(text).filter(|t| t.has_offset() != naive)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn at(&self) -> At {
        self.at
    }

    /// Whether the source gave a UTC offset (an instant), not a bare wall-clock time.
    pub fn has_offset(&self) -> bool {
        matches!(self.at, At::Instant(_))
    }

    /// The instant, when the offset is known.
    pub fn utc(&self) -> Option<DateTime<Utc>> {
        match self.at {
            At::Instant(t) => Some(t.with_timezone(&Utc)),
            At::Local(_) => None,
        }
    }

    /// The wall-clock time as the source showed it (in its own offset for an instant).
    pub fn wall_clock(&self) -> NaiveDateTime {
        match self.at {
            At::Instant(t) => t.naive_local(),
            At::Local(t) => t,
        }
    }

    /// Where it sorts among others: an instant by its UTC time, a local time read as UTC (as
    /// [`sort_key`] does for text).
    pub fn sort_key(&self) -> NaiveDateTime {
        match self.at {
            At::Instant(t) => t.naive_utc(),
            At::Local(t) => t,
        }
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A timestamp as chat messages and carrier events serialize it: `time` (the text) and, for a
/// local time without a zone, `time_naive: true`. Flatten it into a wire struct.
#[derive(Serialize)]
pub struct TimeFields<'a> {
    time: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    time_naive: bool,
}

impl Timestamp {
    pub fn fields(&self) -> TimeFields<'_> {
        TimeFields {
            time: &self.text,
            time_naive: !self.has_offset(),
        }
    }
}

/// Compares the text as written.
impl PartialEq<&str> for Timestamp {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// An RFC 3339 instant, or a bare date `2026-11-20` read as its midnight UTC.
pub fn parse_instant_or_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// `+08:00`, `-05:30`, `UTC`/`Z`: a fixed UTC offset (at most 14 hours, as real zones are).
pub fn parse_offset(s: &str) -> Option<FixedOffset> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..=59).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// `2026-11-22T08:55:09.123Z` → `2026-11-22 08:55:09Z`; anything else as it is.
pub fn short_time(s: &str) -> String {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&Utc)
            .format("%Y-%m-%d %H:%M:%SZ")
            .to_string(),
        Err(_) => s.to_string(),
    }
}

/// The zone chat times without one are read in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Fixed(FixedOffset),
    Named(chrono_tz::Tz),
}

impl Zone {
    pub fn parse(s: &str) -> std::result::Result<Zone, String> {
        let s = s.trim();
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        parse_offset(s).map(Zone::Fixed).ok_or_else(|| {
            format!("{s:?} is not a time zone: give an IANA name such as Asia/Shanghai or Europe/Berlin, or an offset such as +08:00")
        })
    }

    /// The zone's UTC offset at the instant `t`.
    pub fn offset_at(&self, t: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Fixed(o) => *o,
            Zone::Named(tz) => tz.offset_from_utc_datetime(&t.naive_utc()).fix(),
        }
    }

    /// What to record as the zone assumed for these local times: the UTC offset when it is the
    /// same for all of them (`+08:00`), else the zone's name with the offsets it had
    /// (`Europe/Berlin (+01:00, +02:00)`: daylight saving time began or ended in between).
    pub fn assumed_for(&self, times: impl Iterator<Item = NaiveDateTime>) -> String {
        let tz = match self {
            Zone::Fixed(o) => return o.to_string(),
            Zone::Named(tz) => tz,
        };
        let mut offsets: Vec<FixedOffset> = times
            .map(|t| {
                tz.offset_from_local_datetime(&t).earliest().map_or_else(
                    // A time that does not exist (skipped at the spring change) reads an hour on.
                    || tz.offset_from_utc_datetime(&t).fix(),
                    |o| o.fix(),
                )
            })
            .collect();
        offsets.sort_by_key(FixedOffset::local_minus_utc);
        offsets.dedup();
        match offsets.as_slice() {
            [] => tz
                .offset_from_utc_datetime(&chrono::Utc::now().naive_utc())
                .fix()
                .to_string(),
            [one] => one.to_string(),
            many => format!(
                "{} ({})",
                tz.name(),
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Zone {
    /// The zone's name for people: `Asia/Shanghai`, or the offset `+08:00`.
    pub fn name(&self) -> String {
        match self {
            Zone::Fixed(o) => o.to_string(),
            Zone::Named(tz) => tz.name().to_string(),
        }
    }
}

/// A time as a person reads it: `1 Dec 2026, 18:19 UTC` for an instant, `1 Dec 2026, 10:07` for
/// a wall-clock time written without a zone, `1 Dec 2026` for a date; anything else as it is.
/// Machine forms (RFC 3339) stay in `--json`, manifests and the ledger.
pub fn human(s: &str) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return t
            .with_timezone(&Utc)
            .format("%-d %b %Y, %H:%M UTC")
            .to_string();
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return t.format("%-d %b %Y, %H:%M").to_string();
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.format("%-d %b %Y").to_string();
    }
    s.to_string()
}

/// [`human`], and for an instant also the wall-clock time in `zone` (the shop's):
/// `2 Dec 2026, 02:19 Asia/Shanghai (1 Dec, 18:19 UTC)`.
pub fn human_in(s: &str, zone: Option<&Zone>) -> String {
    match (DateTime::parse_from_rfc3339(s), zone) {
        (Ok(t), Some(z)) => {
            let utc = t.with_timezone(&Utc);
            let local = utc.with_timezone(&z.offset_at(utc));
            format!(
                "{} {} ({})",
                local.format("%-d %b %Y, %H:%M"),
                z.name(),
                utc.format("%-d %b, %H:%M UTC")
            )
        }
        _ => human(s),
    }
}

/// Serde for a `DateTime<Utc>` in the ledger's form ([`format_time`]); reads any RFC 3339.
pub mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_time(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_timestamp_knows_whether_it_carries_an_offset_and_keeps_its_text() {
        let beijing = Timestamp::parse("2026-11-18T09:41:00+08:00").unwrap();
        let berlin = Timestamp::parse("2026-11-18T02:40:00+01:00").unwrap();
        let local = Timestamp::parse("2026-11-18T01:45:00").unwrap();
        assert!(beijing.has_offset() && !local.has_offset());
        assert_eq!(beijing.to_string(), "2026-11-18T09:41:00+08:00");
        assert_eq!(
            beijing.utc().unwrap().to_rfc3339(),
            "2026-11-18T01:41:00+00:00"
        );
        assert_eq!(local.utc(), None);
        assert_eq!(beijing.wall_clock().to_string(), "2026-11-18 09:41:00");
        // By instant, a local time read as UTC: Beijing 01:41Z, Berlin 01:40Z, local 01:45.
        let mut all = [beijing.clone(), local.clone(), berlin.clone()];
        all.sort_by_key(Timestamp::sort_key);
        assert_eq!(all, [berlin, beijing, local]);
        // The ledger's text-and-flag form reads back only as what it says.
        assert!(Timestamp::from_parts("2026-11-18T01:45:00", true).is_some());
        assert!(Timestamp::from_parts("2026-11-18T01:45:00", false).is_none());
        assert!(Timestamp::from_parts("2026-11-18T09:41:00+08:00", true).is_none());
        assert_eq!(Timestamp::parse("18/11/2026"), None);
        let utc = chrono::DateTime::from_timestamp(1_795_000_000, 0)
            .unwrap()
            .fixed_offset();
        assert_eq!(
            Timestamp::instant(utc, SecondsFormat::Millis).as_str(),
            "2026-11-18T11:06:40.000Z"
        );
        assert_eq!(
            Timestamp::rfc3339(utc).as_str(),
            "2026-11-18T11:06:40+00:00"
        );
        assert_eq!(Timestamp::local(utc.naive_utc()), "2026-11-18T11:06:40");
    }

    use super::*;

    #[test]
    fn times_of_every_form_sort_together() {
        let mut ts = vec![
            "2023-07-09T20:36:33.616",
            "1998-01-01T00:00:00",
            "2018-07-23T16:58:00+08:00",
            "2018-07-23T09:00:00.5Z",
            "garbage",
        ];
        ts.sort_by_key(|t| sort_key(t));
        assert_eq!(
            ts,
            [
                "garbage",
                "1998-01-01T00:00:00",
                "2018-07-23T16:58:00+08:00",
                "2018-07-23T09:00:00.5Z",
                "2023-07-09T20:36:33.616"
            ]
        );
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+08:00"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(
            parse_offset("-05:30"),
            FixedOffset::east_opt(-(5 * 3600 + 1800))
        );
        assert_eq!(parse_offset(" utc "), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("Z"), FixedOffset::east_opt(0));
        for bad in ["08:00", "+xx:00", "+15:00", "+08:60", "", "+8"] {
            assert_eq!(parse_offset(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn human_forms() {
        assert_eq!(human("2026-12-01T18:19:32.690Z"), "1 Dec 2026, 18:19 UTC");
        assert_eq!(human("2026-12-02T02:19:32+08:00"), "1 Dec 2026, 18:19 UTC");
        assert_eq!(human("2026-12-01T10:07:00"), "1 Dec 2026, 10:07");
        assert_eq!(human("2026-12-01"), "1 Dec 2026");
        assert_eq!(human("soon"), "soon");
        let shop = Zone::parse("Asia/Shanghai").unwrap();
        assert_eq!(
            human_in("2026-12-01T18:19:32.690Z", Some(&shop)),
            "2 Dec 2026, 02:19 Asia/Shanghai (1 Dec, 18:19 UTC)"
        );
        assert_eq!(
            human_in("2026-12-01T10:07:00", Some(&shop)),
            "1 Dec 2026, 10:07"
        );
        let east = Zone::parse("+05:30").unwrap();
        assert_eq!(
            human_in("2026-12-01T18:19:32Z", Some(&east)),
            "1 Dec 2026, 23:49 +05:30 (1 Dec, 18:19 UTC)"
        );
    }

    #[test]
    fn short_forms() {
        assert_eq!(
            short_time("2026-11-22T08:55:09.123Z"),
            "2026-11-22 08:55:09Z"
        );
        assert_eq!(
            short_time("2026-11-22T16:55:09+08:00"),
            "2026-11-22 08:55:09Z"
        );
        assert_eq!(short_time("yesterday"), "yesterday");
        assert_eq!(
            parse_instant_or_date("2026-11-20"),
            Some(
                DateTime::parse_from_rfc3339("2026-11-20T00:00:00Z")
                    .unwrap()
                    .to_utc()
            )
        );
    }
}

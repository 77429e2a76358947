//! Time helpers shared by every layer: the ledger's RFC 3339 form, where a time of any form
//! sorts, UTC offsets, and short forms for people.
//!
//! Times come in two kinds: instants (RFC 3339 with an offset or `Z`, as the ledger, carriers and
//! most exports write them) and local times written without a zone (EXIF without `OffsetTime`,
//! chat exports), kept as naive ISO forms `2026-11-18T09:41:00`. Sorting reads a local time as
//! UTC; nothing here guesses a zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

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

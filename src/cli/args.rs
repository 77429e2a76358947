//! Parsers for command-line values shared by several commands, and the clap face of domain enums
//! (the library's types carry no clap derives).

use std::time::Duration;

use crate::dispute::{Outcome, Platform};
use crate::error::{Error, Result};
use crate::evidence::chat::{DateOrder, Format};
use crate::evidence::kind::Kind;
use crate::store::order::OrderId;

/// An order id, with the id rules' hint in the message.
pub fn parse_order(s: &str) -> std::result::Result<OrderId, String> {
    s.parse::<OrderId>().map_err(|e| {
        let hint = e.hint().unwrap_or_default();
        format!("{e} ({hint})")
    })
}

/// `--tz`: a fixed UTC offset.
pub fn parse_offset(s: &str) -> std::result::Result<chrono::FixedOffset, String> {
    crate::time::parse_offset(s)
        .ok_or_else(|| format!("{s:?} is not a UTC offset like +08:00, -05:30 or UTC"))
}

/// A duration on the command line: a number with an optional unit, `s` (default), `m`, `h` or `d`:
/// `90`, `30s`, `5m`, `2h`, `7d`.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 90s, 5m, 2h or 7d"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}; use s, m, h or d")),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

/// Who is acting, for the ledger: `--by` (trimmed, not empty), else the OS user.
pub fn who(by: Option<String>) -> Result<String> {
    match by {
        Some(b) if b.trim().is_empty() => Err(Error::Usage("--by must not be empty".into())),
        Some(b) => Ok(b.trim().to_string()),
        None => Ok(super::user::os_user()),
    }
}

/// `clap::ValueEnum` for a domain enum with `ALL` and `as_str()`: the names on the command line
/// are the names the ledger records.
macro_rules! value_enum {
    ($($t:ty),*) => {$(
        impl clap::ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                &<$t>::ALL
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.as_str()))
            }
        }
    )*};
}

value_enum!(Kind, Platform, Outcome, Format, DateOrder);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn command_line_names_are_the_ledger_names() {
        use clap::ValueEnum;
        fn same<T: ValueEnum + serde::Serialize>() {
            for v in T::value_variants() {
                let name = v.to_possible_value().unwrap().get_name().to_string();
                assert_eq!(serde_json::to_value(v).unwrap(), name.as_str());
            }
        }
        same::<Kind>();
        same::<Platform>();
        same::<Outcome>();
        same::<Format>();
        same::<DateOrder>();
    }
}

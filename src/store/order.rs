//! Order ids: the key evidence is filed under.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::Error;

pub const MAX_LEN: usize = 64;

/// A validated order id: 1-64 characters of `[A-Za-z0-9._-]`, not starting with `.`.
///
/// These rules make an order id safe as a directory name on every common filesystem and in a zip,
/// and keep it readable on a terminal. AliExpress order numbers (16 digits) are the common case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderId(String);

impl OrderId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-hex-digit shard directory: the first byte of SHA-256 of the id, so that orders spread
    /// evenly over 256 directories whatever their numbering.
    pub fn shard(&self) -> String {
        format!("{:02x}", Digest::of(self.0.as_bytes()).0[0])
    }
}

fn check(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        return Err("it is empty");
    }
    if id.len() > MAX_LEN {
        return Err("it is longer than 64 characters");
    }
    if id.starts_with('.') {
        return Err("it starts with '.'");
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err("only letters A-Z a-z, digits, '.', '_' and '-' are allowed");
    }
    Ok(())
}

impl FromStr for OrderId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        check(s).map_err(|reason| Error::InvalidOrder {
            id: s.to_string(),
            reason,
        })?;
        Ok(OrderId(s.to_string()))
    }
}

impl TryFrom<String> for OrderId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<OrderId> for String {
    fn from(o: OrderId) -> String {
        o.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_ids() {
        for id in [
            "8123456789012345",
            "A-1",
            "ebay_12-34567-89012",
            "x",
            "a.b",
            &"9".repeat(64),
        ] {
            assert!(id.parse::<OrderId>().is_ok(), "{id}");
        }
    }

    #[test]
    fn refuses_with_reason() {
        let cases = [
            ("", "it is empty"),
            (".hidden", "it starts with '.'"),
            ("..", "it starts with '.'"),
            ("a/b", "only letters"),
            ("a b", "only letters"),
            ("über", "only letters"),
            ("a\nb", "only letters"),
        ];
        for (id, want) in cases {
            let err = id.parse::<OrderId>().unwrap_err().to_string();
            assert!(err.contains(want), "{id:?}: {err}");
        }
        let long = "1".repeat(65);
        assert!(
            long.parse::<OrderId>()
                .unwrap_err()
                .to_string()
                .contains("longer than 64")
        );
    }

    #[test]
    fn shard_is_stable() {
        // printf '%s' 8123456789012345 | sha256sum | cut -c1-2
        let o: OrderId = "8123456789012345".parse().unwrap();
        assert_eq!(
            o.shard(),
            format!("{:02x}", Digest::of(b"8123456789012345").0[0])
        );
        assert_eq!(o.shard().len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn valid_ids_round_trip_through_json(id in "[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}") {
            let o: OrderId = id.parse().unwrap();
            let json = serde_json::to_string(&o).unwrap();
            proptest::prop_assert_eq!(serde_json::from_str::<OrderId>(&json).unwrap(), o);
        }

        #[test]
        fn anything_with_a_slash_is_refused(a in "[a-z]{0,5}", b in "[a-z]{0,5}") {
            let id = format!("{a}/{b}");
            proptest::prop_assert!(id.parse::<OrderId>().is_err());
        }
    }
}

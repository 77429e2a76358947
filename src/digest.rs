//! SHA-256 digests: the names of objects and the links of the ledger chain.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// A SHA-256 digest, shown and serialised as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The `prev` of the first ledger entry: 64 zeros.
    pub const ZERO: Digest = Digest([0; 32]);

    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    pub fn hex(&self) -> String {
        self.to_string()
    }

    /// The first 12 hex digits, for humans.
    pub fn short(&self) -> String {
        self.to_string()[..12].to_string()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a SHA-256 hex digest (64 lowercase hex digits)")]
pub struct BadDigest;

impl FromStr for Digest {
    type Err = BadDigest;
    fn from_str(s: &str) -> Result<Self, BadDigest> {
        let b = s.as_bytes();
        if b.len() != 64 {
            return Err(BadDigest);
        }
        let mut out = [0u8; 32];
        for (i, pair) in b.chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or(BadDigest)?;
            let lo = hex_val(pair[1]).ok_or(BadDigest)?;
            out[i] = hi << 4 | lo;
        }
        Ok(Digest(out))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Buffer size for streaming reads: large enough that syscalls do not dominate.
pub const BUF_SIZE: usize = 1 << 20;

/// Hash everything `r` yields. Returns the digest and the byte count.
pub fn hash_reader(r: impl Read) -> io::Result<(Digest, u64)> {
    let mut hasher = Sha256::new();
    let n = read_chunks(r, &mut vec![0u8; BUF_SIZE], |bytes| hasher.update(bytes))?;
    Ok((Digest(hasher.finalize().into()), n))
}

/// Hand everything `r` yields to `chunk`, a buffer at a time (retrying interrupted reads).
/// Returns the byte count.
pub fn read_chunks(
    mut r: impl Read,
    buf: &mut [u8],
    mut chunk: impl FnMut(&[u8]),
) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        let n = match r.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        chunk(&buf[..n]);
        total += n as u64;
    }
}

/// Incremental hashing for the copy loop of ingest.
#[derive(Default)]
pub struct Hasher(Sha256);

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub fn finish(self) -> Digest {
        Digest(self.0.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        assert_eq!(
            Digest::of(b"abc").hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parse_rejects_uppercase_and_wrong_length() {
        let d = Digest::of(b"x");
        assert_eq!(d.hex().parse::<Digest>().unwrap(), d);
        assert_eq!(d.hex().to_uppercase().parse::<Digest>(), Err(BadDigest));
        assert_eq!(d.hex()[1..].parse::<Digest>(), Err(BadDigest));
    }

    proptest::proptest! {
        #[test]
        fn hex_round_trip(bytes in proptest::array::uniform32(0u8..)) {
            let d = Digest(bytes);
            proptest::prop_assert_eq!(d.hex().parse::<Digest>().unwrap(), d);
            let json = serde_json::to_string(&d).unwrap();
            proptest::prop_assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        }

        #[test]
        fn streaming_equals_one_shot(data in proptest::collection::vec(0u8.., 0..5000)) {
            let (d, n) = hash_reader(&data[..]).unwrap();
            proptest::prop_assert_eq!(d, Digest::of(&data));
            proptest::prop_assert_eq!(n, data.len() as u64);
        }
    }
}

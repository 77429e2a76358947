//! The references `verify` collects from ledgers, kept by shard so that memory stays bounded: each
//! of the 256 shards (an object's first digest byte) buffers a few hundred compact records and
//! spills the rest to its own file in a private temporary directory. The object pass then loads
//! one shard's references at a time — about 1/256 of them — next to that shard's objects.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use crate::digest::Digest;

/// Records a shard keeps in memory before writing them out (256 × 512 × 48 bytes = 6 MiB at most).
const BUFFERED: usize = 512;
const RECORD: usize = 48;

/// One reference to an object: which order's ledger names it, on which line, at what size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ref {
    pub digest: Digest,
    /// Index into the list of orders being checked.
    pub order: u32,
    /// 1-based ledger line.
    pub line: u32,
    pub size: u64,
}

impl Ref {
    fn encode(&self) -> [u8; RECORD] {
        let mut b = [0u8; RECORD];
        b[..32].copy_from_slice(&self.digest.0);
        b[32..36].copy_from_slice(&self.order.to_le_bytes());
        b[36..40].copy_from_slice(&self.line.to_le_bytes());
        b[40..].copy_from_slice(&self.size.to_le_bytes());
        b
    }

    fn decode(b: &[u8; RECORD]) -> Ref {
        let mut digest = [0u8; 32];
        digest.copy_from_slice(&b[..32]);
        let word = |r: std::ops::Range<usize>| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&b[r]);
            u32::from_le_bytes(w)
        };
        let mut size = [0u8; 8];
        size.copy_from_slice(&b[40..]);
        Ref {
            digest: Digest(digest),
            order: word(32..36),
            line: word(36..40),
            size: u64::from_le_bytes(size),
        }
    }
}

/// The references of every ledger checked, by shard.
pub struct Refs {
    buffered: Vec<Vec<Ref>>,
    spilled: Vec<Option<BufWriter<File>>>,
    /// Created on the first spill: small vaults never touch the disk.
    dir: Option<tempfile::TempDir>,
}

impl Refs {
    pub fn new() -> Refs {
        Refs {
            buffered: (0..256).map(|_| Vec::new()).collect(),
            spilled: (0..256).map(|_| None).collect(),
            dir: None,
        }
    }

    pub fn push(&mut self, r: Ref) -> io::Result<()> {
        let shard = usize::from(r.digest.0[0]);
        self.buffered[shard].push(r);
        if self.buffered[shard].len() >= BUFFERED {
            self.spill(shard)?;
        }
        Ok(())
    }

    fn spill(&mut self, shard: usize) -> io::Result<()> {
        if self.dir.is_none() {
            self.dir = Some(tempfile::Builder::new().prefix("vault-verify-").tempdir()?);
        }
        if self.spilled[shard].is_none() {
            let dir = self
                .dir
                .as_ref()
                .map(|d| d.path())
                .unwrap_or(std::path::Path::new("."));
            self.spilled[shard] = Some(BufWriter::new(File::create(shard_file(dir, shard))?));
        }
        if let Some(w) = self.spilled[shard].as_mut() {
            for r in self.buffered[shard].drain(..) {
                w.write_all(&r.encode())?;
            }
        }
        Ok(())
    }

    /// Every reference into `shard` (0–255), sorted by digest, then order and line. The shard's
    /// spill file is read once and removed.
    pub fn take(&mut self, shard: usize) -> io::Result<Vec<Ref>> {
        let mut all = Vec::new();
        if let (Some(w), Some(dir)) = (self.spilled[shard].take(), self.dir.as_ref()) {
            w.into_inner().map_err(|e| e.into_error())?;
            let path = shard_file(dir.path(), shard);
            let mut r = BufReader::new(File::open(&path)?);
            let mut rec = [0u8; RECORD];
            loop {
                match r.read_exact(&mut rec) {
                    Ok(()) => all.push(Ref::decode(&rec)),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
            }
            fs::remove_file(&path)?;
        }
        all.append(&mut self.buffered[shard]);
        all.sort_unstable();
        Ok(all)
    }
}

fn shard_file(dir: &std::path::Path, shard: usize) -> PathBuf {
    dir.join(format!("{shard:02x}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_come_back_by_shard_sorted_whether_spilled_or_not() {
        let mut refs = Refs::new();
        let mut want: Vec<Vec<Ref>> = vec![Vec::new(); 256];
        // Enough for shard 7 to spill twice over; a few for shard 200; none for the rest.
        for i in 0..(BUFFERED as u32 * 2 + 17) {
            let mut d = [0u8; 32];
            d[0] = 7;
            d[1..5].copy_from_slice(&(i.wrapping_mul(2654435761)).to_le_bytes());
            let r = Ref {
                digest: Digest(d),
                order: i % 5,
                line: i + 1,
                size: u64::from(i) << 33,
            };
            want[7].push(r);
            refs.push(r).unwrap();
        }
        for i in 0..3u32 {
            let r = Ref {
                digest: Digest([200; 32]),
                order: 3 - i,
                line: i,
                size: 9,
            };
            want[200].push(r);
            refs.push(r).unwrap();
        }
        assert!(refs.dir.is_some(), "shard 7 spilled");
        for (shard, w) in want.iter_mut().enumerate() {
            w.sort_unstable();
            assert_eq!(&refs.take(shard).unwrap(), w, "shard {shard}");
        }
    }
}

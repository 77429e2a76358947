//! The storage seam: what a vault keeps, behind a small trait, so that where it is kept can change
//! without changing any command.
//!
//! The primitives are those an S3-compatible object store also has: create an object if it is
//! absent (`If-None-Match: *`), read one, ask its size, read a ledger whole. No rename, no
//! directory semantics, no locks across calls. [`LocalDir`] (the `objects/` and `orders/` folders
//! of a vault directory) is the only implementation today.
//!
//! Not yet behind the seam (see docs/architecture.md): appending to a ledger, which the local
//! `ledger::Appender` does under a file lock, and `verify`, which checks the local layout itself
//! (it walks `objects/` to find stray and misplaced files as well as objects).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::digest::Digest;
use crate::store::order::OrderId;

/// An object opened for reading: readable and seekable (zip readers seek).
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// What a vault keeps, wherever it keeps it.
pub trait Backend: fmt::Debug + Send + Sync {
    /// The size of object `d`, or `None` when the store has no such object.
    fn object_size(&self, d: &Digest) -> io::Result<Option<u64>>;

    /// Make `staged` (complete, its data on stable storage, its content hashing to `d`) object
    /// `d`, unless that object exists. Returns whether this call created it. Never replaces an
    /// existing object.
    fn put_object(&self, d: &Digest, staged: NamedTempFile) -> io::Result<bool>;

    /// Replace object `d`, whose stored bytes no longer hash to `d` (the caller checked), with
    /// `staged`, which does. The replacement is atomic: readers see the old bytes or the new.
    fn replace_corrupt_object(&self, d: &Digest, staged: NamedTempFile) -> io::Result<()>;

    /// Make a newly created object's name durable (the local store fsyncs its shard directory).
    fn sync_object(&self, d: &Digest) -> io::Result<()>;

    /// Open object `d` for reading.
    fn open_object(&self, d: &Digest) -> io::Result<Box<dyn ReadSeek>>;

    /// A local file holding object `d`, for tools that need a path (ffmpeg, image decoders);
    /// `None` when the backend keeps objects elsewhere (the caller then copies to a temp file).
    fn object_file(&self, d: &Digest) -> Option<PathBuf>;

    /// The exact bytes of `order`'s ledger, or `None` when the store has no such order.
    fn read_ledger(&self, order: &OrderId) -> io::Result<Option<Vec<u8>>>;
}

/// A vault directory: `objects/sha256/ab/<hex>` and `orders/<shard>/<order>/ledger.jsonl`.
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: &Path) -> LocalDir {
        LocalDir {
            root: root.to_path_buf(),
        }
    }

    /// `objects/sha256/ab/abcdef…`
    pub fn object_path(&self, d: &Digest) -> PathBuf {
        let hex = d.hex();
        self.root.join("objects/sha256").join(&hex[..2]).join(hex)
    }

    /// `orders/<shard>/<order>/ledger.jsonl`
    pub fn ledger_path(&self, order: &OrderId) -> PathBuf {
        self.root
            .join("orders")
            .join(order.shard())
            .join(order.as_str())
            .join(LEDGER_FILE)
    }
}

/// The file name of an order's ledger in a vault directory.
pub const LEDGER_FILE: &str = "ledger.jsonl";

fn not_found_is_none<T>(r: io::Result<T>) -> io::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Backend for LocalDir {
    fn object_size(&self, d: &Digest) -> io::Result<Option<u64>> {
        Ok(not_found_is_none(fs::metadata(self.object_path(d)))?.map(|m| m.len()))
    }

    fn put_object(&self, d: &Digest, staged: NamedTempFile) -> io::Result<bool> {
        match staged.persist_noclobber(self.object_path(d)) {
            Ok(_) => Ok(true),
            // Another process stored the same bytes in the meantime: same content, nothing to do.
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e.error),
        }
    }

    fn replace_corrupt_object(&self, d: &Digest, staged: NamedTempFile) -> io::Result<()> {
        staged.persist(self.object_path(d)).map_err(|e| e.error)?;
        self.sync_object(d)
    }

    fn sync_object(&self, d: &Digest) -> io::Result<()> {
        let path = self.object_path(d);
        let dir = path.parent().expect("an object path has a shard directory");
        File::open(dir)?.sync_all()
    }

    fn open_object(&self, d: &Digest) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(BufReader::new(File::open(self.object_path(d))?)))
    }

    fn object_file(&self, d: &Digest) -> Option<PathBuf> {
        Some(self.object_path(d))
    }

    fn read_ledger(&self, order: &OrderId) -> io::Result<Option<Vec<u8>>> {
        not_found_is_none(fs::read(self.ledger_path(order)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_if_absent_never_replaces_an_object() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalDir::new(dir.path());
        let d = Digest::of(b"first");
        fs::create_dir_all(b.object_path(&d).parent().unwrap()).unwrap();
        let stage = |bytes: &[u8]| {
            let mut t = NamedTempFile::new_in(dir.path()).unwrap();
            std::io::Write::write_all(&mut t, bytes).unwrap();
            t
        };
        assert_eq!(b.object_size(&d).unwrap(), None);
        assert!(b.put_object(&d, stage(b"first")).unwrap());
        // A second put under the same name keeps the first bytes.
        assert!(!b.put_object(&d, stage(b"other")).unwrap());
        let mut read = Vec::new();
        b.open_object(&d).unwrap().read_to_end(&mut read).unwrap();
        assert_eq!(read, b"first");
        assert_eq!(b.object_size(&d).unwrap(), Some(5));
        b.sync_object(&d).unwrap();
        let order: OrderId = "8000000000000001".parse().unwrap();
        assert_eq!(b.read_ledger(&order).unwrap(), None);
    }
}

//! The storage seam: what a vault keeps, behind a small trait, so that where it is kept can change
//! without changing any command.
//!
//! The primitives are those an S3-compatible object store also has: create an object if it is
//! absent (`If-None-Match: *`), read one, ask its size, read a ledger whole. No rename, no
//! directory semantics, no locks across calls. [`LocalDir`] (the `objects/` and `orders/` folders
//! of a vault directory) is the only implementation today.
//!
//! Ledgers are appended at a sequence number, failing if it is taken ([`LedgerWriter::append`]):
//! the local store serialises writers with a file lock, and an object store would create the
//! batch's object if absent. Objects are listed a shard (first digest byte) at a time, with
//! anything there that is not an object, so that `verify` checks any store the same way.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, Write};
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

    /// The objects whose digest begins with the byte `shard`, with their sizes, and anything in
    /// that shard that is not an object (never read: a stray file, a symlink, a FIFO).
    fn list_objects(&self, shard: u8) -> io::Result<Listing>;

    /// Anything the store holds outside its shards (the local store: stray files and folders
    /// beside the shard directories). An object store has none.
    fn stray_objects(&self) -> io::Result<Vec<(PathBuf, &'static str)>>;

    /// The exact bytes of `order`'s ledger, or `None` when the store has no such order.
    fn read_ledger(&self, order: &OrderId) -> io::Result<Option<Vec<u8>>>;

    /// Hold `order`'s ledger for appending, creating the order (whole, or not at all) when the
    /// store has none. Returns its complete lines as they are now — a partial last line, left by
    /// an append killed mid-write and never acknowledged, is dropped — and the writer.
    fn open_ledger(&self, order: &OrderId) -> io::Result<(Vec<u8>, Box<dyn LedgerWriter>)>;

    /// The bytes of `order`'s signature log (signed ledger heads, one JSON line each), or `None`
    /// when it has none.
    fn read_signatures(&self, order: &OrderId) -> io::Result<Option<Vec<u8>>>;
}

/// What [`Backend::list_objects`] found in one shard.
#[derive(Debug, Default)]
pub struct Listing {
    /// (digest, size) of each object, by digest.
    pub objects: Vec<(Digest, u64)>,
    /// Entries that are not objects, and why.
    pub strays: Vec<(PathBuf, &'static str)>,
}

/// Why an entry that is named like an object is not read.
pub const NOT_REGULAR: &str =
    "not a regular file (a symlink, FIFO or device in the store): not read";
/// Why an entry in a shard is not an object.
pub const NOT_AN_OBJECT: &str = "not an object (name is not a SHA-256 in its shard)";
/// Why an entry beside the shards is out of place.
pub const NOT_A_SHARD: &str = "not a shard directory";

/// An order's ledger held for appending (the local store holds a file lock until it drops).
pub trait LedgerWriter: Send {
    /// Append `lines` (complete, newline-terminated) as entries `seq`, `seq + 1`, …, durably.
    /// Fails with [`AppendError::Taken`] when entry `seq` exists already or is not the next one;
    /// on any failure nothing of `lines` is left in the ledger.
    fn append(&mut self, seq: u64, lines: &[u8]) -> Result<(), AppendError>;

    /// Append one line (newline-terminated) to the order's signature log, under the same hold.
    /// Not fsynced on its own: a signature lost to a power cut leaves that head unsigned (the next
    /// append signs its own head, which covers it through the chain), never a wrong one.
    fn append_signature(&mut self, line: &[u8]) -> io::Result<()>;
}

#[derive(Debug)]
pub enum AppendError {
    /// The ledger does not end where the caller thought: another writer took `seq`.
    Taken {
        seq: u64,
        next: u64,
    },
    Io(io::Error),
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            AppendError::Taken { seq, next } => write!(
                f,
                "entry {seq} cannot be appended: the ledger's next entry is {next} (another writer?)"
            ),
            AppendError::Io(e) => e.fmt(f),
        }
    }
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
/// The file name of an order's signature log, beside its ledger.
pub const SIGNATURES_FILE: &str = "signatures.jsonl";

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

    fn list_objects(&self, shard: u8) -> io::Result<Listing> {
        let dir = self
            .root
            .join("objects/sha256")
            .join(format!("{shard:02x}"));
        let mut listing = Listing::default();
        // Only a real directory is listed: a missing shard holds nothing, and a file or a
        // symlink in a shard's place is a stray (`stray_objects`), never followed.
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => return Ok(listing),
        }
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let digest = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<Digest>().ok());
            // Only regular files are objects: a symlink could point anywhere (`/dev/zero` hangs
            // a reader) and a FIFO blocks the open. file_type() does not follow a link.
            let regular = entry.file_type().is_ok_and(|t| t.is_file());
            match digest {
                Some(_) if !regular => listing.strays.push((entry.path(), NOT_REGULAR)),
                Some(d) if d.0[0] == shard => {
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    listing.objects.push((d, size));
                }
                _ => listing.strays.push((entry.path(), NOT_AN_OBJECT)),
            }
        }
        listing.objects.sort_by_key(|o| o.0);
        Ok(listing)
    }

    fn stray_objects(&self) -> io::Result<Vec<(PathBuf, &'static str)>> {
        let base = self.root.join("objects/sha256");
        let mut entries: Vec<_> = fs::read_dir(&base)?.collect::<io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        let mut strays = Vec::new();
        for entry in entries {
            let name = entry.file_name();
            let shard_name = name.to_str().is_some_and(|n| {
                n.len() == 2 && n.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
            });
            // file_type() does not follow a symlink: a linked shard is reported, never walked.
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                strays.push((entry.path(), NOT_A_SHARD));
            } else if !shard_name {
                // A folder that is no shard: everything in it is out of place.
                let mut inside: Vec<_> = fs::read_dir(entry.path())?.collect::<io::Result<_>>()?;
                inside.sort_by_key(|e| e.file_name());
                strays.extend(inside.into_iter().map(|e| (e.path(), NOT_AN_OBJECT)));
            }
        }
        Ok(strays)
    }

    fn read_ledger(&self, order: &OrderId) -> io::Result<Option<Vec<u8>>> {
        not_found_is_none(fs::read(self.ledger_path(order)))
    }

    fn open_ledger(&self, order: &OrderId) -> io::Result<(Vec<u8>, Box<dyn LedgerWriter>)> {
        let path = self.ledger_path(order);
        if !path.exists() {
            self.create_order_dir(&path)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        file.lock()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete < bytes.len() {
            // An earlier append was killed mid-write. We hold the lock, so no writer is still at
            // work: cut the unacknowledged partial line so that this append starts on a line.
            file.set_len(complete as u64)?;
            file.sync_data()?;
            bytes.truncate(complete);
        }
        let next = memchr::memchr_iter(b'\n', &bytes).count() as u64;
        let signatures = path.with_file_name(SIGNATURES_FILE);
        Ok((
            bytes,
            Box::new(LocalLedger {
                file,
                next,
                signatures,
            }),
        ))
    }

    fn read_signatures(&self, order: &OrderId) -> io::Result<Option<Vec<u8>>> {
        not_found_is_none(fs::read(
            self.ledger_path(order).with_file_name(SIGNATURES_FILE),
        ))
    }
}

/// A ledger file under `flock`: appends are serialised, so "taken" cannot happen between two
/// vault processes; the sequence check guards against a caller's own mistake.
struct LocalLedger {
    file: File,
    next: u64,
    signatures: PathBuf,
}

impl LedgerWriter for LocalLedger {
    fn append(&mut self, seq: u64, lines: &[u8]) -> Result<(), AppendError> {
        if seq != self.next {
            return Err(AppendError::Taken {
                seq,
                next: self.next,
            });
        }
        if lines.is_empty() {
            return Ok(());
        }
        if crate::failpoint_is("mid-ledger") {
            // What a `kill -9` during a long write can leave: part of the batch, cut mid-line.
            let half = lines.len() / 2 + 7;
            let _ = self.file.write_all(&lines[..half.min(lines.len() - 1)]);
            std::process::abort();
        }
        if crate::failpoint_is("ledger-write-fails") {
            // A full disk or an I/O error: the write fails and the process carries on.
            return Err(AppendError::Io(io::Error::other("injected write failure")));
        }
        let before = self.file.metadata().map_err(AppendError::Io)?.len();
        let written = if crate::failpoint_is("ledger-write-torn") {
            // A disk that fills up after the first complete line of the batch.
            let first = lines.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
            self.file
                .write_all(&lines[..first])
                .and_then(|()| Err(io::Error::other("injected failure after one line")))
        } else {
            self.file.write_all(lines)
        };
        if let Err(e) = written.and_then(|()| self.file.sync_data()) {
            // Nobody will be told these entries were recorded: take back whatever part of the
            // batch reached the file, while the lock is still held.
            let _ = self
                .file
                .set_len(before)
                .and_then(|()| self.file.sync_data());
            return Err(AppendError::Io(e));
        }
        self.next += memchr::memchr_iter(b'\n', lines).count() as u64;
        Ok(())
    }

    fn append_signature(&mut self, line: &[u8]) -> io::Result<()> {
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.signatures)?;
        // A line left partial by an earlier crash would swallow this one: start on a new line.
        let len = f.metadata()?.len();
        if len > 0 {
            let mut last = [0u8];
            let mut r = File::open(&self.signatures)?;
            r.seek(io::SeekFrom::Start(len - 1))?;
            r.read_exact(&mut last)?;
            if last[0] != b'\n' {
                f.write_all(b"\n")?;
            }
        }
        f.write_all(line)
    }
}

impl LocalDir {
    /// Makes a new order's directory with its empty ledger, so that it appears whole: staged under
    /// `tmp/`, fsynced, and renamed into place. A crash at any point leaves either no order
    /// directory or one with a ledger (never a directory that `verify` would find without one).
    /// When another process creates the same order first, its directory is kept.
    fn create_order_dir(&self, ledger: &Path) -> io::Result<()> {
        let (Some(dir), Some(shard)) = (ledger.parent(), ledger.parent().and_then(Path::parent))
        else {
            return Err(io::Error::other(
                "an order's ledger has an order and a shard directory",
            ));
        };
        fs::create_dir_all(shard)?;
        let tmp = self.root.join("tmp");
        fs::create_dir_all(&tmp)?;
        let staging = tempfile::Builder::new()
            .prefix(".order-")
            .tempdir_in(&tmp)?;
        let staged = staging.path().join(LEDGER_FILE);
        File::create(&staged).and_then(|f| f.sync_all())?;
        sync_dir(staging.path())?;
        crate::failpoint("new-order");
        match fs::rename(staging.path(), dir) {
            Ok(()) => {
                // Moved away: nothing left for the guard to remove.
                let _ = staging.keep();
                sync_dir(shard)
            }
            // Lost a race with another process creating the same order: use theirs.
            Err(_) if ledger.exists() => Ok(()),
            // `tmp/` cannot be renamed from (another file system mounted there, say): make the
            // directory and its ledger in place (never truncating one that appeared meanwhile).
            Err(_) => {
                fs::create_dir_all(dir)?;
                OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(ledger)
                    .and_then(|f| f.sync_all())?;
                sync_dir(dir)?;
                sync_dir(shard)
            }
        }
    }
}

/// Make a directory's entries durable (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
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

    #[test]
    fn a_ledger_appends_at_its_next_sequence_number_and_refuses_a_taken_one() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalDir::new(dir.path());
        let order: OrderId = "8000000000000001".parse().unwrap();
        assert_eq!(b.read_ledger(&order).unwrap(), None);
        {
            let (bytes, mut w) = b.open_ledger(&order).unwrap();
            assert!(bytes.is_empty(), "a new order starts with an empty ledger");
            w.append(0, b"{\"seq\":0}\n{\"seq\":1}\n").unwrap();
            match w.append(1, b"{\"seq\":1}\n") {
                Err(AppendError::Taken { seq: 1, next: 2 }) => {}
                other => panic!("{other:?}"),
            }
            w.append(2, b"{\"seq\":2}\n").unwrap();
        }
        // A torn tail (an append killed mid-line) is cut when the ledger is next held.
        let path = b.ledger_path(&order);
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"se")
            .unwrap();
        let (bytes, mut w) = b.open_ledger(&order).unwrap();
        assert_eq!(bytes, b"{\"seq\":0}\n{\"seq\":1}\n{\"seq\":2}\n");
        assert!(matches!(
            w.append(2, b"x\n"),
            Err(AppendError::Taken { seq: 2, next: 3 })
        ));
        w.append(3, b"{\"seq\":3}\n").unwrap();
        assert_eq!(fs::read(&path).unwrap().len(), bytes.len() + 10);
    }
}

//! Writing the bundle's zip: entries streamed from the store (each object checked against its
//! name while copied), the zip's own digests taken while it is written, the result re-read by the
//! verifier before it is moved into place.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc;

use chrono::{DateTime, Datelike, Timelike, Utc};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::{Options, check};
use crate::digest::{BUF_SIZE, Digest, Hasher, read_chunks};
use crate::error::{Error, IoContext, Result};
use crate::progress::Progress;
use crate::store::Vault;

/// One file to put in the zip.
pub(super) struct ZipEntry {
    /// Path inside the bag.
    pub path: String,
    pub content: Content,
    pub compress: bool,
}

pub(super) enum Content {
    Bytes(Vec<u8>),
    /// An object from the store, streamed and checked against its name while copied.
    Object {
        digest: Digest,
        size: u64,
    },
}

/// Write the zip next to the destination, verify it as `verify-bundle` would, then move it into
/// place. Returns the zip's SHA-256 and size, and (when `prehash`) minisign's BLAKE2b prehash of it
/// for the signature beside it.
///
/// The work is spread so that each part runs beside another on a second core: the zip's SHA-256
/// is read back from the file while it is being written ([`follow`]; the writer is busy copying
/// and checking objects); the prehash is read beside the verifier, which runs on one core while
/// the file goes to the disk. A signature so costs next to no wall time.
pub(super) fn write_verified(
    vault: &Vault,
    opts: &Options,
    bag: &str,
    zip_entries: &[ZipEntry],
    bar: &dyn Progress,
    prehash: bool,
) -> Result<(Digest, u64, Option<Vec<u8>>)> {
    let out_dir = match opts.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".vault-bundle-").suffix(".zip.part");
    // A bundle is made to be handed over: readable by all, like a file `cp` would make.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let tmp = builder.tempfile_in(&out_dir).at(&out_dir)?;
    let total: u64 = zip_entries
        .iter()
        .map(|e| match &e.content {
            Content::Bytes(b) => b.len() as u64,
            Content::Object { size, .. } => *size,
        })
        .sum();
    bar.set_length(total);
    let reader = File::open(tmp.path()).at(tmp.path())?;
    let (written, hashed) = std::thread::scope(|s| {
        let (final_upto, upto) = mpsc::channel();
        let follower = s.spawn(move || follow(reader, &upto));
        let written = write_zip(
            vault,
            tmp.as_file(),
            bag,
            zip_entries,
            &opts.generated_at,
            bar,
            &final_upto,
        );
        // Dropping the sender tells the follower the file is complete (or abandoned).
        drop(final_upto);
        let hashed = follower
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the zip's hashing thread panicked")));
        (written, hashed)
    });
    written.map_err(|e| match e {
        WriteError::Io(e) => Error::io(tmp.path(), e),
        WriteError::Zip(e) => Error::io(tmp.path(), io::Error::other(e)),
        WriteError::Corrupt { digest, got } => Error::Integrity {
            path: vault.object_path(&digest),
            what: format!("object hashes to {got}, not its name; run `vault verify`"),
        },
    })?;
    let (sha256, size) = hashed.at(tmp.path())?;
    bar.finish();

    // Re-read what was written and run the full verifier before reporting success, while the
    // file goes to the disk and (for the signature) is prehashed: all three only read.
    // (The sync waits on the disk, so it gets a thread of its own, outside the compute pool.)
    let (synced, (prehashed, checked)) = std::thread::scope(|s| {
        let syncing = s.spawn(|| tmp.as_file().sync_all());
        let computed = rayon::join(
            || {
                prehash.then(|| {
                    File::open(tmp.path()).and_then(|f| {
                        crate::trust::minisig::prehash(io::BufReader::with_capacity(BUF_SIZE, f))
                    })
                })
            },
            || check::check(tmp.path()),
        );
        let synced = syncing
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the zip's sync thread panicked")));
        (synced, computed)
    });
    synced.at(tmp.path())?;
    let prehashed = prehashed.transpose().at(tmp.path())?;
    if let Some(p) = checked?.problems.first() {
        return Err(Error::Integrity {
            path: opts.output.clone(),
            what: format!(
                "the bundle just written does not verify: {}: {}",
                p.path, p.what
            ),
        });
    }
    let persisted = if opts.force {
        tmp.persist(&opts.output)
            .map_err(|e| Error::io(&opts.output, e.error))
    } else {
        tmp.persist_noclobber(&opts.output).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                Error::Exists {
                    path: opts.output.clone(),
                }
            } else {
                Error::io(&opts.output, e.error)
            }
        })
    };
    persisted?;
    crate::store::sync_dir(&out_dir)?;
    Ok((sha256, size, prehashed))
}

/// Hash a file that another thread is writing: `final_upto` says up to which offset the file will
/// not change any more (the zip writer goes back only to patch the local header of the entry it
/// just finished); when the channel closes, the file is complete and is hashed to its end. Returns
/// its SHA-256 and size.
fn follow(mut file: File, final_upto: &mpsc::Receiver<u64>) -> io::Result<(Digest, u64)> {
    let mut sha = Hasher::default();
    let mut buf = vec![0u8; BUF_SIZE];
    let mut done = 0u64;
    for upto in final_upto.iter() {
        while done < upto {
            let n = buf
                .len()
                .min(usize::try_from(upto - done).unwrap_or(usize::MAX));
            file.read_exact(&mut buf[..n])?;
            sha.update(&buf[..n]);
            done += n as u64;
        }
    }
    done += read_chunks(file, &mut buf, |bytes| sha.update(bytes))?;
    Ok((sha.finish(), done))
}

enum WriteError {
    Io(io::Error),
    Zip(zip::result::ZipError),
    Corrupt { digest: Digest, got: Digest },
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

impl From<zip::result::ZipError> for WriteError {
    fn from(e: zip::result::ZipError) -> Self {
        WriteError::Zip(e)
    }
}

fn write_zip(
    vault: &Vault,
    file: &File,
    bag: &str,
    entries: &[ZipEntry],
    at: &DateTime<Utc>,
    bar: &dyn Progress,
    final_upto: &mpsc::Sender<u64>,
) -> std::result::Result<(), WriteError> {
    let mtime = zip_time(at);
    let position = Rc::new(Cell::new(0));
    let mut zip = ZipWriter::new(Tracked {
        inner: BufWriter::with_capacity(BUF_SIZE, file),
        position: Rc::clone(&position),
    });
    let mut buf = vec![0u8; BUF_SIZE];
    for e in entries {
        // Where the previous entry's data ended: once `start_file` has gone back to patch that
        // entry's local header (a seek, which flushes the buffer), everything before is final.
        let previous_end = position.get();
        let size = match &e.content {
            Content::Bytes(b) => b.len() as u64,
            Content::Object { size, .. } => *size,
        };
        let compress = e.compress && (size <= 1 << 20 || !deflates_like_a_bomb(vault, &e.content)?);
        let opts = SimpleFileOptions::default()
            .compression_method(if compress {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            })
            .last_modified_time(mtime)
            .unix_permissions(0o644)
            .large_file(size >= u64::from(u32::MAX));
        zip.start_file(format!("{bag}/{}", e.path), opts)?;
        // A follower that has stopped listening has failed; its error is the one reported.
        let _ = final_upto.send(previous_end);
        match &e.content {
            Content::Bytes(b) => {
                zip.write_all(b)?;
                bar.inc(b.len() as u64);
            }
            Content::Object { digest, .. } => {
                let mut f = vault.backend().open_object(digest)?;
                let mut h = Hasher::default();
                loop {
                    let n = match f.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e.into()),
                    };
                    h.update(&buf[..n]);
                    zip.write_all(&buf[..n])?;
                    bar.inc(n as u64);
                }
                let got = h.finish();
                if got != *digest {
                    return Err(WriteError::Corrupt {
                        digest: *digest,
                        got,
                    });
                }
            }
        }
    }
    let mut w = zip.finish()?;
    w.flush()?;
    Ok(())
}

/// Whether content over 1 MiB deflates beyond half of `verify-bundle`'s zip-bomb ratio: such an
/// entry (a very repetitive transcript or text original) is stored uncompressed, so that a bundle
/// never fails its own check. Costs one extra deflate pass, only for such large texts.
/// The zip's output, with its logical position shared with [`write_zip`].
struct Tracked<W> {
    inner: W,
    position: Rc<Cell<u64>>,
}

impl<W: Write> Write for Tracked<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.position.set(self.position.get() + n as u64);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Seek> Seek for Tracked<W> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(to)?;
        self.position.set(at);
        Ok(at)
    }
}

fn deflates_like_a_bomb(vault: &Vault, content: &Content) -> io::Result<bool> {
    struct Count(u64);
    impl Write for Count {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut z = flate2::write::DeflateEncoder::new(Count(0), flate2::Compression::default());
    let size = match content {
        Content::Bytes(b) => {
            z.write_all(b)?;
            b.len() as u64
        }
        Content::Object { digest, .. } => {
            io::copy(&mut vault.backend().open_object(digest)?, &mut z)?
        }
    };
    let compressed = z.finish()?.0.max(1);
    Ok(size / compressed > check::MAX_RATIO / 2)
}

fn zip_time(t: &DateTime<Utc>) -> zip::DateTime {
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

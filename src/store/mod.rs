//! The vault on disk: `vault.json`, the content-addressed object store, and where ledgers live.
//!
//! ```text
//! VAULT/
//!   vault.json                           format, format_version, vault_id, created_at
//!   objects/sha256/ab/abcdef…            one read-only file per object, named by its full SHA-256
//!   orders/<shard>/<order>/ledger.jsonl  append-only, hash-chained (see `ledger`)
//!   cache/                               derived files, safe to delete
//!   tmp/                                 staging for atomic writes
//! ```
//!
//! Objects are written once: into a temp file under `tmp/`, fsynced, made read-only, then linked to
//! their final name without ever replacing an existing file. The same bytes are stored once, however
//! many orders file them.

pub mod backend;
pub mod order;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::digest::{BUF_SIZE, Digest, Hasher, hash_reader};
use crate::error::{Error, IoContext, Result};
use crate::store::order::OrderId;
use backend::{Backend, LEDGER_FILE, LocalDir, ReadSeek};
use std::sync::Arc;

pub const FORMAT: &str = "evidence-vault";
pub const FORMAT_VERSION: u32 = 1;
const META_FILE: &str = "vault.json";

/// The contents of `vault.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VaultMeta {
    pub format: String,
    pub format_version: u32,
    pub vault_id: String,
    pub created_at: String,
    pub created_by_tool: String,
    /// The key that signs this vault's ledger heads and bundles (`vault key generate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningKeyMeta>,
    /// Time-Stamp Authorities `vault stamp` asks (`vault stamp --tsa URL --tsa-ca PEM --save`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tsa: Vec<TsaMeta>,
}

/// The current signing key, as `vault.json` names it. The secret key is never in the vault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SigningKeyMeta {
    /// minisign's key id: 16 hex digits.
    pub key_id: String,
    /// The public key's base64 line (as in minisign's `.pub` file).
    pub public_key: String,
    /// SHA-256 of the public key's bytes: what to publish beside the id.
    pub fingerprint: String,
}

/// A Time-Stamp Authority: its URL and the root certificate its tokens chain to (an object).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TsaMeta {
    pub url: String,
    /// SHA-256 of the PEM file of root (and intermediate) certificates, stored as an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<Digest>,
}

/// An open vault.
#[derive(Debug, Clone)]
pub struct Vault {
    root: PathBuf,
    meta: VaultMeta,
    /// Where objects and ledgers are kept: the vault directory itself today.
    backend: Arc<dyn Backend>,
}

/// What `Vault::put` did with one stream of bytes.
#[derive(Debug, Clone)]
pub struct Stored {
    pub digest: Digest,
    pub size: u64,
    /// False when an object with these bytes was already in the store.
    pub new: bool,
    /// The stored copy no longer matched its name (corrupt) and was replaced by these bytes.
    pub repaired: bool,
    /// The first bytes of the stream, for content sniffing (up to `HEAD_LEN`).
    pub head: Vec<u8>,
}

/// How many leading bytes `put` keeps for content sniffing.
pub const HEAD_LEN: usize = 64 * 1024;

/// `put` failed either on the source side (the caller's file) or on the vault side.
#[derive(Debug)]
pub enum PutError {
    /// Reading the source failed: the source is at fault, the vault is untouched.
    Source(io::Error),
    /// Writing into the vault failed.
    Store(Error),
}

impl Vault {
    /// Create a vault at `root` (or recognise an existing one). Returns whether it was created.
    ///
    /// The vault is built whole in a sibling staging directory and renamed into place, so two
    /// processes creating the same vault at once (two cron jobs on first use) both succeed: one
    /// creates it, the other opens it. A crash leaves no half-made vault at `root`.
    pub fn init(root: &Path) -> Result<(Vault, bool)> {
        if root.join(META_FILE).exists() {
            return Ok((Vault::open(root)?, false));
        }
        if root.exists() {
            let mut entries = fs::read_dir(root).at(root)?;
            if entries.next().is_some() {
                return Err(Error::NotEmpty {
                    path: root.to_path_buf(),
                });
            }
        }
        let parent = match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).at(&parent)?;
        let staging = tempfile::Builder::new()
            .prefix(".vault-init-")
            .tempdir_in(&parent)
            .at(&parent)?;
        let meta = build_skeleton(staging.path())?;
        match fs::rename(staging.path(), root) {
            Ok(()) => {
                // Moved away: nothing left for the guard to remove.
                let _ = staging.keep();
                sync_dir(&parent)?;
                Ok((Vault::with_local_backend(root, meta), true))
            }
            // Another process made the vault first: use theirs (the guard removes ours).
            Err(_) if root.join(META_FILE).exists() => Ok((Vault::open(root)?, false)),
            Err(_) if root.exists() && fs::read_dir(root).at(root)?.next().is_some() => {
                Err(Error::NotEmpty {
                    path: root.to_path_buf(),
                })
            }
            Err(e) => Err(Error::io(root, e)),
        }
    }

    /// Open an existing vault; an error with a hint when `root` holds none.
    pub fn open(root: &Path) -> Result<Vault> {
        let meta_path = root.join(META_FILE);
        let bytes = match fs::read(&meta_path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::NoVault {
                    path: root.to_path_buf(),
                });
            }
            Err(e) => return Err(Error::io(meta_path, e)),
        };
        let meta: VaultMeta = serde_json::from_slice(&bytes).map_err(|e| Error::BadVault {
            path: meta_path.clone(),
            reason: format!("not a valid vault.json: {e}"),
        })?;
        if meta.format != FORMAT {
            return Err(Error::BadVault {
                path: meta_path,
                reason: format!("format is {:?}, expected {FORMAT:?}", meta.format),
            });
        }
        if meta.format_version > FORMAT_VERSION {
            return Err(Error::BadVault {
                path: meta_path,
                reason: format!(
                    "format version {} is newer than this vault tool understands ({FORMAT_VERSION}); upgrade vault",
                    meta.format_version
                ),
            });
        }
        Ok(Vault::with_local_backend(root, meta))
    }

    fn with_local_backend(root: &Path, meta: VaultMeta) -> Vault {
        Vault {
            root: root.to_path_buf(),
            meta,
            backend: Arc::new(LocalDir::new(root)),
        }
    }

    /// Where this vault keeps its objects and ledgers.
    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn meta(&self) -> &VaultMeta {
        &self.meta
    }

    /// Rewrite `vault.json` (atomically) with `meta`, keeping what identifies the vault.
    pub fn update_meta(&mut self, edit: impl FnOnce(&mut VaultMeta)) -> Result<()> {
        let mut meta = self.meta.clone();
        edit(&mut meta);
        let mut json = serde_json::to_vec_pretty(&meta).expect("serialising VaultMeta");
        json.push(b'\n');
        self.write_file_atomic(&self.root.join(META_FILE), &json)?;
        self.meta = meta;
        Ok(())
    }

    /// `keys.jsonl`: every signing key the vault has had, each announced by the one before.
    pub fn keys_log(&self) -> PathBuf {
        self.root.join("keys.jsonl")
    }

    /// The exact bytes of `order`'s signature log; `None` when it has none.
    pub fn read_signatures(&self, order: &OrderId) -> Result<Option<Vec<u8>>> {
        self.backend
            .read_signatures(order)
            .at(self.order_dir(order).join(backend::SIGNATURES_FILE))
    }

    pub fn objects_dir(&self) -> PathBuf {
        self.root.join("objects/sha256")
    }

    pub fn orders_dir(&self) -> PathBuf {
        self.root.join("orders")
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// `objects/sha256/ab/abcdef…`
    /// (The layout's name for the object, used in messages; read objects with `open_object`.)
    pub fn object_path(&self, d: &Digest) -> PathBuf {
        let hex = d.hex();
        self.objects_dir().join(&hex[..2]).join(hex)
    }

    /// `orders/<shard>/<order>`
    pub fn order_dir(&self, order: &OrderId) -> PathBuf {
        self.orders_dir().join(order.shard()).join(order.as_str())
    }

    /// Stream `src` into the store, hashing and copying in one pass.
    ///
    /// The object is durable (data fsynced, linked under its final name) when this returns, but the
    /// directory entry is only durable once `sync_object_dir` has run for it: callers batch those.
    pub fn put(&self, mut src: impl Read) -> Result<Stored, PutError> {
        let tmp_dir = self.tmp_dir();
        let mut tmp = tempfile::Builder::new()
            .prefix("put-")
            .suffix(".part")
            .tempfile_in(&tmp_dir)
            .map_err(|e| PutError::Store(Error::io(&tmp_dir, e)))?;
        let mut hasher = Hasher::default();
        let mut buf = vec![0u8; BUF_SIZE];
        let mut head = Vec::new();
        let mut size = 0u64;
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(PutError::Source(e)),
            };
            let chunk = &buf[..n];
            if head.len() < HEAD_LEN {
                let take = (HEAD_LEN - head.len()).min(n);
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(chunk);
            tmp.write_all(chunk)
                .map_err(|e| PutError::Store(Error::io(tmp.path(), e)))?;
            size += n as u64;
        }
        let digest = hasher.finish();
        let dest = self.object_path(&digest);
        let store_err = |p: &Path, e| PutError::Store(Error::io(p, e));
        let stored = |new, repaired| Stored {
            digest,
            size,
            new,
            repaired,
            head,
        };
        let existing = self
            .backend
            .object_size(&digest)
            .map_err(|e| store_err(&dest, e))?;
        // Already stored and intact: the temp file is dropped (and removed) unlinked. A stored
        // copy whose bytes no longer hash to its name is evidence lost; these bytes do, so they
        // replace it (the only case where an object is ever overwritten).
        let corrupt = match existing {
            None => false,
            Some(n) if n != size => true,
            Some(_) => !self.rehash_object(&digest).is_ok_and(|(d, _)| d == digest),
        };
        if existing.is_some() && !corrupt {
            return Ok(stored(false, false));
        }
        tmp.as_file()
            .sync_data()
            .map_err(|e| store_err(tmp.path(), e))?;
        set_read_only(tmp.as_file()).map_err(|e| store_err(tmp.path(), e))?;
        if corrupt {
            self.backend
                .replace_corrupt_object(&digest, tmp)
                .map_err(|e| store_err(&dest, e))?;
            return Ok(stored(false, true));
        }
        let created = self
            .backend
            .put_object(&digest, tmp)
            .map_err(|e| store_err(&dest, e))?;
        Ok(stored(created, false))
    }

    /// Make the directory entry of a newly stored object durable.
    pub fn sync_object_dir(&self, d: &Digest) -> Result<()> {
        self.backend.sync_object(d).at(self.object_path(d))
    }

    /// Re-read an object from disk and return the digest of what is there.
    pub fn rehash_object(&self, d: &Digest) -> Result<(Digest, u64)> {
        hash_reader(self.open_object(d)?).at(self.object_path(d))
    }

    /// Open an object for reading (buffered; seekable, for zip readers).
    pub fn open_object(&self, d: &Digest) -> Result<Box<dyn ReadSeek>> {
        self.backend.open_object(d).at(self.object_path(d))
    }

    /// A local file holding the object, for tools that need a path (ffmpeg, image decoders).
    pub fn object_file(&self, d: &Digest) -> Result<PathBuf> {
        self.backend.object_file(d).ok_or_else(|| Error::Io {
            path: self.object_path(d),
            source: io::Error::new(
                io::ErrorKind::Unsupported,
                "this store keeps objects elsewhere; no local file",
            ),
        })
    }

    /// The exact bytes of `order`'s ledger; `None` when the vault has no such order.
    pub fn read_ledger(&self, order: &OrderId) -> Result<Option<Vec<u8>>> {
        self.backend
            .read_ledger(order)
            .at(self.order_dir(order).join(LEDGER_FILE))
    }

    /// Read an object whole, refusing one larger than `max` bytes (for parsers of derived data).
    pub fn read_object_bounded(
        &self,
        d: &Digest,
        max: u64,
    ) -> std::result::Result<Vec<u8>, String> {
        let f = self.open_object(d).map_err(|e| e.to_string())?;
        crate::bounded::read_at_most(f, max)
    }

    /// Write a small file atomically (temp, fsync, rename, fsync dir). For vault metadata, not objects.
    pub fn write_file_atomic(&self, dest: &Path, bytes: &[u8]) -> Result<()> {
        let dir = dest.parent().expect("atomic write target has a parent");
        let tmp_dir = self.tmp_dir();
        let staging = if tmp_dir.is_dir() {
            tmp_dir
        } else {
            dir.to_path_buf()
        };
        let mut tmp = tempfile::Builder::new()
            .prefix("meta-")
            .tempfile_in(&staging)
            .at(&staging)?;
        tmp.write_all(bytes).at(tmp.path())?;
        tmp.as_file().sync_all().at(tmp.path())?;
        tmp.persist(dest).map_err(|e| Error::io(dest, e.error))?;
        sync_dir(dir)
    }

    /// All orders with a ledger, sorted by id. Directories that are not valid order ids are returned
    /// separately so that `verify` can report them.
    pub fn orders(&self) -> Result<(Vec<OrderId>, Vec<PathBuf>)> {
        let mut orders = Vec::new();
        let mut strays = Vec::new();
        let base = self.orders_dir();
        for shard in fs::read_dir(&base).at(&base)? {
            let shard = shard.at(&base)?;
            let shard_path = shard.path();
            if !shard_path.is_dir() {
                strays.push(shard_path);
                continue;
            }
            for entry in fs::read_dir(&shard_path).at(&shard_path)? {
                let entry = entry.at(&shard_path)?;
                let path = entry.path();
                let order = entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<OrderId>().ok());
                match order {
                    Some(o) if o.shard() == shard.file_name().to_string_lossy() => orders.push(o),
                    _ => strays.push(path),
                }
            }
        }
        orders.sort();
        strays.sort();
        Ok((orders, strays))
    }
}

/// Make a complete vault's directories and `vault.json` (written last) in `dir`.
fn build_skeleton(dir: &Path) -> Result<VaultMeta> {
    for sub in ["objects/sha256", "orders", "cache", "tmp"] {
        fs::create_dir_all(dir.join(sub)).at(dir.join(sub))?;
    }
    // All 256 shard directories exist from the start: no racing creates, and no directory
    // fsync for a new shard on the ingest path.
    for i in 0..=255u8 {
        let shard = format!("{i:02x}");
        for base in ["objects/sha256", "orders"] {
            let d = dir.join(base).join(&shard);
            fs::create_dir_all(&d).at(&d)?;
        }
    }
    for base in ["objects/sha256", "orders", "cache", "tmp", "objects", ""] {
        sync_dir(&dir.join(base))?;
    }
    let now = Utc::now();
    let meta = VaultMeta {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        vault_id: new_vault_id(&now),
        created_at: now.to_rfc3339_opts(SecondsFormat::Millis, true),
        created_by_tool: crate::TOOL.to_string(),
        signing: None,
        tsa: Vec::new(),
    };
    let mut json = serde_json::to_vec_pretty(&meta).expect("serialising VaultMeta");
    json.push(b'\n');
    // vault.json is written last, atomically: a vault is only a vault once it is complete.
    Vault::with_local_backend(dir, meta.clone()).write_file_atomic(&dir.join(META_FILE), &json)?;
    Ok(meta)
}

fn new_vault_id(now: &DateTime<Utc>) -> String {
    // Unique enough to tell vaults apart: time, pid and a per-boot random from the kernel when
    // available. Not a secret.
    let random = fs::read_to_string("/proc/sys/kernel/random/uuid").unwrap_or_default();
    let seed = format!(
        "{}|{}|{}|{}",
        now.timestamp_nanos_opt().unwrap_or_default(),
        std::process::id(),
        random.trim(),
        std::env::temp_dir().display()
    );
    Digest::of(seed.as_bytes()).hex()[..32].to_string()
}

/// fsync a directory so that entries created in it survive a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let f = File::open(dir).at(dir)?;
        f.sync_all().at(dir)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn set_read_only(f: &File) -> io::Result<()> {
    let mut perm = f.metadata()?.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        perm.set_mode(0o444);
    }
    #[cfg(not(unix))]
    perm.set_readonly(true);
    f.set_permissions(perm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_stores_once_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let (v, created) = Vault::init(&dir.path().join("v")).unwrap();
        assert!(created);
        let a = v.put(&b"hello"[..]).unwrap_or_else(|_| panic!("put"));
        assert!(a.new);
        assert_eq!(a.digest, Digest::of(b"hello"));
        assert_eq!(fs::read(v.object_path(&a.digest)).unwrap(), b"hello");
        let b = v.put(&b"hello"[..]).unwrap_or_else(|_| panic!("put"));
        assert!(!b.new);
        assert!(
            fs::metadata(v.object_path(&a.digest))
                .unwrap()
                .permissions()
                .readonly()
        );
        assert_eq!(
            fs::read_dir(v.tmp_dir()).unwrap().count(),
            0,
            "no temp left"
        );
    }

    #[test]
    fn init_is_idempotent_and_refuses_foreign_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("v");
        let (v1, c1) = Vault::init(&root).unwrap();
        let (v2, c2) = Vault::init(&root).unwrap();
        assert!(c1 && !c2);
        assert_eq!(v1.meta().vault_id, v2.meta().vault_id);
        let other = dir.path().join("other");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("x"), b"x").unwrap();
        assert!(matches!(Vault::init(&other), Err(Error::NotEmpty { .. })));
        assert!(matches!(Vault::open(&other), Err(Error::NoVault { .. })));
    }
}

//! Signed ledger heads and the vault's signing keys.
//!
//! Each command that appends to a ledger signs the new head with the vault's key: a minisign
//! signature over a short text naming the vault, the order, the sequence number and the head hash,
//! kept one JSON line per head in the order's `signatures.jsonl` beside its ledger. A signed head
//! vouches for every entry before it through the chain.
//!
//! `keys.jsonl` lists every key the vault has had: the first signs its own announcement, each
//! later one is announced signed by the key before it (rotation), so `verify` can follow the
//! history from the key `vault.json` names. Secret keys live outside the vault (see [`secret_key_path`]).

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::ledger::Ledger;
use crate::store::order::OrderId;
use crate::store::{SigningKeyMeta, Vault};
use crate::trust::minisig::{KeyId, PublicKey, SecretKey, SignatureBox};

/// The text a head's signature signs (its trusted comment says the same on one line).
pub fn head_text(vault_id: &str, order: &OrderId, seq: u64, head: &Digest) -> String {
    format!(
        "evidence-vault ledger head\nvault: {vault_id}\norder: {order}\nseq: {seq}\nhead: {head}\n"
    )
}

/// One line of `signatures.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignedHead {
    pub seq: u64,
    pub head: Digest,
    pub key_id: String,
    #[serde(with = "crate::time::rfc3339")]
    pub at: DateTime<Utc>,
    /// The `.minisig` text over [`head_text`].
    pub minisig: String,
}

/// One line of `keys.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyAnnouncement {
    pub key_id: String,
    pub public_key: String,
    #[serde(with = "crate::time::rfc3339")]
    pub at: DateTime<Utc>,
    pub by: String,
    /// The key this one replaces, which signed this announcement (`by_previous`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_previous: Option<String>,
    /// The new key's own signature over the announcement (proof that its holder made it).
    pub by_itself: String,
}

fn announcement_text(vault_id: &str, key: &PublicKey, previous: Option<&str>) -> String {
    format!(
        "evidence-vault signing key\nvault: {vault_id}\nkey: {}\npublic: {}\nprevious: {}\n",
        key.id,
        key.base64(),
        previous.unwrap_or("none")
    )
}

/// The keys a vault has had, as `keys.jsonl` announces them, each checked against the one before.
#[derive(Debug, Default)]
pub struct Keyring {
    pub keys: Vec<PublicKey>,
    /// What is wrong with the history (a line that does not parse or verify), by line number.
    pub problems: Vec<(usize, String)>,
}

impl Keyring {
    pub fn read(vault: &Vault) -> Result<Keyring> {
        let path = vault.keys_log();
        let text = match std::fs::read(&path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut ring = Keyring::parse(&vault.meta().vault_id, &text);
        if let Some(current) = &vault.meta().signing
            && ring
                .get(&current.key_id.parse().unwrap_or(KeyId([0; 8])))
                .is_none()
        {
            ring.problems.push((
                0,
                format!(
                    "vault.json names key {} but keys.jsonl does not announce it",
                    current.key_id
                ),
            ));
        }
        Ok(ring)
    }

    /// The keys `keys.jsonl`'s text announces for vault `vault_id`.
    pub fn parse(vault_id: &str, text: &str) -> Keyring {
        let mut ring = Keyring::default();
        for (i, line) in text.lines().enumerate() {
            if let Err(what) = ring.accept(vault_id, line) {
                ring.problems.push((i + 1, what));
            }
        }
        ring
    }

    /// A ring of one key taken on trust (a bag without its vault's key history).
    pub fn of(key: PublicKey) -> Keyring {
        Keyring {
            keys: vec![key],
            problems: Vec::new(),
        }
    }

    fn accept(&mut self, vault_id: &str, line: &str) -> std::result::Result<(), String> {
        let a: KeyAnnouncement =
            serde_json::from_str(line).map_err(|e| format!("not a key announcement: {e}"))?;
        let key = PublicKey::parse(&a.public_key)?;
        if key.id.to_string() != a.key_id {
            return Err(format!("key id {} does not match its public key", a.key_id));
        }
        let text = announcement_text(vault_id, &key, a.previous.as_deref());
        let check = |signer: &PublicKey, sig: &str| {
            SignatureBox::parse(sig).and_then(|s| signer.verify(&s, text.as_bytes()))
        };
        check(&key, &a.by_itself).map_err(|e| format!("key {}: {e}", a.key_id))?;
        match (&a.previous, self.keys.last()) {
            (None, None) => {}
            (Some(prev), Some(last)) if *prev == last.id.to_string() => {
                let sig = a.by_previous.as_deref().ok_or(format!(
                    "key {} replaces {prev} without that key's signature",
                    a.key_id
                ))?;
                check(last, sig).map_err(|e| {
                    format!(
                        "key {}: the announcement by {prev} does not verify: {e}",
                        a.key_id
                    )
                })?;
            }
            (prev, last) => {
                return Err(format!(
                    "key {} says it replaces {}, but the key before it is {}",
                    a.key_id,
                    prev.as_deref().unwrap_or("no key"),
                    last.map(|k| k.id.to_string()).unwrap_or("none".into())
                ));
            }
        }
        self.keys.push(key);
        Ok(())
    }

    pub fn get(&self, id: &KeyId) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.id == *id)
    }
}

/// Where the secret key `id` is looked for: `$VAULT_SIGNING_KEY` if set, else
/// `$XDG_CONFIG_HOME/vault/keys/<ID>.key` (`~/.config/vault/keys/<ID>.key`).
pub fn secret_key_path(id: &str) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("VAULT_SIGNING_KEY").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(keys_dir()?.join(format!("{id}.key")))
}

/// `$XDG_CONFIG_HOME/vault/keys`, else `~/.config/vault/keys`.
pub fn keys_dir() -> Result<PathBuf> {
    crate::paths::xdg_dir("XDG_CONFIG_HOME", ".config")
        .map(|d| d.join("vault/keys"))
        .ok_or_else(|| {
            Error::Usage(
                "no place for signing keys: set VAULT_SIGNING_KEY, XDG_CONFIG_HOME or HOME".into(),
            )
        })
}

/// The vault's secret key, opened, with what it signs for.
#[derive(Debug)]
pub struct Signer {
    vault_id: String,
    key: SecretKey,
}

/// Loaded signers, one per vault a process touches (an encrypted key asks its password once).
static SIGNERS: Mutex<Vec<(PathBuf, Arc<Signer>)>> = Mutex::new(Vec::new());

impl Signer {
    /// The signer for `vault`'s current key, or `None` when the vault has no key. A vault with a
    /// key whose secret half is not found or does not open is an error: a cron job set up to sign
    /// must not file unsigned entries without anyone hearing of it.
    pub fn for_vault(vault: &Vault) -> Result<Option<Arc<Signer>>> {
        let Some(meta) = &vault.meta().signing else {
            return Ok(None);
        };
        let mut cache = SIGNERS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, s)) = cache
            .iter()
            .find(|(root, s)| root == vault.root() && s.key.id.to_string() == meta.key_id)
        {
            return Ok(Some(s.clone()));
        }
        let signer = Arc::new(Signer {
            vault_id: vault.meta().vault_id.clone(),
            key: open_secret_key(meta)?,
        });
        cache.push((vault.root().to_path_buf(), signer.clone()));
        Ok(Some(signer))
    }

    pub fn key_id(&self) -> KeyId {
        self.key.id
    }

    pub fn public(&self) -> PublicKey {
        self.key.public()
    }

    /// Sign `order`'s head `head` at entry `seq`.
    pub fn sign_head(&self, order: &OrderId, seq: u64, head: &Digest) -> SignedHead {
        let at = Utc::now();
        let text = head_text(&self.vault_id, order, seq, head);
        let sig = self.sign_text(
            &text,
            &format!(
                "vault ledger head order={order} seq={seq} head={head} at={} key={}",
                crate::time::format_time(&at),
                self.key.id
            ),
        );
        SignedHead {
            seq,
            head: *head,
            key_id: self.key.id.to_string(),
            at,
            minisig: sig.to_string(),
        }
    }

    /// Sign a short text with a trusted comment.
    pub fn sign_text(&self, text: &str, trusted_comment: &str) -> SignatureBox {
        self.key
            .sign(
                text.as_bytes(),
                trusted_comment,
                "signature from evidence-vault",
            )
            .expect("reading from memory cannot fail")
    }

    /// Sign a file whose minisign prehash (`trust::minisig::prehash`) the caller computed.
    pub fn sign_file_prehashed(&self, prehash: &[u8], trusted_comment: &str) -> SignatureBox {
        self.key.sign_prehashed(
            prehash,
            trusted_comment,
            &format!(
                "signature from evidence-vault key {}; check: minisign -V -P <public key> -m FILE",
                self.key.id
            ),
        )
    }
}

fn open_secret_key(meta: &SigningKeyMeta) -> Result<SecretKey> {
    let path = secret_key_path(&meta.key_id)?;
    let hint = format!(
        "the vault signs with key {}: put its secret key at {} (or set VAULT_SIGNING_KEY), or make a new key with `vault key generate`",
        meta.key_id,
        path.display()
    );
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            return Err(Error::BadInput {
                path,
                what: format!("the vault's secret signing key cannot be read: {e}"),
                hint,
            });
        }
    };
    let bad = |what: String| Error::BadInput {
        path: path.clone(),
        what,
        hint: hint.clone(),
    };
    let encrypted = SecretKey::is_encrypted_box(&text).map_err(&bad)?;
    let password = std::env::var("VAULT_KEY_PASSWORD").ok();
    if encrypted && password.is_none() && !std::io::stdin().is_terminal() {
        return Err(Error::BadInput {
            path,
            what: "the secret key is encrypted and no password was given".into(),
            hint: "set VAULT_KEY_PASSWORD, or for cron make an unencrypted key with `vault key generate`".into(),
        });
    }
    let key = SecretKey::open(&text, password).map_err(&bad)?;
    if key.id.to_string() != meta.key_id {
        return Err(bad(format!(
            "this is key {}, not the vault's key {}",
            key.id, meta.key_id
        )));
    }
    Ok(key)
}

/// What `vault key generate` did.
#[derive(Debug, Clone, Serialize)]
pub struct NewKey {
    pub key_id: String,
    pub fingerprint: String,
    pub public_key: String,
    #[serde(serialize_with = "crate::paths::lossy")]
    pub secret_key: PathBuf,
    #[serde(serialize_with = "crate::paths::lossy")]
    pub public_key_file: PathBuf,
    pub encrypted: bool,
    /// The key it replaces, which signed its announcement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// Make a new signing key for `vault`: the secret key (0600, never overwritten) outside the vault,
/// the public key announced in `keys.jsonl` (signed by the current key when there is one) and
/// named in `vault.json`.
pub fn generate(vault: &mut Vault, password: Option<String>, by: &str) -> Result<NewKey> {
    let previous = match &vault.meta().signing {
        Some(_) => Signer::for_vault(vault)?,
        None => None,
    };
    let encrypted = password.is_some();
    let kp = SecretKey::generate(password.clone())
        .map_err(|e| Error::Usage(format!("generating a key: {e}")))?;
    let id = kp.public.id.to_string();
    let secret_path = match std::env::var_os("VAULT_SIGNING_KEY").filter(|p| !p.is_empty()) {
        Some(_) if previous.is_some() => {
            return Err(Error::Usage(
                "VAULT_SIGNING_KEY names the current key's file: unset it to make a new key (it is written to the keys directory)".into(),
            ));
        }
        _ => secret_key_path(&id)?,
    };
    write_private(&secret_path, kp.secret_box.as_bytes())?;
    let public_path = secret_path.with_extension("pub");
    write_new(&public_path, kp.public.to_box().as_bytes(), 0o644)?;
    let text = announcement_text(
        &vault.meta().vault_id,
        &kp.public,
        previous.as_ref().map(|p| p.key.id.to_string()).as_deref(),
    );
    let own = SecretKey::open(&kp.secret_box, password)
        .map_err(|e| Error::Usage(format!("opening the new key: {e}")))?;
    let comment = format!("vault signing key {id}");
    let announcement = KeyAnnouncement {
        key_id: id.clone(),
        public_key: kp.public.base64(),
        at: Utc::now(),
        by: by.to_string(),
        previous: previous.as_ref().map(|p| p.key.id.to_string()),
        by_previous: previous
            .as_ref()
            .map(|p| p.sign_text(&text, &comment).to_string()),
        by_itself: own
            .sign(text.as_bytes(), &comment, "signature from evidence-vault")
            .expect("reading from memory cannot fail")
            .to_string(),
    };
    let mut line = serde_json::to_vec(&announcement).expect("serialising a key announcement");
    line.push(b'\n');
    append_durably(&vault.keys_log(), &line)?;
    let meta = SigningKeyMeta {
        key_id: id.clone(),
        public_key: kp.public.base64(),
        fingerprint: kp.public.fingerprint().hex(),
    };
    vault.update_meta(|m| m.signing = Some(meta.clone()))?;
    Ok(NewKey {
        key_id: id,
        fingerprint: meta.fingerprint,
        public_key: meta.public_key,
        secret_key: secret_path,
        public_key_file: public_path,
        encrypted,
        replaces: previous.map(|p| p.key.id.to_string()),
    })
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_new(path, bytes, 0o600)
}

/// Create `path` (never replacing a file) with `mode`, its parent made private when new.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).at(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = o.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Exists {
                path: path.to_path_buf(),
            }
        } else {
            Error::io(path, e)
        }
    })?;
    f.write_all(bytes).at(path)?;
    f.sync_all().at(path)
}

fn append_durably(path: &Path, line: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .at(path)?;
    f.lock().at(path)?;
    f.write_all(line).at(path)?;
    f.sync_all().at(path)
}

/// What an order's signature log says about its ledger.
#[derive(Debug, Default, Clone, Serialize)]
pub struct HeadCheck {
    /// The highest entry whose head is signed by a known key (it vouches for all before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_through: Option<u64>,
    /// The keys that signed.
    pub keys: BTreeSet<String>,
    /// Signatures checked.
    pub signatures: usize,
    /// Wrong signatures: (1-based line of signatures.jsonl, what).
    #[serde(skip)]
    pub problems: Vec<(usize, String)>,
}

/// Check `order`'s signature log against its ledger: each signature by a key of the ring, over
/// the head the ledger has at that entry. A partial last line (a write cut short) is ignored.
pub fn check_heads(
    vault_id: &str,
    order: &OrderId,
    ledger: &Ledger,
    signatures: &[u8],
    ring: &Keyring,
) -> HeadCheck {
    let mut check = HeadCheck::default();
    let complete = signatures
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    for (i, raw) in signatures[..complete]
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        let line = i + 1;
        match check_one(vault_id, order, ledger, raw, ring) {
            Ok((seq, key)) => {
                check.signatures += 1;
                check.keys.insert(key);
                check.signed_through = Some(check.signed_through.map_or(seq, |s| s.max(seq)));
            }
            Err(what) => check.problems.push((line, what)),
        }
    }
    check
}

fn check_one(
    vault_id: &str,
    order: &OrderId,
    ledger: &Ledger,
    raw: &[u8],
    ring: &Keyring,
) -> std::result::Result<(u64, String), String> {
    let s: SignedHead =
        serde_json::from_slice(raw).map_err(|e| format!("not a signed head: {e}"))?;
    let line = ledger.lines.get(s.seq as usize).ok_or(format!(
        "signs entry {} but the ledger has {} entries (entries were removed)",
        s.seq,
        ledger.lines.len()
    ))?;
    if line.hash != s.head {
        return Err(format!(
            "signs entry {} with head {}, but that entry now hashes to {} (the ledger was edited)",
            s.seq,
            s.head.short(),
            line.hash.short()
        ));
    }
    let sig = SignatureBox::parse(&s.minisig)?;
    let key = ring.get(&sig.key_id).ok_or(format!(
        "signed by key {}, which keys.jsonl does not announce",
        sig.key_id
    ))?;
    key.verify(&sig, head_text(vault_id, order, s.seq, &s.head).as_bytes())
        .map_err(|e| format!("entry {}: {e}", s.seq))?;
    Ok((s.seq, sig.key_id.to_string()))
}

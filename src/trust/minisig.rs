//! Ed25519 signatures in minisign's formats, so that `minisign -V` checks what vault signs and vault
//! checks what minisign signs.
//!
//! ```text
//! public key   untrusted comment: minisign public key <KEYID>
//!              base64("Ed" ‖ keynum[8] ‖ pk[32])
//! signature    untrusted comment: <free text>
//!              base64("ED" ‖ keynum[8] ‖ Ed25519(BLAKE2b-512(data)))
//!              trusted comment: <one line>
//!              base64(Ed25519(signature[64] ‖ trusted comment))
//! ```
//!
//! Key files (generation, scrypt encryption, opening) go through the `minisign` crate, written by
//! minisign's author. Signing uses `ed25519-dalek`, which signs deterministically (RFC 8032): the
//! same evidence signs to the same bytes, so two bundles of the same evidence stay byte-identical
//! (the `minisign` crate adds randomness to each signature).

use std::fmt;
use std::io::{self, Read};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature as EdSignature, Signer as _, SigningKey, VerifyingKey};

use crate::digest::Digest;

/// A key's 8-byte id, shown as minisign shows it: 16 uppercase hex digits of its little-endian value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl std::str::FromStr for KeyId {
    type Err = String;
    fn from_str(s: &str) -> Result<KeyId, String> {
        if s.len() != 16 {
            return Err(format!("{s:?} is not a key id (16 hex digits)"));
        }
        u64::from_str_radix(s, 16)
            .map(|v| KeyId(v.to_le_bytes()))
            .map_err(|_| format!("{s:?} is not a key id (16 hex digits)"))
    }
}

/// A public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub id: KeyId,
    key: VerifyingKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

const PK_ALG: &[u8; 2] = b"Ed";
const SIG_PREHASHED: &[u8; 2] = b"ED";
const SIG_LEGACY: &[u8; 2] = b"Ed";
const UNTRUSTED: &str = "untrusted comment: ";
const TRUSTED: &str = "trusted comment: ";

impl PublicKey {
    /// The key's base64 line, as `minisign -P` takes it.
    pub fn base64(&self) -> String {
        B64.encode(self.blob())
    }

    fn blob(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(42);
        b.extend_from_slice(PK_ALG);
        b.extend_from_slice(&self.id.0);
        b.extend_from_slice(self.key.as_bytes());
        b
    }

    /// The SHA-256 of the key's 42 bytes: what to publish beside the id.
    pub fn fingerprint(&self) -> Digest {
        Digest::of(&self.blob())
    }

    /// Exactly what minisign writes into a `.pub` file.
    pub fn to_box(&self) -> String {
        format!(
            "{UNTRUSTED}minisign public key {}\n{}\n",
            self.id,
            self.base64()
        )
    }

    /// Read a `.pub` file's text, or the bare base64 line.
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with(UNTRUSTED))
            .ok_or("no public key line")?;
        let bytes = B64
            .decode(line)
            .map_err(|e| format!("the public key is not base64: {e}"))?;
        if bytes.len() != 42 || &bytes[..2] != PK_ALG {
            return Err("not an Ed25519 minisign public key".into());
        }
        let id = KeyId(bytes[2..10].try_into().expect("8 bytes"));
        let key = VerifyingKey::from_bytes(&bytes[10..42].try_into().expect("32 bytes"))
            .map_err(|e| format!("not a valid Ed25519 public key: {e}"))?;
        Ok(PublicKey { id, key })
    }

    /// Check `sig` over `data` and its trusted comment: both the signature and the global signature
    /// that binds the comment must hold, and the key ids must agree.
    pub fn verify(&self, sig: &SignatureBox, data: impl Read) -> Result<(), String> {
        if sig.key_id != self.id {
            return Err(format!(
                "signed by key {}, not by key {}",
                sig.key_id, self.id
            ));
        }
        let message = if sig.prehashed {
            prehash(data).map_err(|e| format!("reading the signed data: {e}"))?
        } else {
            // Legacy (un-prehashed) signatures hold the data whole; bound it.
            let mut v = Vec::new();
            data.take(LEGACY_MAX + 1)
                .read_to_end(&mut v)
                .map_err(|e| format!("reading the signed data: {e}"))?;
            if v.len() as u64 > LEGACY_MAX {
                return Err("a legacy (un-prehashed) signature over more than 64 MiB".into());
            }
            v
        };
        self.key
            .verify_strict(&message, &EdSignature::from_bytes(&sig.signature))
            .map_err(|_| "signature verification failed".to_string())?;
        let mut global = sig.signature.to_vec();
        global.extend_from_slice(sig.trusted_comment.as_bytes());
        self.key
            .verify_strict(&global, &EdSignature::from_bytes(&sig.global))
            .map_err(|_| "the trusted comment's signature does not verify".to_string())
    }
}

const LEGACY_MAX: u64 = 64 << 20;

/// minisign's prehash: BLAKE2b-512 of the data.
pub fn prehash(data: impl Read) -> io::Result<Vec<u8>> {
    let mut h = Prehasher::default();
    crate::digest::read_chunks(data, &mut vec![0u8; 64 * 1024], |bytes| h.update(bytes))?;
    Ok(h.finish())
}

/// minisign's prehash (BLAKE2b-512), fed incrementally.
pub struct Prehasher(blake2b_simd::State);

impl Default for Prehasher {
    fn default() -> Self {
        Prehasher(blake2b_simd::State::new())
    }
}

impl Prehasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub fn finish(self) -> Vec<u8> {
        self.0.finalize().as_bytes().to_vec()
    }
}

/// A secret key, opened (decrypted when it was encrypted).
pub struct SecretKey {
    pub id: KeyId,
    key: SigningKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "SecretKey({}, …)", self.id)
    }
}

/// A new key pair, as the files minisign would write.
pub struct NewKeyPair {
    pub public: PublicKey,
    /// The `.key` file's text (encrypted with scrypt when a password was given).
    pub secret_box: String,
}

/// Offsets in the secret key's decoded bytes: alg[2] kdf[2] chk[2] salt[32] ops[8] mem[8] keynum[8] sk[64] chk[32].
const SK_KEYNUM: std::ops::Range<usize> = 54..62;
const SK_SEED: std::ops::Range<usize> = 62..94;

impl SecretKey {
    /// Make a key pair: unencrypted (for cron) or, with a password, scrypt-encrypted as
    /// `minisign -G` makes it.
    pub fn generate(password: Option<String>) -> Result<NewKeyPair, String> {
        let kp = match &password {
            None => minisign::KeyPair::generate_unencrypted_keypair(),
            Some(p) => minisign::KeyPair::generate_encrypted_keypair(Some(p.clone())),
        }
        .map_err(|e| e.to_string())?;
        let comment = if password.is_some() {
            "minisign encrypted secret key (evidence-vault)"
        } else {
            "minisign secret key, NOT encrypted (evidence-vault; keep this file private)"
        };
        let secret_box = kp.sk.to_box(Some(comment)).map_err(|e| e.to_string())?;
        let public = PublicKey::parse(&kp.pk.to_box().map_err(|e| e.to_string())?.into_string())?;
        Ok(NewKeyPair {
            public,
            secret_box: secret_box.into_string(),
        })
    }

    /// Whether a `.key` file's text holds an encrypted key.
    pub fn is_encrypted_box(text: &str) -> Result<bool, String> {
        let line = text.lines().nth(1).ok_or("not a minisign secret key")?;
        let bytes = B64
            .decode(line.trim())
            .map_err(|_| "not a minisign secret key (the key line is not base64)")?;
        if bytes.len() < 4 {
            return Err("not a minisign secret key".into());
        }
        Ok(bytes[2..4] != [0, 0])
    }

    /// Open a `.key` file's text; `password` for an encrypted one.
    pub fn open(text: &str, password: Option<String>) -> Result<SecretKey, String> {
        let bx = minisign::SecretKeyBox::from_string(text).map_err(|e| e.to_string())?;
        let sk = if Self::is_encrypted_box(text)? {
            let password = password.ok_or("the key is encrypted and no password was given")?;
            bx.into_secret_key(Some(password))
        } else {
            bx.into_unencrypted_secret_key()
        }
        .map_err(|e| e.to_string())?;
        let bytes = sk.to_bytes();
        if bytes.len() < SK_SEED.end {
            return Err("the secret key is too short".into());
        }
        let id = KeyId(bytes[SK_KEYNUM].try_into().expect("8 bytes"));
        let key = SigningKey::from_bytes(&bytes[SK_SEED].try_into().expect("32 bytes"));
        Ok(SecretKey { id, key })
    }

    pub fn public(&self) -> PublicKey {
        PublicKey {
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Sign `data` with a trusted comment (one line; signed) and an untrusted one (one line).
    pub fn sign(
        &self,
        data: impl Read,
        trusted_comment: &str,
        untrusted_comment: &str,
    ) -> io::Result<SignatureBox> {
        Ok(self.sign_prehashed(&prehash(data)?, trusted_comment, untrusted_comment))
    }

    /// Sign data whose [`prehash`] the caller computed (while doing other work with the bytes).
    pub fn sign_prehashed(
        &self,
        prehash: &[u8],
        trusted_comment: &str,
        untrusted_comment: &str,
    ) -> SignatureBox {
        let one_line = |s: &str| s.replace(['\r', '\n'], " ");
        let trusted_comment = one_line(trusted_comment);
        let signature = self.key.sign(prehash).to_bytes();
        let mut global = signature.to_vec();
        global.extend_from_slice(trusted_comment.as_bytes());
        let global = self.key.sign(&global).to_bytes();
        SignatureBox {
            untrusted_comment: one_line(untrusted_comment),
            key_id: self.id,
            signature,
            prehashed: true,
            trusted_comment,
            global,
        }
    }
}

/// A `.minisig` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureBox {
    pub untrusted_comment: String,
    pub key_id: KeyId,
    signature: [u8; 64],
    prehashed: bool,
    pub trusted_comment: String,
    global: [u8; 64],
}

impl fmt::Display for SignatureBox {
    /// Exactly the `.minisig` file's text.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mut sig = Vec::with_capacity(74);
        sig.extend_from_slice(if self.prehashed {
            SIG_PREHASHED
        } else {
            SIG_LEGACY
        });
        sig.extend_from_slice(&self.key_id.0);
        sig.extend_from_slice(&self.signature);
        write!(
            f,
            "{UNTRUSTED}{}\n{}\n{TRUSTED}{}\n{}\n",
            self.untrusted_comment,
            B64.encode(sig),
            self.trusted_comment,
            B64.encode(self.global)
        )
    }
}

/// The most a `.minisig` file may be: four lines with comments of a few KiB.
pub const MAX_SIGNATURE_FILE: u64 = 64 * 1024;

impl SignatureBox {
    /// Read a `.minisig` file's text.
    pub fn parse(text: &str) -> Result<SignatureBox, String> {
        let mut lines = text.lines();
        let mut next = |what: &str| {
            lines
                .next()
                .map(|l| l.trim_end_matches('\r'))
                .ok_or(format!("the signature ends before its {what}"))
        };
        let untrusted = next("untrusted comment")?;
        let untrusted_comment = untrusted
            .strip_prefix(UNTRUSTED)
            .ok_or("the first line is not an untrusted comment")?
            .to_string();
        let sig = B64
            .decode(next("signature")?.trim())
            .map_err(|e| format!("the signature line is not base64: {e}"))?;
        if sig.len() != 74 {
            return Err(format!(
                "the signature is {} bytes, not 74 (not an Ed25519 minisign signature)",
                sig.len()
            ));
        }
        let prehashed = match &sig[..2] {
            a if a == SIG_PREHASHED => true,
            a if a == SIG_LEGACY => false,
            _ => return Err("unknown signature algorithm".into()),
        };
        let trusted_comment = next("trusted comment")?
            .strip_prefix(TRUSTED)
            .ok_or("the third line is not a trusted comment")?
            .to_string();
        let global = B64
            .decode(next("global signature")?.trim())
            .map_err(|e| format!("the global signature line is not base64: {e}"))?;
        let global: [u8; 64] = global
            .try_into()
            .map_err(|_| "the global signature is not 64 bytes".to_string())?;
        Ok(SignatureBox {
            untrusted_comment,
            key_id: KeyId(sig[2..10].try_into().expect("8 bytes")),
            signature: sig[10..74].try_into().expect("64 bytes"),
            prehashed,
            trusted_comment,
            global,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_a_flipped_byte_fails() {
        let kp = SecretKey::generate(None).unwrap();
        let sk = SecretKey::open(&kp.secret_box, None).unwrap();
        assert_eq!(sk.public(), kp.public);
        let sig = sk.sign(&b"evidence"[..], "order=1 seq=0", "u").unwrap();
        let again = SignatureBox::parse(&sig.to_string()).unwrap();
        assert_eq!(again, sig);
        kp.public.verify(&again, &b"evidence"[..]).unwrap();
        assert!(kp.public.verify(&again, &b"evidencf"[..]).is_err());
        let mut forged = again.clone();
        forged.trusted_comment = "order=2 seq=0".into();
        assert!(
            kp.public
                .verify(&forged, &b"evidence"[..])
                .unwrap_err()
                .contains("trusted comment")
        );
        // Deterministic: the same data and comment sign to the same bytes.
        assert_eq!(
            sk.sign(&b"evidence"[..], "order=1 seq=0", "u")
                .unwrap()
                .to_string(),
            sig.to_string()
        );
    }

    #[test]
    fn public_key_box_round_trips_and_ids_print_as_minisign_prints_them() {
        let kp = SecretKey::generate(None).unwrap();
        let text = kp.public.to_box();
        assert!(text.starts_with(&format!(
            "untrusted comment: minisign public key {}\n",
            kp.public.id
        )));
        assert_eq!(PublicKey::parse(&text).unwrap(), kp.public);
        assert_eq!(
            kp.public.id.to_string().parse::<KeyId>().unwrap(),
            kp.public.id
        );
        assert!(PublicKey::parse("untrusted comment: x\nnot base64!\n").is_err());
    }

    #[test]
    fn garbage_signatures_are_refused_with_a_reason() {
        for text in [
            "",
            "x\n",
            "untrusted comment: a\n!!\n",
            "untrusted comment: a\nRUQ=\ntrusted comment: b\nAA==\n",
        ] {
            assert!(SignatureBox::parse(text).is_err(), "{text:?}");
        }
    }
}

//! RFC 3161 time-stamp tokens: the request vault sends, and the checks a token must pass before
//! vault believes it — the same checks `openssl ts -verify` makes, judged at the token's time.
//!
//! 1. the reply's status is granted (0) or granted with modifications (1);
//! 2. the token is CMS SignedData over a TSTInfo, with exactly one signer;
//! 3. the TSTInfo's message imprint is our SHA-256 digest, and its nonce is ours;
//! 4. the signer's `message-digest` attribute is the hash of the TSTInfo, its `content-type` is
//!    TSTInfo, and its signature over the signed attributes verifies (RSA PKCS#1 v1.5, ECDSA P-256
//!    or P-384, Ed25519);
//! 5. the signer certificate is found by issuer and serial or by key identifier, and the
//!    ESSCertID / ESSCertIDv2 attribute names that certificate's hash;
//! 6. the signer certificate has a critical extended key usage `timeStamping` (and, if it has a key
//!    usage, digitalSignature or nonRepudiation);
//! 7. each certificate's signature verifies with its issuer's key up to one of the given roots,
//!    intermediates are CAs, and every certificate in the chain was valid at genTime — not now: a
//!    token outlives its TSA's certificate.
//!
//! Certificates are checked over their DER encoding as decoded (a non-DER certificate would fail
//! here even where OpenSSL accepts it: none seen from a TSA).

use chrono::{DateTime, NaiveDateTime, Utc};
use der::asn1::{Any, BitString, Int, ObjectIdentifier, OctetString, Uint};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use sha2::Digest as _;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier};
use x509_cert::spki::AlgorithmIdentifierOwned;

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_CERT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const SIGNING_CERT_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// The most a reply may be: a token with a certificate chain is a few KiB.
pub const MAX_REPLY: u64 = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

#[derive(Debug, Clone, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    nonce: Uint,
    cert_req: bool,
}

#[derive(Debug, Clone, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

#[derive(Debug, Clone, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    token: Option<Any>,
}

#[derive(Debug, Clone, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<u64>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<u16>,
}

#[derive(Debug, Clone, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<Any>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<x509_cert::ext::Extensions>,
}

#[derive(Debug, Clone, Sequence)]
struct IssuerSerial {
    issuer: Vec<Any>,
    serial: Int,
}

#[derive(Debug, Clone, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Debug, Clone, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Vec<Any>>,
}

#[derive(Debug, Clone, Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Debug, Clone, Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Vec<Any>>,
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: Some(Any::null()),
    }
}

/// A DER TimeStampReq for a SHA-256 `digest` with `nonce`, asking for the TSA's certificate.
pub fn request(digest: &[u8; 32], nonce: u64) -> Vec<u8> {
    TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: sha256_alg(),
            hashed_message: OctetString::new(digest.to_vec()).expect("32 bytes fit"),
        },
        nonce: Uint::new(&nonce.to_be_bytes()).expect("8 bytes fit"),
        cert_req: true,
    }
    .to_der()
    .expect("encoding a request")
}

/// Why a reply or token is not believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TspError {
    /// The TSA refused: status, its text, its failure bits.
    Rejected(String),
    /// A reply to another request: the imprint or the nonce differs.
    Mismatch(String),
    /// Not a valid token, or a check failed.
    Invalid(String),
}

impl std::fmt::Display for TspError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            TspError::Rejected(s) => write!(f, "the TSA rejected the request: {s}"),
            TspError::Mismatch(s) => write!(f, "a reply to a different request: {s}"),
            TspError::Invalid(s) => f.write_str(s),
        }
    }
}

fn invalid(what: impl std::fmt::Display) -> TspError {
    TspError::Invalid(what.to_string())
}

/// The token (CMS ContentInfo, DER) out of a TimeStampResp, if the TSA granted the request.
pub fn token_of_reply(reply: &[u8]) -> Result<Vec<u8>, TspError> {
    let resp = TimeStampResp::from_der(reply)
        .map_err(|e| invalid(format!("not an RFC 3161 reply: {e}")))?;
    let st = &resp.status;
    if st.status > 1 {
        let names = [
            "granted",
            "grantedWithMods",
            "rejection",
            "waiting",
            "revocationWarning",
            "revocationNotification",
        ];
        let mut s = format!(
            "status {} ({})",
            st.status,
            names.get(usize::from(st.status)).unwrap_or(&"unknown")
        );
        if let Some(texts) = &st.status_string {
            s.push_str(&format!(": {}", texts.join("; ")));
        }
        if let Some(bits) = &st.fail_info {
            s.push_str(&format!(", failInfo {}", fail_info_names(bits)));
        }
        return Err(TspError::Rejected(s));
    }
    let token = resp
        .token
        .ok_or_else(|| invalid("the reply grants the request but holds no token"))?;
    token.to_der().map_err(invalid)
}

fn fail_info_names(bits: &BitString) -> String {
    const NAMES: [(usize, &str); 8] = [
        (0, "badAlg"),
        (2, "badRequest"),
        (5, "badDataFormat"),
        (14, "timeNotAvailable"),
        (15, "unacceptedPolicy"),
        (16, "unacceptedExtension"),
        (17, "addInfoNotAvailable"),
        (25, "systemFailure"),
    ];
    let set: Vec<&str> = NAMES
        .iter()
        .filter(|(i, _)| bits.bits().nth(*i).unwrap_or(false))
        .map(|(_, n)| *n)
        .collect();
    if set.is_empty() {
        "none named".into()
    } else {
        set.join(", ")
    }
}

/// What a token vouches for, once every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub gen_time: DateTime<Utc>,
    /// The token's serial number, in hex.
    pub serial: String,
    pub policy: String,
    /// The signer certificate's subject (e.g. `CN=Test TSA`).
    pub tsa: String,
    /// PEM of the chain used, signer first, root last.
    pub chain_pem: String,
}

/// Check a token (DER ContentInfo) against our digest and nonce, chaining to one of `roots`;
/// `extra` are certificates that may complete the chain (intermediates kept with the token).
pub fn verify(
    token: &[u8],
    digest: &[u8; 32],
    nonce: Option<u64>,
    roots: &[Certificate],
    extra: &[Certificate],
) -> Result<Verified, TspError> {
    let ci = cms::content_info::ContentInfo::from_der(token)
        .map_err(|e| invalid(format!("not a CMS token: {e}")))?;
    if ci.content_type != SIGNED_DATA {
        return Err(invalid("the token is not CMS SignedData"));
    }
    let sd: cms::signed_data::SignedData = ci
        .content
        .decode_as()
        .map_err(|e| invalid(format!("the token's SignedData does not parse: {e}")))?;
    if sd.encap_content_info.econtent_type != TST_INFO {
        return Err(invalid("the token does not hold a TSTInfo"));
    }
    let tst_der = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| invalid("the token holds no TSTInfo"))?
        .decode_as::<OctetString>()
        .map_err(|e| invalid(format!("the TSTInfo is not an OCTET STRING: {e}")))?
        .into_bytes();
    let tst = TstInfo::from_der(&tst_der)
        .map_err(|e| invalid(format!("the TSTInfo does not parse: {e}")))?;
    check_binding(&tst, digest, nonce)?;
    let gen_time = gen_time(&tst.gen_time)?;

    let mut signers = sd.signer_infos.0.iter();
    let (Some(si), None) = (signers.next(), signers.next()) else {
        return Err(invalid("a token has exactly one signer"));
    };
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| invalid("the signer has no signed attributes"))?;
    let attr = |oid: ObjectIdentifier| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let ct: ObjectIdentifier = attr(CONTENT_TYPE)
        .ok_or_else(|| invalid("no content-type attribute"))?
        .decode_as()
        .map_err(invalid)?;
    if ct != TST_INFO {
        return Err(invalid("the content-type attribute is not TSTInfo"));
    }
    let md: OctetString = attr(MESSAGE_DIGEST)
        .ok_or_else(|| invalid("no message-digest attribute"))?
        .decode_as()
        .map_err(invalid)?;
    let want = hash(&si.digest_alg.oid, &tst_der).ok_or_else(|| {
        invalid(format!(
            "digest algorithm {} not supported",
            si.digest_alg.oid
        ))
    })?;
    if md.as_bytes() != want.as_slice() {
        return Err(invalid(
            "the message-digest attribute is not the TSTInfo's hash (the token was altered)",
        ));
    }

    let mut pool: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    pool.extend(extra.iter().cloned());
    let signer = find_signer(&si.sid, &pool)?;
    let signer_der = signer.to_der().map_err(invalid)?;
    check_ess(attr(SIGNING_CERT_V2), attr(SIGNING_CERT), &signer_der)?;
    let signed = attrs.to_der().map_err(invalid)?;
    verify_signature(
        signer,
        &si.signature_algorithm,
        Some(&si.digest_alg.oid),
        &signed,
        si.signature.as_bytes(),
    )
    .map_err(|e| invalid(format!("the token's signature: {e}")))?;
    check_tsa_usage(signer)?;
    let chain = chain_to_root(signer, &pool, roots, &gen_time)?;
    let mut chain_pem = String::new();
    for c in &chain {
        chain_pem.push_str(&pem(&c.to_der().map_err(invalid)?));
    }
    Ok(Verified {
        gen_time,
        serial: hex(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
        tsa: signer.tbs_certificate().subject().to_string(),
        chain_pem,
    })
}

fn check_binding(tst: &TstInfo, digest: &[u8; 32], nonce: Option<u64>) -> Result<(), TspError> {
    let mi = &tst.message_imprint;
    if mi.hash_algorithm.oid != SHA256 {
        return Err(TspError::Mismatch(format!(
            "the token stamps a {} digest, not our SHA-256",
            mi.hash_algorithm.oid
        )));
    }
    if mi.hashed_message.as_bytes() != digest {
        return Err(TspError::Mismatch(format!(
            "message imprint mismatch: the token stamps {}, not {}",
            hex(mi.hashed_message.as_bytes()),
            hex(digest)
        )));
    }
    if let Some(n) = nonce {
        let ours = Uint::new(&n.to_be_bytes()).and_then(|u| u.to_der());
        let theirs = tst.nonce.as_ref().map(|n| n.to_der());
        match (ours, theirs) {
            (Ok(a), Some(Ok(b))) if a == b => {}
            (_, None) => return Err(TspError::Mismatch("the token has no nonce".into())),
            _ => return Err(TspError::Mismatch("nonce mismatch".into())),
        }
    }
    Ok(())
}

/// `YYYYMMDDHHMMSS[.fff…]Z`.
fn gen_time(any: &Any) -> Result<DateTime<Utc>, TspError> {
    if any.tag() != Tag::GeneralizedTime {
        return Err(invalid("genTime is not a GeneralizedTime"));
    }
    let s = std::str::from_utf8(any.value()).map_err(|_| invalid("genTime is not text"))?;
    let s = s
        .strip_suffix('Z')
        .ok_or_else(|| invalid(format!("genTime {s:?} is not in UTC (Z)")))?;
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let t = NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .map_err(|_| invalid(format!("genTime {s:?} is not a time")))?;
    let nanos = if frac.is_empty() {
        0
    } else if frac.len() <= 9 && frac.bytes().all(|b| b.is_ascii_digit()) {
        format!("{frac:0<9}").parse::<i64>().unwrap_or(0)
    } else {
        return Err(invalid(format!("genTime {s:?} has a bad fraction")));
    };
    Ok(t.and_utc() + chrono::Duration::nanoseconds(nanos))
}

fn find_signer<'c>(
    sid: &cms::signed_data::SignerIdentifier,
    pool: &'c [Certificate],
) -> Result<&'c Certificate, TspError> {
    use cms::signed_data::SignerIdentifier as Sid;
    pool.iter()
        .find(|c| {
            let tbs = c.tbs_certificate();
            match sid {
                Sid::IssuerAndSerialNumber(is) => {
                    tbs.issuer() == &is.issuer && tbs.serial_number() == &is.serial_number
                }
                Sid::SubjectKeyIdentifier(ski) => matches!(
                    tbs.get_extension::<SubjectKeyIdentifier>(),
                    Ok(Some((_, k))) if k == *ski
                ),
            }
        })
        .ok_or_else(|| {
            invalid("the signer's certificate is in neither the token nor the TSA's chain")
        })
}

fn check_ess(v2: Option<&Any>, v1: Option<&Any>, signer_der: &[u8]) -> Result<(), TspError> {
    let (alg, hash_named) = if let Some(a) = v2 {
        let sc: SigningCertificateV2 = a
            .decode_as()
            .map_err(|e| invalid(format!("the signing-certificate-v2 attribute: {e}")))?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| invalid("signing-certificate-v2 names no certificate"))?;
        (
            first.hash_algorithm.as_ref().map_or(SHA256, |a| a.oid),
            first.cert_hash.as_bytes().to_vec(),
        )
    } else if let Some(a) = v1 {
        let sc: SigningCertificate = a
            .decode_as()
            .map_err(|e| invalid(format!("the signing-certificate attribute: {e}")))?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| invalid("signing-certificate names no certificate"))?;
        (SHA1, first.cert_hash.as_bytes().to_vec())
    } else {
        return Err(invalid(
            "no signing-certificate attribute (ESSCertID or ESSCertIDv2)",
        ));
    };
    let h = hash(&alg, signer_der)
        .ok_or_else(|| invalid(format!("ESSCertID hash {alg} not supported")))?;
    if h != hash_named {
        return Err(invalid(
            "the ESSCertID does not name the signer's certificate",
        ));
    }
    Ok(())
}

/// RFC 3161 §2.3: the TSA's certificate has a critical extended key usage `timeStamping` (and,
/// with a key usage, one that allows signatures).
pub fn check_tsa_usage(cert: &Certificate) -> Result<(), TspError> {
    let tbs = cert.tbs_certificate();
    match tbs.get_extension::<ExtendedKeyUsage>() {
        Ok(Some((true, eku))) if eku.0.contains(&TIME_STAMPING) => {}
        Ok(Some((false, _))) => {
            return Err(invalid(
                "the TSA certificate's extended key usage is not critical (RFC 3161 §2.3)",
            ));
        }
        Ok(_) => {
            return Err(invalid(
                "the TSA certificate lacks the extended key usage timeStamping",
            ));
        }
        Err(e) => return Err(invalid(format!("the TSA certificate's EKU: {e}"))),
    }
    if let Ok(Some((_, ku))) = tbs.get_extension::<KeyUsage>()
        && !(ku.digital_signature() || ku.non_repudiation())
    {
        return Err(invalid(
            "the TSA certificate's key usage allows no signatures",
        ));
    }
    Ok(())
}

/// The chain from `leaf` up to one of `roots`, every link's signature checked and every
/// certificate valid at `at`.
fn chain_to_root(
    leaf: &Certificate,
    pool: &[Certificate],
    roots: &[Certificate],
    at: &DateTime<Utc>,
) -> Result<Vec<Certificate>, TspError> {
    let mut chain = vec![leaf.clone()];
    let mut cur = leaf.clone();
    for _ in 0..8 {
        check_validity(&cur, at)?;
        if roots.contains(&cur) {
            return Ok(chain);
        }
        let tbs_der = cur.tbs_certificate().to_der().map_err(invalid)?;
        let issuer = roots
            .iter()
            .chain(pool.iter())
            .filter(|c| c.tbs_certificate().subject() == cur.tbs_certificate().issuer())
            .find(|c| {
                verify_signature(
                    c,
                    cur.signature_algorithm(),
                    None,
                    &tbs_der,
                    cur.signature().raw_bytes(),
                )
                .is_ok()
            })
            .ok_or_else(|| {
                invalid(format!(
                    "the certificate of {} does not chain to a trusted TSA root (issuer {} not found, or its signature does not verify)",
                    cur.tbs_certificate().subject(),
                    cur.tbs_certificate().issuer()
                ))
            })?
            .clone();
        if !roots.contains(&issuer) {
            match issuer.tbs_certificate().get_extension::<BasicConstraints>() {
                Ok(Some((_, bc))) if bc.ca => {}
                _ => {
                    return Err(invalid(format!(
                        "{} issues certificates but is not a CA",
                        issuer.tbs_certificate().subject()
                    )));
                }
            }
        }
        chain.push(issuer.clone());
        if cur == issuer {
            break;
        }
        cur = issuer;
    }
    if roots.contains(&cur) {
        check_validity(&cur, at)?;
        return Ok(chain);
    }
    Err(invalid("the certificate chain is too long or loops"))
}

fn check_validity(cert: &Certificate, at: &DateTime<Utc>) -> Result<(), TspError> {
    let v = cert.tbs_certificate().validity();
    let secs = at.timestamp();
    let nb = v.not_before.to_unix_duration().as_secs() as i64;
    let na = v.not_after.to_unix_duration().as_secs() as i64;
    if secs < nb || secs > na {
        return Err(invalid(format!(
            "the certificate of {} was not valid at the token's time {}",
            cert.tbs_certificate().subject(),
            at.to_rfc3339()
        )));
    }
    Ok(())
}

fn hash(alg: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    Some(match *alg {
        SHA256 => sha2::Sha256::digest(data).to_vec(),
        SHA384 => sha2::Sha384::digest(data).to_vec(),
        SHA512 => sha2::Sha512::digest(data).to_vec(),
        SHA1 => sha1::Sha1::digest(data).to_vec(),
        _ => return None,
    })
}

/// Verify `sig` over `msg` with `cert`'s key. `digest_alg` is the CMS signer's digest algorithm,
/// used when the signature algorithm names only the key type (`rsaEncryption`).
fn verify_signature(
    cert: &Certificate,
    alg: &AlgorithmIdentifierOwned,
    digest_alg: Option<&ObjectIdentifier>,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let spki = cert.tbs_certificate().subject_public_key_info();
    let spki_der = spki.to_der().map_err(|e| e.to_string())?;
    let digest_of = |oid: &ObjectIdentifier| {
        hash(oid, msg).ok_or(format!("digest algorithm {oid} not supported"))
    };
    match alg.oid {
        RSA | RSA_SHA256 | RSA_SHA384 | RSA_SHA512 => {
            use rsa::pkcs8::DecodePublicKey;
            let d = match alg.oid {
                RSA_SHA256 => SHA256,
                RSA_SHA384 => SHA384,
                RSA_SHA512 => SHA512,
                _ => *digest_alg.ok_or("rsaEncryption without a digest algorithm")?,
            };
            let key = rsa::PublicKey::from_public_key_der(&spki_der)
                .map_err(|e| format!("not an RSA key: {e}"))?;
            let scheme = match d {
                SHA256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                SHA384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                SHA512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                other => return Err(format!("RSA with digest {other} not supported")),
            };
            key.verify(scheme, &digest_of(&d)?, sig)
                .map_err(|_| "RSA signature verification failed".to_string())
        }
        ECDSA_SHA256 | ECDSA_SHA384 | ECDSA_SHA512 => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let d = match alg.oid {
                ECDSA_SHA256 => SHA256,
                ECDSA_SHA384 => SHA384,
                _ => SHA512,
            };
            let prehash = digest_of(&d)?;
            if spki.algorithm.oid != EC_PUBLIC_KEY {
                return Err("an ECDSA signature from a key that is not an EC key".into());
            }
            let curve: Option<ObjectIdentifier> = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as().ok());
            let bad = |_| "ECDSA signature verification failed".to_string();
            match curve {
                Some(P256) => {
                    use p256::pkcs8::DecodePublicKey;
                    let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
                        .map_err(|e| format!("not a P-256 key: {e}"))?;
                    let s = p256::ecdsa::Signature::from_der(sig).map_err(bad)?;
                    vk.verify_prehash(&prehash, &s).map_err(bad)
                }
                Some(P384) => {
                    use p384::pkcs8::DecodePublicKey;
                    let vk = p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
                        .map_err(|e| format!("not a P-384 key: {e}"))?;
                    let s = p384::ecdsa::Signature::from_der(sig).map_err(bad)?;
                    vk.verify_prehash(&prehash, &s).map_err(bad)
                }
                _ => Err("ECDSA curve not supported (P-256 and P-384 are)".into()),
            }
        }
        ED25519 => {
            let raw: [u8; 32] = spki
                .subject_public_key
                .raw_bytes()
                .try_into()
                .map_err(|_| "not an Ed25519 key".to_string())?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|e| e.to_string())?;
            let sig: [u8; 64] = sig
                .try_into()
                .map_err(|_| "an Ed25519 signature is 64 bytes".to_string())?;
            vk.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&sig))
                .map_err(|_| "Ed25519 signature verification failed".to_string())
        }
        other => Err(format!("signature algorithm {other} not supported")),
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One certificate as PEM.
pub fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        s.push('\n');
    }
    s.push_str("-----END CERTIFICATE-----\n");
    s
}

/// Certificates from a PEM file's text (roots and intermediates).
pub fn load_pem(text: &[u8]) -> Result<Vec<Certificate>, String> {
    let certs =
        Certificate::load_pem_chain(text).map_err(|e| format!("not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in the file".into());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_the_fixed_der_template_openssl_writes() {
        let r = request(&[0xab; 32], 0x0102_0304_0506_0708);
        assert_eq!(&r[..2], &[0x30, 0x43]);
        assert_eq!(&r[2..5], &[0x02, 0x01, 0x01]);
        assert!(r.ends_with(&[0x02, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0x01, 0xff]));
        // A nonce with its top bit set gains a zero byte; a small one stays short.
        assert_eq!(request(&[0; 32], u64::MAX).len(), 0x46);
        assert_eq!(request(&[0; 32], 1).len(), 0x3e);
    }

    #[test]
    fn gen_time_reads_fractions_and_refuses_local_times() {
        let any = |s: &str| Any::new(Tag::GeneralizedTime, s.as_bytes()).unwrap();
        let t = gen_time(&any("20261202013400.25Z")).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-02T01:34:00.250+00:00");
        assert!(gen_time(&any("20261202013400")).is_err());
        assert!(gen_time(&any("2026120201340x.1Z")).is_err());
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        for bytes in [
            &b""[..],
            b"\x30\x00",
            b"\x30\x03\x02\x01\x00",
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(token_of_reply(bytes).is_err());
            assert!(verify(bytes, &[0; 32], None, &[], &[]).is_err());
        }
    }
}

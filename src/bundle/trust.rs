//! What a bag carries so that a stranger can check who signed it and when it existed, with
//! `minisign` and `openssl` alone:
//!
//! ```text
//! tagmanifest-sha256.txt.minisig   the seller's signature over the tag manifest (which lists
//!                                  manifest-sha256.txt, which lists every payload file)
//! data/trust/signing-key.pub       the public key, as minisign's .pub file
//! data/trust/keys.jsonl            every key the vault has had, each announced by the one before
//! data/trust/signatures.jsonl      the order's signed ledger heads
//! data/trust/stamps/entry-N.tsr    each RFC 3161 reply the carried `stamp` entries name, with
//!   entry-N.chain.pem              the TSA's certificate (and intermediates)
//!   entry-N.root.pem               and the root it was checked against
//! ```

use serde::{Deserialize, Serialize};

use super::{FileRecord, Role};
use crate::digest::Digest;
use crate::error::Result;
use crate::evidence::kind::MediaType;
use crate::ledger::sign::Signer;
use crate::ledger::{Entry, Event};
use crate::store::Vault;
use crate::store::order::OrderId;
use crate::trust::merkle::{self, Step};
use crate::trust::tsp;

pub const KEY_PATH: &str = "data/trust/signing-key.pub";
pub const KEYS_PATH: &str = "data/trust/keys.jsonl";
pub const SIGNATURES_PATH: &str = "data/trust/signatures.jsonl";
pub const TAG_SIGNATURE: &str = "tagmanifest-sha256.txt.minisig";

/// `manifest.json`'s `trust`: what the bag's trust files say, for `verify-bundle` and the report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TrustInfo {
    pub vault_id: String,
    /// The key that signed the bag (`tagmanifest-sha256.txt.minisig`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stamps: Vec<BagStamp>,
}

/// One carried `stamp` entry, with where its files are in the bag.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BagStamp {
    /// The `stamp` entry's sequence number in the ledger.
    pub entry: u64,
    pub tsa: String,
    pub tsa_name: String,
    pub gen_time: String,
    /// Entries 0..=through_seq existed no later than `gen_time`.
    pub through_seq: u64,
    pub head: Digest,
    /// The digest the token stamps (the head itself for a direct stamp).
    pub root: Digest,
    pub leaves: u64,
    /// The leaf's data (`<order>\n<seq>\n<head>`), for a stamp through a tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_data: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proof: Vec<Step>,
    pub nonce: String,
    pub token: String,
    pub chain: String,
    pub root_cert: String,
}

/// The trust files of a bag, and what the manifest says of them.
pub struct Parts {
    pub files: Vec<(FileRecord, Vec<u8>)>,
    pub info: TrustInfo,
    /// (sequence number, key id) of every signed head carried.
    pub signed: Vec<(u64, String)>,
}

/// Say on each original what vouches for it: the earliest stamp through its entry, the first
/// signed head at or after it, and whether it was filed after the dispute opened.
pub fn vouch(
    records: &mut [FileRecord],
    parts: &Parts,
    dispute_opened: Option<chrono::DateTime<chrono::Utc>>,
) {
    for r in records.iter_mut().filter(|r| r.role == Role::Original) {
        let Some(seq) = r.ledger_seq else { continue };
        if let Some(st) = parts
            .info
            .stamps
            .iter()
            .filter(|s| s.through_seq >= seq)
            .min_by_key(|s| crate::time::sort_key(&s.gen_time))
        {
            r.existed_by = Some(st.gen_time.clone());
            r.existed_by_tsa = Some(st.tsa_name.clone());
        }
        r.signed_by = parts
            .signed
            .iter()
            .filter(|(s, _)| *s >= seq)
            .min_by_key(|(s, _)| *s)
            .map(|(_, k)| k.clone());
        r.filed_after_dispute = match (dispute_opened, &r.added_at) {
            (Some(d), Some(a)) => crate::time::parse_instant_or_date(a).is_some_and(|a| a > d),
            _ => false,
        };
    }
}

fn record(path: &str, bytes: &[u8], media_type: MediaType) -> FileRecord {
    FileRecord::made(path, bytes, Role::Trust, media_type)
}

/// Gather the trust files for `order`'s carried `entries`.
pub fn gather(
    vault: &Vault,
    order: &OrderId,
    entries: &[&Entry],
    signer: Option<&Signer>,
) -> Result<Parts> {
    let mut files = Vec::new();
    let mut info = TrustInfo {
        vault_id: vault.meta().vault_id.clone(),
        ..TrustInfo::default()
    };
    if let Some(s) = signer {
        let key = s.public();
        info.key_id = Some(key.id.to_string());
        info.fingerprint = Some(key.fingerprint().hex());
        let pub_file = key.to_box().into_bytes();
        files.push((record(KEY_PATH, &pub_file, MediaType::TEXT), pub_file));
    }
    if let Ok(keys) = std::fs::read(vault.keys_log())
        && !keys.is_empty()
    {
        files.push((record(KEYS_PATH, &keys, MediaType::JSONL), keys));
    }
    let carried = entries.len() as u64;
    let mut signed = Vec::new();
    if let Some(sigs) = vault.read_signatures(order)? {
        // The heads the bag's ledger has: signatures of later entries stay out.
        let kept: Vec<u8> = sigs
            .split_inclusive(|&b| b == b'\n')
            .filter(|l| l.ends_with(b"\n"))
            .filter(
                |l| match serde_json::from_slice::<crate::ledger::sign::SignedHead>(l) {
                    Ok(s) if s.seq < carried => {
                        signed.push((s.seq, s.key_id));
                        true
                    }
                    _ => false,
                },
            )
            .flatten()
            .copied()
            .collect();
        if !kept.is_empty() {
            files.push((record(SIGNATURES_PATH, &kept, MediaType::JSONL), kept));
        }
    }
    for e in entries {
        let Event::Stamp { stamp } = &e.event else {
            continue;
        };
        let base = format!("data/trust/stamps/entry-{}", e.seq);
        let read = |d: &Digest| {
            vault
                .read_object_bounded(d, tsp::MAX_REPLY)
                .map_err(|what| crate::error::Error::Integrity {
                    path: vault.object_path(d),
                    what: format!("a stamp's object cannot be read: {what}"),
                })
        };
        let token = read(&stamp.token)?;
        let chain_pem = read(&stamp.chain)?;
        let certs = tsp::load_pem(&chain_pem).map_err(|what| crate::error::Error::Integrity {
            path: vault.object_path(&stamp.chain),
            what: format!("a stamp's certificate chain: {what}"),
        })?;
        let (root, below) = certs.split_last().expect("load_pem returns at least one");
        let pem_of = |c: &x509_cert::Certificate| {
            der::Encode::to_der(c)
                .map(|d| tsp::pem(&d))
                .unwrap_or_default()
        };
        let root_pem = pem_of(root).into_bytes();
        // A self-signed TSA certificate is its own root; the chain file then holds it again.
        let chain: Vec<u8> = if below.is_empty() {
            root_pem.clone()
        } else {
            below.iter().map(pem_of).collect::<String>().into_bytes()
        };
        let paths = (
            format!("{base}.tsr"),
            format!("{base}.chain.pem"),
            format!("{base}.root.pem"),
        );
        files.push((record(&paths.0, &token, MediaType::OCTET_STREAM), token));
        files.push((record(&paths.1, &chain, MediaType::TEXT), chain));
        files.push((record(&paths.2, &root_pem, MediaType::TEXT), root_pem));
        info.stamps.push(BagStamp {
            entry: e.seq,
            tsa: stamp.tsa.clone(),
            tsa_name: stamp.tsa_name.clone(),
            gen_time: stamp.gen_time.clone(),
            through_seq: stamp.through_seq,
            head: stamp.head,
            root: stamp.root,
            leaves: stamp.leaves,
            leaf_data: (!stamp.is_direct())
                .then(|| merkle::leaf_data(order.as_str(), stamp.through_seq, &stamp.head)),
            proof: stamp.proof.clone(),
            nonce: stamp.nonce.clone(),
            token: paths.0,
            chain: paths.1,
            root_cert: paths.2,
        });
    }
    Ok(Parts {
        files,
        info,
        signed,
    })
}

/// The trusted comment of a bag's signature: what it binds, on one line.
pub fn tag_comment(
    order: &OrderId,
    generated: &str,
    head: Option<&Digest>,
    entries: u64,
    key: &str,
) -> String {
    format!(
        "vault bundle order={order} generated={generated} ledger_entries={entries} ledger_head={} key={key}",
        head.map(|h| h.hex()).unwrap_or_else(|| "none".into())
    )
}

/// VERIFY.txt's steps for the signature and the stamps, runnable as written from the bag's folder.
pub fn verify_steps(info: &TrustInfo, order: &OrderId) -> String {
    let mut s = String::new();
    match &info.key_id {
        Some(id) => s.push_str(&format!(
            r#"6. Check the seller's signature (minisign, https://jedisct1.github.io/minisign/). It covers
   tagmanifest-sha256.txt, which lists manifest-sha256.txt, which lists every file under data/:
     minisign -V -p data/trust/signing-key.pub -m tagmanifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
   The key is {id} (SHA-256 of the key: {}). A signature proves which key signed, not who holds
   it: compare the key with the one the seller published (shop page, platform profile), or check
   with that published key instead: minisign -V -P <published key> -m tagmanifest-sha256.txt

"#,
            info.fingerprint.as_deref().unwrap_or("?")
        )),
        None => s.push_str(
            "6. This bundle is not signed: the seller's vault had no signing key when it was made.\n\n",
        ),
    }
    if info.stamps.is_empty() {
        s.push_str(
            "7. No RFC 3161 time-stamp is carried: nothing in this bundle dates the evidence but the\n   seller's own clock.\n\n",
        );
        return s;
    }
    s.push_str(
        "7. Check the trusted timestamps (RFC 3161; openssl). Each token says the order's ledger, up to\n   an entry, existed no later than the token's time, vouched for by the Time-Stamp Authority.\n   First confirm the ledger's head at that entry (the SHA-256 of that line), then the token.\n   The root certificate is the one the seller's vault trusted: compare it with the one the TSA\n   publishes.\n\n",
    );
    for st in &info.stamps {
        let line = st.through_seq + 1;
        s.push_str(&format!(
            "   Entry {} (stamped through entry {}, by {} at {}):\n     # --- check entry-{} ---\n     [ \"$(sed -n '{line}p' data/ledger.jsonl | tr -d '\\n' | openssl dgst -sha256 -r | cut -d' ' -f1)\" = {} ] && echo \"head OK\"\n",
            st.entry, st.through_seq, st.tsa_name, st.gen_time, st.entry, st.head
        ));
        let verify = |digest: &str| {
            format!(
                "openssl ts -verify -digest {digest} -in {} -CAfile {} -untrusted {}",
                st.token, st.root_cert, st.chain
            )
        };
        match &st.leaf_data {
            None => s.push_str(&format!("     {}\n", verify(&st.head.hex()))),
            Some(leaf) => {
                let mut parts = leaf.splitn(3, '\n');
                let (o, q, h) = (
                    parts.next().unwrap_or_default(),
                    parts.next().unwrap_or_default(),
                    parts.next().unwrap_or_default(),
                );
                let steps: Vec<String> = st
                    .proof
                    .iter()
                    .map(|p| {
                        format!(
                            "{}:{}",
                            if p.side == merkle::Side::Left {
                                "left"
                            } else {
                                "right"
                            },
                            p.hash
                        )
                    })
                    .collect();
                s.push_str(&format!(
                    r#"     # the order's leaf in a Merkle tree of {} heads (RFC 6962: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right))
     h() {{ openssl dgst -sha256 -binary | od -An -tx1 | tr -d ' \n'; }}
     bin() {{ printf '%s\n' "$1" | fold -w2 | while read -r b; do printf "\\$(printf %03o "0x$b")"; done; }}
     cur=$(printf '\000%s\n%s\n%s' '{o}' '{q}' '{h}' | h)
{}     [ "$cur" = {} ] && echo "root OK"
     {}
"#,
                    st.leaves,
                    if steps.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "     for step in {}; do\n       sib=${{step#*:}}\n       if [ \"${{step%%:*}}\" = left ]; then cur=$({{ printf '\\001'; bin \"$sib\"; bin \"$cur\"; }} | h)\n       else cur=$({{ printf '\\001'; bin \"$cur\"; bin \"$sib\"; }} | h); fi\n     done\n",
                            steps.join(" ")
                        )
                    },
                    st.root,
                    verify("\"$cur\"")
                ));
            }
        }
        s.push_str("     # --- end ---\n\n");
    }
    let _ = order;
    s
}

/// What vouches for an original, in words for people (report.html, the summary PDF).
pub fn vouched(r: &FileRecord) -> Vec<String> {
    let mut v = Vec::new();
    match (&r.existed_by, &r.existed_by_tsa) {
        (Some(t), Some(tsa)) => v.push(format!(
            "existed no later than {} (RFC 3161 token from {tsa})",
            crate::time::short_time(t)
        )),
        _ => v.push("not dated by a third party (no RFC 3161 token covers it)".into()),
    }
    if let Some(k) = &r.signed_by {
        v.push(format!("signed by key {k}"));
    }
    if r.filed_after_dispute {
        v.push("filed after the dispute was opened".into());
    }
    v
}

//! Checking a ledger's `stamp` entries: the proof from the order's head to the stamped root, and
//! the RFC 3161 token itself, against the TSA roots the vault knows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use x509_cert::Certificate;

use crate::digest::Digest;
use crate::ledger::{Ledger, StampRecord};
use crate::store::Vault;
use crate::store::order::OrderId;
use crate::trust::{merkle, tsp};

/// What `verify` found for one stamp entry.
#[derive(Debug, Clone)]
pub struct StampCheck {
    pub tsa: String,
    pub tsa_name: String,
    pub through_seq: u64,
    pub gen_time: DateTime<Utc>,
}

/// Tokens already checked in this process, by (token, root, nonce): thousands of orders share one
/// (a stamp through a tree). What is kept is small — the time and the TSA's name, or why the token
/// failed — and the cache is emptied past [`CACHE_MAX`] entries, so memory stays flat however many
/// direct stamps a vault has.
type Checked = std::sync::Mutex<
    HashMap<(Digest, Digest, String), std::result::Result<(DateTime<Utc>, String), String>>,
>;

const CACHE_MAX: usize = 4096;

/// Checks stamps against the TSA roots the vault knows (`vault.json`), else the root kept with
/// each token.
pub struct Checker<'v> {
    vault: &'v Vault,
    roots: HashMap<String, Vec<Certificate>>,
    cache: Checked,
}

impl<'v> Checker<'v> {
    pub fn new(vault: &'v Vault) -> Checker<'v> {
        let mut roots = HashMap::new();
        for t in &vault.meta().tsa {
            if let Some(ca) = t.ca
                && let Ok(bytes) = vault.read_object_bounded(&ca, tsp::MAX_REPLY)
                && let Ok(certs) = tsp::load_pem(&bytes)
            {
                roots.insert(t.url.clone(), certs);
            }
        }
        Checker {
            vault,
            roots,
            cache: Default::default(),
        }
    }

    /// Check one stamp of `order` against its ledger.
    pub fn check(
        &self,
        order: &OrderId,
        ledger: &Ledger,
        s: &StampRecord,
    ) -> std::result::Result<StampCheck, String> {
        let line = ledger.lines.get(s.through_seq as usize).ok_or(format!(
            "stamps entry {} which the ledger does not have",
            s.through_seq
        ))?;
        if line.hash != s.head {
            return Err(format!(
                "stamps entry {} with head {}, but that entry hashes to {} (the ledger was edited)",
                s.through_seq,
                s.head.short(),
                line.hash.short()
            ));
        }
        if merkle::root_from(s.leaf(order), &s.proof) != s.root {
            return Err("the inclusion proof does not lead to the stamped root".into());
        }
        let key = (s.token, s.root, s.nonce.clone());
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        let (gen_time, tsa_name) = match cached {
            Some(v) => v,
            None => {
                let v = self.check_token(s).map(|v| (v.gen_time, v.tsa));
                let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
                cache.insert(key, v.clone());
                v
            }
        }?;
        if crate::time::format_time(&gen_time) != s.gen_time {
            return Err(format!(
                "the entry says genTime {} but the token says {}",
                s.gen_time,
                crate::time::format_time(&gen_time)
            ));
        }
        Ok(StampCheck {
            tsa: s.tsa.clone(),
            tsa_name,
            through_seq: s.through_seq,
            gen_time,
        })
    }

    fn check_token(&self, s: &StampRecord) -> std::result::Result<tsp::Verified, String> {
        let reply = self
            .vault
            .read_object_bounded(&s.token, tsp::MAX_REPLY)
            .map_err(|e| format!("the token object {}: {e}", s.token.short()))?;
        let chain = self
            .vault
            .read_object_bounded(&s.chain, tsp::MAX_REPLY)
            .map_err(|e| format!("the chain object {}: {e}", s.chain.short()))?;
        let chain = tsp::load_pem(&chain).map_err(|e| format!("the chain object: {e}"))?;
        let roots = match self.roots.get(&s.tsa) {
            Some(r) => r.clone(),
            None => chain.last().cloned().into_iter().collect(),
        };
        let nonce = u64::from_str_radix(&s.nonce, 16)
            .map_err(|_| "the entry's nonce is not hex".to_string())?;
        let token = tsp::token_of_reply(&reply).map_err(|e| e.to_string())?;
        tsp::verify(&token, &s.root.0, Some(nonce), &roots, &chain).map_err(|e| e.to_string())
    }
}

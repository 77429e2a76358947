//! A Merkle tree over ledger heads, as RFC 6962 builds one (SHA-256, leaves and nodes
//! domain-separated), so that one time-stamp request covers any number of orders.
//!
//! ```text
//! leaf  = SHA-256(0x00 ‖ "<order>\n<seq>\n<head hex>")
//! node  = SHA-256(0x01 ‖ left ‖ right)
//! tree  = RFC 6962 §2.1: the left subtree holds the largest power of two below n leaves
//! ```
//!
//! A leaf's inclusion proof is the list of siblings from the leaf up, each marked with the side it
//! sits on, so that it is checked with `openssl dgst` and a shell loop (see `docs/trust.md`).

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::digest::Digest;

/// The leaf data for `order`'s ledger at entry `seq` with head `head`.
pub fn leaf_data(order: &str, seq: u64, head: &Digest) -> String {
    format!("{order}\n{seq}\n{head}")
}

pub fn leaf_hash(data: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Digest(h.finalize().into())
}

pub fn node_hash(left: &Digest, right: &Digest) -> Digest {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Digest(h.finalize().into())
}

/// Which side of the path a sibling sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

/// One step of an inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub side: Side,
    pub hash: Digest,
}

/// The root of leaves `leaves` (leaf hashes), with every leaf's inclusion proof, in leaf order.
/// `None` for no leaves.
pub fn build(leaves: &[Digest]) -> Option<(Digest, Vec<Vec<Step>>)> {
    if leaves.is_empty() {
        return None;
    }
    let mut proofs = vec![Vec::new(); leaves.len()];
    let root = subtree(leaves, &mut proofs);
    Some((root, proofs))
}

fn subtree(leaves: &[Digest], proofs: &mut [Vec<Step>]) -> Digest {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    let (lp, rp) = proofs.split_at_mut(k);
    let left = subtree(&leaves[..k], lp);
    let right = subtree(&leaves[k..], rp);
    for p in lp.iter_mut() {
        p.push(Step {
            side: Side::Right,
            hash: right,
        });
    }
    for p in rp.iter_mut() {
        p.push(Step {
            side: Side::Left,
            hash: left,
        });
    }
    node_hash(&left, &right)
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root a leaf and its proof lead to.
pub fn root_from(leaf: Digest, proof: &[Step]) -> Digest {
    proof.iter().fold(leaf, |cur, step| match step.side {
        Side::Left => node_hash(&step.hash, &cur),
        Side::Right => node_hash(&cur, &step.hash),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Digest> {
        (0..n)
            .map(|i| leaf_hash(leaf_data(&format!("o{i}"), i as u64, &Digest::ZERO).as_bytes()))
            .collect()
    }

    #[test]
    fn one_leaf_is_its_own_root_and_three_leaves_follow_rfc_6962() {
        let l = leaves(3);
        let (root, proofs) = build(&l[..1]).unwrap();
        assert_eq!((root, proofs[0].len()), (l[0], 0));
        let (root, proofs) = build(&l).unwrap();
        assert_eq!(root, node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        assert_eq!(proofs[2].len(), 1);
        assert!(build(&[]).is_none());
    }

    #[test]
    fn leaves_and_nodes_are_domain_separated() {
        let a = leaf_hash(b"x");
        assert_ne!(a, Digest::of(b"x"));
        assert_ne!(node_hash(&a, &a), leaf_hash(&[a.0, a.0].concat()));
    }

    proptest! {
        #[test]
        fn every_proof_leads_to_the_root_and_a_changed_leaf_does_not(n in 1usize..300, pick in any::<usize>()) {
            let l = leaves(n);
            let (root, proofs) = build(&l).unwrap();
            for (leaf, proof) in l.iter().zip(&proofs) {
                prop_assert_eq!(root_from(*leaf, proof), root);
                prop_assert!(proof.len() <= 64 - (n as u64).leading_zeros() as usize);
            }
            let i = pick % n;
            if n > 1 {
                prop_assert_ne!(root_from(l[(i + 1) % n], &proofs[i]), root);
            }
        }
    }
}

//! What lets a stranger trust the evidence without trusting the seller: signatures in minisign's
//! formats (which key), RFC 3161 time-stamp tokens (existed no later than), and the Merkle tree that
//! lets one token date many orders. Pure code over bytes: no vault, no ledger (see `ledger::sign`
//! and `stamp` for where they are used).

pub mod merkle;
pub mod minisig;
pub mod tsp;

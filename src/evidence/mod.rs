//! Pure parsers of untrusted bytes: what a file is, what a photo or video says about itself, what
//! a chat export and a carrier's tracking payload contain.
//!
//! These are the leaves of the crate: they take bytes, a reader or a path and return data; they
//! never see a [`Vault`](crate::store::Vault) or a [`Ledger`](crate::ledger::Ledger), and they
//! depend on nothing of vault's but [`crate::time`], [`crate::digest`] and [`crate::error`]. This
//! is also the fuzzing surface.

pub mod apple;
pub mod bmff;
pub mod chat;
pub mod iptc;
pub mod kind;
pub mod metadata;
pub mod png;
pub mod tracking;
pub mod xmp;

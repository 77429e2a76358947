//! One order's evidence, read once from its ledger.

pub mod shipments;

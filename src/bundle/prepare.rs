//! `vault prepare`: the slow derived files made ahead of the dispute. Thumbnails and the JPEGs of
//! HEIC, HEIF and AVIF photos (a converter takes about a second a photo) go into the vault's
//! cache, so that the bundle made against the platform's deadline is the fast, cached one.
//! Run from cron after `add`; nothing in the store changes, and a photo that cannot be decoded
//! is reported, not an error.

use rayon::prelude::*;
use serde::Serialize;

use crate::case::Case;
use crate::digest::Digest;
use crate::error::Result;
use crate::evidence::kind::Kind;
use crate::ledger::Ledger;
use crate::progress::Progress;
use crate::render::thumbnail::{self, Prepared};
use crate::store::Vault;
use crate::store::order::OrderId;

/// What `prepare` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrepareReport {
    /// Orders looked at.
    pub orders: usize,
    /// Photos in them (each stored object once per order).
    pub photos: usize,
    /// Photos whose derived files were made now.
    pub made: usize,
    /// Photos whose derived files were in the cache already.
    pub cached: usize,
    /// Photos no decoder here reads, with the reason (for HEIC without a converter: what to
    /// install).
    pub failed: Vec<Unprepared>,
}

/// A photo whose derived files could not be made.
#[derive(Debug, Clone, Serialize)]
pub struct Unprepared {
    pub order: OrderId,
    pub name: String,
    pub sha256: Digest,
    pub reason: String,
}

/// Prepare the photos of `orders`, in parallel; `progress` counts photos.
pub fn run(vault: &Vault, orders: &[OrderId], progress: &dyn Progress) -> Result<PrepareReport> {
    let mut photos: Vec<(OrderId, String, Digest, String)> = Vec::new();
    for order in orders {
        let case = Case::new(vault, Ledger::read(vault, order)?);
        let mut seen = Vec::new();
        for (_, item) in case.items() {
            if (item.kind == Kind::Photo || item.media_type.is_image())
                && !seen.contains(&item.sha256)
            {
                seen.push(item.sha256);
                photos.push((
                    order.clone(),
                    item.name.clone(),
                    item.sha256,
                    item.media_type.as_str().to_string(),
                ));
            }
        }
    }
    progress.set_length(photos.len() as u64);
    let done: Vec<Result<std::result::Result<Prepared, String>>> = photos
        .par_iter()
        .map(|(_, _, d, mt)| {
            // A decoder bug on one hostile photo costs that photo its preview, nothing else.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                thumbnail::prepare(vault, d, mt)
            }))
            .unwrap_or_else(|_| Ok(Err("the image decoder failed on this file".to_string())));
            progress.inc(1);
            r
        })
        .collect();
    progress.finish();
    let mut report = PrepareReport {
        orders: orders.len(),
        photos: photos.len(),
        ..PrepareReport::default()
    };
    for ((order, name, sha256, _), r) in photos.into_iter().zip(done) {
        match r? {
            Ok(Prepared::Made) => report.made += 1,
            Ok(Prepared::Cached) => report.cached += 1,
            Err(reason) => report.failed.push(Unprepared {
                order,
                name,
                sha256,
                reason,
            }),
        }
    }
    Ok(report)
}

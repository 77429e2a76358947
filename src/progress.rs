//! How long work reports its progress, without knowing who shows it: the library calls a
//! [`Progress`]; the CLI implements it with an indicatif bar (`cli/progress.rs`), hidden when
//! stderr is not a terminal or with `--no-progress`.

use std::io::{self, Read};

/// Progress of work measured in bytes. Implementations are shared across worker threads.
pub trait Progress: Sync {
    /// The total, once it is known.
    fn set_length(&self, total: u64);
    /// `n` more bytes done.
    fn inc(&self, n: u64);
    /// The work is over (the bar, if any, goes away).
    fn finish(&self);
}

/// No progress reporting at all (tests, library callers that do not care).
pub struct Silent;

impl Progress for Silent {
    fn set_length(&self, _: u64) {}
    fn inc(&self, _: u64) {}
    fn finish(&self) {}
}

/// A reader that reports every byte read from `inner` to `progress`.
pub struct Counted<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

/// Wrap `inner` so that what is read from it counts as progress.
pub fn counted<R: Read>(inner: R, progress: &dyn Progress) -> Counted<'_, R> {
    Counted { inner, progress }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    struct Tally(AtomicU64);

    impl Progress for Tally {
        fn set_length(&self, _: u64) {}
        fn inc(&self, n: u64) {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
        fn finish(&self) {}
    }

    #[test]
    fn counted_reads_report_every_byte() {
        let t = Tally::default();
        let mut out = Vec::new();
        counted(&b"0123456789"[..], &t)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"0123456789");
        assert_eq!(t.0.load(Ordering::Relaxed), 10);
    }
}

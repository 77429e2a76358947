//! The library's [`Progress`] shown as an indicatif bar on stderr.

use indicatif::ProgressBar;

use crate::progress::Progress;

impl Progress for ProgressBar {
    fn set_length(&self, total: u64) {
        ProgressBar::set_length(self, total);
    }
    fn inc(&self, n: u64) {
        ProgressBar::inc(self, n);
    }
    fn finish(&self) {
        self.finish_and_clear();
    }
}

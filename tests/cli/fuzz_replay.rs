//! Every fuzz target's corpus replayed through the library's entry points (`vault::fuzzing`):
//! the seeds in `fuzz/corpus/<target>/` and every input a fuzzer once crashed on, plus the
//! real-world samples in `../shared/samples` where they are present. Each must return normally.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn every_corpus_input_is_handled_without_a_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    for target in vault::fuzzing::TARGETS {
        let files = files_under(&corpus.join(target));
        assert!(!files.is_empty(), "fuzz/corpus/{target} has no seeds");
        for f in files {
            let data = fs::read(&f).unwrap();
            let caught = std::panic::catch_unwind(|| vault::fuzzing::run(target, &data));
            assert!(caught.is_ok(), "{target}: {} panicked", f.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 30, "only {replayed} inputs replayed");
}

/// The samples written by other people: every file through the parsers that could meet it.
#[test]
fn every_sample_is_handled_by_every_parser_that_could_meet_it() {
    let Some(samples) = common::samples() else {
        return;
    };
    let mut replayed = 0;
    for f in files_under(&samples) {
        let data = fs::read(&f).unwrap();
        if data.len() > 8 << 20 {
            continue; // big videos: the metadata reader streams them; covered by tests/cli/media.rs
        }
        let lower = f.to_string_lossy().to_lowercase();
        let mut targets = vec!["kind"];
        if lower.ends_with(".json") {
            targets.extend(["tracking", "chat"]);
        } else if lower.ends_with(".txt")
            || lower.ends_with(".eml")
            || lower.ends_with(".mbox")
            || lower.ends_with(".csv")
        {
            targets.push("chat");
        } else if lower.ends_with(".zip") {
            targets.extend(["chat_zip", "bundle"]);
        } else if [
            ".jpg", ".jpeg", ".heic", ".png", ".tif", ".tiff", ".mp4", ".mov", ".webp", ".avif",
        ]
        .iter()
        .any(|e| lower.ends_with(e))
        {
            targets.extend(["metadata", "dc_jpeg"]);
        }
        for t in targets {
            let caught = std::panic::catch_unwind(|| vault::fuzzing::run(t, &data));
            assert!(caught.is_ok(), "{t}: {} panicked", f.display());
            replayed += 1;
        }
    }
    assert!(replayed > 100, "only {replayed} sample inputs replayed");
}

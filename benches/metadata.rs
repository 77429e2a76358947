#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark prints its table
#![allow(clippy::unwrap_used)] // and stops on any failure
//! Reading a photo's or video's metadata (EXIF, XMP, IPTC, PNG text, HEIF items, QuickTime) against
//! the whole of `vault add` for the same files, in one run: five interleaved trials, medians. The
//! issue's target: metadata stays within 1 % of `add`'s time per file.
//!
//!   cargo build --release && cargo bench --bench metadata -- DIR...
//!
//! DIR defaults to the bundle benchmark's photos (`bench-work/photos`, made by benches/bundle.sh)
//! and `../shared/samples` when it is there (real phones' JPEG, HEIC, PNG, MP4 and MOV files).
use std::path::{Path, PathBuf};
use std::time::Instant;
use vault::evidence::kind;

fn main() {
    let mut dirs: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .map(PathBuf::from)
        .collect();
    if dirs.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        dirs = [
            root.join("bench-work/photos"),
            root.join("../shared/samples"),
        ]
        .into_iter()
        .filter(|d| d.is_dir())
        .collect();
    }
    let files = media_files(&dirs);
    assert!(
        !files.is_empty(),
        "no photos or videos in {dirs:?} (make photos with benches/bundle.sh first)"
    );
    let bytes: u64 = files
        .iter()
        .map(|(f, _)| std::fs::metadata(f).unwrap().len())
        .sum();
    let vault_bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/vault");
    assert!(
        vault_bin.is_file(),
        "{}: build it with cargo build --release",
        vault_bin.display()
    );
    let n = files.len() as f64;
    let (mut adds, mut metas) = (Vec::new(), Vec::new());
    for trial in 0..5 {
        let tmp =
            std::env::temp_dir().join(format!("vault-bench-meta-{}-{trial}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let vault = |args: &[&std::ffi::OsStr]| {
            let ok = std::process::Command::new(&vault_bin)
                .arg("--vault")
                .arg(&tmp)
                .args(args)
                .status()
                .unwrap()
                .success();
            assert!(ok, "vault {args:?} failed");
        };
        vault(&["init".as_ref(), "-q".as_ref()]);
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "add".as_ref(),
            "-q".as_ref(),
            "--order".as_ref(),
            "BENCH".as_ref(),
        ];
        args.extend(files.iter().map(|(f, _)| f.as_os_str()));
        let t = Instant::now();
        vault(&args);
        adds.push(t.elapsed().as_secs_f64() * 1000.0 / n);
        let _ = std::fs::remove_dir_all(&tmp);
        let t = Instant::now();
        for (f, media_type) in &files {
            std::hint::black_box(vault::evidence::metadata::read(f, media_type));
        }
        metas.push(t.elapsed().as_secs_f64() * 1000.0 / n);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (add, meta) = (median(&mut adds), median(&mut metas));
    println!(
        "| metadata read per file, within vault add per file ({} files, {:.0} MB) | add {add:.2} ms | metadata {meta:.3} ms | {:.2} % |",
        files.len(),
        bytes as f64 / 1e6,
        100.0 * meta / add
    );
}

/// Every photo and video under `dirs`, with the media type `add` would detect.
fn media_files(dirs: &[PathBuf]) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in dirs {
        for entry in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let mut head = vec![0; 8192];
            let Ok(n) =
                std::io::Read::read(&mut std::fs::File::open(entry.path()).unwrap(), &mut head)
            else {
                continue;
            };
            head.truncate(n);
            let d = kind::detect(&head, entry.file_name());
            if d.media_type.is_image() || d.media_type.is_video() {
                files.push((entry.path().to_path_buf(), d.media_type.as_str().to_owned()));
            }
        }
    }
    files.sort();
    files
}

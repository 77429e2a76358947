#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark prints its table
#![allow(clippy::unwrap_used)] // and stops on any failure
//! Thumbnail cost per photo, side by side in one run: `image`'s decode + `thumbnail()` (the
//! baseline) against `vault::render::thumbnail::make` (1/8 scale from DC coefficients, `thumbnail::dc`;
//! other scales by libjpeg-turbo with the default `turbojpeg` feature, jpeg-decoder without). One
//! core, five interleaved trials, medians.
//!
//!   cargo bench --bench thumbnails -- DIR_OF_JPEGS
use std::time::Instant;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .filter(|a| a != "--bench")
        .unwrap_or_else(|| "bench-work/photos".into());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e} (make photos with benches/bundle.sh first)"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")))
        .collect();
    files.sort();
    files.truncate(20);
    let n = files.len() as f64;
    // Five interleaved trials of each, medians: the machine is noisy.
    let (mut bases, mut ourss) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        for f in &files {
            let img = image::open(f).unwrap();
            std::hint::black_box(img.thumbnail(256, 256));
        }
        bases.push(t.elapsed().as_secs_f64() * 1000.0 / n);
        let t = Instant::now();
        for f in &files {
            std::hint::black_box(vault::render::thumbnail::make_file(f, "image/jpeg").unwrap());
        }
        ourss.push(t.elapsed().as_secs_f64() * 1000.0 / n);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (base, ours) = (median(&mut bases), median(&mut ourss));
    // Metadata reading, which `vault add` does for every photo, against the cost of adding it.
    let t = Instant::now();
    for f in &files {
        std::hint::black_box(vault::evidence::metadata::read(f, "image/jpeg"));
    }
    let meta = t.elapsed().as_secs_f64() * 1000.0 / n;
    let vault_bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/vault");
    let tmp = std::env::temp_dir().join(format!("vault-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(&vault_bin)
            .env("VAULT_DIR", &tmp)
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut add = None;
    if run(&["init".as_ref(), "-q".as_ref(), tmp.as_os_str()]) {
        let t = Instant::now();
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "add".as_ref(),
            "-q".as_ref(),
            "--order".as_ref(),
            "BENCH".as_ref(),
        ];
        args.extend(files.iter().map(|f| f.as_os_str()));
        if run(&args) {
            add = Some(t.elapsed().as_secs_f64() * 1000.0 / n);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    match add {
        Some(add) => println!(
            "| metadata read per photo, within vault add per photo | add {add:.1} ms | metadata {meta:.2} ms | {:.1} % |",
            100.0 * meta / add
        ),
        None => eprintln!(
            "(could not time vault add: build {} with cargo build --release)",
            vault_bin.display()
        ),
    }
    println!(
        "| thumbnail of a {:.1} MB JPEG, one core | image thumbnail() {base:.0} ms | vault {ours:.0} ms | {:.2}x faster |",
        std::fs::metadata(&files[0]).unwrap().len() as f64 / 1e6,
        base / ours
    );
}

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
    println!(
        "| thumbnail of a {:.1} MB JPEG, one core | image thumbnail() {base:.0} ms | vault {ours:.0} ms | {:.2}x faster |",
        std::fs::metadata(&files[0]).unwrap().len() as f64 / 1e6,
        base / ours
    );
}

//! Thumbnail cost per photo, side by side in one run: `image`'s decode + `thumbnail()` (the
//! baseline) against `vault::thumbnail::make` (DCT-scaled decode). One core.
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
    let t = Instant::now();
    for f in &files {
        let img = image::open(f).unwrap();
        std::hint::black_box(img.thumbnail(256, 256));
    }
    let base = t.elapsed().as_secs_f64() * 1000.0 / n;
    let t = Instant::now();
    for f in &files {
        std::hint::black_box(vault::thumbnail::make(f, "image/jpeg").unwrap());
    }
    let ours = t.elapsed().as_secs_f64() * 1000.0 / n;
    println!(
        "| thumbnail of a {:.1} MB JPEG, one core | image thumbnail() {base:.0} ms | vault {ours:.0} ms | {:.2}x faster |",
        std::fs::metadata(&files[0]).unwrap().len() as f64 / 1e6,
        base / ours
    );
}

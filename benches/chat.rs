#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark prints its table
#![allow(clippy::unwrap_used)] // and stops on any failure
//! Parsing a 100,000-message WhatsApp export (target: under one second on the 2-core machine).
//! The export is generated in memory: Android layout, 12-hour times, multi-line messages and
//! attachment markers mixed in.
//!
//!   cargo bench --bench chat
use std::time::Instant;

fn main() {
    let mut s = String::with_capacity(10 << 20);
    s.push_str("12/31/23, 9:00\u{202f}PM - Messages and calls are end-to-end encrypted.\n");
    for i in 0..100_000u32 {
        let (d, h, m) = (1 + (i / 1440) % 28, (i / 60) % 12 + 1, i % 60);
        let ampm = if i % 2 == 0 { "AM" } else { "PM" };
        let who = ["Lena (buyer)", "Shop", "Warehouse"][(i % 3) as usize];
        match i % 10 {
            0 => s.push_str(&format!("1/{d}/24, {h}:{m:02}\u{202f}{ampm} - {who}: IMG-2024010{}-WA{i:04}.jpg (file attached)\n", i % 9)),
            5 => s.push_str(&format!("1/{d}/24, {h}:{m:02}\u{202f}{ampm} - {who}: first line of {i}\nsecond line\n")),
            _ => s.push_str(&format!("1/{d}/24, {h}:{m:02}\u{202f}{ampm} - {who}: message number {i}, size M, blue, shipped?\n")),
        }
    }
    let mb = s.len() as f64 / 1e6;
    let mut best = f64::MAX;
    let mut n = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let parsed = vault::evidence::chat::parse(s.as_bytes()).expect("parses");
        best = best.min(t.elapsed().as_secs_f64());
        n = parsed.messages.len();
    }
    println!(
        "| parse a {n}-message WhatsApp export ({mb:.1} MB), best of 5 | {best:.3} s | target < 1 s |"
    );
}

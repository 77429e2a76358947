#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark prints its table
#![allow(clippy::unwrap_used)] // and stops on any failure
//! The summary PDF of issue #16's case: 50 photos and a 2,000-message conversation in mixed
//! scripts (Russian, Chinese, Hebrew, Arabic, Thai, Devanagari, Greek, Latin), set with the
//! system's fonts, laid out and written as PDF/A-2b; and, in the same run, the same document with
//! every message in Latin (the embedded font alone, no fallback), the baseline. Five interleaved
//! trials, medians. The target: ≤ 1.5 s for the mixed document.
//!
//!   cargo bench --bench summary
use std::time::Instant;

use vault::render::summary::text::{FontSources, Fonts};
use vault::render::summary::{Block, Doc, Picture, layout, pdf};

const MIXED: &[&str] = &[
    "Здравствуйте, где моя посылка? Прошло уже две недели с момента отправки.",
    "您好，包裹已于11月18日发出，快递单号是 LP00123456789CN，请耐心等待。",
    "שלום, החבילה הגיעה ריקה ואני רוצה החזר כספי מלא בהקדם האפשרי",
    "مرحبا، وصلت الحزمة فارغة وأريد استرداد المبلغ كاملا في أقرب وقت",
    "สวัสดีครับ พัสดุมาถึงแล้วแต่กล่องเสียหาย ขอคืนเงินได้ไหมครับ",
    "नमस्ते, पैकेज खाली आया और मुझे पूरा पैसा वापस चाहिए",
    "Γειά σας, το δέμα ήρθε άδειο και θέλω επιστροφή χρημάτων",
    "Hello, the parcel left us sealed; here are the packing photos and the receipt.",
];
const LATIN: &str =
    "Hello, the parcel left us sealed; here are the packing photos and the receipt.";

fn photo(seed: u32) -> Picture {
    // A 1024 × 768 photo, as the summary embeds them (PDF_SIDES' first size).
    let img = image::RgbImage::from_fn(1024, 768, |x, y| {
        image::Rgb([
            (x / 4) as u8 ^ seed as u8,
            (y / 3) as u8,
            ((x + y) / 8) as u8,
        ])
    });
    let jpeg = vault::render::thumbnail::encode_jpeg(&img, 80).unwrap();
    Picture {
        jpeg,
        width: 1024,
        height: 768,
    }
}

fn doc(messages: impl Fn(usize) -> &'static str, pictures: &[Picture]) -> Doc {
    let mut d = Doc {
        title: "Evidence summary: order 8123456789012345".into(),
        footer: "Order 8123456789012345 · evidence summary".into(),
        pictures: pictures.to_vec(),
        ..Doc::default()
    };
    d.blocks.push(Block::Title(
        "Evidence summary — order 8123456789012345".into(),
    ));
    d.blocks.push(Block::Heading("Photos".into()));
    for k in 0..pictures.len() {
        d.blocks.push(Block::Photo {
            picture: k,
            caption: vec![format!(
                "IMG_{k:04}.jpg · taken 18 Nov 2026, 09:{:02}",
                k % 60
            )],
        });
    }
    d.blocks.push(Block::Heading("Conversation".into()));
    for k in 0..2000 {
        d.blocks.push(Block::Message {
            head: format!(
                "1 Dec 2026, {:02}:{:02}  Buyer {}",
                k / 60 % 24,
                k % 60,
                k % 7
            ),
            text: messages(k).to_string(),
        });
    }
    d
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds to choose fonts, lay out and write the PDF of `d`; the PDF's size and page count.
fn summary(d: &Doc) -> (f64, usize, usize, Vec<String>) {
    let t = Instant::now();
    let fonts = Fonts::for_text(d.texts(), &FontSources::system());
    let pages = layout(d, &mut fonts.shaper());
    let bytes = pdf::write(d, &pages, &fonts).unwrap();
    (
        t.elapsed().as_secs_f64(),
        bytes.len(),
        pages.len(),
        fonts.missing.iter().cloned().collect(),
    )
}

fn main() {
    let pictures: Vec<Picture> = (0..50).map(photo).collect();
    let mixed = doc(|k| MIXED[k % MIXED.len()], &pictures);
    let latin = doc(|_| LATIN, &pictures);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..5 {
        let (t, size, pages, missing) = summary(&mixed);
        a.push(t);
        last = Some((size, pages, missing));
        b.push(summary(&latin).0);
    }
    let (size, pages, missing) = last.unwrap();
    let (ma, mb) = (median(a), median(b));
    println!(
        "summary PDF, 50 photos + 2,000 messages ({pages} pages, {:.1} MB)",
        size as f64 / 1e6
    );
    println!("  mixed scripts (system fonts)  {ma:.3} s");
    println!("  Latin only (embedded font)    {mb:.3} s   (baseline)");
    println!("  ratio                         {:.2}×", ma / mb);
    if !missing.is_empty() {
        println!(
            "  note: no font here for {missing:?}: install fonts-noto-core and fonts-noto-cjk"
        );
    }
    println!(
        "  target ≤ 1.5 s: {}",
        if ma <= 1.5 { "met" } else { "NOT met" }
    );
}

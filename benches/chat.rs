#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark prints its table
#![allow(clippy::unwrap_used)] // and stops on any failure
//! Parsing 100,000 messages of each chat format vault reads (target: ≤ 0.3 s each on the 2-core
//! machine). Every export is generated in memory as the app writes it: WhatsApp Android in
//! English with 12-hour times, WhatsApp iOS in Arabic (Arabic-Indic digits, right-to-left
//! marks), WhatsApp Android in Chinese (下午 markers), Telegram Desktop JSON with text entities,
//! Messenger JSON with Facebook's mojibake, an mbox, and a CSV. Multi-line messages and
//! attachments are mixed in.
//!
//!   cargo bench --bench chat
use std::fmt::Write;
use std::time::Instant;

const N: u32 = 100_000;
const TARGET: f64 = 0.3;

fn who(i: u32) -> &'static str {
    ["Lena (buyer)", "Shop", "Warehouse"][(i % 3) as usize]
}

fn arabic_digits(n: u32, width: usize) -> String {
    format!("{n:0width$}")
        .chars()
        .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap()).unwrap())
        .collect()
}

fn whatsapp_android() -> String {
    let mut s = String::with_capacity(10 << 20);
    s.push_str("12/31/23, 9:00\u{202f}PM - Messages and calls are end-to-end encrypted.\n");
    for i in 0..N {
        let (d, h, m) = (1 + (i / 1440) % 28, (i / 60) % 12 + 1, i % 60);
        let ampm = if i % 2 == 0 { "AM" } else { "PM" };
        let w = who(i);
        let _ = match i % 10 {
            0 => writeln!(
                s,
                "1/{d}/24, {h}:{m:02}\u{202f}{ampm} - {w}: IMG-2024010{}-WA{i:04}.jpg (file attached)",
                i % 9
            ),
            5 => writeln!(
                s,
                "1/{d}/24, {h}:{m:02}\u{202f}{ampm} - {w}: first line of {i}\nsecond line"
            ),
            _ => writeln!(
                s,
                "1/{d}/24, {h}:{m:02}\u{202f}{ampm} - {w}: message number {i}, size M, blue, shipped?"
            ),
        };
    }
    s
}

fn whatsapp_ios_arabic() -> String {
    let mut s = String::with_capacity(16 << 20);
    for i in 0..N {
        let (d, h, m) = (1 + (i / 1440) % 28, (i / 60) % 24, i % 60);
        let date = format!(
            "\u{200f}[{}\u{200f}/\u{663}\u{200f}/{}\u{60c} {}:{}:{}]",
            arabic_digits(d, 1),
            arabic_digits(2026, 4),
            arabic_digits(h, 2),
            arabic_digits(m, 2),
            arabic_digits(i % 60, 2)
        );
        let w = who(i);
        let _ = match i % 10 {
            0 => writeln!(s, "{date} {w}: \u{200f}<مرفق: {i:08}-PHOTO-2026-03-01.jpg>"),
            3 => writeln!(s, "{date} {w}: \u{200f}لم يتم إدراج الصورة"),
            5 => writeln!(s, "{date} {w}: السطر الأول {i}\nالسطر الثاني"),
            _ => writeln!(
                s,
                "{date} {w}: الرسالة رقم {i}، المقاس M، أزرق، هل تم الشحن؟"
            ),
        };
    }
    s
}

fn whatsapp_android_chinese() -> String {
    let mut s = String::with_capacity(10 << 20);
    for i in 0..N {
        let (d, h, m) = (1 + (i / 1440) % 28, (i / 60) % 12 + 1, i % 60);
        let p = if i % 2 == 0 { "上午" } else { "下午" };
        let _ = writeln!(
            s,
            "2026/3/{d} {p}{h}:{m:02} - {}: 第{i}条消息，尺码M，蓝色，已发货？",
            who(i)
        );
    }
    s
}

fn telegram() -> String {
    let mut s = String::with_capacity(24 << 20);
    s.push_str("{\"name\":\"Lena\",\"type\":\"personal_chat\",\"messages\":[");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        let t = 1_704_067_200 + u64::from(i) * 60;
        let _ = write!(
            s,
            "{{\"id\":{i},\"type\":\"message\",\"date\":\"2024-01-01T00:00:00\",\"date_unixtime\":\"{t}\",\"from\":\"{}\",\"from_id\":\"user{}\",\"text\":[\"message number {i}, \",{{\"type\":\"bold\",\"text\":\"size M\"}}],\"text_entities\":[{{\"type\":\"plain\",\"text\":\"message number {i}, \"}},{{\"type\":\"bold\",\"text\":\"size M\"}}]}}",
            who(i),
            i % 3
        );
    }
    s.push_str("]}");
    s
}

fn messenger() -> String {
    let mut s = String::with_capacity(24 << 20);
    s.push_str("{\"participants\":[{\"name\":\"Lena\"},{\"name\":\"Shop\"}],\"messages\":[");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        let t = 1_704_067_200_000u64 + u64::from(N - i) * 60_000;
        let _ = write!(
            s,
            "{{\"sender_name\":\"{}\",\"timestamp_ms\":{t},\"content\":\"Gr\\u00c3\\u00b6\\u00c3\\u009fe M, blau, versendet? {i}\",\"is_geoblocked_for_viewer\":false}}",
            who(i)
        );
    }
    s.push_str("],\"title\":\"Lena\"}");
    s
}

fn mbox() -> String {
    let mut s = String::with_capacity(40 << 20);
    for i in 0..N {
        let (d, h, m) = (1 + (i / 1440) % 28, (i / 60) % 24, i % 60);
        let _ = write!(
            s,
            "From lena@example.de Mon Jan {d:2} {h:02}:{m:02}:00 2024\nFrom: Lena <lena@example.de>\nTo: shop@example.com\nSubject: Order {i}\nDate: Mon, {d} Jan 2024 {h:02}:{m:02}:00 +0100\nMessage-ID: <{i}@example.de>\nContent-Type: text/plain; charset=utf-8\n\nMessage number {i}, size M, blue, shipped?\n>From the warehouse, please.\n\n"
        );
    }
    s
}

fn csv() -> String {
    let mut s = String::with_capacity(8 << 20);
    s.push_str("time,sender,text\n");
    for i in 0..N {
        let (d, h, m) = (1 + (i / 1440) % 28, (i / 60) % 24, i % 60);
        let _ = writeln!(
            s,
            "2024-01-{d:02} {h:02}:{m:02}:00,{},\"message {i}, size M, \"\"blue\"\"\"",
            who(i)
        );
    }
    s
}

fn main() {
    println!("| format ({N} messages) | size | best of 5 | target |");
    println!("|---|---|---|---|");
    let mut worst: f64 = 0.0;
    for (name, make, format) in [
        (
            "WhatsApp Android, English, 12 h",
            whatsapp_android as fn() -> String,
            "whatsapp-android",
        ),
        (
            "WhatsApp iOS, Arabic digits and marks",
            whatsapp_ios_arabic,
            "whatsapp-ios",
        ),
        (
            "WhatsApp Android, Chinese 下午",
            whatsapp_android_chinese,
            "whatsapp-android",
        ),
        ("Telegram Desktop JSON", telegram, "telegram"),
        ("Messenger JSON, mojibake", messenger, "messenger"),
        ("mbox", mbox, "email"),
        ("CSV", csv, "csv"),
    ] {
        let s = make();
        let mb = s.len() as f64 / 1e6;
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let parsed = vault::evidence::chat::parse(s.as_bytes()).expect("parses");
            best = best.min(t.elapsed().as_secs_f64());
            assert_eq!(parsed.format, format, "{name}");
            let users = parsed
                .messages
                .iter()
                .filter(|m| m.sender.is_some())
                .count();
            assert_eq!(users, N as usize, "{name}: every message read");
        }
        worst = worst.max(best);
        println!("| {name} | {mb:.1} MB | {best:.3} s | ≤ {TARGET} s |");
    }
    println!(
        "slowest: {worst:.3} s ({})",
        if worst <= TARGET { "met" } else { "NOT met" }
    );
}

//! Entry points for fuzzing every parser of untrusted bytes. The cargo-fuzz targets in `fuzz/`
//! call these, and `tests/cli/fuzz_replay.rs` runs them over the corpus kept in `fuzz/corpus/`
//! (seeds and every input a fuzzer ever found), so a crash found once stays fixed.
//!
//! Each entry point must return normally for any input: a parser may refuse the bytes, never
//! panic, hang or allocate without bound. Beyond "no panic", a few cheap invariants are checked.

use std::io::{Cursor, Write};

use crate::digest::Digest;
use crate::evidence::{chat, kind, metadata, tracking};
use crate::store::order::OrderId;

/// Every target, by the name its corpus folder and cargo-fuzz target have.
pub const TARGETS: [&str; 11] = [
    "chat",
    "tracking",
    "kind",
    "metadata",
    "dc_jpeg",
    "chat_zip",
    "bundle",
    "ledger",
    "minisig",
    "tsp",
    "blacklist",
];

/// Run target `name` on `data`. Unknown names panic (a typo in a test or a fuzz target).
pub fn run(name: &str, data: &[u8]) {
    match name {
        "chat" => chat_export(data),
        "tracking" => tracking_payload(data),
        "kind" => kind_detection(data),
        "metadata" => media_metadata(data),
        "dc_jpeg" => dc_jpeg(data),
        "chat_zip" => chat_zip(data),
        "bundle" => bundle(data),
        "ledger" => ledger(data),
        "minisig" => minisig(data),
        "tsp" => tsp(data),
        "blacklist" => blacklist(data),
        other => panic!("no fuzz target {other:?}"),
    }
}

/// Chat exports of every format (WhatsApp, Telegram, Messenger, e-mail and mbox, CSV), detected
/// and forced, and e-mail attachments.
pub fn chat_export(data: &[u8]) {
    if let Ok(t) = chat::parse(data) {
        let s = chat::Summary::from(&t);
        assert!(s.messages <= t.messages.len());
    }
    for format in chat::Format::ALL {
        let opts = chat::ParseOptions {
            format: Some(format),
            ..Default::default()
        };
        let _ = chat::parse_with(data, opts);
    }
    let _ = chat::for_each_email_attachment(data, |name, bytes| {
        std::hint::black_box((name, bytes));
    });
}

/// Carrier tracking payloads (17TRACK, AfterShip, EasyPost, Cainiao).
pub fn tracking_payload(data: &[u8]) {
    if let Ok(s) = tracking::parse(data) {
        let summary = tracking::Summary::from(&s);
        assert_eq!(summary.events, s.events.len());
        let merged = tracking::merge([(Digest::of(data), "x.json", &s)]);
        assert!(merged.len() <= s.events.len());
        let _ = tracking::first_scan(&merged);
    }
}

/// What a file is, from its first bytes and its name.
pub fn kind_detection(data: &[u8]) {
    let d = kind::detect(data, std::ffi::OsStr::new("file.bin"));
    assert!(!d.media_type.is_empty());
    let _ = kind::detect(data, std::ffi::OsStr::new("IMG_0001.jpg"));
    let _ = kind::detect(data, std::ffi::OsStr::new("WhatsApp Chat.txt"));
}

/// Photo and video metadata (EXIF, XMP, IPTC, PNG text, QuickTime, HEIF boxes and items), through
/// a file as `add` reads it; and the XMP, IPTC and PNG scanners on the bytes as they are.
pub fn media_metadata(data: &[u8]) {
    let _ = crate::evidence::xmp::dates_in(data);
    let _ = crate::evidence::iptc::dates_in(data);
    let _ = crate::evidence::png::dates_in(data);
    let Some(file) = temp_file_with(data) else {
        return;
    };
    for media_type in [
        "image/jpeg",
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "image/png",
    ] {
        let _ = metadata::read(file.path(), media_type);
    }
}

/// vault's own JPEG DC decoder (thumbnails).
pub fn dc_jpeg(data: &[u8]) {
    if let Ok(p) = crate::render::thumbnail::dc::decode(data, 1, 1 << 22) {
        let channels = if p.gray { 1 } else { 3 };
        assert_eq!(
            p.pixels.len() as u64,
            u64::from(p.width) * u64::from(p.height) * channels
        );
    }
}

/// WhatsApp export zips: the chat text found inside, and every media entry read, bounded.
pub fn chat_zip(data: &[u8]) {
    let Ok(mut z) = chat::ZipExport::new(Cursor::new(data)) else {
        return;
    };
    let _ = chat::parse(&z.chat_text);
    for (index, _, _) in std::mem::take(&mut z.media) {
        let _ = z.with_entry(index, |r| std::io::copy(r, &mut std::io::sink()));
    }
    let _ = chat::read_export(Cursor::new(data), chat::ParseOptions::default());
}

/// `verify-bundle` on any zip.
pub fn bundle(data: &[u8]) {
    let Some(file) = temp_file_with(data) else {
        return;
    };
    if let Ok(report) = crate::bundle::check::check(file.path()) {
        // Whatever it is, a fuzzer's zip is not an intact bundle unless it really is one.
        let _ = report.is_intact();
    }
}

/// What another shop or a damaged disk hands the blacklist: a CSV file for `buyer import` (its
/// fields written back and read again give the same records) and `buyers/flags.jsonl`.
pub fn blacklist(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(records) = crate::buyers::csv_records(text)
    {
        let again: String = records
            .iter()
            .map(|r| {
                let fields: Vec<String> = r.iter().map(|f| crate::buyers::csv_field(f)).collect();
                fields.join(",") + "\n"
            })
            .collect();
        let back = crate::buyers::csv_records(&again).expect("written fields read back");
        // A record of one empty field writes as an empty line, which reads as no record.
        let kept: Vec<&Vec<String>> = records
            .iter()
            .filter(|r| r != &&vec![String::new()])
            .collect();
        let back: Vec<&Vec<String>> = back.iter().filter(|r| r != &&vec![String::new()]).collect();
        assert_eq!(kept, back);
    }
    let flags = crate::buyers::Flags::parse(data);
    assert!(flags.entries.len() + flags.problems.len() <= data.len() + 1);
    let _ = flags.latest();
}

/// Ledger bytes: parsing and checking the chain, for any order.
pub fn ledger(data: &[u8]) {
    let order: OrderId = "8123456789012345".parse().expect("a valid order id");
    let l = crate::ledger::Ledger::parse(&order, data);
    assert!(l.torn_tail <= data.len());
    assert_eq!(l.head, l.lines.last().map(|line| line.hash));
    let _ = l.items().count();
}

/// minisign's text formats as a bag or a vault carries them: signatures, public keys, secret-key
/// headers, a key history and a signature log checked against a ledger.
pub fn minisig(data: &[u8]) {
    use crate::trust::minisig::{PublicKey, SecretKey, SignatureBox};
    let text = String::from_utf8_lossy(data);
    if let Ok(sig) = SignatureBox::parse(&text) {
        // What parses prints back to what parses the same.
        assert_eq!(SignatureBox::parse(&sig.to_string()).as_ref(), Ok(&sig));
        if let Ok(pk) = PublicKey::parse(&text) {
            let _ = pk.verify(&sig, data);
        }
    }
    if let Ok(pk) = PublicKey::parse(&text) {
        assert_eq!(PublicKey::parse(&pk.to_box()).as_ref(), Ok(&pk));
    }
    let _ = SecretKey::is_encrypted_box(&text);
    if SecretKey::is_encrypted_box(&text) == Ok(false) {
        let _ = SecretKey::open(&text, None);
    }
    let ring = crate::ledger::sign::Keyring::parse("v", &text);
    let order: OrderId = "8123456789012345".parse().expect("a valid order id");
    let ledger = crate::ledger::Ledger::parse(&order, data);
    let heads = crate::ledger::sign::check_heads("v", &order, &ledger, data, &ring);
    assert!(heads.signatures <= data.len());
}

/// RFC 3161 replies and tokens: status, CMS, TSTInfo, certificates, chains.
pub fn tsp(data: &[u8]) {
    use crate::trust::tsp;
    let digest = [0u8; 32];
    if let Ok(token) = tsp::token_of_reply(data) {
        let _ = tsp::verify(&token, &digest, Some(1), &[], &[]);
    }
    let _ = tsp::verify(data, &digest, None, &[], &[]);
    if let Ok(certs) = tsp::load_pem(data) {
        for c in &certs {
            let _ = tsp::check_tsa_usage(c);
        }
        let _ = tsp::verify(data, &digest, None, &certs, &certs);
    }
}

fn temp_file_with(data: &[u8]) -> Option<tempfile::NamedTempFile> {
    let mut f = tempfile::NamedTempFile::new().ok()?;
    f.write_all(data).ok()?;
    Some(f)
}

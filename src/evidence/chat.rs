//! Chat exports: parse a conversation into a transcript (sender, time, text, attachments, and the
//! line or node each message came from). The transcript is derived data tied to the export's
//! SHA-256; the export itself is the evidence and is stored byte for byte.
//!
//! Formats, detected from content: WhatsApp "Export chat" text (Android `d/m/y, H:MM - Name: text`
//! and iOS `[d.m.y, H:MM:SS] Name: text`, every date layout, 12/24 h, `a. m.` locales, the invisible
//! characters modern exports carry), Telegram Desktop `result.json`, and a plain `time,sender,text`
//! CSV. Times without a zone are kept as written and marked `time_naive`.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// One message of a transcript. Serialized with `time` (its text) and `time_naive` (true for a
/// local time without a zone), as transcripts always were.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// An instant when the export gives one (Telegram's `date_unixtime`, Messenger, e-mail);
    /// else the local time as written, `YYYY-MM-DDTHH:MM:SS`.
    pub time: Timestamp,
    /// None for system messages ("Messages and calls are end-to-end encrypted", "X added Y").
    pub sender: Option<String>,
    pub text: String,
    /// File names of attachments the message carries, as the export names them.
    pub attachments: Vec<String>,
    /// Where it came from: `line 12` (first line of the message) or `messages[3]`.
    pub source: String,
}

impl Message {
    /// A local time without a zone (the export gave none).
    pub fn time_naive(&self) -> bool {
        !self.time.has_offset()
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            #[serde(flatten)]
            time: crate::time::TimeFields<'a>,
            sender: &'a Option<String>,
            text: &'a str,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            attachments: &'a [String],
            source: &'a str,
        }
        Wire {
            time: self.time.fields(),
            sender: &self.sender,
            text: &self.text,
            attachments: &self.attachments,
            source: &self.source,
        }
        .serialize(s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    pub format: &'static str,
    pub messages: Vec<Message>,
}

/// What the ledger keeps about a chat export; the messages are re-derived from the object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    /// Messages from participants (system messages not counted).
    pub messages: usize,
    // `first` and `last` are the times of the first and last of those messages.
    pub participants: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// For exports whose times have no zone: the UTC offset assumed for them (`--tz`, default the
    /// offset of the machine that added the export). The times themselves stay as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz_assumed: Option<String>,
    /// Options the export was read with (`--format`, `--date-order`); every later reading uses them.
    #[serde(default, skip_serializing_if = "ParseOptions::is_default")]
    pub read_with: ParseOptions,
}

impl From<&Transcript> for Summary {
    fn from(t: &Transcript) -> Summary {
        let user: Vec<&Message> = t.messages.iter().filter(|m| m.sender.is_some()).collect();
        let participants: BTreeSet<String> = user.iter().filter_map(|m| m.sender.clone()).collect();
        Summary {
            format: t.format.to_string(),
            messages: user.len(),
            participants: participants.into_iter().collect(),
            first: user.first().map(|m| m.time.to_string()),
            last: user.last().map(|m| m.time.to_string()),
            tz_assumed: None,
            read_with: ParseOptions::default(),
        }
    }
}

/// Largest export parsed in memory (64 MiB). With [`MAX_MESSAGES`] and [`MAX_LINES`] it keeps a
/// crafted export's cost under about 200 MB; a larger one is refused with a message naming it.
pub const MAX_EXPORT: u64 = 64 << 20;

/// Parse an export: a text or JSON export, or a WhatsApp zip (its chat text inside).
pub fn read_export<R: Read + Seek>(mut r: R, opts: ParseOptions) -> Result<Transcript, String> {
    let mut magic = [0u8; 4];
    let is_zip = r.read_exact(&mut magic).is_ok() && magic == *b"PK\x03\x04";
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    if is_zip {
        let z = ZipExport::new(r)?;
        return parse_with(&z.chat_text, opts);
    }
    parse_with(&crate::bounded::read_at_most(r, MAX_EXPORT)?, opts)
}

/// Why a zip whose entries share bytes is not read.
pub const OVERLAP: &str =
    "entries overlap one another (a zip bomb: the same bytes listed as many files); not read";

/// Most entries a chat zip may have, and most bytes it may inflate to in all.
pub const ZIP_MAX_ENTRIES: usize = 10_000;
pub const ZIP_MAX_TOTAL: u64 = 4 << 30;
/// A deflated entry over 1 MiB claiming more than this ratio is not inflated (a zip bomb).
pub const ZIP_MAX_RATIO: u64 = 200;

/// A WhatsApp "Export chat" zip: its chat text, and the media entries it carries. The central
/// directory is read once, when it is opened.
pub struct ZipExport<R> {
    pub chat_name: String,
    pub chat_text: Vec<u8>,
    /// (index in the zip, file name) of every media entry that is safe to read.
    pub media: Vec<(usize, String, u64)>,
    /// Entries left alone, and why.
    pub skipped: Vec<String>,
    archive: zip::ZipArchive<R>,
}

impl<R: Read + Seek> ZipExport<R> {
    pub fn new(reader: R) -> Result<ZipExport<R>, String> {
        let mut z = zip::ZipArchive::new(reader).map_err(|e| format!("not a readable zip: {e}"))?;
        if z.len() > ZIP_MAX_ENTRIES {
            return Err(format!("{} entries, more than {ZIP_MAX_ENTRIES}", z.len()));
        }
        // One compressed run listed as many entries inflates many times over: refused whole.
        match z.has_overlapping_entries() {
            Ok(false) => {}
            Ok(true) => return Err(OVERLAP.into()),
            Err(e) => return Err(format!("entry offsets are unreadable: {e}")),
        }
        let mut chat: Option<(usize, String)> = None;
        let mut media = Vec::new();
        let mut skipped = Vec::new();
        let mut total = 0u64;
        for i in 0..z.len() {
            let e = z.by_index_raw(i).map_err(|e| format!("entry {i}: {e}"))?;
            let raw = String::from_utf8_lossy(e.name_raw()).into_owned();
            if e.is_dir() {
                continue;
            }
            let Some(safe) = e.enclosed_name() else {
                skipped.push(format!("{raw}: unsafe name"));
                continue;
            };
            if raw.starts_with("__MACOSX/")
                || safe
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let (size, packed) = (e.size(), e.compressed_size().max(1));
            if size > (1 << 20) && size / packed > ZIP_MAX_RATIO {
                skipped.push(format!(
                    "{raw}: compression ratio {}:1, not inflated",
                    size / packed
                ));
                continue;
            }
            total = total.saturating_add(size);
            if total > ZIP_MAX_TOTAL {
                return Err(format!("inflates to more than {ZIP_MAX_TOTAL} bytes"));
            }
            let name = safe
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(raw.clone());
            let lower = name.to_lowercase();
            if chat.is_none()
                && lower.ends_with(".txt")
                && (lower == "_chat.txt" || lower.starts_with("whatsapp chat"))
            {
                chat = Some((i, name));
            } else {
                media.push((i, name, size));
            }
        }
        // No conventionally named chat text: the first .txt entry.
        if chat.is_none()
            && let Some(pos) = media
                .iter()
                .position(|(_, n, _)| n.to_lowercase().ends_with(".txt"))
        {
            let (i, n, _) = media.remove(pos);
            chat = Some((i, n));
        }
        let (ci, chat_name) = chat.ok_or("no chat text (_chat.txt) in the zip")?;
        let mut chat_text = Vec::new();
        let e = z.by_index(ci).map_err(|e| format!("{chat_name}: {e}"))?;
        let declared = e.size();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(e, MAX_EXPORT.min(declared) + 1),
            &mut chat_text,
        )
        .map_err(|e| format!("{chat_name}: {e}"))?;
        if chat_text.len() as u64 > declared.min(MAX_EXPORT) {
            return Err(format!(
                "{chat_name}: larger than declared or than {MAX_EXPORT} bytes"
            ));
        }
        Ok(ZipExport {
            chat_name,
            chat_text,
            media,
            skipped,
            archive: z,
        })
    }

    /// Stream one media entry, bounded by its declared size, into `f`.
    pub fn with_entry<T>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut dyn std::io::Read) -> T,
    ) -> Result<T, String> {
        let e = self.archive.by_index(index).map_err(|e| e.to_string())?;
        let declared = e.size();
        let mut bounded = std::io::Read::take(e, declared);
        Ok(f(&mut bounded))
    }
}

/// How to read an export when its content does not settle it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseOptions {
    /// Force a format instead of detecting it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Day/month order of WhatsApp dates, instead of deciding it from the whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// The order to take when the whole file does not decide it (the `date-order` setting);
    /// day first when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undecided_order: Option<DateOrder>,
}

impl ParseOptions {
    pub fn is_default(&self) -> bool {
        *self == ParseOptions::default()
    }
}

/// Formats `--format` can force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Whatsapp,
    Telegram,
    Messenger,
    Email,
    Csv,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Whatsapp,
        Format::Telegram,
        Format::Messenger,
        Format::Email,
        Format::Csv,
    ];

    /// The name `--format` takes and the ledger records.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Whatsapp => "whatsapp",
            Format::Telegram => "telegram",
            Format::Messenger => "messenger",
            Format::Email => "email",
            Format::Csv => "csv",
        }
    }
}

/// Parse an export; `Err` says which line or field broke the parse, or that no format matched.
pub fn parse(bytes: &[u8]) -> Result<Transcript, String> {
    parse_with(bytes, ParseOptions::default())
}

pub fn parse_with(bytes: &[u8], opts: ParseOptions) -> Result<Transcript, String> {
    let text = String::from_utf8_lossy(bytes);
    let body = text.trim_start_matches('\u{feff}');
    match opts.format {
        Some(Format::Whatsapp) => return whatsapp(body, opts),
        Some(Format::Telegram) => return telegram(bytes),
        Some(Format::Messenger) => return messenger(bytes),
        Some(Format::Email) => return email(bytes),
        Some(Format::Csv) => return csv(body),
        None => {}
    }
    detect_and_parse(bytes, body, opts)
}

fn detect_and_parse(bytes: &[u8], body: &str, opts: ParseOptions) -> Result<Transcript, String> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('{') {
        // Messenger/Instagram: messages[] with timestamp_ms and sender_name.
        if trimmed.contains("\"timestamp_ms\"") && trimmed.contains("\"sender_name\"") {
            return messenger(bytes);
        }
        return telegram(bytes);
    }
    if trimmed.starts_with("From ") || crate::evidence::kind::looks_like_email(trimmed) {
        return email(bytes);
    }
    if let Some(first) = trimmed.lines().next() {
        let cols: Vec<String> = first.split(',').map(|c| c.trim().to_lowercase()).collect();
        if cols.len() >= 3 && cols[0] == "time" && cols[1] == "sender" {
            return csv(body);
        }
    }
    whatsapp(body, opts)
}

// ---- WhatsApp ---------------------------------------------------------------------------------

/// Remove the invisible characters WhatsApp puts in exports; normalise odd spaces.
fn clean(line: &str) -> String {
    line.chars()
        .filter(|c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{feff}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .map(|c| if matches!(c, '\u{202f}' | '\u{00a0}' | '\u{2009}') { ' ' } else { c })
        .collect()
}

struct Header<'a> {
    date: (u32, u32, u32, bool), // three numbers, and whether the first had 4 digits
    time: NaiveTime,
    rest: &'a str,
    ios: bool,
}

fn whatsapp_regexes() -> &'static (regex::Regex, regex::Regex) {
    static RE: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        let date = r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})";
        let time = r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*([aApP])\.?\s?[mM]\.?)?";
        (
            // iOS: [31.12.20, 21:41:05] Name: text
            regex::Regex::new(&format!(r"^\[{date},?\s+{time}\]\s?(.*)$")).expect("static regex"),
            // Android: 31/12/2020, 21:41 - Name: text
            regex::Regex::new(&format!(r"^{date},?\s+{time}\s+[-–]\s(.*)$")).expect("static regex"),
        )
    })
}

fn header(line: &str) -> Option<Header<'_>> {
    let (ios_re, android_re) = whatsapp_regexes();
    let (caps, ios) = match ios_re.captures(line) {
        Some(c) => (c, true),
        None => (android_re.captures(line)?, false),
    };
    let n = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let (a, b, c) = (n(1)?, n(2)?, n(3)?);
    let first4 = caps.get(1)?.as_str().len() == 4;
    let mut hour = n(4)?;
    let minute = n(5)?;
    let second = n(6).unwrap_or(0);
    if let Some(ampm) = caps.get(7).map(|m| m.as_str().to_ascii_lowercase()) {
        if hour > 12 || hour == 0 {
            return None;
        }
        hour = match (ampm.as_str(), hour) {
            ("a", 12) => 0,
            ("a", h) => h,
            ("p", 12) => 12,
            (_, h) => h + 12,
        };
    }
    let time = NaiveTime::from_hms_opt(hour, minute, second)?;
    Some(Header {
        date: (a, b, c, first4),
        time,
        rest: caps.get(8)?.as_str(),
        ios,
    })
}

/// Day/month order, decided from the whole file: a number over 12 settles it; else the order that
/// keeps the messages in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    Dmy,
    Mdy,
    Ymd,
}

impl DateOrder {
    pub const ALL: [DateOrder; 3] = [DateOrder::Dmy, DateOrder::Mdy, DateOrder::Ymd];

    /// The name `--date-order` takes and the ledger records.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Ymd => "ymd",
        }
    }
}

fn to_date(d: (u32, u32, u32, bool), order: DateOrder) -> Option<NaiveDate> {
    let (a, b, c, _) = d;
    let year = |y: u32| if y < 100 { 2000 + y as i32 } else { y as i32 };
    match order {
        DateOrder::Ymd => NaiveDate::from_ymd_opt(year(a), b, c),
        DateOrder::Dmy => NaiveDate::from_ymd_opt(year(c), b, a),
        DateOrder::Mdy => NaiveDate::from_ymd_opt(year(c), a, b),
    }
}

fn decide_order(dates: &[(u32, u32, u32, bool)], undecided: Option<DateOrder>) -> DateOrder {
    if dates.iter().any(|d| d.3) {
        return DateOrder::Ymd;
    }
    if dates.iter().any(|d| d.0 > 12) {
        return DateOrder::Dmy;
    }
    if dates.iter().any(|d| d.1 > 12) {
        return DateOrder::Mdy;
    }
    // Undecided by any single date: the order under which the chat runs forward in time.
    let backwards = |o: DateOrder| {
        let ds: Vec<NaiveDate> = dates.iter().filter_map(|d| to_date(*d, o)).collect();
        ds.windows(2).filter(|w| w[1] < w[0]).count()
    };
    match backwards(DateOrder::Mdy).cmp(&backwards(DateOrder::Dmy)) {
        std::cmp::Ordering::Less => DateOrder::Mdy,
        std::cmp::Ordering::Greater => DateOrder::Dmy,
        std::cmp::Ordering::Equal => match undecided {
            Some(o @ (DateOrder::Dmy | DateOrder::Mdy)) => o,
            _ => DateOrder::Dmy,
        },
    }
}

/// Attachment named by a message, in the markers WhatsApp writes.
fn attachment(text: &str) -> Option<String> {
    let t = text.trim();
    if let Some(inner) = t
        .strip_prefix("<attached: ")
        .and_then(|r| r.strip_suffix('>'))
    {
        return Some(inner.trim().to_string());
    }
    if let Some(name) = t.strip_suffix("(file attached)") {
        return Some(name.trim().to_string());
    }
    None
}

fn whatsapp(body: &str, opts: ParseOptions) -> Result<Transcript, String> {
    check_lines(body)?;
    let lines: Vec<String> = body.lines().map(clean).collect();
    let headers: Vec<Option<Header<'_>>> = lines.iter().map(|l| header(l)).collect();
    let found = headers.iter().flatten().count();
    if found == 0 {
        let first = lines
            .iter()
            .position(|l| !l.trim().is_empty())
            .map_or(1, |i| i + 1);
        return Err(format!(
            "not a chat export vault reads: line {first} is not a WhatsApp message line, and the file is neither Telegram JSON nor time,sender,text CSV"
        ));
    }
    let dates: Vec<_> = headers.iter().flatten().map(|h| h.date).collect();
    let order = opts
        .date_order
        .unwrap_or_else(|| decide_order(&dates, opts.undecided_order));
    let ios = headers.iter().flatten().filter(|h| h.ios).count() * 2 > found;
    let mut messages: Vec<Message> = Vec::new();
    for (i, (line, h)) in lines.iter().zip(&headers).enumerate() {
        match h {
            Some(h) => {
                let date = to_date(h.date, order)
                    .ok_or_else(|| format!("line {}: not a valid date", i + 1))?;
                let time = NaiveDateTime::new(date, h.time);
                let (sender, text) = match h.rest.split_once(':') {
                    Some((s, t)) if !s.is_empty() && s.len() <= 100 => (
                        Some(s.trim().to_string()),
                        t.strip_prefix(' ').unwrap_or(t).to_string(),
                    ),
                    _ => (None, h.rest.to_string()),
                };
                push_message(
                    &mut messages,
                    Message {
                        time: Timestamp::local(time),
                        attachments: attachment(&text).into_iter().collect(),
                        sender,
                        text,
                        source: format!("line {}", i + 1),
                    },
                )?;
            }
            // A line without a header continues the message before it.
            None => match messages.last_mut() {
                Some(m) => {
                    m.text.push('\n');
                    m.text.push_str(line);
                }
                None if line.trim().is_empty() => {}
                None => return Err(format!("line {}: text before the first message", i + 1)),
            },
        }
    }
    Ok(Transcript {
        format: if ios {
            "whatsapp-ios"
        } else {
            "whatsapp-android"
        },
        messages,
    })
}

// ---- Telegram -----------------------------------------------------------------------------------

/// Telegram Desktop writes `\xNN` escapes, which JSON does not allow; turn them into `\u00NN`.
fn fix_telegram_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('x') => {
                    chars.next();
                    out.push_str("\\u00");
                }
                Some(&n) => {
                    chars.next();
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Most messages one export may hold: a bound on memory for crafted exports (each message costs its
/// text plus about 150 bytes). A real buyer's thread is far below it; an account-wide export over
/// it is refused with a hint to export the one chat.
pub const MAX_MESSAGES: usize = 200_000;

fn too_many_messages() -> String {
    format!(
        "more than {MAX_MESSAGES} messages: export the one chat with the buyer (or split the \
         export) and add that"
    )
}

/// Most lines a text export (WhatsApp, CSV) may have: each line costs about 100 bytes while it is
/// parsed, so a crafted file of empty lines is refused before it is split.
pub const MAX_LINES: usize = 1_000_000;

fn check_lines(body: &str) -> Result<(), String> {
    if memchr::memchr_iter(b'\n', body.as_bytes()).count() >= MAX_LINES {
        return Err(format!(
            "more than {MAX_LINES} lines: export the one chat with the buyer (or split the \
             export) and add that"
        ));
    }
    Ok(())
}

/// Push a message unless the export already holds [`MAX_MESSAGES`].
fn push_message(messages: &mut Vec<Message>, m: Message) -> Result<(), String> {
    if messages.len() >= MAX_MESSAGES {
        return Err(too_many_messages());
    }
    messages.push(m);
    Ok(())
}

/// JSON exports are read into typed structs, not a `serde_json::Value` tree (which costs several
/// times the file's size): only the fields used are kept, the rest is skipped as it is read.
/// Fields of an unexpected type read as absent, as they did from a `Value`.
mod loose {
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    /// Visitor methods that read the named kinds of JSON value as absent (consuming them).
    macro_rules! none_for {
        ($($kind:ident),*) => { $(none_for!(@ $kind);)* };
        (@ bool) => {
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok(None) }
        };
        (@ i64) => {
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok(None) }
        };
        (@ u64) => {
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok(None) }
        };
        (@ f64) => {
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok(None) }
        };
        (@ unit) => {
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Ok(None) }
        };
        (@ str) => {
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok(None) }
        };
        (@ seq) => {
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(None)
            }
        };
        (@ map) => {
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(None)
            }
        };
    }

    /// A string, or nothing when the field holds anything else.
    #[derive(Debug, Default)]
    pub struct Str(pub Option<String>);

    impl<'de> Deserialize<'de> for Str {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
            d.deserialize_any(StrVisitor).map(Str)
        }
    }

    struct StrVisitor;

    impl<'de> Visitor<'de> for StrVisitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        none_for!(bool, i64, u64, f64, unit, seq, map);
    }

    /// An integer, or nothing when the field holds anything else.
    #[derive(Debug, Default)]
    pub struct Int(pub Option<i64>);

    impl<'de> Deserialize<'de> for Int {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Option<i64>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                    Ok(Some(v))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                    Ok(i64::try_from(v).ok())
                }
                none_for!(str, bool, f64, unit, seq, map);
            }
            d.deserialize_any(V).map(Int)
        }
    }

    /// Telegram's `text`: a string, or an array of strings and `{"type": …, "text": …}` parts.
    #[derive(Debug, Default)]
    pub struct Text(pub String);

    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Option<String>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a string or an array of text parts")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Some(v.to_string()))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                    Ok(Some(v))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    let mut out = String::new();
                    while let Some(part) = seq.next_element::<Part>()? {
                        out.push_str(&part.0);
                    }
                    Ok(Some(out))
                }
                none_for!(bool, i64, u64, f64, unit, map);
            }
            d.deserialize_any(V).map(|t| Text(t.unwrap_or_default()))
        }
    }

    /// One part of a Telegram text array: a string, or an object's `text`.
    struct Part(String);

    impl<'de> Deserialize<'de> for Part {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Part, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Option<String>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a text part")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Some(v.to_string()))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                    Ok(Some(v))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut text = None;
                    while let Some(k) = map.next_key::<Str>()? {
                        if k.0.as_deref() == Some("text") {
                            text = map.next_value::<Str>()?.0;
                        } else {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    Ok(text)
                }
                none_for!(bool, i64, u64, f64, unit, seq);
            }
            d.deserialize_any(V).map(|t| Part(t.unwrap_or_default()))
        }
    }

    /// A list, or nothing when the field holds anything else.
    #[derive(Debug)]
    pub struct List<T>(pub Option<Vec<T>>);

    impl<T> Default for List<T> {
        fn default() -> Self {
            List(None)
        }
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List<T>, D::Error> {
            struct V<T>(std::marker::PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
                type Value = Option<Vec<T>>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    let mut out = Vec::new();
                    while let Some(x) = seq.next_element()? {
                        if out.len() >= super::MAX_MESSAGES {
                            return Err(de::Error::custom(super::too_many_messages()));
                        }
                        out.push(x);
                    }
                    Ok(Some(out))
                }
                none_for!(str, bool, i64, u64, f64, unit, map);
            }
            d.deserialize_any(V(std::marker::PhantomData)).map(List)
        }
    }
}

/// Telegram Desktop's JSON export: one chat (`messages`) or the whole account (`chats.list`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct TelegramExport {
    messages: loose::List<TelegramMessage>,
    chats: Option<TelegramChats>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TelegramChats {
    list: loose::List<TelegramChat>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TelegramChat {
    messages: loose::List<TelegramMessage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TelegramMessage {
    #[serde(rename = "type")]
    kind: loose::Str,
    date: loose::Str,
    date_unixtime: loose::Str,
    from: loose::Str,
    text: loose::Text,
    action: loose::Str,
    photo: loose::Str,
    file: loose::Str,
}

fn telegram(bytes: &[u8]) -> Result<Transcript, String> {
    let export: TelegramExport = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) if e.to_string().starts_with("more than") => return Err(too_many_messages()),
        Err(_) => serde_json::from_str(&fix_telegram_escapes(&String::from_utf8_lossy(bytes)))
            .map_err(|e| format!("not valid JSON: {e}"))?,
    };
    // A single chat has `messages`; a full export has `chats.list[]`.
    let chats: Vec<Option<Vec<TelegramMessage>>> = match export.messages.0 {
        Some(list) => vec![Some(list)],
        None => export
            .chats
            .and_then(|c| c.list.0)
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.messages.0)
            .collect(),
    };
    if chats.is_empty() {
        return Err("JSON without `messages` or `chats.list`: not a Telegram export".into());
    }
    let single = chats.len() == 1;
    let mut messages = Vec::new();
    for (ci, chat) in chats.into_iter().enumerate() {
        let Some(list) = chat else {
            return Err(format!("chats.list[{ci}].messages is not an array"));
        };
        for (i, m) in list.into_iter().enumerate() {
            let source = if single {
                format!("messages[{i}]")
            } else {
                format!("chats.list[{ci}].messages[{i}]")
            };
            push_message(&mut messages, telegram_message(m, source)?)?;
        }
    }
    // By instant: offsets differ across a cross-border thread, so the strings do not sort.
    messages.sort_by_key(|m| m.time.sort_key());
    Ok(Transcript {
        format: "telegram",
        messages,
    })
}

fn telegram_message(m: TelegramMessage, source: String) -> Result<Message, String> {
    // date_unixtime is the truth (UTC); `date` is local time without zone.
    let time = match m
        .date_unixtime
        .0
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|t| DateTime::from_timestamp(t, 0))
    {
        Some(t) => Timestamp::instant(t.fixed_offset(), chrono::SecondsFormat::Secs),
        None => match m
            .date
            .0
            .and_then(|d| NaiveDateTime::parse_from_str(&d, "%Y-%m-%dT%H:%M:%S").ok())
        {
            Some(t) => Timestamp::local(t),
            None => return Err(format!("{source}: no readable date")),
        },
    };
    let service = m.kind.0.as_deref() == Some("service");
    let sender = if service { None } else { m.from.0 };
    let mut text = m.text.0;
    if service && text.is_empty() {
        text = m.action.0.unwrap_or_else(|| "service message".to_string());
    }
    let attachments = [m.photo.0, m.file.0].into_iter().flatten().collect();
    Ok(Message {
        time,
        sender,
        text,
        attachments,
        source,
    })
}

// ---- Messenger / Instagram --------------------------------------------------------------------

/// Facebook's exports write UTF-8 bytes as if each were a Latin-1 character ("mojibake"): turn
/// them back. Text that is not like that is returned unchanged.
pub fn fix_mojibake(s: &str) -> String {
    if s.chars().all(|c| (c as u32) < 0x100) && s.chars().any(|c| (c as u32) >= 0x80) {
        let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
        if let Ok(fixed) = String::from_utf8(bytes) {
            return fixed;
        }
    }
    s.to_string()
}

/// Facebook's Messenger / Instagram export (`message_1.json`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct MessengerExport {
    messages: loose::List<MessengerMessage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessengerMessage {
    sender_name: loose::Str,
    timestamp_ms: loose::Int,
    content: loose::Str,
    photos: loose::List<MessengerFile>,
    videos: loose::List<MessengerFile>,
    files: loose::List<MessengerFile>,
    audio_files: loose::List<MessengerFile>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessengerFile {
    uri: loose::Str,
}

fn messenger(bytes: &[u8]) -> Result<Transcript, String> {
    let export: MessengerExport = serde_json::from_slice(bytes).map_err(|e| {
        if e.to_string().starts_with("more than") {
            too_many_messages()
        } else {
            format!("not valid JSON: {e}")
        }
    })?;
    let list = export
        .messages
        .0
        .ok_or("JSON without `messages`: not a Messenger export")?;
    let mut messages = Vec::new();
    for (i, m) in list.into_iter().enumerate() {
        let source = format!("messages[{i}]");
        let ms = m
            .timestamp_ms
            .0
            .ok_or_else(|| format!("{source}: no timestamp_ms"))?;
        let t = DateTime::from_timestamp_millis(ms)
            .ok_or_else(|| format!("{source}: timestamp_ms out of range"))?;
        let attachments = [m.photos, m.videos, m.files, m.audio_files]
            .into_iter()
            .flat_map(|l| l.0.unwrap_or_default())
            .filter_map(|a| a.uri.0)
            .map(|u| u.rsplit('/').next().unwrap_or(&u).to_string())
            .collect();
        push_message(
            &mut messages,
            Message {
                time: Timestamp::instant(t.fixed_offset(), chrono::SecondsFormat::Millis),
                sender: m.sender_name.0.as_deref().map(fix_mojibake),
                text: m.content.0.as_deref().map(fix_mojibake).unwrap_or_default(),
                attachments,
                source,
            },
        )?;
    }
    // Facebook lists newest first.
    // By instant: offsets differ across a cross-border thread, so the strings do not sort.
    messages.sort_by_key(|m| m.time.sort_key());
    Ok(Transcript {
        format: "messenger",
        messages,
    })
}

// ---- E-mail -------------------------------------------------------------------------------------

fn email(bytes: &[u8]) -> Result<Transcript, String> {
    let parser = mail_parser::MessageParser::default();
    let mut messages = Vec::new();
    if bytes.starts_with(b"From ") {
        let mbox = mail_parser::mailbox::mbox::MessageIterator::new(std::io::Cursor::new(bytes));
        for (i, m) in mbox.enumerate() {
            let source = format!("message {}", i + 1);
            let m = m.map_err(|e| format!("{source}: {e}"))?;
            let parsed = parser
                .parse(m.contents())
                .ok_or_else(|| format!("{source}: not a readable e-mail"))?;
            push_message(&mut messages, email_message(&parsed, source)?)?;
        }
    } else {
        let parsed = parser.parse(bytes).ok_or("not a readable e-mail")?;
        messages.push(email_message(&parsed, "message 1".into())?);
    }
    // By instant: offsets differ across a cross-border thread, so the strings do not sort.
    messages.sort_by_key(|m| m.time.sort_key());
    Ok(Transcript {
        format: "email",
        messages,
    })
}

/// Hand each attachment of an e-mail or mailbox to `each` (file name, bytes), one at a time: a
/// mailbox is parsed message by message, so memory holds one message and one attachment at once
/// beside the input. At most `ZIP_MAX_ENTRIES` attachments; returns how many were handed over.
pub fn for_each_email_attachment(
    bytes: &[u8],
    mut each: impl FnMut(&str, &[u8]),
) -> Result<usize, String> {
    use mail_parser::MimeHeaders;
    let parser = mail_parser::MessageParser::default();
    let mut count = 0usize;
    let mut attachments_of = |raw: &[u8]| -> Result<(), String> {
        let Some(m) = parser.parse(raw) else {
            return Ok(());
        };
        for (i, a) in m.attachments().enumerate() {
            if count >= ZIP_MAX_ENTRIES {
                return Err(format!("more than {ZIP_MAX_ENTRIES} attachments"));
            }
            count += 1;
            match a.attachment_name() {
                Some(name) => each(name, a.contents()),
                None => each(&format!("attachment-{}", i + 1), a.contents()),
            }
        }
        Ok(())
    };
    if bytes.starts_with(b"From ") {
        for m in mail_parser::mailbox::mbox::MessageIterator::new(std::io::Cursor::new(bytes)) {
            attachments_of(m.map_err(|e| e.to_string())?.contents())?;
        }
    } else {
        attachments_of(bytes)?;
    }
    Ok(count)
}

fn email_message(m: &mail_parser::Message<'_>, mut source: String) -> Result<Message, String> {
    use mail_parser::MimeHeaders;
    // Without a Date header (some exports and forwarding tools drop it), the earliest relay's
    // Received stamp is the closest record of when it was sent; the source says so.
    let received = || m.received_all().filter_map(|r| r.date()).last();
    let date = match (m.date(), received()) {
        (Some(d), _) => *d,
        (None, Some(d)) => {
            source.push_str(" (no Date header: time of its earliest Received header)");
            d
        }
        (None, None) => return Err(format!("{source}: no readable Date or Received header")),
    };
    let date = &date;
    // The Date header carries its offset: an instant.
    let time = DateTime::from_timestamp(date.to_timestamp(), 0)
        .map(|t| {
            t.with_timezone(
                &chrono::FixedOffset::east_opt(offset_secs(date))
                    .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero")),
            )
        })
        .ok_or_else(|| format!("{source}: Date out of range"))?;
    let sender = m
        .from()
        .and_then(|a| a.first())
        .map(|a| match (a.name(), a.address()) {
            (Some(n), Some(addr)) => format!("{n} <{addr}>"),
            (Some(n), None) => n.to_string(),
            (None, Some(addr)) => addr.to_string(),
            (None, None) => String::new(),
        });
    let mut text = String::new();
    if let Some(subject) = m.subject() {
        text.push_str(&format!("Subject: {subject}\n\n"));
    }
    text.push_str(m.body_text(0).as_deref().unwrap_or("").trim_end());
    let attachments = m
        .attachments()
        .filter_map(|a| a.attachment_name().map(str::to_string))
        .collect();
    Ok(Message {
        time: Timestamp::instant(time, chrono::SecondsFormat::Secs),
        sender: sender.filter(|s| !s.is_empty()),
        text,
        attachments,
        source,
    })
}

fn offset_secs(d: &mail_parser::DateTime) -> i32 {
    let secs = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
    if d.tz_before_gmt { -secs } else { secs }
}

// ---- CSV ----------------------------------------------------------------------------------------

/// Split one CSV record (RFC 4180 quoting) starting at `lines[i]`; returns fields and lines used.
fn csv_record(lines: &[&str], i: usize) -> Option<(Vec<String>, usize)> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut used = 0;
    let mut it = lines.get(i..)?.iter();
    let mut line = *it.next()?;
    loop {
        used += 1;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                ('"', true) => quoted = false,
                ('"', false) if cur.is_empty() => quoted = true,
                (',', false) => fields.push(std::mem::take(&mut cur)),
                (c, _) => cur.push(c),
            }
        }
        if !quoted {
            break;
        }
        cur.push('\n');
        line = it.next()?;
    }
    fields.push(cur);
    Some((fields, used))
}

fn csv(body: &str) -> Result<Transcript, String> {
    check_lines(body)?;
    let lines: Vec<&str> = body.lines().collect();
    let mut messages = Vec::new();
    let mut i = 1;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let (f, used) = csv_record(&lines, i)
            .ok_or_else(|| format!("line {}: unterminated quoted field", i + 1))?;
        if f.len() < 3 {
            return Err(format!(
                "line {}: {} fields, expected time,sender,text",
                i + 1,
                f.len()
            ));
        }
        let t = f[0].trim();
        let time = if let Ok(t) = DateTime::parse_from_rfc3339(t) {
            Timestamp::rfc3339(t)
        } else {
            let parsed = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|fmt| NaiveDateTime::parse_from_str(t, fmt).ok())
                .ok_or_else(|| {
                    format!(
                        "line {}: time {t:?} is not RFC 3339 or YYYY-MM-DD HH:MM[:SS]",
                        i + 1
                    )
                })?;
            Timestamp::local(parsed)
        };
        push_message(
            &mut messages,
            Message {
                time,
                sender: Some(f[1].trim().to_string()).filter(|s| !s.is_empty()),
                text: f[2..].join(","),
                attachments: Vec::new(),
                source: format!("line {}", i + 1),
            },
        )?;
        i += used;
    }
    Ok(Transcript {
        format: "csv",
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_thread_across_zones_is_in_time_order() {
        let mbox = "From a@x Mon Nov 24 09:00:00 2025\n\
            From: Buyer <b@x>\nTo: s@x\nSubject: where\nDate: Mon, 24 Nov 2025 09:00:00 -0500\n\n\
            second (14:00Z)\n\n\
            From s@x Mon Nov 24 14:10:00 2025\n\
            From: Seller <s@x>\nTo: b@x\nSubject: re\nDate: Mon, 24 Nov 2025 14:10:00 +0100\n\n\
            first (13:10Z)\n";
        let t = parse(mbox.as_bytes()).unwrap();
        assert_eq!(t.format, "email");
        let sources: Vec<&str> = t.messages.iter().map(|m| m.source.as_str()).collect();
        assert_eq!(sources, ["message 2", "message 1"], "{:?}", t.messages);
        assert!(t.messages[0].text.ends_with("first (13:10Z)"));
    }

    #[test]
    fn android_12h_locale_and_multiline() {
        let t = parse("01/30/2019, 08:49 p. m. - Jahn Doe: Lorem,\nsecond line\n01/31/2019, 12:05 a. m. - You were added\n".as_bytes()).unwrap();
        assert_eq!(t.format, "whatsapp-android");
        assert_eq!(t.messages[0].time, "2019-01-30T20:49:00");
        assert_eq!(t.messages[0].text, "Lorem,\nsecond line");
        assert_eq!(t.messages[1].time, "2019-01-31T00:05:00");
        assert_eq!(t.messages[1].sender, None);
    }

    #[test]
    fn ios_with_invisible_characters_and_attachments() {
        let s = "\u{200e}[31.12.20, 9:41:05\u{202f}PM] Ann: \u{200e}<attached: 00000001-PHOTO-2020-12-31-21-41-05.jpg>\n[01.01.21, 10:00:00] Bob: IMG-20210101-WA0001.jpg (file attached)\n";
        let t = parse(s.as_bytes()).unwrap();
        assert_eq!(t.format, "whatsapp-ios");
        assert_eq!(t.messages[0].time, "2020-12-31T21:41:05");
        assert_eq!(
            t.messages[0].attachments,
            ["00000001-PHOTO-2020-12-31-21-41-05.jpg"]
        );
        assert_eq!(t.messages[1].attachments, ["IMG-20210101-WA0001.jpg"]);
    }

    #[test]
    fn ambiguous_day_month_is_decided_by_time_order() {
        // 01/02, 01/03, 02/01: as d/m it runs forward (1 Feb, 1 Mar, 2 Jan next... ) -- as m/d it does.
        let s = "01/02/21, 10:00 - A: x\n01/03/21, 10:00 - A: y\n02/01/21, 10:00 - A: z\n";
        let t = parse(s.as_bytes()).unwrap();
        assert_eq!(t.messages.last().unwrap().time, "2021-02-01T10:00:00");
    }

    #[test]
    fn telegram_escapes_and_entities() {
        let s = r#"{"name":"Buyer","messages":[{"id":1,"type":"message","date":"2024-01-01T10:00:00","date_unixtime":"1704103200","from":"Ann","text":["Hi ",{"type":"bold","text":"there"}]},{"id":2,"type":"message","date":"2024-01-01T10:01:00","from":"Bob","text":"caf\xe9"}]}"#;
        let t = parse(s.as_bytes()).unwrap();
        assert_eq!(t.messages[0].text, "Hi there");
        assert_eq!(t.messages[0].time, "2024-01-01T10:00:00Z");
        assert_eq!(t.messages[1].text, "café");
        assert!(t.messages[1].time_naive());
    }

    #[test]
    fn messenger_mojibake_is_fixed() {
        assert_eq!(fix_mojibake("Ã¼ber cafÃ©"), "über café");
        assert_eq!(fix_mojibake("plain"), "plain");
        assert_eq!(fix_mojibake("заказ"), "заказ");
        let s = r#"{"participants":[{"name":"Ann"}],"messages":[{"sender_name":"Ann","timestamp_ms":1704103260000,"content":"danke schÃ¶n"},{"sender_name":"Bob","timestamp_ms":1704103200000,"content":"Hallo","photos":[{"uri":"messages/inbox/x/photos/123.jpg"}]}]}"#;
        let t = parse(s.as_bytes()).unwrap();
        assert_eq!(t.format, "messenger");
        assert_eq!(t.messages[0].sender.as_deref(), Some("Bob"));
        assert_eq!(t.messages[0].attachments, ["123.jpg"]);
        assert_eq!(t.messages[1].text, "danke schön");
        assert_eq!(t.messages[1].time, "2024-01-01T10:01:00.000Z");
    }

    #[test]
    fn the_setting_decides_only_what_the_file_does_not() {
        let with = |s: &str, o: DateOrder| {
            parse_with(
                s.as_bytes(),
                ParseOptions {
                    undecided_order: Some(o),
                    ..Default::default()
                },
            )
            .unwrap()
            .messages[0]
                .time
                .as_str()
                .to_string()
        };
        // One date, both readings valid: the setting decides; without it, day first.
        let undecided = "01/02/21, 10:00 - A: x\n";
        assert_eq!(with(undecided, DateOrder::Mdy), "2021-01-02T10:00:00");
        assert_eq!(with(undecided, DateOrder::Dmy), "2021-02-01T10:00:00");
        assert_eq!(
            parse(undecided.as_bytes()).unwrap().messages[0].time,
            "2021-02-01T10:00:00"
        );
        // A day over 12 decides, whatever the setting says.
        let decided = "01/02/21, 10:00 - A: x\n13/02/21, 10:00 - A: y\n";
        assert_eq!(with(decided, DateOrder::Mdy), "2021-02-01T10:00:00");
    }

    #[test]
    fn forced_date_order_and_format() {
        let s = "01/02/21, 10:00 - A: x\n";
        let dmy = parse_with(
            s.as_bytes(),
            ParseOptions {
                date_order: Some(DateOrder::Dmy),
                ..Default::default()
            },
        )
        .unwrap();
        let mdy = parse_with(
            s.as_bytes(),
            ParseOptions {
                date_order: Some(DateOrder::Mdy),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(dmy.messages[0].time, "2021-02-01T10:00:00");
        assert_eq!(mdy.messages[0].time, "2021-01-02T10:00:00");
        assert!(
            parse_with(
                s.as_bytes(),
                ParseOptions {
                    format: Some(Format::Csv),
                    ..Default::default()
                }
            )
            .is_ok_and(|t| t.messages.is_empty())
        );
    }

    #[test]
    fn email_with_offset_and_attachment() {
        let s = "From: Lena Schmidt <lena@example.de>\r\nTo: shop@example.com\r\nSubject: Parcel arrived\r\nDate: Mon, 24 Nov 2025 14:10:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nGot it, thanks!\r\n--b\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=parcel.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--b--\r\n";
        let t = parse(s.as_bytes()).unwrap();
        assert_eq!(t.format, "email");
        let m = &t.messages[0];
        assert_eq!(m.time, "2025-11-24T14:10:00+01:00");
        assert_eq!(m.sender.as_deref(), Some("Lena Schmidt <lena@example.de>"));
        assert_eq!(m.text, "Subject: Parcel arrived\n\nGot it, thanks!");
        assert_eq!(m.attachments, ["parcel.jpg"]);
        let mbox = format!(
            "From lena@example.de Mon Nov 24 14:10:00 2025\n{}\nFrom shop@example.com Mon Nov 24 15:00:00 2025\nFrom: shop@example.com\nDate: Mon, 24 Nov 2025 15:00:00 +0100\nSubject: Re: Parcel arrived\n\nGreat!\n",
            s.replace("\r\n", "\n")
        );
        let t = parse(mbox.as_bytes()).unwrap();
        assert_eq!(t.messages.len(), 2);
        assert_eq!(t.messages[1].sender.as_deref(), Some("shop@example.com"));
    }

    #[test]
    fn csv_with_quotes() {
        let s = "time,sender,text\n2026-11-18 09:41,Lena,\"Is size M, blue, available?\"\n2026-11-18T09:44:00+08:00,Shop,\"Yes, \"\"M\"\" is here\nwe ship today\"\n";
        let t = parse(s.as_bytes()).unwrap();
        assert_eq!(t.format, "csv");
        assert_eq!(t.messages[0].text, "Is size M, blue, available?");
        assert_eq!(t.messages[1].text, "Yes, \"M\" is here\nwe ship today");
        assert!(!t.messages[1].time_naive());
    }

    #[test]
    fn unparseable_exports_say_where() {
        assert!(parse(b"hello\nworld\n").unwrap_err().contains("line 1"));
        assert!(
            parse(b"time,sender,text\nyesterday,A,b\n")
                .unwrap_err()
                .contains("line 2")
        );
        assert!(
            parse(br#"{"x":1}"#)
                .unwrap_err()
                .contains("not a Telegram export")
        );
    }

    proptest::proptest! {
        #[test]
        fn rendered_then_parsed_keeps_every_text(texts in proptest::collection::vec("[a-zA-Z0-9 ,.!?]{1,40}", 1..20)) {
            // Render as an Android export, parse, and get every message text back.
            let mut s = String::new();
            for (i, t) in texts.iter().enumerate() {
                s.push_str(&format!("{:02}/01/2024, 10:{:02} - Ann: {t}\n", 13 + i % 15, i % 60));
            }
            let parsed = parse(s.as_bytes()).unwrap();
            let got: Vec<&str> = parsed.messages.iter().map(|m| m.text.as_str()).collect();
            proptest::prop_assert_eq!(got, texts.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}

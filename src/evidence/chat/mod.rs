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

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

mod csv;
mod email;
mod locale;
#[cfg(test)]
mod locale_fixtures;
mod loose;
mod messenger;
mod telegram;
mod whatsapp;

use csv::csv;
use email::email;
pub use email::for_each_email_attachment;
pub use messenger::fix_mojibake;
use messenger::messenger;
use telegram::telegram;
use whatsapp::whatsapp;
pub use whatsapp::{DateOrder, is_header as is_whatsapp_header};

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
    /// Media the export left out ("image omitted", `<Media omitted>`): its kind (`image`,
    /// `video`, `audio`, `sticker`, `gif`, `document`, `contact`, or `media` when not told).
    pub media_omitted: Option<&'static str>,
    /// What the export says about the message besides its text: `forwarded from X`,
    /// `edited 2026-03-14T15:09:00Z`, `reaction 👍 by Ana`.
    pub annotations: Vec<String>,
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
            #[serde(skip_serializing_if = "Option::is_none")]
            media_omitted: Option<&'a str>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            annotations: &'a [String],
            source: &'a str,
        }
        Wire {
            time: self.time.fields(),
            sender: &self.sender,
            text: &self.text,
            attachments: &self.attachments,
            media_omitted: self.media_omitted,
            annotations: &self.annotations,
            source: &self.source,
        }
        .serialize(s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    pub format: &'static str,
    pub messages: Vec<Message>,
    /// What the reader had to assume (an ambiguous day/month order, say), for the person adding
    /// the export to check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The year given to dates written without one (old WhatsApp exports), recorded with the
    /// options the export was read with so that it is read the same way again.
    #[serde(skip)]
    pub assumed_year: Option<i32>,
}

/// What the ledger keeps about a chat export; the messages are re-derived from the object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    /// Messages from participants (system messages not counted).
    pub messages: usize,
    // `first` and `last` are the times of the first and last of those messages.
    pub participants: Vec<String>,
    /// Messages that named media the export left out ("image omitted", `<Media omitted>`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub media_omitted: usize,
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

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl From<&Transcript> for Summary {
    fn from(t: &Transcript) -> Summary {
        let user: Vec<&Message> = t.messages.iter().filter(|m| m.sender.is_some()).collect();
        let participants: BTreeSet<String> = user.iter().filter_map(|m| m.sender.clone()).collect();
        Summary {
            format: t.format.to_string(),
            messages: user.len(),
            participants: participants.into_iter().collect(),
            media_omitted: t
                .messages
                .iter()
                .filter(|m| m.media_omitted.is_some())
                .count(),
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
    /// The year of WhatsApp dates written without one (`Mar 5, 8:11 PM`), as assumed when the
    /// export was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
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
    // A byte-order mark (Windows tools, some Facebook and mail exports write one) is not content.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
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
        // Messenger/Instagram: messages[] with timestamp_ms and sender_name (or, in the
        // end-to-end encrypted chats' export, timestamp and senderName).
        if (trimmed.contains("\"timestamp_ms\"") && trimmed.contains("\"sender_name\""))
            || (trimmed.contains("\"senderName\"") && trimmed.contains("\"timestamp\""))
        {
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

/// Most messages one export may hold: a bound on memory for crafted exports (each message costs its
/// text plus about 150 bytes). A real buyer's thread is far below it; an account-wide export over
/// it is refused with a hint to export the one chat.
pub const MAX_MESSAGES: usize = 200_000;

pub(crate) fn too_many_messages() -> String {
    format!(
        "more than {MAX_MESSAGES} messages: export the one chat with the buyer (or split the \
         export) and add that"
    )
}

/// Most lines a text export (WhatsApp, CSV) may have: each line costs about 100 bytes while it is
/// parsed, so a crafted file of empty lines is refused before it is split.
pub const MAX_LINES: usize = 1_000_000;

pub(crate) fn check_lines(body: &str) -> Result<(), String> {
    if memchr::memchr_iter(b'\n', body.as_bytes()).count() >= MAX_LINES {
        return Err(format!(
            "more than {MAX_LINES} lines: export the one chat with the buyer (or split the \
             export) and add that"
        ));
    }
    Ok(())
}

/// Push a message unless the export already holds [`MAX_MESSAGES`].
pub(crate) fn push_message(messages: &mut Vec<Message>, m: Message) -> Result<(), String> {
    if messages.len() >= MAX_MESSAGES {
        return Err(too_many_messages());
    }
    messages.push(m);
    Ok(())
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
    fn telegram_in_every_export_shape() {
        // RFC 3339 dates (tools other than Telegram Desktop), a numeric date_unixtime, a service
        // line with its actor, a forwarded and an edited message with reactions, a sticker.
        let s = r#"{"messages":[
            {"type":"message","date":"2017-01-01T06:20:09.248Z","from":"Ann","text":"first"},
            {"type":"service","date":"2017-01-01T07:00:00","date_unixtime":1483254000,"actor":"Ann","action":"pin_message","text":""},
            {"type":"message","date":"2017-01-01T08:00:00+03:00","from":"Bob","text":[{"type":"plain","text":"size "},{"type":"bold","text":"M"}],
             "forwarded_from":"Warehouse","edited":"2017-01-01T08:05:00","edited_unixtime":"1483247100",
             "reactions":[{"type":"emoji","count":2,"emoji":"👍"}]},
            {"type":"message","date_unixtime":"1483264800","from":"Ann","text":"","sticker_emoji":"😀","file":"stickers/s.webp"}]}"#;
        let t = parse(s.as_bytes()).unwrap();
        let times: Vec<String> = t.messages.iter().map(|m| m.time.to_string()).collect();
        // By instant: 08:00+03:00 (05:00Z), 06:20:09.248Z, 07:00Z, 10:00Z; each as written.
        assert_eq!(
            times,
            [
                "2017-01-01T08:00:00+03:00",
                "2017-01-01T06:20:09.248Z",
                "2017-01-01T07:00:00Z",
                "2017-01-01T10:00:00Z"
            ]
            .map(String::from)
        );
        let bob = &t.messages[0];
        assert_eq!(bob.text, "size M");
        assert_eq!(
            bob.annotations,
            [
                "forwarded from Warehouse",
                "edited 2017-01-01T05:05:00Z",
                "reaction 👍 ×2"
            ]
        );
        assert_eq!(t.messages[2].sender, None);
        assert_eq!(t.messages[2].text, "Ann: pin_message");
        assert_eq!(t.messages[3].text, "(sticker 😀)");
        assert_eq!(t.messages[3].attachments, ["stickers/s.webp"]);
    }

    #[test]
    fn messenger_with_a_byte_order_mark_reactions_and_the_e2ee_shape() {
        let s = "\u{feff}{\"participants\":[{\"name\":\"Ann\"}],\"messages\":[{\"sender_name\":\"Ann\",\"timestamp_ms\":1704103260000,\"content\":\"Ã\u{a7}a marche\",\"reactions\":[{\"reaction\":\"\u{f0}\u{9f}\u{91}\u{8d}\",\"actor\":\"Bj\u{c3}\u{b6}rn\"}],\"sticker\":{\"uri\":\"messages/stickers_used/s.png\"},\"share\":{\"link\":\"https://example.com/p/1\"}}]}";
        let t = parse(s.as_bytes()).unwrap();
        assert_eq!(t.format, "messenger");
        let m = &t.messages[0];
        assert_eq!(m.text, "ça marche");
        assert_eq!(m.attachments, ["s.png"]);
        assert_eq!(
            m.annotations,
            ["reaction 👍 by Björn", "shared https://example.com/p/1"]
        );
        let e2ee = r#"{"participants":["Ann","Shop"],"threadName":"Ann","messages":[{"isUnsent":false,"media":[{"uri":"./media/photo.jpg"}],"reactions":[],"senderName":"Ann","text":"broken on arrival","timestamp":1704103200000,"type":"media"}]}"#;
        let t = parse(e2ee.as_bytes()).unwrap();
        assert_eq!(t.format, "messenger");
        assert_eq!(t.messages[0].sender.as_deref(), Some("Ann"));
        assert_eq!(t.messages[0].text, "broken on arrival");
        assert_eq!(t.messages[0].attachments, ["photo.jpg"]);
    }

    #[test]
    fn mailboxes_with_a_bom_from_lines_in_bodies_and_zones() {
        // mboxo left "From the warehouse" unescaped; mboxrd quoted ">From" and ">>From".
        let mbox = "\u{feff}From shop@example.com Mon Nov 24 15:00:00 2025\n\
            From: shop@example.com\nDate: Mon, 24 Nov 2025 15:00:00 +0100\nSubject: Shipped\n\n\
            Your parcel left today.\n\nFrom the warehouse: tracking follows.\n>From here on, DHL.\n>>From quoted\n\n\
            From lena@example.de Mon Nov 24 14:10:00 2025\n\
            From: lena@example.de\nDate: Mon, 24 Nov 2025 14:10:00 +0100\nSubject: Order\n\nWhere is it?\n\n\
            From li@example.cn Mon Nov 24 21:30:00 2025\n\
            From: li@example.cn\nDate: Mon, 24 Nov 2025 21:30:00 +0800\nSubject: Re: Shipped\n\nStock checked.\n";
        let t = parse(mbox.as_bytes()).unwrap();
        assert_eq!(t.format, "email");
        let who: Vec<&str> = t
            .messages
            .iter()
            .map(|m| m.sender.as_deref().unwrap())
            .collect();
        // By instant: 14:10+01:00 (13:10Z), 21:30+08:00 (13:30Z), 15:00+01:00 (14:00Z).
        assert_eq!(
            who,
            ["lena@example.de", "li@example.cn", "shop@example.com"]
        );
        let shop = &t.messages[2];
        assert!(
            shop.text.contains(
                "\nFrom the warehouse: tracking follows.\nFrom here on, DHL.\n>From quoted"
            ),
            "{:?}",
            shop.text
        );
        let mut n = 0;
        for_each_email_attachment(mbox.as_bytes(), |_, _| n += 1).unwrap();
        assert_eq!(n, 0);
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

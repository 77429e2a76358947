//! What a file is: its kind (photo, video, tracking, chat, document, other) and media type,
//! detected from content first (magic bytes, then the shape of text), then from the extension.
//!
//! Later work adds parsers per kind (EXIF, chat transcripts, tracking events); here a kind is a label.

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Photo,
    Video,
    Tracking,
    Chat,
    Document,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Photo,
        Kind::Video,
        Kind::Tracking,
        Kind::Chat,
        Kind::Document,
        Kind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Photo => "photo",
            Kind::Video => "video",
            Kind::Tracking => "tracking",
            Kind::Chat => "chat",
            Kind::Document => "document",
            Kind::Other => "other",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown kind {s:?}; one of: photo, video, tracking, chat, document, other")
            })
    }
}

/// A media type (`image/jpeg`) as vault detects and records it. The types vault acts on have
/// constants and predicates, so no other module spells them; any other type is kept as detected.
/// Written to the ledger and to JSON as its plain string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MediaType(std::borrow::Cow<'static, str>);

impl MediaType {
    pub const JPEG: MediaType = MediaType::known("image/jpeg");
    pub const PNG: MediaType = MediaType::known("image/png");
    pub const GIF: MediaType = MediaType::known("image/gif");
    pub const PDF: MediaType = MediaType::known("application/pdf");
    pub const JSON: MediaType = MediaType::known("application/json");
    pub const JSONL: MediaType = MediaType::known("application/jsonl");
    pub const ZIP: MediaType = MediaType::known("application/zip");
    pub const EMAIL: MediaType = MediaType::known("message/rfc822");
    pub const MBOX: MediaType = MediaType::known("application/mbox");
    pub const HTML: MediaType = MediaType::known("text/html");
    pub const TEXT: MediaType = MediaType::known("text/plain");
    pub const HEIC: MediaType = MediaType::known("image/heic");
    pub const HEIF: MediaType = MediaType::known("image/heif");
    pub const AVIF: MediaType = MediaType::known("image/avif");
    pub const MP4: MediaType = MediaType::known("video/mp4");
    pub const QUICKTIME: MediaType = MediaType::known("video/quicktime");
    pub const THREE_GPP: MediaType = MediaType::known("video/3gpp");
    pub const THREE_GPP2: MediaType = MediaType::known("video/3gpp2");
    pub const OCTET_STREAM: MediaType = MediaType::known("application/octet-stream");

    /// `application/octet-stream`, for a record that names no type.
    pub fn unknown() -> &'static MediaType {
        static UNKNOWN: MediaType = MediaType::OCTET_STREAM;
        &UNKNOWN
    }

    const fn known(s: &'static str) -> MediaType {
        MediaType(std::borrow::Cow::Borrowed(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `image/*`.
    pub fn is_image(&self) -> bool {
        self.0.starts_with("image/")
    }

    /// `video/*`.
    pub fn is_video(&self) -> bool {
        self.0.starts_with("video/")
    }

    /// HEIC/HEIF stills (no decoder in the default build).
    pub fn is_heif(&self) -> bool {
        self.0.contains("heic") || self.0.contains("heif")
    }

    /// HEIF-family stills (HEIC, HEIF, AVIF): their size is read from the container's boxes.
    pub fn is_heif_family(&self) -> bool {
        [MediaType::HEIC, MediaType::HEIF, MediaType::AVIF].contains(self)
    }

    /// Videos in the ISO base media / QuickTime container (MP4, MOV, 3GP): one demuxer reads them.
    pub fn is_quicktime_family(&self) -> bool {
        [
            MediaType::MP4,
            MediaType::QUICKTIME,
            MediaType::THREE_GPP,
            MediaType::THREE_GPP2,
        ]
        .contains(self)
    }

    /// An e-mail message or a mailbox.
    pub fn is_mail(&self) -> bool {
        *self == MediaType::EMAIL || *self == MediaType::MBOX
    }

    /// Text a person or a parser reads: `text/*`, JSON, e-mail and mailboxes (compressed in a
    /// bundle, offered to the chat parsers).
    pub fn is_textual(&self) -> bool {
        self.0.starts_with("text/") || *self == MediaType::JSON || self.is_mail()
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A media type reads as its string where a `&str` is asked for (decoders take the type by name).
impl std::ops::Deref for MediaType {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for MediaType {
    fn from(s: &str) -> MediaType {
        MediaType(std::borrow::Cow::Owned(s.to_string()))
    }
}

impl PartialEq<&str> for MediaType {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The result of sniffing a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub kind: Kind,
    pub media_type: MediaType,
}

fn det(kind: Kind, media_type: &'static str) -> Detected {
    Detected {
        kind,
        media_type: MediaType::known(media_type),
    }
}

/// Detect kind and media type from the first bytes of a file and its name.
pub fn detect(head: &[u8], name: &OsStr) -> Detected {
    let ext = Path::new(name)
        .extension()
        .and_then(OsStr::to_str)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let lname = name.to_string_lossy().to_lowercase();
    if let Some(d) = by_magic(head, &lname) {
        return d;
    }
    if let Some(d) = by_text(head, &ext) {
        return d;
    }
    by_extension(&ext)
}

fn by_magic(head: &[u8], lname: &str) -> Option<Detected> {
    // ISO base media (MP4/MOV/3GP/HEIF) share the `ftyp` box; tell them apart by major brand.
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let brand = &head[8..12];
        return Some(match brand {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => {
                det(Kind::Photo, "image/heic")
            }
            b"mif1" | b"msf1" => det(Kind::Photo, "image/heif"),
            b"avif" | b"avis" => det(Kind::Photo, "image/avif"),
            b"qt  " => det(Kind::Video, "video/quicktime"),
            b if b.starts_with(b"3gp") || b.starts_with(b"3gs") => det(Kind::Video, "video/3gpp"),
            b if b.starts_with(b"3g2") => det(Kind::Video, "video/3gpp2"),
            b"M4A " | b"M4B " => det(Kind::Other, "audio/mp4"),
            _ => det(Kind::Video, "video/mp4"),
        });
    }
    // QuickTime files without `ftyp` start with another top-level atom.
    if head.len() >= 8 && matches!(&head[4..8], b"moov" | b"mdat" | b"wide" | b"free" | b"pnot") {
        return Some(det(Kind::Video, "video/quicktime"));
    }
    let t = infer::get(head)?;
    let mime = t.mime_type();
    let kind = match t.matcher_type() {
        infer::MatcherType::Image => Kind::Photo,
        infer::MatcherType::Video => Kind::Video,
        infer::MatcherType::Archive if mime == "application/pdf" => Kind::Document,
        infer::MatcherType::Archive if mime == "application/zip" => {
            // A WhatsApp "Export chat" zip: named so by the phone, or its first entry is the chat.
            if lname.contains("whatsapp")
                || window(head, b"_chat.txt")
                || window(head, b"WhatsApp Chat")
                || first_zip_entry_is_whatsapp(head)
            {
                Kind::Chat
            } else {
                Kind::Other
            }
        }
        infer::MatcherType::Doc | infer::MatcherType::Book | infer::MatcherType::Text => {
            Kind::Document
        }
        _ => Kind::Other,
    };
    Some(det(kind, mime))
}

fn window(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn by_text(head: &[u8], ext: &str) -> Option<Detected> {
    if head.is_empty() || head.contains(&0) {
        return None;
    }
    // Tolerate a multi-byte character cut at the end of the sniffed window.
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.valid_up_to() + 4 >= head.len() && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if looks_like_json(body) {
        // Carrier payloads name their tracking fields; chat exports have messages.
        const TRACKING_KEYS: [&str; 13] = [
            "\"trackResponse\"",
            "\"completeTrackResults\"",
            "\"trackingEvents\"",
            "\"FTrackNo\"",
            "\"tracking_details\"",
            "\"checkpoints\"",
            "\"track_info\"",
            "\"tracking_number\"",
            "\"trackingNumber\"",
            "\"tracking_code\"",
            "\"detailList\"",
            "\"z0\"",
            "\"track\"",
        ];
        // 17TRACK v2 register/list answers: `data.accepted[].number`.
        let track17_list = body.contains("\"accepted\"") && body.contains("\"number\"");
        // Saved captures around a response: a HAR file (the payload may be base64), or
        // `{status, headers, body}` with the payload as escaped JSON text.
        let har = body.contains("\"log\"") && body.contains("\"entries\"");
        // DHL's unified API: `shipments[].events[]` with status codes.
        let dhl = body.contains("\"shipments\"") && body.contains("\"statusCode\"");
        let wrapped = body.contains("\"headers\"")
            && body.contains("\"body\"")
            && TRACKING_KEYS
                .iter()
                .any(|k| body.contains(k.trim_matches('"')));
        if (track17_list || har || dhl || wrapped || TRACKING_KEYS.iter().any(|k| body.contains(k)))
            && !body.contains("\"messages\"")
        {
            return Some(det(Kind::Tracking, "application/json"));
        }
        if body.contains("\"messages\"") {
            return Some(det(Kind::Chat, "application/json"));
        }
        return Some(det(Kind::Document, "application/json"));
    }
    let lower_start: String = body
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_start.starts_with("<!doctype html") || lower_start.starts_with("<html") {
        return Some(det(Kind::Document, "text/html"));
    }
    if body.starts_with("From ") && ext != "txt" {
        return Some(det(Kind::Chat, "application/mbox"));
    }
    if looks_like_email(body) {
        return Some(det(Kind::Chat, "message/rfc822"));
    }
    if looks_like_whatsapp(body) {
        return Some(det(Kind::Chat, "text/plain"));
    }
    let first_line = body.lines().next().unwrap_or("").to_ascii_lowercase();
    if ext == "csv" || first_line.split(',').count() >= 3 {
        let cols: Vec<&str> = first_line.split(',').map(str::trim).collect();
        if cols.contains(&"sender") && cols.iter().any(|c| *c == "text" || *c == "message") {
            return Some(det(Kind::Chat, "text/csv"));
        }
        if ext == "csv" {
            return Some(det(Kind::Document, "text/csv"));
        }
    }
    match ext {
        "eml" => Some(det(Kind::Chat, "message/rfc822")),
        "mbox" => Some(det(Kind::Chat, "application/mbox")),
        "html" | "htm" => Some(det(Kind::Document, "text/html")),
        _ => Some(det(Kind::Document, "text/plain")),
    }
}

/// Valid JSON, or a valid prefix of it (the sniffed head may cut a large document short).
fn looks_like_json(body: &str) -> bool {
    if !(body.starts_with('{') || body.starts_with('[')) {
        return false;
    }
    let mut it = serde_json::Deserializer::from_str(body).into_iter::<serde::de::IgnoredAny>();
    match it.next() {
        Some(Ok(_)) => true,
        Some(Err(e)) => e.classify() == serde_json::error::Category::Eof,
        None => false,
    }
}

pub(crate) fn looks_like_email(body: &str) -> bool {
    let mut headers = 0;
    for line in body.lines().take(40) {
        if line.is_empty() {
            break;
        }
        let l = line.to_ascii_lowercase();
        if [
            "from:",
            "to:",
            "subject:",
            "date:",
            "message-id:",
            "received:",
            "mime-version:",
        ]
        .iter()
        .any(|h| l.starts_with(h))
        {
            headers += 1;
        }
    }
    headers >= 3
}

/// Whether a zip's first entry is a `.txt` file whose first lines look like a WhatsApp export
/// (a renamed export, such as `sample.zip` holding `sample.txt`). Reads only the local header and
/// the first few KB of the entry, inflated from `head`.
fn first_zip_entry_is_whatsapp(head: &[u8]) -> bool {
    let u16_at = |i: usize| {
        head.get(i..i + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    if !head.starts_with(b"PK\x03\x04") {
        return false;
    }
    let (Some(method), Some(name_len), Some(extra_len)) = (u16_at(8), u16_at(26), u16_at(28))
    else {
        return false;
    };
    let Some(name) = head.get(30..30 + name_len) else {
        return false;
    };
    if !name.to_ascii_lowercase().ends_with(b".txt") {
        return false;
    }
    let Some(data) = head.get(30 + name_len + extra_len..) else {
        return false;
    };
    let mut text = Vec::new();
    match method {
        0 => text.extend_from_slice(&data[..data.len().min(4096)]),
        8 => {
            // The entry may run past `head`: keep what inflates before the input ends.
            let mut dec = flate2::read::DeflateDecoder::new(data);
            let mut buf = [0u8; 4096];
            while text.len() < 4096 {
                match std::io::Read::read(&mut dec, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => text.extend_from_slice(&buf[..n]),
                }
            }
        }
        _ => return false,
    }
    // Drop a line cut at the end of what was read.
    let text = String::from_utf8_lossy(&text);
    let whole = text.rsplit_once('\n').map_or(&*text, |(a, _)| a);
    looks_like_whatsapp(whole.trim_start_matches('\u{feff}'))
}

/// Whether a text opens as a WhatsApp export: its first line is a message header
/// (`12/31/20, 9:41 PM - `, `[31.12.20, 21:41:05]`, `2022/3/18 下午2:56 - `, `19:23, 28 Aug 2013 - `:
/// the chat reader's own header reader decides, in every layout and language it reads), and
/// another of its first 50 lines is one too unless that is all there is (messages of many lines
/// are common; a long text with one such line at the top is a document).
fn looks_like_whatsapp(body: &str) -> bool {
    let lines: Vec<&str> = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(51)
        .collect();
    let is_header = |l: &&str| crate::evidence::chat::is_whatsapp_header(l);
    match lines.split_first() {
        Some((first, rest)) => {
            is_header(first) && (lines.len() <= 50 || rest.iter().take(49).any(is_header))
        }
        None => false,
    }
}

fn by_extension(ext: &str) -> Detected {
    match ext {
        "jpg" | "jpeg" => det(Kind::Photo, "image/jpeg"),
        "png" => det(Kind::Photo, "image/png"),
        "heic" => det(Kind::Photo, "image/heic"),
        "heif" => det(Kind::Photo, "image/heif"),
        "webp" => det(Kind::Photo, "image/webp"),
        "tif" | "tiff" => det(Kind::Photo, "image/tiff"),
        "mp4" | "m4v" => det(Kind::Video, "video/mp4"),
        "mov" => det(Kind::Video, "video/quicktime"),
        "3gp" => det(Kind::Video, "video/3gpp"),
        "pdf" => det(Kind::Document, "application/pdf"),
        "eml" => det(Kind::Chat, "message/rfc822"),
        "mbox" => det(Kind::Chat, "application/mbox"),
        "json" => det(Kind::Document, "application/json"),
        "txt" => det(Kind::Document, "text/plain"),
        _ => det(Kind::Other, "application/octet-stream"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(head: &[u8], name: &str) -> (Kind, String) {
        let r = detect(head, OsStr::new(name));
        (r.kind, r.media_type.to_string())
    }

    fn zip_of(name: &str, body: &[u8]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(name, opts).unwrap();
        std::io::Write::write_all(&mut w, body).unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn whatsapp_exports_are_known_by_their_headers_in_any_language() {
        let long = format!(
            "29/04/2021, 19:41 - Ann: beds with oxygen\r\n{}29/04/2021, 21:55 - Bob: thanks\n",
            "Please contact\r\n".repeat(30)
        );
        for chat in [
            "2026/3/14 下午3:07 - 李伟: 您好\n2026/3/14 下午3:08 - Ana: oi\n",
            "\u{200f}[١٤/٣/٢٠٢٦، ٣:٠٧:٠٩ م] Ali: مرحبا\n",
            "[15:07:09, 14/3/2026] An: chào\n[15:08:00, 14/3/2026] Bình: ok\n",
            "Mar 5, 8:11 PM - Aravind: Whoa\nMar 5, 8:29 PM - Akshay: Lol\n",
            long.as_str(),
        ] {
            assert_eq!(d(chat.as_bytes(), "notes.txt").0, Kind::Chat, "{chat}");
        }
        let report = format!(
            "14/3/2026, 15:07 - Ann: the list\n{}",
            "line of text\n".repeat(60)
        );
        assert_eq!(
            d(b"14/3/2026, 15:07 - Ann: one\ntwo\n", "a.txt").0,
            Kind::Chat
        );
        for text in [
            "Packing list\n14/3/2026, 15:07 - Ann: pasted\n",
            report.as_str(),
        ] {
            assert_eq!(d(text.as_bytes(), "notes.txt").0, Kind::Document, "{text}");
        }
    }

    #[test]
    fn a_renamed_whatsapp_zip_is_a_chat_by_its_first_entry() {
        let mut chat = String::new();
        for i in 0..400 {
            chat.push_str(&format!(
                "12/07/2017, 22:{:02} - Lena: message {i}\n",
                i % 60
            ));
        }
        // Longer than the head: only its start is inflated.
        let z = zip_of("sample.txt", chat.as_bytes());
        assert_eq!(d(&z[..z.len().min(300)], "export.zip").0, Kind::Chat);
        assert_eq!(d(&z, "export.zip").0, Kind::Chat);
        let readme = zip_of(
            "README.txt",
            b"Photos of the shelf.\nSee the attached list.\n",
        );
        assert_eq!(d(&readme, "photos.zip").0, Kind::Other);
        let not_txt = zip_of("sample.csv", chat.as_bytes());
        assert_eq!(d(&not_txt, "data.zip").0, Kind::Other);
        // A cut or garbled header is just not a chat.
        assert_eq!(d(&z[..40], "export.zip").0, Kind::Other);
    }

    #[test]
    fn magic_beats_extension() {
        assert_eq!(d(b"\xFF\xD8\xFF\xE1\x00\x10Exif", "x.txt").0, Kind::Photo);
        assert_eq!(
            d(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "shot.bin"),
            (Kind::Photo, "image/png".into())
        );
        assert_eq!(
            d(b"%PDF-1.7\n", "a.jpg"),
            (Kind::Document, "application/pdf".into())
        );
        assert_eq!(
            d(b"\0\0\0\x18ftypheic\0\0\0\0", "a"),
            (Kind::Photo, "image/heic".into())
        );
        assert_eq!(
            d(b"\0\0\0\x14ftypqt  \0\0\0\0", "a"),
            (Kind::Video, "video/quicktime".into())
        );
        assert_eq!(
            d(b"\0\0\0\x18ftypisom\0\0\0\0", "a"),
            (Kind::Video, "video/mp4".into())
        );
        assert_eq!(
            d(b"\0\0\0\x18ftyp3gp4\0\0\0\0", "a"),
            (Kind::Video, "video/3gpp".into())
        );
    }

    #[test]
    fn text_shapes() {
        let wa = "12/31/20, 9:41 PM - Ann: hi\n12/31/20, 9:42 PM - Bob: ok\n";
        assert_eq!(d(wa.as_bytes(), "chat.txt").0, Kind::Chat);
        let ios = "\u{200e}[31.12.20, 21:41:05] Ann: hi\n[31.12.20, 21:42:00] Bob: ok\n";
        assert_eq!(d(ios.as_bytes(), "_chat.txt").0, Kind::Chat);
        // An iOS line starts with `[` but is not JSON.
        let ios = "[31.12.20, 21:41:05] Ann: hi\n[31.12.20, 21:42:00] Bob: ok\n";
        assert_eq!(
            d(ios.as_bytes(), "_chat.txt"),
            (Kind::Chat, "text/plain".into())
        );
        // A JSON document cut short by the sniffing window is still JSON.
        assert_eq!(
            d(br#"{"data":{"tracking":{"checkpoints":[{"a":"#, "t").0,
            Kind::Tracking
        );
        let t = r#"{"data":{"tracking":{"checkpoints":[]}}}"#;
        assert_eq!(
            d(t.as_bytes(), "t.json"),
            (Kind::Tracking, "application/json".into())
        );
        let tg = r#"{"name":"Buyer","messages":[{"id":1}]}"#;
        assert_eq!(d(tg.as_bytes(), "result.json").0, Kind::Chat);
        let mail =
            "From: a@b\nTo: c@d\nSubject: parcel\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nhi";
        assert_eq!(
            d(mail.as_bytes(), "m.eml"),
            (Kind::Chat, "message/rfc822".into())
        );
        assert_eq!(
            d(b"time,sender,text\n", "c.csv"),
            (Kind::Chat, "text/csv".into())
        );
        assert_eq!(
            d(b"just notes\n", "n.txt"),
            (Kind::Document, "text/plain".into())
        );
        assert_eq!(d(b"<!DOCTYPE html><html>", "p.html").0, Kind::Document);
    }

    #[test]
    fn extension_is_the_fallback() {
        assert_eq!(d(b"", "IMG_1.JPG").0, Kind::Photo);
        assert_eq!(d(b"\0\x01\x02", "x.mov").0, Kind::Video);
        assert_eq!(d(b"\0\x01\x02", "x.bin").0, Kind::Other);
    }

    #[test]
    fn kind_names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert!("picture".parse::<Kind>().is_err());
    }
}

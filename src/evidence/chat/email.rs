//! E-mail: one message (`.eml`) or a mailbox (`mbox`).

use chrono::DateTime;

use super::{Message, Transcript, ZIP_MAX_ENTRIES, push_message};
use crate::time::Timestamp;

/// A byte-order mark and blank lines before the first message are not content.
fn content(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// Whether a line is an mbox separator: `From SENDER DATE`, the date as `asctime` writes it
/// (`Mon Mar 14 15:07:09 2026`, sometimes with a zone, sometimes as RFC 2822). A body line that
/// begins with "From " (an mboxo writer left it unescaped) has no such date and stays text.
fn is_separator(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let rest = String::from_utf8_lossy(rest);
    let mut words = rest.split_whitespace();
    if words.next().is_none() {
        return false;
    }
    let date: Vec<&str> = words.collect();
    let has_time = date.iter().any(|w| {
        w.len() >= 7
            && w.matches(':').count() == 2
            && w.chars().all(|c| c.is_ascii_digit() || c == ':')
    });
    let has_year = date
        .iter()
        .any(|w| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()));
    has_time && has_year && date.len() <= 8
}

/// The messages of a mailbox, one at a time, each with `>From ` quoting undone (mboxrd: one
/// `>` less before any run of `>` followed by `From `).
fn mbox_messages(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut lines = bytes.split_inclusive(|&c| c == b'\n').peekable();
    std::iter::from_fn(move || {
        // Past the separator (the first line, or the one the last message stopped at).
        loop {
            if lines.next()?.starts_with(b"From ") {
                break;
            }
        }
        let mut message = Vec::new();
        let mut blank_before = false;
        while let Some(&line) = lines.peek() {
            if blank_before && is_separator(line) {
                break;
            }
            lines.next();
            let quoted = line.iter().take_while(|&&c| c == b'>').count();
            if quoted > 0 && line[quoted..].starts_with(b"From ") {
                message.extend_from_slice(&line[1..]);
            } else {
                message.extend_from_slice(line);
            }
            blank_before = line.iter().all(|c| c.is_ascii_whitespace());
        }
        Some(message)
    })
}

pub(super) fn email(bytes: &[u8]) -> Result<Transcript, String> {
    let parser = mail_parser::MessageParser::default();
    let mut messages = Vec::new();
    let bytes = content(bytes);
    if bytes.starts_with(b"From ") {
        for (i, m) in mbox_messages(bytes).enumerate() {
            let source = format!("message {}", i + 1);
            let parsed = parser
                .parse(&m)
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
        assumed_year: None,
        format: "email",
        messages,
        notes: Vec::new(),
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
    let bytes = content(bytes);
    if bytes.starts_with(b"From ") {
        for m in mbox_messages(bytes) {
            attachments_of(&m)?;
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
        media_omitted: None,
        annotations: Vec::new(),
        source,
    })
}

fn offset_secs(d: &mail_parser::DateTime) -> i32 {
    let secs = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
    if d.tz_before_gmt { -secs } else { secs }
}

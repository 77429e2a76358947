//! E-mail: one message (`.eml`) or a mailbox (`mbox`).

use chrono::DateTime;

use super::{Message, Transcript, ZIP_MAX_ENTRIES, push_message};
use crate::time::Timestamp;

pub(super) fn email(bytes: &[u8]) -> Result<Transcript, String> {
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
        media_omitted: None,
        source,
    })
}

fn offset_secs(d: &mail_parser::DateTime) -> i32 {
    let secs = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
    if d.tz_before_gmt { -secs } else { secs }
}

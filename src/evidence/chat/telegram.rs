//! Telegram Desktop's JSON export.

use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;

use super::{Message, Transcript, loose, push_message, too_many_messages};
use crate::time::Timestamp;

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
    date_unixtime: loose::Int,
    from: loose::Str,
    actor: loose::Str,
    text: loose::Text,
    action: loose::Str,
    photo: loose::Str,
    file: loose::Str,
    forwarded_from: loose::Str,
    edited: loose::Str,
    edited_unixtime: loose::Int,
    sticker_emoji: loose::Str,
    reactions: loose::List<TelegramReaction>,
}

/// Newer exports list reactions: `{"type": "emoji", "count": 2, "emoji": "👍"}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TelegramReaction {
    count: loose::Int,
    emoji: loose::Str,
}

/// A Telegram time: `date_unixtime` (UTC) when given, else `date`, which Telegram Desktop
/// writes in the exporting computer's local time (`2017-01-01T06:20:09`) and other tools as
/// RFC 3339 (`2017-01-01T06:20:09.248Z`).
fn telegram_time(unix: Option<i64>, date: Option<&str>) -> Option<Timestamp> {
    if let Some(t) = unix.and_then(|t| DateTime::from_timestamp(t, 0)) {
        return Some(Timestamp::instant(
            t.fixed_offset(),
            chrono::SecondsFormat::Secs,
        ));
    }
    let d = date?.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(d) {
        return Some(Timestamp::instant(t, chrono::SecondsFormat::AutoSi));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(d, f).ok())
        .map(Timestamp::local)
}

pub(super) fn telegram(bytes: &[u8]) -> Result<Transcript, String> {
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
        assumed_year: None,
        format: "telegram",
        messages,
        notes: Vec::new(),
    })
}

fn telegram_message(m: TelegramMessage, source: String) -> Result<Message, String> {
    let time = telegram_time(m.date_unixtime.0, m.date.0.as_deref())
        .ok_or_else(|| format!("{source}: no readable date"))?;
    let service = m.kind.0.as_deref() == Some("service");
    let sender = if service { None } else { m.from.0 };
    let mut text = m.text.0;
    if service && text.is_empty() {
        let action = m.action.0.unwrap_or_else(|| "service message".to_string());
        text = match m.actor.0 {
            Some(actor) => format!("{actor}: {action}"),
            None => action,
        };
    }
    if text.is_empty()
        && let Some(e) = m.sticker_emoji.0
    {
        text = format!("(sticker {e})");
    }
    let mut annotations = Vec::new();
    if let Some(f) = m.forwarded_from.0 {
        annotations.push(format!("forwarded from {f}"));
    }
    if let Some(e) = telegram_time(m.edited_unixtime.0, m.edited.0.as_deref()) {
        annotations.push(format!("edited {e}"));
    }
    for r in m.reactions.0.unwrap_or_default() {
        if let Some(e) = r.emoji.0 {
            annotations.push(match r.count.0 {
                Some(n) if n > 1 => format!("reaction {e} ×{n}"),
                _ => format!("reaction {e}"),
            });
        }
    }
    let attachments = [m.photo.0, m.file.0].into_iter().flatten().collect();
    Ok(Message {
        time,
        sender,
        text,
        attachments,
        media_omitted: None,
        annotations,
        source,
    })
}

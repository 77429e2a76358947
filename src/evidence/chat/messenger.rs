//! Facebook Messenger and Instagram JSON exports.

use chrono::DateTime;
use serde::Deserialize;

use super::{Message, Transcript, loose, push_message, too_many_messages};
use crate::time::Timestamp;

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

pub(super) fn messenger(bytes: &[u8]) -> Result<Transcript, String> {
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
                media_omitted: None,
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
        notes: Vec::new(),
    })
}

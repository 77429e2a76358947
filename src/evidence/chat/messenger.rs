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
    // The export of end-to-end encrypted chats (2024 on) writes camelCase names.
    #[serde(alias = "senderName")]
    sender_name: loose::Str,
    #[serde(alias = "timestamp")]
    timestamp_ms: loose::Int,
    #[serde(alias = "text")]
    content: loose::Str,
    photos: loose::List<MessengerFile>,
    videos: loose::List<MessengerFile>,
    files: loose::List<MessengerFile>,
    audio_files: loose::List<MessengerFile>,
    gifs: loose::List<MessengerFile>,
    media: loose::List<MessengerFile>,
    sticker: Option<MessengerFile>,
    share: Option<MessengerShare>,
    reactions: loose::List<MessengerReaction>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessengerFile {
    uri: loose::Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessengerShare {
    link: loose::Str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessengerReaction {
    reaction: loose::Str,
    actor: loose::Str,
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
        let sticker = m.sticker.map(|s| vec![s]);
        let attachments = [
            m.photos.0,
            m.videos.0,
            m.files.0,
            m.audio_files.0,
            m.gifs.0,
            m.media.0,
            sticker,
        ]
        .into_iter()
        .flat_map(Option::unwrap_or_default)
        .filter_map(|a| a.uri.0)
        .map(|u| fix_mojibake(u.rsplit('/').next().unwrap_or(&u)))
        .collect();
        let mut annotations: Vec<String> = m
            .reactions
            .0
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                let e = fix_mojibake(&r.reaction.0?);
                Some(match r.actor.0 {
                    Some(a) => format!("reaction {e} by {}", fix_mojibake(&a)),
                    None => format!("reaction {e}"),
                })
            })
            .collect();
        if let Some(link) = m.share.and_then(|s| s.link.0) {
            annotations.push(format!("shared {link}"));
        }
        push_message(
            &mut messages,
            Message {
                time: Timestamp::instant(t.fixed_offset(), chrono::SecondsFormat::Millis),
                sender: m.sender_name.0.as_deref().map(fix_mojibake),
                text: m.content.0.as_deref().map(fix_mojibake).unwrap_or_default(),
                attachments,
                media_omitted: None,
                annotations,
                source,
            },
        )?;
    }
    // Facebook lists newest first.
    // By instant: offsets differ across a cross-border thread, so the strings do not sort.
    messages.sort_by_key(|m| m.time.sort_key());
    Ok(Transcript {
        assumed_year: None,
        format: "messenger",
        messages,
        notes: Vec::new(),
    })
}

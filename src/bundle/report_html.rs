//! `report.html`: one self-contained page an arbitrator reads at a glance. No scripts, no network:
//! styles inline, thumbnails embedded as `data:` URIs, links relative to the bag's `data/` folder.

use std::collections::BTreeMap;
use std::fmt::Write;

use base64::Engine;

use super::{FileRecord, Role};
use crate::digest::Digest;
use crate::evidence::kind::Kind;
use crate::ledger::{Entry, Event};
use crate::render::human_bytes;
use crate::store::order::OrderId;
use crate::time::format_time;

pub struct Input<'a> {
    pub order: &'a OrderId,
    pub bag: &'a str,
    pub generated_at: &'a str,
    /// The shop's zone, for the times people read.
    pub zone: Option<&'a crate::time::Zone>,
    pub records: &'a [FileRecord],
    pub entries: &'a [&'a Entry],
    pub ledger_head: Option<Digest>,
    /// Each photo's thumbnail, or why it has none.
    pub thumbs: &'a BTreeMap<Digest, crate::render::thumbnail::Thumb>,
    pub notes: &'a [String],
    /// Carrier events of the order's tracking snapshots, merged.
    pub tracking: &'a [crate::evidence::tracking::TimelineEvent],
    /// Transcripts of the order's chat exports: the export's record and its messages.
    pub chats: &'a [(
        &'a FileRecord,
        crate::evidence::chat::Transcript,
        Option<String>,
    )],
    /// The key that signs the bag and the stamps it carries.
    pub trust: &'a super::trust::TrustInfo,
}

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Bidirectional controls could reorder what the arbitrator reads: show them.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A path inside the bag as a link from `data/report.html`.
fn href(path: &str) -> String {
    esc(path.strip_prefix("data/").unwrap_or(path))
}

const STYLE: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei","Noto Sans Arabic","Noto Sans Hebrew","Noto Sans Thai","Noto Sans Devanagari",Tahoma,Arial,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#123;color:#fff;padding:20px 28px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:2px 0;color:#cfd8e3}
main{padding:8px 28px 40px;max-width:1200px}
h2{font-size:18px;margin:28px 0 10px;border-bottom:2px solid #d8dde3;padding-bottom:4px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:start;padding:6px 8px;border-bottom:1px solid #e3e7eb;vertical-align:top}
th{background:#eef1f4;font-weight:600}
td.hash,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.grid{display:flex;flex-wrap:wrap;gap:14px}
figure{margin:0;background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:8px;width:272px}
figure img{display:block;max-width:256px;max-height:256px;margin:0 auto}
figcaption{font-size:13px;margin-top:6px}
.kind{display:inline-block;padding:1px 6px;border-radius:4px;background:#e6eefb;font-size:12px}
.summary td:first-child{width:220px;color:#56606b}
.note{color:#7a4b00}
table.chat small.note{display:block}
.warn{color:#a40000}
tr.delivered td{background:#e3f6e5;font-weight:600}
table.chat td:first-child{white-space:nowrap;width:150px}
table.chat td:nth-child(2){white-space:nowrap;font-weight:600}
tr.system td{color:#6b7580;font-style:italic}
.placeholder{display:flex;align-items:center;justify-content:center;text-align:center;width:256px;height:192px;margin:0 auto;background:#e9ecef;border:2px dashed #98a2ad;color:#3d4650;font-size:13px;padding:8px;box-sizing:border-box}
"#;

fn participants(t: &crate::evidence::chat::Transcript) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> = t
        .messages
        .iter()
        .filter_map(|m| m.sender.as_deref())
        .collect();
    set.into_iter().map(str::to_string).collect()
}

/// A message time for people: `2026-11-18 09:41` (local, as written) or with its offset.
fn chat_time(i: &Input<'_>, m: &crate::evidence::chat::Message) -> String {
    i.show(m.time.as_str())
}

impl Input<'_> {
    /// A time as people read it: `1 Dec 2026, 18:19 UTC`, first in the shop's zone when it is
    /// known; a wall-clock time written without a zone as it is (`1 Dec 2026, 10:07`).
    fn show(&self, t: &str) -> String {
        crate::time::human_in(t, self.zone)
    }
}

/// Where a conversation sorts in the timeline: its instant, or its local time read as UTC.
fn chat_key(m: &crate::evidence::chat::Message) -> chrono::NaiveDateTime {
    m.time.sort_key()
}

pub fn render(i: &Input<'_>) -> String {
    let originals: Vec<&FileRecord> = i
        .records
        .iter()
        .filter(|r| r.role == Role::Original)
        .collect();
    let mut h = String::new();
    header(&mut h, i, &originals);
    summary(&mut h, i, &originals);
    timeline(&mut h, i, &originals);
    photos(&mut h, i, &originals);
    conversations(&mut h, i);
    all_files(&mut h, i);
    h
}

/// The page head and the bundle's one-line description.
fn header(h: &mut String, i: &Input<'_>, originals: &[&FileRecord]) {
    let total: u64 = originals.iter().map(|r| r.size).sum();
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
    <title>Evidence for order {order}</title><style>{STYLE}</style></head><body>\n\
    <header><h1>Evidence for order {order}</h1>\
    <p>{n} file(s), {size}; bundle generated {gen} by {tool}.</p>\
    <p>Every file is listed below with its SHA-256. VERIFY.txt in the bundle explains how to check them.</p></header>\n<main>",
        order = esc(i.order.as_str()),
        n = originals.len(),
        size = human_bytes(total),
        gen = esc(&i.show(i.generated_at)),
        tool = esc(crate::TOOL),
    );
}

/// Order, evidence by kind, first and last record, the ledger head, notes.
fn summary(h: &mut String, i: &Input<'_>, originals: &[&FileRecord]) {
    let first = i.entries.first().map(|e| i.show(&format_time(&e.at)));
    let last = i.entries.last().map(|e| i.show(&format_time(&e.at)));
    let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
    for r in originals {
        if let Some(k) = r.kind {
            *counts.entry(k).or_default() += 1;
        }
    }
    let kinds: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let _ = writeln!(
        h,
        "<h2>Summary</h2><table class=\"summary\">\
<tr><td>Order</td><td>{}</td></tr>\
<tr><td>Evidence</td><td>{}</td></tr>\
<tr><td>First and last record</td><td>{} &ndash; {}</td></tr>\
<tr><td>Ledger (chain of custody)</td><td>{} entries, last entry hash <code>{}</code></td></tr>\
<tr><td>Bundle</td><td>{}</td></tr>\
<tr><td>Signed</td><td>{}</td></tr>\
<tr><td>Time-stamped (RFC 3161)</td><td>{}</td></tr>{}</table>",
        esc(i.order.as_str()),
        esc(&kinds.join(", ")),
        esc(first.as_deref().unwrap_or("-")),
        esc(last.as_deref().unwrap_or("-")),
        i.entries.len(),
        i.ledger_head.map(|d| d.hex()).unwrap_or_default(),
        esc(i.bag),
        match (&i.trust.key_id, &i.trust.fingerprint) {
            (Some(k), Some(f)) => format!(
                "by the seller's key <code>{}</code> (SHA-256 <code>{}</code>): <code>minisign</code> checks it (VERIFY.txt, step 6). It proves which key signed, not who holds it.",
                esc(k),
                esc(f)
            ),
            _ => "no: the seller's vault had no signing key".into(),
        },
        stamps_text(i.trust),
        match originals.iter().filter(|r| r.filed_after_dispute).count() {
            0 => String::new(),
            n => format!(
                "<tr><td>Filed after the dispute opened</td><td class=\"warn\">&#9888; {n} file(s) (marked below)</td></tr>"
            ),
        },
    );
    for n in i.notes {
        let _ = writeln!(h, "<p class=\"note\">Note: <bdi>{}</bdi></p>", esc(n));
    }
}

/// The stamps, latest first, in words.
fn stamps_text(t: &super::trust::TrustInfo) -> String {
    if t.stamps.is_empty() {
        return "no: nothing dates this evidence but the seller's own clock".into();
    }
    let mut stamps: Vec<&super::trust::BagStamp> = t.stamps.iter().collect();
    stamps.sort_by_key(|s| std::cmp::Reverse(s.through_seq));
    stamps
        .iter()
        .map(|s| {
            format!(
                "{} existed no later than {} (token from {}; VERIFY.txt, step 7)",
                match s.through_seq {
                    0 => "entry 1".to_string(),
                    n => format!("entries 1&ndash;{}", n + 1),
                },
                esc(&crate::time::human(&s.gen_time)),
                esc(&s.tsa_name)
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Ledger entries, carrier events and conversations in one table, by instant (a carrier time
/// without offset is placed as if it were UTC, and marked "local").
fn timeline(h: &mut String, i: &Input<'_>, originals: &[&FileRecord]) {
    let by_sha: BTreeMap<Digest, &FileRecord> = originals.iter().map(|r| (r.sha256, *r)).collect();
    // Ledger entries and carrier events in one table, by instant (a carrier time without offset
    // is placed as if it were UTC, and marked "local").
    let mut rows: Vec<(chrono::NaiveDateTime, String)> = Vec::new();
    for e in i.entries {
        let what = match &e.event {
            Event::Add { item } => {
                let link = by_sha
                    .get(&item.sha256)
                    .map(|r| {
                        format!(
                            "<a href=\"{}\"><bdi>{}</bdi></a>",
                            href(&r.path),
                            esc(&item.name)
                        )
                    })
                    .unwrap_or_else(|| esc(&item.name));
                format!(
                    "Added <span class=\"kind\">{}</span> {link} <code>{}</code>",
                    item.kind,
                    item.sha256.short()
                )
            }
            Event::Bundle { bundle } => format!(
                "Evidence bundle made: {} <code>{}</code>",
                esc(&bundle.file),
                bundle.sha256.short()
            ),
            Event::Track { shipment } => format!(
                "Shipment registered: {} {}{}",
                esc(&shipment.carrier),
                esc(&shipment.number),
                shipment
                    .shipped_at
                    .as_deref()
                    .map(|t| format!(", handed to the carrier {}", esc(t)))
                    .unwrap_or_default()
            ),
            other => esc(&other.summary(i.zone).unwrap_or_default()),
        };
        rows.push((
            e.at.naive_utc(),
            format!(
                "<tr><td>{}</td><td>{what}</td><td>{}</td><td>{}</td></tr>",
                esc(&i.show(&format_time(&e.at))),
                esc(&e.by),
                esc(e.note.as_deref().unwrap_or("")),
            ),
        ));
    }
    for t in i.tracking {
        let e = &t.event;
        let delivered = e.stage == crate::evidence::tracking::Stage::Delivered;
        let time = match e.utc() {
            Some(u) => i.show(&format_time(&u)),
            None => format!("{} (local)", crate::time::human(e.time.as_str())),
        };
        rows.push((
            e.sort_key(),
            format!(
                "<tr{}><td>{}</td><td>Carrier: <span class=\"kind\">{}</span> {}{}</td><td>{}</td><td>{}</td></tr>",
                if delivered { " class=\"delivered\"" } else { "" },
                esc(&time),
                e.stage.as_str(),
                esc(&e.description),
                e.location.as_deref().map(|l| format!(" &mdash; {}", esc(l))).unwrap_or_default(),
                esc(t.tracking_number.as_deref().unwrap_or("")),
                esc(&format!("from {}", t.first_seen_name)),
            ),
        ));
    }
    for (n, (r, t, _)) in i.chats.iter().enumerate() {
        let (Some(first), Some(last)) = (t.messages.first(), t.messages.last()) else {
            continue;
        };
        let key = chat_key(first);
        rows.push((
            key,
            format!(
                "<tr><td>{}</td><td>Conversation: <a href=\"#chat-{n}\">{}</a>, {} messages until {}</td><td>{}</td><td></td></tr>",
                esc(&chat_time(i, first)),
                esc(r.original_name.as_deref().unwrap_or(&r.path)),
                t.messages.len(),
                esc(&chat_time(i, last)),
                esc(&participants(t).join(", ")),
            ),
        ));
    }
    rows.sort_by_key(|r| r.0);
    h.push_str("<h2>Timeline</h2><table><tr><th>Time</th><th>What</th><th>By / parcel</th><th>Note</th></tr>\n");
    for (_, row) in rows {
        h.push_str(&row);
        h.push('\n');
    }
    h.push_str("</table>\n");
}

/// A warning line under a photo card: `<br>`, the warning sign, the text escaped.
fn warn_line(text: &str) -> String {
    format!("<br><span class=\"warn\">&#9888; {}</span>", esc(text))
}

/// Every photo as a card: thumbnail (or why there is none), capture time, who added it, warnings.
fn photos(h: &mut String, i: &Input<'_>, originals: &[&FileRecord]) {
    let photos: Vec<&&FileRecord> = originals
        .iter()
        .filter(|r| r.kind == Some(Kind::Photo))
        .collect();
    if !photos.is_empty() {
        h.push_str("<h2>Photos</h2><div class=\"grid\">\n");
        for r in photos {
            let name = r.original_name.as_deref().unwrap_or(&r.path);
            let img = match i.thumbs.get(&r.sha256) {
                Some(Ok(t)) => format!(
                    "<a href=\"{}\"><img src=\"data:image/jpeg;base64,{}\" alt=\"{}\"></a>{}",
                    href(&r.path),
                    base64::engine::general_purpose::STANDARD.encode(&t.jpeg),
                    esc(name),
                    if t.partial {
                        warn_line(super::upload::PARTIAL)
                    } else {
                        String::new()
                    }
                ),
                other => {
                    let why = match other {
                        Some(Err(why)) => why.as_str(),
                        _ => "the image could not be decoded",
                    };
                    format!(
                        "<a href=\"{}\" class=\"placeholder\">no preview: {}; open the original</a>",
                        href(&r.path),
                        esc(why)
                    )
                }
            };
            let captured = match (&r.captured_at, &r.captured_from) {
                (Some(c), Some(f)) => {
                    format!("{} <small>({})</small>", esc(&i.show(c)), esc(f))
                }
                (Some(c), None) => esc(&i.show(c)),
                _ => "unknown".to_string(),
            };
            let mut warnings: String = super::trust::vouched(r)
                .iter()
                .map(|v| {
                    if v.starts_with("filed after") {
                        warn_line(v)
                    } else {
                        format!("<br><small>{}</small>", esc(v))
                    }
                })
                .collect();
            if let Some(video) = r
                .live_photo_with
                .and_then(|d| originals.iter().find(|o| o.sha256 == d))
            {
                let _ = write!(
                    warnings,
                    "<br>Live Photo: <a href=\"{}\">its video</a>",
                    href(&video.path)
                );
            }
            warnings.extend(r.warnings.iter().map(|w| warn_line(w)));
            let _ = writeln!(
                h,
                "<figure>{img}<figcaption><b><bdi>{}</bdi></b><br>Captured: {captured}<br>Added: {} by {}<br>SHA-256 <code>{}</code>{warnings}</figcaption></figure>",
                esc(name),
                esc(&r
                    .added_at
                    .as_deref()
                    .map_or_else(|| "-".into(), |t| i.show(t))),
                esc(r.added_by.as_deref().unwrap_or("-")),
                r.sha256.short(),
            );
        }
        h.push_str("</div>\n");
    }
}

/// Conversations, as readable transcripts, attachments linked to their files in the bundle.
fn conversations(h: &mut String, i: &Input<'_>) {
    if !i.chats.is_empty() {
        h.push_str("<h2>Conversations</h2>\n");
        let by_name: BTreeMap<&str, &FileRecord> = i
            .records
            .iter()
            .filter(|r| r.role == Role::Original)
            .filter_map(|r| r.original_name.as_deref().map(|n| (n, r)))
            .collect();
        for (n, (r, t, tz)) in i.chats.iter().enumerate() {
            let zone = match (t.messages.iter().any(|m| m.time_naive()), tz) {
                (true, Some(z)) => format!("Times are as the export wrote them (the phone's local time); the zone was not recorded, UTC{z} is assumed."),
                (true, None) => "Times are as the export wrote them (the phone's local time, zone not recorded).".to_string(),
                _ => String::new(),
            };
            let _ = writeln!(
                h,
                "<h3 id=\"chat-{n}\"><bdi>{}</bdi> <small>({}, {} messages; original <a href=\"{}\"><bdi>{}</bdi></a>, SHA-256 <code>{}</code>)</small></h3><p class=\"note\">{}</p>",
                esc(&participants(t).join(", ")),
                esc(t.format),
                t.messages.len(),
                href(&r.path),
                esc(r.original_name.as_deref().unwrap_or(&r.path)),
                r.sha256.short(),
                zone.trim()
            );
            h.push_str(
                "<table class=\"chat\"><tr><th>Time</th><th>From</th><th>Message</th></tr>\n",
            );
            for m in &t.messages {
                let links: String = m
                    .attachments
                    .iter()
                    .map(|a| match by_name.get(a.as_str()) {
                        Some(f) => {
                            format!(
                                "<div>&#128206; <a href=\"{}\"><bdi>{}</bdi></a></div>",
                                href(&f.path),
                                esc(a)
                            )
                        }
                        None => format!("<div>&#128206; {} (not in this bundle)</div>", esc(a)),
                    })
                    .collect();
                // The message in its own direction (Arabic and Hebrew right to left, aligned
                // right), vault's words about it after it, left to right.
                let mut text = format!(
                    "<div dir=\"auto\">{}</div>",
                    esc(&m.text).replace('\n', "<br>")
                );
                if let Some(kind) = m.media_omitted {
                    let _ = write!(
                        text,
                        "<small class=\"note\">({kind} left out of the export)</small>"
                    );
                }
                if !m.annotations.is_empty() {
                    let _ = write!(
                        text,
                        "<small class=\"note\">{}</small>",
                        esc(&m.annotations.join(" · "))
                    );
                }
                let _ = writeln!(
                    h,
                    // A name isolated from the table's direction.
                    "<tr{}><td>{}</td><td><bdi>{}</bdi></td><td>{text}{links}</td></tr>",
                    if m.sender.is_none() {
                        " class=\"system\""
                    } else {
                        ""
                    },
                    esc(&chat_time(i, m)),
                    esc(m.sender.as_deref().unwrap_or("(system)")),
                );
            }
            h.push_str("</table>\n");
        }
    }
}

/// Every file of the bag with its full hash.
fn all_files(h: &mut String, i: &Input<'_>) {
    h.push_str("<h2>All files</h2><table><tr><th>File</th><th>Kind</th><th>Size</th><th>Added (UTC)</th><th>Vouched for</th><th>SHA-256</th></tr>\n");
    for r in i.records {
        let kind = match r.role {
            Role::Original => r.kind.map(|k| k.to_string()).unwrap_or_default(),
            Role::Thumbnail => format!(
                "thumbnail of {}",
                r.derived_from.map(|d| d.short()).unwrap_or_default()
            ),
            Role::Ledger => "ledger".into(),
            Role::Upload => format!("for upload, made from {} original(s)", r.sources.len()),
            Role::FormData => "the platform form's fields, for a script".into(),
            Role::Trust => "signature or time-stamp (data/trust)".into(),
            Role::Report => continue,
        };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"{}\"><bdi>{}</bdi></a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"hash\">{}</td></tr>",
            href(&r.path),
            esc(&r.path),
            esc(&kind),
            human_bytes(r.size),
            esc(&r
                .added_at
                .as_deref()
                .map_or_else(String::new, |t| i.show(t))),
            if r.role == Role::Original {
                esc(&super::trust::vouched(r).join("; "))
            } else {
                String::new()
            },
            r.sha256.hex(),
        );
    }
    h.push_str("</table>\n</main></body></html>\n");
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_bidi() {
        assert_eq!(
            esc("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(esc("a\"b'c&"), "a&quot;b&#39;c&amp;");
        assert_eq!(esc("invoice\u{202e}gpj.exe"), "invoice\\u{202e}gpj.exe");
    }
}

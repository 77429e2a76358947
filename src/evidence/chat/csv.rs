//! A plain `time,sender,text` CSV.

use chrono::{DateTime, NaiveDateTime};

use super::{Message, Transcript, check_lines, push_message};
use crate::time::Timestamp;

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

pub(super) fn csv(body: &str) -> Result<Transcript, String> {
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
                media_omitted: None,
                annotations: Vec::new(),
                source: format!("line {}", i + 1),
            },
        )?;
        i += used;
    }
    Ok(Transcript {
        assumed_year: None,
        format: "csv",
        messages,
        notes: Vec::new(),
    })
}

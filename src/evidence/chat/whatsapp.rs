//! WhatsApp "Export chat" text, Android and iOS layouts.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{Message, ParseOptions, Transcript, check_lines, push_message};
use crate::time::Timestamp;

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

pub(super) fn whatsapp(body: &str, opts: ParseOptions) -> Result<Transcript, String> {
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

//! WhatsApp "Export chat" text, as phones write it in every language: Android
//! (`18/03/2022, 14:56 - Name: text`) and iOS (`[18/03/2022, 14:56:01] Name: text`) layouts, the
//! date in any order and separator (`2022/3/18`, `18.03.22`, `2022. 3. 18.`, `2022年3月18日`),
//! the time before or after the date, 12-hour markers in local words before or after the time
//! (`下午2:56`, `오후 2:56`, `2:56 p. m.`, `2:56 م`), native digits (Arabic-Indic, Persian,
//! Devanagari, Thai, ...), Buddhist, Japanese-era and Solar Hijri years, and the bidi and
//! formatting marks WhatsApp puts anywhere in a header. The header is read through those marks;
//! the message text is kept as written, less the mark WhatsApp puts before its own words.
//!
//! Day/month order is decided from the whole file (a part over 12, then the order under which the
//! chat runs forward), else taken from the `date-order` setting, else day first with a note that
//! says so.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::locale::{self, Period};
use super::{Message, ParseOptions, Transcript, check_lines, push_message};
use crate::time::Timestamp;

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

/// A character as the header reader sees it: marks skipped, odd spaces made spaces, digits of
/// every script made ASCII.
fn norm(c: char) -> Option<char> {
    match c {
        '\u{200e}'
        | '\u{200f}'
        | '\u{61c}'
        | '\u{feff}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => None,
        '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}' | '\u{3000}' => Some(' '),
        c if c.is_ascii() => Some(c),
        c => Some(locale::digit(c).map_or(c, |(d, _)| char::from(b'0' + d as u8))),
    }
}

/// A cursor over a line's header; `i` is a byte offset into the original line.
#[derive(Clone, Copy)]
struct Cur<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cur<'a> {
    /// The next character that counts, and the offset after it.
    fn next_at(&self) -> Option<(char, usize)> {
        let mut it = self.s[self.i..].char_indices();
        for (o, c) in it.by_ref() {
            if let Some(n) = norm(c) {
                return Some((n, self.i + o + c.len_utf8()));
            }
        }
        None
    }
    fn peek(&self) -> Option<char> {
        self.next_at().map(|(c, _)| c)
    }
    fn bump(&mut self) -> Option<char> {
        let (c, at) = self.next_at()?;
        self.i = at;
        Some(c)
    }
    fn eat(&mut self, want: char) -> bool {
        if self.peek() == Some(want) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn spaces(&mut self) -> usize {
        let mut n = 0;
        while self.eat(' ') {
            n += 1;
        }
        n
    }
    /// 1 to `max` digits: (value, how many).
    fn number(&mut self, max: usize) -> Option<(u32, usize)> {
        let mut v = 0u32;
        let mut n = 0;
        while n < max
            && let Some(c) = self.peek()
            && let Some(d) = c.to_digit(10)
        {
            self.bump();
            v = v * 10 + d;
            n += 1;
        }
        (n > 0 && !self.peek().is_some_and(|c| c.is_ascii_digit())).then_some((v, n))
    }
    /// A literal word (compared folded), then not a letter.
    fn word(&mut self, w: &str) -> bool {
        let mut c = *self;
        for want in w.chars() {
            if c.bump().map(|x| x.to_lowercase().next().unwrap_or(x)) != Some(want) {
                return false;
            }
        }
        if c.peek().is_some_and(char::is_alphabetic) {
            return false;
        }
        *self = c;
        true
    }
    /// A literal prefix, compared exactly (no word boundary after it).
    fn word_prefix(&mut self, w: &str) -> bool {
        let mut c = *self;
        for want in w.chars() {
            if c.bump() != Some(want) {
                return false;
            }
        }
        *self = c;
        true
    }
    /// A month's name from the table (`Aug`, `August`, `Sept.`).
    fn month(&mut self) -> Option<u32> {
        locale::MONTHS.iter().find_map(|(name, m)| {
            let mut k = *self;
            k.word(name).then(|| {
                k.eat('.');
                *self = k;
                *m
            })
        })
    }
    /// A 12-hour marker from the table, compared folded (dots and spaces inside it ignored).
    fn period(&mut self) -> Option<Period> {
        // Only the markers that start with this character are tried (most headers have none).
        let first = self.s[self.i..].chars().find_map(locale::fold)?;
        let candidates = locale::periods_starting_with(first);
        'entry: for (word, p) in candidates {
            let mut c = *self;
            for want in word.chars() {
                loop {
                    let raw_next = c.s[c.i..].chars().next();
                    match raw_next {
                        None => continue 'entry,
                        Some(r) if locale::fold(r).is_none() => c.i += r.len_utf8(),
                        Some(r) => {
                            if locale::fold(r) != Some(want) {
                                continue 'entry;
                            }
                            c.i += r.len_utf8();
                            break;
                        }
                    }
                }
            }
            // A trailing dot belongs to the marker (`a. m.`, `vorm.`); a letter after it means
            // the word was longer than the marker.
            if c.peek() == Some('.') {
                c.bump();
            }
            if c.peek().is_some_and(char::is_alphabetic) {
                continue;
            }
            *self = c;
            return Some(*p);
        }
        None
    }
}

/// One part of a date as written.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Part {
    value: u32,
    digits: usize,
    /// A Japanese era's year (`R4`, `令和4年`): the Gregorian year is known.
    era_year: Option<i32>,
}

/// A header's date: three parts as written, and what the writing tells of their order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct WrittenDate {
    parts: [Part; 3],
    /// `年 月 日`, or a year (4 digits or an era) written first: year, month, day.
    year_first: bool,
    /// ` BE` after the year: a Buddhist-era year.
    buddhist: bool,
    /// No year written (`Mar 5`): the export's year is assumed, and the year part is 0 until then.
    no_year: bool,
}

/// How a header is laid out; WhatsApp writes one layout per export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `18/03/2022, 14:56 - Name: text`
    Android,
    /// `[18/03/2022, 14:56:01] Name: text`
    Ios,
    /// `4/26/16, 16:23:03: Name: text` (iOS before 2017)
    OldIos,
}

struct Header<'a> {
    date: WrittenDate,
    time: NaiveTime,
    rest: &'a str,
    layout: Layout,
}

fn part(c: &mut Cur<'_>) -> Option<Part> {
    // A Japanese era: its initial or its name, then the year (元 = 1).
    for (initial, name, before) in locale::ERAS {
        let mut k = *c;
        if k.eat(*initial) || k.word_prefix(name) {
            let y = if k.eat('元') {
                Some((1, 1))
            } else {
                k.number(2)
            };
            if let Some((y, _)) = y {
                *c = k;
                return Some(Part {
                    value: y,
                    digits: 4,
                    era_year: Some(before + y as i32),
                });
            }
        }
    }
    let (value, digits) = c.number(4)?;
    Some(Part {
        value,
        digits,
        era_year: None,
    })
}

/// A date with the month's name (`28 Aug 2013`, `Aug 28, 2013`), or with no year (`Mar 5`: old
/// Android exports left it out for the year of the export); kept as year, month, day.
fn named_date(c: &mut Cur<'_>) -> Option<WrittenDate> {
    let mut k = *c;
    let (day, month) = match k.number(2) {
        Some((d, _)) => {
            k.eat('.');
            (k.spaces() > 0).then_some(())?;
            (d, k.month()?)
        }
        None => {
            let m = k.month()?;
            (k.spaces() > 0).then_some(())?;
            (k.number(2)?.0, m)
        }
    };
    // The year, after a space or a comma: four digits (not the time's hour in `Mar 5, 8:11`).
    let mut y = k;
    y.eat(',');
    let year = (y.spaces() > 0)
        .then(|| y.number(4))
        .flatten()
        .filter(|&(_, n)| n == 4);
    if year.is_some() {
        k = y;
    }
    *c = k;
    let part = |value, digits| Part {
        value,
        digits,
        era_year: None,
    };
    Some(WrittenDate {
        parts: [
            part(year.map_or(0, |y| y.0), 4),
            part(month, 2),
            part(day, 2),
        ],
        year_first: true,
        buddhist: false,
        no_year: year.is_none(),
    })
}

fn date(c: &mut Cur<'_>) -> Option<WrittenDate> {
    let mut k = *c;
    if let Some(d) = named_date(&mut k) {
        *c = k;
        return Some(d);
    }
    let a = part(c)?;
    // CJK: 2022年3月18日
    if c.eat('年') {
        let b = c.number(2)?;
        c.eat('月').then_some(())?;
        let d = c.number(2)?;
        c.eat('日');
        return Some(WrittenDate {
            parts: [
                a,
                Part {
                    value: b.0,
                    digits: b.1,
                    era_year: None,
                },
                Part {
                    value: d.0,
                    digits: d.1,
                    era_year: None,
                },
            ],
            year_first: true,
            buddhist: false,
            no_year: false,
        });
    }
    let sep = c.bump().filter(|s| matches!(s, '/' | '.' | '-'))?;
    let spaced = c.spaces() > 0; // 2022. 3. 18. (ko, hu)
    let b = part(c)?;
    c.eat(sep).then_some(())?;
    if spaced {
        c.spaces();
    }
    let d = part(c)?;
    // A trailing dot (`2022. 3. 18.`, `18. 3. 2022.`), and the Buddhist era's mark.
    let mut k = *c;
    if k.eat('.') && (k.peek().is_none_or(|n| n == ' ' || n == ',')) {
        *c = k;
    }
    // Bulgarian and Russian write `г.` (year) after it.
    let mut k = *c;
    if k.spaces() > 0 && k.eat('г') && k.eat('.') {
        *c = k;
    }
    let mut k = *c;
    let mut buddhist = false;
    if k.spaces() > 0 && (k.word("be") || k.word("b.e.")) {
        *c = k;
        buddhist = true;
    }
    let year_first = a.digits >= 3 || a.era_year.is_some();
    Some(WrittenDate {
        parts: [a, b, d],
        year_first,
        buddhist,
        no_year: false,
    })
}

fn time(c: &mut Cur<'_>) -> Option<NaiveTime> {
    let before = c.period();
    if before.is_some() {
        c.spaces();
    }
    let (h, _) = c.number(2)?;
    // `15:07`, `15.07`, and French Canada's `15 h 07`.
    let sep = match c.bump()? {
        s @ (':' | '.') => s,
        ' ' if c.eat('h') && c.eat(' ') => 'h',
        _ => return None,
    };
    if sep == 'h' {
        let (m, 2) = c.number(2)? else { return None };
        let mut k = *c;
        k.spaces();
        return k
            .period()
            .map_or(Some(h), |p| {
                *c = k;
                p.hour(h)
            })
            .and_then(|h| NaiveTime::from_hms_opt(h, m, 0));
    }
    let (m, md) = c.number(2)?;
    (md == 2).then_some(())?;
    let mut s = 0;
    let mut k = *c;
    if k.eat(sep)
        && let Some((v, 2)) = k.number(2)
    {
        s = v;
        *c = k;
    }
    let after = if before.is_none() {
        let mut k = *c;
        k.spaces();
        let p = k.period();
        if p.is_some() {
            *c = k;
        }
        p
    } else {
        None
    };
    let h = match before.or(after) {
        Some(p) => p.hour(h)?,
        None => h,
    };
    NaiveTime::from_hms_opt(h, m, s.min(59))
}

/// Between the date and the time: a comma (or the Arabic comma), spaces, or a word (`klo`).
fn date_time_sep(c: &mut Cur<'_>) -> bool {
    let comma = c.eat(',') || c.eat('،');
    let spaces = c.spaces();
    let mut k = *c;
    for w in locale::DATE_TIME_WORDS {
        if k.word(w) && k.spaces() > 0 {
            *c = k;
            return true;
        }
        k = *c;
    }
    comma || spaces > 0
}

fn header(line: &str) -> Option<Header<'_>> {
    let mut c = Cur { s: line, i: 0 };
    // Quick refusal for the lines that continue a message.
    let first = c.peek()?;
    let era = locale::ERAS.iter().any(|(initial, _, _)| *initial == first);
    let month = first.is_ascii_alphabetic() && locale::starts_with_month(line);
    if !(first == '[' || first.is_ascii_digit() || !first.is_ascii() || era || month) {
        return None;
    }
    let ios = c.eat('[');
    let start = c;
    let (date, time) = match (|| {
        let d = date(&mut c)?;
        date_time_sep(&mut c).then_some(())?;
        Some((d, time(&mut c)?))
    })() {
        Some(dt) => dt,
        None => {
            // Time first (vi): [14:56:01, 18/3/22]
            c = start;
            let t = time(&mut c)?;
            date_time_sep(&mut c).then_some(())?;
            let d = date(&mut c)?;
            (d, t)
        }
    };
    let layout = if ios {
        c.spaces();
        c.eat(']').then_some(())?;
        let mut k = c;
        k.spaces();
        if k.eat('-') {
            c = k;
        }
        Layout::Ios
    } else if c.peek() == Some(':') {
        c.bump();
        (c.peek() == Some(' ')).then_some(())?;
        Layout::OldIos
    } else {
        c.spaces().ge(&1).then_some(())?;
        (c.eat('-') || c.eat('–')).then_some(())?;
        Layout::Android
    };
    // One space (however written) before the text; marks before it are skipped.
    let mut rest = &line[c.i..];
    if let Some(r) = rest.strip_prefix(' ').or(rest.strip_prefix('\u{a0}')) {
        rest = r;
    }
    Some(Header {
        date,
        time,
        rest,
        layout,
    })
}

/// The year of an export whose dates have none: this year, unless its last yearless date is
/// still ahead this year (then the export was made last year).
fn export_year(last: &Header<'_>) -> i32 {
    let now = chrono::Local::now().naive_local();
    let [_, m, d] = last.date.parts;
    let this_year =
        NaiveDate::from_ymd_opt(now.year(), m.value, d.value).map(|day| day.and_time(last.time));
    match this_year {
        // A wall time anywhere in the world: 14 hours' slack.
        Some(t) if t <= now + chrono::Duration::hours(14) => now.year(),
        // Ahead this year, or 29 February in a year that has none.
        _ => (1..=4)
            .map(|back| now.year() - back)
            .find(|&y| {
                NaiveDate::from_ymd_opt(y, m.value, d.value)
                    .is_some_and(|day| day.and_time(last.time) <= now)
            })
            .unwrap_or(now.year() - 1),
    }
}

/// Whether a line begins with a WhatsApp message header, in any of the layouts and languages
/// read here (kind detection asks).
pub fn is_header(line: &str) -> bool {
    header(line).is_some()
}

/// The year a part stands for, and whether it came from a calendar vault cannot read.
fn year(p: Part, d: &WrittenDate, two_digit_buddhist: bool) -> Result<i32, String> {
    if let Some(y) = p.era_year {
        return Ok(y);
    }
    let v = p.value as i32;
    Ok(match (p.digits, v) {
        (1 | 2, _) if two_digit_buddhist => 1957 + v,
        (1 | 2, _) => 2000 + v,
        _ if d.buddhist || v >= 2400 => v - 543,
        // Solar Hijri (Iran, Afghanistan: 1380 is 2001): converted with the whole date. Persian
        // digits alone do not tell it: a phone in Persian on the Gregorian calendar writes them too.
        (_, 1300..=1425) => v,
        (_, 1426..=1500) => {
            return Err(format!(
                "year {v} is an Islamic (Hijri) calendar year, which vault does not convert; \
                 set the phone's calendar to Gregorian and export the chat again"
            ));
        }
        _ => v,
    })
}

fn to_date(
    d: &WrittenDate,
    order: DateOrder,
    two_digit_buddhist: bool,
) -> Result<Option<NaiveDate>, String> {
    let [a, b, c] = d.parts;
    let (y, m, day) = if d.year_first {
        match order {
            // A year-first file with a middle part over 12 writes year/day/month.
            DateOrder::Dmy if b.value > 12 => (a, c, b),
            _ => (a, b, c),
        }
    } else {
        match order {
            DateOrder::Mdy => (c, a, b),
            DateOrder::Ymd => (a, b, c),
            DateOrder::Dmy => (c, b, a),
        }
    };
    let yv = year(y, d, two_digit_buddhist)?;
    if y.era_year.is_none() && y.digits >= 3 && (1300..=1425).contains(&yv) {
        return Ok(locale::jalali_to_gregorian(yv, m.value, day.value));
    }
    Ok(NaiveDate::from_ymd_opt(yv, m.value, day.value))
}

/// The day/month order of a file, and whether the file itself decided it.
fn decide_order(dates: &[WrittenDate], undecided: Option<DateOrder>) -> (DateOrder, bool) {
    if dates.iter().all(|d| d.year_first) {
        return (DateOrder::Ymd, true);
    }
    let rest: Vec<&WrittenDate> = dates.iter().filter(|d| !d.year_first).collect();
    if rest.iter().any(|d| d.parts[0].value > 12) {
        return (DateOrder::Dmy, true);
    }
    if rest.iter().any(|d| d.parts[1].value > 12) {
        return (DateOrder::Mdy, true);
    }
    // Undecided by any single date: the order under which the chat runs forward in time.
    let backwards = |o: DateOrder| {
        let ds: Vec<NaiveDate> = rest
            .iter()
            .filter_map(|d| to_date(d, o, false).ok().flatten())
            .collect();
        ds.windows(2).filter(|w| w[1] < w[0]).count()
    };
    match backwards(DateOrder::Mdy).cmp(&backwards(DateOrder::Dmy)) {
        std::cmp::Ordering::Less => (DateOrder::Mdy, true),
        std::cmp::Ordering::Greater => (DateOrder::Dmy, true),
        std::cmp::Ordering::Equal => match undecided {
            Some(o @ (DateOrder::Dmy | DateOrder::Mdy)) => (o, true),
            _ => (DateOrder::Dmy, false),
        },
    }
}

/// Known file name endings of what WhatsApp attaches.
const EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "heic", "mp4", "3gp", "mov", "m4v", "opus", "ogg", "m4a",
    "mp3", "aac", "amr", "wav", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv",
    "vcf", "zip", "rar", "apk",
];

fn has_extension(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    })
}

/// An attachment the first line of a message names: `<attached: NAME>` (iOS, in any language:
/// `<adjunto: …>`, `<Anhang: …>`, `<附件：…>`), possibly after a caption, or `NAME (file
/// attached)` (Android, in any language: `(archivo adjunto)`, `(Datei angehängt)`).
fn attachment(text: &str) -> Option<String> {
    let t = text.trim_matches(|c: char| c.is_whitespace() || norm(c).is_none());
    if let Some(inner) = t.strip_suffix('>')
        && let Some(open) = inner.rfind('<')
    {
        let inner = &inner[open + 1..];
        let (label, name) = inner
            .split_once(": ")
            .or_else(|| inner.split_once('：'))
            .or_else(|| inner.split_once(':'))?;
        let name = name.trim();
        if label.chars().count() <= 30
            && !label.chars().any(|c| c.is_ascii_digit())
            && has_extension(name)
        {
            return Some(name.to_string());
        }
        return None;
    }
    if let Some(head) = t.strip_suffix(')')
        && let Some(open) = head.rfind(" (")
    {
        let (name, label) = (&head[..open], &head[open + 2..]);
        if label.chars().count() <= 40
            && !label.contains(['(', ')'])
            && !label.chars().any(|c| c.is_ascii_digit())
            && has_extension(name.trim())
        {
            return Some(name.trim().to_string());
        }
    }
    None
}

/// Media the export left out: `<Media omitted>` on Android (a whole line in angle brackets, in
/// any language), "image omitted" and its kin on iOS (after WhatsApp's mark, in the languages of
/// the table).
fn omitted(text: &str, ios: bool) -> Option<&'static str> {
    let t = text.trim();
    if !ios {
        let bare = t.trim_matches(|c: char| norm(c).is_none());
        if bare.starts_with('<')
            && bare.ends_with('>')
            && !bare.contains(':')
            && bare.chars().count() <= 60
        {
            return Some("media");
        }
        return None;
    }
    // iOS puts its mark before the words it writes: `‎image omitted`, `Some file.txt ‎document omitted`.
    let at = t.find(['\u{200e}', '\u{200f}'])?;
    locale::omitted(&t[at..])
}

/// `Name: text` → (Some(Name), text); a system line (no name) → (None, text). The name ends at
/// the first `: `, else at a first `:` that does not start a URL (`John Doe:.`).
fn split_sender(rest: &str) -> (Option<String>, &str) {
    let at = rest
        .find(": ")
        .or_else(|| rest.find(':').filter(|&i| !rest[i..].starts_with("://")));
    match at {
        Some(i) if !rest[..i].trim().is_empty() && i <= 100 => {
            let t = &rest[i + 1..];
            (
                Some(rest[..i].trim().to_string()),
                t.strip_prefix(' ').unwrap_or(t),
            )
        }
        _ => (None, rest),
    }
}

/// WhatsApp's own words (as opposed to a participant's) begin with a left-to-right or
/// right-to-left mark on iOS.
fn generated(text: &str) -> bool {
    text.starts_with(['\u{200e}', '\u{200f}'])
}

/// Drop the marks WhatsApp puts before its own words; the rest is kept as written.
fn strip_leading_marks(text: &str) -> &str {
    text.trim_start_matches(['\u{200e}', '\u{200f}', '\u{feff}'])
}

pub(super) fn whatsapp(body: &str, opts: ParseOptions) -> Result<Transcript, String> {
    check_lines(body)?;
    let lines: Vec<&str> = body.lines().collect();
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
    // One layout per export: a header in another layout is text pasted into a message (a
    // forwarded iOS line in an Android chat, say), and continues the message before it.
    let layout = [Layout::Android, Layout::Ios, Layout::OldIos]
        .into_iter()
        .max_by_key(|l| headers.iter().flatten().filter(|h| h.layout == *l).count())
        .unwrap_or(Layout::Android);
    let mut headers: Vec<Option<Header<'_>>> = headers
        .into_iter()
        .map(|h| h.filter(|h| h.layout == layout))
        .collect();
    // Exports left the year out for the export's own year only: when some dates carry one, the
    // rest are of a later year, the one after the last written (`30 Dec 2013`, then `1 Jan`).
    let last_written = headers
        .iter()
        .flatten()
        .filter(|h| h.date.year_first && !h.date.no_year && h.date.parts[0].digits == 4)
        .map(|h| h.date.parts[0].value)
        .max();
    let assumed_year = headers
        .iter()
        .flatten()
        .rfind(|h| h.date.no_year)
        .map(|last| {
            opts.year.unwrap_or_else(|| match last_written {
                Some(y) => i32::try_from(y).map_or(0, |y| y + 1),
                None => export_year(last),
            })
        });
    if let Some(y) = assumed_year {
        for h in headers.iter_mut().flatten().filter(|h| h.date.no_year) {
            h.date.parts[0].value = u32::try_from(y).unwrap_or(0);
        }
    }
    let dates: Vec<WrittenDate> = headers.iter().flatten().map(|h| h.date).collect();
    let (order, decided) = match opts.date_order {
        Some(o) => (o, true),
        None => decide_order(&dates, opts.undecided_order),
    };
    // Thai phones on the Buddhist calendar write two-digit years (`18/3/65` for 2565 BE = 2022):
    // read as Gregorian they fall decades ahead.
    let this_year = chrono::Utc::now().year();
    let two_digit_buddhist = dates
        .iter()
        .all(|d| d.parts.iter().all(|p| p.era_year.is_none()))
        && dates
            .iter()
            .filter_map(|d| to_date(d, order, false).ok().flatten())
            .any(|d| d.year() > this_year + 1)
        && dates
            .iter()
            .filter_map(|d| to_date(d, order, true).ok().flatten())
            .all(|d| d.year() <= this_year + 1);
    let ios = layout != Layout::Android;
    let mut messages: Vec<Message> = Vec::new();
    let mut chat_name: Option<String> = None;
    for (i, (line, h)) in lines.iter().zip(&headers).enumerate() {
        match h {
            Some(h) => {
                let date = to_date(&h.date, order, two_digit_buddhist)
                    .map_err(|e| format!("line {}: {e}", i + 1))?
                    .ok_or_else(|| format!("line {}: not a valid date", i + 1))?;
                let time = NaiveDateTime::new(date, h.time);
                let rest = strip_leading_marks(h.rest);
                let (mut sender, raw_text) = split_sender(rest);
                let attachments: Vec<String> = attachment(raw_text).into_iter().collect();
                let media_omitted = attachments
                    .is_empty()
                    .then(|| omitted(raw_text, ios))
                    .flatten();
                // iOS writes its own notices in the chat's name: the first one (the end-to-end
                // notice) tells the name, and the later ones in that name are system lines too.
                if ios && generated(raw_text) && media_omitted.is_none() && attachments.is_empty() {
                    if messages.is_empty() && chat_name.is_none() {
                        chat_name = sender.clone();
                    }
                    if sender == chat_name || locale::is_encryption_notice(raw_text) {
                        sender = None;
                    }
                } else if ios && messages.is_empty() && locale::is_encryption_notice(raw_text) {
                    chat_name = sender.take();
                }
                push_message(
                    &mut messages,
                    Message {
                        time: Timestamp::local(time),
                        attachments,
                        media_omitted,
                        annotations: Vec::new(),
                        sender,
                        text: strip_leading_marks(raw_text).to_string(),
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
    let mut notes = Vec::new();
    if !decided {
        notes.push(
            "the day/month order of its dates is ambiguous (no part over 12, and the chat runs \
             forward either way): read as day first; give --date-order mdy (or set date-order) \
             if the phone wrote the month first"
                .to_string(),
        );
    }
    let left_out = messages
        .iter()
        .filter(|m| m.media_omitted.is_some())
        .count();
    if left_out > 0 {
        notes.push(format!(
            "the export left out {left_out} photos, videos or other media (exported without \
             media): export the chat again with \"Attach media\" / \"Include media\" so that they are \
             evidence too"
        ));
    }
    if two_digit_buddhist {
        notes.push("two-digit years read as Buddhist-era years (the phone's calendar)".into());
    }
    if let (Some(y), None) = (assumed_year, opts.year) {
        let why = match last_written {
            Some(_) => "the year after the last one written in it",
            None => "the latest year that puts no message after now",
        };
        notes.push(format!(
            "some of its dates are written without a year (old WhatsApp left it out for the year \
             of the export): read as {y}, {why}"
        ));
    }
    Ok(Transcript {
        assumed_year,
        format: if ios {
            "whatsapp-ios"
        } else {
            "whatsapp-android"
        },
        messages,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(line: &str) -> (String, NaiveTime, String, Layout) {
        let h = header(line).unwrap_or_else(|| panic!("no header in {line:?}"));
        let d = to_date(
            &h.date,
            if h.date.year_first {
                DateOrder::Ymd
            } else {
                DateOrder::Dmy
            },
            false,
        )
        .expect("calendar")
        .expect("date");
        (d.to_string(), h.time, h.rest.to_string(), h.layout)
    }

    #[test]
    fn headers_in_many_languages() {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M:%S").expect("time");
        let cases: &[(&str, &str, &str)] = &[
            ("18/03/2022, 14:56 - A: x", "2022-03-18", "14:56:00"),
            ("2022/3/18 下午2:56 - A: x", "2022-03-18", "14:56:00"),
            ("[2022/3/18 上午12:05:01] A: x", "2022-03-18", "00:05:01"),
            ("2022. 3. 18. 오후 2:56 - A: x", "2022-03-18", "14:56:00"),
            ("[2022/03/18 午後2:56:01] A: x", "2022-03-18", "14:56:01"),
            ("2022年3月18日 14:56 - A: x", "2022-03-18", "14:56:00"),
            (
                "\u{200f}[\u{200f}18\u{200f}/3\u{200f}/2022، 2:56:01 م] A: x",
                "2022-03-18",
                "14:56:01",
            ),
            ("١٨‏/٣‏/٢٠٢٢، ٢:٥٦ م - A: x", "2022-03-18", "14:56:00"),
            ("[18/3/2565 BE, 14:56:01] A: x", "2022-03-18", "14:56:01"),
            ("[18/3/R4, 14:56:01] A: x", "2022-03-18", "14:56:01"),
            ("[令和4/3/18 14:56:01] A: x", "2022-03-18", "14:56:01"),
            ("[14:56:01, 18/3/22] A: x", "2022-03-18", "14:56:01"),
            (
                "18/3/22, 2:56\u{202f}p.\u{a0}m. - A: x",
                "2022-03-18",
                "14:56:00",
            ),
            ("18/3/22, 2:56 μ.μ. - A: x", "2022-03-18", "14:56:00"),
            ("18.3.2022 klo 14.56 - A: x", "2022-03-18", "14:56:00"),
            ("[18.03.22, 14:56:01] A: x", "2022-03-18", "14:56:01"),
            ("18/3/2022 ก่อนเที่ยง 11:56 - A: x", "2022-03-18", "11:56:00"),
            ("[18/3/22 ٢:٥٦:٠١ ص] A: x", "2022-03-18", "02:56:01"),
            ("۱۴۰۱/۱/۱, ۱۴:۵۶ - A: x", "2022-03-21", "14:56:00"),
            ("۲۰۲۲/۳/۱۸, ۱۴:۵۶ - A: x", "2022-03-18", "14:56:00"),
            ("18/3/2022, 2:56 vorm. - A: x", "2022-03-18", "02:56:00"),
            ("2022. 03. 18. 14:56 - A: x", "2022-03-18", "14:56:00"),
            ("18-03-2022 14:56 - A: x", "2022-03-18", "14:56:00"),
            ("26/4/16, 16:23:03: A: x", "2016-04-26", "16:23:03"),
            ("29/1/18, 0:24 PM - A: x", "2018-01-29", "12:24:00"),
        ];
        for (line, date, time) in cases {
            let (d, tm, rest, _) = h(line);
            assert_eq!(
                (d.as_str(), tm, rest.as_str()),
                (*date, t(time), "A: x"),
                "{line}"
            );
        }
        for not in [
            "hello 12/3",
            "2022 was a year",
            "12:30 is fine",
            "[note] 1/2/3",
        ] {
            assert!(header(not).is_none(), "{not}");
        }
    }

    #[test]
    fn month_names_as_old_android_exports_wrote_them() {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M:%S").expect("time");
        for (line, date, time, layout) in [
            (
                "19:23, 28 Aug 2013 - A: hi",
                "2013-08-28",
                "19:23:00",
                Layout::Android,
            ),
            (
                "28 August 2013, 9:41 PM - A: hi",
                "2013-08-28",
                "21:41:00",
                Layout::Android,
            ),
            (
                "Aug 28, 2013, 9:41 PM - A: hi",
                "2013-08-28",
                "21:41:00",
                Layout::Android,
            ),
            (
                "[28 Sept. 2013, 9:41:07] A: hi",
                "2013-09-28",
                "09:41:07",
                Layout::Ios,
            ),
        ] {
            let got = h(line);
            assert_eq!(
                got,
                (date.into(), t(time), "A: hi".into(), layout),
                "{line}"
            );
        }
        // Text that begins with a month is not a header.
        for line in [
            "Jan 1, 2020 all conversations move",
            "May I ask, 5:30 - ok?",
            "Marching on",
        ] {
            assert!(header(line).is_none(), "{line}");
        }
    }

    #[test]
    fn dates_without_a_year_get_the_exports_year_and_say_so() {
        let chat = "Mar 5, 8:11 PM - Aravind: Whoa\nMar 5, 8:29 PM - Akshay: Lol yeah\nmore\nApr 2, 9:00 AM - Aravind: ok\n";
        let given = whatsapp(
            chat,
            ParseOptions {
                year: Some(2014),
                ..Default::default()
            },
        )
        .expect("parsed");
        let times: Vec<String> = given.messages.iter().map(|m| m.time.to_string()).collect();
        assert_eq!(
            times,
            [
                "2014-03-05T20:11:00",
                "2014-03-05T20:29:00",
                "2014-04-02T09:00:00"
            ]
        );
        assert_eq!(given.messages[1].text, "Lol yeah\nmore");
        assert_eq!(given.assumed_year, Some(2014));
        assert!(given.notes.is_empty(), "{:?}", given.notes);
        // Not given: the latest year that puts no message in the future, and a note.
        let assumed = whatsapp(chat, ParseOptions::default()).expect("parsed");
        let y = assumed.assumed_year.expect("a year");
        let now = chrono::Local::now().naive_local();
        assert!(y == now.year() || y == now.year() - 1, "{y}");
        assert!(
            assumed
                .messages
                .iter()
                .all(|m| m.time.wall_clock() <= now + chrono::Duration::hours(14))
        );
        assert!(
            assumed
                .notes
                .iter()
                .any(|n| n.contains("without a year") && n.contains(&y.to_string()))
        );
        // A file with years has none to assume; one whose last dates lost theirs is in the
        // year after the last written.
        let dated =
            whatsapp("19:23, 28 Aug 2013 - T: a\n", ParseOptions::default()).expect("parsed");
        assert_eq!(dated.assumed_year, None);
        let mixed = "17:05, 30 Dec 2013 - T: bye\n00:01, 1 Jan - D: Happy New Year!\n";
        let mixed = whatsapp(mixed, ParseOptions::default()).expect("parsed");
        assert_eq!(mixed.messages[1].time.to_string(), "2014-01-01T00:01:00");
        assert!(
            mixed
                .notes
                .iter()
                .any(|n| n.contains("2014, the year after")),
            "{:?}",
            mixed.notes
        );
    }

    #[test]
    fn a_hijri_year_is_refused_with_a_reason() {
        let t = whatsapp("[18/9/1443, 14:56:01] A: x\n", ParseOptions::default());
        let e = t.expect_err("hijri");
        assert!(e.contains("Hijri") && e.contains("line 1"), "{e}");
    }

    #[test]
    fn attachments_and_omitted_media_in_any_language() {
        assert_eq!(
            attachment("\u{200e}<attached: 00000035-PHOTO-2022-03-27-21-41-55.jpg>").as_deref(),
            Some("00000035-PHOTO-2022-03-27-21-41-55.jpg")
        );
        assert_eq!(
            attachment("<adjunto: 00000035-PHOTO-2022.jpg>").as_deref(),
            Some("00000035-PHOTO-2022.jpg")
        );
        assert_eq!(
            attachment("<附件：00000035-PHOTO.jpg>").as_deref(),
            Some("00000035-PHOTO.jpg")
        );
        assert_eq!(
            attachment("Some file.txt \u{200e}<attached: 00000046-Some file.txt>").as_deref(),
            Some("00000046-Some file.txt")
        );
        assert_eq!(
            attachment("IMG-20220323-WA0002.jpg (archivo adjunto)").as_deref(),
            Some("IMG-20220323-WA0002.jpg")
        );
        assert_eq!(
            attachment("Invoice 12.pdf (Datei angehängt)").as_deref(),
            Some("Invoice 12.pdf")
        );
        assert_eq!(attachment("size M (blue)"), None);
        assert_eq!(attachment("see <b: c>"), None);
        assert_eq!(omitted("<Medien ausgeschlossen>", false), Some("media"));
        assert_eq!(omitted("<Media omitted>", false), Some("media"));
        assert_eq!(omitted("I like <this>: yes", false), None);
        assert_eq!(omitted("\u{200e}image omitted", true), Some("image"));
        assert_eq!(
            omitted("Some file.txt \u{200e}document omitted", true),
            Some("document")
        );
        assert_eq!(omitted("\u{200f}لم يتم إدراج الصورة", true), Some("image"));
        assert_eq!(
            omitted("image omitted", true),
            None,
            "a participant typing it"
        );
    }
}

//! What WhatsApp writes differently in each language: 12-hour markers, native digits, calendars
//! (Buddhist, Japanese eras, Solar Hijri), the words for media left out of an export and the
//! end-to-end notice that opens every chat. The tables were written from CLDR's day periods and
//! from real exports (see docs/formats.md); each entry is compared with its text folded by
//! [`fold`], so `a. m.`, `a.m.` and `AM` are one entry.

/// What a 12-hour marker says about the hour written beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Am,
    Pm,
    /// Chinese 中午 ("noon"): 11 and 12 as written, 1 to 3 in the afternoon.
    Noon,
}

impl Period {
    /// The hour on a 24-hour clock, or None when the hour cannot carry this marker.
    pub fn hour(self, h: u32) -> Option<u32> {
        match (self, h) {
            (_, 24..) => None,
            // Japanese phones count 0 to 11 on a 12-hour clock: 午後0:24 is 12:24.
            (Period::Am | Period::Noon, 0) => Some(0),
            (Period::Pm, 0) => Some(12),
            // A 24-hour value beside a marker (some Chinese phones write 下午14:00): as written.
            (Period::Pm, 13..=23) => Some(h),
            (_, 13..) => None,
            (Period::Am, 12) => Some(0),
            (Period::Am, h) => Some(h),
            (Period::Pm, 12) => Some(12),
            (Period::Pm, h) => Some(h + 12),
            (Period::Noon, 11 | 12) => Some(h),
            (Period::Noon, h) => Some(h + 12),
        }
    }
}

/// 12-hour markers as written before or after the time, folded ([`fold`]). Longest first where
/// one is the start of another, so that the longer wins.
pub const PERIODS: &[(&str, Period)] = &[
    // English, and every language whose phones write AM/PM (pt, it, ru, pl, id, da, et, ...);
    // `a. m.`/`p. m.` (es, ca, gl), `a.m.`/`p.m.` (nl, nb, ro, en-CA, es-419) fold to the same.
    ("inthemorning", Period::Am),
    ("intheafternoon", Period::Pm),
    ("intheevening", Period::Pm),
    ("am", Period::Am),
    ("pm", Period::Pm),
    ("vorm", Period::Am), // de (older phones)
    ("nachm", Period::Pm),
    ("vm", Period::Am), // af
    ("nm", Period::Pm),
    ("fm", Period::Am), // sv
    ("em", Period::Pm),
    ("ap", Period::Am), // fi
    ("ip", Period::Pm),
    ("dop", Period::Am), // cs
    ("odp", Period::Pm),
    ("de", Period::Am), // hu
    ("du", Period::Pm),
    ("öö", Period::Am), // tr
    ("ös", Period::Pm),
    ("sa", Period::Am), // vi (sáng, chiều)
    ("ch", Period::Pm),
    ("ptg", Period::Pm), // ms: PTG before PG
    ("pg", Period::Am),
    ("to", Period::Am), // uz
    ("tk", Period::Pm),
    ("pd", Period::Am), // sq
    ("md", Period::Pm),
    ("rn", Period::Am), // ga
    ("in", Period::Pm),
    ("fh", Period::Am), // is
    ("eh", Period::Pm),
    ("priekšp", Period::Am), // lv
    ("pēcp", Period::Pm),
    ("priešpiet", Period::Am), // lt
    ("popiet", Period::Pm),
    ("asubuhi", Period::Am), // sw
    ("mchana", Period::Pm),
    ("πμ", Period::Am), // el
    ("μμ", Period::Pm),
    ("дп", Period::Am), // uk
    ("пп", Period::Pm),
    ("допобеда", Period::Am), // ru (rare 12-hour setting)
    ("послеобеда", Period::Pm),
    ("пробоб", Period::Am), // bg
    ("слоб", Period::Pm),
    ("преподне", Period::Am), // sr
    ("поподне", Period::Pm),
    ("претпл", Period::Am), // mk
    ("попл", Period::Pm),
    ("үө", Period::Am), // mn
    ("үх", Period::Pm),
    ("上午", Period::Am), // zh
    ("凌晨", Period::Am),
    ("早上", Period::Am),
    ("中午", Period::Noon),
    ("下午", Period::Pm),
    ("晚上", Period::Pm),
    ("傍晚", Period::Pm),
    ("午前", Period::Am), // ja
    ("午後", Period::Pm),
    ("오전", Period::Am), // ko
    ("오후", Period::Pm),
    ("صباحا", Period::Am), // ar
    ("مساء", Period::Pm),
    ("ص", Period::Am),
    ("م", Period::Pm),
    ("قظ", Period::Am), // fa
    ("بظ", Period::Pm),
    ("قبلدوپہر", Period::Am), // ur
    ("بعددوپہر", Period::Pm),
    ("לפנה״צ", Period::Am), // he, with the gershayim or an ASCII quote
    ("אחה״צ", Period::Pm),
    ("לפנה\"צ", Period::Am),
    ("אחה\"צ", Period::Pm),
    ("ก่อนเที่ยง", Period::Am), // th
    ("หลังเที่ยง", Period::Pm),
    ("पूर्वाह्न", Period::Am), // hi, ne
    ("अपराह्न", Period::Pm),
    ("मपू", Period::Am), // mr
    ("मउ", Period::Pm),
    ("পূর্বাহ্ণ", Period::Am), // bn
    ("অপরাহ্ণ", Period::Pm),
    ("முற்பகல்", Period::Am), // ta
    ("பிற்பகல்", Period::Pm),
    ("ಪೂರ್ವಾಹ್ನ", Period::Am), // kn
    ("ಅಪರಾಹ್ನ", Period::Pm),
    ("ਪੂਦੁ", Period::Am), // pa
    ("ਬਾਦੁ", Period::Pm),
    ("පෙව", Period::Am), // si
    ("පව", Period::Pm),
    ("ກ່ອນທ່ຽງ", Period::Am), // lo
    ("ຫຼັງທ່ຽງ", Period::Pm),
    ("နံနက်", Period::Am), // my
    ("ညနေ", Period::Pm),
    ("ጥዋት", Period::Am), // am
    ("ከሰዓት", Period::Pm),
];

/// The markers of [`PERIODS`] whose folded text starts with `c`, longest first.
pub fn periods_starting_with(c: char) -> &'static [(&'static str, Period)] {
    use std::collections::HashMap;
    static BY_FIRST: std::sync::OnceLock<HashMap<char, Vec<(&'static str, Period)>>> =
        std::sync::OnceLock::new();
    let map = BY_FIRST.get_or_init(|| {
        let mut m: HashMap<char, Vec<(&'static str, Period)>> = HashMap::new();
        for &(w, p) in PERIODS {
            if let Some(f) = w.chars().next() {
                m.entry(f).or_default().push((w, p));
            }
        }
        for v in m.values_mut() {
            v.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
        }
        m
    });
    map.get(&c).map_or(&[], Vec::as_slice)
}

/// Fold one character of a marker for comparison: lower case; None for the dots, spaces and
/// marks that some languages write inside a marker (`a. m.`, `ق.ظ`, `π.μ.`) and others do not.
pub fn fold(c: char) -> Option<char> {
    match c {
        '.' | ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{200e}' | '\u{200f}' | '\u{61c}' => {
            None
        }
        c if c.is_ascii() => Some(c.to_ascii_lowercase()),
        // Greek, Cyrillic, Turkish Ö: one lower-case letter each.
        c => Some(c.to_lowercase().next().unwrap_or(c)),
    }
}

/// Code points of the digit zero in the scripts whose digits WhatsApp writes (each script's ten
/// digits follow its zero). ASCII is handled before this table.
const ZEROS: &[u32] = &[
    0x0660, // Arabic-Indic
    0x06F0, // Extended Arabic-Indic (Persian, Urdu)
    0x07C0, // NKo
    0x0966, // Devanagari
    0x09E6, // Bengali
    0x0A66, // Gurmukhi
    0x0AE6, // Gujarati
    0x0B66, // Oriya
    0x0BE6, // Tamil
    0x0C66, // Telugu
    0x0CE6, // Kannada
    0x0D66, // Malayalam
    0x0DE6, // Sinhala
    0x0E50, // Thai
    0x0ED0, // Lao
    0x0F20, // Tibetan
    0x1040, // Myanmar
    0x17E0, // Khmer
    0x1810, // Mongolian
    0xFF10, // full-width
];

/// The value of a decimal digit in any script of [`ZEROS`], and whether it is a Persian digit.
pub fn digit(c: char) -> Option<(u32, bool)> {
    if c.is_ascii_digit() {
        return Some((c as u32 - '0' as u32, false));
    }
    let v = c as u32;
    ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&v))
        .map(|&z| (v - z, z == 0x06F0))
}

/// Japanese eras: the year before each era's first year, by its Latin initial and its name.
pub const ERAS: &[(char, &str, i32)] = &[
    ('R', "令和", 2018),
    ('H', "平成", 1988),
    ('S', "昭和", 1925),
    ('T', "大正", 1911),
    ('M', "明治", 1867),
];

/// Gregorian date of a Solar Hijri (Jalali, Iran and Afghanistan) date: the arithmetic
/// algorithm of the Iranian calendar's 33-year cycles (exact for 1178–1633 SH).
pub fn jalali_to_gregorian(jy: i32, jm: u32, jd: u32) -> Option<chrono::NaiveDate> {
    if !(1..=12).contains(&jm) || !(1..=31).contains(&jd) || (jm > 6 && jd > 30) {
        return None;
    }
    let (jm, jd) = (i64::from(jm), i64::from(jd));
    let jy = i64::from(jy) + 1595;
    let mut days = -355_668 + 365 * jy + (jy / 33) * 8 + ((jy % 33) + 3) / 4 + jd;
    days += if jm < 7 {
        (jm - 1) * 31
    } else {
        (jm - 7) * 30 + 186
    };
    // The count runs in 400-, 100-, 4- and 1-year Gregorian cycles.
    let mut gy = 400 * (days / 146_097);
    days %= 146_097;
    if days > 36_524 {
        days -= 1;
        gy += 100 * (days / 36_524);
        days %= 36_524;
        if days >= 365 {
            days += 1;
        }
    }
    gy += 4 * (days / 1461);
    days %= 1461;
    if days > 365 {
        gy += (days - 1) / 365;
        days = (days - 1) % 365;
    }
    chrono::NaiveDate::from_yo_opt(i32::try_from(gy).ok()?, u32::try_from(days + 1).ok()?)
}

/// The kinds of media an export left out, by the nouns WhatsApp's "… omitted" line uses for
/// them in each language (the verbs vary too much from one phone version to the next to be
/// listed: `ไม่มีรูปภาพ`, `วิดีโอถูกลบ`, `ละเว้น GIF`). Earlier kinds win (`ảnh GIF` is a GIF).
pub const OMITTED: &[(&str, &[&str])] = &[
    ("gif", &["gif"]),
    (
        "contact",
        &[
            "contact",
            "kontakt",
            "contatto",
            "contato",
            "contacto",
            "контакт",
            "vizitka",
            "kontak",
            "جهة اتصال",
            "कॉन्टैक्ट",
            "บัตรรายชื่อ",
            "thẻ liên lạc",
            "連絡先",
            "联系人",
            "聯絡人",
            "연락처",
        ],
    ),
    (
        "sticker",
        &[
            "sticker",
            "figurinha",
            "стикер",
            "наклейк",
            "nálepka",
            "naklejka",
            "stiker",
            "çıkartma",
            "ملصق",
            "الملصقات",
            "स्टिकर",
            "สติกเกอร์",
            "nhãn dán",
            "スタンプ",
            "ステッカー",
            "贴图",
            "貼圖",
            "스티커",
        ],
    ),
    (
        "document",
        &[
            "document",
            "documento",
            "dokument",
            "документ",
            "dokumen",
            "belge",
            "المستند",
            "مستند",
            "डॉक्यूमेंट",
            "เอกสาร",
            "tài liệu",
            "ドキュメント",
            "書類",
            "文档",
            "文件",
            "문서",
        ],
    ),
    (
        "video",
        &[
            "video",
            "vídeo",
            "vidéo",
            "видео",
            "відео",
            "film",
            "βίντεο",
            "סרטון",
            "فيديو",
            "الفيديو",
            "ویدیو",
            "वीडियो",
            "วิดีโอ",
            "ビデオ",
            "動画",
            "视频",
            "影片",
            "동영상",
        ],
    ),
    (
        "audio",
        &[
            "audio",
            "áudio",
            "аудио",
            "аудіо",
            "zvukový",
            "ljud",
            "lyd",
            "ääni",
            "ήχος",
            "אודיו",
            "الصوتية",
            "صوت",
            "صدا",
            "ऑडियो",
            "เสียง",
            "âm thanh",
            "音声",
            "音频",
            "音訊",
            "오디오",
        ],
    ),
    (
        "image",
        &[
            "image",
            "imagen",
            "imagem",
            "bild",
            "immagine",
            "afbeelding",
            "изображение",
            "зображення",
            "obrázek",
            "obraz",
            "zdjęcie",
            "gambar",
            "foto",
            "photo",
            "görüntü",
            "resim",
            "billede",
            "kuva",
            "εικόνα",
            "תמונה",
            "صورة",
            "الصورة",
            "تصویر",
            "फ़ोटो",
            "फोटो",
            "รูปภาพ",
            "hình ảnh",
            "ảnh",
            "画像",
            "图片",
            "圖片",
            "照片",
            "이미지",
            "사진",
        ],
    ),
];

/// Calls are WhatsApp's own lines too ("Missed video call"): never media left out.
const CALLS: &[&str] = &[
    "call",
    "llamada",
    "appel",
    "anruf",
    "chiamata",
    "chamada",
    "oproep",
    "звонок",
    "дзвінок",
    "hovor",
    "połączenie",
    "panggilan",
    "arama",
    "κλήση",
    "שיחה",
    "مكالمة",
    "تماس",
    "कॉल",
    "โทร",
    "cuộc gọi",
    "通話",
    "通话",
    "통화",
];

/// The media kind a line WhatsApp wrote (its text after WhatsApp's mark) says was left out.
pub fn omitted(text: &str) -> Option<&'static str> {
    if text.split_whitespace().count() > 8 {
        return None;
    }
    let lower = text.to_lowercase();
    if CALLS.iter().any(|c| lower.contains(c)) {
        return None;
    }
    OMITTED
        .iter()
        .find(|(_, nouns)| nouns.iter().any(|w| lower.contains(w)))
        .map(|(kind, _)| *kind)
}

/// Fragments of the end-to-end encryption notice that opens every chat, in the languages seen in
/// exports: the one system line iOS attributes to the chat's name.
pub const ENCRYPTION_NOTICE: &[&str] = &[
    "end-to-end encrypted",
    "cifrados de extremo a extremo",
    "criptografia de ponta a ponta",
    "encriptadas ponto a ponto",
    "chiffrés de bout en bout",
    "ende-zu-ende-verschlüsselt",
    "crittografati end-to-end",
    "end-to-end versleuteld",
    "сквозным шифрованием",
    "наскрізним шифруванням",
    "koncovým šifrováním",
    "szyfrowane end-to-end",
    "terenkripsi secara end-to-end",
    "uçtan uca şifreli",
    "end-to-end-krypterade",
    "מוצפנות מקצה לקצה",
    "مشفرة تمامًا بين الطرفين",
    "رمزگذاری سرتاسری",
    "एंड-टू-एंड एन्क्रिप्टेड",
    "การเข้ารหัสตั้งแต่ต้นทางถึงปลายทาง",
    "mã hóa đầu cuối",
    "เข้ารหัสจากต้นทางถึงปลายทาง",
    "エンドツーエンド暗号化",
    "端到端加密",
    "端對端加密",
    "종단간 암호화",
];

/// Whether a text is the end-to-end notice in a language of [`ENCRYPTION_NOTICE`].
pub fn is_encryption_notice(text: &str) -> bool {
    let lower = text.to_lowercase();
    ENCRYPTION_NOTICE.iter().any(|f| lower.contains(f))
}

/// Words some languages write between the date and the time (`18.3.2022 klo 14.56`).
pub const DATE_TIME_WORDS: &[&str] = &[
    "klo", "kl.", "kl", "um", "à", "às", "a las", "alle", "в", "о", "lúc", "at",
];

/// Month names, folded, as old Android exports wrote them in English (`Mar 5, 8:11 PM`,
/// `19:23, 28 Aug 2013`): WhatsApp has written numbers in every language since about 2015.
pub const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// Whether `line` begins with a month's name (a cheap test before reading it as a header).
pub fn starts_with_month(line: &str) -> bool {
    line.get(..3).is_some_and(|head| {
        MONTHS
            .iter()
            .any(|(m, _)| m[..3].eq_ignore_ascii_case(head))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solar_hijri_new_years_days() {
        // Nowruz: 1 Farvardin 1401 = 21 March 2022; 1 Farvardin 1403 = 20 March 2024.
        let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(jalali_to_gregorian(1401, 1, 1), d(2022, 3, 21));
        assert_eq!(jalali_to_gregorian(1403, 1, 1), d(2024, 3, 20));
        // 10 Dey 1402 = 31 December 2023; 30 Esfand 1403 (a leap year) = 20 March 2025.
        assert_eq!(jalali_to_gregorian(1402, 10, 10), d(2023, 12, 31));
        assert_eq!(jalali_to_gregorian(1403, 12, 30), d(2025, 3, 20));
        assert_eq!(jalali_to_gregorian(1403, 7, 31), None);
    }

    #[test]
    fn native_digits_and_periods() {
        assert_eq!(digit('٣'), Some((3, false)));
        assert_eq!(digit('۴'), Some((4, true)));
        assert_eq!(digit('๕'), Some((5, false)));
        assert_eq!(digit('९'), Some((9, false)));
        assert_eq!(digit('x'), None);
        assert_eq!(Period::Pm.hour(12), Some(12));
        assert_eq!(Period::Am.hour(12), Some(0));
        assert_eq!(Period::Noon.hour(1), Some(13));
        assert_eq!(Period::Am.hour(13), None);
        assert_eq!(Period::Pm.hour(0), Some(12));
    }
}

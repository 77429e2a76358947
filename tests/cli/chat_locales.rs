//! WhatsApp exports from phones set to other languages, through `vault add` and `vault bundle`:
//! an Arabic iPhone's zip (Arabic-Indic digits, right-to-left marks, a localized attachment
//! label, media left out), a Chinese Android phone's 12-hour export, and what `add` says when
//! the day/month order cannot be told.

use std::io::Write;

use crate::common;

use common::Env;
use serde_json::Value;

fn codes(v: &Value) -> Vec<(String, String)> {
    v["warning_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_string(),
                w["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_arabic_iphone_zip_is_read_and_its_photo_linked() {
    let env = Env::new();
    // As an iPhone set to Arabic writes it: RLM before the bracket and around the date parts,
    // Arabic-Indic digits, the Arabic comma, the evening marker م, and WhatsApp's own words
    // (the encryption notice, "image not included", the attachment) after an RLM.
    let d = "\u{200f}[\u{661}\u{664}\u{200f}/\u{663}\u{200f}/\u{662}\u{660}\u{662}\u{666}\u{60c} ";
    let chat = format!(
        "{d}\u{663}:\u{660}\u{665}:\u{660}\u{660} \u{645}] متجر لي: \u{200f}الرسائل والمكالمات مشفرة تمامًا بين الطرفين\n\
         {d}\u{663}:\u{660}\u{667}:\u{660}\u{669} \u{645}] متجر لي: \u{200f}<مرفق: 00000002-PHOTO-2026-03-14-15-07-09.jpg>\n\
         {d}\u{663}:\u{660}\u{668}:\u{661}\u{660} \u{645}] Fatima: \u{200f}لم يتم إدراج الصورة\n\
         {d}\u{663}:\u{661}\u{660}:\u{660}\u{660} \u{645}] Fatima: المقاس لا يناسبني\nأريد استرجاع المبلغ\n"
    );
    let photo = common::jpeg_bytes(7);
    let zip_path = env.path("WhatsApp Chat - متجر لي.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("_chat.txt", o).unwrap();
        z.write_all(chat.as_bytes()).unwrap();
        z.start_file("00000002-PHOTO-2026-03-14-15-07-09.jpg", o)
            .unwrap();
        z.write_all(&photo).unwrap();
        z.finish().unwrap();
    }
    let (v, code) = env.json(&["add", "--order", "AR-1", zip_path.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let c = &v["items"][0]["chat"];
    assert_eq!(c["format"], "whatsapp-ios", "{v}");
    // The notice is a system line (not counted); three messages from two participants.
    assert_eq!(c["messages"], 3, "{v}");
    assert_eq!(c["participants"], serde_json::json!(["Fatima", "متجر لي"]));
    assert_eq!(
        (c["first"].as_str(), c["last"].as_str()),
        (Some("2026-03-14T15:07:09"), Some("2026-03-14T15:10:00"))
    );
    assert_eq!(c["media_omitted"], 1, "{v}");
    // The one left-out photo is told, with what to do; the order was decided (14 > 12).
    let notes: Vec<_> = codes(&v)
        .into_iter()
        .filter(|(c, _)| c == "chat_note")
        .collect();
    assert_eq!(notes.len(), 1, "{v}");
    assert!(
        notes[0].1.contains("left out 1") && notes[0].1.contains("Attach media"),
        "{notes:?}"
    );
    // The photo inside is filed, and the message that carries it links to it in the report.
    let html = common::bundle_report(&env, "AR-1", "ar.zip");
    assert!(
        html.contains(
            "&#128206; <a href=\"originals/photo/00000002-PHOTO-2026-03-14-15-07-09.jpg\">"
        ),
        "{html}"
    );
    // The text is kept as written (Arabic, two lines), in a cell that takes its direction from
    // it, and the Arabic name is isolated from the table's left-to-right.
    assert!(
        html.contains(
            "<td><bdi>Fatima</bdi></td><td><div dir=\"auto\">المقاس لا يناسبني<br>أريد استرجاع المبلغ</div>"
        ),
        "{html}"
    );
    assert!(html.contains("<td><bdi>متجر لي</bdi></td>"), "{html}");
}

#[test]
fn a_chinese_android_export_with_12_hour_times() {
    let env = Env::new();
    let chat = "2026/3/14 下午3:07 - 李伟: 您好，包裹已经发出\n\
                2026/3/14 下午11:58 - Ana: obrigada!\n\
                2026/3/15 上午12:03 - 李伟: IMG-20260315-WA0001.jpg (文件已附加)\n\
                2026/3/15 上午9:30 - Ana: <省略多媒体文件>\n";
    let p = env.write("WhatsApp 聊天 - Ana.txt", chat.as_bytes());
    let (v, code) = env.json(&["add", "--order", "ZH-1", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let c = &v["items"][0]["chat"];
    assert_eq!(
        (c["format"].as_str(), c["messages"].as_u64()),
        (Some("whatsapp-android"), Some(4)),
        "{v}"
    );
    assert_eq!(
        (c["first"].as_str(), c["last"].as_str()),
        (Some("2026-03-14T15:07:00"), Some("2026-03-15T09:30:00"))
    );
    assert_eq!(c["media_omitted"], 1, "{v}");
    let html = common::bundle_report(&env, "ZH-1", "zh.zip");
    assert!(
        html.contains("&#128206; IMG-20260315-WA0001.jpg (not in this bundle)"),
        "the attachment is named even when the export did not carry it: {html}"
    );
}

#[test]
fn an_ambiguous_day_month_order_is_said_and_a_setting_or_flag_settles_it() {
    let env = Env::new();
    // 3/4 and 4/5: no part over 12, and the chat runs forward read either way.
    let chat = "3/4/26, 10:00 - Ana: hello\n4/5/26, 11:00 - Shop: shipped\n";
    let p = env.write("chat.txt", chat.as_bytes());
    let (v, code) = env.json(&["add", "--order", "A-1", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["items"][0]["chat"]["first"], "2026-04-03T10:00:00",
        "day first: {v}"
    );
    let notes = codes(&v);
    assert!(
        notes.iter().any(|(c, t)| c == "chat_note"
            && t.contains("ambiguous")
            && t.contains("--date-order mdy")),
        "{v}"
    );
    // Told the order, nothing is assumed and nothing said.
    let (v, code) = env.json(&[
        "add",
        "--order",
        "A-2",
        "--date-order",
        "mdy",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["items"][0]["chat"]["first"], "2026-03-04T10:00:00", "{v}");
    assert!(codes(&v).iter().all(|(c, _)| c != "chat_note"), "{v}");
}

#[test]
fn exports_with_a_byte_order_mark_are_read_and_their_annotations_shown() {
    let env = Env::new();
    // A Messenger export and a mailbox as Windows tools save them (UTF-8 with a BOM), and a
    // Telegram export with RFC 3339 dates and a forwarded message.
    let messenger = "\u{feff}{\"participants\":[{\"name\":\"Ann\"}],\"messages\":[{\"sender_name\":\"Ann\",\"timestamp_ms\":1704103260000,\"content\":\"danke sch\u{c3}\u{b6}n\",\"reactions\":[{\"reaction\":\"\u{f0}\u{9f}\u{91}\u{8d}\",\"actor\":\"Shop\"}]}]}";
    let mbox = "\u{feff}From ann@example.de Mon Jan  1 10:00:00 2024\nFrom: ann@example.de\nDate: Mon, 1 Jan 2024 10:00:00 +0100\nSubject: Parcel\n\nFrom my side: it arrived broken.\n";
    let telegram = r#"{"messages":[{"type":"message","date":"2024-01-01T09:00:00.500Z","from":"Ann","text":"see photo","forwarded_from":"Courier"}]}"#;
    for (name, body, format) in [
        ("message_1.json", messenger, "messenger"),
        ("inbox.mbox", mbox, "email"),
        ("result.json", telegram, "telegram"),
    ] {
        let p = env.write(name, body.as_bytes());
        let (v, code) = env.json(&["add", "--order", "B-1", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{v}");
        let c = &v["items"][0]["chat"];
        assert_eq!(
            (c["format"].as_str(), c["messages"].as_u64()),
            (Some(format), Some(1)),
            "{name}: {v}"
        );
    }
    let html = common::bundle_report(&env, "B-1", "b.zip");
    for shown in [
        "danke schön",
        "reaction 👍 by Shop",
        "From my side: it arrived broken.",
        "forwarded from Courier",
        "1 Jan 2024, 09:00 UTC",
    ] {
        assert!(html.contains(shown), "{shown} not in report: {html}");
    }
}

#[test]
fn what_cannot_be_read_is_stored_and_said_with_the_line() {
    let env = Env::new();
    // A phone on the Islamic calendar, and an export with a note typed above its first message.
    let hijri = "[18/9/1443, 14:56:01] Ali: مرحبا\n[18/9/1443, 14:57:30] Shop: أهلا\n";
    let typed = "Order 8841 chat, copied for the dispute\n14/3/2026, 15:07 - Ann: where is it?\n";
    for (name, body, kind, said) in [
        ("hijri.txt", hijri, None, "Hijri"),
        ("typed.txt", typed, Some("chat"), "line 1"),
    ] {
        let p = env.write(name, body.as_bytes());
        let mut args = vec!["add", "--order", "H-1"];
        if let Some(k) = kind {
            args.extend(["--kind", k]);
        }
        args.push(p.to_str().unwrap());
        let (v, code) = env.json(&args);
        assert_eq!(code, 0, "stored all the same: {v}");
        assert_eq!(v["items"][0]["status"], "added", "{v}");
        assert!(v["items"][0]["chat"].is_null(), "no transcript: {v}");
        assert!(
            codes(&v)
                .iter()
                .any(|(c, t)| c == "not_parsed" && t.contains(said)),
            "{name}: {v}"
        );
        let path = v["warning_details"][0]["path"].as_str().unwrap_or("");
        assert!(path.ends_with(name), "the warning names the file: {v}");
        let (v, code) = env.json(&{
            let mut strict = args.clone();
            strict.insert(1, "--strict");
            strict
        });
        assert_eq!(code, 1, "--strict makes it an error (still stored): {v}");
    }
}

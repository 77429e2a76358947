//! Chat exports parsed on add: format, message count, participants, first and last time, checked
//! on real exports (values established by reading the files), and unparseable exports kept with a
//! warning that says where the parse broke.

use crate::common;

use common::Env;
use predicates::prelude::*;
use serde_json::{Value, json};

fn chat_of(env: &Env, path: &std::path::Path) -> Value {
    let (v, code) = env.json(&[
        "add",
        "--order",
        "C-1",
        "--kind",
        "chat",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    v["items"][0]["chat"].clone()
}

#[test]
fn whatsapp_exports_in_every_date_layout() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    // chat-miner: the same conversation in five layouts (iOS [mm/dd/yy], Android dd/mm/yy,
    // mm/dd/yy, mm/dd/yyyy with "a. m." 12-hour times, yyyy/mm/dd): 7 messages from 5 people
    // (2 system lines not counted), 2019-01-01 11:25 to 2021-12-30 22:01.
    for (file, format) in [
        ("test_[mmddyy]_24hrs.txt", "whatsapp-ios"),
        ("test_ddmmyy_24hrs.txt", "whatsapp-android"),
        ("test_mmddyy_24hrs.txt", "whatsapp-android"),
        ("test_mmddyyyy_12hrs.txt", "whatsapp-android"),
        ("test_yyyymmdd_24hrs.txt", "whatsapp-android"),
    ] {
        let c = chat_of(&env, &samples.join("chat-miner/test/whatsapp").join(file));
        assert_eq!(c["format"], format, "{file}");
        assert_eq!(c["messages"], 7, "{file}");
        assert_eq!(
            c["participants"],
            json!(["Jahn Doe", "John Doe", "John Doe 🤓", "John-John Doe", "🤓"]),
            "{file}"
        );
        assert_eq!(
            (c["first"].as_str(), c["last"].as_str()),
            (Some("2019-01-01T11:25:00"), Some("2021-12-30T22:01:00")),
            "{file}"
        );
    }
    // rwhatsapp: a real Android export (dd/mm/yyyy) with emoji and <Media omitted>.
    let c = chat_of(&env, &samples.join("rwhatsapp/inst/extdata/sample.txt"));
    assert_eq!(
        (c["messages"].as_u64(), c["participants"].clone()),
        (Some(7), json!(["Johannes Gruber", "Test"]))
    );
    assert_eq!(
        (c["first"].as_str(), c["last"].as_str()),
        (Some("2017-07-12T22:35:00"), Some("2018-09-28T13:30:00"))
    );
    // whatstk: dd.mm.yyyy Android with system lines, and an iOS-style [dd-mm-yy HH:MM:SS] export.
    let c = chat_of(&env, &samples.join("whatstk/chats/whatsapp/pokemon.txt"));
    assert_eq!(c["messages"], 19);
    assert_eq!(c["participants"].as_array().unwrap().len(), 9);
    assert_eq!(c["first"], "2016-04-15T15:04:00");
    let c = chat_of(&env, &samples.join("whatstk/chats/whatsapp/lorem.txt"));
    assert_eq!(
        (c["format"].as_str(), c["messages"].as_u64()),
        (Some("whatsapp-ios"), Some(500))
    );
    assert_eq!(
        (c["first"].as_str(), c["last"].as_str()),
        (Some("2020-01-15T02:22:56"), Some("2020-05-11T22:32:48"))
    );
}

#[test]
fn telegram_exports_single_and_full() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    for file in ["test_single_export.json", "test_batch_export.json"] {
        let c = chat_of(&env, &samples.join("chat-miner/test/telegram").join(file));
        assert_eq!(c["format"], "telegram", "{file}");
        assert_eq!(c["messages"], 2, "{file}");
        assert_eq!(c["participants"], json!(["Author 1", "Author 2"]));
        // date_unixtime is the truth: UTC instants.
        assert_eq!(
            (c["first"].as_str(), c["last"].as_str()),
            (Some("2018-12-05T10:39:10Z"), Some("2018-12-05T10:49:24Z"))
        );
    }
}

#[test]
fn csv_transcripts_and_the_example_chat() {
    let env = Env::new();
    let f = env.write("platform-messages.csv", b"time,sender,text\n2026-11-18 09:41,Lena,\"Is size M, blue, available?\"\n2026-11-18T09:44:00+08:00,Shop,Yes\n");
    let c = chat_of(&env, &f);
    assert_eq!(
        (c["format"].as_str(), c["messages"].as_u64()),
        (Some("csv"), Some(2))
    );
    let c = chat_of(
        &env,
        &common::example_evidence().join("WhatsApp-Chat-with-Lena.txt"),
    );
    assert_eq!(c["participants"], json!(["Lena (buyer)", "Shop"]));
    assert_eq!(c["messages"], 5);
    env.vault()
        .args(["show", "C-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("whatsapp-android: 5 messages from Lena (buyer), Shop, 18 Nov 2026, 09:41 to 24 Nov 2026, 14:10"));
}

#[test]
fn an_unparseable_export_is_kept_with_a_warning_that_says_where() {
    let env = Env::new();
    let f = env.write("notes.txt", b"call buyer tomorrow\nabout the refund\n");
    env.vault()
        .args(["add", "--order", "C-1", "--kind", "chat", f.to_str().unwrap()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("notes.txt: stored as a chat item without a transcript: not a chat export vault reads: line 1"));
    let f = env.write("broken.csv", b"time,sender,text\nsometime,Ann,hello\n");
    env.vault()
        .args([
            "add",
            "--order",
            "C-1",
            "--kind",
            "chat",
            f.to_str().unwrap(),
        ])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("line 2: time \"sometime\""));
    let (show, _) = env.json(&["show", "C-1"]);
    assert_eq!(show["items"].as_array().unwrap().len(), 2);
    assert!(
        show["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "chat" && i.get("chat").is_none())
    );
}

#[test]
fn bundles_show_the_conversation_as_a_transcript() {
    let env = Env::new();
    env.vault()
        .args(["add", "--order", "C-1"])
        .arg(common::example_evidence())
        .assert()
        .success();
    let html = common::bundle_report(&env, "C-1", "b.zip");
    assert!(html.contains("<h2>Conversations</h2>"));
    assert!(html.contains("<tr><td>18 Nov 2026, 09:45</td><td><bdi>Lena (buyer)</bdi></td><td><div dir=\"auto\">Perfect, size M is right for me.</div></td></tr>"), "{html}");
    assert!(
        html.contains(
            "<tr class=\"system\"><td>18 Nov 2026, 09:41</td><td><bdi>(system)</bdi></td>"
        )
    );
    assert!(html.contains("Conversation: <a href=\"#chat-0\">WhatsApp-Chat-with-Lena.txt</a>, 6 messages until 24 Nov 2026, 14:10"));
    env.vault()
        .args(["verify-bundle", "b.zip"])
        .assert()
        .success();
}

#[test]
fn a_whatsapp_zip_export_is_kept_whole_and_its_media_filed_and_linked() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    let zip =
        samples.join("whatsapp-chat-parser-website/src/assets/whatsapp-chat-parser-example.zip");
    let (v, code) = env.json(&["add", "--order", "W-1", zip.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let (show, _) = env.json(&["show", "W-1"]);
    let items = show["items"].as_array().unwrap();
    // The zip itself, then its photo, video, audio and the nested zip (filed, never opened);
    // __MACOSX and _chat.txt are not filed separately.
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "whatsapp-chat-parser-example.zip",
            "00000001-PHOTO-2019-06-20-16-00-15.jpg",
            "00000002-VIDEO-2019-06-20-16-01-42.mp4",
            "00000003-AUDIO-2019-06-20-16-03-55.mp3",
            "00000004-whatsapp-chat-parser-example.zip",
        ]
    );
    let c = &items[0]["chat"];
    assert_eq!(
        (c["format"].as_str(), c["messages"].as_u64()),
        (Some("whatsapp-ios"), Some(48))
    );
    assert_eq!(c["participants"], json!(["Emily", "John", "Loris"]));
    assert_eq!(
        (c["first"].as_str(), c["last"].as_str()),
        (Some("2019-06-20T15:58:53"), Some("2019-06-20T16:45:28"))
    );
    assert!(
        items[4].get("chat").is_none(),
        "the nested zip is not opened"
    );
    // The photo is byte-identical to the zip's entry.
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut photo = Vec::new();
    std::io::Read::read_to_end(
        &mut z.by_name("00000001-PHOTO-2019-06-20-16-00-15.jpg").unwrap(),
        &mut photo,
    )
    .unwrap();
    assert_eq!(items[1]["sha256"], common::sha256_hex(&photo));
    // In the bundle, the message carrying the photo links to it.
    let html = common::bundle_report(&env, "W-1", "w.zip");
    assert!(html.contains("&#128206; <a href=\"originals/photo/00000001-PHOTO-2019-06-20-16-00-15.jpg\"><bdi>00000001-PHOTO-2019-06-20-16-00-15.jpg</bdi></a>"), "{html}");
    env.vault().arg("verify").assert().success();
}

#[test]
fn strict_makes_warnings_fail_but_keeps_the_item() {
    let env = Env::new();
    let f = env.write("notes.txt", b"call buyer tomorrow\n");
    env.vault()
        .args([
            "add",
            "--order",
            "C-1",
            "--kind",
            "chat",
            "--strict",
            f.to_str().unwrap(),
        ])
        .assert()
        .code(1);
    let (show, _) = env.json(&["show", "C-1"]);
    assert_eq!(show["items"][0]["name"], "notes.txt", "stored all the same");
    let ok = env.write("ok.csv", b"time,sender,text\n2026-11-18 09:41,Lena,hi\n");
    env.vault()
        .args(["add", "--order", "C-1", "--strict", ok.to_str().unwrap()])
        .assert()
        .code(0);
}

#[test]
fn a_forced_date_order_is_recorded_and_used_by_bundles() {
    let env = Env::new();
    // Every date is ambiguous: 03/04 is 3 April (dmy) or 4 March (mdy).
    let f = env.write(
        "chat.txt",
        b"03/04/24, 10:00 - Ann: hi\n03/04/24, 10:05 - Bob: hello\n",
    );
    let (v, _) = env.json(&[
        "add",
        "--order",
        "C-1",
        "--kind",
        "chat",
        "--date-order",
        "mdy",
        f.to_str().unwrap(),
    ]);
    assert_eq!(v["items"][0]["chat"]["first"], "2024-03-04T10:00:00");
    let (show, _) = env.json(&["show", "C-1"]);
    assert_eq!(
        show["ledger"][0]["item"]["chat"]["read_with"]["date_order"],
        "mdy"
    );
    let html = common::bundle_report(&env, "C-1", "b.zip");
    assert!(
        html.contains("<td>4 Mar 2024, 10:00</td><td><bdi>Ann</bdi></td>"),
        "the bundle reads it the same way"
    );
    env.vault()
        .args([
            "add",
            "--order",
            "C-1",
            "--date-order",
            "ydm",
            f.to_str().unwrap(),
        ])
        .assert()
        .code(2);
}

#[test]
fn an_export_without_years_keeps_the_year_it_was_read_with() {
    let env = Env::new();
    // Old Android exports wrote `Mar 5, 8:11 PM` for the year of the export.
    let f = env.write(
        "WhatsApp Chat with Lena.txt",
        b"Mar 5, 8:11 PM - Lena: is it shipped?\nMar 5, 8:29 PM - Shop: yes, today\n",
    );
    let (v, _) = env.json(&["add", "--order", "C-1", f.to_str().unwrap()]);
    let chat = &v["items"][0]["chat"];
    assert_eq!(chat["format"], "whatsapp-android");
    assert_eq!(chat["messages"], 2);
    let year = chat["read_with"]["year"]
        .as_i64()
        .expect("the year is recorded");
    assert_eq!(chat["first"], format!("{year}-03-05T20:11:00"));
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("without a year") && warnings.contains(&year.to_string()),
        "{warnings}"
    );
    let html = common::bundle_report(&env, "C-1", "b.zip");
    assert!(
        html.contains(&format!(
            "<td>5 Mar {year}, 20:29</td><td><bdi>Shop</bdi></td>"
        )),
        "the bundle reads it with the same year"
    );
}

#[test]
fn messenger_exports_are_detected_and_mojibake_fixed() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    let c = chat_of(
        &env,
        &samples.join("chat-miner/test/instagram/test_export.json"),
    );
    assert_eq!(c["format"], "messenger");
    let target: Value = serde_json::from_slice(
        &std::fs::read(samples.join("chat-miner/test/instagram/target.json")).unwrap(),
    )
    .unwrap();
    let authors: std::collections::BTreeSet<&str> = target
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    let ours: std::collections::BTreeSet<&str> = c["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        ours, authors,
        "participants agree with chat-miner's expected output"
    );
    assert_eq!(
        c["messages"].as_u64().unwrap() as usize,
        target.as_array().unwrap().len()
    );
}

#[test]
fn email_messages_and_mailboxes() {
    let Some(samples) = common::samples() else {
        return;
    };
    let env = Env::new();
    // From: Doug Sauder <doug@example.com>; Date: Wed, 17 May 2000 19:35:05 -0400
    let c = chat_of(
        &env,
        &samples.join("mail-parser/resources/eml/legacy/000.eml"),
    );
    assert_eq!(c["format"], "email");
    assert_eq!(c["participants"], json!(["Doug Sauder <doug@example.com>"]));
    assert_eq!(c["first"], "2000-05-17T19:35:05-04:00");
    assert_eq!(
        c["read_with"]["format"], "email",
        "known to be e-mail by its type, and recorded so"
    );
    // An e-mail without a Date header is kept, and the warning names the field.
    let no_date = env.write(
        "no-date.eml",
        b"From: a@example.com\nTo: b@example.com\nSubject: hi\n\nbody\n",
    );
    env.vault()
        .args(["add", "--order", "C-1", no_date.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("no-date.eml: stored as a chat item without a transcript: message 1: no readable Date or Received header"));
    // An mbox with two messages.
    let mbox = env.write(
        "box.mbox",
        b"From a@example.com Mon Nov 24 14:10:00 2025\nFrom: Lena <a@example.com>\nDate: Mon, 24 Nov 2025 14:10:00 +0100\nSubject: Parcel\n\nArrived.\n\nFrom b@example.com Mon Nov 24 15:00:00 2025\nFrom: Shop <b@example.com>\nDate: Mon, 24 Nov 2025 15:00:00 +0100\nSubject: Re: Parcel\n\nThanks!\n",
    );
    let c = chat_of(&env, &mbox);
    assert_eq!(
        (c["format"].as_str(), c["messages"].as_u64()),
        (Some("email"), Some(2))
    );
    assert_eq!(c["last"], "2025-11-24T15:00:00+01:00");
}

#[test]
fn email_attachments_are_filed_as_linked_items() {
    let env = Env::new();
    let mail = env.write(
        "parcel.eml",
        b"From: Lena <lena@example.de>\r\nTo: shop@example.com\r\nSubject: Damaged?\r\nDate: Mon, 24 Nov 2025 14:10:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"../../box label.txt\"\r\n\r\nLP00123456789012\r\n--b--\r\n",
    );
    let (v, code) = env.json(&["add", "--order", "C-1", mail.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let (show, _) = env.json(&["show", "C-1"]);
    let items = show["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["chat"]["format"], "email");
    assert_eq!(
        items[1]["name"], "box label.txt",
        "only the last path component of an untrusted name"
    );
    assert_eq!(items[1]["sha256"], common::sha256_hex(b"LP00123456789012"));
    assert_eq!(
        show["ledger"][1]["item"]["extracted_from"],
        items[0]["sha256"]
    );
}

/// When the ledger cannot be written, nothing is reported as added: neither the e-mail nor the
/// attachment taken out of it (both are listed as stored but not filed).
#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `cargo test --features failpoints`"
)]
fn a_failed_ledger_write_reports_extracted_items_as_not_filed() {
    let env = Env::new();
    let mail = env.write(
        "parcel.eml",
        b"From: Lena <lena@example.de>\r\nTo: shop@example.com\r\nSubject: Damaged?\r\nDate: Mon, 24 Nov 2025 14:10:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"label.txt\"\r\n\r\nLP00123456789012\r\n--b--\r\n",
    );
    let out = env
        .vault()
        .env("VAULT_FAILPOINT", "ledger-write-fails")
        .args(["--json", "add", "--order", "C-1", mail.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "partial failure");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "nothing added: {v}"
    );
    let failed: Vec<&str> = v["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 2, "{v}");
    assert!(failed[0].ends_with("parcel.eml"), "{v}");
    assert!(failed[1].ends_with("label.txt"), "{v}");
    assert!(
        v["failed"][1]["error"]
            .as_str()
            .unwrap()
            .starts_with("stored but not filed"),
        "{v}"
    );
    // Nothing was lost: a plain re-run files both.
    let (v, code) = env.json(&["add", "--order", "C-1", mail.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let (show, _) = env.json(&["show", "C-1"]);
    assert_eq!(show["items"].as_array().unwrap().len(), 2);
}

/// An e-mail without a Date header is timed by its relays' Received stamps: the earliest (listed
/// last), with its offset.
#[test]
fn an_email_without_date_takes_its_earliest_received_time() {
    let env = Env::new();
    let relayed = env.write(
        "relayed.eml",
        b"Received: from mx.example.com by inbox.example.com; Tue, 25 Nov 2025 09:00:05 +0000\nReceived: from laptop by mx.example.com; Tue, 25 Nov 2025 08:59:58 +0100\nFrom: Lena <a@example.com>\nTo: b@example.com\nSubject: still waiting\n\nWhere is my parcel?\n",
    );
    let c = chat_of(&env, &relayed);
    assert_eq!(c["messages"], 1);
    assert_eq!(c["first"], "2025-11-25T08:59:58+01:00");
}

#[test]
fn the_zone_assumed_for_local_times_is_recorded() {
    let env = Env::new();
    let f = env.write(
        "chat.txt",
        b"18/11/2026, 09:41 - Lena: hi\n18/11/2026, 09:44 - Shop: hello\n",
    );
    let (v, _) = env.json(&[
        "add",
        "--order",
        "C-1",
        "--kind",
        "chat",
        "--tz",
        "+08:00",
        f.to_str().unwrap(),
    ]);
    assert_eq!(v["items"][0]["chat"]["tz_assumed"], "+08:00");
    assert_eq!(
        v["items"][0]["chat"]["first"], "2026-11-18T09:41:00",
        "the time stays as written"
    );
    // Default: this machine's offset (TZ=UTC here).
    let g = env.write("chat2.txt", b"18/11/2026, 10:00 - Lena: again\n");
    let out = env
        .vault()
        .env("TZ", "UTC")
        .args([
            "--json",
            "add",
            "--order",
            "C-1",
            "--kind",
            "chat",
            g.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"][0]["chat"]["tz_assumed"], "+00:00");
    // Telegram's instants need no assumption.
    let t = env.write("result.json", br#"{"messages":[{"id":1,"type":"message","date":"2024-01-01T10:00:00","date_unixtime":"1704103200","from":"Ann","text":"hi"}]}"#);
    let (v, _) = env.json(&["add", "--order", "C-1", t.to_str().unwrap()]);
    assert!(v["items"][0]["chat"].get("tz_assumed").is_none());
    env.vault()
        .args(["show", "C-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "(local times, zone assumed +08:00)",
        ));
    let html = common::bundle_report(&env, "C-1", "b.zip");
    assert!(html.contains("UTC+08:00 is assumed"));
    env.vault()
        .args([
            "add",
            "--order",
            "C-1",
            "--tz",
            "Mars/Olympus",
            f.to_str().unwrap(),
        ])
        .assert()
        .code(2);
}

#[test]
fn a_hostile_chat_zip_is_kept_and_only_its_safe_media_filed() {
    use std::io::Write;
    let env = Env::new();
    let path = env.path("WhatsApp Chat with Lena.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("_chat.txt", stored).unwrap();
    w.write_all(b"[18.11.26, 09:41:00] Lena: <attached: 00000001-PHOTO.jpg>\n")
        .unwrap();
    w.start_file("00000001-PHOTO.jpg", stored).unwrap();
    w.write_all(&common::jpeg_bytes(1)).unwrap();
    w.start_file("../../evil.sh", stored).unwrap();
    w.write_all(b"echo pwned").unwrap();
    w.start_file("__MACOSX/._chat.txt", stored).unwrap();
    w.write_all(b"resource fork").unwrap();
    w.start_file("bomb.bin", deflated).unwrap();
    w.write_all(&vec![0u8; 8 << 20]).unwrap();
    w.finish().unwrap();
    let out = env
        .vault()
        .args(["--json", "add", "--order", "C-1", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("../../evil.sh: unsafe name"),
        "{warnings}"
    );
    assert!(
        warnings.contains("bomb.bin: compression ratio"),
        "{warnings}"
    );
    let (show, _) = env.json(&["show", "C-1"]);
    let names: Vec<&str> = show["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["WhatsApp Chat with Lena.zip", "00000001-PHOTO.jpg"]);
    assert_eq!(show["items"][0]["chat"]["messages"], 1);
    assert!(
        !env.path("evil.sh").exists() && !env.dir.path().parent().unwrap().join("evil.sh").exists()
    );
}

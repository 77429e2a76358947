//! Payloads inside what a browser or a script saves around a response: a HAR file
//! (`log.entries[].response.content.text`, base64 or not), one HAR entry, or a
//! `{status, headers, body}` wrapper whose body is the payload as JSON text or as an object.

use base64::Engine;
use serde_json::Value;

use super::{Snapshot, read};

/// The first payload vault reads inside `v`, with where it was found in `via`.
pub(super) fn unwrap(v: &Value) -> Option<Snapshot> {
    if let Some(entries) = v.pointer("/log/entries").and_then(Value::as_array) {
        return entries.iter().enumerate().find_map(|(i, e)| {
            let mut s = from_entry(e)?;
            s.via = Some(format!("HAR log.entries[{i}]"));
            Some(s)
        });
    }
    if let Some(mut s) = from_entry(v) {
        s.via = Some("HAR entry".into());
        return Some(s);
    }
    // {status, headers, body}: what fetch/axios/requests scripts write.
    if v.get("body").is_some() && (v.get("status").is_some() || v.get("headers").is_some()) {
        let mut s = inner(&v["body"])?;
        s.via = Some("body".into());
        return Some(s);
    }
    None
}

fn from_entry(e: &Value) -> Option<Snapshot> {
    let c = e.pointer("/response/content")?;
    let text = c["text"].as_str()?;
    let decoded;
    let text = if c["encoding"].as_str() == Some("base64") {
        decoded = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()?;
        std::str::from_utf8(&decoded).ok()?
    } else {
        text
    };
    read(&serde_json::from_str(text).ok()?)
}

/// A body: JSON text, or the object itself. One level only: a wrapper inside a wrapper is not
/// unwrapped again.
fn inner(body: &Value) -> Option<Snapshot> {
    match body {
        Value::String(s) => read(&serde_json::from_str(s.trim_start_matches('\u{feff}')).ok()?),
        other => read(other),
    }
}

#[cfg(test)]
mod tests {
    use crate::evidence::tracking::parse;
    use base64::Engine;

    const AFTERSHIP: &str = r#"{"meta":{"code":200},"data":{"tracking":{"tracking_number":"LX123456789CN","slug":"china-post","checkpoints":[{"checkpoint_time":"2026-03-01T10:00:00+08:00","message":"Posting","tag":"InTransit","subtag":"InTransit_002","location":"Shenzhen"}]}}}"#;

    #[test]
    fn a_har_capture_a_har_entry_and_a_response_wrapper() {
        let escaped = serde_json::to_string(AFTERSHIP).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(AFTERSHIP);
        let har = format!(
            r#"{{"log":{{"version":"1.2","entries":[
                {{"request":{{"url":"https://example.com/app.js"}},"response":{{"status":200,"content":{{"mimeType":"text/javascript","text":"var x=1"}}}}}},
                {{"request":{{"url":"https://api.aftership.com/v4/trackings/china-post/LX123456789CN"}},"response":{{"status":200,"content":{{"mimeType":"application/json","encoding":"base64","text":"{b64}"}}}}}}]}}}}"#
        );
        let s = parse(har.as_bytes()).unwrap();
        assert_eq!(
            (s.format, s.via.as_deref()),
            ("aftership", Some("HAR log.entries[1]"))
        );
        assert_eq!(s.events.len(), 1);
        let entry = format!(
            r#"{{"request":{{"method":"GET"}},"response":{{"status":200,"content":{{"text":{escaped}}}}}}}"#
        );
        assert_eq!(
            parse(entry.as_bytes()).unwrap().via.as_deref(),
            Some("HAR entry")
        );
        for body in [escaped.clone(), AFTERSHIP.to_string()] {
            let wrapped = format!(
                r#"{{"status":200,"headers":{{"content-type":"application/json"}},"body":{body}}}"#
            );
            let s = parse(wrapped.as_bytes()).unwrap();
            assert_eq!((s.format, s.via.as_deref()), ("aftership", Some("body")));
        }
        // A capture holding nothing vault reads says so.
        let e =
            parse(br#"{"log":{"entries":[{"response":{"content":{"text":"{}"}}}]}}"#).unwrap_err();
        assert!(e.contains("HAR"), "{e}");
    }

    #[test]
    fn aftership_list_and_webhook_and_17track_v24() {
        let t = r#"{"tracking_number":"LX1","slug":"china-post","checkpoints":[{"checkpoint_time":"2026-03-01T10:00:00+08:00","message":"Delivered","tag":"Delivered"}]}"#;
        let list =
            format!(r#"{{"meta":{{"code":200}},"data":{{"page":1,"trackings":[{t},{t}]}}}}"#);
        let s = parse(list.as_bytes()).unwrap();
        assert_eq!(
            (s.format, s.via.as_deref()),
            ("aftership-list", Some("data.trackings[0] of 2"))
        );
        let hook = format!(
            r#"{{"event":"tracking_update","event_id":"x","is_tracking_first_tag":false,"msg":{t},"ts":1772330000}}"#
        );
        assert_eq!(parse(hook.as_bytes()).unwrap().format, "aftership-webhook");
        // 17TRACK v2.4: time_raw beside time_iso; an event with only time_raw and no zone.
        let v24 = r#"{"code":0,"data":{"accepted":[{"number":"RR123","carrier":3011,"track_info":{"tracking":{"providers":[{"events":[
            {"time_iso":"2026-03-02T17:53:00+08:00","time_utc":"2026-03-02T09:53:00Z","time_raw":{"date":"2026-03-02","time":"17:53","timezone":"+08:00"},"description":"Arrived","location":"Guangzhou","stage":"InTransit"},
            {"time_raw":{"date":"2026-03-05","time":"09:10:00","timezone":null},"description":"Delivered","stage":"Delivered"}]}]}}}],"rejected":[]}}"#;
        let s = parse(v24.as_bytes()).unwrap();
        assert_eq!(s.format, "17track-v2.4");
        assert_eq!(s.events[0].time, "2026-03-02T17:53:00+08:00");
        assert!(s.events[1].time_naive());
        assert_eq!(s.events[1].time, "2026-03-05T09:10:00");
    }
}

//! Carriers' own tracking APIs, in the JSON shapes their public developer references document:
//! UPS Track API (`trackResponse.shipment[].package[].activity[]`), FedEx Track API
//! (`output.completeTrackResults[].trackResults[].scanEvents[]`), DHL's Shipment Tracking –
//! Unified API (`shipments[].events[]`) and USPS Tracking v3 (`trackingEvents[]`). Where a status
//! code's stage is read from the reference's names rather than tested against the carrier, the
//! table says so in docs/formats.md; the raw code always stays in the event's node.

use chrono::{NaiveDate, NaiveTime};
use serde_json::Value;

use super::{Event, Snapshot, Stage, arr, event, joined, stage_from_text, text, time_of};
use crate::time::Timestamp;

/// UPS: activities carry a local `date` (`20260314`) and `time` (`151500`) and, in the newer
/// API, `gmtDate`/`gmtTime`/`gmtOffset`, which make it an instant.
pub(super) fn ups(v: &Value) -> Option<Snapshot> {
    let shipment = v.pointer("/trackResponse/shipment/0")?;
    let package = shipment.pointer("/package/0")?;
    Some(Snapshot {
        format: "ups",
        number: text(&package["trackingNumber"]),
        carrier: Some("ups".into()),
        events: arr(package, "activity")
            .iter()
            .filter_map(ups_event)
            .collect(),
        via: None,
    })
}

fn ups_event(a: &Value) -> Option<Event> {
    let date = NaiveDate::parse_from_str(a["date"].as_str()?, "%Y%m%d").ok()?;
    let time = a["time"]
        .as_str()
        .and_then(|t| NaiveTime::parse_from_str(t, "%H%M%S").ok())
        .unwrap_or_default();
    let wall = date.and_time(time);
    let time = match a["gmtOffset"].as_str().and_then(crate::time::parse_offset) {
        Some(o) => Timestamp::instant(
            wall.and_local_timezone(o).single()?,
            chrono::SecondsFormat::Secs,
        ),
        None => Timestamp::local(wall),
    };
    let status = &a["status"];
    let description = text(&status["description"]).unwrap_or_default();
    let location = joined(
        &a["location"]["address"],
        &["city", "stateProvince", "countryCode"],
    );
    let stage = match status["type"].as_str().unwrap_or("") {
        "M" | "MV" => Stage::InfoReceived,
        "P" => Stage::PickedUp,
        "I" => match stage_from_text(&description) {
            s @ (Stage::Customs | Stage::OutForDelivery) => s,
            _ => Stage::InTransit,
        },
        "O" => Stage::OutForDelivery,
        "D" | "DO" | "DD" => Stage::Delivered,
        "X" => match stage_from_text(&description) {
            s @ (Stage::FailedAttempt | Stage::Returned | Stage::Customs) => s,
            _ => Stage::Exception,
        },
        "RS" => Stage::Returned,
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, a))
}

/// FedEx: `scanEvents[].date` is RFC 3339 with the scan's local offset.
pub(super) fn fedex(v: &Value) -> Option<Snapshot> {
    let r = v.pointer("/output/completeTrackResults/0")?;
    let t = r.pointer("/trackResults/0")?;
    Some(Snapshot {
        format: "fedex",
        number: text(&r["trackingNumber"]),
        carrier: Some("fedex".into()),
        events: arr(t, "scanEvents")
            .iter()
            .filter_map(fedex_event)
            .collect(),
        via: None,
    })
}

fn fedex_event(e: &Value) -> Option<Event> {
    let time = time_of(e["date"].as_str()?)?;
    let description = text(&e["eventDescription"]).unwrap_or_default();
    let location = joined(
        &e["scanLocation"],
        &["city", "stateOrProvinceCode", "countryCode"],
    );
    let stage = match e["eventType"].as_str().unwrap_or("") {
        "OC" => Stage::InfoReceived,
        "PU" => Stage::PickedUp,
        "OD" => Stage::OutForDelivery,
        "DL" => Stage::Delivered,
        "DE" => Stage::FailedAttempt,
        "CD" | "CC" => Stage::Customs,
        "RS" => Stage::Returned,
        "SE" | "HL" => Stage::Exception,
        "AR" | "DP" | "IT" | "AF" => match stage_from_text(&description) {
            Stage::Customs => Stage::Customs,
            _ => Stage::InTransit,
        },
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, e))
}

/// DHL Unified API: `timestamp` is the local time, usually without an offset (then zoneless).
pub(super) fn dhl(v: &Value) -> Option<Snapshot> {
    let s = v.pointer("/shipments/0")?;
    let events = s.get("events")?.as_array()?;
    if !events.iter().any(|e| e.get("timestamp").is_some()) {
        return None;
    }
    Some(Snapshot {
        format: "dhl",
        number: text(&s["id"]),
        carrier: text(&s["service"])
            .map(|svc| format!("dhl-{svc}"))
            .or(Some("dhl".into())),
        events: events.iter().filter_map(dhl_event).collect(),
        via: None,
    })
}

fn dhl_event(e: &Value) -> Option<Event> {
    let time = time_of(e["timestamp"].as_str()?)?;
    let description = text(&e["description"])
        .or_else(|| text(&e["status"]))
        .unwrap_or_default();
    let location = joined(
        &e["location"]["address"],
        &["addressLocality", "countryCode"],
    );
    let stage = match e["statusCode"].as_str().unwrap_or("") {
        "pre-transit" => Stage::InfoReceived,
        "transit" => match stage_from_text(&description) {
            s @ (Stage::Customs | Stage::OutForDelivery | Stage::PickedUp) => s,
            _ => Stage::InTransit,
        },
        "delivered" => Stage::Delivered,
        "failure" => match stage_from_text(&description) {
            s @ (Stage::FailedAttempt | Stage::Returned) => s,
            _ => Stage::Exception,
        },
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, e))
}

/// USPS Tracking v3: `eventTimestamp` (local, with or without an offset) and `GMTTimestamp`
/// (UTC), the latter the truth where present.
pub(super) fn usps(v: &Value) -> Option<Snapshot> {
    let events = v.get("trackingEvents")?.as_array()?;
    Some(Snapshot {
        format: "usps",
        number: text(&v["trackingNumber"]),
        carrier: Some("usps".into()),
        events: events.iter().filter_map(usps_event).collect(),
        via: None,
    })
}

fn usps_event(e: &Value) -> Option<Event> {
    let local = e["eventTimestamp"].as_str().and_then(time_of);
    let time = match (local, e["GMTTimestamp"].as_str().and_then(time_of)) {
        // The local wall time with the offset the UTC stamp implies.
        (Some(l), Some(g)) if !l.has_offset() => match (g.utc(), l.sort_key()) {
            (Some(u), wall) => {
                let secs = (wall - u.naive_utc()).num_seconds();
                match i32::try_from(secs)
                    .ok()
                    .and_then(chrono::FixedOffset::east_opt)
                {
                    Some(o) if secs % 900 == 0 => Timestamp::instant(
                        wall.and_local_timezone(o).single()?,
                        chrono::SecondsFormat::Secs,
                    ),
                    _ => g,
                }
            }
            _ => l,
        },
        (Some(l), _) => l,
        (None, Some(g)) => g,
        (None, None) => return None,
    };
    let description = text(&e["eventType"]).unwrap_or_default();
    let location = joined(e, &["eventCity", "eventState", "eventZIP", "eventCountry"]);
    let stage = match e["eventCode"].as_str().unwrap_or("") {
        "GX" | "MA" => Stage::InfoReceived,
        "03" | "OA" => Stage::PickedUp,
        "OF" => Stage::OutForDelivery,
        "01" => Stage::Delivered,
        "02" | "53" | "54" | "55" | "56" => Stage::FailedAttempt,
        "09" | "28" | "29" | "31" => Stage::Returned,
        "04" | "05" => Stage::Exception,
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, e))
}

#[cfg(test)]
mod tests {
    use crate::evidence::tracking::{Stage, parse};

    fn stages(s: &crate::evidence::tracking::Snapshot) -> Vec<Stage> {
        s.events.iter().map(|e| e.stage).collect()
    }

    #[test]
    fn ups_fedex_dhl_usps() {
        let ups = r#"{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1Z023E2X0214323462","activity":[
            {"location":{"address":{"city":"Austin","stateProvince":"TX","countryCode":"US"}},"status":{"type":"D","description":"DELIVERED","code":"FS"},"date":"20260314","time":"151500","gmtDate":"20260314","gmtTime":"20:15:00","gmtOffset":"-05:00"},
            {"location":{"address":{"city":"Shenzhen","countryCode":"CN"}},"status":{"type":"P","description":"Pickup Scan"},"date":"20260309","time":"090000"}]}]}]}}"#;
        let s = parse(ups.as_bytes()).unwrap();
        assert_eq!(
            (s.format, s.number.as_deref()),
            ("ups", Some("1Z023E2X0214323462"))
        );
        assert_eq!(stages(&s), [Stage::Delivered, Stage::PickedUp]);
        assert_eq!(s.events[0].time, "2026-03-14T15:15:00-05:00");
        assert!(s.events[1].time_naive(), "no offset given: zoneless");

        let fedex = r#"{"transactionId":"x","output":{"completeTrackResults":[{"trackingNumber":"794843185271","trackResults":[{"scanEvents":[
            {"date":"2026-03-14T10:15:00-05:00","eventType":"DL","eventDescription":"Delivered","scanLocation":{"city":"AUSTIN","stateOrProvinceCode":"TX","countryCode":"US"}},
            {"date":"2026-03-14T07:01:00-05:00","eventType":"OD","eventDescription":"On FedEx vehicle for delivery"},
            {"date":"2026-03-11T02:00:00+08:00","eventType":"CC","eventDescription":"International shipment release - Export"}]}]}]}}"#;
        let s = parse(fedex.as_bytes()).unwrap();
        assert_eq!(s.format, "fedex");
        assert_eq!(
            stages(&s),
            [Stage::Delivered, Stage::OutForDelivery, Stage::Customs]
        );

        let dhl = r#"{"shipments":[{"id":"7777777770","service":"express","status":{"statusCode":"delivered"},"events":[
            {"timestamp":"2026-03-14T10:15:00","location":{"address":{"addressLocality":"Berlin - Germany"}},"statusCode":"delivered","status":"DELIVERED","description":"Delivered - Signed for by: MUELLER"},
            {"timestamp":"2026-03-13T18:00:00+01:00","statusCode":"failure","description":"Delivery attempted; recipient not home"}]}]}"#;
        let s = parse(dhl.as_bytes()).unwrap();
        assert_eq!(
            (s.format, s.carrier.as_deref()),
            ("dhl", Some("dhl-express"))
        );
        assert_eq!(stages(&s), [Stage::Delivered, Stage::FailedAttempt]);
        assert!(s.events[0].time_naive());

        let usps = r#"{"trackingNumber":"9400100000000000000000","trackingEvents":[
            {"eventType":"Delivered, In/At Mailbox","eventTimestamp":"2026-03-14T10:15:00","GMTTimestamp":"2026-03-14T15:15:00Z","eventCity":"AUSTIN","eventState":"TX","eventZIP":"78756","eventCode":"01"},
            {"eventType":"Out for Delivery","eventTimestamp":"2026-03-14T06:00:00","eventCode":"OF"},
            {"eventType":"Notice Left (No Authorized Recipient Available)","eventTimestamp":"2026-03-13T12:00:00-05:00","eventCode":"02"}]}"#;
        let s = parse(usps.as_bytes()).unwrap();
        assert_eq!(s.format, "usps");
        assert_eq!(
            stages(&s),
            [
                Stage::Delivered,
                Stage::OutForDelivery,
                Stage::FailedAttempt
            ]
        );
        // The wall time with the offset the UTC stamp implies.
        assert_eq!(s.events[0].time, "2026-03-14T10:15:00-05:00");
        assert!(s.events[1].time_naive());
    }
}

//! Multi-carrier shipping APIs: ShipEngine's tracking response (`GET /v1/tracking`) and its
//! `API_TRACK` webhook, Shippo's track object (`GET /tracks/{carrier}/{number}`) and its
//! `track_updated` webhook. Shapes as their public API references document them.

use serde_json::Value;

use super::{Event, Snapshot, Stage, event, joined, stage_from_text, text, time_of};

/// ShipEngine: `{tracking_number, status_code, events[]{occurred_at, ...}}`, or the webhook
/// `{resource_type: "API_TRACK", data: {...}}`.
pub(super) fn shipengine(v: &Value) -> Option<Snapshot> {
    let (t, format) = if v["resource_type"].as_str() == Some("API_TRACK") {
        (&v["data"], "shipengine-webhook")
    } else {
        (v, "shipengine")
    };
    let events = t.get("events")?.as_array()?;
    // Told apart from other formats with `events` by ShipEngine's own fields.
    if !(t.get("status_code").is_some() || events.iter().any(|e| e.get("occurred_at").is_some())) {
        return None;
    }
    Some(Snapshot {
        format,
        number: text(&t["tracking_number"]),
        carrier: text(&t["carrier_code"])
            .or_else(|| t["carrier_id"].as_u64().map(|c| c.to_string())),
        events: events.iter().filter_map(shipengine_event).collect(),
        via: None,
    })
}

fn shipengine_event(e: &Value) -> Option<Event> {
    // `occurred_at` is UTC; `carrier_occurred_at` is the carrier's local wall time (no zone).
    let time = e["occurred_at"]
        .as_str()
        .and_then(time_of)
        .or_else(|| e["carrier_occurred_at"].as_str().and_then(time_of))?;
    let description = text(&e["description"])
        .or_else(|| text(&e["carrier_status_description"]))
        .unwrap_or_default();
    let location = joined(
        e,
        &[
            "city_locality",
            "state_province",
            "postal_code",
            "country_code",
        ],
    );
    // status_code per ShipEngine's reference; an unknown code is read from the text (the event
    // keeps its raw node, so the code is not lost).
    let stage = match e["status_code"].as_str().unwrap_or("") {
        "AC" => Stage::PickedUp,
        "NY" => Stage::InfoReceived,
        "IT" => match stage_from_text(&description) {
            s @ (Stage::Customs | Stage::OutForDelivery) => s,
            _ => Stage::InTransit,
        },
        "DE" => Stage::Delivered,
        "SP" => Stage::OutForDelivery, // at a collection point, for the buyer to pick up
        "AT" => Stage::FailedAttempt,
        "EX" => match stage_from_text(&description) {
            Stage::Returned => Stage::Returned,
            _ => Stage::Exception,
        },
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, e))
}

/// Shippo: `{carrier, tracking_number, tracking_status, tracking_history[]}`, or the webhook
/// `{event: "track_updated", data: {...}}`.
pub(super) fn shippo(v: &Value) -> Option<Snapshot> {
    let (t, format) = if v["event"].as_str() == Some("track_updated") {
        (&v["data"], "shippo-webhook")
    } else {
        (v, "shippo")
    };
    let history = t.get("tracking_history")?.as_array()?;
    let mut events: Vec<Event> = history.iter().filter_map(shippo_event).collect();
    // The current status is also the last history entry; when the history is empty it is the
    // only event.
    if events.is_empty()
        && let Some(e) = shippo_event(&t["tracking_status"])
    {
        events.push(e);
    }
    Some(Snapshot {
        format,
        number: text(&t["tracking_number"]),
        carrier: text(&t["carrier"]),
        events,
        via: None,
    })
}

fn shippo_event(e: &Value) -> Option<Event> {
    let time = time_of(e["status_date"].as_str()?)?;
    let description = text(&e["status_details"]).unwrap_or_default();
    let location = joined(&e["location"], &["city", "state", "zip", "country"]);
    let sub = e
        .pointer("/substatus/code")
        .and_then(Value::as_str)
        .unwrap_or("");
    let stage = match (e["status"].as_str().unwrap_or(""), sub) {
        (_, "information_received" | "address_issue") => Stage::InfoReceived,
        (_, "package_accepted" | "package_arrived") if e["status"] == "PRE_TRANSIT" => {
            Stage::InfoReceived
        }
        (_, "package_accepted") => Stage::PickedUp,
        (_, "out_for_delivery") => Stage::OutForDelivery,
        (_, "delivery_attempted" | "delivery_rescheduled") => Stage::FailedAttempt,
        (_, "return_to_sender" | "package_returned") => Stage::Returned,
        (_, "package_held" | "customs_cleared" | "customs_held") => Stage::Customs,
        ("PRE_TRANSIT", _) => Stage::InfoReceived,
        ("TRANSIT", _) => match stage_from_text(&description) {
            s @ (Stage::Customs | Stage::OutForDelivery | Stage::PickedUp) => s,
            _ => Stage::InTransit,
        },
        ("DELIVERED", _) => Stage::Delivered,
        ("RETURNED", _) => Stage::Returned,
        ("FAILURE", _) => Stage::Exception,
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, e))
}

#[cfg(test)]
mod tests {
    use crate::evidence::tracking::{Stage, parse};

    #[test]
    fn shipengine_response_and_webhook() {
        let body = r#"{"tracking_number":"1Z932R800392060079","status_code":"DE","carrier_code":"ups",
            "events":[
              {"occurred_at":"2026-03-14T20:15:00Z","carrier_occurred_at":"2026-03-14T15:15:00","description":"Delivered, front door","city_locality":"AUSTIN","state_province":"TX","postal_code":"78756","country_code":"US","status_code":"DE","event_code":"KB"},
              {"occurred_at":"2026-03-14T12:01:00Z","description":"Out for delivery","city_locality":"AUSTIN","state_province":"TX","country_code":"US","status_code":"IT"},
              {"carrier_occurred_at":"2026-03-10T09:00:00","description":"Shipment picked up","status_code":"AC"},
              {"occurred_at":"2026-03-12T03:00:00Z","description":"Import scan","status_code":"ZZ"}]}"#;
        let s = parse(body.as_bytes()).unwrap();
        assert_eq!(
            (s.format, s.number.as_deref(), s.carrier.as_deref()),
            ("shipengine", Some("1Z932R800392060079"), Some("ups"))
        );
        let stages: Vec<Stage> = s.events.iter().map(|e| e.stage).collect();
        assert_eq!(
            stages,
            [
                Stage::Delivered,
                Stage::OutForDelivery,
                Stage::PickedUp,
                Stage::Customs
            ]
        );
        assert_eq!(s.events[0].time, "2026-03-14T20:15:00Z");
        assert_eq!(
            s.events[0].location.as_deref(),
            Some("AUSTIN, TX, 78756, US")
        );
        // Only a local wall time: kept zoneless.
        assert!(s.events[2].time_naive());
        // An unknown code maps to a stage by its text and keeps the code in the raw node.
        assert_eq!(s.events[3].raw["status_code"], "ZZ");
        assert_eq!(s.delivered_at(), Some("2026-03-14T20:15:00Z"));
        let hook = format!(
            r#"{{"resource_url":"https://api.shipengine.com/v1/tracking?carrier_code=ups","resource_type":"API_TRACK","data":{body}}}"#
        );
        assert_eq!(parse(hook.as_bytes()).unwrap().format, "shipengine-webhook");
    }

    #[test]
    fn shippo_track_and_webhook() {
        let track = r#"{"carrier":"usps","tracking_number":"9205590164917312751089",
            "tracking_status":{"status":"DELIVERED","status_details":"Your shipment has been delivered.","status_date":"2026-03-14T18:41:00Z","substatus":null,"location":{"city":"Oakland","state":"CA","zip":"94612","country":"US"}},
            "tracking_history":[
              {"status":"PRE_TRANSIT","status_details":"Shipping label created","status_date":"2026-03-09T10:00:00Z","substatus":{"code":"information_received"},"location":null},
              {"status":"TRANSIT","status_details":"Accepted at USPS origin facility","status_date":"2026-03-10T01:00:00Z","substatus":{"code":"package_accepted"},"location":{"city":"Shenzhen","country":"CN"}},
              {"status":"TRANSIT","status_details":"Out for delivery","status_date":"2026-03-14T13:00:00Z","substatus":{"code":"out_for_delivery"}},
              {"status":"FAILURE","status_details":"Notice left","status_date":"2026-03-13T17:00:00Z","substatus":{"code":"delivery_attempted"}},
              {"status":"DELIVERED","status_details":"Your shipment has been delivered.","status_date":"2026-03-14T18:41:00Z","location":{"city":"Oakland","state":"CA","zip":"94612","country":"US"}}]}"#;
        let s = parse(track.as_bytes()).unwrap();
        assert_eq!((s.format, s.carrier.as_deref()), ("shippo", Some("usps")));
        let stages: Vec<Stage> = s.events.iter().map(|e| e.stage).collect();
        assert_eq!(
            stages,
            [
                Stage::InfoReceived,
                Stage::PickedUp,
                Stage::OutForDelivery,
                Stage::FailedAttempt,
                Stage::Delivered
            ]
        );
        assert_eq!(s.events[1].location.as_deref(), Some("Shenzhen, CN"));
        let hook = format!(r#"{{"event":"track_updated","test":false,"data":{track}}}"#);
        assert_eq!(parse(hook.as_bytes()).unwrap().format, "shippo-webhook");
    }
}

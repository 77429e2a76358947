//! Carrier tracking snapshots: detect the format, normalise the events, merge snapshots into one
//! timeline.
//!
//! Formats, detected from content (see docs/formats.md): 17TRACK API v2.2 and v2.4 (`data.accepted[].track_info`) and its webhook
//! (`{event, data}`), 17TRACK v1 (`track.z1`/`z2`, compact keys), AfterShip
//! (`data.tracking.checkpoints[]`), EasyPost trackers (`tracking_details[]`), Cainiao / AliExpress
//! logistics detail (`module[].detailList[]`, epoch milliseconds); ShipEngine and Shippo responses
//! and webhooks (`shipping_apis`), AfterShip list responses and webhooks, 17TRACK v2.4; and any of
//! them, and UPS, FedEx, DHL and USPS's own APIs (`carriers`), inside what a browser or a script saves around a response (`capture`: a HAR file or entry,
//! `{status, headers, body}`). Every event keeps the raw JSON node it came from, so a status code
//! vault maps to a stage by guess keeps its code. Events are derived data: always recomputed from
//! the stored snapshot.

mod capture;
mod carriers;
mod shipping_apis;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use serde_json::Value;

/// Normalised shipment stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    InfoReceived,
    PickedUp,
    InTransit,
    Customs,
    OutForDelivery,
    Delivered,
    FailedAttempt,
    Exception,
    Returned,
}

impl Stage {
    /// The name used in JSON and in human output: `info_received`, `out_for_delivery`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::InfoReceived => "info_received",
            Stage::PickedUp => "picked_up",
            Stage::InTransit => "in_transit",
            Stage::Customs => "customs",
            Stage::OutForDelivery => "out_for_delivery",
            Stage::Delivered => "delivered",
            Stage::FailedAttempt => "failed_attempt",
            Stage::Exception => "exception",
            Stage::Returned => "returned",
        }
    }
}

/// One tracking event. Serialized with `time` (its text) and `time_naive` (true for the carrier's
/// local time without an offset), as `show --json` always gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// An instant when the source gives an offset (epoch values are the truth where present);
    /// else the carrier's local time without offset.
    pub time: Timestamp,
    pub location: Option<String>,
    pub description: String,
    pub stage: Stage,
    /// The JSON node the event was read from.
    pub raw: Value,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            #[serde(flatten)]
            time: crate::time::TimeFields<'a>,
            #[serde(skip_serializing_if = "Option::is_none")]
            location: &'a Option<String>,
            description: &'a str,
            stage: Stage,
            raw: &'a Value,
        }
        Wire {
            time: self.time.fields(),
            location: &self.location,
            description: &self.description,
            stage: self.stage,
            raw: &self.raw,
        }
        .serialize(s)
    }
}

impl Event {
    /// The carrier gave a local time without an offset.
    pub fn time_naive(&self) -> bool {
        !self.time.has_offset()
    }

    /// The instant, when the offset is known.
    pub fn utc(&self) -> Option<DateTime<Utc>> {
        self.time.utc()
    }

    /// Sort key: the instant when known, else the wall-clock time read as UTC.
    pub fn sort_key(&self) -> NaiveDateTime {
        self.time.sort_key()
    }

    /// What makes two events "the same event seen in two snapshots".
    fn identity(&self) -> (String, String, String) {
        let t = self
            .utc()
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| self.time.to_string());
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        (
            t,
            norm(&self.description),
            norm(self.location.as_deref().unwrap_or("")),
        )
    }
}

/// A parsed snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub format: &'static str,
    pub number: Option<String>,
    pub carrier: Option<String>,
    pub events: Vec<Event>,
    /// Where in a saved capture the payload was found (`HAR log.entries[2]`, `body`), or more
    /// than one shipment in a list (`data.trackings[0] of 3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

impl Snapshot {
    pub fn delivered_at(&self) -> Option<&str> {
        self.events
            .iter()
            .filter(|e| e.stage == Stage::Delivered)
            .max_by_key(|e| e.sort_key())
            .map(|e| e.time.as_str())
    }
}

/// What the ledger keeps about a tracking snapshot (the events are re-derived from the object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    pub events: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
    /// The zone assumed at filing for the carrier's local times without an offset (`add --tz`,
    /// the `timezone` setting, else the machine's); the times themselves stay as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz_assumed: Option<String>,
    /// See [`Snapshot::via`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

impl From<&Snapshot> for Summary {
    fn from(s: &Snapshot) -> Summary {
        Summary {
            format: s.format.to_string(),
            number: s.number.clone(),
            carrier: s.carrier.clone(),
            events: s.events.len(),
            delivered_at: s.delivered_at().map(str::to_string),
            tz_assumed: None,
            via: s.via.clone(),
        }
    }
}

/// Largest snapshot parsed (carrier payloads are kilobytes; this bounds a hostile one).
pub const MAX_SNAPSHOT: u64 = 32 << 20;

/// Parse a snapshot; `Err` says what format it could not match.
pub fn parse(bytes: &[u8]) -> Result<Snapshot, String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    read(&v).or_else(|| capture::unwrap(&v)).ok_or_else(|| {
        "not a tracking format vault reads (17TRACK v1/v2.2/v2.4, AfterShip, EasyPost, \
             Cainiao, ShipEngine, Shippo, UPS, FedEx, DHL, USPS; or one of them in a HAR capture or a \
             {status, headers, body} wrapper)"
            .into()
    })
}

/// The first format that reads `v`.
fn read(v: &Value) -> Option<Snapshot> {
    [
        aftership,
        aftership_list,
        easypost,
        track17_v2,
        track17_v1,
        cainiao,
        shipping_apis::shipengine,
        shipping_apis::shippo,
        carriers::ups,
        carriers::fedex,
        carriers::dhl,
        carriers::usps,
    ]
    .iter()
    .find_map(|format| format(v))
}

/// AfterShip: `data.tracking.checkpoints[]`; its webhook: `{event, msg: tracking}`.
fn aftership(v: &Value) -> Option<Snapshot> {
    let (t, format) = match v.pointer("/data/tracking") {
        Some(t) => (t, "aftership"),
        None => (v.get("msg")?, "aftership-webhook"),
    };
    t.get("checkpoints")?;
    Some(aftership_tracking(t, format))
}

fn aftership_tracking(t: &Value, format: &'static str) -> Snapshot {
    Snapshot {
        format,
        number: text(&t["tracking_number"]),
        carrier: text(&t["slug"]),
        events: arr(t, "checkpoints")
            .iter()
            .filter_map(aftership_event)
            .collect(),
        via: None,
    }
}

/// AfterShip's list endpoint: `data.trackings[]`. The first shipment with checkpoints is read;
/// `via` says so when the list holds more.
fn aftership_list(v: &Value) -> Option<Snapshot> {
    let list = v.pointer("/data/trackings")?.as_array()?;
    let (i, t) = list
        .iter()
        .enumerate()
        .find(|(_, t)| t.get("checkpoints").is_some())?;
    let mut s = aftership_tracking(t, "aftership-list");
    if list.len() > 1 {
        s.via = Some(format!("data.trackings[{i}] of {}", list.len()));
    }
    Some(s)
}

/// EasyPost tracker: `tracking_details[]` (a tracker, or a list of them: the first is taken).
fn easypost(v: &Value) -> Option<Snapshot> {
    let t = if v.get("tracking_details").is_some() {
        v
    } else {
        v.pointer("/trackers/0")
            .filter(|t| t.get("tracking_details").is_some())?
    };
    Some(Snapshot {
        format: "easypost",
        number: text(&t["tracking_code"]),
        carrier: text(&t["carrier"]),
        events: arr(t, "tracking_details")
            .iter()
            .filter_map(easypost_event)
            .collect(),
        via: None,
    })
}

/// 17TRACK v2.2 webhook: `{event, data: {number, track_info}}`; API: `data.accepted[].track_info`.
fn track17_v2(v: &Value) -> Option<Snapshot> {
    let (acc, ti) = v
        .pointer("/data/track_info")
        .map(|ti| (&v["data"], ti))
        .or_else(|| {
            v.pointer("/data/accepted/0/track_info")
                .map(|ti| (&v["data"]["accepted"][0], ti))
        })?;
    let mut events = Vec::new();
    for p in arr(&ti["tracking"], "providers") {
        events.extend(arr(p, "events").iter().filter_map(track17_v2_event));
    }
    // v2.4 adds `time_raw` (the carrier's own date, time and zone) to each event.
    let v24 = arr(&ti["tracking"], "providers")
        .iter()
        .any(|p| arr(p, "events").iter().any(|e| e.get("time_raw").is_some()));
    let format = match (v.get("event").is_some(), v24) {
        (true, true) => "17track-v2.4-webhook",
        (true, false) => "17track-v2.2-webhook",
        (false, true) => "17track-v2.4",
        (false, false) => "17track-v2.2",
    };
    Some(Snapshot {
        format,
        number: text(&acc["number"]),
        // The carrier's name as 17TRACK gives it (`China Post`), else its numeric code.
        carrier: arr(&ti["tracking"], "providers")
            .iter()
            .find_map(|p| text(&p["provider"]["name"]))
            .or_else(|| acc["carrier"].as_u64().map(|c| c.to_string())),
        events,
        via: None,
    })
}

/// 17TRACK v1: `data.accepted[].track { z1: [...], z2: [...], e: status }`.
fn track17_v1(v: &Value) -> Option<Snapshot> {
    let acc = v.pointer("/data/accepted/0").filter(|a| {
        a.get("track")
            .is_some_and(|t| t.get("z1").is_some() || t.get("z0").is_some())
    })?;
    let t = &acc["track"];
    let delivered_code = t["e"].as_i64() == Some(40);
    let mut events: Vec<Event> = arr(t, "z1")
        .iter()
        .chain(arr(t, "z2").iter())
        .filter_map(track17_v1_event)
        .collect();
    // v1 gives one status for the parcel; its latest event carries it when it is "delivered".
    if delivered_code && let Some(latest) = events.iter_mut().max_by_key(|e| e.sort_key()) {
        latest.stage = Stage::Delivered;
    }
    Some(Snapshot {
        format: "17track-v1",
        number: text(&acc["number"]),
        carrier: None,
        events,
        via: None,
    })
}

/// Cainiao / AliExpress: `module[].detailList[]`.
fn cainiao(v: &Value) -> Option<Snapshot> {
    let m = v
        .pointer("/module/0")
        .filter(|m| m.get("detailList").is_some())?;
    Some(Snapshot {
        format: "cainiao",
        number: text(&m["mailNo"]),
        carrier: Some("cainiao".into()),
        events: arr(m, "detailList")
            .iter()
            .filter_map(cainiao_event)
            .collect(),
        via: None,
    })
}

pub(super) fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A string field, trimmed; absent when empty.
pub(super) fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A time with offset → an instant (RFC 3339, whole seconds); a time without → a local time.
pub(super) fn time_of(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Timestamp::instant(t, chrono::SecondsFormat::Secs));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Timestamp::local(t));
        }
    }
    None
}

pub(super) fn event(
    time: Timestamp,
    location: Option<String>,
    description: String,
    stage: Stage,
    raw: &Value,
) -> Event {
    Event {
        time,
        location,
        description,
        stage,
        raw: raw.clone(),
    }
}

/// Stage from free text, for sources without a machine-readable status.
pub(super) fn stage_from_text(d: &str) -> Stage {
    let d = d.to_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| d.contains(x));
    if has(&["return to sender", "returned to", "returning to sender"]) {
        Stage::Returned
    } else if has(&[
        "delivery attempt",
        "attempted",
        "not delivered",
        "no one home",
        "unsuccessful",
    ]) {
        Stage::FailedAttempt
    } else if has(&["out for delivery", "with courier for delivery"]) {
        Stage::OutForDelivery
    } else if has(&[
        "delivered",
        "signed",
        "received by",
        "picked up by recipient",
        "left with",
    ]) {
        Stage::Delivered
    } else if has(&["customs", "clearance", "import", "export"]) {
        Stage::Customs
    } else if has(&["exception", "damaged", "lost", "held", "problem"]) {
        Stage::Exception
    } else if has(&[
        "accepted",
        "picked up",
        "collected",
        "acceptance",
        "received by carrier",
    ]) {
        Stage::PickedUp
    } else if has(&[
        "label created",
        "shipment information",
        "info received",
        "pre-shipment",
        "electronic",
    ]) {
        Stage::InfoReceived
    } else {
        Stage::InTransit
    }
}

/// The non-empty text fields `keys` of `v`, joined with ", ": a location from its parts.
pub(super) fn joined(v: &Value, keys: &[&str]) -> Option<String> {
    let parts: Vec<String> = keys.iter().filter_map(|k| text(&v[*k])).collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn aftership_event(c: &Value) -> Option<Event> {
    let time = time_of(c["checkpoint_time"].as_str()?)?;
    let location = text(&c["location"])
        .or_else(|| joined(c, &["city", "state", "country_name", "country_iso3"]));
    let description = text(&c["message"]).unwrap_or_default();
    let stage = match c["tag"].as_str().unwrap_or("") {
        "InfoReceived" | "Pending" => Stage::InfoReceived,
        "InTransit" if c["subtag"].as_str() == Some("InTransit_002") => Stage::PickedUp,
        "InTransit" => {
            if stage_from_text(&description) == Stage::Customs {
                Stage::Customs
            } else {
                Stage::InTransit
            }
        }
        "OutForDelivery" | "AvailableForPickup" => Stage::OutForDelivery,
        "Delivered" => Stage::Delivered,
        "AttemptFail" => Stage::FailedAttempt,
        "Exception" | "Expired" => {
            if c["subtag"]
                .as_str()
                .is_some_and(|s| s.starts_with("Exception_01"))
            {
                Stage::Returned
            } else {
                Stage::Exception
            }
        }
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, c))
}

fn easypost_event(d: &Value) -> Option<Event> {
    let time = time_of(d["datetime"].as_str()?)?;
    let location = joined(
        &d["tracking_location"],
        &["city", "state", "country", "zip"],
    );
    let description = text(&d["message"])
        .or_else(|| text(&d["description"]))
        .unwrap_or_default();
    let stage = match d["status"].as_str().unwrap_or("") {
        "pre_transit" => Stage::InfoReceived,
        "in_transit" => {
            if d["status_detail"].as_str() == Some("arrived_at_facility")
                && stage_from_text(&description) == Stage::Customs
            {
                Stage::Customs
            } else {
                Stage::InTransit
            }
        }
        "out_for_delivery" | "available_for_pickup" => Stage::OutForDelivery,
        "delivered" => Stage::Delivered,
        "return_to_sender" => Stage::Returned,
        "failure" | "error" | "cancelled" => Stage::Exception,
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, d))
}

fn track17_v2_event(e: &Value) -> Option<Event> {
    // time_iso carries the local offset; time_utc is the same instant.
    let time = e["time_iso"]
        .as_str()
        .and_then(time_of)
        .or_else(|| e["time_utc"].as_str().and_then(time_of))
        .or_else(|| time_raw(&e["time_raw"]))?;
    let description = text(&e["description"]).unwrap_or_default();
    let location =
        text(&e["location"]).or_else(|| joined(&e["address"], &["city", "state", "country"]));
    let sub = e["sub_status"].as_str().unwrap_or("");
    let stage = match e["stage"].as_str().unwrap_or("") {
        "InfoReceived" => Stage::InfoReceived,
        "PickedUp" => Stage::PickedUp,
        "Departure" | "Arrival" | "InTransit" => {
            if sub.contains("Customs") || stage_from_text(&description) == Stage::Customs {
                Stage::Customs
            } else {
                Stage::InTransit
            }
        }
        "AvailableForPickup" | "OutForDelivery" => Stage::OutForDelivery,
        "Delivered" => Stage::Delivered,
        "DeliveryFailure" => Stage::FailedAttempt,
        "Returning" | "Returned" => Stage::Returned,
        "Exception" => Stage::Exception,
        _ => stage_from_text(&description),
    };
    Some(event(time, location, description, stage, e))
}

/// 17TRACK v2.4's `time_raw`: `{date, time, timezone}` as the carrier wrote them; without a
/// zone, a local time (marked zoneless).
fn time_raw(r: &Value) -> Option<Timestamp> {
    let date = text(&r["date"])?;
    let time = text(&r["time"]).unwrap_or_else(|| "00:00:00".into());
    let time = if time.len() == 5 {
        format!("{time}:00")
    } else {
        time
    };
    match text(&r["timezone"]) {
        Some(z) => {
            time_of(&format!("{date}T{time}{z}")).or_else(|| time_of(&format!("{date}T{time}")))
        }
        None => time_of(&format!("{date}T{time}")),
    }
}

fn track17_v1_event(e: &Value) -> Option<Event> {
    let time = time_of(e["a"].as_str()?)?;
    let description = text(&e["z"]).unwrap_or_default();
    let stage = stage_from_text(&description);
    Some(event(time, joined(e, &["c", "d"]), description, stage, e))
}

fn cainiao_event(d: &Value) -> Option<Event> {
    // `time` in epoch milliseconds is the truth; timeStr is the local rendering.
    let time = match d["time"]
        .as_i64()
        .or_else(|| d["time"].as_str().and_then(|s| s.parse().ok()))
    {
        Some(ms) => Timestamp::instant(
            DateTime::from_timestamp_millis(ms)?.fixed_offset(),
            chrono::SecondsFormat::Secs,
        ),
        None => time_of(d["timeStr"].as_str()?)?,
    };
    let description = text(&d["standerdDesc"])
        .or_else(|| text(&d["desc"]))
        .unwrap_or_default();
    let stage = match d["actionCode"].as_str().unwrap_or("") {
        "GWMS_ACCEPT" | "PU_PICKUP_SUCCESS" | "SC_INBOUND_SUCCESS" => Stage::PickedUp,
        "CC_EX_START" | "CC_IM_START" | "CC_EX_SUCCESS" | "CC_IM_SUCCESS" | "CC_HO_IN_SUCCESS" => {
            Stage::Customs
        }
        "GTMS_DO_DEPART" | "GTMS_STA_SIGNED_DISPATCH" => Stage::OutForDelivery,
        "GTMS_SIGNED" | "SIGNIN" | "GTMS_DELIVERED" => Stage::Delivered,
        "GTMS_FAILED" | "GTMS_DELIVERY_FAILED" => Stage::FailedAttempt,
        "RETURN" | "GTMS_RETURN" => Stage::Returned,
        _ => stage_from_text(&description),
    };
    Some(event(
        time,
        text(&d["group"]["nodeDesc"]).or_else(|| text(&d["location"])),
        description,
        stage,
        d,
    ))
}

/// One event of an order's merged timeline, with the first snapshot that showed it.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    #[serde(flatten)]
    pub event: Event,
    /// SHA-256 and name of the earliest-added snapshot that contains this event.
    pub first_seen_in: crate::digest::Digest,
    pub first_seen_name: String,
    pub tracking_number: Option<String>,
}

/// The parcel's first carrier scan: the earliest event past `info_received` (a label is created
/// before the box is packed). The instant, and whether the carrier gave no offset.
pub fn first_scan(timeline: &[TimelineEvent]) -> Option<(DateTime<Utc>, bool)> {
    timeline
        .iter()
        .filter(|t| t.event.stage != Stage::InfoReceived)
        .map(|t| match t.event.utc() {
            Some(u) => (u, false),
            None => (t.event.sort_key().and_utc(), true),
        })
        .min_by_key(|(t, _)| *t)
}

/// Merge snapshots (in the order they were added) into one timeline, each event once.
pub fn merge<'a>(
    snapshots: impl IntoIterator<Item = (crate::digest::Digest, &'a str, &'a Snapshot)>,
) -> Vec<TimelineEvent> {
    let mut seen: BTreeMap<(String, String, String), TimelineEvent> = BTreeMap::new();
    for (sha, name, snap) in snapshots {
        for e in &snap.events {
            seen.entry(e.identity()).or_insert_with(|| TimelineEvent {
                event: e.clone(),
                first_seen_in: sha,
                first_seen_name: name.to_string(),
                tracking_number: snap.number.clone(),
            });
        }
    }
    let mut out: Vec<TimelineEvent> = seen.into_values().collect();
    out.sort_by(|a, b| {
        a.event
            .sort_key()
            .cmp(&b.event.sort_key())
            .then(a.event.description.cmp(&b.event.description))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_json_is_named_and_not_json_is_refused() {
        assert!(
            parse(br#"{"hello":1}"#)
                .unwrap_err()
                .contains("not a tracking format")
        );
        assert!(parse(b"<html>").unwrap_err().contains("not JSON"));
    }

    #[test]
    fn stage_names_match_their_json() {
        for st in [
            Stage::InfoReceived,
            Stage::PickedUp,
            Stage::InTransit,
            Stage::Customs,
            Stage::OutForDelivery,
            Stage::Delivered,
            Stage::FailedAttempt,
            Stage::Exception,
            Stage::Returned,
        ] {
            assert_eq!(
                serde_json::to_string(&st).unwrap(),
                format!("\"{}\"", st.as_str())
            );
        }
    }

    #[test]
    fn stages_from_text() {
        assert_eq!(
            stage_from_text("Delivered, left with neighbour"),
            Stage::Delivered
        );
        assert_eq!(
            stage_from_text("Customs clearance completed"),
            Stage::Customs
        );
        assert_eq!(stage_from_text("Out for delivery"), Stage::OutForDelivery);
        assert_eq!(
            stage_from_text("Delivery attempted - no one home"),
            Stage::FailedAttempt
        );
        assert_eq!(
            stage_from_text("Departed from sorting center"),
            Stage::InTransit
        );
    }
}

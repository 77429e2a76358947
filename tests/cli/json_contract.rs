//! `docs/json-output.md` against what the commands really print: every field any command emits in
//! a scenario that exercises all of them is documented in that command's section, and every field
//! a section documents is emitted somewhere in the scenario (or named below as not reachable in
//! it, with why).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{self, Env, jpeg_with_exif};

const ORDER: &str = "8123456789012345";

/// Documented fields, per command: `items[].sha256`, `chain.intact`, … from the first column of
/// each `## \`command\`` table. A bare name in the same cell after a dotted one inherits its
/// prefix (`orders[].first_activity`, `last_activity`).
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json-output.md"))
        .unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut command = None;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## `") {
            command = Some(h.trim_end_matches('`').to_string());
            continue;
        }
        let (Some(cmd), Some(row)) = (&command, line.strip_prefix('|')) else {
            continue;
        };
        let first = row.split('|').next().unwrap_or_default();
        let mut prefix = String::new();
        for name in first.split(',').map(|n| n.trim().trim_matches('`')) {
            if name.is_empty() || name == "field" || name.starts_with("---") || name == "tally" {
                continue;
            }
            let full = if name.contains('.') || name.contains("[]") {
                if let Some(i) = name.rfind('.') {
                    prefix = name[..=i].to_string();
                }
                name.to_string()
            } else {
                format!("{prefix}{name}")
            };
            out.entry(cmd.clone()).or_default().insert(full);
        }
    }
    out
}

/// Every field path in a document: `a`, `a.b`, `a[].c` (array elements merged).
fn paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                paths(v, &p, out);
            }
        }
        Value::Array(a) => {
            let p = format!("{prefix}[]");
            if !a.is_empty() {
                out.insert(p.clone());
            }
            for v in a {
                paths(v, &p, out);
            }
        }
        _ => {}
    }
}

/// Whether `path` is covered by the documented set: listed itself, or below a documented field
/// whose own subfields the docs do not list one by one (an object or array described in prose).
fn covered(path: &str, doc: &BTreeSet<String>) -> bool {
    // Listed itself, as an array (`items` for `items[]`), or as the container of listed fields.
    let container = |d: &String| {
        d.len() > path.len() && d.starts_with(path) && d[path.len()..].starts_with(['.', '['])
    };
    if doc.contains(path) || doc.iter().any(container) {
        return true;
    }
    let mut cut = path.len();
    while let Some(i) = path[..cut].rfind(['.', '[']) {
        let parent = &path[..i];
        let key = if path[i..].starts_with("[]") {
            format!("{parent}[]")
        } else {
            parent.to_string()
        };
        // A documented parent covers what is below it unless the docs list its children.
        let listed_children = doc.iter().any(|d| {
            d.len() > key.len() && d.starts_with(&key) && d[key.len()..].starts_with(['.', '['])
        });
        if doc.contains(&key) && !listed_children {
            return true;
        }
        if doc.contains(parent) && !listed_children {
            return true;
        }
        cut = i;
    }
    false
}

/// Run every command once, the way a seller's week would, and collect what each one printed.
fn scenario() -> BTreeMap<String, BTreeSet<String>> {
    let env = Env::bare();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut run = |args: &[&str]| -> Value {
        let (v, _) = env.json(args);
        let cmd = v["command"].as_str().unwrap_or("?").to_string();
        let mut p = BTreeSet::new();
        paths(&v, "", &mut p);
        seen.entry(cmd).or_default().extend(p);
        v
    };
    run(&["init"]);
    run(&["key", "generate"]);
    run(&["key", "generate"]); // a rotation: `replaces`
    run(&["key", "public"]);
    run(&["config", "set", "timezone", "Asia/Shanghai"]);
    run(&["config", "set", "tsa", "http://127.0.0.1:9/"]);
    run(&["config", "unset", "tsa"]);
    run(&["config", "set", "station", "packing-1"]);
    run(&["config", "set", "station", "me", "--user"]); // the vault's file wins: `overridden_by`
    run(&["config", "get", "timezone"]);
    run(&["config", "list"]);
    run(&["completions", "bash"]);
    let man = env.path("man");
    run(&["man", "--dir", man.to_str().unwrap()]);
    let photo = env.write(
        "in/IMG_0001.jpg",
        &jpeg_with_exif("2026:11:18 09:41:00", Some("+08:00")),
    );
    let tracking =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tracking/cainiao-detail.json");
    let chat = env.write(
        "in/WhatsApp Chat with Buyer.txt",
        "18/11/2026, 09:41 - Buyer: is it sent?\n18/11/2026, 09:45 - Seller: yes, today\n"
            .as_bytes(),
    );
    // A camera clock in 1998, without an offset: capture-time warnings, a naive time.
    let old = env.write(
        "in/IMG_0002.jpg",
        &jpeg_with_exif("1998:01:01 00:00:00", None),
    );
    let ev = common::example_evidence();
    run(&[
        "track",
        ORDER,
        "--carrier",
        "cainiao",
        "--number",
        "LP00123456789012",
        "--shipped-at",
        "2026-11-18",
    ]);
    run(&[
        "add",
        "--order",
        ORDER,
        photo.to_str().unwrap(),
        old.to_str().unwrap(),
        tracking.to_str().unwrap(),
        chat.to_str().unwrap(),
    ]);
    run(&["add", "--order", ORDER, ev.to_str().unwrap()]);
    run(&["add", "--order", ORDER, photo.to_str().unwrap()]); // a duplicate
    run(&[
        "dispute",
        "open",
        ORDER,
        "--platform",
        "ebay",
        "--reason",
        "not-received",
        "--opened-at",
        "2026-11-25T10:00:00+08:00",
        "--case",
        "E-1",
        "--amount",
        "812.00",
        "--currency",
        "USD",
    ]);
    // A second dispute whose reason lists what only the seller can supply.
    run(&[
        "dispute",
        "open",
        "pi_contract",
        "--platform",
        "stripe",
        "--reason",
        "fraudulent",
        "--due",
        "2026-12-20T00:00:00Z",
    ]);
    let (tsa, pki) = crate::tsa_server::Server::start(crate::tsa_server::Pki::new(
        crate::tsa_server::KeyKind::EcP256,
        crate::tsa_server::Eku::Critical,
        crate::tsa_server::Validity::Normal,
    ));
    let root = pki.root();
    run(&[
        "stamp",
        "--tsa",
        &tsa.url,
        "--tsa-ca",
        root.to_str().unwrap(),
        "--save",
    ]);
    let note = env.write("in/label.txt", b"label photographed at packing");
    run(&["add", "--order", ORDER, "--stamp", note.to_str().unwrap()]);
    // A TSA that is not there: a named failure, pending.
    run(&[
        "stamp",
        "--tsa",
        "http://127.0.0.1:9/tsa",
        "--tsa-ca",
        root.to_str().unwrap(),
        "--tsa-timeout",
        "2",
    ]);
    // A "HEIC" no converter reads: `prepare` reports it in `failed[]`.
    let broken = env.write(
        "in/IMG_9999.HEIC",
        b"\0\0\0\x18ftypheic\0\0\0\0heicmif1 not an image",
    );
    run(&["add", "--order", ORDER, broken.to_str().unwrap()]);
    run(&["prepare"]);
    run(&["due", "--within", "10000d"]);
    run(&["list"]);
    run(&["show", ORDER]);
    run(&["verify"]);
    run(&["verify", "--order", ORDER]);
    run(&["shipments"]);
    let out = env.path("b.zip");
    run(&[
        "bundle",
        ORDER,
        "--platform",
        "stripe",
        "-o",
        out.to_str().unwrap(),
    ]);
    run(&["verify-bundle", out.to_str().unwrap()]);
    run(&["dispute", "note", ORDER, "buyer says not received"]);
    run(&[
        "dispute",
        "close",
        ORDER,
        "--outcome",
        "partial-refund",
        "--amount",
        "8.00",
        "--currency",
        "USD",
    ]);
    run(&["stats", "--since", "3650d"]);
    // Buyers and the blacklist.
    run(&[
        "dispute",
        "open",
        ORDER,
        "--platform",
        "ebay",
        "--reason",
        "other",
        "--buyer",
        "cn777",
        "--buyer-name",
        "Li Lei",
    ]);
    run(&[
        "dispute",
        "stage",
        ORDER,
        "--stage",
        "escalated",
        "--due",
        "2030-01-01T00:00:00Z",
    ]);
    run(&["due"]);
    run(&[
        "buyer",
        "flag",
        "cn777",
        "--reason",
        "empty-box claims",
        "--order",
        ORDER,
    ]);
    run(&["buyer", "export"]);
    let csv = env.path("blacklist.csv");
    std::fs::write(&csv, "buyer_id,reason\nde-1,chargebacks\n").unwrap();
    run(&["buyer", "import", csv.to_str().unwrap()]);
    run(&["buyers"]);
    run(&["buyer", "unflag", "cn777", "--reason", "resolved"]);
    run(&["buyer", "forget", "cn777"]);
    run(&["show", "0000000000000000"]); // an error document
    seen
}

/// Documented fields this scenario cannot reach, and why. Keep it short: each one is a gap in the
/// check.
const NOT_REACHED: &[(&str, &str, &str)] = &[
    (
        "add",
        "items[].name_bytes_hex",
        "needs a non-UTF-8 file name",
    ),
    ("add", "skipped[]", "needs a symlink or special file"),
    ("add", "unmatched[]", "needs --order-from"),
    ("add", "failed[]", "needs an unreadable file"),
    ("add", "items[].gps", "needs a photo with GPS"),
    ("add", "items[].duration_s", "needs a video"),
    ("show", "chain.problems[]", "needs a broken ledger"),
    ("verify", "problems[]", "needs a damaged vault"),
    ("stamp", "skipped[]", "needs a broken ledger"),
    ("verify", "unreferenced[]", "needs an interrupted add"),
    ("verify", "interrupted_appends[]", "needs a torn ledger"),
    ("verify-bundle", "problems[]", "needs a tampered bundle"),
];

#[test]
fn every_field_printed_is_documented_and_every_documented_field_is_printed() {
    let doc = documented();
    for cmd in [
        "init",
        "add",
        "list",
        "show",
        "verify",
        "bundle",
        "verify-bundle",
        "track",
        "shipments",
        "dispute",
        "due",
        "stats",
        "buyer",
        "buyers",
        "key",
        "stamp",
        "config",
        "completions",
        "man",
    ] {
        assert!(
            doc.contains_key(cmd),
            "docs/json-output.md has no section for `{cmd}`"
        );
    }
    let seen = scenario();
    let mut undocumented = Vec::new();
    let mut unseen = Vec::new();
    for (cmd, fields) in &seen {
        let envelope = [
            "schema_version",
            "command",
            "error",
            "error.code",
            "error.message",
            "error.hint",
            "error.exit",
        ];
        let d = doc.get(cmd.as_str()).cloned().unwrap_or_default();
        for f in fields {
            if envelope.contains(&f.as_str()) || f.starts_with("error.") {
                continue;
            }
            if !covered(f, &d) {
                undocumented.push(format!("{cmd}: {f}"));
            }
        }
    }
    for (cmd, fields) in &doc {
        let printed = seen.get(cmd).cloned().unwrap_or_default();
        for f in fields {
            let reached = printed.contains(f) || printed.contains(&format!("{f}[]"));
            let excused = NOT_REACHED.iter().any(|(c, n, _)| c == cmd && n == f);
            if !reached && !excused {
                unseen.push(format!("{cmd}: {f}"));
            }
            if reached && excused {
                unseen.push(format!(
                    "{cmd}: {f} is printed now: take it off NOT_REACHED"
                ));
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "printed but not in docs/json-output.md:\n{}",
        undocumented.join("\n")
    );
    assert!(
        unseen.is_empty(),
        "documented in docs/json-output.md but never printed in the scenario:\n{}",
        unseen.join("\n")
    );
}

#[test]
fn the_coverage_rule_needs_children_listed_once_a_parent_lists_some() {
    let doc: BTreeSet<String> = ["items[]", "items[].sha256", "chain.intact", "upload"]
        .into_iter()
        .map(String::from)
        .collect();
    assert!(covered("items[].sha256", &doc));
    assert!(
        !covered("items[].bogus", &doc),
        "items[] lists its children"
    );
    assert!(
        covered("upload.profile.accepts", &doc),
        "upload is described in prose"
    );
    assert!(!covered("chain.bogus", &doc));
    assert!(!covered("other", &doc));
    assert!(
        covered("items", &doc) && covered("chain", &doc),
        "containers of listed fields"
    );
}

//! `vault config`: the vault's vault.toml, the per-user file, the environment and flags, in that
//! order of strength; what each setting changes; and that bad settings are refused by name.

use crate::common::Env;

use std::fs;

use serde_json::Value;

/// A WhatsApp export without a zone, different for each name (so that none is a duplicate).
fn chat(env: &Env, name: &str) -> std::path::PathBuf {
    env.write(
        name,
        format!("18/11/2026, 09:41 - Lena: hi ({name})\n18/11/2026, 09:44 - Shop: hello\n")
            .as_bytes(),
    )
}

fn add_chat(env: &Env, order: &str, name: &str, extra: &[&str]) -> Value {
    let f = chat(env, name);
    let mut args = vec!["add", "--order", order, "--kind", "chat"];
    args.extend_from_slice(extra);
    args.push(f.to_str().unwrap());
    let (v, code) = env.json(&args);
    assert_eq!(code, 0, "{v}");
    v
}

#[test]
fn the_shop_s_zone_is_assumed_and_a_later_change_rewrites_nothing() {
    let env = Env::new();
    env.vault()
        .args(["config", "set", "timezone", "Asia/Shanghai"])
        .assert()
        .success();
    let v = add_chat(&env, "C-1", "a.txt", &[]);
    assert_eq!(v["items"][0]["chat"]["tz_assumed"], "+08:00");
    // A flag is stronger than the setting.
    let v = add_chat(&env, "C-1", "b.txt", &["--tz", "Europe/Berlin"]);
    assert_eq!(v["items"][0]["chat"]["tz_assumed"], "+01:00");
    // Changing the zone later leaves what was filed as it was.
    env.vault()
        .args(["config", "set", "timezone", "America/Sao_Paulo"])
        .assert()
        .success();
    let (shown, _) = env.json(&["show", "C-1"]);
    let zones: Vec<&str> = shown["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["chat"]["tz_assumed"].as_str())
        .collect();
    assert_eq!(zones, ["+08:00", "+01:00"], "{shown}");
    let v = add_chat(&env, "C-1", "c.txt", &[]);
    assert_eq!(v["items"][0]["chat"]["tz_assumed"], "-03:00");
}

#[test]
fn flags_beat_the_environment_which_beats_the_vault_file_which_beats_the_user_file() {
    let env = Env::new();
    let by = |env: &Env, extra: &[(&str, &str)], args: &[&str], name: &str| -> String {
        let f = env.write(name, name.as_bytes());
        let mut c = env.vault();
        for (k, v) in extra {
            c.env(k, v);
        }
        let out = c
            .args(["--json", "add", "--order", "S-1"])
            .args(args)
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (shown, _) = env.json(&["show", "S-1"]);
        shown["items"].as_array().unwrap().last().unwrap()["by"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        by(&env, &[], &[], "0.txt"),
        "tester",
        "the OS user by default"
    );
    env.vault()
        .args(["config", "set", "station", "user-default", "--user"])
        .assert()
        .success();
    assert!(env.path("home/.config/vault/config.toml").exists());
    assert_eq!(by(&env, &[], &[], "1.txt"), "user-default");
    env.vault()
        .args(["config", "set", "station", "packing-2"])
        .assert()
        .success();
    assert_eq!(by(&env, &[], &[], "2.txt"), "packing-2");
    assert_eq!(
        by(&env, &[("VAULT_STATION", "from-env")], &[], "3.txt"),
        "from-env"
    );
    assert_eq!(
        by(
            &env,
            &[("VAULT_STATION", "from-env")],
            &["--by", "flag"],
            "4.txt"
        ),
        "flag"
    );
    // `list` says where each value in force comes from.
    let (v, _) = env.json(&["config", "list"]);
    let station = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "station")
        .unwrap();
    assert_eq!(station["value"], "packing-2");
    assert_eq!(station["source"]["kind"], "vault");
    assert!(
        station["source"]["path"]
            .as_str()
            .unwrap()
            .ends_with("vault.toml")
    );
    let out = env
        .vault()
        .env("VAULT_STATION", "from-env")
        .args(["config", "get", "station"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "from-env\n");
    // `set` under an environment variable says the variable still wins.
    let out = env
        .vault()
        .env("VAULT_STATION", "from-env")
        .args(["config", "set", "station", "packing-3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("$VAULT_STATION sets station over it"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn unknown_keys_and_bad_values_are_refused_with_the_valid_ones_and_nothing_is_written() {
    let env = Env::new();
    env.vault()
        .args(["config", "set", "timezone", "Asia/Shanghai"])
        .assert()
        .success();
    let file = env.vault_dir().join("vault.toml");
    let before = fs::read(&file).unwrap();
    for (args, says) in [
        (
            vec!["config", "set", "colour", "red"],
            "valid keys: timezone, station, date-order",
        ),
        (
            vec!["config", "set", "timezone", "Mars/Olympus"],
            "IANA name",
        ),
        (
            vec!["config", "set", "date-order", "dym"],
            "one of dmy, mdy, ymd",
        ),
        (
            vec!["config", "set", "platform", "etsy"],
            "one of aliexpress, ebay",
        ),
        (
            vec!["config", "set", "tsa", "https://tsa.example/"],
            "http:// URL",
        ),
        (
            vec!["config", "set", "profile.etsy", "p.json"],
            "unknown key",
        ),
        (vec!["config", "get", "colour"], "valid keys"),
    ] {
        let out = env.vault().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(
        fs::read(&file).unwrap(),
        before,
        "a refused value writes nothing"
    );
    // Not set: exit 1 and a hint, like `git config`.
    let out = env
        .vault()
        .args(["config", "get", "platform"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("vault config set platform VALUE"));
    // A bad environment variable is named.
    let out = env
        .vault()
        .env("VAULT_DATE_ORDER", "ydm")
        .args(["config", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("$VAULT_DATE_ORDER"));
}

#[test]
fn a_broken_settings_file_stops_commands_by_name_and_loses_nothing() {
    let env = Env::new();
    let v = add_chat(&env, "B-1", "a.txt", &[]);
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let file = env.vault_dir().join("vault.toml");
    for (text, says) in [
        ("timezone = [\n", "not valid TOML"),
        ("colour = \"red\"\n", "unknown key \"colour\""),
        ("timezone = 8\n", "must be a string"),
    ] {
        fs::write(&file, text).unwrap();
        let f = env.write("later.txt", b"later");
        let out = env
            .vault()
            .args(["add", "--order", "B-1"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("vault.toml") && err.contains(says), "{err}");
    }
    // What was filed is all there; `verify` does not read settings.
    env.vault().arg("verify").assert().success();
    fs::remove_file(&file).unwrap();
    let (shown, code) = env.json(&["show", "B-1"]);
    assert_eq!(code, 0);
    assert_eq!(shown["items"].as_array().unwrap().len(), 1);
}

#[test]
fn platform_and_tsa_settings_are_the_defaults_of_bundle_and_stamp() {
    let env = Env::new();
    env.write("p/IMG_0001.jpg", &crate::common::jpeg_bytes(1));
    env.vault()
        .args(["add", "--order", "P-1", "p"])
        .assert()
        .success();
    env.vault()
        .args(["config", "set", "platform", "stripe"])
        .assert()
        .success();
    let (v, code) = env.json(&["bundle", "P-1", "-o", "b.zip"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["upload"]["platform"], "stripe", "{v}");
    // Without a TSA, stamp says how to configure one; with the setting, it asks that TSA (here
    // nothing listens there: the run names it).
    let out = env.vault().args(["stamp"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = env
        .vault()
        .env("VAULT_TSA", "http://127.0.0.1:9/tsa")
        .args(["stamp"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("127.0.0.1:9/tsa"), "{all}");
}

#[test]
fn a_dispute_opened_now_is_dated_in_the_shop_s_zone_for_its_business_days() {
    let env = Env::new();
    add_chat(&env, "E-1", "a.txt", &[]);
    let open = |env: &Env| {
        let (v, code) = env.json(&[
            "dispute",
            "open",
            "E-1",
            "--platform",
            "ebay",
            "--reason",
            "not-received",
        ]);
        assert_eq!(code, 0, "{v}");
        let (shown, _) = env.json(&["show", "E-1"]);
        let last = shown["ledger"].as_array().unwrap().last().unwrap().clone();
        last["dispute"]["opened_at"].as_str().unwrap().to_string()
    };
    assert!(open(&env).ends_with("+00:00"), "UTC without the setting");
    env.vault()
        .args(["dispute", "close", "E-1", "--outcome", "won"])
        .assert()
        .success();
    env.vault()
        .args(["config", "set", "timezone", "Asia/Shanghai"])
        .assert()
        .success();
    assert!(open(&env).ends_with("+08:00"));
}

#[test]
fn carrier_times_without_a_zone_record_the_shop_s_zone_as_assumed() {
    let env = Env::new();
    let snapshot = env.write(
        "aftership.json",
        br#"{"data":{"tracking":{"tracking_number":"LP00123456789012","slug":"cainiao","checkpoints":[
            {"checkpoint_time":"2026-11-18T09:41:00","message":"Picked up","tag":"InTransit","location":"Shenzhen"},
            {"checkpoint_time":"2026-11-18T21:05:00+08:00","message":"Departed","tag":"InTransit","location":"Shenzhen"}]}}}"#,
    );
    env.vault()
        .args(["config", "set", "timezone", "Asia/Shanghai"])
        .assert()
        .success();
    let (v, code) = env.json(&[
        "add",
        "--order",
        "T-1",
        "--kind",
        "tracking",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    let t = &v["items"][0]["tracking"];
    assert_eq!(
        (t["events"].as_u64(), t["tz_assumed"].as_str()),
        (Some(2), Some("+08:00")),
        "{v}"
    );
    let (shown, _) = env.json(&["show", "T-1"]);
    assert_eq!(
        shown["timeline"][0]["time"], "2026-11-18T09:41:00",
        "the carrier's time stays as written"
    );
    let human = env.vault().args(["show", "T-1"]).output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("zone assumed +08:00"));
}

//! examples/cron/track-daily.sh, run for real: curl fetches from a local HTTP server on 127.0.0.1
//! and the snapshot is filed; a failing endpoint files nothing and the script says so.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use common::{Env, have_tool};

/// Serve `body` with `status` to every request, for as long as the test runs.
fn serve(status: &'static str, body: Vec<u8>) -> (u16, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut first = String::new();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let _ = r.read_line(&mut first);
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = tx.send(first.trim().to_string());
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    (port, rx)
}

/// Run examples/cron/track-daily.sh for one parcel against the local server on `port`.
fn run_script(env: &Env, port: u16) -> std::process::Output {
    Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cron/track-daily.sh"))
        .args(["8123456789012345", "RR123456789CN"])
        .env(
            "TRACKING_API_URL",
            format!("http://127.0.0.1:{port}/track?number={{number}}"),
        )
        .env("TRACKING_API_HEADER", "Authorization: Bearer test")
        .env("VAULT", assert_cmd::cargo::cargo_bin("vault"))
        .env("VAULT_DIR", env.vault_dir())
        .env("VAULT_NO_PROGRESS", "1")
        .output()
        .unwrap()
}

#[test]
fn daily_tracking_recipe_files_the_carrier_snapshot() {
    if !have_tool("curl", &["--version"]) {
        return;
    }
    let body = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tracking/17track-v2.2-gettrackinfo.json"),
    )
    .unwrap();
    let (port, requests) = serve("200 OK", body);
    let env = Env::new();
    let out = run_script(&env, port);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        requests.recv().unwrap(),
        "GET /track?number=RR123456789CN HTTP/1.1"
    );
    let (show, _) = env.json(&["show", "8123456789012345"]);
    let item = &show["items"][0];
    assert_eq!(item["kind"], "tracking");
    assert!(
        item["name"]
            .as_str()
            .unwrap()
            .starts_with("tracking-RR123456789CN-")
    );
    assert_eq!(item["tracking"]["events"], 6);
    assert_eq!(show["timeline"].as_array().unwrap().len(), 6);
}

#[test]
fn a_failing_endpoint_files_nothing_and_exits_1() {
    if !have_tool("curl", &["--version"]) {
        return;
    }
    let (port, _requests) = serve("503 Service Unavailable", b"{\"error\":\"busy\"}".to_vec());
    let env = Env::new();
    let out = run_script(&env, port);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("8123456789012345 RR123456789CN: fetching")
    );
    env.vault()
        .args(["show", "8123456789012345"])
        .assert()
        .code(1);
    assert!(env.objects().is_empty());
}

/// The systemd units in examples/systemd/: every `ExecStart=` of vault is a command line vault's
/// own parser accepts, every timer has its service, every service alerts through the alert unit,
/// and `SuccessExitStatus=` names only documented exit codes.
#[test]
fn systemd_units_hold_real_vault_command_lines() {
    use clap::Parser;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/systemd");
    let mut services = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if name.ends_with(".timer") {
            let service = dir.join(name.replace(".timer", ".service"));
            assert!(service.exists(), "{name} has no {}", service.display());
            assert!(text.contains("WantedBy=timers.target"), "{name}");
            continue;
        }
        if !name.ends_with(".service") || name.starts_with("vault-alert@") {
            continue;
        }
        services += 1;
        assert!(
            text.contains("OnFailure=vault-alert@%n.service"),
            "{name} does not alert on failure"
        );
        assert!(text.contains("EnvironmentFile=/etc/vault.env"), "{name}");
        let exec: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("ExecStart=/usr/local/bin/vault "))
            .collect();
        assert_eq!(exec.len(), 1, "{name}: one ExecStart of vault");
        let argv = std::iter::once("vault").chain(exec[0].split_whitespace());
        if let Err(e) = vault::cli::Cli::try_parse_from(argv) {
            panic!("{name}: `{}` does not parse: {e}", exec[0]);
        }
        for l in text
            .lines()
            .filter_map(|l| l.strip_prefix("SuccessExitStatus="))
        {
            for code in l.split_whitespace() {
                assert_eq!(
                    code, "4",
                    "{name}: only 4 (stamps pending) is success beside 0"
                );
            }
        }
    }
    assert_eq!(services, 5, "verify, stamp, due, shipments, prepare");
    let alert = std::fs::read_to_string(dir.join("vault-alert@.service")).unwrap();
    assert!(
        alert.contains("journalctl -u \"%i\""),
        "the alert mails the failed unit's journal"
    );
}

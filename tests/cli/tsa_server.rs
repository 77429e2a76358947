//! A real Time-Stamp Authority on loopback for the tests: `openssl ts -reply` behind a small HTTP
//! server on 127.0.0.1 (a free port), with a root CA and a TSA certificate made by `openssl` at
//! test start. Fault modes answer the way broken TSAs do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyKind {
    Rsa,
    EcP256,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Eku {
    Critical,
    NotCritical,
    Missing,
}

/// The TSA certificate's validity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Validity {
    /// From an hour ago for a year.
    Normal,
    /// Ends this many seconds from now.
    EndsIn(u64),
    /// Starts tomorrow: a token signed today must not verify.
    StartsTomorrow,
}

/// A root CA and a TSA certificate and key, with openssl's ts configuration.
pub struct Pki {
    pub dir: TempDir,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn asn1_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y%m%d%H%M%SZ").to_string()
}

impl Pki {
    pub fn new(kind: KeyKind, eku: Eku, validity: Validity) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let newkey: &[&str] = match kind {
            KeyKind::Rsa => &["-newkey", "rsa:2048"],
            KeyKind::EcP256 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        };
        let mut root = vec!["req", "-x509"];
        root.extend_from_slice(newkey);
        root.extend_from_slice(&[
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "3650",
            "-subj",
            "/CN=Vault Test Root CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(d, &root);
        let mut csr = vec!["req"];
        csr.extend_from_slice(newkey);
        csr.extend_from_slice(&[
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=Vault Test TSA",
        ]);
        openssl(d, &csr);
        let eku_line = match eku {
            Eku::Critical => "extendedKeyUsage=critical,timeStamping\n",
            Eku::NotCritical => "extendedKeyUsage=timeStamping\n",
            Eku::Missing => "",
        };
        std::fs::write(
            d.join("tsa.ext"),
            format!(
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n{eku_line}subjectKeyIdentifier=hash\n"
            ),
        )
        .unwrap();
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("serial"), "1000\n").unwrap();
        std::fs::create_dir_all(d.join("newcerts")).unwrap();
        std::fs::write(
            d.join("ca.cnf"),
            "[ca]\ndefault_ca=c\n[c]\ndir=.\ndatabase=index.txt\nnew_certs_dir=newcerts\nserial=serial\ncertificate=ca.crt\nprivate_key=ca.key\ndefault_md=sha256\npolicy=p\nunique_subject=no\nemail_in_dn=no\n[p]\ncommonName=supplied\n",
        )
        .unwrap();
        let now = chrono::Utc::now();
        let (start, end) = match validity {
            Validity::Normal => (
                now - chrono::Duration::hours(1),
                now + chrono::Duration::days(365),
            ),
            Validity::EndsIn(s) => (
                now - chrono::Duration::hours(1),
                now + chrono::Duration::seconds(s as i64),
            ),
            Validity::StartsTomorrow => (
                now + chrono::Duration::days(1),
                now + chrono::Duration::days(365),
            ),
        };
        let (start, end) = (asn1_time(start), asn1_time(end));
        openssl(
            d,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-batch",
                "-notext",
                "-in",
                "tsa.csr",
                "-out",
                "tsa.crt",
                "-extfile",
                "tsa.ext",
                "-startdate",
                &start,
                "-enddate",
                &end,
            ],
        );
        let conf = |digests: &str| {
            format!(
                "dir=.\nserial=./tsaserial\ncrypto_device=builtin\nsigner_cert=./tsa.crt\ncerts=./tsa.crt\nsigner_key=./tsa.key\nsigner_digest=sha256\ndefault_policy=1.2.3.4.1\nother_policies=1.2.3.4.5\ndigests={digests}\naccuracy=secs:1,millisecs:500,microsecs:100\nclock_precision_digits=0\nordering=yes\ntsa_name=yes\ness_cert_id_chain=no\ness_cert_id_alg=sha256\n"
            )
        };
        std::fs::write(
            d.join("ts.cnf"),
            format!(
                "[tsa]\ndefault_tsa=good\n[good]\n{}[reject]\n{}",
                conf("sha256,sha384,sha512"),
                conf("sha384")
            ),
        )
        .unwrap();
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        Pki { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    pub fn tsa_cert(&self) -> PathBuf {
        self.dir.path().join("tsa.crt")
    }

    /// `openssl ts -reply` for a query, with the `good` or `reject` configuration.
    pub fn reply(&self, query: &[u8], section: &str) -> Vec<u8> {
        let work = tempfile::tempdir_in(self.dir.path()).unwrap();
        let q = work.path().join("q.tsq");
        let r = work.path().join("r.tsr");
        std::fs::write(&q, query).unwrap();
        let out = Command::new("openssl")
            .args([
                "ts",
                "-reply",
                "-config",
                "ts.cnf",
                "-section",
                section,
                "-queryfile",
            ])
            .arg(&q)
            .arg("-out")
            .arg(&r)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&r).unwrap()
    }
}

/// How the server answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Ok,
    Http500,
    WrongContentType,
    /// `openssl ts -reply` refuses the request's digest: status rejection, badAlg.
    Reject,
    /// A good reply, but to a different request (another digest and nonce).
    OtherRequest,
    /// A good reply for the same digest, but with another nonce (a replayed or mixed-up reply).
    OtherNonce,
    /// A good reply with one byte of the token's signature flipped.
    Tamper,
    /// Accept the connection and never answer.
    Hang,
}

pub struct Server {
    pub url: String,
    requests: Arc<AtomicUsize>,
    mode: Arc<Mutex<Mode>>,
}

impl Server {
    pub fn start(pki: Pki) -> (Server, Arc<Pki>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/tsa", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let mode = Arc::new(Mutex::new(Mode::Ok));
        let pki = Arc::new(pki);
        let (r, m, p) = (requests.clone(), mode.clone(), pki.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, m, p) = (r.clone(), m.clone(), p.clone());
                std::thread::spawn(move || serve(stream, &r, &m, &p));
            }
        });
        (
            Server {
                url,
                requests,
                mode,
            },
            pki,
        )
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, requests: &AtomicUsize, mode: &Mutex<Mode>, pki: &Pki) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let mode = *mode.lock().unwrap();
    let mut stream = stream;
    let (status, ctype, reply) = match mode {
        Mode::Ok => (
            "200 OK",
            "application/timestamp-reply",
            pki.reply(&body, "good"),
        ),
        Mode::Http500 => ("500 Internal Server Error", "text/plain", b"oops".to_vec()),
        Mode::WrongContentType => ("200 OK", "text/html", pki.reply(&body, "good")),
        Mode::Reject => (
            "200 OK",
            "application/timestamp-reply",
            pki.reply(&body, "reject"),
        ),
        Mode::OtherRequest => {
            let other = query_for(&"11".repeat(32));
            (
                "200 OK",
                "application/timestamp-reply",
                pki.reply(&other, "good"),
            )
        }
        Mode::OtherNonce => {
            // The request's SHA-256 follows the first `04 20` (OCTET STRING, 32 bytes).
            let at = body.windows(2).position(|w| w == [0x04, 0x20]).unwrap() + 2;
            let hex: String = body[at..at + 32]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let other = query_for(&hex);
            (
                "200 OK",
                "application/timestamp-reply",
                pki.reply(&other, "good"),
            )
        }
        Mode::Tamper => {
            let mut r = pki.reply(&body, "good");
            let n = r.len();
            r[n - 10] ^= 0x01;
            ("200 OK", "application/timestamp-reply", r)
        }
        Mode::Hang => {
            std::thread::sleep(Duration::from_secs(30));
            return;
        }
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    let _ = stream.write_all(&reply);
}

/// A request of openssl's own for a SHA-256 digest (hex), with a nonce of its own.
fn query_for(hex: &str) -> Vec<u8> {
    Command::new("openssl")
        .args(["ts", "-query", "-digest", hex, "-sha256", "-cert"])
        .output()
        .unwrap()
        .stdout
}

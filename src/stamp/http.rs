//! The one HTTP exchange RFC 3161 needs: POST a query, read a reply. Plain HTTP by default (the
//! token is signed, so most TSAs serve it over http://); every failure is named.

use std::time::Duration;

use super::Failure;
use crate::trust::tsp::MAX_REPLY;

/// POST `query` to `url` as `application/timestamp-query`; the reply's body when the TSA answers
/// 200 with `application/timestamp-reply`.
pub fn post(url: &str, query: &[u8], timeout: Duration) -> Result<Vec<u8>, Failure> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .proxy(ureq::Proxy::try_from_env())
        .build()
        .into();
    let fail = |code: &'static str, text: String| Failure {
        code,
        text: format!("{url}: {text}"),
    };
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/timestamp-query")
        .send(query)
        .map_err(|e| match e {
            ureq::Error::Timeout(t) => fail("timeout", format!("no answer in time ({t})")),
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                fail("timeout", format!("no answer in time ({e})"))
            }
            e => fail("unreachable", e.to_string()),
        })?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(fail("http_status", format!("HTTP {status} (expected 200)")));
    }
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !ctype
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/timestamp-reply"))
    {
        return Err(fail(
            "content_type",
            format!("Content-Type {ctype:?}, not application/timestamp-reply"),
        ));
    }
    resp.body_mut()
        .with_config()
        .limit(MAX_REPLY)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => fail(
                "too_large",
                format!("the reply is larger than {MAX_REPLY} bytes"),
            ),
            ureq::Error::Timeout(t) => fail("timeout", format!("the reply stalled ({t})")),
            e => fail("unreachable", e.to_string()),
        })
}

//! A client for a running sandbox's own endpoints (`/sandbox/...`): the control endpoints that
//! stand in for the shopper, and the notification records. Shared by `pasarela trigger` and
//! `pasarela notifications`; the gateways' APIs go through the library's typed clients instead.
//!
//! Everything read from the sandbox is bounded (answer size, time) and cleaned of control
//! characters before it reaches the terminal; a URL is only ever shown with its credentials
//! replaced by `***`.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;
use serde_json::Value;

/// The address `pasarela sandbox` listens on by default (its `--addr`), as a URL.
pub(crate) const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:8080";

/// At most this many bytes of one answer are read: the listing holds at most 1000 records
/// with a few attempts each (each answer excerpt is at most 512 bytes).
const MAX_ANSWER_BYTES: usize = 16 << 20;

/// Time allowed to connect to the sandbox.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A running sandbox, by its base URL.
pub(crate) struct SandboxApi {
    base: String,
    shown: String,
    http: reqwest::Client,
}

/// The failure of a call to the sandbox, worded for people.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// Nothing listens there (or it did not answer in time).
    Unreachable(String),
    /// It answered with an error status; the message it gave.
    Refused(u16, String),
    /// It answered something that is not the expected JSON.
    Malformed(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unreachable(text) | ApiError::Malformed(text) => f.write_str(text),
            ApiError::Refused(status, text) => write!(f, "HTTP {status}: {text}"),
        }
    }
}

impl std::error::Error for ApiError {}

impl SandboxApi {
    /// The sandbox at `url` (http or https, no query or fragment).
    pub(crate) fn new(url: &str) -> anyhow::Result<SandboxApi> {
        let shown = pasarela_sandbox::shown_url(url);
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| anyhow!("--sandbox {shown} is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            bail!("--sandbox {shown} must be an http(s) URL without query or fragment");
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot build an HTTP client")?;
        Ok(SandboxApi {
            base: url.trim().trim_end_matches('/').to_owned(),
            shown: shown.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// The base URL (what the library's clients are configured with).
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The base URL as printed (credentials replaced by `***`).
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// The message for a sandbox that does not answer.
    pub(crate) fn unreachable(&self, why: &str) -> ApiError {
        ApiError::Unreachable(format!(
            "cannot reach the sandbox at {shown} ({why}): is `pasarela sandbox` running at {shown}?",
            shown = self.shown
        ))
    }

    /// `GET {base}{path}` as JSON, within `timeout`.
    pub(crate) async fn get(&self, path: &str, timeout: Duration) -> Result<Value, ApiError> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .timeout(timeout);
        self.send(request).await
    }

    /// `POST {base}{path}` with a JSON body; the JSON answer.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .timeout(Duration::from_secs(60));
        self.send(request).await
    }

    /// Sends, reads at most [`MAX_ANSWER_BYTES`], decodes; an error status becomes
    /// [`ApiError::Refused`] with the sandbox's `error` (or `message`) text.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, ApiError> {
        self.send_with_instance(request).await.map(|(json, _)| json)
    }

    /// [`SandboxApi::send`], with the `Pasarela-Sandbox-Instance` header if the sandbox sent
    /// one (cut to 64 characters).
    async fn send_with_instance(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(Value, Option<String>), ApiError> {
        let mut response = request
            .send()
            .await
            // Without the URL: it may carry credentials.
            .map_err(|e| self.unreachable(&transport_reason(e)))?;
        let status = response.status();
        let instance = response
            .headers()
            .get("pasarela-sandbox-instance")
            .and_then(|v| v.to_str().ok())
            .map(|v| clean(v, 64));
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.unreachable(&transport_reason(e)))?
        {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(ApiError::Malformed(format!(
                    "the sandbox's answer is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if !status.is_success() {
            let text = json
                .as_ref()
                .and_then(|v| v["error"].as_str().or(v["message"].as_str()))
                .map(str::to_owned)
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            return Err(ApiError::Refused(status.as_u16(), clean(&text, 300)));
        }
        let json = json.ok_or_else(|| {
            ApiError::Malformed(format!(
                "{} did not answer JSON: is it a pasarela sandbox?",
                self.shown
            ))
        })?;
        Ok((json, instance))
    }

    /// The notification records, oldest first: all, or one order's; with `after`, only those
    /// changed since that `seq`, waiting up to `wait` seconds for one (the long-poll).
    pub(crate) async fn notifications(
        &self,
        order_id: Option<&str>,
        after: Option<u64>,
        wait: u64,
    ) -> Result<Vec<Value>, ApiError> {
        self.notifications_of_instance(order_id, after, wait)
            .await
            .map(|(records, _)| records)
    }

    /// [`SandboxApi::notifications`], with the sandbox's instance id (it changes when the
    /// sandbox restarts, and its `seq` with it; `None` from older sandboxes).
    pub(crate) async fn notifications_of_instance(
        &self,
        order_id: Option<&str>,
        after: Option<u64>,
        wait: u64,
    ) -> Result<(Vec<Value>, Option<String>), ApiError> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(order_id) = order_id {
            query.append_pair("order_id", order_id);
        }
        if let Some(after) = after {
            query.append_pair("after", &after.to_string());
            query.append_pair("wait", &wait.to_string());
        }
        let query = query.finish();
        let path = if query.is_empty() {
            "/sandbox/notifications".to_owned()
        } else {
            format!("/sandbox/notifications?{query}")
        };
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .timeout(Duration::from_secs(wait + 15));
        match self.send_with_instance(request).await? {
            (Value::Array(records), instance) => Ok((records, instance)),
            _ => Err(ApiError::Malformed(
                "GET /sandbox/notifications did not answer a JSON array".to_owned(),
            )),
        }
    }
}

/// Why a request failed, without its URL (it may carry credentials).
fn transport_reason(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer in time".to_owned();
    }
    if e.is_connect() {
        return "connection refused or host unknown".to_owned();
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    clean(&text, 200)
}

/// One notification as the sandbox lists it. Every field is optional: an older or newer
/// sandbox with other fields still lists (tolerant reader).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Record {
    /// The notification's id (for `/sandbox/notifications/{id}`).
    pub(crate) id: u64,
    /// The change counter: bumped on every new record and attempt.
    pub(crate) seq: u64,
    /// `lyra-ipn` or `etpay-webhook`.
    pub(crate) kind: String,
    /// Where it goes, as the sandbox shows it (credentials already replaced).
    pub(crate) target: String,
    /// The order it is about.
    pub(crate) order_id: Option<String>,
    /// What it is about: the Lyra transaction uuid, the ETpay session token.
    pub(crate) subject: Option<String>,
    /// The newest attempts (the sandbox keeps 100), oldest first.
    pub(crate) attempts: Vec<AttemptView>,
    /// How many attempts were made in all (missing from older sandboxes).
    pub(crate) attempts_total: Option<u64>,
    /// An attempt got an answer the gateway counts as received.
    pub(crate) delivered: bool,
    /// Every attempt of the newest round failed.
    pub(crate) gave_up: bool,
}

/// One delivery attempt as listed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AttemptView {
    /// When it started (ISO 8601).
    pub(crate) at: String,
    /// The merchant's HTTP status, if it answered.
    pub(crate) status: Option<u16>,
    /// The transport error, if it did not.
    pub(crate) error: Option<String>,
    /// How long the attempt took.
    pub(crate) latency_ms: Option<u64>,
    /// The first bytes of the merchant's answer.
    pub(crate) answer: Option<String>,
    /// Started by a resend.
    pub(crate) resend: bool,
}

impl Record {
    /// How many attempts were made in all: `attempts_total`, or the listed ones.
    pub(crate) fn total(&self) -> usize {
        self.attempts_total
            .and_then(|t| usize::try_from(t).ok())
            .unwrap_or(self.attempts.len())
            .max(self.attempts.len())
    }

    /// Decodes one listed record; `None` when it is not an object.
    pub(crate) fn from_json(value: &Value) -> Option<Record> {
        value
            .is_object()
            .then(|| serde_json::from_value(value.clone()).ok())
            .flatten()
    }

    /// `delivered`, `gave up`, `retrying` or `pending` (no attempt yet).
    pub(crate) fn state(&self) -> &'static str {
        if self.delivered {
            "delivered"
        } else if self.gave_up {
            "gave up"
        } else if self.attempts.is_empty() {
            "pending"
        } else {
            "retrying"
        }
    }
}

impl AttemptView {
    /// An answer the gateway counts as received, and complete (as `Attempt::succeeded`: an
    /// answer that stalled or broke off after its status is a failed attempt).
    pub(crate) fn received(&self) -> bool {
        self.error.is_none()
            && self
                .status
                .is_some_and(|s| pasarela_sandbox::RECEIVED_STATUSES.contains(&s))
    }

    /// One line: `HTTP 500 in 3 ms, answered "oops"` or `error: connection refused in 2 ms`.
    pub(crate) fn summary(&self) -> String {
        let mut line = match (self.status, &self.error) {
            (Some(status), Some(error)) => format!("HTTP {status}, error: {}", clean(error, 120)),
            (Some(status), None) => format!("HTTP {status}"),
            (None, Some(error)) => format!("error: {}", clean(error, 120)),
            (None, None) => "no answer".to_owned(),
        };
        if let Some(ms) = self.latency_ms {
            line.push_str(&format!(" in {ms} ms"));
        }
        if let Some(answer) = self.answer.as_deref().filter(|a| !a.trim().is_empty()) {
            line.push_str(&format!(", answered {:?}", clean(answer.trim(), 60)));
        }
        line.push_str(if self.received() {
            " (received)"
        } else {
            " (not received)"
        });
        if self.resend {
            line.push_str(" [resend]");
        }
        line
    }
}

/// `text` safe for a terminal: control characters (escape sequences included) replaced by
/// `�`, cut to `max` characters with `…`.
pub(crate) fn clean(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_replaces_escape_sequences_and_cuts() {
        assert_eq!(clean("ok\u{1b}[31mred\n", 100), "ok\u{fffd}[31mred\u{fffd}");
        assert_eq!(clean("abcdef", 3), "abc…");
    }

    #[test]
    fn records_decode_whatever_fields_the_sandbox_has() {
        // An older sandbox (no seq, order_id, latency…) and a newer one (unknown fields).
        let old = serde_json::json!({"id": 4, "kind": "lyra-ipn", "target": "http://h/ipn",
            "attempts": [{"at": "t", "status": 500, "error": null}], "delivered": false, "gave_up": false});
        let record = Record::from_json(&old).unwrap();
        assert_eq!((record.id, record.seq, record.state()), (4, 0, "retrying"));
        assert_eq!(record.attempts[0].summary(), "HTTP 500 (not received)");
        let new = serde_json::json!({"id": 5, "seq": 9, "order_id": "o1", "future": [1],
            "attempts": [{"at": "t", "status": 302, "latency_ms": 3, "answer": "moved", "resend": true}],
            "delivered": true});
        let record = Record::from_json(&new).unwrap();
        assert_eq!(record.state(), "delivered");
        assert_eq!(
            record.attempts[0].summary(),
            "HTTP 302 in 3 ms, answered \"moved\" (received) [resend]"
        );
        assert!(Record::from_json(&serde_json::json!("not a record")).is_none());
        // A 200 whose answer never completed is not received.
        let stalled: AttemptView = serde_json::from_value(serde_json::json!(
            {"status": 200, "error": "timeout reading the answer"}))
        .unwrap();
        assert_eq!(
            stalled.summary(),
            "HTTP 200, error: timeout reading the answer (not received)"
        );
    }
}

//! One delivery attempt over HTTP: post the signed body, take the status and at most
//! [`ANSWER_BYTES`] of the answer, all within the attempt timeout. A merchant that answers
//! slowly, endlessly or never costs one timeout, never more memory than the first bytes.

use std::time::{Duration, Instant};

use tokio::time::timeout_at;

use super::record::{Attempt, ANSWER_BYTES};
use crate::util::now_iso;

/// The header every delivery carries, with the notification's id: the sandbox refuses any
/// request that has it (508, `guard.rs`), so a target pointing back at the sandbox (its own
/// resend endpoint, say) cannot make one notification send another, forever.
pub(crate) const DELIVERY_HEADER: &str = "pasarela-sandbox-delivery";

/// What one attempt sends: notification `id`'s signed body, in round `round`.
pub(super) struct Send<'a> {
    pub id: u64,
    pub round: u32,
    pub target: &'a str,
    pub content_type: &'a str,
    pub body: &'a [u8],
}

/// Posts the body to the target and records what happened, within `limit`.
pub(super) async fn post(client: &reqwest::Client, send: Send<'_>, limit: Duration) -> Attempt {
    let Send {
        id,
        round,
        target,
        content_type,
        body,
    } = send;
    let at = now_iso();
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + limit;
    let sent = client
        .post(target)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .header(DELIVERY_HEADER, id.to_string())
        .body(body.to_vec())
        .send();
    let (status, answer, error) = match timeout_at(deadline, sent).await {
        Err(_) => (None, None, Some("timeout".to_owned())),
        Ok(Err(e)) => (None, None, Some(transport_error(&e).to_owned())),
        Ok(Ok(mut response)) => {
            let status = response.status().as_u16();
            let (answer, error) = read_answer(&mut response, deadline).await;
            (Some(status), Some(shown_answer(&answer)), error)
        }
    };
    Attempt {
        at,
        status,
        error,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        answer,
        resend: round > 0,
        round,
    }
}

/// The first [`ANSWER_BYTES`] of the answer body (reading stops there), and an error when the
/// body stalled past the deadline or broke off before its end or that limit.
async fn read_answer(
    response: &mut reqwest::Response,
    deadline: tokio::time::Instant,
) -> (Vec<u8>, Option<String>) {
    let mut answer = Vec::new();
    while answer.len() < ANSWER_BYTES {
        match timeout_at(deadline, response.chunk()).await {
            Err(_) => return (answer, Some("timeout reading the answer".to_owned())),
            Ok(Err(e)) if e.is_timeout() => {
                return (answer, Some("timeout reading the answer".to_owned()))
            }
            Ok(Err(_)) => return (answer, Some("the answer broke off".to_owned())),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => {
                let room = ANSWER_BYTES - answer.len();
                answer.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
        }
    }
    (answer, None)
}

/// A transport error as recorded: its kind only (a URL in the message could hold credentials).
fn transport_error(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "connection error"
    }
}

/// The answer's bytes as text fit to show: lossy UTF-8, line breaks and tabs as spaces, other
/// control characters as U+FFFD (a terminal or a page never interprets them).
pub(super) fn shown_answer(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(ANSWER_BYTES)])
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_cut_and_their_control_characters_replaced() {
        assert_eq!(shown_answer(b"OK\r\n"), "OK  ");
        assert_eq!(shown_answer(b"a\x1b[31mb\x07"), "a\u{fffd}[31mb\u{fffd}");
        assert_eq!(shown_answer(b"caf\xc3"), "caf\u{fffd}");
        assert_eq!(shown_answer(&[b'x'; 2000]).len(), ANSWER_BYTES);
    }
}

//! What the sandbox remembers of a notification: the public record (listed as JSON, shown on
//! the dashboard) and, privately, what resending needs (the signed body and the full target).

use std::sync::Arc;

use serde::Serialize;

use crate::store::{str_weight, Weigh};

/// One attempt to deliver a notification.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Attempt {
    /// When it started (ISO 8601).
    pub at: String,
    /// The merchant's HTTP status, if it answered.
    pub status: Option<u16>,
    /// What went wrong: no answer (`timeout`, `connection failed`…), or an answer whose body
    /// did not arrive in time or broke off.
    pub error: Option<String>,
    /// Milliseconds from the start of the attempt to its end (status and the first bytes of the
    /// answer read, or the error).
    pub latency_ms: u64,
    /// The first [`ANSWER_BYTES`] bytes of the merchant's answer body, as lossy UTF-8 with
    /// control characters replaced; `None` when it did not answer.
    pub answer: Option<String>,
    /// True for the attempts of a resend (`POST /sandbox/notifications/{id}/resend`).
    pub resend: bool,
    /// The round it belongs to: 0 for the first sending, one more per resend.
    pub round: u32,
}

/// At most this many attempts are kept per notification (the newest): resending again and
/// again never grows a record without bound.
pub const MAX_ATTEMPTS_KEPT: usize = 100;

/// At most this many bytes of the merchant's answer are read and kept per attempt.
pub const ANSWER_BYTES: usize = 512;

/// The HTTP statuses Lyra counts as a received notification: "A notification will be considered
/// as failed if the HTTP code returned by the merchant server is not on the following list:
/// 200, 201, 202, 203, 204, 205, 206, 301, 302, 303, 307, 308"
/// (<https://docs.lyra.com/en/collect/plugins/drupal-commerce2/setting-up-the-instant-payment-notification.html>).
/// The redirect is not followed.
pub const RECEIVED_STATUSES: &[u16] = &[200, 201, 202, 203, 204, 205, 206, 301, 302, 303, 307, 308];

impl Attempt {
    /// An answer Lyra counts as received ([`RECEIVED_STATUSES`]: 2xx up to 206, and the
    /// redirects, which are not followed) that also completed: an answer whose body stalls past
    /// the attempt timeout, or breaks off, is a failed attempt.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| RECEIVED_STATUSES.contains(&s))
    }
}

/// A notification and its delivery history.
#[derive(Clone, Debug, Serialize)]
pub struct NotificationRecord {
    /// The notification's number: 1 for the sandbox's first, in the order they were created
    /// (not to be confused with [`seq`](Self::seq), which changes with every attempt).
    pub id: u64,
    /// `lyra-ipn` or `etpay-webhook`.
    pub kind: &'static str,
    /// Where it goes, as shown: credentials replaced by `***`, cut to 256 characters.
    pub target: String,
    /// The order it is about: Lyra `orderDetails.orderId`, ETpay `merchant_order_id`.
    pub order_id: Option<String>,
    /// What it is about: the Lyra transaction uuid, the ETpay session token.
    pub subject: Option<String>,
    /// When it was created (ISO 8601).
    pub created_at: String,
    /// The content type of the signed body.
    pub content_type: String,
    /// The size of the signed body (`GET /sandbox/notifications/{id}/body` gives it).
    pub body_bytes: usize,
    /// The sandbox-wide change counter at this record's last change (its creation or its newest
    /// attempt): `GET /sandbox/notifications?after=<seq>` lists what changed since.
    pub seq: u64,
    /// The newest [`MAX_ATTEMPTS_KEPT`] attempts, resends' included, oldest first.
    pub attempts: Vec<Attempt>,
    /// How many attempts were made in all, those no longer kept in `attempts` included.
    pub attempts_total: u64,
    /// The newest round: 0 for the first sending, one more per resend.
    pub round: u32,
    /// True once an attempt of the newest round (the first sending or the latest resend) got
    /// an answer Lyra counts as received ([`RECEIVED_STATUSES`]).
    pub delivered: bool,
    /// True when every attempt of the newest round failed.
    pub gave_up: bool,
}

/// What the kinds of notification are called in records.
pub(crate) const LYRA_IPN: &str = "lyra-ipn";
/// See [`LYRA_IPN`].
pub(crate) const ETPAY_WEBHOOK: &str = "etpay-webhook";

/// A remembered notification: its public record, and privately the full target (credentials
/// included, never shown) and the signed body, to resend the same bytes to the same place.
pub(super) struct Entry {
    pub record: NotificationRecord,
    pub target: Arc<str>,
    pub body: Arc<[u8]>,
    /// The task sending the newest round, aborted when a resend starts another: one live
    /// round per notification.
    pub task: Option<tokio::task::AbortHandle>,
}

impl Weigh for Entry {
    fn weight(&self) -> usize {
        let r = &self.record;
        std::mem::size_of::<Self>()
            + self.target.len()
            + self.body.len()
            + r.target.len()
            + str_weight(&r.order_id)
            + str_weight(&r.subject)
            + r.created_at.len()
            + r.content_type.len()
            + r.attempts
                .iter()
                .map(|a| {
                    std::mem::size_of::<Attempt>()
                        + a.at.len()
                        + str_weight(&a.error)
                        + str_weight(&a.answer)
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(status: u16, error: Option<&str>) -> Attempt {
        Attempt {
            at: String::new(),
            status: Some(status),
            error: error.map(str::to_owned),
            latency_ms: 0,
            answer: None,
            resend: false,
            round: 0,
        }
    }

    #[test]
    fn the_statuses_lyra_counts_as_received() {
        for status in [200, 204, 206, 301, 302, 303, 307, 308] {
            assert!(attempt(status, None).succeeded(), "{status}");
        }
        for status in [207, 300, 304, 305, 400, 404, 500] {
            assert!(!attempt(status, None).succeeded(), "{status}");
        }
    }

    #[test]
    fn an_answer_that_did_not_complete_is_not_received() {
        assert!(!attempt(200, Some("timeout reading the answer")).succeeded());
    }

    #[test]
    fn the_kept_body_counts_in_the_weight() {
        let entry = |body: &[u8]| Entry {
            record: NotificationRecord {
                id: 1,
                kind: LYRA_IPN,
                target: "http://h/".into(),
                order_id: None,
                subject: None,
                created_at: String::new(),
                content_type: String::new(),
                body_bytes: body.len(),
                seq: 1,
                attempts: Vec::new(),
                attempts_total: 0,
                round: 0,
                delivered: false,
                gave_up: false,
            },
            target: "http://h/".into(),
            body: body.into(),
            task: None,
        };
        assert_eq!(entry(&[0; 10_000]).weight() - entry(&[]).weight(), 10_000);
    }
}

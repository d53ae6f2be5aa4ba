//! Delivery of notifications (Lyra IPNs, ETpay webhooks) to the merchant, in the background,
//! with retries and exponential backoff. Every attempt is logged and listed by
//! `GET /sandbox/notifications`; delivery never blocks the API.
//!
//! Like the gateway, the sandbox never follows a redirect: a signed IPN goes to the URL the
//! merchant gave and nowhere else, and the codes Lyra counts as received (2xx and
//! 301/302/303/307/308) end the retries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;

use crate::store::{str_weight, Bounded, Weigh};
use crate::url_check::shown_url;
use crate::util::now_iso;

/// At most this many notifications are listed by `GET /sandbox/notifications` (the newest).
pub(crate) const MAX_LISTED: usize = 1000;

/// How hard the sandbox tries to deliver a notification.
#[derive(Clone, Debug)]
pub struct DeliveryPolicy {
    /// Attempts in all (the first one included).
    pub attempts: u32,
    /// Wait before the second attempt; doubles after each failure.
    pub first_backoff: Duration,
    /// Timeout of one attempt (Lyra waits at most 30 s for an IPN).
    pub attempt_timeout: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            attempts: 4,
            first_backoff: Duration::from_millis(500),
            attempt_timeout: Duration::from_secs(10),
        }
    }
}

/// One attempt to deliver a notification.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Attempt {
    /// When it started (ISO 8601).
    pub at: String,
    /// The merchant's HTTP status, if it answered.
    pub status: Option<u16>,
    /// The transport error, if it did not.
    pub error: Option<String>,
}

/// The HTTP statuses Lyra counts as a received notification: "A notification will be considered
/// as failed if the HTTP code returned by the merchant server is not on the following list:
/// 200, 201, 202, 203, 204, 205, 206, 301, 302, 303, 307, 308"
/// (<https://docs.lyra.com/en/collect/plugins/drupal-commerce2/setting-up-the-instant-payment-notification.html>).
/// The redirect is not followed.
pub const RECEIVED_STATUSES: &[u16] = &[200, 201, 202, 203, 204, 205, 206, 301, 302, 303, 307, 308];

impl Attempt {
    /// An answer Lyra counts as received ([`RECEIVED_STATUSES`]: 2xx up to 206, and the
    /// redirects, which are not followed).
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| RECEIVED_STATUSES.contains(&s))
    }
}

/// A notification and its delivery history.
#[derive(Clone, Debug, Serialize)]
pub struct NotificationRecord {
    /// Sequence number.
    pub id: u64,
    /// `lyra-ipn` or `etpay-webhook`.
    pub kind: &'static str,
    /// Where it goes, as shown: credentials replaced by `***`, cut to 256 characters.
    pub target: String,
    /// The attempts so far.
    pub attempts: Vec<Attempt>,
    /// True once an attempt got an answer Lyra counts as received ([`RECEIVED_STATUSES`]).
    pub delivered: bool,
    /// True when every attempt failed.
    pub gave_up: bool,
}

impl Weigh for NotificationRecord {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.target.len()
            + self
                .attempts
                .iter()
                .map(|a| std::mem::size_of::<Attempt>() + a.at.len() + str_weight(&a.error))
                .sum::<usize>()
    }
}

/// The `User-Agent` of notification deliveries.
const USER_AGENT: &str = concat!("pasarela-sandbox/", env!("CARGO_PKG_VERSION"));

pub(crate) struct Delivery {
    client: reqwest::Client,
    policy: DeliveryPolicy,
    log: Mutex<Bounded<u64, NotificationRecord>>,
    next_id: AtomicU64,
    verbose: bool,
}

impl Delivery {
    pub(crate) fn new(policy: DeliveryPolicy, capacity: usize, verbose: bool) -> Delivery {
        // pasarela builds reqwest with `rustls-no-provider` and Cargo unifies features: without
        // a provider installed, building any reqwest client panics.
        pasarela::install_default_tls_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(policy.attempt_timeout)
            .connect_timeout(policy.attempt_timeout)
            .user_agent(USER_AGENT)
            .build()
            .unwrap_or_default();
        Delivery {
            client,
            policy,
            log: Mutex::new(Bounded::new(capacity)),
            next_id: AtomicU64::new(1),
            verbose,
        }
    }

    /// Starts delivering in the background; the receiver yields the first attempt.
    pub(crate) fn start(
        self: &Arc<Self>,
        kind: &'static str,
        target: String,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> (u64, oneshot::Receiver<Attempt>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let shown = shown_url(&target);
        let record = NotificationRecord {
            id,
            kind,
            target: shown.clone(),
            attempts: Vec::new(),
            delivered: false,
            gave_up: false,
        };
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, record);
        let (first_tx, first_rx) = oneshot::channel();
        let this = self.clone();
        tokio::spawn(async move {
            let mut first = Some(first_tx);
            let mut backoff = this.policy.first_backoff;
            for n in 1..=this.policy.attempts.max(1) {
                let attempt = this.attempt(&target, content_type, &body).await;
                let ok = attempt.succeeded();
                if this.verbose {
                    eprintln!(
                        "sandbox: {kind} #{id} attempt {n}/{} to {shown}: {}",
                        this.policy.attempts,
                        attempt.status.map_or_else(
                            || attempt.error.clone().unwrap_or_default(),
                            |s| format!("HTTP {s}")
                        )
                    );
                }
                let last = n == this.policy.attempts.max(1);
                this.record(id, attempt.clone(), ok, last && !ok);
                if let Some(sender) = first.take() {
                    let _ = sender.send(attempt);
                }
                if ok || last {
                    break;
                }
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
        });
        (id, first_rx)
    }

    async fn attempt(&self, target: &str, content_type: &'static str, body: &[u8]) -> Attempt {
        let at = now_iso();
        let result = self
            .client
            .post(target)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body.to_vec())
            .send()
            .await;
        match result {
            Ok(response) => Attempt {
                at,
                status: Some(response.status().as_u16()),
                error: None,
            },
            Err(e) => Attempt {
                at,
                status: None,
                error: Some(if e.is_timeout() {
                    "timeout".to_owned()
                } else if e.is_connect() {
                    "connection failed".to_owned()
                } else {
                    "connection error".to_owned()
                }),
            },
        }
    }

    fn record(&self, id: u64, attempt: Attempt, delivered: bool, gave_up: bool) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(record) = log.get_mut(&id) {
            record.attempts.push(attempt);
            record.delivered |= delivered;
            record.gave_up |= gave_up;
        }
    }

    /// The newest [`MAX_LISTED`] notifications still remembered, oldest first.
    pub(crate) fn list(&self) -> Vec<NotificationRecord> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let mut newest: Vec<NotificationRecord> =
            log.values().rev().take(MAX_LISTED).cloned().collect();
        newest.reverse();
        newest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_shows_the_newest_notifications_only() {
        let delivery = Delivery::new(DeliveryPolicy::default(), 10_000, false);
        for id in 1..=(MAX_LISTED as u64 + 200) {
            let record = NotificationRecord {
                id,
                kind: "lyra-ipn",
                target: "http://127.0.0.1:9/ipn".into(),
                attempts: Vec::new(),
                delivered: false,
                gave_up: false,
            };
            delivery.log.lock().unwrap().insert(id, record);
        }
        let listed = delivery.list();
        assert_eq!(listed.len(), MAX_LISTED);
        assert_eq!(listed.first().map(|r| r.id), Some(201));
        assert_eq!(listed.last().map(|r| r.id), Some(MAX_LISTED as u64 + 200));
    }

    #[test]
    fn the_statuses_lyra_counts_as_received() {
        let attempt = |status| Attempt {
            at: String::new(),
            status: Some(status),
            error: None,
        };
        for status in [200, 204, 206, 301, 302, 303, 307, 308] {
            assert!(attempt(status).succeeded(), "{status}");
        }
        for status in [207, 300, 304, 305, 400, 404, 500] {
            assert!(!attempt(status).succeeded(), "{status}");
        }
    }
}

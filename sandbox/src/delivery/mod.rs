//! Delivery of notifications (Lyra IPNs, ETpay webhooks) to the merchant, in the background,
//! with retries and exponential backoff. Every attempt is logged and listed by
//! `GET /sandbox/notifications`; delivery never blocks the API. A notification can be sent
//! again (the same signed bytes to the same target), and every change bumps a counter that
//! long-polls and the waiting API (`notifications.rs`) watch.
//!
//! Like the gateway, the sandbox never follows a redirect: a signed IPN goes to the URL the
//! merchant gave and nowhere else, and the codes Lyra counts as received (2xx and
//! 301/302/303/307/308) end the retries.

mod attempt;
mod record;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, watch};

pub use record::{Attempt, NotificationRecord, ANSWER_BYTES, RECEIVED_STATUSES};
pub(crate) use record::{ETPAY_WEBHOOK, LYRA_IPN};

use crate::store::Bounded;
use crate::url_check::shown_url;
use crate::util::now_iso;
use record::Entry;

/// At most this many notifications are listed by `GET /sandbox/notifications` (the newest).
pub(crate) const MAX_LISTED: usize = 1000;

/// How hard the sandbox tries to deliver a notification.
#[derive(Clone, Debug)]
pub struct DeliveryPolicy {
    /// Attempts in all (the first one included); a resend makes as many again.
    pub attempts: u32,
    /// Wait before the second attempt; doubles after each failure.
    pub first_backoff: Duration,
    /// Timeout of one attempt, reading the first bytes of the answer included (Lyra waits at
    /// most 30 s for an IPN).
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

/// What a notification is about, given by its sender.
#[derive(Clone, Debug, Default)]
pub(crate) struct Context {
    /// Lyra `orderDetails.orderId`, ETpay `merchant_order_id`.
    pub order_id: Option<String>,
    /// Lyra transaction uuid, ETpay session token.
    pub subject: Option<String>,
}

/// Why a notification cannot be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResendError {
    /// No such notification (never sent, or forgotten: the log keeps the newest ones).
    Unknown,
}

impl std::fmt::Display for ResendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unknown notification (never sent, or forgotten)")
    }
}

impl std::error::Error for ResendError {}

/// The `User-Agent` of notification deliveries.
const USER_AGENT: &str = concat!("pasarela-sandbox/", env!("CARGO_PKG_VERSION"));

pub(crate) struct Delivery {
    client: reqwest::Client,
    policy: DeliveryPolicy,
    log: Mutex<Bounded<u64, Entry>>,
    next_id: AtomicU64,
    /// The change counter: the newest `seq` handed out; receivers wake on every change.
    changes: watch::Sender<u64>,
    /// Set when the sandbox stops: waiters return at once.
    closed: AtomicBool,
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
            changes: watch::Sender::new(0),
            closed: AtomicBool::new(false),
            verbose,
        }
    }

    fn log(&self) -> MutexGuard<'_, Bounded<u64, Entry>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next change number, announced to waiters (call under the log's lock, so numbers
    /// and records change in the same order).
    fn bump(&self) -> u64 {
        let mut seq = 0;
        self.changes.send_modify(|s| {
            *s += 1;
            seq = *s;
        });
        seq
    }

    /// Starts delivering in the background; returns the notification's id and a receiver of
    /// the first attempt.
    pub(crate) fn start(
        self: &Arc<Self>,
        kind: &'static str,
        target: String,
        content_type: &'static str,
        body: Vec<u8>,
        context: Context,
    ) -> (u64, oneshot::Receiver<Attempt>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let record = NotificationRecord {
            id,
            kind,
            target: shown_url(&target),
            order_id: context.order_id,
            subject: context.subject,
            created_at: now_iso(),
            content_type: content_type.to_owned(),
            body_bytes: body.len(),
            seq: 0,
            attempts: Vec::new(),
            delivered: false,
            gave_up: false,
        };
        let mut entry = Entry {
            record,
            target: target.into(),
            body: body.into(),
            round: 0,
        };
        let round = Round::of(&entry);
        {
            let mut log = self.log();
            entry.record.seq = self.bump();
            log.insert(id, entry);
        }
        let (first_tx, first_rx) = oneshot::channel();
        tokio::spawn(self.clone().run(round, Some(first_tx)));
        (id, first_rx)
    }

    /// Sends notification `id` again: the same signed body to the same target, one new round
    /// of attempts (`resend: true`) with the same retry policy. A round still retrying stops.
    pub(crate) fn resend(self: &Arc<Self>, id: u64) -> Result<(), ResendError> {
        let round = {
            let mut log = self.log();
            let entry = log.get_mut(&id).ok_or(ResendError::Unknown)?;
            entry.round += 1;
            entry.record.delivered = false;
            entry.record.gave_up = false;
            let round = Round {
                resend: true,
                ..Round::of(entry)
            };
            entry.record.seq = self.bump();
            round
        };
        tokio::spawn(self.clone().run(round, None));
        Ok(())
    }

    /// One round of attempts, with backoff, until one succeeds, the policy's attempts are
    /// spent, or a newer round (a resend) takes over.
    async fn run(self: Arc<Self>, round: Round, mut first: Option<oneshot::Sender<Attempt>>) {
        let attempts = self.policy.attempts.max(1);
        let mut backoff = self.policy.first_backoff;
        for n in 1..=attempts {
            let attempt = attempt::post(
                &self.client,
                &round.target,
                &round.content_type,
                &round.body,
                self.policy.attempt_timeout,
                round.resend,
            )
            .await;
            self.log_attempt(&round, n, &attempt);
            let ok = attempt.succeeded();
            let current = self.record(&round, attempt.clone(), ok, n == attempts && !ok);
            if let Some(sender) = first.take() {
                let _ = sender.send(attempt);
            }
            if ok || n == attempts || !current {
                break;
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }

    fn log_attempt(&self, round: &Round, n: u32, attempt: &Attempt) {
        if !self.verbose {
            return;
        }
        let outcome = attempt.status.map_or_else(
            || attempt.error.clone().unwrap_or_default(),
            |s| format!("HTTP {s}"),
        );
        eprintln!(
            "sandbox: {} #{} {}attempt {n}/{} to {}: {outcome} ({} ms)",
            round.kind,
            round.id,
            if round.resend { "resend " } else { "" },
            self.policy.attempts,
            shown_url(&round.target),
            attempt.latency_ms
        );
    }

    /// Appends an attempt; returns false when the record is gone or a newer round took over
    /// (then `delivered`/`gave_up` are left to that round).
    fn record(&self, round: &Round, attempt: Attempt, delivered: bool, gave_up: bool) -> bool {
        let mut log = self.log();
        let Some(entry) = log.get_mut(&round.id) else {
            return false;
        };
        entry.record.attempts.push(attempt);
        let current = entry.round == round.number;
        if current {
            entry.record.delivered |= delivered;
            entry.record.gave_up |= gave_up;
        }
        entry.record.seq = self.bump();
        current
    }

    /// The newest [`MAX_LISTED`] notifications still remembered, oldest first.
    pub(crate) fn list(&self) -> Vec<NotificationRecord> {
        self.newest_where(MAX_LISTED, |_, _| true)
    }

    /// One notification.
    pub(crate) fn get(&self, id: u64) -> Option<NotificationRecord> {
        self.log().get(&id).map(|e| e.record.clone())
    }

    /// The signed body exactly as sent, with its content type.
    pub(crate) fn body(&self, id: u64) -> Option<(String, Vec<u8>)> {
        self.log()
            .get(&id)
            .map(|e| (e.record.content_type.clone(), e.body.to_vec()))
    }

    /// The oldest remembered notification that `matches` accepts, given the record and its
    /// full target (credentials included: for matching only, never shown).
    pub(crate) fn find(
        &self,
        matches: impl Fn(&NotificationRecord, &str) -> bool,
    ) -> Option<NotificationRecord> {
        let log = self.log();
        let found = log
            .values()
            .find(|e| matches(&e.record, &e.target))
            .map(|e| e.record.clone());
        found
    }

    /// The newest `limit` remembered notifications that `matches` accepts (as
    /// [`Delivery::find`]), oldest first.
    pub(crate) fn newest_where(
        &self,
        limit: usize,
        matches: impl Fn(&NotificationRecord, &str) -> bool,
    ) -> Vec<NotificationRecord> {
        let log = self.log();
        let mut newest: Vec<NotificationRecord> = log
            .values()
            .rev()
            .filter(|e| matches(&e.record, &e.target))
            .take(limit)
            .map(|e| e.record.clone())
            .collect();
        newest.reverse();
        newest
    }

    /// How many notifications are remembered.
    pub(crate) fn len(&self) -> usize {
        self.log().len()
    }

    /// A receiver that wakes on every change (new record, new attempt, resend, close).
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// True once the sandbox is stopping.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Wakes every waiter for good: the sandbox is stopping.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.changes.send_modify(|_| {});
    }
}

/// What one round of attempts sends, copied out of the log so no lock is held while sending.
struct Round {
    id: u64,
    kind: &'static str,
    number: u32,
    target: Arc<str>,
    content_type: String,
    body: Arc<[u8]>,
    resend: bool,
}

impl Round {
    fn of(entry: &Entry) -> Round {
        Round {
            id: entry.record.id,
            kind: entry.record.kind,
            number: entry.round,
            target: entry.target.clone(),
            content_type: entry.record.content_type.clone(),
            body: entry.body.clone(),
            resend: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64) -> Entry {
        Entry {
            record: NotificationRecord {
                id,
                kind: LYRA_IPN,
                target: "http://127.0.0.1:9/ipn".into(),
                order_id: None,
                subject: None,
                created_at: String::new(),
                content_type: "text/plain".into(),
                body_bytes: 0,
                seq: id,
                attempts: Vec::new(),
                delivered: false,
                gave_up: false,
            },
            target: "http://127.0.0.1:9/ipn".into(),
            body: Arc::from(&b""[..]),
            round: 0,
        }
    }

    #[test]
    fn the_listing_shows_the_newest_notifications_only() {
        let delivery = Delivery::new(DeliveryPolicy::default(), 10_000, false);
        for id in 1..=(MAX_LISTED as u64 + 200) {
            delivery.log().insert(id, entry(id));
        }
        let listed = delivery.list();
        assert_eq!(listed.len(), MAX_LISTED);
        assert_eq!(listed.first().map(|r| r.id), Some(201));
        assert_eq!(listed.last().map(|r| r.id), Some(MAX_LISTED as u64 + 200));
    }

    #[test]
    fn resending_an_unknown_notification_is_refused() {
        let delivery = Arc::new(Delivery::new(DeliveryPolicy::default(), 10, false));
        assert_eq!(delivery.resend(7), Err(ResendError::Unknown));
    }
}

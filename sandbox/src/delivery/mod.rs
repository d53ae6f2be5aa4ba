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
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::{oneshot, watch, Semaphore};
use tokio::task::AbortHandle;

pub(crate) use attempt::DELIVERY_HEADER;
pub use record::{Attempt, NotificationRecord, ANSWER_BYTES, MAX_ATTEMPTS_KEPT, RECEIVED_STATUSES};
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
    /// The runtime the sandbox started on: rounds run there whoever asks for them (a test's
    /// own runtime may end before the sandbox does).
    runtime: Option<Handle>,
    /// Bounds the attempts in flight at once, whatever the number of notifications and
    /// resends: each holds a connection (a file descriptor).
    outgoing: Semaphore,
    /// `scheme://host:port` of the sandbox itself, refused as a target.
    own_origin: OnceLock<String>,
    /// Slots of long-polls (`?wait=`): when all are taken, a listing answers without waiting,
    /// so waiting requests never hold every connection of the server.
    waiting: Semaphore,
    /// Random per sandbox: tells a follower that the sandbox restarted (and `seq` with it).
    instance: String,
}

/// At most this many listing requests wait at once (`notifications_api.rs`).
pub(crate) const MAX_WAITING: usize = 64;

/// At most this many delivery attempts are in flight at once; the others wait their turn.
pub(crate) const MAX_OUTGOING: usize = 64;

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
            runtime: Handle::try_current().ok(),
            outgoing: Semaphore::new(MAX_OUTGOING),
            own_origin: OnceLock::new(),
            waiting: Semaphore::new(MAX_WAITING),
            instance: format!("{:016x}", rand::random::<u64>()),
        }
    }

    /// A slot to wait in, if one is free (held while the long-poll waits).
    pub(crate) fn wait_slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.waiting.try_acquire().ok()
    }

    /// This sandbox's random instance id (`Pasarela-Sandbox-Instance`).
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// The newest `seq` handed out.
    pub(crate) fn current_seq(&self) -> u64 {
        *self.changes.borrow()
    }

    /// How many long-polls are waiting now.
    pub(crate) fn waiting(&self) -> usize {
        MAX_WAITING - self.waiting.available_permits()
    }

    /// Records where the sandbox listens: a target with the same origin is refused at once.
    pub(crate) fn set_own_url(&self, base_url: &str) {
        if let Some(origin) = origin(base_url) {
            let _ = self.own_origin.set(origin);
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

    /// Runs `task` on the sandbox's runtime (the caller's when the sandbox was made outside
    /// one, as the fuzz target does).
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) -> AbortHandle {
        match &self.runtime {
            Some(runtime) => runtime.spawn(task).abort_handle(),
            None => tokio::spawn(task).abort_handle(),
        }
    }

    /// Starts delivering in the background; returns the notification's id and a receiver of
    /// the first attempt. A target on the sandbox itself gets one failed attempt and no more.
    pub(crate) fn start(
        self: &Arc<Self>,
        kind: &'static str,
        target: String,
        content_type: &'static str,
        body: Vec<u8>,
        context: Context,
    ) -> (u64, oneshot::Receiver<Attempt>) {
        let record = NotificationRecord {
            id: 0,
            kind,
            target: shown_url(&target),
            order_id: context.order_id,
            subject: context.subject,
            created_at: now_iso(),
            content_type: content_type.to_owned(),
            body_bytes: body.len(),
            seq: 0,
            attempts: Vec::new(),
            attempts_total: 0,
            round: 0,
            delivered: false,
            gave_up: false,
        };
        let mut entry = Entry {
            record,
            target: target.into(),
            body: body.into(),
            task: None,
        };
        let (first_tx, first_rx) = oneshot::channel();
        let itself = self
            .own_origin
            .get()
            .is_some_and(|own| origin(&entry.target).as_ref() == Some(own));
        let mut log = self.log();
        // The id is taken under the lock: ids follow the log's order.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        entry.record.id = id;
        if itself {
            let attempt = refused_attempt("the target is the sandbox itself");
            entry.record.attempts.push(attempt.clone());
            entry.record.attempts_total = 1;
            entry.record.gave_up = true;
            entry.record.seq = self.bump();
            log.insert(id, entry);
            let _ = first_tx.send(attempt);
            return (id, first_rx);
        }
        let round = Round::of(&entry, 0);
        entry.record.seq = self.bump();
        entry.task = Some(self.spawn(self.clone().run(round, Some(first_tx))));
        log.insert(id, entry);
        (id, first_rx)
    }

    /// Sends notification `id` again: the same signed body to the same target, one new round
    /// of attempts (`resend: true`) with the same retry policy. The previous round stops at
    /// once (its task is aborted): one live round per notification.
    pub(crate) fn resend(self: &Arc<Self>, id: u64) -> Result<(), ResendError> {
        self.resend_round(id).map(|_| ())
    }

    /// [`Delivery::resend`], returning the new round's number.
    pub(crate) fn resend_round(self: &Arc<Self>, id: u64) -> Result<u32, ResendError> {
        let mut log = self.log();
        let entry = log.get_mut(&id).ok_or(ResendError::Unknown)?;
        if let Some(task) = entry.task.take() {
            task.abort();
        }
        entry.record.round = entry.record.round.saturating_add(1);
        entry.record.delivered = false;
        entry.record.gave_up = false;
        let number = entry.record.round;
        let round = Round::of(entry, number);
        entry.record.seq = self.bump();
        entry.task = Some(self.spawn(self.clone().run(round, None)));
        Ok(number)
    }

    /// One round of attempts, with backoff, until one succeeds, the policy's attempts are
    /// spent, or a newer round (a resend) takes over.
    async fn run(self: Arc<Self>, round: Round, mut first: Option<oneshot::Sender<Attempt>>) {
        let attempts = self.policy.attempts.max(1);
        let mut backoff = self.policy.first_backoff;
        for n in 1..=attempts {
            let Ok(permit) = self.outgoing.acquire().await else {
                return;
            };
            // Checked under the lock before every attempt: an older round never sends again.
            if !self.is_current(&round) {
                return;
            }
            let send = attempt::Send {
                id: round.id,
                round: round.number,
                target: &round.target,
                content_type: &round.content_type,
                body: &round.body,
            };
            let attempt = attempt::post(&self.client, send, self.policy.attempt_timeout).await;
            drop(permit);
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

    /// True while `round` is its notification's newest.
    fn is_current(&self, round: &Round) -> bool {
        self.log()
            .get(&round.id)
            .is_some_and(|e| e.record.round == round.number)
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
            if round.number > 0 { "resend " } else { "" },
            self.policy.attempts,
            shown_url(&round.target),
            attempt.latency_ms
        );
    }

    /// Appends an attempt (keeping the newest [`MAX_ATTEMPTS_KEPT`]); returns false when the
    /// record is gone or a newer round took over (then the attempt is not recorded: that
    /// round owns the record).
    fn record(&self, round: &Round, attempt: Attempt, delivered: bool, gave_up: bool) -> bool {
        let mut log = self.log();
        let Some(entry) = log.get_mut(&round.id) else {
            return false;
        };
        if entry.record.round != round.number {
            return false;
        }
        let record = &mut entry.record;
        record.attempts.push(attempt);
        if record.attempts.len() > MAX_ATTEMPTS_KEPT {
            let extra = record.attempts.len() - MAX_ATTEMPTS_KEPT;
            record.attempts.drain(..extra);
        }
        record.attempts_total = record.attempts_total.saturating_add(1);
        record.delivered |= delivered;
        record.gave_up |= gave_up;
        record.seq = self.bump();
        if delivered || gave_up {
            entry.task = None;
        }
        true
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

    /// The `limit` records changed after `after` that `matches` accepts, the least recently
    /// changed first (lowest `seq`): a follower asking again from the newest `seq` it got
    /// drains every change, however many there were.
    pub(crate) fn changed_after(
        &self,
        after: u64,
        limit: usize,
        matches: impl Fn(&NotificationRecord) -> bool,
    ) -> Vec<NotificationRecord> {
        let log = self.log();
        let mut changed: Vec<&Entry> = log
            .values()
            .filter(|e| e.record.seq > after && matches(&e.record))
            .collect();
        changed.sort_unstable_by_key(|e| e.record.seq);
        changed.truncate(limit);
        changed.into_iter().map(|e| e.record.clone()).collect()
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
}

impl Round {
    fn of(entry: &Entry, number: u32) -> Round {
        Round {
            id: entry.record.id,
            kind: entry.record.kind,
            number,
            target: entry.target.clone(),
            content_type: entry.record.content_type.clone(),
            body: entry.body.clone(),
        }
    }
}

/// A failed attempt that never left the sandbox, with its reason.
fn refused_attempt(reason: &str) -> Attempt {
    Attempt {
        at: now_iso(),
        status: None,
        error: Some(reason.to_owned()),
        latency_ms: 0,
        answer: None,
        resend: false,
        round: 0,
    }
}

/// `scheme://host:port` of an absolute URL (the port made explicit), or `None`.
fn origin(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(format!(
        "{}://{host}:{}",
        url.scheme(),
        url.port_or_known_default()?
    ))
}

#[cfg(test)]
mod tests;

//! Waiting for a notification in a test, instead of polling `GET /sandbox/notifications`:
//! [`Sandbox::notifications`](crate::Sandbox::notifications) gives a [`Notifications`] handle
//! whose [`wait_for`](Notifications::wait_for) resolves with the first notification matching a
//! [`NotificationFilter`] that this handle has not returned in that state yet, or fails with a
//! [`WaitTimeout`] that says what it saw.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::delivery::{Delivery, NotificationRecord, ResendError, ETPAY_WEBHOOK, LYRA_IPN};
use crate::url_check::shown_url;

/// The notifications of a running sandbox, to wait on, read and resend.
///
/// [`wait_for`](Self::wait_for) returns a notification once per state it reaches in each
/// round: waiting twice with the same filter gives the first matching notification, then the
/// next one; but a notification returned as attempted is returned again when the filter asks
/// for it delivered (or given up), and again for a newer round after a resend:
///
/// ```no_run
/// # async fn run(sandbox: pasarela_sandbox::Sandbox) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use pasarela_sandbox::NotificationFilter;
/// let notifications = sandbox.notifications();
/// let to_me = NotificationFilter::to("http://127.0.0.1:3000/ipn");
/// let first = notifications.wait_for(to_me.clone(), Duration::from_secs(5)).await?;
/// let delivered = notifications.wait_for(to_me.clone().delivered(), Duration::from_secs(5)).await?;
/// let round = notifications.resend(first.id)?;
/// let again = notifications
///     .wait_for(to_me.round(round).delivered(), Duration::from_secs(5))
///     .await?;
/// assert_eq!(again.id, delivered.id);
/// # Ok(()) }
/// ```
///
/// Clones share what was already returned. A new handle from
/// [`Sandbox::notifications`](crate::Sandbox::notifications) starts afresh.
#[derive(Clone)]
pub struct Notifications {
    delivery: Arc<Delivery>,
    /// What was returned: (notification id, round, state reached).
    returned: Arc<Mutex<HashSet<(u64, u32, Until)>>>,
}

impl fmt::Debug for Notifications {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let returned = self.returned.lock().map_or(0, |r| r.len());
        f.debug_struct("Notifications")
            .field("remembered", &self.delivery.len())
            .field("returned", &returned)
            .finish()
    }
}

/// The kinds of notification the sandbox sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotificationKind {
    /// A Lyra IPN (`lyra-ipn`).
    LyraIpn,
    /// An ETpay webhook (`etpay-webhook`).
    EtpayWebhook,
}

impl NotificationKind {
    /// The name in [`NotificationRecord::kind`].
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::LyraIpn => LYRA_IPN,
            NotificationKind::EtpayWebhook => ETPAY_WEBHOOK,
        }
    }
}

/// What a notification must have reached to match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum Until {
    /// At least one attempt of the newest round was made, whatever the merchant answered.
    #[default]
    Attempted,
    /// An attempt of the newest round was received ([`NotificationRecord::delivered`]).
    Delivered,
    /// Every attempt of the newest round failed ([`NotificationRecord::gave_up`]).
    GaveUp,
}

type Predicate = Arc<dyn Fn(&NotificationRecord) -> bool + Send + Sync>;

/// Which notification to wait for: where it goes, what it is about, and how far its delivery
/// got. By default it matches any notification once an attempt was made (whatever the
/// merchant answered); [`delivered`](Self::delivered) waits for a received one.
///
/// ```
/// # use pasarela_sandbox::{NotificationFilter, NotificationKind};
/// let filter = NotificationFilter::to("http://127.0.0.1:3000/ipn")
///     .kind(NotificationKind::LyraIpn)
///     .order_id("order-1")
///     .delivered();
/// ```
#[derive(Clone, Default)]
pub struct NotificationFilter {
    target_prefix: Option<String>,
    order_id: Option<String>,
    subject: Option<String>,
    kind: Option<NotificationKind>,
    until: Until,
    min_round: u32,
    custom: Option<Predicate>,
}

impl NotificationFilter {
    /// Any notification, once an attempt was made.
    pub fn any() -> Self {
        Self::default()
    }

    /// Notifications to `prefix`: the same scheme, host, port (and credentials, if `prefix` has
    /// some; they are never shown, not even in [`WaitTimeout`]), and a path equal to the
    /// prefix's or under it on a `/` boundary: `…/ipn` matches `…/ipn` and `…/ipn/lyra`, not
    /// `…/ipn2`; `:3000` never matches `:30001`. A prefix that is no URL is compared as text.
    pub fn to(prefix: impl Into<String>) -> Self {
        NotificationFilter {
            target_prefix: Some(prefix.into()),
            ..Self::default()
        }
    }

    /// Only this order's (Lyra `orderDetails.orderId`, ETpay `merchant_order_id`).
    pub fn order_id(mut self, order_id: impl Into<String>) -> Self {
        self.order_id = Some(order_id.into());
        self
    }

    /// Only those about this subject (Lyra transaction uuid, ETpay session token).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Only this kind.
    pub fn kind(mut self, kind: NotificationKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Matches once an attempt was made, whatever the answer (the default).
    pub fn attempted(mut self) -> Self {
        self.until = Until::Attempted;
        self
    }

    /// Matches once delivered: an attempt got an answer Lyra counts as received.
    pub fn delivered(mut self) -> Self {
        self.until = Until::Delivered;
        self
    }

    /// Matches once the sandbox gave up (every attempt of the round failed), to test how a
    /// failing endpoint is retried.
    pub fn gave_up(mut self) -> Self {
        self.until = Until::GaveUp;
        self
    }

    /// Only once round `round` or a newer one has started: 0 is the first sending, each resend
    /// starts the next ([`Notifications::resend`] returns its number). With
    /// [`delivered`](Self::delivered), waits for that resend's delivery, not the earlier one.
    pub fn round(mut self, round: u32) -> Self {
        self.min_round = round;
        self
    }

    /// Only those `predicate` also accepts. It runs under the sandbox's notification lock, on
    /// every notification each time one changes: it must be quick and must not call back into
    /// the sandbox (that would deadlock).
    pub fn matching(
        mut self,
        predicate: impl Fn(&NotificationRecord) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.custom = Some(Arc::new(predicate));
        self
    }

    /// True when `record` (going to `target`) is one of those selected, however far its
    /// delivery got.
    fn selects(&self, record: &NotificationRecord, target: &str) -> bool {
        self.target_prefix
            .as_ref()
            .is_none_or(|p| target_under(p, target))
            && self
                .order_id
                .as_ref()
                .is_none_or(|o| record.order_id.as_ref() == Some(o))
            && self
                .subject
                .as_ref()
                .is_none_or(|s| record.subject.as_ref() == Some(s))
            && self.kind.is_none_or(|k| record.kind == k.as_str())
            && self.custom.as_ref().is_none_or(|f| f(record))
    }

    /// True when its delivery got as far as asked, in the asked round or a newer one.
    fn reached(&self, record: &NotificationRecord) -> bool {
        if record.round < self.min_round {
            return false;
        }
        match self.until {
            Until::Attempted => record
                .attempts
                .last()
                .is_some_and(|a| a.round == record.round),
            Until::Delivered => record.delivered,
            Until::GaveUp => record.gave_up,
        }
    }
}

/// True when `target` goes where `prefix` says (see [`NotificationFilter::to`]).
fn target_under(prefix: &str, target: &str) -> bool {
    let (Ok(p), Ok(t)) = (reqwest::Url::parse(prefix), reqwest::Url::parse(target)) else {
        return target.starts_with(prefix);
    };
    let same_place = p.scheme() == t.scheme()
        && p.host_str().map(str::to_ascii_lowercase) == t.host_str().map(str::to_ascii_lowercase)
        && p.port_or_known_default() == t.port_or_known_default()
        && (p.username().is_empty() || p.username() == t.username())
        && p.password().is_none_or(|pw| Some(pw) == t.password())
        && p.query().is_none_or(|q| Some(q) == t.query());
    let dir = p.path().trim_end_matches('/');
    let path = t.path();
    same_place
        && (dir.is_empty()
            || path == dir
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/')))
}

impl fmt::Debug for NotificationFilter {
    /// What it matches, the target's credentials hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(kind) = self.kind {
            parts.push(kind.as_str().to_owned());
        }
        if let Some(prefix) = &self.target_prefix {
            parts.push(format!("to {}", shown_url(prefix)));
        }
        if let Some(order) = &self.order_id {
            parts.push(format!("order {order:?}"));
        }
        if let Some(subject) = &self.subject {
            parts.push(format!("subject {subject:?}"));
        }
        if self.min_round > 0 {
            parts.push(format!("round {} or newer", self.min_round));
        }
        if self.custom.is_some() {
            parts.push("matching a predicate".to_owned());
        }
        if parts.is_empty() {
            parts.push("any notification".to_owned());
        }
        let until = match self.until {
            Until::Attempted => "attempted",
            Until::Delivered => "delivered",
            Until::GaveUp => "given up",
        };
        write!(f, "{}, {until}", parts.join(", "))
    }
}

/// No notification matched in time. Its message lists the notifications that matched all but
/// the delivery state (the newest few), so a test failure says what happened instead.
#[derive(Clone, Debug)]
pub struct WaitTimeout {
    filter: String,
    waited: Duration,
    near: Vec<NotificationRecord>,
    total: usize,
}

/// At most this many near misses are kept in a [`WaitTimeout`].
const NEAR_MISSES: usize = 5;

impl WaitTimeout {
    /// The notifications that matched the filter except for how far their delivery got (or
    /// that this handle had already returned), newest last, at most five.
    pub fn seen(&self) -> &[NotificationRecord] {
        &self.near
    }

    /// How many notifications the sandbox remembered when the wait ended.
    pub fn total(&self) -> usize {
        self.total
    }

    /// How long it waited.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no notification ({}) within {:?}; the sandbox has {} notification(s)",
            self.filter, self.waited, self.total
        )?;
        if self.near.is_empty() {
            return f.write_str(", none to that target/order/kind");
        }
        f.write_str("; near misses:")?;
        for record in &self.near {
            write!(f, "\n  {}", summary(record))?;
        }
        Ok(())
    }
}

impl std::error::Error for WaitTimeout {}

/// One line about a notification: id, kind, target as shown, attempts and the last outcome.
fn summary(record: &NotificationRecord) -> String {
    let state = if record.delivered {
        "delivered"
    } else if record.gave_up {
        "gave up"
    } else if record.attempts.is_empty() {
        "no attempt yet"
    } else {
        "retrying"
    };
    let last = record
        .attempts
        .last()
        .map_or(String::new(), |a| match (a.status, &a.error) {
            (Some(status), None) => format!(", last: HTTP {status}"),
            (Some(status), Some(error)) => format!(", last: HTTP {status}, {error}"),
            (None, error) => format!(", last: {}", error.as_deref().unwrap_or("no answer")),
        });
    format!(
        "#{} {} to {} (order {}): {} attempt(s), {state}{last}",
        record.id,
        record.kind,
        record.target,
        record.order_id.as_deref().unwrap_or("-"),
        record.attempts_total
    )
}

impl Notifications {
    pub(crate) fn new(delivery: Arc<Delivery>) -> Notifications {
        Notifications {
            delivery,
            returned: Arc::default(),
        }
    }

    /// Waits until a notification matches `filter` (one already there counts) that this
    /// handle has not returned in that state (attempted, delivered, given up) and round yet;
    /// returns it as it was when it matched.
    ///
    /// # Errors
    /// [`WaitTimeout`] when none matched within `timeout` (or the sandbox stopped).
    pub async fn wait_for(
        &self,
        filter: NotificationFilter,
        timeout: Duration,
    ) -> Result<NotificationRecord, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.delivery.subscribe();
        loop {
            changes.borrow_and_update();
            if let Some(found) = self.take(&filter) {
                return Ok(found);
            }
            if self.delivery.is_closed() {
                break;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => break,
            }
        }
        // A change at the deadline is not a timeout.
        if let Some(found) = self.take(&filter) {
            return Ok(found);
        }
        Err(self.timed_out(&filter, timeout))
    }

    /// The oldest match not returned yet in this state and round, marked as returned.
    fn take(&self, filter: &NotificationFilter) -> Option<NotificationRecord> {
        let mut returned = self.returned.lock().unwrap_or_else(|e| e.into_inner());
        let found = self.delivery.find(|record, target| {
            !returned.contains(&(record.id, record.round, filter.until))
                && filter.selects(record, target)
                && filter.reached(record)
        })?;
        returned.insert((found.id, found.round, filter.until));
        Some(found)
    }

    fn timed_out(&self, filter: &NotificationFilter, waited: Duration) -> WaitTimeout {
        let near = self
            .delivery
            .newest_where(NEAR_MISSES, |record, target| filter.selects(record, target));
        let total = self.delivery.len();
        WaitTimeout {
            filter: format!("{filter:?}"),
            waited,
            near,
            total,
        }
    }

    /// The newest notifications (at most 1,000), oldest first, as `GET /sandbox/notifications`.
    pub fn list(&self) -> Vec<NotificationRecord> {
        self.delivery.list()
    }

    /// One notification, if still remembered.
    pub fn get(&self, id: u64) -> Option<NotificationRecord> {
        self.delivery.get(id)
    }

    /// The signed body exactly as sent, with its content type.
    pub fn body(&self, id: u64) -> Option<(String, Vec<u8>)> {
        self.delivery.body(id)
    }

    /// Sends notification `id` again, as `POST /sandbox/notifications/{id}/resend`: the same
    /// signed body to the same target, one new round of attempts (on the sandbox's runtime,
    /// whoever calls), the previous round stopped. Returns the new round's number, for
    /// [`NotificationFilter::round`].
    ///
    /// # Errors
    /// [`ResendError::Unknown`] when no such notification is remembered.
    pub fn resend(&self, id: u64) -> Result<u32, ResendError> {
        self.delivery.resend_round(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &'static str, order: &str, delivered: bool) -> NotificationRecord {
        NotificationRecord {
            id: 1,
            kind,
            target: "http://***@127.0.0.1:9/ipn".into(),
            order_id: Some(order.into()),
            subject: None,
            created_at: String::new(),
            content_type: String::new(),
            body_bytes: 0,
            seq: 1,
            attempts: Vec::new(),
            attempts_total: 0,
            round: 0,
            delivered,
            gave_up: false,
        }
    }

    #[test]
    fn filters_select_by_target_order_and_kind_and_wait_for_the_state() {
        let target = "http://merchant:pw@127.0.0.1:9/ipn";
        let filter = NotificationFilter::to("http://merchant:pw@127.0.0.1:9/")
            .order_id("o-1")
            .kind(NotificationKind::LyraIpn)
            .delivered();
        assert!(filter.selects(&record(LYRA_IPN, "o-1", false), target));
        assert!(!filter.selects(&record(LYRA_IPN, "o-2", false), target));
        assert!(!filter.selects(&record(ETPAY_WEBHOOK, "o-1", false), target));
        assert!(!filter.selects(&record(LYRA_IPN, "o-1", false), "http://127.0.0.1:9/ipn"));
        assert!(!filter.reached(&record(LYRA_IPN, "o-1", false)));
        assert!(filter.reached(&record(LYRA_IPN, "o-1", true)));
        let custom = NotificationFilter::any().matching(|r| r.delivered);
        assert!(!custom.selects(&record(LYRA_IPN, "o-1", false), target));
    }

    #[test]
    fn a_target_prefix_matches_whole_origins_and_path_segments() {
        let to = |prefix: &str, target: &str| {
            NotificationFilter::to(prefix).selects(&record(LYRA_IPN, "o", false), target)
        };
        assert!(to("http://127.0.0.1:3000/ipn", "http://127.0.0.1:3000/ipn"));
        assert!(to(
            "http://127.0.0.1:3000/ipn",
            "http://127.0.0.1:3000/ipn/lyra"
        ));
        assert!(to(
            "http://127.0.0.1:3000/ipn/",
            "http://127.0.0.1:3000/ipn"
        ));
        assert!(to("http://127.0.0.1:3000", "http://127.0.0.1:3000/ipn?x=1"));
        assert!(to("http://localhost/", "http://LOCALHOST:80/ipn"));
        assert!(!to(
            "http://127.0.0.1:3000/ipn",
            "http://127.0.0.1:3000/ipn2"
        ));
        assert!(!to("http://127.0.0.1:3000", "http://127.0.0.1:30001/ipn"));
        assert!(!to("http://127.0.0.1:3000/", "https://127.0.0.1:3000/"));
    }

    #[test]
    fn a_filter_never_shows_the_targets_credentials() {
        let shown = format!(
            "{:?}",
            NotificationFilter::to("http://merchant:s3cret@127.0.0.1/")
        );
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("127.0.0.1"), "{shown}");
    }
}

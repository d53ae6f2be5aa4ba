//! Read-only copies of the ETpay state for the dashboard (`dashboard/etpay.rs`): the newest
//! sessions and how each ended, copied out under the lock so no page is rendered (or awaited)
//! while it is held.

use std::collections::HashMap;

use serde_json::Value;

use crate::etpay::state::EtpayState;
use crate::store::Newest;
use crate::url_check::shown_url;
use crate::util::{cut, short_json, SHOWN_JSON_CHARS};

/// How a session ended, as the dashboard shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionState {
    /// Not completed yet: the funnel (or the dashboard) can still pay or reject it.
    Open,
    /// Completed with `payment_status: true`.
    Paid,
    /// Completed with `payment_status: false`.
    Rejected,
    /// Completed without a payment (a system error, or its payment was forgotten).
    Ended,
}

/// A session as the dashboard shows it.
#[derive(Clone, Debug)]
pub(crate) struct SessionView {
    pub token: String,
    pub merchant_order_id: Option<String>,
    pub amount: Option<i64>,
    pub webhook_url: Option<String>,
    pub state: SessionState,
}

/// A JSON string, or another scalar as its JSON text, cut short.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(cut(s, SHOWN_JSON_CHARS)),
        other => short_json(other),
    }
}

impl EtpayState {
    /// The newest `n` sessions, with the outcome of those completed.
    pub(crate) fn newest_sessions(&self, n: usize) -> Newest<SessionView> {
        let mut newest = self.sessions.newest(
            n,
            |_, _| true,
            |token, s| SessionView {
                token: token.clone(),
                merchant_order_id: text_of(&s.request["merchant_order_id"]),
                amount: s.request["order_amount"].as_i64(),
                webhook_url: s.request["payment_webhook_url"].as_str().map(shown_url),
                state: if s.done {
                    SessionState::Ended
                } else {
                    SessionState::Open
                },
            },
        );
        let done: HashMap<&str, usize> = newest
            .items
            .iter()
            .enumerate()
            .filter(|(_, s)| s.state == SessionState::Ended)
            .map(|(i, s)| (s.token.as_str(), i))
            .collect();
        let mut outcomes = Vec::new();
        for claims in self.payments.values() {
            let token = claims["session_token"].as_str().unwrap_or_default();
            if let Some(&i) = done.get(token) {
                outcomes.push((i, claims["payment_status"] == true));
            }
        }
        for (i, paid) in outcomes {
            newest.items[i].state = if paid {
                SessionState::Paid
            } else {
                SessionState::Rejected
            };
        }
        newest
    }
}

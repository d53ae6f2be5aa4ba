//! The dashboard's ETpay section: sessions, how each ended, and for an open one the buttons the
//! funnel offers (pay, reject) plus ETpay's system-error redirect. Rendered from copies
//! (`etpay/snapshot.rs`), never under the state's lock.

use crate::app::App;
use crate::dashboard::markup::{
    action_form, badge_as, code_or_dash, maybe_money, section, segment, short_id, table,
};
use crate::etpay::snapshot::{SessionState, SessionView};
use crate::store::Newest;
use crate::util::html;

/// How many sessions the section lists (the newest).
const LISTED: usize = 50;

/// The sessions the section shows, copied out of the state.
pub(super) struct EtpayView {
    sessions: Newest<SessionView>,
}

impl EtpayView {
    /// Copies what the section shows; the lock is held only while copying.
    pub(super) fn copy(app: &App) -> EtpayView {
        EtpayView {
            sessions: app.etpay().newest_sessions(LISTED),
        }
    }

    /// The section, as HTML; `hidden` is added to every action form (the live toggle).
    pub(super) fn render(&self, hidden: &[(&str, &str)]) -> String {
        let rows: String = self
            .sessions
            .items
            .iter()
            .map(|s| session_row(s, hidden))
            .collect();
        section(
            "etpay-sessions",
            "ETpay sessions",
            "Sessions opened by /session/initialize: pay or reject an open one as the funnel does (the webhook follows).",
            &table(
                &["Session", "Order", "Amount", "Webhook", "State", "Actions"],
                &rows,
            ),
            self.sessions.items.is_empty(),
            self.sessions.hidden,
        )
    }
}

fn session_row(s: &SessionView, hidden: &[(&str, &str)]) -> String {
    let (class, label) = match s.state {
        SessionState::Open => ("pending", "OPEN"),
        SessionState::Paid => ("paid", "PAID"),
        SessionState::Rejected => ("refused", "REJECTED"),
        SessionState::Ended => ("cancelled", "ENDED"),
    };
    let (session, actions) = if s.state == SessionState::Open {
        let action = |outcome: &str| {
            format!(
                "/sandbox/dashboard/actions/etpay/sessions/{}/{outcome}",
                segment(&s.token)
            )
        };
        (
            format!(
                "<a href=\"/sandbox/etpay/session/{}\">{}</a>",
                segment(&s.token),
                short_id(&s.token)
            ),
            action_form(&action("paid"), "pay", "Pay", hidden, "")
                + &action_form(&action("rejected"), "reject", "Reject", hidden, "")
                + &action_form(
                    &action("system_error"),
                    "system-error",
                    "System error",
                    hidden,
                    "",
                ),
        )
    } else {
        (short_id(&s.token), String::new())
    };
    format!(
        "<tr class=\"etpay-session\" data-token=\"{}\" data-state=\"{}\"><td>{session}</td><td>{}</td>\
         <td>{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>",
        html(&s.token),
        html(label),
        code_or_dash(s.merchant_order_id.as_deref()),
        maybe_money(s.amount, Some("CLP")),
        code_or_dash(s.webhook_url.as_deref()),
        badge_as(class, label),
    )
}

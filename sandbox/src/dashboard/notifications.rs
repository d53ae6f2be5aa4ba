//! The dashboard's notifications: the overview's section (each notification with its newest
//! attempts and a resend button) and a notification's own page (every attempt, the signed
//! body, resend). A merchant's answer, its URL and the order id are attacker-chosen: all are
//! escaped.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::App;
use crate::dashboard::markup::{
    action_form, badge_as, code_or_dash, muted, section, short_id, table,
};
use crate::dashboard::{refresh_tag, PageQuery};
use crate::delivery::{Attempt, NotificationRecord};
use crate::util::{cut, html, html_page};

/// How many notifications the overview lists (the newest).
const LISTED: usize = 50;
/// How many attempts of one notification the overview lists (the newest).
const ATTEMPTS_LISTED: usize = 10;
/// How many characters of an answer the overview shows (its page shows all that was kept).
const ANSWER_CHARS: usize = 80;
/// How many bytes of the signed body a notification's page shows.
const BODY_SHOWN: usize = 64 << 10;

/// `GET /sandbox/dashboard/notifications/{id}`.
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route("/sandbox/dashboard/notifications/{id}", get(detail))
}

/// The notifications the overview shows, copied out of the log.
pub(super) struct NotificationsView {
    records: Vec<NotificationRecord>,
    hidden: usize,
}

impl NotificationsView {
    /// Copies the newest notifications; the log's lock is held only while copying.
    pub(super) fn copy(app: &App) -> NotificationsView {
        let mut records = app.delivery.newest_where(LISTED, |_, _| true);
        records.reverse();
        let hidden = app.delivery.len().saturating_sub(records.len());
        NotificationsView { records, hidden }
    }

    /// The section, as HTML; `hidden` is added to every resend form (the live toggle).
    pub(super) fn render(&self, hidden: &[(&str, &str)]) -> String {
        let rows: String = self
            .records
            .iter()
            .map(|r| record_rows(r, hidden))
            .collect();
        section(
            "notifications",
            "Notifications",
            "Every IPN and webhook the sandbox sent, newest first, with each delivery attempt.",
            &table(
                &[
                    "#", "Kind", "Order", "Target", "State", "Attempts", "Actions",
                ],
                &rows,
            ),
            self.records.is_empty(),
            self.hidden,
        )
    }
}

/// The delivery state of a record: delivered, failed (every attempt of the newest round), or
/// pending (a round in flight).
fn delivery_badge(record: &NotificationRecord) -> String {
    if record.delivered {
        badge_as("delivered", "DELIVERED")
    } else if record.gave_up {
        badge_as("failed", "FAILED")
    } else {
        badge_as("pending", "PENDING")
    }
}

/// The resend button of a notification.
fn resend_form(id: u64, hidden: &[(&str, &str)]) -> String {
    action_form(
        &format!("/sandbox/dashboard/actions/notifications/{id}/resend"),
        "resend",
        "Resend",
        hidden,
        "",
    )
}

fn record_rows(r: &NotificationRecord, hidden: &[(&str, &str)]) -> String {
    let head = format!(
        "<tr class=\"notification\" data-id=\"{id}\" data-attempts=\"{n}\" data-delivered=\"{delivered}\">\
         <td><a href=\"/sandbox/dashboard/notifications/{id}\">#{id}</a></td><td>{kind}</td><td>{order}</td>\
         <td><code>{target}</code></td><td>{state}</td><td>{n}</td><td>{resend}</td></tr>",
        id = r.id,
        n = r.attempts.len(),
        delivered = r.delivered,
        kind = html(r.kind),
        order = code_or_dash(r.order_id.as_deref()),
        target = html(&r.target),
        state = delivery_badge(r),
        resend = resend_form(r.id, hidden),
    );
    let earlier = r.attempts.len().saturating_sub(ATTEMPTS_LISTED);
    let attempts: String = r.attempts[earlier..]
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                "<tr class=\"attempt\" data-notification=\"{}\"><td></td><td colspan=\"6\">{}</td></tr>",
                r.id,
                attempt_summary(earlier + i + 1, a, ANSWER_CHARS)
            )
        })
        .collect();
    let more = if earlier > 0 {
        format!(
            "<tr class=\"attempt\"><td></td><td colspan=\"6\">{}</td></tr>",
            muted(&format!("{earlier} earlier attempts on its page"))
        )
    } else {
        String::new()
    };
    head + &more + &attempts
}

/// One attempt on one line: number, time, status (or error), latency, the answer's first
/// characters.
fn attempt_summary(n: usize, a: &Attempt, answer_chars: usize) -> String {
    let outcome = match (a.status, &a.error) {
        (Some(status), None) => format!("HTTP {status}"),
        (Some(status), Some(error)) => format!("HTTP {status}, {error}"),
        (None, Some(error)) => error.clone(),
        (None, None) => "no answer".to_owned(),
    };
    let state = if a.succeeded() {
        badge_as("delivered", &outcome)
    } else {
        badge_as("failed", &outcome)
    };
    let answer = a
        .answer
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            format!(
                " answer <code class=\"answer\">{}</code>",
                html(&cut(s, answer_chars))
            )
        })
        .unwrap_or_default();
    format!(
        "{}attempt {n} at {} {state} in {} ms{answer}",
        if a.resend { "resend · " } else { "" },
        html(&a.at),
        a.latency_ms,
    )
}

/// `GET /sandbox/dashboard/notifications/{id}`: the record, every attempt, the signed body.
async fn detail(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let found = id.parse::<u64>().ok().and_then(|id| {
        let record = app.delivery.get(id)?;
        Some((record, app.delivery.body(id)))
    });
    let Some((record, body)) = found else {
        return (
            StatusCode::NOT_FOUND,
            "unknown notification (never sent, or forgotten)",
        )
            .into_response();
    };
    let in_flight = !record.delivered && !record.gave_up;
    let refresh = if in_flight {
        refresh_tag()
    } else {
        String::new()
    };
    let hidden: &[(&str, &str)] = &[("back", "notification")];
    let attempts: String = record
        .attempts
        .iter()
        .enumerate()
        .map(|(i, a)| format!("<li>{}</li>", attempt_summary(i + 1, a, usize::MAX)))
        .collect();
    let page = format!(
        "{refresh}<h1>Notification #{id}</h1>{flash}<p><a href=\"/\">Dashboard</a></p>\
         <section class=\"card\" id=\"notification\"><table class=\"rows\"><tbody>{rows}</tbody></table>\
         <div>{resend}</div></section>\
         <section class=\"card\" id=\"attempts\"><h2>Attempts</h2><ol>{attempts}</ol></section>{body}",
        id = record.id,
        flash = query.flash(),
        rows = record_fields(&record),
        resend = resend_form(record.id, hidden),
        body = body_section(record.id, body),
    );
    html_page(&format!("Notification #{}", record.id), &page).into_response()
}

/// The record's fields, as table rows.
fn record_fields(r: &NotificationRecord) -> String {
    let fields = [
        ("Kind", html(r.kind)),
        ("Target", format!("<code>{}</code>", html(&r.target))),
        ("Order", code_or_dash(r.order_id.as_deref())),
        (
            "About",
            r.subject.as_deref().map_or_else(|| muted("–"), short_id),
        ),
        ("Created", html(&r.created_at)),
        ("State", delivery_badge(r)),
    ];
    let rows: String = fields
        .iter()
        .map(|(name, value)| format!("<tr><th>{name}</th><td>{value}</td></tr>"))
        .collect();
    format!(
        "<tr class=\"notification\" data-id=\"{}\" data-attempts=\"{}\" data-delivered=\"{}\"><th>#</th><td>{}</td></tr>{rows}",
        r.id,
        r.attempts.len(),
        r.delivered,
        r.id
    )
}

/// The signed body as sent (escaped, the first [`BODY_SHOWN`] bytes; a form-encoded IPN field by
/// field, JSON indented), with a link to the exact bytes.
fn body_section(id: u64, body: Option<(String, Vec<u8>)>) -> String {
    let Some((content_type, bytes)) = body else {
        return String::new();
    };
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_SHOWN)]).into_owned();
    let cut_note = if bytes.len() > BODY_SHOWN {
        muted(&format!(
            " (the first {BODY_SHOWN} of {} bytes)",
            bytes.len()
        ))
    } else {
        String::new()
    };
    let shown_body = if content_type.starts_with("application/x-www-form-urlencoded") {
        let rows: String = form_urlencoded::parse(shown.as_bytes())
            .map(|(k, v)| {
                format!(
                    "<tr><th><code>{}</code></th><td><pre>{}</pre></td></tr>",
                    html(&k),
                    html(&pretty(&v))
                )
            })
            .collect();
        format!("<table class=\"rows\"><tbody>{rows}</tbody></table>")
    } else {
        format!("<pre class=\"body\">{}</pre>", html(&pretty(&shown)))
    };
    format!(
        "<section class=\"card\" id=\"body\"><h2>Signed body</h2><p><code>{}</code>, {} bytes{cut_note} · \
         <a href=\"/sandbox/notifications/{id}/body\">exact bytes</a></p>{shown_body}</section>",
        html(&content_type),
        bytes.len(),
    )
}

/// A JSON value indented (Lyra's `kr-answer`), anything else as it is.
fn pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_owned())
}

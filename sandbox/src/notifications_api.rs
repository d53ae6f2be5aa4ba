//! The notification log over HTTP: the listing (filtered by order, and a long-poll for what
//! changed since a sequence number), one record, its signed body, and resending it.
//!
//! A long-poll waits inside its connection's task on the log's change counter: no task, timer
//! or buffer of its own beyond that. At most `MAX_WAITING` (64) wait at once, fewer than the
//! connection cap of `listen.rs`: when every slot is taken a listing answers at once, so
//! waiting requests never take every connection. It returns `[]` when its wait is up or the
//! sandbox stops.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::delivery::{Delivery, NotificationRecord, MAX_LISTED};

/// The longest a listing waits (`wait=` is capped to it).
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(30);

/// `GET /sandbox/notifications`, `GET /sandbox/notifications/{id}`,
/// `GET /sandbox/notifications/{id}/body`, `POST /sandbox/notifications/{id}/resend`.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/sandbox/notifications", get(list))
        .route("/sandbox/notifications/{id}", get(one))
        .route("/sandbox/notifications/{id}/body", get(body))
        .route("/sandbox/notifications/{id}/resend", post(resend))
}

/// The listing's query parameters, all optional.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    /// Only this order's notifications.
    order_id: Option<String>,
    /// Only records changed after this sequence number (`seq`).
    after: Option<u64>,
    /// Seconds to wait while nothing matches (capped to [`MAX_WAIT`]).
    wait: Option<u64>,
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

fn unknown() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "unknown notification (never sent, or forgotten)",
    )
}

/// `GET /sandbox/notifications[?order_id=…][&after=<seq>][&wait=<seconds>]`: the newest 1,000
/// matching records, oldest first; with `after`, the 1,000 least recently changed after that
/// `seq`, lowest `seq` first (asking again from the last one drains every change); with
/// `wait`, blocks until one matches or the time is up (at once when every waiting slot is
/// taken).
async fn list(
    State(app): State<Arc<App>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "query parameters: order_id=<text>, after=<seq>, wait=<seconds>",
        );
    };
    let delivery = &app.delivery;
    // A follower ahead of this sandbox's counter followed another instance (this one
    // restarted): it is answered at once, and its instance header tells it.
    let behind = query
        .after
        .is_some_and(|after| after > delivery.current_seq());
    let slot = query
        .wait
        .filter(|w| *w > 0 && !behind)
        .and_then(|_| delivery.wait_slot());
    let wait = match slot {
        Some(_) => Duration::from_secs(query.wait.unwrap_or(0)).min(MAX_WAIT),
        None => Duration::ZERO,
    };
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = delivery.subscribe();
    let keep = |record: &NotificationRecord| {
        query
            .order_id
            .as_ref()
            .is_none_or(|o| record.order_id.as_ref() == Some(o))
    };
    loop {
        let seq = *changes.borrow_and_update();
        // Nothing changed after `after`: no need to look through the log.
        if query.after.is_none_or(|after| seq > after) {
            let found = match query.after {
                Some(after) => delivery.changed_after(after, MAX_LISTED, keep),
                None => delivery.newest_where(MAX_LISTED, |record, _| keep(record)),
            };
            if !found.is_empty() {
                return listing(delivery, found);
            }
        }
        if delivery.is_closed() {
            break;
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            _ => break,
        }
    }
    drop(slot);
    listing(delivery, Vec::new())
}

/// The listing's answer, with the headers a follower needs: `Pasarela-Sandbox-Instance`
/// (random per sandbox: when it changes, the sandbox restarted and `seq` started again from
/// 0) and `Pasarela-Sandbox-Seq` (the newest `seq` now).
fn listing(delivery: &Delivery, records: Vec<NotificationRecord>) -> Response {
    (
        [
            (INSTANCE_HEADER, delivery.instance().to_owned()),
            (SEQ_HEADER, delivery.current_seq().to_string()),
        ],
        Json(records),
    )
        .into_response()
}

/// See [`listing`].
const INSTANCE_HEADER: &str = "pasarela-sandbox-instance";
/// See [`listing`].
const SEQ_HEADER: &str = "pasarela-sandbox-seq";

/// A notification id from the path; anything else is an unknown notification.
fn id(raw: &str) -> Option<u64> {
    raw.parse().ok()
}

/// `GET /sandbox/notifications/{id}`.
async fn one(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    match id(&raw).and_then(|id| app.delivery.get(id)) {
        Some(record) => Json(record).into_response(),
        None => unknown(),
    }
}

/// `GET /sandbox/notifications/{id}/body`: the signed body exactly as sent, with its content
/// type (never sniffed as something a browser would run).
async fn body(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    match id(&raw).and_then(|id| app.delivery.body(id)) {
        Some((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        None => unknown(),
    }
}

/// `POST /sandbox/notifications/{id}/resend`: 202 with the record (its new round started), 404
/// when unknown. The request body, if any, is ignored.
async fn resend(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    let Some(id) = id(&raw) else {
        return unknown();
    };
    if app.delivery.resend(id).is_err() {
        return unknown();
    }
    match app.delivery.get(id) {
        Some(record) => (StatusCode::ACCEPTED, Json(record)).into_response(),
        None => unknown(),
    }
}

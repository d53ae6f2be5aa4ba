//! The dashboard's buttons: HTML forms posting to `/sandbox/dashboard/actions/…`, each
//! answered by a 303 back to the page with what happened (`?ok=` or `?error=`). Every action
//! takes the API's own path, so a button does exactly what the API call does and is refused
//! with the API's error:
//!
//! * resend a notification: `Delivery::resend`, as `POST /sandbox/notifications/{id}/resend`;
//! * pay or refuse an open formToken: `lyra/payment.rs` `pay_form` and `send_ipn`, as
//!   `POST /sandbox/lyra/pay` (the first IPN attempt is awaited, so the page shows it);
//! * cancel, refund, capture or validate a transaction: the web service's handler behind the
//!   request schema (`lyra/api.rs` `call`), as `POST /api-payment/V4/Transaction/…`;
//! * pay, reject or fail an ETpay session: `etpay/funnel.rs` `complete`, as
//!   `POST /sandbox/etpay/pay`.
//!
//! The guard (`guard.rs`) refuses these posts from another site (`Sec-Fetch-Site: cross-site`,
//! a foreign `Origin`) like every state change; the dashboard's own forms are same-origin.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::lyra::cards::{CardOutcome, TestCard};
use crate::lyra::model::FormRefusal;
use crate::lyra::payment::{pay_form, send_ipn};

/// The actions' routes.
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/sandbox/dashboard/actions/notifications/{id}/resend",
            post(resend),
        )
        .route(
            "/sandbox/dashboard/actions/lyra/forms/{form_token}/pay",
            post(pay),
        )
        .route(
            "/sandbox/dashboard/actions/lyra/transactions/{uuid}/{operation}",
            post(transaction),
        )
        .route(
            "/sandbox/dashboard/actions/etpay/sessions/{token}/{outcome}",
            post(etpay_session),
        )
}

/// The fields an action's form may send; the buttons' own names (`resend=1`, `cancel=1`…) are
/// ignored, except `refuse` on a formToken's form.
#[derive(Debug, Default, Deserialize)]
struct ActionForm {
    /// `1` when the page was live (kept on the way back).
    live: Option<String>,
    /// `notification` to go back to the notification's page instead of the overview.
    back: Option<String>,
    /// The card outcome of a pay button: `paid` (default), `captured`, `to_validate`.
    outcome: Option<String>,
    /// Present when the refuse button was pressed.
    refuse: Option<String>,
    /// The test bank of an ETpay payment (the funnel's first one by default).
    bank: Option<String>,
}

/// What an action did, for the page it goes back to.
type Outcome = Result<String, String>;

/// The 303 back to the overview, or to a notification's page, with the outcome (shown at the
/// top of the page).
fn back(form: &ActionForm, notification: Option<u64>, outcome: Outcome) -> Redirect {
    let mut query = form_urlencoded::Serializer::new(String::new());
    match &outcome {
        Ok(text) => query.append_pair("ok", text),
        Err(text) => query.append_pair("error", text),
    };
    let page = match (form.back.as_deref(), notification) {
        (Some("notification"), Some(id)) => format!("/sandbox/dashboard/notifications/{id}"),
        _ => {
            if form.live.as_deref() == Some("1") {
                query.append_pair("live", "1");
            }
            "/".to_owned()
        }
    };
    Redirect::to(&format!("{page}?{}", query.finish()))
}

/// `POST /sandbox/dashboard/actions/notifications/{id}/resend`.
async fn resend(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
    Form(form): Form<ActionForm>,
) -> Redirect {
    let outcome = app
        .delivery
        .resend(id)
        .map(|()| {
            format!(
                "Notification #{id} sent again (the same signed body, a new round of attempts)."
            )
        })
        .map_err(|e| format!("Notification #{id}: {e}"));
    // An unknown notification has no page to go back to.
    let page = outcome.is_ok().then_some(id);
    back(&form, page, outcome)
}

/// `POST /sandbox/dashboard/actions/lyra/forms/{form_token}/pay`: pays with the first test card
/// of the chosen outcome, or refuses.
async fn pay(
    State(app): State<Arc<App>>,
    Path(form_token): Path<String>,
    Form(form): Form<ActionForm>,
) -> Redirect {
    let outcome = if form.refuse.is_some() {
        CardOutcome::Refused
    } else {
        match form.outcome.as_deref() {
            None | Some("paid") => CardOutcome::Authorised,
            Some("captured") => CardOutcome::Captured,
            Some("to_validate") => CardOutcome::ToValidate,
            Some(_) => {
                let error = "outcome must be paid, captured or to_validate".to_owned();
                return back(&form, None, Err(error));
            }
        }
    };
    let result = pay_and_notify(&app, &form_token, outcome).await;
    back(&form, None, result)
}

/// Pays a formToken as `POST /sandbox/lyra/pay` does and waits for the first IPN attempt.
async fn pay_and_notify(app: &App, form_token: &str, outcome: CardOutcome) -> Outcome {
    let card: &'static TestCard =
        TestCard::with_outcome(outcome).ok_or("no test card has this outcome")?;
    let paid = pay_form(app, form_token, card).map_err(|refusal| match refusal {
        FormRefusal::Used => "this formToken was already paid (INT_906)".to_owned(),
        FormRefusal::NotFound => "formToken not found or expired (INT_903)".to_owned(),
    })?;
    let status = paid.payment["orderStatus"]
        .as_str()
        .unwrap_or("?")
        .to_owned();
    let ipn = match send_ipn(app, &paid) {
        Some((_, _, first)) => match first.await {
            Ok(attempt) => attempt.status.map_or_else(
                || format!("IPN not delivered: {}", attempt.error.unwrap_or_default()),
                |s| format!("IPN answered HTTP {s}"),
            ),
            Err(_) => "IPN: no attempt".to_owned(),
        },
        None => "no IPN: no notification URL (ipnTargetUrl or --lyra-notification-url)".to_owned(),
    };
    Ok(format!("Order {status}; {ipn}."))
}

/// `POST /sandbox/dashboard/actions/lyra/transactions/{uuid}/{operation}`: `cancel`,
/// `refund` (what remains), `capture` or `validate`, through the web service.
async fn transaction(
    State(app): State<Arc<App>>,
    Path((uuid, operation)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Redirect {
    let request: Option<(&str, Value)> = match operation.as_str() {
        "cancel" => Some((
            "Transaction/CancelOrRefund",
            json!({"uuid": uuid, "resolutionMode": "CANCELLATION_ONLY"}),
        )),
        "refund" => Some(("Transaction/Refund", json!({"uuid": uuid}))),
        "capture" => Some(("Transaction/Capture", json!({"uuids": [uuid]}))),
        "validate" => Some(("Transaction/Validate", json!({"uuid": uuid}))),
        _ => None,
    };
    let Some((web_service, request)) = request else {
        let error = "unknown action: cancel, refund, capture or validate".to_owned();
        return back(&form, None, Err(error));
    };
    let body = serde_json::to_vec(&request).unwrap_or_default();
    let outcome = match crate::lyra::api::call(&app, web_service, &body) {
        Ok(answer) => Ok(format!(
            "{web_service}: the transaction is now {} / {}.",
            answer["status"].as_str().unwrap_or("?"),
            answer["detailedStatus"].as_str().unwrap_or("?")
        )),
        Err(e) => Err(format!(
            "{web_service} refused: {} {}{}",
            e.code,
            e.message,
            e.detail.map(|d| format!(" ({d})")).unwrap_or_default()
        )),
    };
    back(&form, None, outcome)
}

/// `POST /sandbox/dashboard/actions/etpay/sessions/{token}/{outcome}`: `paid`, `rejected` or
/// `system_error`, as the funnel or the control endpoint completes a session.
async fn etpay_session(
    State(app): State<Arc<App>>,
    Path((token, outcome)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Redirect {
    if !matches!(outcome.as_str(), "paid" | "rejected" | "system_error") {
        let error = "outcome must be paid, rejected or system_error".to_owned();
        return back(&form, None, Err(error));
    }
    let result =
        match crate::etpay::funnel::complete(&app, &token, &outcome, form.bank.as_deref()).await {
            Ok(done) => Ok(format!(
                "ETpay session {outcome}; {}.",
                webhook_summary(&done.webhook)
            )),
            Err((status, text)) => Err(format!("ETpay session: {text} (HTTP {})", status.as_u16())),
        };
    back(&form, None, result)
}

/// The first webhook attempt, in words.
fn webhook_summary(webhook: &Value) -> String {
    match (webhook["status"].as_u64(), webhook["error"].as_str()) {
        (Some(status), _) => format!("webhook answered HTTP {status}"),
        (None, Some(error)) => format!("webhook not delivered: {error}"),
        (None, None) => "no webhook".to_owned(),
    }
}

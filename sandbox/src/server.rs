//! The HTTP surface of the sandbox: every route, and the notification log; the page at `/` is
//! the dashboard (`dashboard/`).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::app::App;
use crate::delivery::NotificationRecord;

/// All routes of the sandbox, behind the host and cross-site guard (`guard.rs`).
pub(crate) fn router(app: Arc<App>) -> Router {
    let guard = axum::middleware::from_fn_with_state(app.clone(), crate::guard::guard);
    Router::new()
        .merge(crate::dashboard::routes())
        .route(
            "/api-payment/V4/{*web_service}",
            post(crate::lyra::api::handle),
        )
        .route("/sandbox/notifications", get(notifications))
        .merge(crate::lyra::shopper::routes())
        .merge(crate::etpay::routes())
        .with_state(app)
        .layer(guard)
}

async fn notifications(State(app): State<Arc<App>>) -> Json<Vec<NotificationRecord>> {
    Json(app.delivery.list())
}

//! The HTTP surface of the sandbox: every route. The page at `/` is the dashboard
//! (`dashboard/`), the notification log's routes are in `notifications_api.rs`, the stylesheet
//! in `look.rs`.

use std::sync::Arc;

use axum::routing::post;
use axum::Router;

use crate::app::App;

/// All routes of the sandbox, behind the host and cross-site guard (`guard.rs`).
pub(crate) fn router(app: Arc<App>) -> Router {
    let guard = axum::middleware::from_fn_with_state(app.clone(), crate::guard::guard);
    Router::new()
        .merge(crate::dashboard::routes())
        .route(
            "/api-payment/V4/{*web_service}",
            post(crate::lyra::api::handle),
        )
        .merge(crate::notifications_api::routes())
        .merge(crate::lyra::shopper::routes())
        .merge(crate::etpay::routes())
        .merge(crate::look::routes())
        .with_state(app)
        .layer(guard)
}

//! The ETpay side of the sandbox: the merchant API (`api`), the Direct Debit session
//! (`direct_debit`), the shopper's funnel and its control endpoint (`funnel`), the funnel's HTML
//! (`pages`), what they remember (`state`) and its copy for the dashboard (`snapshot`).
//!
//! ETpay documents no error bodies; the sandbox answers `{"message": "..."}` with 400 (invalid
//! request) or 401 (wrong merchant credentials), the shape third-party code reads.

mod api;
mod direct_debit;
pub(crate) mod funnel;
mod pages;
pub(crate) mod snapshot;
pub(crate) mod state;

use std::sync::Arc;

use axum::Router;

use crate::app::App;

pub use state::TEST_BANKS;

/// ETpay's answer to a body type the JSON API refuses (see `guard.rs`).
pub(crate) fn body_type_refused(media: &str) -> axum::response::Response {
    api::body_type_refused(media)
}

/// The merchant API under `/etpay`, the funnel and control endpoint under `/sandbox/etpay`.
pub(crate) fn routes() -> Router<Arc<App>> {
    api::routes()
        .merge(direct_debit::routes())
        .merge(funnel::routes())
}

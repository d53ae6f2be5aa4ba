//! The ETpay side of the sandbox (session API, funnel page, JWT webhook). Routes are added
//! by `routes()`.

use std::sync::Arc;

use axum::Router;

use super::App;

/// ETpay sessions and payments.
#[derive(Debug)]
pub(crate) struct EtpayState {}

impl EtpayState {
    pub(crate) fn new(_capacity: usize) -> Self {
        EtpayState {}
    }
}

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
}

//! The HTTP surface of the sandbox: every route, and the index page (the notification log's
//! routes are in `notifications_api.rs`).

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use crate::app::App;
use crate::lyra::cards::TEST_CARDS;
use crate::util::{html, html_page};

/// All routes of the sandbox, behind the host and cross-site guard (`guard.rs`).
pub(crate) fn router(app: Arc<App>) -> Router {
    let guard = axum::middleware::from_fn_with_state(app.clone(), crate::guard::guard);
    Router::new()
        .route("/", get(index))
        .route(
            "/api-payment/V4/{*web_service}",
            post(crate::lyra::api::handle),
        )
        .merge(crate::notifications_api::routes())
        .merge(crate::lyra::shopper::routes())
        .merge(crate::etpay::routes())
        .with_state(app)
        .layer(guard)
}

async fn index(State(app): State<Arc<App>>) -> impl IntoResponse {
    let base = app.base_url();
    let cards: String = TEST_CARDS
        .iter()
        .map(|c| {
            format!(
                "<li><code>{}</code> {} — {}</li>",
                c.pan,
                c.brand,
                html(c.label)
            )
        })
        .collect();
    html_page(
        "pasarela sandbox",
        &format!(
            "<h1>pasarela sandbox</h1><p>An offline emulator of Lyra V4 (Izipay, PayZen…) and ETpay.</p><ul>\
         <li>Lyra REST API: <code>POST {base}/api-payment/V4/{{Namespace}}/{{Operation}}</code> (Basic auth with the test shop)</li>\
         <li>Lyra embedded form script: <code>{base}/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js</code></li>\
         <li>Lyra payment page: <code>{base}/sandbox/lyra/form/{{formToken}}</code>; control: <code>POST {base}/sandbox/lyra/pay</code></li>\
         <li>ETpay API (<code>api_url</code>): <code>{base}/etpay</code>; funnel (<code>pmt_url</code>): <code>{base}/sandbox/etpay</code>; control: <code>POST {base}/sandbox/etpay/pay</code></li>\
         <li>Notifications sent so far: <code>GET {base}/sandbox/notifications</code></li></ul>\
         <h2>Test cards</h2><ul>{cards}</ul>"
        ),
    )
}

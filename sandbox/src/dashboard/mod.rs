//! The sandbox's dashboard at `/`: what the sandbox holds (Lyra orders and their transactions,
//! open formTokens, payment orders, tokens, subscriptions; ETpay sessions) and every
//! notification with each delivery attempt, plus buttons that act through the same code paths
//! as the API (`actions.rs`). Server-rendered HTML that works without JavaScript.
//!
//! Each section copies what it shows out of the state (`lyra/snapshot.rs`,
//! `etpay/snapshot.rs`, `Delivery::newest_where`) and renders after the lock is released.
//!
//! Live refresh is opt-in (`/?live=1`, a `<meta http-equiv="refresh">`): a page that reloads
//! on its own would reset a card-outcome choice half made, so the overview stays still unless
//! asked. A notification's page reloads on its own while a round of attempts is in flight and
//! stops once it is delivered or given up.

mod actions;
mod etpay;
mod lyra;
mod markup;
mod notifications;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::app::App;
use crate::util::{cut, html, html_page};

/// Seconds between two reloads of a live page.
const REFRESH_SECS: u32 = 3;

/// How many characters of a flash message (an action's outcome) a page shows.
const FLASH_CHARS: usize = 400;

/// The dashboard's pages and actions.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(overview))
        .merge(notifications::routes())
        .merge(actions::routes())
}

/// The query of a dashboard page: the live toggle, and an action's outcome (set by the 303
/// that follows it; shown escaped, so a crafted link can only show text).
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    live: Option<String>,
    ok: Option<String>,
    error: Option<String>,
}

impl PageQuery {
    fn live(&self) -> bool {
        self.live.as_deref() == Some("1")
    }

    /// The action's outcome, as a paragraph.
    fn flash(&self) -> String {
        let (class, text) = match (&self.error, &self.ok) {
            (Some(error), _) => ("flash flash-error", error),
            (None, Some(ok)) => ("flash flash-ok", ok),
            (None, None) => return String::new(),
        };
        format!(
            "<p class=\"{class}\" role=\"status\">{}</p>",
            html(&cut(text, FLASH_CHARS))
        )
    }
}

/// `<meta http-equiv="refresh">` for a live page (placed in the body: browsers honour it there
/// too, and `html_page` owns the head).
fn refresh_tag() -> String {
    format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">")
}

/// `GET /`.
async fn overview(State(app): State<Arc<App>>, Query(query): Query<PageQuery>) -> Html<String> {
    let lyra = lyra::LyraView::copy(&app);
    let etpay = etpay::EtpayView::copy(&app);
    let notifications = notifications::NotificationsView::copy(&app);
    let live = query.live();
    let hidden: &[(&str, &str)] = if live { &[("live", "1")] } else { &[] };
    let toggle = if live {
        format!("{}<p class=\"muted\">Live: this page reloads every {REFRESH_SECS} s. <a href=\"/\">Stop</a></p>", refresh_tag())
    } else {
        "<p class=\"muted\"><a href=\"/?live=1\">Live refresh</a> (reloads every few seconds)</p>"
            .to_owned()
    };
    let body = [
        "<h1>pasarela sandbox</h1>".to_owned(),
        query.flash(),
        toggle,
        connect(&app),
        notifications.render(hidden),
        lyra.render(hidden),
        etpay.render(hidden),
    ]
    .concat();
    html_page("pasarela sandbox", &body)
}

/// The "Connect your app" box: the URLs a merchant's backend and pages use.
fn connect(app: &App) -> String {
    let base = html(app.base_url());
    format!(
        "<section class=\"card\" id=\"connect\"><h2>Connect your app</h2>\
         <p>An offline emulator of Lyra V4 (Izipay, PayZen…) and ETpay.</p><ul>\
         <li>Lyra REST API: <code>POST {base}/api-payment/V4/{{Namespace}}/{{Operation}}</code> (Basic auth with the test shop)</li>\
         <li>Lyra embedded form script: <code>{base}/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js</code></li>\
         <li>Lyra payment page: <code>{base}/sandbox/lyra/form/{{formToken}}</code>; control: <code>POST {base}/sandbox/lyra/pay</code></li>\
         <li>ETpay API (<code>api_url</code>): <code>{base}/etpay</code>; funnel (<code>pmt_url</code>): <code>{base}/sandbox/etpay</code>; control: <code>POST {base}/sandbox/etpay/pay</code></li>\
         <li>Notifications sent so far: <code>GET {base}/sandbox/notifications</code></li>\
         <li>Test cards: <a href=\"/sandbox/test-cards\">the list</a> (the dashboard shows cards masked)</li></ul></section>"
    )
}

//! Opt-in real-browser test of the sandbox's own pages (issue 17, item 5): the dashboard with
//! orders and failed, retried and resent deliveries, the payment page and the ETpay funnel, in
//! headless Chromium through chromedriver.
//!
//! A merchant endpoint answers 500, so every notification fails and is retried (a fast
//! [`DeliveryPolicy`]) until the sandbox gives up. The test opens the dashboard and asserts, from
//! the page's DOM in the same browser session, what it shows: the order rows with their states,
//! the ETpay session, one notification row per delivery with its `data-attempts` and
//! `data-delivered`, no credential of the notification URL. Then the endpoint is fixed (200),
//! the test presses the resend button in the browser and waits until the row says delivered
//! with one more attempt; the endpoint got the same signed body again.
//!
//! Screenshots (PNG) of the dashboard before and after the resend, of the payment page (laptop
//! and phone widths) and of the ETpay funnel are written to `SCREENSHOT_DIR` (default
//! `target/screenshots`); `PASARELA_SCREENSHOT=1` also re-takes `sandbox/docs/dashboard.png`,
//! the one the README shows.
//!
//! Ignored by default (it needs Chromium and a running chromedriver). Run it with
//!
//! ```text
//! chromedriver --port=9515 &
//! CHROMEDRIVER_URL=http://127.0.0.1:9515 cargo test -p pasarela-sandbox --test it browser_dashboard -- --ignored
//! ```
//!
//! `.ci/extra` starts chromedriver, runs it with the other browser tests and lists the
//! screenshots it kept.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::Router;
use fantoccini::{Client, Locator};
use pasarela_sandbox::{defaults, DeliveryPolicy, Sandbox, SandboxConfig};
use serde::Deserialize;
use serde_json::{json, Value};

use super::browser::{browser_with, Profile, WAIT};
use crate::common::{call, start};

/// Attempts per delivery round: few and fast, so the failures are all in before the browser.
const ATTEMPTS: u32 = 3;
/// The password in the notification URL, which no page may show.
const URL_SECRET: &str = "s3cretInUrl";

/// The merchant's notification endpoint: answers `status`, keeps what it received.
struct Endpoint {
    status: AtomicU16,
    received: Mutex<Vec<(String, Bytes)>>,
}

async fn receive(State(endpoint): State<Arc<Endpoint>>, uri: Uri, body: Bytes) -> StatusCode {
    endpoint
        .received
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), body));
    StatusCode::from_u16(endpoint.status.load(Ordering::SeqCst))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Starts the endpoint on a free loopback port (any path); returns its base URL.
async fn start_endpoint(endpoint: Arc<Endpoint>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(receive).with_state(endpoint);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Where the screenshots go: `SCREENSHOT_DIR`, else `target/screenshots` (next to the test
/// binary's `debug/deps`).
fn screenshot_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCREENSHOT_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|target| target.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")))
        .join("screenshots")
}

type Step<T = ()> = Result<T, String>;

fn fail(what: &'static str) -> impl Fn(fantoccini::error::CmdError) -> String {
    move |e| format!("{what}: {e}")
}

/// Saves a screenshot of the whole page (the window grows to the page's height, at most 3000
/// pixels) as `name`.png; returns its path.
async fn screenshot(browser: &Client, width: u32, name: &str) -> Step<PathBuf> {
    browser
        .set_window_size(width, 900)
        .await
        .map_err(fail("window size"))?;
    // The page's height, and what the window adds around the viewport.
    let size = browser
        .execute(
            "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .map_err(fail("page height"))?;
    let page = size[0].as_u64().unwrap_or(900).clamp(600, 3000);
    let frame = size[1].as_u64().unwrap_or(0).min(300);
    browser
        .set_window_size(width, (page + frame) as u32)
        .await
        .map_err(fail("window size"))?;
    let png = browser.screenshot().await.map_err(fail("screenshot"))?;
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, &png).map_err(|e| format!("write {}: {e}", path.display()))?;
    println!("screenshot {} ({} bytes)", path.display(), png.len());
    Ok(path)
}

/// What the test arranged before opening the browser.
struct Scene {
    base: String,
    /// The notification of the paid order's IPN (the one resent).
    paid_ipn: u64,
    /// A formToken left open (the payment page).
    open_form: String,
    /// An ETpay session left open (the funnel).
    open_session: String,
}

/// A formToken for `order_id`, its IPN sent to `ipn_url`.
async fn form_token(http: &reqwest::Client, base: &str, order_id: &str, ipn_url: &str) -> String {
    let form = call(
        http,
        base,
        "Charge/CreatePayment",
        json!({"amount": 12345, "currency": "PEN", "orderId": order_id, "ipnTargetUrl": ipn_url}),
    )
    .await;
    form["formToken"].as_str().unwrap().to_owned()
}

async fn post_json(http: &reqwest::Client, url: &str, body: Value) -> Value {
    let response = http.post(url).json(&body).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// An ETpay session for `order_id`; returns its token.
async fn etpay_session(http: &reqwest::Client, sandbox: &Sandbox, order_id: &str) -> String {
    let session = post_json(
        http,
        &format!("{}/session/initialize", sandbox.etpay_api_url()),
        json!({
            "merchant_code": defaults::ETPAY_MERCHANT_CODE,
            "merchant_api_token": defaults::ETPAY_API_TOKEN,
            "merchant_order_id": order_id,
            "order_amount": 15990,
        }),
    )
    .await;
    session["token"].as_str().unwrap().to_owned()
}

/// The notifications as `GET /sandbox/notifications` lists them.
async fn listing(http: &reqwest::Client, base: &str) -> Vec<Value> {
    let list: Value = http
        .get(format!("{base}/sandbox/notifications"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.as_array().cloned().unwrap_or_default()
}

/// A paid and a refused Lyra order, a paid ETpay session (three notifications, all failing
/// until the sandbox gives up), an open formToken and an open ETpay session.
async fn arrange(sandbox: &Sandbox, endpoint_url: &str) -> Scene {
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let ipn_url =
        endpoint_url.replace("http://", &format!("http://merchant:{URL_SECRET}@")) + "/ipn";
    let paid = form_token(&http, &base, "dash-paid", &ipn_url).await;
    let answer = post_json(
        &http,
        &format!("{base}/sandbox/lyra/pay"),
        json!({"formToken": paid, "outcome": "paid"}),
    )
    .await;
    let refused = form_token(&http, &base, "dash-refused", &ipn_url).await;
    post_json(
        &http,
        &format!("{base}/sandbox/lyra/pay"),
        json!({"formToken": refused, "outcome": "refused"}),
    )
    .await;
    let open_form = form_token(&http, &base, "dash-open", &ipn_url).await;
    let session = etpay_session(&http, sandbox, "dash-etpay").await;
    post_json(
        &http,
        &format!("{base}/sandbox/etpay/pay"),
        json!({"token": session, "outcome": "paid"}),
    )
    .await;
    let open_session = etpay_session(&http, sandbox, "dash-etpay-open").await;

    // Every delivery fails until the sandbox gives up (a deadline, not a timing assertion).
    let deadline = Instant::now() + WAIT;
    let mut records = listing(&http, &base).await;
    while !(records.len() == 3 && records.iter().all(|r| r["gave_up"] == true)) {
        assert!(
            Instant::now() < deadline,
            "deliveries did not give up: {records:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        records = listing(&http, &base).await;
    }
    // The control answer names the IPN (contract); else the first Lyra IPN (the paid order's).
    let paid_ipn = answer["ipn"]["notification"]
        .as_u64()
        .or_else(|| {
            records
                .iter()
                .find(|r| r["kind"] == "lyra-ipn")
                .and_then(|r| r["id"].as_u64())
        })
        .expect("the paid order's IPN");
    Scene {
        base,
        paid_ipn,
        open_form,
        open_session,
    }
}

/// What the dashboard shows, read from its DOM in one script (a live refresh between two
/// WebDriver calls cannot mix two versions of the page).
#[derive(Debug, Deserialize)]
struct Dashboard {
    sections: Vec<String>,
    orders: Vec<OrderRow>,
    notifications: Vec<NotificationRow>,
    etpay: String,
    shows_secret: bool,
    styled: bool,
}

#[derive(Debug, Deserialize)]
struct OrderRow {
    id: String,
    states: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct NotificationRow {
    id: String,
    attempts: String,
    delivered: String,
    resend: bool,
}

/// The script behind [`Dashboard`], on the contract's stable markup.
const READ_DASHBOARD: &str = r#"
const all = (root, sel) => Array.from(root.querySelectorAll(sel));
const ids = ['orders', 'notifications', 'etpay-sessions', 'payment-orders', 'tokens',
             'subscriptions', 'open-forms'];
const etpay = document.getElementById('etpay-sessions');
return {
  sections: ids.filter(id => document.querySelector('section#' + id)),
  orders: all(document, 'tr.order').map(r => ({
    id: r.dataset.orderId || '',
    states: all(r, '.state').map(s => s.className),
  })),
  notifications: all(document, 'tr.notification').map(r => ({
    id: r.dataset.id || '',
    attempts: r.dataset.attempts || '',
    delivered: r.dataset.delivered || '',
    resend: !!(r.querySelector('form button[name=resend]')
      || document.querySelector('form button[name=resend][value="' + r.dataset.id + '"]')),
  })),
  etpay: etpay ? etpay.innerText : '',
  shows_secret: document.documentElement.outerHTML.includes(arguments[0]),
  styled: !!document.querySelector('link[rel=stylesheet][href^="/sandbox/style.css"]'),
};
"#;

async fn read_dashboard(browser: &Client) -> Step<Dashboard> {
    let value = browser
        .execute(READ_DASHBOARD, vec![json!(URL_SECRET)])
        .await
        .map_err(fail("read the dashboard"))?;
    serde_json::from_value(value.clone()).map_err(|e| format!("{e}: {value}"))
}

fn order<'a>(page: &'a Dashboard, id: &str) -> Step<&'a OrderRow> {
    page.orders
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| format!("no order row {id}: {page:#?}"))
}

/// The dashboard with the three failed deliveries.
async fn check_failed(browser: &Client, scene: &Scene) -> Step {
    browser.goto(&scene.base).await.map_err(fail("open /"))?;
    let page = read_dashboard(browser).await?;
    for id in ["orders", "notifications", "etpay-sessions"] {
        if !page.sections.iter().any(|s| s == id) {
            return Err(format!("no section#{id}: {page:#?}"));
        }
    }
    let has = |row: &OrderRow, states: &[&str]| {
        row.states
            .iter()
            .any(|c| states.iter().any(|s| c.split(' ').any(|k| k == *s)))
    };
    if !has(order(&page, "dash-paid")?, &["state-paid"]) {
        return Err(format!("dash-paid is not shown paid: {page:#?}"));
    }
    if !has(
        order(&page, "dash-refused")?,
        &["state-refused", "state-unpaid"],
    ) {
        return Err(format!("dash-refused is not shown refused: {page:#?}"));
    }
    if !page.etpay.contains("dash-etpay") {
        return Err(format!("no ETpay session dash-etpay: {page:#?}"));
    }
    let failed = |n: &NotificationRow| {
        n.attempts == ATTEMPTS.to_string() && n.delivered == "false" && n.resend
    };
    if page.notifications.len() != 3 || !page.notifications.iter().all(failed) {
        return Err(format!(
            "expected 3 failed deliveries with {ATTEMPTS} attempts and a resend button: {page:#?}"
        ));
    }
    if page.shows_secret || !page.styled {
        return Err(format!("secret shown or no stylesheet: {page:#?}"));
    }
    Ok(())
}

/// Presses the paid IPN's resend button (again if a live refresh replaced the page meanwhile).
async fn press_resend(browser: &Client, id: u64) -> Step {
    let in_row = format!("tr.notification[data-id=\"{id}\"] form button[name=\"resend\"]");
    let by_value = format!("form button[name=\"resend\"][value=\"{id}\"]");
    let mut last = String::new();
    for _ in 0..3 {
        let button = match browser.find(Locator::Css(&in_row)).await {
            Ok(button) => Ok(button),
            Err(_) => browser.find(Locator::Css(&by_value)).await,
        };
        match button {
            Ok(button) => match button.click().await {
                Ok(()) => return Ok(()),
                Err(e) => last = format!("click resend: {e}"),
            },
            Err(e) => last = format!("no resend button for notification {id}: {e}"),
        }
    }
    Err(last)
}

/// After the resend: the row turns delivered with one more attempt (the page is reloaded until
/// it does, within [`WAIT`]).
async fn check_resent(browser: &Client, scene: &Scene) -> Step {
    let id = scene.paid_ipn.to_string();
    let deadline = Instant::now() + WAIT;
    loop {
        let page = read_dashboard(browser).await?;
        let row = page.notifications.iter().find(|n| n.id == id);
        if let Some(row) = row.filter(|r| r.delivered == "true") {
            let expected = (ATTEMPTS + 1).to_string();
            if row.attempts != expected {
                return Err(format!(
                    "resent row has {} attempts, not {expected}",
                    row.attempts
                ));
            }
            let others = page.notifications.iter().filter(|n| n.id != id);
            if !others.clone().all(|n| n.delivered == "false") || others.count() != 2 {
                return Err(format!("only the resent notification changes: {page:#?}"));
            }
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "notification {id} not delivered after the resend: {page:#?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        browser.goto(&scene.base).await.map_err(fail("reload /"))?;
    }
}

/// The payment page and the funnel: the choices are there; screenshots.
async fn shopper_pages(browser: &Client, scene: &Scene, funnel_url: &str) -> Step {
    browser
        .goto(&format!(
            "{}/sandbox/lyra/form/{}",
            scene.base, scene.open_form
        ))
        .await
        .map_err(fail("open the payment page"))?;
    let cards = browser
        .find_all(Locator::Css("input[type=radio][name=card]"))
        .await
        .map_err(fail("test cards"))?;
    let amount = browser
        .find(Locator::Css("#payment .money"))
        .await
        .map_err(fail("amount"))?
        .text()
        .await
        .map_err(fail("amount text"))?;
    if cards.len() != pasarela_sandbox::TEST_CARDS.len() || amount != "123.45 PEN" {
        return Err(format!(
            "payment page: {} cards, amount {amount:?}",
            cards.len()
        ));
    }
    screenshot(browser, 1280, "payment-page").await?;
    screenshot(browser, 390, "payment-page-phone").await?;
    browser
        .goto(funnel_url)
        .await
        .map_err(fail("open the funnel"))?;
    let banks = browser
        .find_all(Locator::Css("input[type=radio][name=bank]"))
        .await
        .map_err(fail("banks"))?;
    if banks.len() != pasarela_sandbox::TEST_BANKS.len() {
        return Err(format!("funnel: {} banks", banks.len()));
    }
    screenshot(browser, 1280, "etpay-funnel").await?;
    Ok(())
}

/// The whole browser session; the caller closes it whatever happened.
async fn in_browser(
    browser: &Client,
    scene: &Scene,
    endpoint: &Endpoint,
    funnel_url: &str,
) -> Step {
    browser
        .set_window_size(1280, 900)
        .await
        .map_err(fail("window size"))?;
    check_failed(browser, scene).await?;
    screenshot(browser, 1280, "dashboard-failed").await?;
    endpoint.status.store(200, Ordering::SeqCst);
    press_resend(browser, scene.paid_ipn).await?;
    check_resent(browser, scene).await?;
    let dashboard = screenshot(browser, 1280, "dashboard").await?;
    if std::env::var_os("PASARELA_SCREENSHOT").is_some() {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/dashboard.png");
        std::fs::copy(&dashboard, docs).map_err(|e| format!("copy to {docs}: {e}"))?;
    }
    shopper_pages(browser, scene, funnel_url).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver (CHROMEDRIVER_URL); run by .ci/extra"]
async fn the_dashboard_shows_failed_deliveries_and_a_resend_delivers() {
    let endpoint = Arc::new(Endpoint {
        status: AtomicU16::new(500),
        received: Mutex::new(Vec::new()),
    });
    let endpoint_url = start_endpoint(endpoint.clone()).await;
    let sandbox = start(SandboxConfig {
        etpay_webhook_url: Some(format!("{endpoint_url}/webhook")),
        delivery: DeliveryPolicy {
            attempts: ATTEMPTS,
            first_backoff: Duration::from_millis(20),
            attempt_timeout: Duration::from_secs(5),
        },
        ..SandboxConfig::default()
    })
    .await;
    let scene = arrange(&sandbox, &endpoint_url).await;
    let funnel_url = format!("{}/session/{}", sandbox.etpay_pmt_url(), scene.open_session);

    let profile = Profile::new();
    let browser = browser_with(&profile, &[]).await;
    let outcome = in_browser(&browser, &scene, &endpoint, &funnel_url).await;
    let closed = browser.close().await;
    outcome.unwrap_or_else(|e| panic!("the browser flow failed: {e}"));
    closed.expect("close the WebDriver session");

    // The resend sent the same signed body to the same target: the endpoint got the paid IPN's
    // body once per attempt, identical each time.
    let paid: Vec<Bytes> = endpoint
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|(path, body)| {
            path == "/ipn" && String::from_utf8_lossy(body).contains("dash-paid")
        })
        .map(|(_, body)| body.clone())
        .collect();
    assert_eq!(paid.len(), ATTEMPTS as usize + 1);
    assert!(paid.iter().all(|body| *body == paid[0]));
    sandbox.shutdown().await;
}

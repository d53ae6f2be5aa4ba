//! Opt-in real-browser tests of a single-page checkout (issue 13): a merchant page that loads
//! the sandbox's form through Lyra's OFFICIAL glue, `@lyracom/embedded-form-glue` from npm —
//! `KRGlue.loadLibrary(endpoint, publicKey)` → `KR.setFormConfig({formToken, …})` →
//! `KR.onSubmit` / `KR.onError` → `KR.renderElements('#myPaymentForm')` — types a test card
//! into `.kr-pan` / `.kr-expiry` / `.kr-security-code`, clicks `.kr-payment-button`; the page
//! posts the `onSubmit` payload to its backend, which verifies it with
//! `notification::verify_client_answer`; the IPN reaches the merchant too.
//!
//! The glue refuses endpoints with a port, so the sandbox is reached port-less:
//! * through a host alias: Chromium's `--host-resolver-rules` maps `sandbox.test` to the
//!   sandbox's loopback port (no privileges needed);
//! * on `127.0.0.1:80` when the test may bind it (root, as in CI); skipped otherwise.
//!
//! Ignored by default; they also need `KR_GLUE_JS`, the glue's built browser file
//! (`node_modules/@lyracom/embedded-form-glue/dist/js/kr-payment-form-glue.min.js`), and are
//! skipped with a message without it. `.ci/extra` installs everything and runs them:
//!
//! ```text
//! npm install --no-save --prefix /tmp/kr-glue @lyracom/embedded-form-glue
//! chromedriver --port=9515 &
//! KR_GLUE_JS=/tmp/kr-glue/node_modules/@lyracom/embedded-form-glue/dist/js/kr-payment-form-glue.min.js \
//! CHROMEDRIVER_URL=http://127.0.0.1:9515 cargo test -p pasarela-sandbox --test it browser -- --ignored
//! ```
//!
//! `PASARELA_SCREENSHOT=1` also saves the rendered form to `sandbox/docs/embedded-form.png`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use fantoccini::{Client, Locator};
use pasarela::lyra::notification::{self, SignedWith, VerifiedAnswer};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

use super::browser::{browser_with, keys, Profile, ACCEPTED_CARD, WAIT};

/// The refused test card (UNPAID / REFUSED, ACQ_001).
const REFUSED_CARD: &str = "4970100000000014";
/// The host alias the browser resolves to the sandbox.
const ALIAS: &str = "sandbox.test";

#[derive(Default)]
struct Merchant {
    /// The single-page checkout, set once the formToken exists.
    page: Mutex<String>,
    /// The glue's browser build.
    glue: Mutex<String>,
    /// Verified `onSubmit` payloads posted by the page.
    results: Mutex<Vec<VerifiedAnswer>>,
    /// Verified IPNs.
    ipns: Mutex<Vec<VerifiedAnswer>>,
}

async fn page(State(m): State<Arc<Merchant>>) -> Html<String> {
    Html(m.page.lock().unwrap().clone())
}

async fn glue(State(m): State<Arc<Merchant>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/javascript")],
        m.glue.lock().unwrap().clone(),
    )
        .into_response()
}

/// The page's backend: verifies what `KR.onSubmit` gave the page.
async fn result(State(m): State<Arc<Merchant>>, body: Bytes) -> (StatusCode, String) {
    match notification::verify_client_answer(&body, &keys()) {
        Ok(verified) => {
            let status = serde_json::from_str::<Value>(verified.raw_answer())
                .ok()
                .and_then(|a| a["orderStatus"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let line = format!(
                "VERIFIED orderStatus={status} signedWith={}",
                verified.signed_with().wire_name()
            );
            m.results.lock().unwrap().push(verified);
            (StatusCode::OK, line)
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("REJECTED {e}")),
    }
}

async fn ipn(State(m): State<Arc<Merchant>>, body: Bytes) -> StatusCode {
    match notification::verify(&body, &keys()) {
        Ok(verified) => {
            m.ipns.lock().unwrap().push(verified);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

async fn start_merchant(merchant: Arc<Merchant>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/spa", get(page))
        .route("/glue.js", get(glue))
        .route("/result", post(result))
        .route("/ipn", post(ipn))
        .with_state(merchant);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A single-page checkout as the glue's README writes it; only the endpoint is the sandbox.
fn spa_page(endpoint: &str, form_token: &str) -> String {
    let config = json!({
        "endpoint": endpoint,
        "publicKey": defaults::PUBLIC_KEY,
        "formToken": form_token,
    });
    format!(
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>SPA checkout</title>
<link rel="stylesheet" href="{endpoint}/static/js/krypton-client/V4.0/ext/neon-reset.min.css">
<script src="{endpoint}/static/js/krypton-client/V4.0/ext/neon.js"></script>
<script src="/glue.js"></script></head>
<body><h1>Checkout</h1>
<div id="myPaymentForm"><div class="kr-smart-form"></div></div>
<p id="merchant-result"></p><p id="merchant-errors"></p><p id="merchant-events"></p>
<script>
const config = {config};
const show = (id, text) => {{ document.getElementById(id).textContent += text; }};
(async () => {{
  try {{
    const {{ KR }} = await KRGlue.loadLibrary(config.endpoint, config.publicKey);
    await KR.setFormConfig({{ formToken: config.formToken, 'kr-language': 'en-US' }});
    await KR.onFormReady(() => show('merchant-events', 'ready '));
    await KR.onTransactionCreated(() => show('merchant-events', 'transaction '));
    await KR.onError((error) => show('merchant-errors', error.errorCode + ' '));
    await KR.onSubmit(async (paymentResponse) => {{
      const r = await fetch('/result', {{ method: 'POST', headers: {{ 'Content-Type': 'application/json' }},
        body: JSON.stringify(paymentResponse) }});
      show('merchant-result', await r.text());
      return false;
    }});
    const {{ result }} = await KR.renderElements('#myPaymentForm');
    show('merchant-events', 'rendered:' + result.formId + ' ');
  }} catch (e) {{
    show('merchant-result', 'GLUE ERROR ' + e);
  }}
}})();
</script></body></html>"#
    )
}

/// The glue's browser build, or `None` (with a message) when `KR_GLUE_JS` is not set.
fn glue_js() -> Option<String> {
    let Ok(path) = std::env::var("KR_GLUE_JS") else {
        eprintln!(
            "SKIPPED: KR_GLUE_JS is not set (the path of @lyracom/embedded-form-glue's \
             dist/js/kr-payment-form-glue.min.js; .ci/extra installs it with npm)"
        );
        return None;
    };
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read KR_GLUE_JS {path}: {e}")))
}

/// Everything one test needs: sandbox, merchant, a formToken for `order_id`.
struct Shop {
    sandbox: Sandbox,
    merchant: Arc<Merchant>,
    merchant_url: String,
    client: LyraClient,
}

async fn shop(
    sandbox_addr: SocketAddr,
    glue: String,
    endpoint: Option<&str>,
    order_id: &str,
) -> Shop {
    // The alias is a name the Host allow-list would refuse (DNS rebinding): allow it, as
    // `pasarela sandbox --allow-host sandbox.test` does.
    let config = SandboxConfig {
        allowed_hosts: vec![ALIAS.to_owned()],
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, sandbox_addr)
        .await
        .expect("start the sandbox");
    let merchant = Arc::new(Merchant::default());
    *merchant.glue.lock().unwrap() = glue;
    let merchant_url = start_merchant(merchant.clone()).await;
    let client = LyraClient::new(&LyraConfig::new(
        defaults::SHOP_ID,
        defaults::PASSWORD,
        sandbox.base_url(),
    ))
    .expect("client configuration");
    let request: types::CreatePaymentRequest = serde_json::from_value(json!({
        "amount": 2500,
        "currency": "PEN",
        "orderId": order_id,
        "customer": {"email": "sample@example.com"},
        "ipnTargetUrl": format!("{merchant_url}/ipn"),
    }))
    .unwrap();
    let form_token = client
        .create_payment(request)
        .await
        .expect("Charge/CreatePayment")
        .form_token;
    let endpoint = endpoint.unwrap_or(sandbox.base_url()).to_owned();
    *merchant.page.lock().unwrap() = spa_page(&endpoint, &form_token);
    Shop {
        sandbox,
        merchant,
        merchant_url,
        client,
    }
}

type Step = Result<(), String>;

fn fail(what: &str) -> impl Fn(fantoccini::error::CmdError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

async fn text_of(browser: &Client, css: &str) -> String {
    match browser.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until the text of `css` contains `needle`.
async fn wait_text(browser: &Client, css: &str, needle: &str) -> Result<String, String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = text_of(browser, css).await;
        if text.contains(needle) {
            return Ok(text);
        }
        if std::time::Instant::now() > deadline {
            let result = text_of(browser, "#merchant-result").await;
            let errors = text_of(browser, "#merchant-errors").await;
            let events = text_of(browser, "#merchant-events").await;
            let form = text_of(browser, ".kr-form-error").await;
            return Err(format!(
                "{css} never contained {needle:?} (it has {text:?}); result {result:?}, \
                 errors {errors:?}, events {events:?}, form error {form:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types into the input of a field of the real form's structure (`.kr-pan input`…).
async fn type_into(browser: &Client, field: &str, text: &str) -> Step {
    let input = browser
        .find(Locator::Css(&format!("#myPaymentForm .{field} input")))
        .await
        .map_err(fail(field))?;
    input.clear().await.map_err(fail(field))?;
    input.send_keys(text).await.map_err(fail(field))
}

async fn pay_with(browser: &Client, pan: &str, expiry: &str, cvv: &str) -> Step {
    type_into(browser, "kr-pan", pan).await?;
    type_into(browser, "kr-expiry", expiry).await?;
    type_into(browser, "kr-security-code", cvv).await?;
    browser
        .find(Locator::Css("#myPaymentForm .kr-payment-button"))
        .await
        .map_err(fail("find .kr-payment-button"))?
        .click()
        .await
        .map_err(fail("click .kr-payment-button"))
}

async fn render(browser: &Client, url: &str) -> Step {
    browser.goto(url).await.map_err(fail("open the SPA page"))?;
    wait_text(browser, "#merchant-events", "ready").await?;
    wait_text(browser, "#merchant-events", "rendered:").await?;
    for css in [
        ".kr-pan",
        ".kr-expiry",
        ".kr-security-code",
        ".kr-payment-button",
        ".kr-form-error",
    ] {
        browser
            .find(Locator::Css(&format!(
                "#myPaymentForm .kr-smart-form {css}"
            )))
            .await
            .map_err(fail(css))?;
    }
    Ok(())
}

fn future_expiry() -> String {
    format!("12/{}", (pasarela_year() + 3) % 100)
}

fn pasarela_year() -> u64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    1970 + secs / 31_556_952
}

/// The accepted card: rendered, typed, `onSubmit` → verified at the backend → PAID; the IPN too.
async fn accepted_flow(browser: &Client, shop: &Shop, screenshot: bool) -> Step {
    render(browser, &format!("{}/spa", shop.merchant_url)).await?;
    if screenshot {
        pay_screenshot(browser).await?;
    }
    pay_with(browser, ACCEPTED_CARD, &future_expiry(), "123").await?;
    let text = wait_text(browser, "#merchant-result", "VERIFIED").await?;
    if text != "VERIFIED orderStatus=PAID signedWith=sha256_hmac" {
        return Err(format!("the backend answered {text:?}"));
    }
    // onSubmit returned false: the page stays (no kr-post-url-success anyway).
    let url = browser.current_url().await.map_err(fail("current url"))?;
    if !url.as_str().ends_with("/spa") {
        return Err(format!("the browser left the page: {url}"));
    }
    Ok(())
}

async fn pay_screenshot(browser: &Client) -> Step {
    if std::env::var("PASARELA_SCREENSHOT").is_err() {
        return Ok(());
    }
    type_into(browser, "kr-pan", ACCEPTED_CARD).await?;
    type_into(browser, "kr-expiry", &future_expiry()).await?;
    type_into(browser, "kr-security-code", "123").await?;
    let png = browser.screenshot().await.map_err(fail("screenshot"))?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/embedded-form.png");
    std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
    std::fs::write(path, png).map_err(|e| format!("write {path}: {e}"))
}

/// Validation errors, a refused card (onError, ACQ_001), then the accepted card: PAID.
async fn refused_then_retry_flow(browser: &Client, shop: &Shop) -> Step {
    render(browser, &format!("{}/spa", shop.merchant_url)).await?;
    pay_with(browser, "4111", &future_expiry(), "123").await?;
    wait_text(browser, "#merchant-errors", "CLIENT_301").await?;
    wait_text(browser, ".kr-form-error", "card number is invalid").await?;
    pay_with(browser, ACCEPTED_CARD, "01/20", "123").await?;
    wait_text(browser, "#merchant-errors", "CLIENT_302").await?;
    pay_with(browser, ACCEPTED_CARD, &future_expiry(), "").await?;
    wait_text(browser, "#merchant-errors", "CLIENT_303").await?;
    if !text_of(browser, "#merchant-events").await.is_empty()
        && text_of(browser, "#merchant-events")
            .await
            .contains("transaction")
    {
        return Err("a validation error reached the sandbox".into());
    }
    pay_with(browser, REFUSED_CARD, &future_expiry(), "123").await?;
    wait_text(browser, "#merchant-errors", "ACQ_001").await?;
    wait_text(browser, ".kr-form-error", "refused").await?;
    if !text_of(browser, "#merchant-result").await.is_empty() {
        return Err("onSubmit ran for a refused card".into());
    }
    pay_with(browser, ACCEPTED_CARD, &future_expiry(), "123").await?;
    let text = wait_text(browser, "#merchant-result", "VERIFIED").await?;
    if text != "VERIFIED orderStatus=PAID signedWith=sha256_hmac" {
        return Err(format!("the backend answered {text:?}"));
    }
    Ok(())
}

/// Runs `flow` in a fresh Chromium, closing it whatever happened.
async fn in_chromium(args: &[String], flow: impl AsyncFnOnce(&Client) -> Step) {
    let profile = Profile::new();
    let chromium = browser_with(&profile, args).await;
    let outcome = flow(&chromium).await;
    let closed = chromium.close().await;
    outcome.unwrap_or_else(|e| panic!("the browser flow failed: {e}"));
    closed.expect("close the WebDriver session");
}

fn alias_rules(sandbox: &Sandbox) -> Vec<String> {
    vec![format!(
        "--host-resolver-rules=MAP {ALIAS} 127.0.0.1:{}",
        sandbox.addr().port()
    )]
}

/// The IPNs of the order, latest last: the last one is PAID and signed with the password.
fn assert_paid_by_ipn(shop: &Shop, expected: usize) {
    let ipns = shop.merchant.ipns.lock().unwrap();
    assert_eq!(ipns.len(), expected, "IPNs received");
    let last = ipns.last().unwrap();
    assert_eq!(last.signed_with(), SignedWith::Password);
    assert!(last.is_paid());
    let results = shop.merchant.results.lock().unwrap();
    assert_eq!(results.len(), 1, "one verified onSubmit");
    assert_eq!(results[0].signed_with(), SignedWith::HmacKey);
    assert!(results[0].is_paid());
}

async fn assert_order_paid(shop: &Shop, order_id: &str, transactions: usize) {
    let order = shop
        .client
        .get_order(types::OrderGetRequest {
            order_id: order_id.try_into().unwrap(),
            operation_type: None,
        })
        .await
        .expect("Order/Get");
    let txs = order.transactions.unwrap_or_default();
    assert_eq!(txs.len(), transactions);
    assert!(txs
        .iter()
        .any(|t| t.status.as_ref().map(ToString::to_string).as_deref() == Some("PAID")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver (CHROMEDRIVER_URL) and the npm glue (KR_GLUE_JS); run by .ci/extra"]
async fn spa_with_the_official_glue_pays_through_a_host_alias() {
    let Some(glue) = glue_js() else { return };
    let endpoint = format!("http://{ALIAS}");
    let shop = shop(
        "127.0.0.1:0".parse().unwrap(),
        glue,
        Some(&endpoint),
        "spa-1",
    )
    .await;
    let args = alias_rules(&shop.sandbox);
    in_chromium(&args, async |b| accepted_flow(b, &shop, true).await).await;
    assert_paid_by_ipn(&shop, 1);
    assert_order_paid(&shop, "spa-1", 1).await;
    shop.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver (CHROMEDRIVER_URL) and the npm glue (KR_GLUE_JS); run by .ci/extra"]
async fn spa_refused_card_reaches_on_error_and_the_shopper_retries() {
    let Some(glue) = glue_js() else { return };
    let endpoint = format!("http://{ALIAS}");
    let shop = shop(
        "127.0.0.1:0".parse().unwrap(),
        glue,
        Some(&endpoint),
        "spa-2",
    )
    .await;
    let args = alias_rules(&shop.sandbox);
    in_chromium(&args, async |b| refused_then_retry_flow(b, &shop).await).await;
    // UNPAID first, then PAID: two transactions in the order, two IPNs.
    assert_paid_by_ipn(&shop, 2);
    assert_order_paid(&shop, "spa-2", 2).await;
    shop.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver (CHROMEDRIVER_URL), the npm glue (KR_GLUE_JS) and port 80; run by .ci/extra"]
async fn spa_with_the_official_glue_pays_on_loopback_port_80() {
    let Some(glue) = glue_js() else { return };
    let addr: SocketAddr = "127.0.0.1:80".parse().unwrap();
    if let Err(e) = std::net::TcpListener::bind(addr) {
        eprintln!("SKIPPED: cannot bind {addr} ({e}); run as root (CI does) or use the host alias");
        return;
    }
    let shop = shop(addr, glue, None, "spa-80").await;
    assert_eq!(
        shop.sandbox.base_url(),
        "http://127.0.0.1",
        "a port-less base URL"
    );
    in_chromium(&[], async |b| accepted_flow(b, &shop, false).await).await;
    assert_paid_by_ipn(&shop, 1);
    shop.sandbox.shutdown().await;
}

//! Opt-in real-browser test of the Lyra embedded form against the sandbox (issue 6, item 4).
//!
//! A merchant page written as in seed 000 (the form script, public key and `kr-post-url-success`
//! in the head, the neon theme, the `kr-smart-form` div with the formToken) is served by a small
//! in-process merchant; headless Chromium, driven through chromedriver, picks the accepted test
//! card and pays; the merchant's success URL receives the signed browser return and verifies it
//! with `pasarela::lyra::notification::verify`.
//!
//! Ignored by default (it needs Chromium and a running chromedriver). Run it with
//!
//! ```text
//! chromedriver --port=9515 &
//! CHROMEDRIVER_URL=http://127.0.0.1:9515 cargo test --test browser -- --ignored
//! ```
//!
//! `.ci/extra` installs the packages, starts chromedriver and runs it. `CHROME_BIN` overrides the
//! browser binary (default `/usr/bin/chromium` when it exists).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use pasarela::lyra::form::{escape_attr, EmbeddedForm, StaticHost, Theme};
use pasarela::lyra::notification::{self, Keys, SignedWith, VerifiedAnswer};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

/// The accepted test card (PAID / AUTHORISED).
pub(super) const ACCEPTED_CARD: &str = "4970100000000003";
/// How long to wait for the form to render and for the return page (generous: CI is slow).
pub(super) const WAIT: Duration = Duration::from_secs(30);

/// What the merchant saw.
#[derive(Default)]
struct Merchant {
    /// The checkout page, set once the formToken exists.
    checkout: Mutex<String>,
    /// Verified browser returns posted to `/paid`.
    returns: Mutex<Vec<VerifiedAnswer>>,
    /// Verified IPNs posted to `/ipn`.
    ipns: Mutex<Vec<VerifiedAnswer>>,
}

pub(super) fn keys() -> Keys {
    Keys::new(defaults::PASSWORD, defaults::HMAC_KEY)
}

fn order_status(verified: &VerifiedAnswer) -> String {
    serde_json::from_str::<Value>(verified.raw_answer())
        .ok()
        .and_then(|answer| answer["orderStatus"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

async fn checkout(State(merchant): State<Arc<Merchant>>) -> Html<String> {
    Html(merchant.checkout.lock().unwrap().clone())
}

/// `kr-post-url-success`: verifies the browser return (HMAC-SHA-256 key) as a merchant must.
async fn paid(State(merchant): State<Arc<Merchant>>, body: Bytes) -> Html<String> {
    let result = match notification::verify(&body, &keys()) {
        Ok(verified) => {
            let line = format!(
                "VERIFIED orderStatus={} signedWith={}",
                order_status(&verified),
                verified.signed_with().wire_name()
            );
            merchant.returns.lock().unwrap().push(verified);
            line
        }
        Err(e) => format!("REJECTED {e}"),
    };
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Shop</title></head>\
         <body><p id=\"merchant-result\">{}</p></body></html>",
        escape_attr(&result)
    ))
}

/// The IPN target: verifies the notification (password) and acknowledges it.
async fn ipn(State(merchant): State<Arc<Merchant>>, body: Bytes) -> StatusCode {
    match notification::verify(&body, &keys()) {
        Ok(verified) => {
            merchant.ipns.lock().unwrap().push(verified);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// Starts the merchant on a free loopback port; returns its base URL.
async fn start_merchant(merchant: Arc<Merchant>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the merchant");
    let addr = listener.local_addr().expect("merchant address");
    let app = Router::new()
        .route("/checkout", get(checkout))
        .route("/paid", post(paid))
        .route("/ipn", post(ipn))
        .with_state(merchant);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// The checkout page as seed 000 writes it, with only the static host pointing at the sandbox.
fn checkout_page(sandbox_url: &str, merchant_url: &str, form_token: &str) -> String {
    let form = EmbeddedForm::new(
        StaticHost::Custom(sandbox_url.to_owned()),
        defaults::PUBLIC_KEY,
        form_token,
    )
    .post_url_success(format!("{merchant_url}/paid"))
    .theme(Theme::Neon);
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no\" />\n\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n\
         <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\" />\n\
         {}</head>\n<body>\n<h1>Checkout</h1>\n{}\n</body>\n</html>\n",
        form.head(),
        form.body()
    )
}

/// A fresh Chromium profile directory, removed on drop.
pub(super) struct Profile(PathBuf);

impl Profile {
    pub(super) fn new() -> Profile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("pasarela-browser-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the Chromium profile directory");
        Profile(dir)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A headless Chromium session through chromedriver.
async fn browser(profile: &Profile) -> Client {
    browser_with(profile, &[]).await
}

/// [`browser`] with more Chromium arguments (e.g. `--host-resolver-rules`).
pub(super) async fn browser_with(profile: &Profile, extra_args: &[String]) -> Client {
    let webdriver =
        std::env::var("CHROMEDRIVER_URL").unwrap_or_else(|_| "http://127.0.0.1:9515".to_owned());
    let mut chrome = json!({
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage",
            format!("--user-data-dir={}", profile.0.display()),
        ]
    });
    let binary = std::env::var("CHROME_BIN").ok().or_else(|| {
        let debian = "/usr/bin/chromium";
        std::path::Path::new(debian)
            .exists()
            .then(|| debian.to_owned())
    });
    for arg in extra_args {
        chrome["args"]
            .as_array_mut()
            .unwrap()
            .push(Value::String(arg.clone()));
    }
    if let Some(binary) = binary {
        chrome["binary"] = Value::String(binary);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), chrome);
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .unwrap_or_else(|e| {
            panic!("no WebDriver session at {webdriver} (is chromedriver running?): {e}")
        })
}

/// What the shopper sees: the text of the merchant's return page.
async fn shop(browser: &Client, checkout_url: &str) -> Result<String, String> {
    let describe = |what: &str, e: fantoccini::error::CmdError| format!("{what}: {e}");
    browser
        .goto(checkout_url)
        .await
        .map_err(|e| describe("open the checkout page", e))?;
    let button = browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(".kr-smart-form .kr-payment-button"))
        .await
        .map_err(|e| describe("the form script did not render .kr-payment-button", e))?;
    let select = browser
        .find(Locator::Css(".kr-smart-form select.kr-sandbox-card"))
        .await
        .map_err(|e| describe("find the test-card select", e))?;
    select
        .select_by_value(ACCEPTED_CARD)
        .await
        .map_err(|e| describe("pick the accepted card", e))?;
    button
        .click()
        .await
        .map_err(|e| describe("click the payment button", e))?;
    match browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#merchant-result"))
        .await
    {
        Ok(result) => result
            .text()
            .await
            .map_err(|e| describe("read the merchant's answer", e)),
        Err(e) => {
            // Say where the browser got stuck: the form's message usually names the cause.
            let url = browser
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let message = match browser.find(Locator::Css(".kr-sandbox-message")).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            Err(format!(
                "no return page at the merchant ({e}); browser at {url}, form message {message:?}"
            ))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver (CHROMEDRIVER_URL); run by .ci/extra"]
async fn pays_with_the_accepted_card_in_headless_chromium() {
    let sandbox_addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default(), sandbox_addr)
        .await
        .expect("start the sandbox");
    let merchant = Arc::new(Merchant::default());
    let merchant_url = start_merchant(merchant.clone()).await;

    // The merchant's backend: a formToken through the public client API, as in seed 000 step I.
    let client = LyraClient::new(&LyraConfig::new(
        defaults::SHOP_ID,
        defaults::PASSWORD,
        sandbox.base_url(),
    ))
    .expect("client configuration");
    let request: types::CreatePaymentRequest = serde_json::from_value(json!({
        "amount": 10000,
        "currency": "PEN",
        "orderId": "browser-1",
        "customer": {"email": "sample@example.com"},
        "ipnTargetUrl": format!("{merchant_url}/ipn"),
    }))
    .expect("a valid CreatePayment request");
    let form_token = client
        .create_payment(request)
        .await
        .expect("Charge/CreatePayment")
        .form_token;
    *merchant.checkout.lock().unwrap() =
        checkout_page(sandbox.base_url(), &merchant_url, &form_token);

    // The shopper, in a real browser. The session is closed whatever happened before asserting.
    let profile = Profile::new();
    let chromium = browser(&profile).await;
    let outcome = shop(&chromium, &format!("{merchant_url}/checkout")).await;
    let closed = chromium.close().await;
    let page = outcome.unwrap_or_else(|e| panic!("the browser flow failed: {e}"));
    closed.expect("close the WebDriver session");

    assert_eq!(page, "VERIFIED orderStatus=PAID signedWith=sha256_hmac");
    {
        let returns = merchant.returns.lock().unwrap();
        assert_eq!(returns.len(), 1, "one browser return");
        assert_eq!(returns[0].signed_with(), SignedWith::HmacKey);
        assert!(returns[0].is_paid());
        let answer: Value = serde_json::from_str(returns[0].raw_answer()).unwrap();
        assert_eq!(answer["orderDetails"]["orderId"], "browser-1");
        assert_eq!(answer["orderDetails"]["orderTotalAmount"], 10000);
    }

    // The platform sends the IPN before releasing the browser, so it is already here.
    {
        let ipns = merchant.ipns.lock().unwrap();
        assert_eq!(ipns.len(), 1, "one IPN");
        assert_eq!(ipns[0].signed_with(), SignedWith::Password);
        assert!(ipns[0].is_paid());
    }
    pasarela::install_default_tls_provider();
    let notifications: Value =
        reqwest::get(format!("{}/sandbox/notifications", sandbox.base_url()))
            .await
            .expect("GET /sandbox/notifications")
            .json()
            .await
            .expect("a JSON listing");
    let listed = notifications.as_array().expect("a list of notifications");
    assert_eq!(listed.len(), 1, "{notifications:#}");
    assert_eq!(
        listed[0]["target"],
        format!("{merchant_url}/ipn"),
        "{notifications:#}"
    );

    // The back office sees the same transaction.
    let order = client
        .get_order(types::OrderGetRequest {
            order_id: "browser-1".try_into().unwrap(),
            operation_type: None,
        })
        .await
        .expect("Order/Get");
    let transactions = order.transactions.unwrap_or_default();
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions[0].amount, Some(10000));
    assert_eq!(
        transactions[0]
            .status
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("PAID")
    );
    assert_eq!(
        transactions[0]
            .detailed_status
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("AUTHORISED")
    );

    sandbox.shutdown().await;
}

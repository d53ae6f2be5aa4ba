//! The dashboard at `/` (issue 17, items 1 and 2): what it shows (orders with money in the
//! currency's format, states, masked cards, sessions, notifications with their attempts),
//! that attacker-chosen values are escaped, and that each button changes state through the
//! API's own path (checked afterwards through the REST API). Plain GETs and form POSTs: no
//! JavaScript involved.

use std::time::Duration;

use pasarela_sandbox::{defaults, DeliveryPolicy, SandboxConfig};
use reqwest::header::{LOCATION, ORIGIN};
use serde_json::{json, Value};

use super::common::{call, control_pay, control_pay_with, create_payment, start};
use crate::support::{Reply, TestServer};

/// A client that does not follow redirects, to see each action's 303.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(base: &str, path_and_query: &str) -> String {
    let response = reqwest::get(format!("{base}{path_and_query}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path_and_query}");
    response.text().await.unwrap()
}

/// The `<section … id="{id}">…</section>` of a page.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..].find("</section>").expect("section closed") + start;
    &html[start..end]
}

/// Posts a dashboard form as a browser on the dashboard's own page would (same-origin
/// `Origin` and `Sec-Fetch-Site`): the status and the `Location`.
async fn press(base: &str, action: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = no_redirects()
        .post(format!("{base}/sandbox/dashboard/actions/{action}"))
        .header(ORIGIN, base)
        .header("sec-fetch-site", "same-origin")
        .form(fields)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

/// How the pages write an amount: the number, then the currency in its own span.
fn shown_money(number: &str, currency: &str) -> String {
    format!("{number} <span class=\"currency\">{currency}</span>")
}

/// The page an action's 303 leads to.
async fn follow(base: &str, location: &str) -> String {
    assert!(location.starts_with('/'), "{location}");
    page(base, location).await
}

/// The transactions of an order, through `Order/Get`.
async fn order_transactions(http: &reqwest::Client, base: &str, order_id: &str) -> Vec<Value> {
    let order = call(http, base, "Order/Get", json!({"orderId": order_id})).await;
    order["transactions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A paid order with one transaction; its uuid.
async fn paid_order(http: &reqwest::Client, base: &str, order_id: &str, outcome: &str) -> String {
    let form_token = create_payment(
        http,
        base,
        json!({"amount": 1000, "currency": "PEN", "orderId": order_id}),
    )
    .await;
    let (_, answer) = control_pay_with(http, base, &form_token, outcome).await;
    assert!(answer["krAnswer"].is_string(), "{answer}");
    order_transactions(http, base, order_id).await[0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn transaction(http: &reqwest::Client, base: &str, uuid: &str) -> Value {
    call(http, base, "Transaction/Get", json!({"uuid": uuid})).await
}

#[tokio::test]
async fn orders_show_money_in_the_currency_format_states_and_masked_cards() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let pen = create_payment(
        &http,
        base,
        json!({"amount": 1250, "currency": "PEN", "orderId": "dash-pen"}),
    )
    .await;
    assert_eq!(control_pay(&http, base, &pen).await.0, 200);
    let clp = create_payment(
        &http,
        base,
        json!({"amount": 2000, "currency": "CLP", "orderId": "dash-clp"}),
    )
    .await;
    let refused = http
        .post(format!("{base}/sandbox/lyra/pay"))
        .json(&json!({"formToken": clp, "outcome": "refused"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 200);
    let open = create_payment(
        &http,
        base,
        json!({"amount": 990, "currency": "PEN", "orderId": "dash-open"}),
    )
    .await;

    let html = page(base, "/").await;
    let orders = section(&html, "orders");
    assert!(
        orders.contains("<tr class=\"order\" data-order-id=\"dash-pen\">"),
        "{orders}"
    );
    assert!(orders.contains(&shown_money("12.50", "PEN")), "{orders}");
    assert!(orders.contains(&shown_money("2000", "CLP")), "{orders}");
    assert!(!orders.contains("2000.00") && !orders.contains("20.00 CLP"));
    assert!(orders.contains("<span class=\"state state-paid\">PAID</span>"));
    assert!(orders.contains("<span class=\"state state-authorised\">AUTHORISED</span>"));
    assert!(orders.contains("<span class=\"state state-refused\">REFUSED</span>"));
    assert!(orders.contains("497010XXXXXX0003"), "{orders}");
    for card in pasarela_sandbox::TEST_CARDS {
        assert!(!html.contains(card.pan), "{} shown whole", card.brand);
    }
    // The open formToken, with its pay and refuse buttons; the paid ones are gone from there.
    let forms = section(&html, "open-forms");
    assert!(forms.contains(&open) && !forms.contains(&pen), "{forms}");
    assert!(forms.contains("<button type=\"submit\" class=\"action\" name=\"pay\""));
    assert!(forms.contains("name=\"refuse\""));
    for id in [
        "payment-orders",
        "tokens",
        "subscriptions",
        "etpay-sessions",
        "notifications",
    ] {
        section(&html, id);
    }
    // The old index's URLs are still there, and no script: the page works without JavaScript.
    assert!(html.contains(&format!("{base}/api-payment/V4/")));
    assert!(!html.contains("<script"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn attacker_chosen_values_are_escaped() {
    let xss = "<img src=x onerror=alert(1)>";
    let merchant =
        TestServer::start(|_| Reply::status(200, "text/html", "<script>alert('answer')</script>"))
            .await;
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let target = format!("{}/ipn?a=\"><script>alert(2)</script>", merchant.base_url);
    let form_token = create_payment(
        &http,
        base,
        json!({"amount": 100, "currency": "PEN", "orderId": format!("o{xss}"),
               "metadata": {"note": xss}, "ipnTargetUrl": target}),
    )
    .await;
    assert_eq!(control_pay(&http, base, &form_token).await.0, 200);
    let session: Value = http
        .post(format!("{base}/etpay/session/initialize"))
        .json(&json!({"merchant_code": defaults::ETPAY_MERCHANT_CODE,
                      "merchant_api_token": defaults::ETPAY_API_TOKEN,
                      "merchant_order_id": xss, "order_amount": 2000}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(session["token"].is_string(), "{session}");

    let html = page(base, "/").await;
    assert!(
        !html.contains("<img"),
        "an order id or metadata got through"
    );
    assert!(!html.contains("<script"), "a URL or an answer got through");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(section(&html, "etpay-sessions").contains("&lt;img src=x"));
    assert!(section(&html, "notifications").contains("&lt;script&gt;alert(&#39;answer&#39;)"));
    let detail = page(base, "/sandbox/dashboard/notifications/1").await;
    assert!(!detail.contains("<script") && !detail.contains("<img"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pay_and_refuse_buttons_pay_open_form_tokens() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let paid = create_payment(
        &http,
        base,
        json!({"amount": 500, "currency": "PEN", "orderId": "btn-paid"}),
    )
    .await;
    let refused = create_payment(
        &http,
        base,
        json!({"amount": 500, "currency": "PEN", "orderId": "btn-refused"}),
    )
    .await;

    let (status, location) = press(
        base,
        &format!("lyra/forms/{paid}/pay"),
        &[("outcome", "captured"), ("pay", "1")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/?ok="), "{location}");
    let txs = order_transactions(&http, base, "btn-paid").await;
    assert_eq!(txs[0]["detailedStatus"], "CAPTURED", "{txs:?}");

    let (status, _) = press(
        base,
        &format!("lyra/forms/{refused}/pay"),
        &[("refuse", "1")],
    )
    .await;
    assert_eq!(status, 303);
    let txs = order_transactions(&http, base, "btn-refused").await;
    assert_eq!(txs[0]["status"], "UNPAID");
    assert_eq!(txs[0]["detailedStatus"], "REFUSED");

    // Paying again is refused as the control endpoint refuses it, and the page says why.
    let (status, location) = press(base, &format!("lyra/forms/{paid}/pay"), &[("pay", "1")]).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/?error="), "{location}");
    let html = follow(base, &location).await;
    assert!(html.contains("already paid (INT_906)"), "{html}");
    assert_eq!(order_transactions(&http, base, "btn-paid").await.len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn transaction_buttons_go_through_the_web_services() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let authorised = paid_order(&http, base, "tx-capture", "paid").await;
    let to_validate = paid_order(&http, base, "tx-validate", "to_validate").await;
    let to_cancel = paid_order(&http, base, "tx-cancel", "paid").await;

    // Refunding a transaction not captured yet: the web service's own error, on the page.
    let (status, location) =
        press(base, &format!("lyra/transactions/{authorised}/refund"), &[]).await;
    assert_eq!(status, 303);
    let html = follow(base, &location).await;
    assert!(html.contains("PSP_076"), "{location}");
    assert_eq!(
        transaction(&http, base, &authorised).await["detailedStatus"],
        "AUTHORISED"
    );

    press(
        base,
        &format!("lyra/transactions/{authorised}/capture"),
        &[],
    )
    .await;
    assert_eq!(
        transaction(&http, base, &authorised).await["detailedStatus"],
        "CAPTURED"
    );
    let (_, location) = press(base, &format!("lyra/transactions/{authorised}/refund"), &[]).await;
    assert!(location.starts_with("/?ok="), "{location}");
    let txs = order_transactions(&http, base, "tx-capture").await;
    let credit = txs.iter().find(|t| t["operationType"] == "CREDIT");
    assert_eq!(
        credit.map(|t| t["amount"].clone()),
        Some(json!(1000)),
        "{txs:?}"
    );
    // The message names the new CREDIT (issue 17 review, item 11), not the refunded DEBIT.
    let html = follow(base, &location).await;
    let credit_uuid = credit.and_then(|t| t["uuid"].as_str()).unwrap_or("?");
    assert!(html.contains("new CREDIT"), "{location}");
    assert!(html.contains(credit_uuid), "{location}");
    assert!(html.contains("10.00"), "{location}");

    press(
        base,
        &format!("lyra/transactions/{to_validate}/validate"),
        &[],
    )
    .await;
    let validated = transaction(&http, base, &to_validate).await;
    assert_eq!(validated["detailedStatus"], "AUTHORISED", "{validated}");

    press(base, &format!("lyra/transactions/{to_cancel}/cancel"), &[]).await;
    let cancelled = transaction(&http, base, &to_cancel).await;
    assert_eq!(cancelled["detailedStatus"], "CANCELLED", "{cancelled}");

    let html = page(base, "/").await;
    assert!(
        section(&html, "orders").contains("<span class=\"state state-cancelled\">CANCELLED</span>")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn etpay_buttons_complete_open_sessions() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "ok")).await;
    let sandbox = start(SandboxConfig {
        etpay_webhook_url: Some(format!("{}/webhook", merchant.base_url)),
        ..SandboxConfig::default()
    })
    .await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for order in ["et-paid", "et-rejected"] {
        let session: Value = http
            .post(format!("{base}/etpay/session/initialize"))
            .json(&json!({"merchant_code": defaults::ETPAY_MERCHANT_CODE,
                          "merchant_api_token": defaults::ETPAY_API_TOKEN,
                          "merchant_order_id": order, "order_amount": 12990}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(session["token"].as_str().unwrap().to_owned());
    }
    let html = page(base, "/").await;
    let sessions = section(&html, "etpay-sessions");
    assert!(
        sessions.contains(&shown_money("12990", "CLP")),
        "{sessions}"
    );
    assert!(sessions.contains("name=\"pay\"") && sessions.contains("name=\"reject\""));

    let (status, location) = press(base, &format!("etpay/sessions/{}/paid", tokens[0]), &[]).await;
    assert_eq!(status, 303);
    assert!(location.contains("webhook+answered+HTTP+200"), "{location}");
    press(base, &format!("etpay/sessions/{}/rejected", tokens[1]), &[]).await;
    for (token, paid) in [(&tokens[0], true), (&tokens[1], false)] {
        let found: Value = http
            .post(format!("{base}/etpay/merchant/check_payment_status"))
            .json(&json!({"merchant_api_token": defaults::ETPAY_API_TOKEN, "session_token": token}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found[0]["payment_status"], paid, "{found}");
    }
    // A finished session is refused as the funnel refuses it.
    let (_, location) = press(base, &format!("etpay/sessions/{}/paid", tokens[0]), &[]).await;
    assert!(location.starts_with("/?error="), "{location}");
    let html = page(base, "/").await;
    let sessions = section(&html, "etpay-sessions");
    assert!(
        sessions.contains("data-state=\"PAID\"") && sessions.contains("data-state=\"REJECTED\"")
    );
    assert!(
        !sessions.contains("name=\"pay\""),
        "no button on a finished session"
    );
    // The webhook's signed body, on its notification's page.
    let detail = page(base, "/sandbox/dashboard/notifications/1").await;
    assert!(detail.contains("&quot;payment&quot;: &quot;ey"), "{detail}");
    sandbox.shutdown().await;
}

/// Waits until notification `id` has `attempts` attempts, through the JSON API.
async fn wait_attempts(base: &str, id: u64, attempts: usize) -> Value {
    for _ in 0..200 {
        let record: Value = reqwest::get(format!("{base}/sandbox/notifications/{id}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if record["attempts"].as_array().map_or(0, Vec::len) >= attempts {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("notification {id} never reached {attempts} attempts");
}

#[tokio::test]
async fn resend_adds_a_round_of_attempts_shown_on_both_pages() {
    let merchant =
        TestServer::start(|_| Reply::status(200, "text/plain", "OK from the shop")).await;
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", merchant.base_url)),
        ..SandboxConfig::default()
    })
    .await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let form_token = create_payment(
        &http,
        base,
        json!({"amount": 4200, "currency": "PEN", "orderId": "resend-me"}),
    )
    .await;
    let (_, paid) = control_pay(&http, base, &form_token).await;
    let id = paid["ipn"]["notification"]
        .as_u64()
        .expect("the notification's id");
    wait_attempts(base, id, 1).await;
    let html = page(base, "/").await;
    let row = format!(
        "<tr class=\"notification\" data-id=\"{id}\" data-attempts=\"1\" data-delivered=\"true\">"
    );
    assert!(section(&html, "notifications").contains(&row), "{html}");
    assert!(
        html.contains("OK from the shop"),
        "the answer's first bytes"
    );

    let (status, location) = press(
        base,
        &format!("notifications/{id}/resend"),
        &[("back", "notification"), ("resend", "1")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with(&format!("/sandbox/dashboard/notifications/{id}?ok=")),
        "{location}"
    );
    let record = wait_attempts(base, id, 2).await;
    assert_eq!(record["attempts"][1]["resend"], true, "{record}");
    assert_eq!(merchant.requests().len(), 2);
    assert_eq!(
        merchant.requests()[0].body,
        merchant.requests()[1].body,
        "the same signed body"
    );

    let detail = follow(base, &location).await;
    assert!(detail.contains("data-attempts=\"2\""), "{detail}");
    assert!(detail.contains("sent again"), "the action's outcome");
    assert!(detail.contains("resend · attempt 2"), "{detail}");
    assert!(detail.contains("kr-hash") && detail.contains("resend-me"));
    let (status, location) = press(
        base,
        "notifications/999/resend",
        &[("back", "notification")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/?error="), "{location}");
    assert!(follow(base, &location)
        .await
        .contains("#999: unknown notification"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn failed_deliveries_show_each_attempt_and_the_page_refreshes_while_in_flight() {
    let merchant = TestServer::start(|_| Reply::status(500, "text/plain", "boom")).await;
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", merchant.base_url)),
        delivery: DeliveryPolicy {
            attempts: 2,
            first_backoff: Duration::from_millis(10),
            attempt_timeout: Duration::from_secs(5),
        },
        ..SandboxConfig::default()
    })
    .await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let form_token = create_payment(&http, base, json!({"amount": 100, "currency": "PEN"})).await;
    let (_, paid) = control_pay(&http, base, &form_token).await;
    let id = paid["ipn"]["notification"].as_u64().unwrap();
    wait_attempts(base, id, 2).await;
    let html = page(base, "/").await;
    let notifications = section(&html, "notifications");
    assert!(notifications.contains("data-attempts=\"2\" data-delivered=\"false\""));
    assert!(notifications.contains("<span class=\"state state-failed\">FAILED</span>"));
    assert!(notifications.contains("HTTP 500") && notifications.contains("boom"));
    assert!(
        !html.contains("http-equiv=\"refresh\""),
        "the overview is still unless asked"
    );
    assert!(page(base, "/?live=1")
        .await
        .contains("http-equiv=\"refresh\""));
    let detail = page(base, &format!("/sandbox/dashboard/notifications/{id}")).await;
    assert!(
        !detail.contains("http-equiv=\"refresh\""),
        "given up: nothing in flight"
    );
    assert_eq!(
        reqwest::get(format!("{base}/sandbox/dashboard/notifications/x"))
            .await
            .unwrap()
            .status(),
        404
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn cross_site_dashboard_posts_are_refused() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let uuid = paid_order(&http, base, "cross-site", "paid").await;
    let action = format!("{base}/sandbox/dashboard/actions/lyra/transactions/{uuid}/cancel");
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://evil.example"),
        ("origin", "null"),
    ] {
        let response = no_redirects()
            .post(&action)
            .header(name, value)
            .form(&[("cancel", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{name}: {value}");
    }
    assert_eq!(
        transaction(&http, base, &uuid).await["detailedStatus"],
        "AUTHORISED"
    );
    // The dashboard's own form, from its own page, passes.
    let (status, _) = press(
        base,
        &format!("lyra/transactions/{uuid}/cancel"),
        &[("cancel", "1")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        transaction(&http, base, &uuid).await["detailedStatus"],
        "CANCELLED"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn lists_show_the_newest_and_say_how_many_are_left_out() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let mut newest = String::new();
    for i in 0..53 {
        let body = json!({"amount": 100 + i, "currency": "PEN", "orderId": format!("many-{i}")});
        newest = create_payment(&http, base, body).await;
    }
    let html = page(base, "/").await;
    let forms = section(&html, "open-forms");
    assert_eq!(forms.matches("<tr class=\"open-form\"").count(), 50);
    assert!(forms.contains("3 older not shown"), "{forms}");
    let first_row = forms.find("<tr class=\"open-form\"").unwrap();
    assert!(forms[first_row..].starts_with(&format!(
        "<tr class=\"open-form\" data-form-token=\"{newest}\""
    )));
    assert!(
        forms.contains("many-52") && !forms.contains("many-2<"),
        "the oldest are left out"
    );
    sandbox.shutdown().await;
}

//! The sandbox's look without a browser (issue 17, item 1): the stylesheet is served, cacheable
//! and self-contained; every page links it and carries the header; the payment page lists the
//! test cards with their outcomes and the amount in the currency's format; the ETpay funnel
//! lists the banks with the amount in CLP. The field names the forms post stay the same
//! (sandbox_lyra and sandbox_etpay post them).

use pasarela_sandbox::{SandboxConfig, TEST_BANKS, TEST_CARDS};
use serde_json::json;

use crate::common::{call, start};

/// The `href` of the page's stylesheet link, if any.
fn stylesheet_href(page: &str) -> Option<&str> {
    let link = page.find("<link rel=\"stylesheet\" href=\"")?;
    let rest = &page[link + "<link rel=\"stylesheet\" href=\"".len()..];
    rest.split('"').next()
}

/// The page is a sandbox page: stylesheet, viewport for phones, the header's three links.
fn assert_sandbox_chrome(page: &str) {
    let href = stylesheet_href(page).unwrap_or_else(|| panic!("no stylesheet link: {page}"));
    assert!(href.starts_with("/sandbox/style.css"), "{href}");
    assert!(page.contains("name=\"viewport\""), "{page}");
    for link in [
        "href=\"/\">Dashboard",
        "href=\"/sandbox/notifications\"",
        "href=\"/sandbox/test-cards\">Test cards",
    ] {
        assert!(page.contains(link), "no {link} in {page}");
    }
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, String) {
    let response = http.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_stylesheet_is_served_cacheable_and_self_contained() {
    let sandbox = start(SandboxConfig::default()).await;
    let response = reqwest::get(format!("{}/sandbox/style.css", sandbox.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age="),
        "{headers:?}"
    );
    let css = response.text().await.unwrap();
    // The class names the contract gives the dashboard.
    for selector in [
        "table.rows",
        ".state-paid",
        ".state-running",
        ".state-refused",
        ".state-cancelled",
        ".state-error",
        ".state-delivered",
        ".state-failed",
        ".state-pending",
        "button.action",
        ".money",
        ".muted",
        "section.card",
    ] {
        assert!(css.contains(selector), "no {selector} in the stylesheet");
    }
    // Offline: no web fonts, imports or remote files.
    for remote in ["@import", "url(", "http:", "https:", "@font-face"] {
        assert!(!css.contains(remote), "the stylesheet uses {remote}");
    }
    // The link the pages carry points at the same stylesheet.
    let (status, cards) = get(
        &reqwest::Client::new(),
        &format!("{}/sandbox/test-cards", sandbox.base_url()),
    )
    .await;
    assert_eq!(status, 200);
    let href = stylesheet_href(&cards)
        .expect("a stylesheet link")
        .to_owned();
    let linked = reqwest::get(format!(
        "{}{}",
        sandbox.base_url(),
        href.replace("&amp;", "&")
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(linked, css);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_test_cards_page_lists_every_card_and_bank() {
    let sandbox = start(SandboxConfig::default()).await;
    let (status, page) = get(
        &reqwest::Client::new(),
        &format!("{}/sandbox/test-cards", sandbox.base_url()),
    )
    .await;
    assert_eq!(status, 200);
    assert_sandbox_chrome(&page);
    for card in TEST_CARDS {
        assert!(
            page.contains(card.pan) && page.contains(card.label),
            "{page}"
        );
    }
    for (code, _) in TEST_BANKS {
        assert!(page.contains(code), "{page}");
    }
    assert!(page.contains("class=\"state state-refused\""), "{page}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_payment_page_lists_the_cards_with_their_outcomes() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    let form = call(
        &http,
        base,
        "Charge/CreatePayment",
        json!({"amount": 123456, "currency": "PEN", "orderId": "look-<1>"}),
    )
    .await;
    let token = form["formToken"].as_str().unwrap();
    let (status, page) = get(&http, &format!("{base}/sandbox/lyra/form/{token}")).await;
    assert_eq!(status, 200);
    assert_sandbox_chrome(&page);
    assert!(
        page.contains("<span class=\"money\">1234.56 <span class=\"currency\">PEN</span></span>"),
        "{page}"
    );
    assert!(
        page.contains("look-&lt;1&gt;"),
        "the order id, escaped: {page}"
    );
    for card in TEST_CARDS {
        assert!(
            page.contains(&format!(
                "<input type=\"radio\" name=\"card\" value=\"{}\"",
                card.pan
            )),
            "{page}"
        );
        assert!(page.contains(card.label), "{page}");
    }
    for badge in [
        "state state-paid",
        "state state-refused",
        "state state-running",
    ] {
        assert!(page.contains(badge), "no {badge}: {page}");
    }
    assert!(page.contains("id=\"pay\""), "{page}");
    // The page without a return URL ends on a styled result page.
    let result = http
        .post(format!("{base}/sandbox/lyra/form/{token}"))
        .form(&[("card", TEST_CARDS[2].pan)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_sandbox_chrome(&result);
    assert!(result.contains("state state-refused\">UNPAID"), "{result}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_etpay_funnel_lists_the_banks_with_the_amount_in_clp() {
    let sandbox = start(SandboxConfig::default()).await;
    let http = reqwest::Client::new();
    let session: serde_json::Value = http
        .post(format!("{}/session/initialize", sandbox.etpay_api_url()))
        .json(&json!({
            "merchant_code": pasarela_sandbox::defaults::ETPAY_MERCHANT_CODE,
            "merchant_api_token": pasarela_sandbox::defaults::ETPAY_API_TOKEN,
            "merchant_order_id": "look-etpay",
            "order_amount": 15990,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().expect("a session token");
    let (status, page) = get(
        &http,
        &format!("{}/session/{token}", sandbox.etpay_pmt_url()),
    )
    .await;
    assert_eq!(status, 200);
    assert_sandbox_chrome(&page);
    assert!(
        page.contains("<span class=\"money\">15990 <span class=\"currency\">CLP</span></span>"),
        "{page}"
    );
    assert!(page.contains("look-etpay"), "{page}");
    for (code, name) in TEST_BANKS {
        assert!(
            page.contains(&format!("name=\"bank\" value=\"{code}\"")) && page.contains(name),
            "{page}"
        );
    }
    assert!(page.contains("id=\"approve\"") && page.contains("id=\"reject\""));
    let (status, terms) = get(
        &http,
        &format!("{}/sandbox/etpay/terms", sandbox.base_url()),
    )
    .await;
    assert_eq!(status, 200);
    assert_sandbox_chrome(&terms);
    sandbox.shutdown().await;
}

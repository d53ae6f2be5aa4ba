//! The dashboard's order state is the order's, over all its transactions (issue 17 review,
//! item 8): not only over the few newest the row shows.

use pasarela_sandbox::SandboxConfig;
use serde_json::json;

use super::common::{call, control_pay_with, create_payment, start};

/// Creates a payment for `order_id` and pays it with `outcome` through the control endpoint.
async fn pay(http: &reqwest::Client, base: &str, order_id: &str, outcome: &str) {
    let body = json!({"amount": 1000, "currency": "PEN", "orderId": order_id});
    let form_token = create_payment(http, base, body).await;
    let (_, answer) = control_pay_with(http, base, &form_token, outcome).await;
    assert!(answer["krAnswer"].is_string(), "{answer}");
}

#[tokio::test]
async fn an_orders_state_counts_the_transactions_the_row_leaves_out() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    // One paid attempt, then more refused ones than a row shows.
    pay(&http, base, "many-tries", "paid").await;
    for _ in 0..12 {
        pay(&http, base, "many-tries", "refused").await;
    }
    let order = call(&http, base, "Order/Get", json!({"orderId": "many-tries"})).await;
    assert_eq!(order["transactions"].as_array().map(Vec::len), Some(13));

    let html = reqwest::get(format!("{base}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("id=\"orders\"").expect("the orders section");
    let orders = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(orders.contains("earlier not shown"), "{orders}");
    assert!(
        orders.contains("<span class=\"state state-paid\">PAID</span>"),
        "the order is PAID: {orders}"
    );
    sandbox.shutdown().await;
}

//! The ETpay half of `pasarela demo`: initialize → pay in the funnel → verify the webhook and
//! the redirect → check_payment_status.

use pasarela::etpay::notification::{jwt_from_redirect, Verifier};
use pasarela::etpay::{EtpayClient, EtpayConfig, PaymentQuery, Session, SessionRequest};
use pasarela::Secret;
use pasarela_sandbox::{defaults, Sandbox};

use crate::merchant::{wait_for, Shared, Transcript};

/// Initialize → pay → verify the webhook JWT → check_payment_status.
pub(crate) async fn flow(t: &mut Transcript, sandbox: &Sandbox, inbox: &Shared) {
    let config = match EtpayConfig::new(
        &sandbox.etpay_api_url(),
        &sandbox.etpay_pmt_url(),
        defaults::ETPAY_MERCHANT_CODE,
        Secret::new(defaults::ETPAY_API_TOKEN),
    ) {
        Ok(config) => config,
        Err(e) => return t.fail("ETpay configuration", e),
    };
    let client = match EtpayClient::new(config) {
        Ok(client) => client,
        Err(e) => return t.fail("ETpay client", e),
    };
    let order_id = format!("oc-{}", std::process::id());
    let mut request = SessionRequest::new(order_id.clone(), 50_000);
    request.payment_completed_url = Some("https://shop.example/etpay/ok".into());
    request.payment_cancellation_url = Some("https://shop.example/etpay/error".into());
    let session = match client.initialize(&request).await {
        Ok(session) => session,
        Err(e) => return t.fail("session/initialize", e),
    };
    inbox.lock().unwrap().etpay_sessions.insert(
        session.token().to_owned(),
        session.signature_token().clone(),
    );
    t.ok(
        "session/initialize $50.000 CLP",
        format!(
            "funnel {}…",
            &session.funnel_url()[..session.funnel_url().len().min(60)]
        ),
    );

    let payer = reqwest::Client::new();
    let paid: serde_json::Value = match payer
        .post(format!("{}/sandbox/etpay/pay", sandbox.base_url()))
        .json(&serde_json::json!({"token": session.token(), "outcome": "paid"}))
        .send()
        .await
    {
        Ok(response) => response.json().await.unwrap_or_default(),
        Err(e) => return t.fail("payer approves the transfer", e),
    };
    t.check(
        "payer approves the transfer in the funnel",
        paid["webhook"]["status"] == 200,
        format!("webhook answered HTTP {}", paid["webhook"]["status"]),
    );

    verify_results(t, inbox, &paid, &session, &order_id).await;
    match client
        .check_payment_status(&PaymentQuery::MerchantOrderId(order_id.clone()))
        .await
    {
        Ok(found) => t.check(
            "merchant/check_payment_status",
            found.len() == 1 && found[0].is_paid(),
            format!(
                "{} attempt(s), paid: {}",
                found.len(),
                found.first().is_some_and(|c| c.is_paid())
            ),
        ),
        Err(e) => t.fail("merchant/check_payment_status", e),
    }
    let rejected = inbox.lock().unwrap().etpay_rejected;
    t.check(
        "no webhook rejected by the merchant",
        rejected == 0,
        format!("{rejected} rejected"),
    );
}

/// The redirect's `?jwt=` (for the payer's page) and the webhook (the authoritative result).
async fn verify_results(
    t: &mut Transcript,
    inbox: &Shared,
    paid: &serde_json::Value,
    session: &Session,
    order_id: &str,
) {
    match paid["redirect"].as_str().map(jwt_from_redirect) {
        Some(Ok(jwt)) => match Verifier::new().verify_payment(&jwt, session.signature_token()) {
            Ok(payment) => t.check(
                "redirect ?jwt= verified (HS256)",
                payment.claims().is_paid(),
                "shows the payer a result page; not authoritative",
            ),
            Err(e) => t.fail("redirect ?jwt= verified", e),
        },
        Some(Err(e)) => t.fail("redirect ?jwt= verified", e),
        None => t.fail("redirect ?jwt= verified", "no redirect URL"),
    }

    if wait_for(inbox, |i| !i.etpay.is_empty()).await {
        let claims_json = inbox.lock().unwrap().etpay[0].clone();
        t.detail(format!("claims: {claims_json}"));
        match serde_json::from_str::<pasarela::etpay::PaymentClaims>(&claims_json) {
            Ok(claims) => t.check(
                "webhook JWT verified and cross-checked",
                claims.is_paid() && claims.cross_check(order_id, 50_000).is_ok(),
                format!(
                    "paid: {}, order id and amount match the order",
                    claims.is_paid()
                ),
            ),
            Err(e) => t.fail("webhook JWT verified", e),
        }
    } else {
        t.fail("webhook JWT verified", "no verified webhook arrived");
    }
}

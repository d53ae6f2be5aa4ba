//! `pasarela demo`: both gateways end to end against the embedded sandbox, using only the
//! library's public API, as a merchant's backend would.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use pasarela::lyra::form::{EmbeddedForm, StaticHost};
use pasarela::lyra::notification::{self, Keys, SignedWith};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};

use crate::merchant::{start_merchant, wait_for, Shared, Transcript};

/// Options of `pasarela demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Also print the raw kr-answer and JWT claims received.
    #[arg(long)]
    verbose: bool,
}

/// Runs the walkthrough. `Ok(true)` only if every verification held; `Err` when the demo could
/// not even start (a port, the sandbox).
pub async fn run(args: DemoArgs) -> anyhow::Result<bool> {
    println!("pasarela demo: Lyra V4 (Izipay) and ETpay against the embedded sandbox, offline\n");
    let inbox: Shared = Arc::default();
    let merchant = start_merchant(inbox.clone())
        .await
        .context("cannot start the demo merchant")?;
    let config = SandboxConfig {
        lyra_notification_url: Some(format!("{merchant}/ipn")),
        etpay_webhook_url: Some(format!("{merchant}/etpay/webhook")),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .context("cannot start the sandbox")?;
    println!(
        "sandbox  {}\nmerchant {merchant} (IPN endpoint /ipn, ETpay webhook /etpay/webhook)\n",
        sandbox.base_url()
    );
    let mut t = Transcript::new(args.verbose);

    println!("— Lyra V4 (Izipay / micuentaweb) —");
    lyra_flow(&mut t, &sandbox, &inbox).await;
    println!("\n— ETpay (Chile, bank transfer) —");
    crate::demo_etpay::flow(&mut t, &sandbox, &inbox).await;

    sandbox.shutdown().await;
    println!();
    Ok(t.summary())
}

/// CreatePayment → pay → verify the browser return and the IPN → Order/Get → refund → a new
/// payment by a token made from that transaction → payment order → an API error handled.
async fn lyra_flow(t: &mut Transcript, sandbox: &Sandbox, inbox: &Shared) {
    let client = match LyraClient::new(&LyraConfig::new(
        defaults::SHOP_ID,
        defaults::PASSWORD,
        sandbox.base_url(),
    )) {
        Ok(client) => client,
        Err(e) => return t.fail("client configuration", e),
    };
    let order_id = format!("demo-{}", std::process::id());
    let Some(form_token) = create_payment(t, &client, sandbox, &order_id).await else {
        return;
    };
    let Some(paid) = pay_and_verify_return(t, sandbox, &form_token).await else {
        return;
    };
    let uuid = verified_ipn(t, inbox, &paid).await;
    order_get(t, &client, &order_id).await;
    if let Some(uuid) = uuid {
        refund(t, &client, inbox, uuid.clone()).await;
        pay_by_token_from_transaction(t, &client, &order_id, uuid).await;
    }
    payment_order(t, &client, &order_id).await;
    api_error_handled(t, &client).await;
    let rejected = inbox.lock().unwrap().lyra_rejected;
    t.check(
        "no IPN rejected by the merchant",
        rejected == 0,
        format!("{rejected} rejected"),
    );
}

/// Charge/CreatePayment and the embedded-form snippet; the formToken.
async fn create_payment(
    t: &mut Transcript,
    client: &LyraClient,
    sandbox: &Sandbox,
    order_id: &str,
) -> Option<String> {
    let request = types::CreatePaymentRequest::builder()
        .amount(10000)
        .currency("PEN")
        .order_id(Some(order_id.try_into().expect("at most 64 characters")))
        .customer(Some(
            types::Customer::builder()
                .email(Some("sample@example.com".to_owned()))
                .try_into()
                .expect("valid"),
        ));
    let form_token = match client
        .create_payment(request.try_into().expect("a valid request"))
        .await
    {
        Ok(form) => {
            t.ok(
                "Charge/CreatePayment 100.00 PEN",
                format!("formToken {}…", &form.form_token[..12]),
            );
            form.form_token
        }
        Err(e) => {
            t.fail("Charge/CreatePayment", e);
            return None;
        }
    };
    let snippet = EmbeddedForm::new(
        StaticHost::Custom(sandbox.base_url().to_owned()),
        defaults::PUBLIC_KEY,
        form_token.as_str(),
    );
    t.ok(
        "embedded form snippet",
        format!(
            "{} bytes of HTML for the checkout page",
            snippet.page().len()
        ),
    );

    Some(form_token)
}

/// The shopper pays (the sandbox's control endpoint stands in for the browser); the browser
/// return is verified. The control endpoint's JSON answer.
async fn pay_and_verify_return(
    t: &mut Transcript,
    sandbox: &Sandbox,
    form_token: &str,
) -> Option<serde_json::Value> {
    // The shopper pays with the "captured" test card (the sandbox's control endpoint stands in
    // for the browser); the sandbox sends the IPN, then gives the browser-return fields.
    let shopper = reqwest::Client::new();
    let paid: serde_json::Value = match shopper
        .post(format!("{}/sandbox/lyra/pay", sandbox.base_url()))
        .json(&serde_json::json!({"formToken": form_token, "outcome": "captured"}))
        .send()
        .await
    {
        Ok(response) => response.json().await.unwrap_or_default(),
        Err(e) => {
            t.fail("shopper pays", e);
            return None;
        }
    };
    t.check(
        "shopper pays with test card 4970100000000009",
        paid["orderStatus"] == "PAID",
        format!(
            "orderStatus {}",
            paid["orderStatus"].as_str().unwrap_or("?")
        ),
    );

    let fields: Vec<(String, String)> = paid["browserReturn"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let keys = Keys::new(defaults::PASSWORD, defaults::HMAC_KEY);
    match notification::verify(body.as_bytes(), &keys) {
        Ok(v) => t.check(
            "browser return verified (HMAC-SHA-256 key)",
            v.signed_with() == SignedWith::HmacKey && v.is_paid(),
            format!(
                "signed with {}, paid: {}",
                v.signed_with().wire_name(),
                v.is_paid()
            ),
        ),
        Err(e) => t.fail("browser return verified", e),
    }

    Some(paid)
}

/// Waits for the IPN the payment sent; the transaction uuid it carries.
async fn verified_ipn(
    t: &mut Transcript,
    inbox: &Shared,
    paid: &serde_json::Value,
) -> Option<String> {
    let ipn_arrived = wait_for(inbox, |i| !i.lyra_ipns.is_empty()).await;
    {
        let inbox = inbox.lock().unwrap();
        match inbox.lyra_ipns.first() {
            Some(ipn) if ipn_arrived => {
                let payment = ipn.payment();
                t.check(
                    "IPN received and verified (password)",
                    ipn.signed_with() == SignedWith::Password && ipn.is_paid() && ipn.is_final(),
                    format!(
                        "merchant answered HTTP {}, order paid and final",
                        paid["ipn"]["status"]
                    ),
                );
                t.detail(format!(
                    "raw kr-answer kept for storage: {} bytes",
                    ipn.raw_answer().len()
                ));
                payment
                    .and_then(|p| p.transaction())
                    .and_then(|tx| tx.uuid.clone())
            }
            _ => {
                t.fail("IPN received and verified", "no IPN arrived");
                None
            }
        }
    }
}

/// Order/Get shows the captured transaction.
async fn order_get(t: &mut Transcript, client: &LyraClient, order_id: &str) {
    match client
        .get_order(types::OrderGetRequest {
            order_id: order_id.to_owned().try_into().expect("non-empty"),
            operation_type: None,
        })
        .await
    {
        Ok(order) => {
            let txs = order.transactions.unwrap_or_default();
            let status = txs
                .first()
                .and_then(|tx| tx.detailed_status.clone())
                .map(|s| s.to_string())
                .unwrap_or_default();
            t.check(
                "Order/Get",
                txs.len() == 1 && status == "CAPTURED",
                format!("{} transaction, {status}", txs.len()),
            );
        }
        Err(e) => t.fail("Order/Get", e),
    }
}

/// Transaction/CancelOrRefund of part of the captured payment, and its IPN.
async fn refund(t: &mut Transcript, client: &LyraClient, inbox: &Shared, uuid: String) {
    let refund = types::TransactionCancelOrRefundRequest::builder()
        .uuid(uuid)
        .amount(Some(types::Amount(4000)));
    match client
        .cancel_or_refund_transaction(refund.try_into().expect("a valid request"))
        .await
    {
        Ok(tx) => t.check(
            "Transaction/CancelOrRefund 40.00 PEN",
            tx.operation_type
                .as_ref()
                .map(ToString::to_string)
                .as_deref()
                == Some("CREDIT"),
            format!(
                "new {} transaction of {}",
                tx.operation_type
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                tx.amount.unwrap_or(0)
            ),
        ),
        Err(e) => t.fail("Transaction/CancelOrRefund", e),
    }
    let second = wait_for(inbox, |i| i.lyra_ipns.len() >= 2).await;
    t.check(
        "second IPN for the refund",
        second,
        "several IPNs per order: handle them idempotently",
    );
}

/// Charge/CreateTokenFromTransaction registers the card of the paid transaction, then
/// Charge/CreatePayment with `formAction: SILENT` pays again with it, server to server (a
/// returning customer's one-click purchase).
async fn pay_by_token_from_transaction(
    t: &mut Transcript,
    client: &LyraClient,
    order_id: &str,
    uuid: String,
) {
    let request = types::CreateTokenFromTransactionRequest::builder()
        .uuid(uuid)
        .customer(Some(
            types::Customer::builder()
                .email(Some("sample@example.com".to_owned()))
                .try_into()
                .expect("valid"),
        ));
    let token = match client
        .create_token_from_transaction(request.try_into().expect("a valid request"))
        .await
    {
        Ok(token) => token,
        Err(e) => return t.fail("Charge/CreateTokenFromTransaction", e),
    };
    let masked = token.token_details.as_ref().and_then(|d| d.pan.clone());
    let Some(token) = token.payment_method_token else {
        return t.fail("Charge/CreateTokenFromTransaction", "no paymentMethodToken");
    };
    t.ok(
        "Charge/CreateTokenFromTransaction",
        format!(
            "token {}… for card {}",
            &token[..8],
            masked.unwrap_or_default()
        ),
    );
    let payment = types::CreatePaymentRequest::builder()
        .amount(2500)
        .currency("PEN")
        .order_id(Some(format!("{order_id}-again").try_into().expect("short")))
        .form_action(Some(types::FormAction::Silent))
        .payment_method_token(Some(token));
    match client
        .create_payment_silent(payment.try_into().expect("a valid request"))
        .await
    {
        Ok(pasarela::lyra::Answer::Payment(paid)) => {
            let status = paid.order_status.map(|s| s.to_string()).unwrap_or_default();
            t.check(
                "Charge/CreatePayment SILENT, that token",
                status == "PAID",
                format!("orderStatus {status}, no form shown"),
            );
        }
        Ok(other) => t.fail(
            "Charge/CreatePayment SILENT",
            format!("answer {:?}", other.type_name()),
        ),
        Err(e) => t.fail("Charge/CreatePayment SILENT", e),
    }
}

/// Charge/CreatePaymentOrder, then Charge/PaymentOrder/Get.
async fn payment_order(t: &mut Transcript, client: &LyraClient, order_id: &str) {
    let order = types::CreatePaymentOrderRequest::builder()
        .amount(200050)
        .currency("PEN")
        .order_id(Some(format!("{order_id}-link").try_into().expect("short")))
        .channel_options(Some(
            types::ChannelOptions::builder()
                .channel_type(types::ChannelType::Url)
                .try_into()
                .expect("valid"),
        ));
    match client
        .create_payment_order(order.try_into().expect("a valid request"))
        .await
    {
        Ok(created) => {
            let id = created.payment_order_id.clone().unwrap_or_default();
            t.ok(
                "Charge/CreatePaymentOrder 2,000.50 PEN",
                format!("link {}", created.payment_url.as_deref().unwrap_or("")),
            );
            match client
                .get_payment_order(types::PaymentOrderGetRequest {
                    payment_order_id: id.try_into().expect("non-empty"),
                })
                .await
            {
                Ok(order) => t.check(
                    "Charge/PaymentOrder/Get",
                    order
                        .payment_order_status
                        .as_ref()
                        .map(ToString::to_string)
                        .as_deref()
                        == Some("RUNNING"),
                    format!(
                        "status {}",
                        order
                            .payment_order_status
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                ),
                Err(e) => t.fail("Charge/PaymentOrder/Get", e),
            }
        }
        Err(e) => t.fail("Charge/CreatePaymentOrder", e),
    }
}

/// An unknown payment order is a documented API error (PSP_1000), handled.
async fn api_error_handled(t: &mut Transcript, client: &LyraClient) {
    let missing = types::PaymentOrderGetRequest {
        payment_order_id: "00000000000000000000000000000000"
            .try_into()
            .expect("non-empty"),
    };
    match client.get_payment_order(missing).await {
        Err(e) if e.api_error().is_some() => t.check(
            "API error handled (unknown payment order)",
            e.code() == Some("PSP_1000"),
            e,
        ),
        Err(e) => t.fail("API error handled", e),
        Ok(_) => t.fail("API error handled", "an unknown payment order was found"),
    }
}

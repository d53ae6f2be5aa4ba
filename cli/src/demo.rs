//! `pasarela demo`: both gateways end to end against the embedded sandbox, using only the
//! library's public API, as a merchant's backend would.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use pasarela::lyra::form::{EmbeddedForm, StaticHost};
use pasarela::lyra::notification::{self, Keys, SignedWith, VerifiedAnswer};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};

/// Options of `pasarela demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Also print the raw kr-answer and JWT claims received.
    #[arg(long)]
    verbose: bool,
}

/// What the demo merchant's notification endpoints received and verified.
#[derive(Default)]
pub(super) struct Inbox {
    pub(super) lyra_ipns: Vec<VerifiedAnswer>,
    pub(super) lyra_rejected: usize,
    /// Verified claims JSON of each ETpay webhook.
    pub(super) etpay: Vec<String>,
    /// Signature tokens by session token, as a merchant stores them at initialize.
    pub(super) etpay_sessions: std::collections::HashMap<String, pasarela::Secret>,
    pub(super) etpay_rejected: usize,
}

pub(super) type Shared = Arc<Mutex<Inbox>>;

pub(super) struct Transcript {
    step: usize,
    failures: Vec<String>,
    verbose: bool,
}

impl Transcript {
    pub(super) fn ok(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.step += 1;
        println!("[{:>2}] ok    {what:<44} {detail}", self.step);
    }
    pub(super) fn fail(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.step += 1;
        println!("[{:>2}] FAIL  {what:<44} {detail}", self.step);
        self.failures.push(format!("{what}: {detail}"));
    }
    pub(super) fn check(&mut self, what: &str, held: bool, detail: impl std::fmt::Display) {
        if held {
            self.ok(what, detail)
        } else {
            self.fail(what, detail)
        }
    }
    pub(super) fn detail(&self, text: impl std::fmt::Display) {
        if self.verbose {
            println!("       {text}");
        }
    }
}

/// The merchant's IPN endpoint: verify first, keep the raw answer, answer 200 fast.
async fn lyra_ipn(State(inbox): State<Shared>, body: Bytes) -> StatusCode {
    let keys = Keys::new(defaults::PASSWORD, defaults::HMAC_KEY);
    match notification::verify(&body, &keys) {
        Ok(verified) => {
            inbox.lock().unwrap().lyra_ipns.push(verified);
            StatusCode::OK
        }
        Err(_) => {
            inbox.lock().unwrap().lyra_rejected += 1;
            StatusCode::BAD_REQUEST
        }
    }
}

async fn start_merchant(inbox: Shared) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = Router::new()
        .route("/ipn", post(lyra_ipn))
        .route("/etpay/webhook", post(super::demo_etpay::webhook))
        .with_state(inbox);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(base)
}

/// Waits until the inbox satisfies `ready` (notifications arrive in the background).
pub(super) async fn wait_for(inbox: &Shared, ready: impl Fn(&Inbox) -> bool) -> bool {
    for _ in 0..100 {
        if ready(&inbox.lock().unwrap()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Runs the walkthrough; exit code 0 only if every verification held.
pub async fn run(args: DemoArgs) -> ExitCode {
    println!("pasarela demo: Lyra V4 (Izipay) and ETpay against the embedded sandbox, offline\n");
    let inbox: Shared = Arc::default();
    let merchant = match start_merchant(inbox.clone()).await {
        Ok(base) => base,
        Err(e) => {
            eprintln!("cannot start the demo merchant: {e}");
            return ExitCode::from(2);
        }
    };
    let config = SandboxConfig {
        lyra_notification_url: Some(format!("{merchant}/ipn")),
        etpay_webhook_url: Some(format!("{merchant}/etpay/webhook")),
        ..SandboxConfig::default()
    };
    let sandbox =
        match Sandbox::start(config, "127.0.0.1:0".parse().expect("literal address")).await {
            Ok(sandbox) => sandbox,
            Err(e) => {
                eprintln!("cannot start the sandbox: {e}");
                return ExitCode::from(2);
            }
        };
    println!(
        "sandbox  {}\nmerchant {merchant} (IPN endpoint /ipn, ETpay webhook /etpay/webhook)\n",
        sandbox.base_url()
    );
    let mut t = Transcript {
        step: 0,
        failures: Vec::new(),
        verbose: args.verbose,
    };

    println!("— Lyra V4 (Izipay / micuentaweb) —");
    lyra_flow(&mut t, &sandbox, &inbox).await;
    println!("\n— ETpay (Chile, bank transfer) —");
    super::demo_etpay::flow(&mut t, &sandbox, &inbox).await;

    sandbox.shutdown().await;
    println!();
    if t.failures.is_empty() {
        println!(
            "summary: {} steps, every signature and state check held",
            t.step
        );
        ExitCode::SUCCESS
    } else {
        println!("summary: {} of {} steps failed:", t.failures.len(), t.step);
        for failure in &t.failures {
            println!("  - {failure}");
        }
        ExitCode::FAILURE
    }
}

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
    let request = types::CreatePaymentRequest::builder()
        .amount(10000)
        .currency("PEN")
        .order_id(Some(
            order_id.as_str().try_into().expect("at most 64 characters"),
        ))
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
        Err(e) => return t.fail("Charge/CreatePayment", e),
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
        Err(e) => return t.fail("shopper pays", e),
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

    let ipn_arrived = wait_for(inbox, |i| !i.lyra_ipns.is_empty()).await;
    let uuid = {
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
    };

    match client
        .get_order(types::OrderGetRequest {
            order_id: order_id.clone().try_into().expect("non-empty"),
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

    if let Some(uuid) = uuid {
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
    let rejected = inbox.lock().unwrap().lyra_rejected;
    t.check(
        "no IPN rejected by the merchant",
        rejected == 0,
        format!("{rejected} rejected"),
    );
}

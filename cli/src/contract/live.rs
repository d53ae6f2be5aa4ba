//! `pasarela contract live`: a fixed, harmless scenario against a live server (Lyra and ETpay),
//! every raw answer checked in strict mode.

use std::time::{SystemTime, UNIX_EPOCH};

use pasarela::contract::{self as drift, Kind, Report, MAX_DOCUMENT_BYTES};
use pasarela::etpay::{EtpayClient, EtpayConfig, PaymentQuery, SessionRequest};
use pasarela::lyra::{LyraClient, LyraConfig};
use pasarela::Secret;
use progenitor_client::ClientInfo as _;
use serde_json::{json, Value};

use super::{parse_secret, print_report, Redactor, CONFORMS, DRIFT, UNUSABLE};

/// Arguments of `pasarela contract live`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Runs Charge/SDKTest, Charge/CreatePayment, Charge/CreatePaymentOrder, \
    Charge/PaymentOrder/Get, Order/Get and Transaction/Get (the ids chained), then ETpay \
    session/initialize and check_payment_status. Never captures, refunds, cancels or validates. \
    Refuses a password that is not a test one (testpassword_…) or a non-sandbox ETpay URL unless \
    --i-know-this-is-production is given.\n\
    Exit codes: 0 every answer conforms, 1 drift, 2 usage or connection error."
)]
pub struct LiveArgs {
    /// Lyra API base URL, e.g. https://api.micuentaweb.pe (omit to skip Lyra).
    #[arg(long, env = "PASARELA_LYRA_BASE_URL")]
    pub base_url: Option<String>,

    /// Lyra shop id.
    #[arg(long, env = "PASARELA_LYRA_SHOP_ID")]
    pub shop_id: Option<String>,

    /// Lyra shop password (testpassword_… unless --i-know-this-is-production).
    #[arg(long, env = "PASARELA_LYRA_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub password: Option<Secret>,

    /// Currency of the test payment and payment order.
    #[arg(long, default_value = "EUR")]
    pub currency: String,

    /// Amount of the test payment and payment order, in minor units.
    #[arg(long, default_value_t = 100)]
    pub amount: i64,

    /// ETpay API base URL, e.g. https://api-sandbox.etpay.com (omit to skip ETpay).
    #[arg(long, env = "PASARELA_ETPAY_API_URL")]
    pub etpay_api_url: Option<String>,

    /// ETpay merchant code.
    #[arg(long, env = "PASARELA_ETPAY_MERCHANT_CODE")]
    pub etpay_merchant_code: Option<String>,

    /// ETpay merchant API token.
    #[arg(long, env = "PASARELA_ETPAY_API_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub etpay_api_token: Option<Secret>,

    /// Run even with production credentials (the scenario creates a payment form, a payment
    /// order and an ETpay session; it never pays, captures, refunds, cancels or validates).
    #[arg(long)]
    pub i_know_this_is_production: bool,
}

/// What one step of the scenario gave.
enum Outcome {
    Checked(Report),
    Skipped(String),
    Failed(String),
}

struct Step {
    name: &'static str,
    outcome: Outcome,
}

/// Runs `contract live`; returns the exit code.
pub async fn live(args: LiveArgs) -> u8 {
    match plan(&args) {
        Ok(()) => {}
        Err(message) => {
            eprintln!("error: {message}");
            return UNUSABLE;
        }
    }
    let mut redactor = Redactor::default();
    for secret in [&args.password, &args.etpay_api_token]
        .into_iter()
        .flatten()
    {
        redactor.add(secret.expose());
    }
    let run_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut steps = Vec::new();
    if let Some(base_url) = &args.base_url {
        lyra_scenario(&args, base_url, run_id, &mut steps).await;
    }
    if let Some(api_url) = &args.etpay_api_url {
        etpay_scenario(&args, api_url, run_id, &mut steps, &mut redactor).await;
    }
    let mut worst = CONFORMS;
    for step in &steps {
        match &step.outcome {
            Outcome::Checked(report) => {
                print_report(step.name, report, &redactor);
                if !report.conforms() {
                    worst = worst.max(DRIFT);
                }
            }
            Outcome::Skipped(reason) => {
                println!("{}: skipped: {}", step.name, redactor.apply(reason))
            }
            Outcome::Failed(reason) => {
                println!("{}: FAILED: {}", step.name, redactor.apply(reason));
                worst = worst.max(UNUSABLE);
            }
        }
    }
    let drifted = steps
        .iter()
        .filter(|s| matches!(&s.outcome, Outcome::Checked(r) if !r.conforms()))
        .count();
    eprintln!("{} steps: {} drifted; exit {worst}", steps.len(), drifted);
    worst
}

/// Usage checks and the production guard.
fn plan(args: &LiveArgs) -> Result<(), String> {
    if args.base_url.is_none() && args.etpay_api_url.is_none() {
        return Err("give --base-url (Lyra) and/or --etpay-api-url (ETpay)".to_owned());
    }
    if args.base_url.is_some() {
        let (Some(_), Some(password)) = (&args.shop_id, &args.password) else {
            return Err(
                "Lyra needs --shop-id / PASARELA_LYRA_SHOP_ID and --password / PASARELA_LYRA_PASSWORD"
                    .to_owned(),
            );
        };
        if !password.expose().starts_with("testpassword_") && !args.i_know_this_is_production {
            return Err("refusing to run: the Lyra password is not a test password \
                        (testpassword_…); use the shop's TEST keys, or pass \
                        --i-know-this-is-production"
                .to_owned());
        }
    }
    if let Some(api_url) = &args.etpay_api_url {
        if args.etpay_merchant_code.is_none() || args.etpay_api_token.is_none() {
            return Err(
                "ETpay needs --etpay-merchant-code / PASARELA_ETPAY_MERCHANT_CODE and \
                        --etpay-api-token / PASARELA_ETPAY_API_TOKEN"
                    .to_owned(),
            );
        }
        if !is_test_etpay_url(api_url) && !args.i_know_this_is_production {
            return Err(
                "refusing to run: the ETpay API URL is neither a sandbox host nor \
                        local; pass --i-know-this-is-production to run against it"
                    .to_owned(),
            );
        }
    }
    Ok(())
}

/// ETpay keys carry no test marker: its test environment is the `*sandbox*` hosts.
fn is_test_etpay_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = parsed.host_str().unwrap_or("");
    match host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.contains("sandbox") || host == "localhost",
    }
}

/// POSTs `body` as JSON and returns the raw answer bytes, or why there is none to check.
async fn post_raw(
    http: &reqwest::Client,
    url: String,
    body: &Value,
    accept_error_status: bool,
) -> Result<Vec<u8>, String> {
    let response = http
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("no answer: {}", e.without_url()))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("the answer broke off: {}", e.without_url()))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "the answer is larger than {MAX_DOCUMENT_BYTES} bytes"
        ));
    }
    let is_json = serde_json::from_slice::<Value>(&bytes).is_ok();
    let checkable = status.is_success() || (accept_error_status && is_json);
    if !checkable {
        return Err(format!(
            "HTTP {status}{}",
            if status.as_u16() == 401 {
                " (credentials refused)"
            } else {
                ""
            }
        ));
    }
    if !is_json {
        return Err(format!("HTTP {status} with a body that is not JSON"));
    }
    Ok(bytes.to_vec())
}

async fn lyra_scenario(args: &LiveArgs, base_url: &str, run_id: u128, steps: &mut Vec<Step>) {
    let config = LyraConfig::new(
        args.shop_id.clone().unwrap_or_default(),
        args.password.clone().unwrap_or_default(),
        base_url,
    );
    let client = match LyraClient::new(&config) {
        Ok(client) => client,
        Err(e) => {
            steps.push(Step {
                name: "Lyra client",
                outcome: Outcome::Failed(e.to_string()),
            });
            return;
        }
    };
    let http = client.generated().client();
    let base = client
        .generated()
        .baseurl()
        .trim_end_matches('/')
        .to_owned();
    let order_id = format!("pasarela-contract-{run_id}");
    // Posts one web service and checks its raw envelope; returns the envelope when it came.
    let call = |ws: &'static str, body: Value| {
        let url = format!("{base}/api-payment/V4/{ws}");
        async move {
            match post_raw(http, url, &body, true).await {
                Err(reason) => (Outcome::Failed(reason), None),
                Ok(bytes) => match drift::check(&bytes, Some(Kind::LyraResponse)) {
                    Ok(report) => (
                        Outcome::Checked(report),
                        serde_json::from_slice::<Value>(&bytes).ok(),
                    ),
                    Err(e) => (Outcome::Failed(e.to_string()), None),
                },
            }
        }
    };
    let sdk = record(
        steps,
        "Charge/SDKTest",
        call("Charge/SDKTest", json!({"value": "pasarela contract live"})).await,
    );
    if sdk.is_none() {
        return; // no server, or it does not speak Lyra V4: the other steps would say the same
    }
    record(
        steps,
        "Charge/CreatePayment",
        call(
            "Charge/CreatePayment",
            json!({
                "amount": args.amount,
                "currency": args.currency,
                "orderId": order_id,
                "customer": {"email": "contract-check@example.com"},
            }),
        )
        .await,
    );
    let payment_order = record(
        steps,
        "Charge/CreatePaymentOrder",
        call(
            "Charge/CreatePaymentOrder",
            json!({
                "amount": args.amount,
                "currency": args.currency,
                "orderId": format!("{order_id}-po"),
                "channelOptions": {"channelType": "URL"},
            }),
        )
        .await,
    );
    match success_answer(payment_order.as_ref())
        .and_then(|a| a.get("paymentOrderId"))
        .and_then(Value::as_str)
    {
        Some(id) => {
            record(
                steps,
                "Charge/PaymentOrder/Get",
                call("Charge/PaymentOrder/Get", json!({"paymentOrderId": id})).await,
            );
        }
        None => steps.push(Step {
            name: "Charge/PaymentOrder/Get",
            outcome: Outcome::Skipped(
                "Charge/CreatePaymentOrder gave no paymentOrderId".to_owned(),
            ),
        }),
    }
    let order = record(
        steps,
        "Order/Get",
        call("Order/Get", json!({"orderId": order_id})).await,
    );
    match transaction_of(order.as_ref()) {
        Ok(uuid) => {
            record(
                steps,
                "Transaction/Get",
                call("Transaction/Get", json!({"uuid": uuid})).await,
            );
        }
        Err(why) => steps.push(Step {
            name: "Transaction/Get",
            outcome: Outcome::Skipped(why),
        }),
    }
}

/// The uuid of a transaction that Order/Get found, or why Transaction/Get is skipped.
fn transaction_of(order: Option<&Value>) -> Result<String, String> {
    let uuid = success_answer(order)
        .and_then(|a| a.get("transactions"))
        .and_then(Value::as_array)
        .and_then(|t| t.iter().find_map(|t| t.get("uuid").and_then(Value::as_str)));
    if let Some(uuid) = uuid {
        return Ok(uuid.to_owned());
    }
    Err(match order.and_then(|e| e.pointer("/answer/errorCode")) {
        Some(code) => format!(
            "Order/Get answered {} (nothing was paid: this scenario never pays), so there is no transaction to get",
            code.as_str().unwrap_or("an error")
        ),
        None => "Order/Get found no transaction (nothing was paid: this scenario never pays)"
            .to_owned(),
    })
}

fn record(
    steps: &mut Vec<Step>,
    name: &'static str,
    (outcome, envelope): (Outcome, Option<Value>),
) -> Option<Value> {
    steps.push(Step { name, outcome });
    envelope
}

/// The `answer` of a `SUCCESS` envelope.
fn success_answer(envelope: Option<&Value>) -> Option<&Value> {
    let envelope = envelope?;
    (envelope.get("status").and_then(Value::as_str) == Some("SUCCESS"))
        .then(|| envelope.get("answer"))
        .flatten()
}

async fn etpay_scenario(
    args: &LiveArgs,
    api_url: &str,
    run_id: u128,
    steps: &mut Vec<Step>,
    redactor: &mut Redactor,
) {
    let client = EtpayConfig::new(
        api_url,
        api_url,
        args.etpay_merchant_code.clone().unwrap_or_default(),
        args.etpay_api_token.clone().unwrap_or_default(),
    )
    .and_then(EtpayClient::new);
    let client = match client {
        Ok(client) => client,
        Err(e) => {
            steps.push(Step {
                name: "ETpay client",
                outcome: Outcome::Failed(e.to_string()),
            });
            return;
        }
    };
    let http = client.generated().client();
    let base = client
        .generated()
        .baseurl()
        .trim_end_matches('/')
        .to_owned();
    let order_id = format!("pasarelacontract{run_id}");
    let body = SessionRequest::new(order_id, 1_000)
        .to_body(client.config())
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::to_value(b).map_err(|e| e.to_string()));
    let session = match body {
        Ok(body) => post_raw(http, format!("{base}/session/initialize"), &body, false).await,
        Err(e) => Err(e),
    };
    let session_token = match session {
        Ok(bytes) => {
            let value: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            // The signature token is the key of every JWT of this session: never printed.
            if let Some(secret) = value.get("signature_token").and_then(Value::as_str) {
                redactor.add(secret);
            }
            steps.push(Step {
                name: "ETpay session/initialize",
                outcome: match drift::check(&bytes, Some(Kind::EtpaySession)) {
                    Ok(report) => Outcome::Checked(report),
                    Err(e) => Outcome::Failed(e.to_string()),
                },
            });
            value
                .get("token")
                .and_then(Value::as_str)
                .map(str::to_owned)
        }
        Err(reason) => {
            steps.push(Step {
                name: "ETpay session/initialize",
                outcome: Outcome::Failed(reason),
            });
            None
        }
    };
    let Some(session_token) = session_token else {
        steps.push(Step {
            name: "ETpay check_payment_status",
            outcome: Outcome::Skipped("session/initialize gave no token".to_owned()),
        });
        return;
    };
    let body = PaymentQuery::SessionToken(session_token)
        .to_body(client.config())
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::to_value(b).map_err(|e| e.to_string()));
    let status = match body {
        Ok(body) => {
            post_raw(
                http,
                format!("{base}/merchant/check_payment_status"),
                &body,
                false,
            )
            .await
        }
        Err(e) => Err(e),
    };
    steps.push(Step {
        name: "ETpay check_payment_status",
        outcome: match status {
            Ok(bytes) => match drift::check(&bytes, Some(Kind::EtpayPaymentStatus)) {
                Ok(report) => Outcome::Checked(report),
                Err(e) => Outcome::Failed(e.to_string()),
            },
            Err(reason) => Outcome::Failed(reason),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sandbox_or_local_etpay_hosts_count_as_test() {
        assert!(is_test_etpay_url("https://api-sandbox.etpay.com"));
        assert!(is_test_etpay_url("http://127.0.0.1:8080"));
        assert!(!is_test_etpay_url("https://api.etpay.com"));
        assert!(!is_test_etpay_url("not a url"));
    }
}

//! The ETpay scenarios of `pasarela trigger`: session/initialize with the sandbox's test
//! merchant, the payer finishes in the funnel (through `POST /sandbox/etpay/pay`), then
//! merchant/check_payment_status shows what ETpay recorded for the order.

use anyhow::anyhow;
use pasarela::etpay::{EtpayClient, EtpayConfig, PaymentQuery, SessionRequest};
use pasarela::Secret;
use pasarela_sandbox::defaults;
use serde_json::json;

use super::{control, describe_notification, Steps};
use crate::sandbox_api::{clean, SandboxApi};

/// The amount of every ETpay scenario, in pesos (CLP has no minor unit).
const AMOUNT: i64 = 50_000;

/// What happens to an ETpay payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Scenario {
    /// The payer approves the transfer: `payment_status: true`, a webhook.
    Paid,
    /// The transfer is rejected: `payment_status: false`, a webhook.
    Rejected,
    /// ETpay fails: the browser comes back with a system-error JWT; no webhook, no payment.
    SystemError,
}

impl Scenario {
    /// The name on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scenario::Paid => "paid",
            Scenario::Rejected => "rejected",
            Scenario::SystemError => "system-error",
        }
    }

    /// The `outcome` of the sandbox's control endpoint.
    fn outcome(self) -> &'static str {
        match self {
            Scenario::Paid => "paid",
            Scenario::Rejected => "rejected",
            Scenario::SystemError => "system_error",
        }
    }
}

/// Plays `scenario` for `order_id`; true when check_payment_status shows the expected
/// result (one paid attempt, one unpaid attempt, or none after a system error).
pub(crate) async fn play(
    api: &SandboxApi,
    scenario: Scenario,
    order_id: &str,
    notify: Option<&str>,
    steps: &mut Steps,
) -> anyhow::Result<bool> {
    // Reachable, and a sandbox (before anything is created).
    api.notifications(Some(order_id), None, 0).await?;
    // The sandbox serves ETpay's API under /etpay and its funnel under /sandbox/etpay
    // (`Sandbox::etpay_api_url`, `Sandbox::etpay_pmt_url`).
    let config = EtpayConfig::new(
        &format!("{}/etpay", api.base()),
        &format!("{}/sandbox/etpay", api.base()),
        defaults::ETPAY_MERCHANT_CODE,
        Secret::new(defaults::ETPAY_API_TOKEN),
    )
    .map_err(|e| anyhow!("ETpay configuration: {e}"))?;
    let client = EtpayClient::new(config).map_err(|e| anyhow!("ETpay client: {e}"))?;

    let mut request = SessionRequest::new(order_id, AMOUNT);
    request.payment_webhook_url = notify.map(str::to_owned);
    let session = client
        .initialize(&request)
        .await
        .map_err(|e| anyhow!("session/initialize: {e}"))?;
    let target = match notify {
        Some(url) => format!("webhook to {}", pasarela_sandbox::shown_url(url)),
        None => "webhook to the sandbox's --etpay-webhook-url".to_owned(),
    };
    steps.step(
        &format!("session/initialize {}", money(AMOUNT)),
        format!("session {}, {target}", clean(session.token(), 12)),
    );

    let done = control(
        api,
        "/sandbox/etpay/pay",
        json!({"token": session.token(), "outcome": scenario.outcome()}),
    )
    .await?;
    let notified = if scenario == Scenario::SystemError {
        "no webhook (ETpay sends none on a system error)".to_owned()
    } else {
        describe_notification(&done["webhook"])
    };
    steps.step(
        &format!("payer in the funnel: {}", scenario.outcome()),
        notified,
    );
    check_status(&client, scenario, order_id, steps).await
}

/// merchant/check_payment_status by order id; true when it matches the scenario.
async fn check_status(
    client: &EtpayClient,
    scenario: Scenario,
    order_id: &str,
    steps: &mut Steps,
) -> anyhow::Result<bool> {
    let found = client
        .check_payment_status(&PaymentQuery::MerchantOrderId(order_id.to_owned()))
        .await
        .map_err(|e| anyhow!("merchant/check_payment_status: {e}"))?;
    let paid = found.iter().filter(|c| c.is_paid()).count();
    steps.step(
        "merchant/check_payment_status",
        format!("{} payment attempt(s), {paid} paid", found.len()),
    );
    Ok(match scenario {
        Scenario::Paid => found.len() == 1 && paid == 1,
        Scenario::Rejected => found.len() == 1 && paid == 0,
        Scenario::SystemError => found.is_empty(),
    })
}

/// `50000 CLP`.
fn money(amount: i64) -> String {
    let text = pasarela::money::format_minor(amount, "CLP").unwrap_or_else(|| amount.to_string());
    format!("{text} CLP")
}

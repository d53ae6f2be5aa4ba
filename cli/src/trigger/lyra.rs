//! The Lyra scenarios of `pasarela trigger`: Charge/CreatePayment with the sandbox's test
//! shop, the shopper pays with the documented test card of the outcome (through
//! `POST /sandbox/lyra/pay`), a refund when the scenario asks for one, then Order/Get shows
//! where the order ended.

use anyhow::{anyhow, Context as _};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use pasarela_sandbox::{defaults, CardOutcome, TEST_CARDS};
use serde_json::json;

use super::{control, describe_notification, Steps};
use crate::sandbox_api::{clean, SandboxApi};

/// The amount of every Lyra scenario, in minor units of [`CURRENCY`].
const AMOUNT: i64 = 10_000;
/// The currency of every Lyra scenario (the sandbox's test shop is Peruvian, as Izipay's).
const CURRENCY: &str = "PEN";

/// What happens to a Lyra payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Scenario {
    /// Accepted and captured: PAID / CAPTURED.
    Paid,
    /// Refused by the issuer: UNPAID / REFUSED (ACQ_001).
    Refused,
    /// Accepted, capture pending (still cancellable): PAID / AUTHORISED.
    Authorised,
    /// Accepted, held for manual validation (Transaction/Validate): RUNNING /
    /// AUTHORISED_TO_VALIDATE.
    ToValidate,
    /// Paid and captured, then refunded in full with Transaction/Refund: a CREDIT beside the
    /// DEBIT.
    Refunded,
}

impl Scenario {
    /// The name on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scenario::Paid => "paid",
            Scenario::Refused => "refused",
            Scenario::Authorised => "authorised",
            Scenario::ToValidate => "to-validate",
            Scenario::Refunded => "refunded",
        }
    }

    /// The test card the shopper pays with. A captured card for `refunded`: Lyra refunds
    /// only a captured transaction (an authorised one is cancelled instead).
    fn card(self) -> CardOutcome {
        match self {
            Scenario::Paid | Scenario::Refunded => CardOutcome::Captured,
            Scenario::Refused => CardOutcome::Refused,
            Scenario::Authorised => CardOutcome::Authorised,
            Scenario::ToValidate => CardOutcome::ToValidate,
        }
    }

    /// The payment's `status` / `detailedStatus` at the end.
    fn expected(self) -> (&'static str, &'static str) {
        match self {
            Scenario::Paid | Scenario::Refunded => ("PAID", "CAPTURED"),
            Scenario::Refused => ("UNPAID", "REFUSED"),
            Scenario::Authorised => ("PAID", "AUTHORISED"),
            Scenario::ToValidate => ("RUNNING", "AUTHORISED_TO_VALIDATE"),
        }
    }
}

/// Plays `scenario` for `order_id`; true when Order/Get shows the expected end state.
pub(crate) async fn play(
    api: &SandboxApi,
    scenario: Scenario,
    order_id: &str,
    notify: Option<&str>,
    steps: &mut Steps,
) -> anyhow::Result<bool> {
    // Reachable, and a sandbox (before anything is created).
    api.notifications(Some(order_id), None, 0).await?;
    let client = LyraClient::new(&LyraConfig::new(
        defaults::SHOP_ID,
        defaults::PASSWORD,
        api.base(),
    ))
    .map_err(|e| anyhow!("Lyra client: {e}"))?;
    let form_token = create_payment(&client, order_id, notify, steps).await?;
    shopper_pays(api, scenario.card(), &form_token, steps).await?;
    if scenario == Scenario::Refunded {
        refund(&client, order_id, steps).await?;
    }
    order_ends(&client, order_id, scenario, steps).await
}

/// Charge/CreatePayment; the formToken.
async fn create_payment(
    client: &LyraClient,
    order_id: &str,
    notify: Option<&str>,
    steps: &mut Steps,
) -> anyhow::Result<String> {
    let request = types::CreatePaymentRequest::builder()
        .amount(AMOUNT)
        .currency(CURRENCY)
        .order_id(Some(
            order_id
                .try_into()
                .map_err(|e| anyhow!("--order-id: {e}"))?,
        ))
        .ipn_target_url(notify.map(str::to_owned));
    let request: types::CreatePaymentRequest = request
        .try_into()
        .map_err(|e| anyhow!("Charge/CreatePayment request: {e}"))?;
    let form = client
        .create_payment(request)
        .await
        .map_err(|e| anyhow!("Charge/CreatePayment: {e}"))?;
    let target = match notify {
        Some(url) => format!("IPN to {}", pasarela_sandbox::shown_url(url)),
        None => "IPN to the sandbox's --lyra-notification-url".to_owned(),
    };
    steps.step(
        &format!("Charge/CreatePayment {}", money(AMOUNT)),
        format!("formToken {}, {target}", clean(&form.form_token, 12)),
    );
    Ok(form.form_token)
}

/// The shopper pays with the first documented test card of `outcome`.
async fn shopper_pays(
    api: &SandboxApi,
    outcome: CardOutcome,
    form_token: &str,
    steps: &mut Steps,
) -> anyhow::Result<()> {
    let card = TEST_CARDS
        .iter()
        .find(|c| c.outcome == outcome)
        .context("no test card for this outcome")?;
    let paid = control(
        api,
        "/sandbox/lyra/pay",
        json!({"formToken": form_token, "card": card.pan}),
    )
    .await?;
    steps.step(
        &format!("shopper pays with {}", card.pan),
        format!(
            "{}: orderStatus {}, {}",
            card.label,
            clean(paid["orderStatus"].as_str().unwrap_or("?"), 20),
            describe_notification(&paid["ipn"])
        ),
    );
    Ok(())
}

/// Transaction/Refund of the whole captured DEBIT (its uuid from Order/Get).
async fn refund(client: &LyraClient, order_id: &str, steps: &mut Steps) -> anyhow::Result<()> {
    let debit = transactions(client, order_id)
        .await?
        .into_iter()
        .find(|tx| op_type(tx) == "DEBIT")
        .and_then(|tx| tx.uuid)
        .context("Order/Get lists no DEBIT transaction to refund")?;
    let request: types::TransactionRefundRequest = types::TransactionRefundRequest::builder()
        .uuid(debit)
        .amount(Some(types::Amount(AMOUNT)))
        .try_into()
        .map_err(|e| anyhow!("Transaction/Refund request: {e}"))?;
    let credit = client
        .refund_transaction(request)
        .await
        .map_err(|e| anyhow!("Transaction/Refund: {e}"))?;
    steps.step(
        &format!("Transaction/Refund {}", money(AMOUNT)),
        format!(
            "new {} transaction {}, an IPN for the change",
            op_type(&credit),
            status_of(&credit)
        ),
    );
    Ok(())
}

/// Order/Get: prints every transaction; true when the DEBIT ends as the scenario expects
/// (and, for `refunded`, a CREDIT of the whole amount exists).
async fn order_ends(
    client: &LyraClient,
    order_id: &str,
    scenario: Scenario,
    steps: &mut Steps,
) -> anyhow::Result<bool> {
    let expected = scenario.expected();
    let txs = transactions(client, order_id).await?;
    let listed: Vec<String> = txs
        .iter()
        .map(|tx| {
            format!(
                "{} {} {}",
                op_type(tx),
                money(tx.amount.unwrap_or(0)),
                status_of(tx)
            )
        })
        .collect();
    steps.step("Order/Get", listed.join("; "));
    let debit_held = txs.iter().any(|tx| {
        op_type(tx) == "DEBIT"
            && tx.status.as_ref().map(|s| s.as_str()) == Some(expected.0)
            && tx.detailed_status.as_ref().map(|s| s.as_str()) == Some(expected.1)
    });
    let credit_held = scenario != Scenario::Refunded
        || txs
            .iter()
            .any(|tx| op_type(tx) == "CREDIT" && tx.amount == Some(AMOUNT));
    Ok(debit_held && credit_held)
}

/// The order's transactions (Order/Get).
async fn transactions(
    client: &LyraClient,
    order_id: &str,
) -> anyhow::Result<Vec<types::Transaction>> {
    let order = client
        .get_order(types::OrderGetRequest {
            order_id: order_id
                .to_owned()
                .try_into()
                .map_err(|e| anyhow!("--order-id: {e}"))?,
            operation_type: None,
        })
        .await
        .map_err(|e| anyhow!("Order/Get: {e}"))?;
    Ok(order.transactions.unwrap_or_default())
}

/// `DEBIT` / `CREDIT` / … (empty when absent).
fn op_type(tx: &types::Transaction) -> String {
    tx.operation_type
        .as_ref()
        .map(|t| clean(t.as_str(), 20))
        .unwrap_or_default()
}

/// `PAID / CAPTURED`.
fn status_of(tx: &types::Transaction) -> String {
    let status = tx.status.as_ref().map(|s| s.as_str()).unwrap_or("?");
    let detailed = tx
        .detailed_status
        .as_ref()
        .map(|s| s.as_str())
        .unwrap_or("?");
    clean(&format!("{status} / {detailed}"), 60)
}

/// `100.00 PEN`.
fn money(amount: i64) -> String {
    pasarela::money::format_minor(amount, CURRENCY)
        .map(|text| format!("{text} {CURRENCY}"))
        .unwrap_or_else(|| format!("{amount} (minor units of {CURRENCY})"))
}

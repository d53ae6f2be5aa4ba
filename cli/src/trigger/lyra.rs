//! The Lyra scenarios of `pasarela trigger`: Charge/CreatePayment with the sandbox's test
//! shop, the shopper pays with the documented test card of the outcome (through
//! `POST /sandbox/lyra/pay`), a refund when the scenario asks for one, then Transaction/Get shows
//! where this run's transaction ended (by its uuid: an order id may be reused).

use anyhow::{anyhow, Context as _};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use pasarela_sandbox::{CardOutcome, TEST_CARDS};
use serde_json::json;

use super::{control, describe_notification, Played, Run, Steps, LOGIN_HINT};
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

/// Plays `scenario` for the run's order; `held` when Transaction/Get shows this run's
/// transaction in the expected end state (an order id may be reused: nothing is read by order).
pub(crate) async fn play(
    run: &Run<'_>,
    scenario: Scenario,
    steps: &mut Steps,
) -> anyhow::Result<Played> {
    let api = run.api;
    // Reachable, and a sandbox (before anything is created).
    api.notifications(Some(run.order_id), None, 0).await?;
    let client = LyraClient::new(&LyraConfig::new(
        run.logins.shop_id(),
        run.logins.password(),
        api.base(),
    ))
    .map_err(|e| anyhow!("Lyra client: {e}"))?;
    let form_token = create_payment(&client, run.order_id, run.notify, steps).await?;
    let uuid = shopper_pays(api, scenario.card(), &form_token, steps).await?;
    let mut subjects = vec![uuid.clone()];
    let mut credit_held = true;
    if scenario == Scenario::Refunded {
        let credit = refund(&client, &uuid, steps).await?;
        credit_held = op_type(&credit) == "CREDIT" && credit.amount == Some(AMOUNT);
        subjects.extend(credit.uuid);
    }
    let held = transaction_ends(&client, &uuid, scenario, steps).await? && credit_held;
    Ok(Played { held, subjects })
}

/// A Lyra error as the step's error, with [`LOGIN_HINT`] when the sandbox refused the login.
fn lyra_error(step: &str, e: pasarela::lyra::LyraError) -> anyhow::Error {
    if e.api_error().is_some_and(|a| a.is_invalid_credentials()) {
        anyhow!("{step}: {e}\n{LOGIN_HINT}")
    } else {
        anyhow!("{step}: {e}")
    }
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
        .map_err(|e| lyra_error("Charge/CreatePayment", e))?;
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
) -> anyhow::Result<String> {
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
        &format!(
            "shopper pays with {}",
            pasarela::lyra::card_data::mask_pan(card.pan)
        ),
        format!(
            "{}: orderStatus {}, {}",
            card.label,
            clean(paid["orderStatus"].as_str().unwrap_or("?"), 20),
            describe_notification(&paid["ipn"])
        ),
    );
    // This run's transaction: the first of the payment answer (`krAnswer`, a JSON text).
    let answer: serde_json::Value =
        serde_json::from_str(paid["krAnswer"].as_str().unwrap_or_default()).unwrap_or_default();
    answer["transactions"][0]["uuid"]
        .as_str()
        .map(str::to_owned)
        .context("the payment's answer (krAnswer) names no transaction uuid")
}

/// Transaction/Refund of this run's whole captured DEBIT; the new CREDIT.
async fn refund(
    client: &LyraClient,
    uuid: &str,
    steps: &mut Steps,
) -> anyhow::Result<types::Transaction> {
    let request: types::TransactionRefundRequest = types::TransactionRefundRequest::builder()
        .uuid(uuid.to_owned())
        .amount(Some(types::Amount(AMOUNT)))
        .try_into()
        .map_err(|e| anyhow!("Transaction/Refund request: {e}"))?;
    let credit = client
        .refund_transaction(request)
        .await
        .map_err(|e| lyra_error("Transaction/Refund", e))?;
    steps.step(
        &format!("Transaction/Refund {}", money(AMOUNT)),
        format!(
            "new {} transaction {}, an IPN for the change",
            op_type(&credit),
            status_of(&credit)
        ),
    );
    Ok(credit)
}

/// Transaction/Get of this run's transaction: prints it; true when it ends as the scenario
/// expects.
async fn transaction_ends(
    client: &LyraClient,
    uuid: &str,
    scenario: Scenario,
    steps: &mut Steps,
) -> anyhow::Result<bool> {
    let expected = scenario.expected();
    let request: types::TransactionGetRequest = types::TransactionGetRequest::builder()
        .uuid(uuid.to_owned())
        .try_into()
        .map_err(|e| anyhow!("Transaction/Get request: {e}"))?;
    let tx = client
        .get_transaction(request)
        .await
        .map_err(|e| lyra_error("Transaction/Get", e))?;
    steps.step(
        "Transaction/Get",
        format!(
            "{} {} {}",
            op_type(&tx),
            money(tx.amount.unwrap_or(0)),
            status_of(&tx)
        ),
    );
    Ok(op_type(&tx) == "DEBIT"
        && tx.status.as_ref().map(|s| s.as_str()) == Some(expected.0)
        && tx.detailed_status.as_ref().map(|s| s.as_str()) == Some(expected.1))
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

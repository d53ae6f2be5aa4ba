//! `pasarela trigger <lyra|etpay> <scenario>`: one common payment scenario against a running
//! sandbox, as a merchant's backend and its shopper would play it. The payment is created with
//! the library's typed clients and the sandbox's built-in test credentials, the shopper's part
//! goes through the sandbox's control endpoints, and each notification's first delivery
//! attempt is printed (the sandbox keeps retrying in the background: `pasarela notifications
//! --follow` shows the rest).

mod etpay;
mod lyra;

use std::time::Duration;

use anyhow::bail;
use serde_json::Value;

use crate::sandbox_api::{clean, Record, SandboxApi, DEFAULT_SANDBOX_URL};

/// `pasarela trigger`: which gateway.
#[derive(Debug, clap::Subcommand)]
pub enum TriggerCommand {
    /// A Lyra V4 payment: CreatePayment, the shopper pays with a test card, then the
    /// merchant's follow-up (a refund) if the scenario has one.
    Lyra(LyraArgs),
    /// An ETpay payment: session/initialize, the payer finishes in the funnel, then
    /// check_payment_status.
    Etpay(EtpayArgs),
}

/// Options of `pasarela trigger lyra`.
#[derive(Debug, clap::Args)]
pub struct LyraArgs {
    /// What happens to the payment.
    #[arg(value_enum)]
    scenario: lyra::Scenario,
    #[command(flatten)]
    common: Common,
}

/// Options of `pasarela trigger etpay`.
#[derive(Debug, clap::Args)]
pub struct EtpayArgs {
    /// What happens to the payment.
    #[arg(value_enum)]
    scenario: etpay::Scenario,
    #[command(flatten)]
    common: Common,
}

/// Options both gateways share.
#[derive(Debug, clap::Args)]
struct Common {
    /// The running sandbox (`pasarela sandbox`).
    #[arg(long, value_name = "URL", default_value = DEFAULT_SANDBOX_URL, env = "PASARELA_SANDBOX_URL")]
    sandbox: String,
    /// Where the notification goes (Lyra ipnTargetUrl, ETpay payment_webhook_url)
    /// [default: the sandbox's --lyra-notification-url / --etpay-webhook-url].
    #[arg(long, value_name = "URL")]
    notify: Option<String>,
    /// The merchant's order id [default: a new one, `trigger` and a number].
    #[arg(long)]
    order_id: Option<String>,
}

/// How long to wait for the first attempt of every notification: the sandbox's attempt
/// timeout is 10 s by default.
const FIRST_ATTEMPT_WAIT: Duration = Duration::from_secs(40);

/// Runs the scenario. `Ok(true)` when it completed (whatever the merchant answered),
/// `Ok(false)` when the sandbox ended in another state than the scenario's; `Err` when it
/// could not run (the sandbox unreachable, a step refused).
pub async fn run(command: TriggerCommand) -> anyhow::Result<bool> {
    let (common, gateway, scenario) = match &command {
        TriggerCommand::Lyra(args) => (&args.common, "lyra", args.scenario.name()),
        TriggerCommand::Etpay(args) => (&args.common, "etpay", args.scenario.name()),
    };
    let api = SandboxApi::new(&common.sandbox)?;
    if let Some(notify) = &common.notify {
        check_notify(notify)?;
    }
    let order_id = common.order_id.clone().unwrap_or_else(new_order_id);
    println!(
        "pasarela trigger {gateway} {scenario}: sandbox {}",
        api.shown()
    );
    println!("order id {order_id}");
    let mut steps = Steps::default();
    let held = match &command {
        TriggerCommand::Lyra(args) => {
            lyra::play(
                &api,
                args.scenario,
                &order_id,
                common.notify.as_deref(),
                &mut steps,
            )
            .await?
        }
        TriggerCommand::Etpay(args) => {
            etpay::play(
                &api,
                args.scenario,
                &order_id,
                common.notify.as_deref(),
                &mut steps,
            )
            .await?
        }
    };
    report_deliveries(&api, &order_id).await?;
    if held {
        println!("scenario {gateway} {scenario} completed: order {order_id}");
    } else {
        println!("scenario {gateway} {scenario} did NOT end as expected: order {order_id}");
    }
    Ok(held)
}

/// A `--notify` URL must be absolute http(s) (the sandbox refuses anything else anyway; this
/// says so before creating a payment).
fn check_notify(notify: &str) -> anyhow::Result<()> {
    match reqwest::Url::parse(notify) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(()),
        _ => bail!(
            "--notify {} must be an absolute http(s) URL, e.g. http://127.0.0.1:3000/ipn",
            pasarela_sandbox::shown_url(notify)
        ),
    }
}

/// A fresh order id: `trigger` and the time in milliseconds (alphanumeric, as ETpay requires).
fn new_order_id() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("trigger{millis}{:05}", std::process::id() % 100_000)
}

/// The numbered steps printed as the scenario goes.
#[derive(Default)]
pub(crate) struct Steps {
    count: usize,
}

impl Steps {
    /// Prints one step: what was done, what came back.
    pub(crate) fn step(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.count += 1;
        println!("{:>2}. {what:<36} {detail}", self.count);
    }
}

/// Calls a control endpoint; the sandbox's refusal becomes an error naming the step.
pub(crate) async fn control(api: &SandboxApi, path: &str, body: Value) -> anyhow::Result<Value> {
    api.post(path, &body)
        .await
        .map_err(|e| anyhow::anyhow!("POST {path}: {e}"))
}

/// The notification part of a control answer (`ipn` / `webhook`): where it went and how
/// the first attempt went, or why none was sent.
pub(crate) fn describe_notification(sent: &Value) -> String {
    let Some(target) = sent["target"].as_str() else {
        return match sent["error"].as_str() {
            Some(why) => format!("no notification: {}", clean(why, 160)),
            None => "no notification".to_owned(),
        };
    };
    let id = sent["notification"]
        .as_u64()
        .map(|id| format!(" #{id}"))
        .unwrap_or_default();
    let first = match (sent["status"].as_u64(), sent["error"].as_str()) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(error)) => format!("error: {}", clean(error, 120)),
        (None, None) => "no answer yet".to_owned(),
    };
    format!(
        "notification{id} to {}, first attempt: {first}",
        clean(target, 120)
    )
}

/// Lists the order's notifications once each has had its first attempt (or the wait is
/// over), one line per attempt.
async fn report_deliveries(api: &SandboxApi, order_id: &str) -> anyhow::Result<()> {
    let records = first_attempts(api, order_id).await?;
    if records.is_empty() {
        println!("notifications: none for this order");
        return Ok(());
    }
    println!("notifications:");
    for record in &records {
        println!(
            "  #{} {} to {}: {}",
            record.id,
            clean(&record.kind, 20),
            clean(&record.target, 120),
            record.state()
        );
        if record.attempts.is_empty() {
            println!("      no attempt yet");
        }
        for (n, attempt) in record.attempts.iter().enumerate() {
            println!("      attempt {}: {}", n + 1, attempt.summary());
        }
    }
    if records.iter().any(|r| !r.delivered && !r.gave_up) {
        println!(
            "  the sandbox keeps retrying: pasarela notifications --follow --order-id {order_id} --sandbox {}",
            api.shown()
        );
    }
    Ok(())
}

/// The order's notifications, waiting (long-poll) until each has at least one attempt.
async fn first_attempts(api: &SandboxApi, order_id: &str) -> anyhow::Result<Vec<Record>> {
    let deadline = tokio::time::Instant::now() + FIRST_ATTEMPT_WAIT;
    let mut records = of_order(api.notifications(Some(order_id), None, 0).await?, order_id);
    while records.iter().any(|r| r.attempts.is_empty()) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        let after = records.iter().map(|r| r.seq).max().unwrap_or(0);
        let wait = left.as_secs().clamp(1, 5);
        let changed = of_order(
            api.notifications(Some(order_id), Some(after), wait).await?,
            order_id,
        );
        if after == 0 {
            // A sandbox without `seq` answers at once: poll gently instead of spinning.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for record in changed {
            match records.iter_mut().find(|r| r.id == record.id) {
                Some(known) => *known = record,
                None => records.push(record),
            }
        }
    }
    records.sort_by_key(|r| r.id);
    Ok(records)
}

/// The decoded records that are about `order_id` (a sandbox without the `order_id` filter
/// lists every record: they are filtered here too).
fn of_order(values: Vec<Value>, order_id: &str) -> Vec<Record> {
    values
        .iter()
        .filter_map(Record::from_json)
        .filter(|r| r.order_id.as_deref() == Some(order_id))
        .collect()
}

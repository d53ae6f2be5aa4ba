//! `pasarela resend <ID>`: a running sandbox sends notification `ID` again — the same signed
//! body to the same target (`POST /sandbox/notifications/{id}/resend`), to test that the
//! merchant's handler is idempotent or that a fixed endpoint now accepts it — and the first
//! attempt of the new round is printed.

use std::time::Duration;

use anyhow::{anyhow, bail};
use serde_json::json;

use crate::sandbox_api::{clean, ApiError, Record, SandboxApi, DEFAULT_SANDBOX_URL};

/// How long to wait for the new round's first attempt (the sandbox's attempt timeout is 10 s
/// by default).
const FIRST_ATTEMPT_WAIT: Duration = Duration::from_secs(40);

/// Options of `pasarela resend`.
#[derive(clap::Args, Debug)]
pub struct ResendArgs {
    /// The notification's id (`#ID` in `pasarela notifications` and `pasarela trigger`).
    id: u64,
    /// The running sandbox (`pasarela sandbox`).
    #[arg(long, value_name = "URL", default_value = DEFAULT_SANDBOX_URL, env = "PASARELA_SANDBOX_URL")]
    sandbox: String,
}

/// Resends and prints the new round's first attempt. `Err` when the sandbox cannot be
/// reached or does not know the notification.
pub async fn run(args: ResendArgs) -> anyhow::Result<()> {
    let api = SandboxApi::new(&args.sandbox)?;
    let path = format!("/sandbox/notifications/{}", args.id);
    let unknown = |e: ApiError| {
        match e {
        ApiError::Refused(404, _) => anyhow!(
            "no notification #{} at {} (never sent, or forgotten): `pasarela notifications` lists them",
            args.id,
            api.shown()
        ),
        other => anyhow!(other),
    }
    };
    let before = record(
        &api.get(&path, Duration::from_secs(15))
            .await
            .map_err(unknown)?,
    )?;
    api.post(&format!("{path}/resend"), &json!({}))
        .await
        .map_err(unknown)?;
    println!(
        "resending notification #{} ({}) to {}",
        before.id,
        clean(&before.kind, 20),
        clean(&before.target, 120)
    );
    let (n, attempt) = first_resent_attempt(&api, &before).await?;
    println!("  attempt {n}: {}", attempt.summary());
    Ok(())
}

/// Decodes one record answer.
fn record(value: &serde_json::Value) -> anyhow::Result<Record> {
    Record::from_json(value)
        .ok_or_else(|| anyhow!("the sandbox answered something else than a notification record"))
}

/// The first attempt of `record` made after `before` and marked `resend`, with its number
/// (from 1). The sandbox keeps only a record's newest attempts, so the new ones are the last
/// `total − before.total` listed and are numbered after `before.total()`.
fn resent_attempt(
    before: &Record,
    record: &Record,
) -> Option<(usize, crate::sandbox_api::AttemptView)> {
    let new = record.total().saturating_sub(before.total());
    let first_new = record.attempts.len().saturating_sub(new);
    record
        .attempts
        .iter()
        .enumerate()
        .skip(first_new)
        .find(|(_, a)| a.resend)
        .map(|(n, a)| (before.total() + (n - first_new) + 1, a.clone()))
}

/// Waits (long-poll on the listing) for the first attempt of the resend round: the first
/// attempt after those `before` had that is marked `resend`. Its number (from 1) and itself.
async fn first_resent_attempt(
    api: &SandboxApi,
    before: &Record,
) -> anyhow::Result<(usize, crate::sandbox_api::AttemptView)> {
    let deadline = tokio::time::Instant::now() + FIRST_ATTEMPT_WAIT;
    let mut after = before.seq;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            bail!("the resend started, but no attempt was made within {FIRST_ATTEMPT_WAIT:?}");
        }
        let changed = api
            .notifications(None, Some(after), left.as_secs().clamp(1, 5))
            .await?;
        for value in &changed {
            let Some(record) = Record::from_json(value).filter(|r| r.id == before.id) else {
                continue;
            };
            if let Some(found) = resent_attempt(before, &record) {
                return Ok(found);
            }
        }
        let newest = changed
            .iter()
            .filter_map(Record::from_json)
            .map(|r| r.seq)
            .max();
        match newest {
            Some(seq) if seq > after => after = seq,
            // A sandbox without `seq` answers at once: poll gently instead of spinning.
            _ if !changed.is_empty() => tokio::time::sleep(Duration::from_millis(200)).await,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(listed: std::ops::RangeInclusive<u64>, total: u64, resend_from: u64) -> Record {
        let attempts: Vec<_> = listed
            .map(|n| json!({"at": format!("t{n}"), "status": 500, "resend": n >= resend_from}))
            .collect();
        Record::from_json(&json!({
            "id": 1, "kind": "lyra-ipn", "target": "http://127.0.0.1:3000/ipn",
            "attempts": attempts, "attempts_total": total, "seq": total,
            "delivered": false, "gave_up": false
        }))
        .expect("a record")
    }

    #[test]
    fn a_resent_attempt_is_found_and_numbered_when_the_sandbox_keeps_only_the_newest() {
        // 100 attempts kept of 100, then a resend: attempts 2..=101 listed, #101 is the resend.
        let before = record(1..=100, 100, u64::MAX);
        let after = record(2..=101, 101, 101);
        let (n, attempt) = resent_attempt(&before, &after).expect("the resend's attempt");
        assert_eq!(n, 101);
        assert_eq!(attempt.at, "t101");
        // Short records: numbered from the listing.
        let before = record(1..=4, 4, u64::MAX);
        let after = record(1..=5, 5, 5);
        assert_eq!(resent_attempt(&before, &after).map(|(n, _)| n), Some(5));
        assert!(resent_attempt(&before, &before).is_none());
    }
}

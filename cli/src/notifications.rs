//! `pasarela notifications [--follow]`: the notifications a running sandbox sent (Lyra IPNs,
//! ETpay webhooks) with every delivery attempt; `--follow` keeps printing new notifications
//! and new attempts, like `tail -f`, through the listing's long-poll (`?after=<seq>&wait=`).

use std::collections::HashMap;
use std::io::{self, Write};
use std::time::Duration;

use crate::sandbox_api::{clean, Record, SandboxApi, DEFAULT_SANDBOX_URL};

/// How long one long-poll request waits for a change (the sandbox caps it at 30 s).
const LONG_POLL_SECONDS: u64 = 25;

/// Options of `pasarela notifications`.
#[derive(clap::Args, Debug)]
pub struct NotificationsArgs {
    /// The running sandbox (`pasarela sandbox`).
    #[arg(long, value_name = "URL", default_value = DEFAULT_SANDBOX_URL, env = "PASARELA_SANDBOX_URL")]
    sandbox: String,
    /// Keep printing new notifications and attempts until Ctrl-C.
    #[arg(long, short = 'f')]
    follow: bool,
    /// Only the notifications about this order (Lyra orderId, ETpay merchant_order_id).
    #[arg(long, value_name = "ID")]
    order_id: Option<String>,
    /// Print the sandbox's JSON records, one per line, instead of the table.
    #[arg(long)]
    json: bool,
}

/// Lists, then follows if asked. `Err` when the sandbox cannot be reached; a closed output
/// (`| head`) ends it quietly.
pub async fn run(args: NotificationsArgs) -> anyhow::Result<()> {
    let api = SandboxApi::new(&args.sandbox)?;
    let result = tokio::select! {
        result = list_and_follow(&api, &args) => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    match result {
        Err(e)
            if e.downcast_ref::<io::Error>().map(io::Error::kind)
                == Some(io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// The listing, then (with `--follow`) the long-poll loop.
async fn list_and_follow(api: &SandboxApi, args: &NotificationsArgs) -> anyhow::Result<()> {
    let values = api.notifications(args.order_id.as_deref(), None, 0).await?;
    let mut seen = Seen::default();
    let mut out = io::stdout();
    if !args.json {
        writeln!(out, "notifications at {}", api.shown())?;
        if values.is_empty() && !args.follow {
            writeln!(out, "(none yet)")?;
        }
    }
    for value in &values {
        print_change(&mut out, value, &mut seen, args, true)?;
    }
    if !args.follow {
        return Ok(());
    }
    if !args.json {
        writeln!(
            out,
            "following new notifications and attempts (Ctrl-C to stop)…"
        )?;
    }
    follow(api, args, seen).await
}

/// The long-poll loop: asks for the records changed after the newest `seq` seen, prints what
/// is new in them.
async fn follow(api: &SandboxApi, args: &NotificationsArgs, mut seen: Seen) -> anyhow::Result<()> {
    loop {
        let values = api
            .notifications(args.order_id.as_deref(), Some(seen.seq), LONG_POLL_SECONDS)
            .await?;
        let before = seen.seq;
        let mut out = io::stdout();
        for value in &values {
            print_change(&mut out, value, &mut seen, args, false)?;
        }
        if seen.seq == before {
            // Nothing newer (the wait ran out), or a sandbox without `seq` that answers at
            // once: never spin.
            if !values.is_empty() || seen.seq == 0 {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// What was printed so far: the newest `seq`, and each record's attempts and state.
#[derive(Default)]
struct Seen {
    seq: u64,
    records: HashMap<u64, (usize, &'static str)>,
}

/// Prints what is new in one listed record: the whole record the first time, then only its
/// new attempts and a changed state.
fn print_change(
    out: &mut impl Write,
    value: &serde_json::Value,
    seen: &mut Seen,
    args: &NotificationsArgs,
    listing: bool,
) -> io::Result<()> {
    let Some(record) = Record::from_json(value) else {
        return Ok(());
    };
    if args.order_id.is_some() && record.order_id != args.order_id {
        return Ok(());
    }
    seen.seq = seen.seq.max(record.seq);
    let state = record.state();
    let previous = seen
        .records
        .insert(record.id, (record.attempts.len(), state));
    if previous == Some((record.attempts.len(), state)) {
        return Ok(());
    }
    if args.json {
        return writeln!(out, "{value}");
    }
    let printed = match previous {
        None => {
            writeln!(out, "{}", header(&record))?;
            0
        }
        Some((printed, _)) => printed,
    };
    for (n, attempt) in record.attempts.iter().enumerate().skip(printed) {
        writeln!(
            out,
            "    #{} attempt {} at {}: {}",
            record.id,
            n + 1,
            clean(&attempt.at, 40),
            attempt.summary()
        )?;
    }
    if !listing && previous.is_some_and(|(_, was)| was != state) {
        writeln!(out, "    #{} {state}", record.id)?;
    }
    Ok(())
}

/// One record's first line: id, kind, order, target, state.
fn header(record: &Record) -> String {
    format!(
        "#{:<4} {:<14} order {:<26} to {}  [{}, {} attempt(s)]",
        record.id,
        clean(&record.kind, 14),
        clean(record.order_id.as_deref().unwrap_or("-"), 64),
        clean(&record.target, 120),
        record.state(),
        record.attempts.len()
    )
}

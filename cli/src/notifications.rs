//! `pasarela notifications [--follow]`: the notifications a running sandbox sent (Lyra IPNs,
//! ETpay webhooks) with every delivery attempt; `--follow` keeps printing new notifications
//! and new attempts, like `tail -f`, through the listing's long-poll (`?after=<seq>&wait=`).

use std::collections::HashMap;
use std::io::{self, Write};
use std::time::Duration;

use crate::sandbox_api::{clean, ApiError, Record, SandboxApi, DEFAULT_SANDBOX_URL};

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
    let (values, instance) = api
        .notifications_of_instance(args.order_id.as_deref(), None, 0)
        .await?;
    let mut seen = Seen {
        instance,
        ..Seen::default()
    };
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
/// is new in them. A sandbox that restarted (another instance id: its `seq` started again)
/// is followed from its start; one that is unreachable for a while is waited for.
async fn follow(api: &SandboxApi, args: &NotificationsArgs, mut seen: Seen) -> anyhow::Result<()> {
    let mut unreachable = false;
    loop {
        let answer = api
            .notifications_of_instance(args.order_id.as_deref(), Some(seen.seq), LONG_POLL_SECONDS)
            .await;
        let (values, instance) = match answer {
            Ok(answer) => answer,
            Err(ApiError::Unreachable(reason)) => {
                if !unreachable {
                    eprintln!("{reason}; waiting for the sandbox…");
                }
                unreachable = true;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        unreachable = false;
        let mut out = io::stdout();
        if instance.is_some() && instance != seen.instance {
            if seen.instance.is_some() {
                if !args.json {
                    writeln!(
                        out,
                        "the sandbox restarted: following its notifications from the start"
                    )?;
                }
                seen = Seen {
                    instance,
                    ..Seen::default()
                };
                continue;
            }
            seen.instance = instance;
        }
        let before = seen.seq;
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

/// What was printed so far: the sandbox instance, the newest `seq`, and each record's
/// attempts and state.
#[derive(Default)]
struct Seen {
    instance: Option<String>,
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
    let total = record.total();
    let previous = seen.records.insert(record.id, (total, state));
    if previous == Some((total, state)) {
        return Ok(());
    }
    if args.json {
        return writeln!(out, "{}", terminal_json(value));
    }
    let printed = match previous {
        None => {
            writeln!(out, "{}", header(&record))?;
            0
        }
        Some((printed, _)) => printed,
    };
    // The listed attempts are the newest `attempts.len()` of `total`.
    let first_listed = total - record.attempts.len();
    for (n, attempt) in record.attempts.iter().enumerate() {
        let number = first_listed + n + 1;
        if number <= printed {
            continue;
        }
        writeln!(
            out,
            "    #{} attempt {} at {}: {}",
            record.id,
            number,
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
        record.total()
    )
}

/// `value` as one line of JSON that is also safe for a terminal: serde_json leaves DEL and the
/// C1 controls (U+007F–U+009F, 0x9B is a one-byte CSI) as they are, so they become `\uXXXX`
/// (they can only occur inside strings, where the escape means the same character).
fn terminal_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    for c in value.to_string().chars() {
        if c.is_control() && u32::from(c) > 0x7e {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod json_tests {
    use super::terminal_json;

    #[test]
    fn json_lines_escape_del_and_c1_controls() {
        let value = serde_json::json!({"answer": "a\u{7f}b\u{9b}31mc\u{85}é"});
        let line = terminal_json(&value);
        assert_eq!(line, r#"{"answer":"a\u007fb\u009b31mc\u0085é"}"#);
        assert!(!line.chars().any(char::is_control));
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capped(total: u64) -> serde_json::Value {
        let attempts: Vec<_> = (0..100)
            .map(|_| serde_json::json!({"at": "t", "status": 500}))
            .collect();
        serde_json::json!({"id": 1, "seq": total, "kind": "lyra-ipn", "target": "http://h/ipn",
            "attempts": attempts, "attempts_total": total})
    }

    #[test]
    fn follow_prints_new_attempts_of_a_record_that_keeps_only_its_newest() {
        let args = NotificationsArgs {
            sandbox: String::new(),
            follow: true,
            order_id: None,
            json: false,
        };
        let mut seen = Seen::default();
        let mut out = Vec::new();
        print_change(&mut out, &capped(150), &mut seen, &args, true).unwrap();
        let listed = String::from_utf8(std::mem::take(&mut out)).unwrap();
        assert!(listed.contains("150 attempt(s)"), "{listed}");
        assert!(listed.contains("attempt 51 at") && listed.contains("attempt 150 at"));
        print_change(&mut out, &capped(152), &mut seen, &args, false).unwrap();
        let new = String::from_utf8(out).unwrap();
        assert_eq!(new.matches(" attempt ").count(), 2, "{new}");
        assert!(
            new.contains("attempt 151 at") && new.contains("attempt 152 at"),
            "{new}"
        );
    }
}

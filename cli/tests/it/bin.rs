//! Runs the built `pasarela` binary with a clean environment: every variable the CLI reads a
//! setting or secret from is removed, so the developer's own environment cannot leak in; the
//! test sets what it needs.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Every variable the CLI reads (its `env = …` arguments).
pub const ENV: [&str; 18] = [
    "PASARELA_ETPAY_API_TOKEN",
    "PASARELA_ETPAY_API_URL",
    "PASARELA_ETPAY_MERCHANT_CODE",
    "PASARELA_ETPAY_SIGNATURE_TOKEN",
    "PASARELA_LYRA_BASE_URL",
    "PASARELA_LYRA_HMAC_KEY",
    "PASARELA_LYRA_PASSWORD",
    "PASARELA_LYRA_SHOP_ID",
    "PASARELA_SANDBOX_ADDR",
    "PASARELA_SANDBOX_ETPAY_API_TOKEN",
    "PASARELA_SANDBOX_ETPAY_MERCHANT_CODE",
    "PASARELA_SANDBOX_ETPAY_WEBHOOK_URL",
    "PASARELA_SANDBOX_HMAC_KEY",
    "PASARELA_SANDBOX_LYRA_NOTIFICATION_URL",
    "PASARELA_SANDBOX_PASSWORD",
    "PASARELA_SANDBOX_PUBLIC_KEY",
    "PASARELA_SANDBOX_SHOP_ID",
    "PASARELA_SANDBOX_URL",
];

/// `pasarela <args>` with only `env` set, `stdin` piped in when given.
pub fn pasarela(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pasarela"));
    command.args(args);
    for name in ENV {
        command.env_remove(name);
    }
    command
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the pasarela binary runs");
    if let Some(input) = stdin {
        // A child that exits early (usage error, oversize input) may close stdin: ignore it.
        let _ = child.stdin.take().unwrap().write_all(input);
    }
    child.wait_with_output().expect("pasarela finishes")
}

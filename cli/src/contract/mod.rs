//! `pasarela contract check FILE…` and `pasarela contract live`: does what the gateways really
//! send still match the specs? Both report what strict mode reports
//! ([`pasarela::contract`]): undeclared fields, unknown enum values, type mismatches,
//! missing fields, each with its JSON path.
//!
//! Exit codes: 0 nothing diverges, 1 something diverges, 2 unreadable input, usage or
//! connection error.
//!
//! `contract live` posts with the library's own HTTP clients (`LyraClient::generated().client()`
//! and `EtpayClient::generated().client()`: the same Basic auth, timeouts, user agent and TLS
//! roots as every typed call) but reads each answer as raw bytes, so that what is checked is
//! exactly what the server sent, not what survived decoding into the typed answer. The library
//! needed no new hook for that.

use std::io::Read;
use std::path::PathBuf;

use pasarela::contract::{self as drift, Kind, Report, MAX_DOCUMENT_BYTES};
use pasarela::lyra::notification;
use pasarela::Secret;

mod live;

pub use live::{live, LiveArgs};

const CONFORMS: u8 = 0;
const DRIFT: u8 = 1;
const UNUSABLE: u8 = 2;

/// `pasarela contract …`.
#[derive(Debug, clap::Subcommand)]
pub enum ContractCommand {
    /// Check captured documents against the specs in strict mode. Exit 0 nothing diverges, 1 something diverges, 2 unreadable input.
    Check(CheckArgs),
    /// Run a fixed, harmless scenario against a live server and check every raw answer. Exit 0 all conform, 1 drift, 2 usage or connection error.
    Live(LiveArgs),
}

/// Arguments of `pasarela contract check`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Kinds (detected from the shape when --kind is not given): \
    lyra-response (a V4 web service answer), lyra-payment (a kr-answer), lyra-notification \
    (an IPN or browser-return POST body), lyra-client-answer (the KR.onSubmit JSON), \
    etpay-claims (a JWT, webhook body, redirect URL or claims JSON), etpay-session \
    (/session/initialize answer), etpay-payment-status (/merchant/check_payment_status answer).\n\
    Exit codes: 0 nothing diverges, 1 something diverges, 2 unreadable input or usage error."
)]
pub struct CheckArgs {
    /// Files holding one document each, as received; `-` reads stdin.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,

    /// What every file is, instead of detecting it.
    #[arg(long, value_parser = clap::value_parser!(Kind))]
    pub kind: Option<Kind>,

    /// Shop password: also say whether an IPN is authentic (drift is checked either way).
    #[arg(long, env = "PASARELA_LYRA_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub password: Option<Secret>,

    /// HMAC-SHA-256 key: also say whether a browser return or onSubmit JSON is authentic.
    #[arg(long, env = "PASARELA_LYRA_HMAC_KEY", hide_env_values = true, value_parser = parse_secret)]
    pub hmac_key: Option<Secret>,

    /// ETpay session signature_token: also say whether a JWT is authentic.
    #[arg(long, env = "PASARELA_ETPAY_SIGNATURE_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub signature_token: Option<Secret>,
}

pub(super) fn parse_secret(value: &str) -> Result<Secret, String> {
    if value.is_empty() {
        Err("the key is empty".to_owned())
    } else {
        Ok(Secret::new(value))
    }
}

/// Runs `contract check`; returns the exit code.
pub fn check(args: &CheckArgs) -> u8 {
    let keys = drift::Keys {
        lyra: (args.password.is_some() || args.hmac_key.is_some()).then(|| {
            notification::Keys::new(
                args.password.clone().unwrap_or_default(),
                args.hmac_key.clone().unwrap_or_default(),
            )
        }),
        etpay_signature_token: args.signature_token.clone(),
    };
    let mut worst = CONFORMS;
    for file in &args.files {
        let name = file.display().to_string();
        let input = match read_input(file) {
            Ok(input) => input,
            Err(message) => {
                eprintln!("{name}: error: {message}");
                worst = worst.max(UNUSABLE);
                continue;
            }
        };
        match drift::check_with(&input, args.kind, &keys) {
            Ok(report) => {
                print_report(&name, &report, &Redactor::default());
                if !report.conforms() {
                    worst = worst.max(DRIFT);
                }
            }
            Err(e) => {
                eprintln!("{name}: error: {e}");
                worst = worst.max(UNUSABLE);
            }
        }
    }
    worst
}

fn read_input(file: &PathBuf) -> Result<Vec<u8>, String> {
    let limit = MAX_DOCUMENT_BYTES as u64 + 1;
    let mut input = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut input)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
    } else {
        std::fs::File::open(file)
            .and_then(|f| f.take(limit).read_to_end(&mut input))
            .map_err(|e| format!("cannot read it: {e}"))?;
    }
    if input.len() > MAX_DOCUMENT_BYTES {
        return Err(format!("larger than {MAX_DOCUMENT_BYTES} bytes"));
    }
    Ok(input)
}

pub(super) fn print_report(name: &str, report: &Report, redactor: &Redactor) {
    let what = format!(
        "{} ({} {} of {})",
        report.kind, report.document, report.component, report.spec
    );
    let authenticity = match report.authenticity {
        drift::Authenticity::NotChecked => String::new(),
        ref other => format!("; {other}"),
    };
    if report.conforms() {
        println!("{name}: {what}: conforms{authenticity}");
        return;
    }
    let n = report.divergences.len();
    println!(
        "{name}: {what}: {n} divergence{}{authenticity}",
        if n == 1 { "" } else { "s" }
    );
    for d in &report.divergences {
        println!("  {}", redactor.apply(&d.to_string()));
    }
}

/// Replaces secrets (and the session's signature token) in everything printed.
#[derive(Default)]
pub(super) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    fn add(&mut self, secret: &str) {
        if secret.len() >= 4 {
            self.secrets.push(secret.to_owned());
        }
    }

    fn apply(&self, text: &str) -> String {
        self.secrets
            .iter()
            .fold(text.to_owned(), |t, s| t.replace(s.as_str(), "[redacted]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let mut r = Redactor::default();
        r.add("testpassword_abc");
        r.add("ab");
        assert_eq!(r.apply("x testpassword_abc y ab"), "x [redacted] y ab");
    }
}

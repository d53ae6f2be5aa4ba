//! `pasarela verify etpay [FILE|-]`: verifies an ETpay notification body, redirect URL or JWT.
//!
//! Exit codes: 0 authentic, 1 not authentic (bad signature, wrong algorithm, too old…),
//! 2 malformed input or usage error. The verified claims go to stdout as pretty JSON; every
//! message goes to stderr. The signature token is never printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use pasarela::etpay::{notification, Notification, Verifier, VerifyError};
use pasarela::input::{read_capped, ReadCappedError, MAX_INPUT_BYTES};
use pasarela::Secret;

/// Arguments of `pasarela verify etpay`.
#[derive(clap::Args, Debug)]
pub struct VerifyEtpayArgs {
    /// File holding the webhook body (`{"payment": …}` or `payment=…`), the redirect URL
    /// (`…?jwt=…`) or a bare JWT; `-` or nothing reads stdin.
    pub file: Option<PathBuf>,

    /// The session's `signature_token` (the HS256 key, used as raw UTF-8 bytes).
    #[arg(
        long,
        env = "PASARELA_ETPAY_SIGNATURE_TOKEN",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub signature_token: Option<Secret>,

    /// The session token: when given, a system-error JWT signed with it is accepted too
    /// (reported as a system error, never as paid).
    #[arg(long)]
    pub session_token: Option<String>,

    /// Reject JWTs whose `iat` is older than this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<u64>,
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    if value.is_empty() {
        Err("the signature token is empty".to_owned())
    } else {
        Ok(Secret::new(value))
    }
}

const AUTHENTIC: u8 = 0;
const NOT_AUTHENTIC: u8 = 1;
const MALFORMED: u8 = 2;

/// Runs the command; see the module docs for the exit codes.
pub fn run(args: &VerifyEtpayArgs) -> ExitCode {
    ExitCode::from(verify(args))
}

fn verify(args: &VerifyEtpayArgs) -> u8 {
    let Some(signature_token) = &args.signature_token else {
        eprintln!("error: give the key with --signature-token or PASARELA_ETPAY_SIGNATURE_TOKEN");
        return MALFORMED;
    };
    let input = match read_input(args.file.as_ref()) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("error: {message}");
            return MALFORMED;
        }
    };
    let jwt = match notification::jwt_from_input(&input) {
        Ok(jwt) => jwt,
        Err(e) => return report(&e),
    };
    let mut verifier = Verifier::new();
    if let Some(seconds) = args.max_age {
        verifier = verifier.with_max_age(Duration::from_secs(seconds));
    }
    let outcome = match &args.session_token {
        Some(session_token) => verifier.verify_notification(&jwt, signature_token, session_token),
        None => verifier
            .verify_payment(&jwt, signature_token)
            .map(Notification::Payment),
    };
    match outcome {
        Ok(notification) => {
            let summary = match &notification {
                Notification::Payment(p) if p.claims().is_paid() => {
                    "authentic payment result: paid"
                }
                Notification::Payment(_) => "authentic payment result: NOT paid",
                Notification::SystemError(_) => {
                    "authentic system error (signed with the session token): payment state unknown"
                }
            };
            print_claims(notification.claims_json());
            eprintln!("{summary}");
            AUTHENTIC
        }
        Err(e) => report(&e),
    }
}

fn report(error: &VerifyError) -> u8 {
    if error.is_not_authentic() {
        eprintln!("NOT AUTHENTIC: {error}");
        NOT_AUTHENTIC
    } else {
        eprintln!("error: {error}");
        MALFORMED
    }
}

fn print_claims(claims_json: &str) {
    // Pretty-print the claims exactly as signed (unknown claims included).
    match serde_json::from_str::<serde_json::Value>(claims_json) {
        Ok(value) => println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_else(|_| claims_json.to_owned())
        ),
        Err(_) => println!("{claims_json}"),
    }
}

fn read_input(file: Option<&PathBuf>) -> Result<Vec<u8>, String> {
    // The cap shared with `verify lyra` and `jwt_from_body`: `/dev/zero` piped in stops there.
    match file.filter(|path| path.as_os_str() != "-") {
        Some(path) => std::fs::File::open(path)
            .map_err(ReadCappedError::Io)
            .and_then(|f| read_capped(f, MAX_INPUT_BYTES))
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
        None => read_capped(std::io::stdin().lock(), MAX_INPUT_BYTES)
            .map_err(|e| format!("cannot read stdin: {e}")),
    }
}

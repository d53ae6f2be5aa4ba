//! `pasarela verify lyra [FILE|-]`: verifies a Lyra browser return or IPN from its raw POST body.
//!
//! The body is the `application/x-www-form-urlencoded` request body exactly as received
//! (`kr-hash=…&kr-hash-algorithm=sha256_hmac&kr-hash-key=…&kr-answer-type=…&kr-answer=…`);
//! trailing whitespace such as the newline an editor adds is ignored (a real form body never
//! contains raw whitespace). The body names the key that signed it, so give the key(s) you
//! have: `--password` for an IPN, `--hmac-key` for a browser return, or both.
//!
//! Output: the verified kr-answer as pretty JSON on stdout; one summary line (which key signed
//! it, orderStatus, orderId, amount) or the error on stderr.
//!
//! Exit codes: 0 authentic, 1 not authentic (signature mismatch), 2 malformed input or usage
//! error. Keys are never printed.

use std::path::PathBuf;
use std::process::ExitCode;

use pasarela::input::{read_capped, ReadCappedError, MAX_INPUT_BYTES};
use pasarela::lyra::notification::{self, Keys, NotificationError, VerifiedAnswer};
use pasarela::Secret;

/// Arguments of `pasarela verify lyra`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit codes: 0 authentic, 1 signature mismatch (not authentic), \
                        2 malformed input or usage error.\n\
                        An IPN is signed with the shop password (kr-hash-key=password), a browser \
                        return with the HMAC-SHA-256 key (kr-hash-key=sha256_hmac)."
)]
pub struct VerifyLyraArgs {
    /// File holding the raw POST body (form-urlencoded, as received); `-` or nothing reads stdin.
    pub file: Option<PathBuf>,

    /// The shop password (`testpassword_…`/`prodpassword_…`): the key of IPNs.
    #[arg(long, env = "PASARELA_LYRA_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub password: Option<Secret>,

    /// The HMAC-SHA-256 key (4th REST key): the key of browser returns.
    #[arg(long, env = "PASARELA_LYRA_HMAC_KEY", hide_env_values = true, value_parser = parse_secret)]
    pub hmac_key: Option<Secret>,
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    if value.is_empty() {
        Err("the key is empty".to_owned())
    } else {
        Ok(Secret::new(value))
    }
}

const AUTHENTIC: u8 = 0;
const NOT_AUTHENTIC: u8 = 1;
const MALFORMED: u8 = 2;

/// Runs the command; see the module docs for the exit codes.
pub fn run(args: &VerifyLyraArgs) -> ExitCode {
    ExitCode::from(verify(args))
}

fn verify(args: &VerifyLyraArgs) -> u8 {
    if args.password.is_none() && args.hmac_key.is_none() {
        eprintln!(
            "error: give the key with --password / PASARELA_LYRA_PASSWORD (IPN) or \
             --hmac-key / PASARELA_LYRA_HMAC_KEY (browser return)"
        );
        return MALFORMED;
    }
    let body = match read_input(args.file.as_ref()) {
        Ok(body) => body,
        Err(message) => {
            eprintln!("error: {message}");
            return MALFORMED;
        }
    };
    let keys = Keys::new(
        args.password.clone().unwrap_or_default(),
        args.hmac_key.clone().unwrap_or_default(),
    );
    match notification::verify(trim_trailing_whitespace(&body), &keys) {
        Ok(verified) => {
            println!("{}", pretty(verified.raw_answer()));
            eprintln!("{}", summary(&verified));
            AUTHENTIC
        }
        Err(NotificationError::UndecodableAnswer {
            signed_with,
            answer_type,
            raw_answer,
            error,
        }) => {
            // Authentic: the gateway did sign it. Show it, and say what our types dislike.
            println!("{}", pretty(&raw_answer));
            eprintln!(
                "authentic {} (signed with the {signed_with}), but it does not decode as {answer_type}: {error}",
                signed_with.source()
            );
            AUTHENTIC
        }
        Err(NotificationError::KeyNotConfigured(kind)) => {
            let option = match kind {
                notification::SignedWith::Password => "--password / PASARELA_LYRA_PASSWORD",
                notification::SignedWith::HmacKey => "--hmac-key / PASARELA_LYRA_HMAC_KEY",
            };
            eprintln!(
                "error: this {} is signed with the {kind}; give it with {option}",
                kind.source()
            );
            MALFORMED
        }
        Err(e) if e.is_signature_mismatch() => {
            eprintln!("NOT AUTHENTIC: {e}");
            NOT_AUTHENTIC
        }
        Err(e) => {
            eprintln!("error: {e}");
            MALFORMED
        }
    }
}

fn read_input(file: Option<&PathBuf>) -> Result<Vec<u8>, String> {
    // The cap shared with `verify etpay`: a larger body is reported, never read whole.
    match file.filter(|path| path.as_os_str() != "-") {
        Some(path) => std::fs::File::open(path)
            .map_err(ReadCappedError::Io)
            .and_then(|f| read_capped(f, MAX_INPUT_BYTES))
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
        None => read_capped(std::io::stdin().lock(), MAX_INPUT_BYTES)
            .map_err(|e| format!("cannot read stdin: {e}")),
    }
}

fn trim_trailing_whitespace(body: &[u8]) -> &[u8] {
    let end = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &body[..end]
}

/// Pretty JSON when the answer is JSON, the raw text otherwise.
fn pretty(raw: &str) -> String {
    serde_json::from_str::<serde_json::Value>(raw)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| raw.to_owned())
}

fn summary(verified: &VerifiedAnswer) -> String {
    let kind = verified.signed_with();
    let head = format!("authentic {} (signed with the {kind})", kind.source());
    let Some(payment) = verified.payment() else {
        return format!("{head}: kr-answer-type {}", verified.answer_type());
    };
    let status = payment
        .order_status
        .as_ref()
        .map_or("-", |status| status.as_str());
    let details = payment.order_details.as_ref();
    let amount = match (
        details.and_then(|d| d.order_total_amount),
        details.and_then(|d| d.order_currency.as_deref()),
    ) {
        (Some(minor), Some(currency)) => match pasarela::money::format_minor(minor, currency) {
            Some(major) => format!("{major} {currency} ({minor} minor units)"),
            None => format!("{minor} {currency}"),
        },
        (Some(minor), None) => minor.to_string(),
        _ => "-".to_owned(),
    };
    format!(
        "{head}: orderStatus={status} orderId={} amount={amount}",
        payment.order_id().unwrap_or("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_newlines_are_trimmed_and_nothing_else() {
        assert_eq!(trim_trailing_whitespace(b"a=b\r\n"), b"a=b");
        assert_eq!(trim_trailing_whitespace(b" a=b"), b" a=b");
        assert_eq!(trim_trailing_whitespace(b"\n"), b"");
    }

    #[test]
    fn non_json_is_printed_as_is() {
        assert_eq!(pretty("not json"), "not json");
        assert_eq!(pretty(r#"{"a":1}"#), "{\n  \"a\": 1\n}");
    }
}

//! Card data in the requests of the PCI-DSS web services: which test card a card number
//! names, and how a card number or security code is shown when the sandbox must mention one
//! (an input error): the PAN masked to its first 6 and last 4 digits, the code never.
//!
//! Nothing here stores card data: a request's PAN only selects a [`TestCard`] (whose own
//! `Debug` is masked), and the security code is checked by the schema and then dropped.

use pasarela::lyra::card_data::mask_pan;
use serde_json::Value;

use crate::lyra::cards::{test_card, TestCard};
use crate::lyra::error::WsError;

/// What replaces a security code in messages.
const REDACTED: &str = "[redacted]";

/// True for the name of a field that holds a card number (`pan`, `cardHolderPan`).
fn is_pan_field(name: &str) -> bool {
    name == "pan" || name.ends_with("Pan")
}

/// True for the name of a field that holds a security code.
fn is_code_field(name: &str) -> bool {
    name == "securityCode" || name == "cvv"
}

/// True when a JSON pointer (`/paymentForms/0/pan`) goes through a card-data field.
pub(crate) fn is_card_path(pointer: &str) -> bool {
    pointer
        .split('/')
        .any(|segment| is_pan_field(segment) || is_code_field(segment))
}

/// Every card number and security code of a request (the values of such fields, at any depth,
/// strings or numbers: a number sent where the schema wants a string is still card data).
fn card_data(request: &Value, found: &mut Vec<(String, String)>) {
    match request {
        Value::Object(map) => {
            for (name, value) in map {
                let text = match value {
                    Value::String(text) => Some(text.clone()),
                    Value::Number(number) => Some(number.to_string()),
                    _ => None,
                };
                match text {
                    Some(text) if !text.is_empty() && is_pan_field(name) => {
                        let shown = mask_pan(&text);
                        found.push((text, shown));
                    }
                    Some(text) if !text.is_empty() && is_code_field(name) => {
                        found.push((text, REDACTED.to_owned()));
                    }
                    _ => card_data(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| card_data(item, found)),
        _ => {}
    }
}

/// A message about `request` (an input error quoting a value, the validator's reason) with
/// every card number of the request masked and every security code redacted, wherever the
/// message quotes them. Longest first, so that a code inside a number cannot unmask it.
pub(crate) fn scrub(request: &Value, message: String) -> String {
    let mut found = Vec::new();
    card_data(request, &mut found);
    found.sort_by_key(|(secret, _)| std::cmp::Reverse(secret.len()));
    found
        .iter()
        .fold(message, |text, (secret, shown)| text.replace(secret, shown))
}

/// The test card that the card number of a `paymentForms` entry (or `paymentForm`) names.
///
/// # Errors
/// INT_902 when it is not a sandbox test card, quoting the number masked.
pub(crate) fn test_card_of(form: &Value, field: &str) -> Result<&'static TestCard, WsError> {
    let pan = form["pan"].as_str().unwrap_or_default();
    test_card(pan).ok_or_else(|| {
        WsError::invalid_input(format!(
            "Invalid input value [name={field}.pan, value={}]: not a sandbox test card",
            mask_pan(pan)
        ))
    })
}

/// The card of a PCI request: its only `paymentForms` entry.
///
/// # Errors
/// As [`test_card_of`].
pub(crate) fn payment_forms_card(request: &Value) -> Result<&'static TestCard, WsError> {
    test_card_of(&request["paymentForms"][0], "paymentForms.0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_quote_card_data_whole() {
        let request = serde_json::json!({"amount": 1, "paymentForms": [
            {"pan": "4970-1000-0000-0055", "securityCode": "97310"},
            {"cardHolderPan": "4970100000000055"}
        ]});
        let message = scrub(
            &request,
            r#"value={"pan":"4970-1000-0000-0055","securityCode":"97310"} 4970100000000055, amount 1"#.into(),
        );
        assert_eq!(
            message,
            r#"value={"pan":"4970-1XXXXXXXXX0055","securityCode":"[redacted]"} 497010XXXXXX0055, amount 1"#
        );
        let error =
            payment_forms_card(&serde_json::json!({"paymentForms": [{"pan": "4970100000000055"}]}))
                .unwrap_err();
        let detail = error.detail.unwrap_or_default();
        assert!(
            detail.contains("497010XXXXXX0055") && !detail.contains("4970100000000055"),
            "{detail}"
        );
    }
}

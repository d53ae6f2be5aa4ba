//! The frame around every Lyra web service: Basic auth (INT_905), JSON decoding and validation
//! against the operation's request schema in `openapi/lyra-v4.yaml` (INT_902 naming the
//! field), and the `V4/WebService/Response` envelope of answers and errors.

use axum::http::HeaderMap;
use base64::Engine as _;
use pasarela::spec::SpecValidator;
use serde_json::{json, Value};

use crate::app::App;
use crate::lyra::error::WsError;
use crate::util::now_iso;

/// The envelope of every answer.
pub(crate) fn envelope(app: &App, web_service: &str, status: &str, answer: Value) -> Value {
    json!({
        "webService": web_service, "version": "V4", "applicationVersion": env!("CARGO_PKG_VERSION"),
        "status": status, "answer": answer, "ticket": Value::Null, "serverDate": now_iso(),
        "applicationProvider": "PASARELA_SANDBOX", "metadata": Value::Null, "mode": "TEST",
        "serverUrl": app.base_url(), "_type": "V4/WebService/Response"
    })
}

/// An ERROR envelope.
pub(crate) fn error_envelope(app: &App, web_service: &str, error: WsError) -> Value {
    let answer = json!({
        "errorCode": error.code, "errorMessage": error.message, "detailedErrorCode": Value::Null,
        "detailedErrorMessage": error.detail, "ticket": "null", "shopId": app.config.shop_id,
        "_type": "V4/WebService/WebServiceError"
    });
    envelope(app, web_service, "ERROR", answer)
}

/// True when the `Authorization` header carries the sandbox shop's credentials.
pub(crate) fn authorised(app: &App, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    // The scheme is case-insensitive (RFC 7235 §2.1): `basic` and `BASIC` are Basic too.
    let Some((scheme, encoded)) = value.trim_start().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("Basic") {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return false;
    };
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    user == app.config.shop_id && pasarela::Secret::new(password) == app.config.password
}

/// Decodes a request body and validates it against its request component.
pub(crate) fn decode(component: &str, body: &[u8]) -> Result<Value, WsError> {
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| WsError::invalid_input(format!("can't decode JSON data : {e}")))?;
    let Err(violations) = SpecValidator::lyra().validate(component, &request) else {
        return Ok(request);
    };
    let first = &violations[0];
    let field = first
        .instance_path
        .trim_start_matches('/')
        .replace('/', ".");
    let field = if field.is_empty() {
        "(body)".to_owned()
    } else {
        field
    };
    let value = request
        .pointer(&first.instance_path)
        .map(Value::to_string)
        .unwrap_or_default();
    let detail = if crate::lyra::card_data::is_card_path(&first.instance_path) {
        // The validator's reason quotes the value (escaped or cut short, which `scrub` could
        // miss): about card data, say only which field.
        format!("Invalid input value [name={field}]: not a valid card number or security code")
    } else {
        format!(
            "Invalid input value [name={field}, value={value}]: {}",
            first.message
        )
    };
    // Card data is never echoed whole (PCI web services).
    Err(WsError::invalid_input(crate::lyra::card_data::scrub(
        &request, detail,
    )))
}

//! The Lyra V4 web services of the sandbox: `POST /api-payment/V4/{Namespace}/{Operation}`.
//!
//! Checks Basic auth (INT_905), decodes the JSON (INT_902), validates the body against the
//! operation's request schema in `openapi/lyra-v4.yaml` (INT_902 naming the field), then
//! applies the operation to the in-memory state.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde_json::{json, Value};

use super::util::now_iso;
use super::App;
use pasarela::spec::SpecValidator;

/// A web service's failure: `errorCode`, `errorMessage`, `detailedErrorMessage`.
pub(crate) type WsError = (&'static str, String, Option<String>);

pub(crate) fn fail<T>(code: &'static str, message: &str) -> Result<T, WsError> {
    Err((code, message.to_owned(), None))
}

/// The request component of each web service.
pub(crate) const WEB_SERVICES: &[(&str, &str)] = &[
    ("Charge/SDKTest", "SdkTestRequest"),
    ("Charge/CreatePayment", "CreatePaymentRequest"),
    ("Charge/CreateToken", "CreateTokenRequest"),
    ("Charge/CreateSubscription", "CreateSubscriptionRequest"),
    ("Charge/CreatePaymentOrder", "CreatePaymentOrderRequest"),
    ("Charge/PaymentOrder/Get", "PaymentOrderGetRequest"),
    ("Charge/PaymentOrder/Update", "PaymentOrderUpdateRequest"),
    ("Charge/UpdatePaymentAmount", "UpdatePaymentAmountRequest"),
    ("Transaction/Get", "TransactionGetRequest"),
    (
        "Transaction/CancelOrRefund",
        "TransactionCancelOrRefundRequest",
    ),
    ("Transaction/Cancel", "TransactionCommentRequest"),
    ("Transaction/Refund", "TransactionRefundRequest"),
    ("Transaction/Validate", "TransactionCommentRequest"),
    ("Transaction/Update", "TransactionUpdateRequest"),
    ("Transaction/Capture", "TransactionCaptureRequest"),
    ("Transaction/Duplicate", "TransactionDuplicateRequest"),
    ("Order/Get", "OrderGetRequest"),
    ("Token/Get", "TokenReference"),
    ("Token/Cancel", "TokenReference"),
    ("Token/Reactivate", "TokenReference"),
    ("Token/Update", "TokenUpdateRequest"),
    ("Subscription/Get", "SubscriptionReference"),
    ("Subscription/Update", "SubscriptionUpdateRequest"),
    ("Subscription/Cancel", "SubscriptionCancelRequest"),
];

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
pub(crate) fn error_envelope(
    app: &App,
    web_service: &str,
    (code, message, detail): WsError,
) -> Value {
    let answer = json!({
        "errorCode": code, "errorMessage": message, "detailedErrorCode": Value::Null,
        "detailedErrorMessage": detail, "ticket": "null", "shopId": app.config.shop_id,
        "_type": "V4/WebService/WebServiceError"
    });
    envelope(app, web_service, "ERROR", answer)
}

/// True when the `Authorization` header carries the sandbox shop's credentials.
fn authorised(app: &App, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
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

/// `POST /api-payment/V4/{*web_service}`.
pub(crate) async fn handle(
    State(app): State<Arc<App>>,
    Path(web_service): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = answer(&app, &web_service, &headers, &body);
    let envelope = match answer {
        Ok(answer) => envelope(&app, &web_service, "SUCCESS", answer),
        Err(error) => error_envelope(&app, &web_service, error),
    };
    Json(envelope).into_response()
}

fn answer(
    app: &App,
    web_service: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, WsError> {
    if !authorised(app, headers) {
        return fail("INT_905", "invalid login or private key");
    }
    let Some((_, component)) = WEB_SERVICES.iter().find(|(ws, _)| *ws == web_service) else {
        return fail("INT_901", "web service not found");
    };
    let request: Value = serde_json::from_slice(body).map_err(|e| {
        (
            "INT_902",
            "web-service input data validation error".to_owned(),
            Some(format!("can't decode JSON data : {e}")),
        )
    })?;
    if let Err(violations) = SpecValidator::lyra().validate(component, &request) {
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
        return Err((
            "INT_902",
            "web-service input data validation error".to_owned(),
            Some(format!(
                "Invalid input value [name={field}, value={value}]: {}",
                first.message
            )),
        ));
    }
    super::lyra_ops::dispatch(app, web_service, &request)
}

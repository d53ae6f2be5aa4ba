//! `POST /api-payment/V4/{Namespace}/{Operation}`: checks the frame (body type, auth, request
//! schema), then hands the request to the web service's handler and wraps its answer in the
//! envelope.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::app::App;
use crate::blocking::off_workers;
use crate::lyra::envelope::{authorised, decode, envelope, error_envelope};
use crate::lyra::error::{fail, WsError, WsResult, INVALID_LOGIN, UNKNOWN_WEB_SERVICE};
use crate::lyra::ops::{handler, request_component};

/// `POST /api-payment/V4/{*web_service}`. Large bodies are validated off the async workers.
pub(crate) async fn handle(
    State(app): State<Arc<App>>,
    Path(web_service): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let envelope = off_workers(body.len(), move || {
        match answer(&app, &web_service, &headers, &body) {
            Ok(answer) => envelope(&app, &web_service, "SUCCESS", answer),
            Err(error) => error_envelope(&app, &web_service, error),
        }
    })
    .await;
    match envelope {
        Some(envelope) => Json(envelope).into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The answer to a body type a page can send cross-site without a preflight (`guard.rs`
/// refuses those for every web service): INT_902 in the envelope.
pub(crate) fn body_type_refused(app: &App, web_service: &str, media: &str) -> Response {
    let error = WsError::invalid_input(format!(
        "unsupported Content-Type {media}: send application/json"
    ));
    Json(error_envelope(app, web_service, error)).into_response()
}

fn answer(app: &App, web_service: &str, headers: &HeaderMap, body: &[u8]) -> WsResult {
    if !authorised(app, headers) {
        return fail(INVALID_LOGIN);
    }
    call(app, web_service, body)
}

/// A web service with a request body, after authentication: decoded and validated against its
/// request schema, then answered by its handler. The dashboard's actions call it too, so a
/// button does exactly what the REST call does (and is refused with the same error).
pub(crate) fn call(app: &App, web_service: &str, body: &[u8]) -> WsResult {
    let (Some(component), Some(handler)) = (request_component(web_service), handler(web_service))
    else {
        return fail(UNKNOWN_WEB_SERVICE);
    };
    let request = decode(component, body)?;
    handler(app, &request)
}

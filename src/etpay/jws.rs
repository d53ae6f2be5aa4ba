//! HS256 in the JWS compact serialization (RFC 7515 §7.1), the only form ETpay uses: signing
//! (tests and the sandbox) and verifying, on the `hmac`, `sha2`, `base64` and `serde_json` the
//! client depends on anyway. It replaces `jsonwebtoken`, whose RSA, ECDSA and EdDSA back-ends
//! were 66 of the 152 crates a merchant compiled (issue 18, BENCHMARKS.md § 8).
//!
//! [`verify`] checks, in this order: three dot-separated parts, each strict base64url without
//! padding; a header that is a JSON object with `alg` exactly `HS256` (anything else is
//! [`VerifyError::WrongAlgorithm`], whatever the signature), no repeated key, no `crit`, and
//! `typ` / `cty` strings when present; the HMAC in constant time (`Mac::verify_slice`); then the
//! claims: a UTF-8 JSON object without repeated keys. Other header parameters (`kid`, `jku`,
//! `jwk`, `x5u`, …) are ignored: the key always comes from the caller, never from the token.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::Sha256;

use super::jwt_rules::{reject_crit, reject_duplicate_keys};
use super::VerifyError;

type HmacSha256 = Hmac<Sha256>;

/// The only algorithm ETpay uses and the only one accepted.
const ALGORITHM: &str = "HS256";

/// The header [`sign`] writes: the bytes `jsonwebtoken` wrote, so that the committed vectors
/// (`tests/data/etpay/ours_vectors.json`, checked with PyJWT) stay byte for byte the same.
const HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// base64url without padding, strict: no `=`, no `+` or `/`, no whitespace, no stray bits.
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Signs the JSON of `claims` with HS256 and `key` (raw bytes).
pub(super) fn sign(claims: &impl Serialize, key: &[u8]) -> Result<String, VerifyError> {
    let claims_json = serde_json::to_vec(claims).map_err(|e| VerifyError::InvalidClaims {
        reason: format!("cannot sign: {e}"),
    })?;
    let signing_input = format!("{}.{}", B64.encode(HEADER), B64.encode(claims_json));
    let mut mac = hmac(key)?;
    mac.update(signing_input.as_bytes());
    Ok(format!(
        "{signing_input}.{}",
        B64.encode(mac.finalize().into_bytes())
    ))
}

/// Verifies an HS256 JWT with `key` (raw bytes, not empty: the caller checks) and returns its
/// claims JSON text, byte for byte as signed. `exp` / `nbf` are the caller's (they need a clock).
pub(super) fn verify(jwt: &str, key: &[u8]) -> Result<String, VerifyError> {
    // The algorithm first, as jsonwebtoken did: `alg: none` on a token of any shape is an
    // attack, not a typo.
    let header_json = decode_part(jwt.split('.').next().unwrap_or_default(), "header")?;
    let header = parse_header(&header_json)?;
    check_algorithm(&header)?;
    let (signing_input, signature) = jwt
        .rsplit_once('.')
        .filter(|(input, _)| input.split('.').count() == 2)
        .ok_or_else(|| malformed("not a JWT (expected three dot-separated parts)"))?;
    let (_, payload) = signing_input.split_once('.').unwrap_or_default();
    let claims = decode_part(payload, "payload")?;
    let signature = decode_part(signature, "signature")?;
    reject_duplicate_keys(&header_json, "header")?;
    reject_crit(&header)?;
    check_header_types(&header)?;
    let mut mac = hmac(key)?;
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| VerifyError::BadSignature)?;
    let claims_json =
        String::from_utf8(claims).map_err(|_| malformed("the JWT payload is not UTF-8"))?;
    reject_duplicate_keys(claims_json.as_bytes(), "claims")?;
    if !claims_json
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        return Err(malformed("the JWT claims are not a JSON object"));
    }
    Ok(claims_json)
}

/// Decodes one part of a JWT: strict base64url without padding.
pub(super) fn decode_part(part: &str, name: &str) -> Result<Vec<u8>, VerifyError> {
    B64.decode(part)
        .map_err(|_| malformed(&format!("the JWT {name} is not base64url")))
}

/// The header as a JSON object (a repeated key keeps its last value here; [`verify`] refuses
/// repeated keys before the signature is checked).
fn parse_header(header_json: &[u8]) -> Result<Map<String, Value>, VerifyError> {
    serde_json::from_slice(header_json)
        .map_err(|_| malformed("the JWT header is not a JSON object"))
}

/// `alg` must be exactly `HS256`. Read last-key-wins: a header ending in `"alg":"none"` is
/// refused as forged whatever came before it.
fn check_algorithm(header: &Map<String, Value>) -> Result<(), VerifyError> {
    match header.get("alg") {
        Some(Value::String(alg)) if alg == ALGORITHM => Ok(()),
        Some(Value::String(alg)) => Err(VerifyError::WrongAlgorithm { alg: alg.clone() }),
        Some(_) => Err(malformed("the JWT header's alg is not a string")),
        None => Err(malformed("the JWT header has no alg")),
    }
}

/// `typ` and `cty` describe the token itself: when present they are strings (values not
/// checked: ETpay and PyJWT write `"typ":"JWT"`, RFC 7519 §5.1 makes it optional).
fn check_header_types(header: &Map<String, Value>) -> Result<(), VerifyError> {
    for name in ["typ", "cty"] {
        if let Some(value) = header.get(name) {
            if !matches!(value, Value::String(_) | Value::Null) {
                return Err(malformed(&format!(
                    "the JWT header's {name} is not a string"
                )));
            }
        }
    }
    Ok(())
}

fn hmac(key: &[u8]) -> Result<HmacSha256, VerifyError> {
    // HMAC takes keys of any length; the error cannot happen, but is not a panic either.
    HmacSha256::new_from_slice(key).map_err(|_| VerifyError::KeyNotConfigured)
}

fn malformed(reason: &str) -> VerifyError {
    VerifyError::Malformed {
        reason: reason.to_owned(),
    }
}

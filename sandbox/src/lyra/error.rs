//! The errors a Lyra web service answers (`errorCode`, `errorMessage`,
//! `detailedErrorMessage`), and each code the sandbox uses, written once.
//!
//! A leaf module: the envelope renders these, the operations return them.

/// A code and its `errorMessage`.
pub(crate) type Code = (&'static str, &'static str);

/// INT_009.
pub(crate) const INVALID_AMOUNT: Code = ("INT_009", "invalid amount");
/// INT_010.
pub(crate) const INVALID_CURRENCY: Code = ("INT_010", "invalid currency");
/// INT_901: a web service the sandbox does not know.
pub(crate) const UNKNOWN_WEB_SERVICE: Code = ("INT_901", "web service not found");
/// INT_902: the body is not JSON or breaks the request schema.
pub(crate) const INVALID_INPUT: Code = ("INT_902", "web-service input data validation error");
/// INT_903.
pub(crate) const FORM_TOKEN_NOT_FOUND: Code = ("INT_903", "formToken not found or expired");
/// INT_905: wrong Basic auth.
pub(crate) const INVALID_LOGIN: Code = ("INT_905", "invalid login or private key");
/// PSP_010.
pub(crate) const TRANSACTION_NOT_FOUND: Code = ("PSP_010", "transaction not found");
/// PSP_011.
pub(crate) const WRONG_STATUS: Code = ("PSP_011", "wrong transaction status");
/// PSP_030: an unknown (or cancelled) token.
pub(crate) const ALIAS_NOT_FOUND: Code = ("PSP_030", "alias not found");
/// PSP_1000.
pub(crate) const PAYMENT_ORDER_NOT_FOUND: Code = ("PSP_1000", "payment order not found");

/// A web service's failure: `errorCode`, `errorMessage`, `detailedErrorMessage`.
#[derive(Debug)]
pub(crate) struct WsError {
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
}

impl WsError {
    /// An error with a `detailedErrorMessage`.
    pub(crate) fn detailed((code, message): Code, detail: impl Into<String>) -> WsError {
        WsError {
            code,
            message: message.to_owned(),
            detail: Some(detail.into()),
        }
    }

    /// INT_902 with its detail.
    pub(crate) fn invalid_input(detail: impl Into<String>) -> WsError {
        WsError::detailed(INVALID_INPUT, detail)
    }
}

impl From<Code> for WsError {
    fn from((code, message): Code) -> WsError {
        WsError {
            code,
            message: message.to_owned(),
            detail: None,
        }
    }
}

/// A web service's result.
pub(crate) type WsResult = Result<serde_json::Value, WsError>;

/// Fails with a detail-less error.
pub(crate) fn fail<T>(code: Code) -> Result<T, WsError> {
    Err(code.into())
}

//! The routing of the Lyra web services: which handler answers each one, and which request
//! component of the spec validates its body. The handlers live in one module per resource.

mod charge;
mod order;
mod payment_order;
mod subscription;
mod token;
mod transaction;

use serde_json::Value;

use crate::app::App;
use crate::lyra::error::WsResult;

/// Answers a web service with a request that passed validation.
pub(crate) type Handler = fn(&App, &Value) -> WsResult;

/// The handler of each web service the sandbox emulates.
const HANDLERS: &[(&str, Handler)] = &[
    ("Charge/SDKTest", charge::sdk_test),
    ("Charge/CreatePayment", charge::create_payment),
    ("Charge/CreateToken", charge::create_token),
    ("Charge/UpdatePaymentAmount", charge::update_payment_amount),
    ("Charge/CreateSubscription", subscription::create),
    ("Charge/CreatePaymentOrder", payment_order::create),
    ("Charge/PaymentOrder/Get", payment_order::get),
    ("Charge/PaymentOrder/Update", payment_order::update),
    ("Transaction/Get", transaction::get),
    ("Transaction/CancelOrRefund", transaction::cancel_or_refund),
    ("Transaction/Cancel", transaction::cancel),
    ("Transaction/Refund", transaction::refund),
    ("Transaction/Validate", transaction::validate),
    ("Transaction/Update", transaction::update),
    ("Transaction/Capture", transaction::capture),
    ("Transaction/Duplicate", transaction::duplicate),
    ("Order/Get", order::get),
    ("Token/Get", token::get),
    ("Token/Cancel", token::cancel),
    ("Token/Reactivate", token::reactivate),
    ("Token/Update", token::update),
    ("Subscription/Get", subscription::get),
    ("Subscription/Update", subscription::update),
    ("Subscription/Cancel", subscription::cancel),
];

/// The handler of a web service; `None` for one the sandbox does not emulate.
pub(crate) fn handler(web_service: &str) -> Option<Handler> {
    HANDLERS
        .iter()
        .find(|(ws, _)| *ws == web_service)
        .map(|(_, handler)| *handler)
}

/// The request component (in `openapi/lyra-v4.yaml`) that a web service's body must match.
pub(crate) fn request_component(web_service: &str) -> Option<&'static str> {
    Some(match web_service {
        "Charge/SDKTest" => "SdkTestRequest",
        "Charge/CreatePayment" => "CreatePaymentRequest",
        "Charge/CreateToken" => "CreateTokenRequest",
        "Charge/CreateSubscription" => "CreateSubscriptionRequest",
        "Charge/CreatePaymentOrder" => "CreatePaymentOrderRequest",
        "Charge/PaymentOrder/Get" => "PaymentOrderGetRequest",
        "Charge/PaymentOrder/Update" => "PaymentOrderUpdateRequest",
        "Charge/UpdatePaymentAmount" => "UpdatePaymentAmountRequest",
        "Transaction/Get" => "TransactionGetRequest",
        "Transaction/CancelOrRefund" => "TransactionCancelOrRefundRequest",
        "Transaction/Cancel" | "Transaction/Validate" => "TransactionCommentRequest",
        "Transaction/Refund" => "TransactionRefundRequest",
        "Transaction/Update" => "TransactionUpdateRequest",
        "Transaction/Capture" => "TransactionCaptureRequest",
        "Transaction/Duplicate" => "TransactionDuplicateRequest",
        "Order/Get" => "OrderGetRequest",
        "Token/Get" | "Token/Cancel" | "Token/Reactivate" => "TokenReference",
        "Token/Update" => "TokenUpdateRequest",
        "Subscription/Get" => "SubscriptionReference",
        "Subscription/Update" => "SubscriptionUpdateRequest",
        "Subscription/Cancel" => "SubscriptionCancelRequest",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handled_web_service_has_a_request_component() {
        for (web_service, _) in HANDLERS {
            assert!(
                request_component(web_service).is_some(),
                "{web_service} has no request component"
            );
        }
    }
}

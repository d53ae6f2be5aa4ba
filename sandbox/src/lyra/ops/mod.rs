//! The routing of the Lyra web services: which handler answers each one; the request component
//! that validates its body comes from `pasarela::lyra::OPERATIONS` (derived from the spec). The
//! handlers live in one module per resource.

mod charge;
mod customer_wallet;
mod order;
mod payment_order;
mod pci;
mod risk;
mod subscription;
mod token;
mod token_from_transaction;
mod transaction;

use pasarela::lyra::Operation;
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
    // Issue #14: the rest of the public catalogue.
    (
        "Charge/CreateTokenFromTransaction",
        token_from_transaction::create,
    ),
    (
        "Token/UpdateCustomerDetails",
        token::update_customer_details,
    ),
    ("CustomerWallet/Get", customer_wallet::get),
    ("CustomerWallet/Update", customer_wallet::update),
    ("Risk/AddToGreyList", risk::add_to_grey_list),
    ("PCI/Charge/CreatePayment", pci::create_payment),
    ("PCI/Charge/CreateToken", pci::create_token),
    ("PCI/Charge/Authenticate", pci::authenticate),
    ("PCI/Charge/VerifyPaymentMethod", pci::verify_payment_method),
];

/// The handler of a web service; `None` for one the sandbox does not emulate.
pub(crate) fn handler(web_service: &str) -> Option<Handler> {
    HANDLERS
        .iter()
        .find(|(ws, _)| *ws == web_service)
        .map(|(_, handler)| *handler)
}

/// The request component (in `openapi/lyra-v4.yaml`) that a web service's body must match,
/// from the operation table that `build.rs` derives from the spec.
pub(crate) fn request_component(web_service: &str) -> Option<&'static str> {
    Operation::find(web_service).map(|op| op.request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasarela::lyra::OPERATIONS;

    #[test]
    fn every_handled_web_service_is_in_the_spec() {
        for (web_service, _) in HANDLERS {
            assert!(
                request_component(web_service).is_some(),
                "{web_service} is not in the operation table of openapi/lyra-v4.yaml"
            );
        }
    }

    #[test]
    fn every_web_service_of_the_spec_has_a_handler() {
        for op in OPERATIONS {
            assert!(
                handler(op.web_service).is_some(),
                "{} ({}) has no sandbox behaviour",
                op.web_service,
                op.operation_id
            );
        }
    }
}

//! One method per web service on [`LyraClient`]: post the typed request, unwrap the envelope.

use super::client::unwrap_envelope;
use super::{types, Answer, LyraClient, LyraError};

macro_rules! web_services {
    ($(
        $(#[$doc:meta])*
        $method:ident($request:ty) -> $answer:ty = $generated:ident, $ws:literal;
    )*) => {
        impl LyraClient {$(
            $(#[$doc])*
            #[doc = ""]
            #[doc = concat!("Posts `", $ws, "`.")]
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = "A [`LyraErrorKind::Api`](super::LyraErrorKind::Api) error when the gateway answers `status: ERROR`; the other [`LyraErrorKind`](super::LyraErrorKind)s for transport and decoding failures."]
            pub async fn $method(&self, request: $request) -> Result<$answer, LyraError> {
                let result = self.generated().$generated().body(request).send().await;
                unwrap_envelope::<$answer>($ws, result).await
            }
        )*}
    };
}

web_services! {
    /// Echoes a value: checks connectivity and credentials (INT_905 when they are wrong).
    sdk_test(types::SdkTestRequest) -> types::TypeString = sdk_test, "Charge/SDKTest";
    /// Creates a formToken for the embedded form.
    create_payment(types::CreatePaymentRequest) -> types::PaymentForm = create_payment, "Charge/CreatePayment";
    /// Pays a registered token server to server (`formAction: SILENT`): the answer is the
    /// payment result, `Answer::Payment` per the playground (`Answer::Transaction` per Izipay's
    /// text), so both are returned as they come.
    create_payment_silent(types::CreatePaymentRequest) -> Answer = create_payment, "Charge/CreatePayment";
    /// Creates a formToken that registers a payment method.
    create_token(types::CreateTokenRequest) -> types::PaymentForm = create_token, "Charge/CreateToken";
    /// Creates a subscription on a registered token.
    create_subscription(types::CreateSubscriptionRequest) -> types::SubscriptionCreated = create_subscription, "Charge/CreateSubscription";
    /// Creates a payment order (a payment link sent by e-mail, SMS, WhatsApp or URL).
    create_payment_order(types::CreatePaymentOrderRequest) -> Box<types::PaymentOrder> = create_payment_order, "Charge/CreatePaymentOrder";
    /// Reads a payment order (PSP_1000 when it does not exist).
    get_payment_order(types::PaymentOrderGetRequest) -> Box<types::PaymentOrder> = get_payment_order, "Charge/PaymentOrder/Get";
    /// Updates a RUNNING payment order. The answer type is UNCONFIRMED, so it comes as an [`Answer`].
    update_payment_order(types::PaymentOrderUpdateRequest) -> Answer = update_payment_order, "Charge/PaymentOrder/Update";
    /// Lowers the amount of a formToken from the card BIN; answers a new formToken.
    update_payment_amount(types::UpdatePaymentAmountRequest) -> types::PaymentForm = update_payment_amount, "Charge/UpdatePaymentAmount";
    /// Reads a transaction (PSP_010 when it does not exist).
    get_transaction(types::TransactionGetRequest) -> Box<types::Transaction> = get_transaction, "Transaction/Get";
    /// Cancels a transaction not yet captured, or refunds a captured one (a new CREDIT transaction).
    cancel_or_refund_transaction(types::TransactionCancelOrRefundRequest) -> Box<types::Transaction> = cancel_or_refund_transaction, "Transaction/CancelOrRefund";
    /// Cancels a transaction that is not captured yet.
    cancel_transaction(types::TransactionCommentRequest) -> Box<types::Transaction> = cancel_transaction, "Transaction/Cancel";
    /// Refunds a captured transaction.
    refund_transaction(types::TransactionRefundRequest) -> Box<types::Transaction> = refund_transaction, "Transaction/Refund";
    /// Validates a transaction waiting for manual validation.
    validate_transaction(types::TransactionCommentRequest) -> Box<types::Transaction> = validate_transaction, "Transaction/Validate";
    /// Updates a transaction (lower amount, capture date, automatic validation).
    update_transaction(types::TransactionUpdateRequest) -> Box<types::Transaction> = update_transaction, "Transaction/Update";
    /// Captures transactions. The answer type is UNCONFIRMED, so it comes as an [`Answer`].
    capture_transactions(types::TransactionCaptureRequest) -> Answer = capture_transactions, "Transaction/Capture";
    /// Creates a new transaction from an existing one.
    duplicate_transaction(types::TransactionDuplicateRequest) -> Box<types::Transaction> = duplicate_transaction, "Transaction/Duplicate";
    /// Lists the transactions of an order (at most 30, else PSP_015).
    get_order(types::OrderGetRequest) -> types::OrderTransactions = get_order, "Order/Get";
    /// Reads a registered payment method.
    get_token(types::TokenReference) -> Box<types::Token> = get_token, "Token/Get";
    /// Cancels a card token.
    cancel_token(types::TokenReference) -> types::ResponseCodeAnswer = cancel_token, "Token/Cancel";
    /// Reactivates a cancelled token. The answer type is UNCONFIRMED, so it comes as an [`Answer`].
    reactivate_token(types::TokenReference) -> Answer = reactivate_token, "Token/Reactivate";
    /// Creates a formToken that updates a registered card. The answer type is UNCONFIRMED, so it comes as an [`Answer`].
    update_token(types::TokenUpdateRequest) -> Answer = update_token, "Token/Update";
    /// Reads a subscription.
    get_subscription(types::SubscriptionReference) -> Box<types::Subscription> = get_subscription, "Subscription/Get";
    /// Changes a subscription. The answer type is UNCONFIRMED, so it comes as an [`Answer`].
    update_subscription(types::SubscriptionUpdateRequest) -> Answer = update_subscription, "Subscription/Update";
    /// Cancels a subscription (`responseCode` 0 ok, 30 token not found, 32 subscription not found).
    cancel_subscription(types::SubscriptionCancelRequest) -> types::ResponseCodeAnswer = cancel_subscription, "Subscription/Cancel";
}

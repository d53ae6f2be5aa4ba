//! The Lyra side of the sandbox state: formTokens, transactions, payment orders, tokens and
//! subscriptions, and how they are rendered as the spec's answer objects.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::store::Bounded;
use super::util::{new_id, now_iso};

/// A test card of the sandbox's payment page, and what paying with it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestCard {
    /// The card number to type or pick.
    pub pan: &'static str,
    /// `effectiveBrand`.
    pub brand: &'static str,
    /// What happens.
    pub outcome: CardOutcome,
    /// One line for people.
    pub label: &'static str,
}

/// The result of paying with a [`TestCard`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardOutcome {
    /// PAID / AUTHORISED: accepted, capture pending (cancellable).
    Authorised,
    /// PAID / CAPTURED: accepted and captured at once (refundable).
    Captured,
    /// UNPAID / REFUSED with `errorCode` ACQ_001 and acquirer code 51.
    Refused,
    /// RUNNING / AUTHORISED_TO_VALIDATE: waits for Transaction/Validate.
    ToValidate,
}

/// The documented test cards.
pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        pan: "4970100000000003",
        brand: "VISA",
        outcome: CardOutcome::Authorised,
        label: "accepted (PAID / AUTHORISED, capture pending)",
    },
    TestCard {
        pan: "4970100000000009",
        brand: "VISA",
        outcome: CardOutcome::Captured,
        label: "accepted and captured at once (PAID / CAPTURED)",
    },
    TestCard {
        pan: "4970100000000014",
        brand: "VISA",
        outcome: CardOutcome::Refused,
        label: "refused by the issuer (UNPAID / REFUSED, ACQ_001)",
    },
    TestCard {
        pan: "5970100300000018",
        brand: "MASTERCARD",
        outcome: CardOutcome::ToValidate,
        label: "accepted, manual validation (RUNNING / AUTHORISED_TO_VALIDATE)",
    },
];

/// The test card with this number.
pub fn test_card(pan: &str) -> Option<&'static TestCard> {
    TEST_CARDS.iter().find(|c| c.pan == pan)
}

/// What a formToken was created for.
#[derive(Clone, Debug)]
pub(crate) enum FormPurpose {
    /// Charge/CreatePayment (and UpdatePaymentAmount).
    Payment,
    /// Charge/CreateToken: registers the card with a zero-amount VERIFICATION.
    Token,
    /// Token/Update: replaces the card of a token.
    TokenUpdate(String),
    /// A payment order's link.
    PaymentOrder(String),
}

/// A formToken and the request it was minted from.
#[derive(Clone, Debug)]
pub(crate) struct FormEntry {
    pub purpose: FormPurpose,
    pub amount: i64,
    pub currency: String,
    pub order_id: Option<String>,
    pub form_action: String,
    pub customer: Value,
    pub metadata: Value,
    pub ipn_target_url: Option<String>,
    pub payment_method_token: Option<String>,
    pub manual_validation: bool,
    pub created: Instant,
    pub used: bool,
}

/// A transaction of the sandbox.
#[derive(Clone, Debug)]
pub(crate) struct Tx {
    pub uuid: String,
    pub order_id: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub status: &'static str,
    pub detailed_status: &'static str,
    pub operation_type: &'static str,
    pub creation_date: String,
    pub payment_method_token: Option<String>,
    pub error: Option<(&'static str, &'static str, &'static str)>,
    pub card: &'static TestCard,
    pub parent_uuid: Option<String>,
    pub refunded: i64,
    pub metadata: Value,
    pub customer: Value,
    pub manual_validation: bool,
    pub payment_order_id: Option<String>,
    pub ipn_target: Option<String>,
}

impl Tx {
    pub(crate) fn new(
        entry: &FormEntry,
        card: &'static TestCard,
        operation_type: &'static str,
        amount: i64,
    ) -> Tx {
        let (status, detailed_status, error) = match (operation_type, card.outcome) {
            (_, CardOutcome::Refused) => (
                "UNPAID",
                "REFUSED",
                Some(("ACQ_001", "payment refused", "51")),
            ),
            ("VERIFICATION", _) => ("PAID", "ACCEPTED", None),
            (_, CardOutcome::Authorised) if entry.manual_validation => {
                ("RUNNING", "AUTHORISED_TO_VALIDATE", None)
            }
            (_, CardOutcome::Authorised) => ("PAID", "AUTHORISED", None),
            (_, CardOutcome::Captured) => ("PAID", "CAPTURED", None),
            (_, CardOutcome::ToValidate) => ("RUNNING", "AUTHORISED_TO_VALIDATE", None),
        };
        Tx {
            uuid: new_id(),
            order_id: entry.order_id.clone(),
            amount,
            currency: entry.currency.clone(),
            status,
            detailed_status,
            operation_type,
            creation_date: now_iso(),
            payment_method_token: None,
            error,
            card,
            parent_uuid: None,
            refunded: 0,
            metadata: entry.metadata.clone(),
            customer: entry.customer.clone(),
            manual_validation: entry.manual_validation || card.outcome == CardOutcome::ToValidate,
            payment_order_id: None,
            ipn_target: entry.ipn_target_url.clone(),
        }
    }

    pub(crate) fn set_status(&mut self, status: &'static str, detailed_status: &'static str) {
        self.status = status;
        self.detailed_status = detailed_status;
    }

    /// True while the transaction can still be cancelled (not captured, not final).
    pub(crate) fn is_cancellable(&self) -> bool {
        matches!(
            self.detailed_status,
            "AUTHORISED"
                | "AUTHORISED_TO_VALIDATE"
                | "WAITING_AUTHORISATION"
                | "WAITING_AUTHORISATION_TO_VALIDATE"
        )
    }
}

/// A payment order.
#[derive(Clone, Debug)]
pub(crate) struct PaymentOrder {
    pub id: String,
    pub request: Value,
    pub status: &'static str,
    pub creation_date: String,
    pub update_date: Option<String>,
}

/// A registered payment method.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub token: String,
    pub card: &'static TestCard,
    pub customer: Value,
    pub creation_date: String,
    pub cancellation_date: Option<String>,
}

/// A subscription.
#[derive(Clone, Debug)]
pub(crate) struct Subscription {
    pub id: String,
    pub request: Value,
    pub cancel_date: Option<String>,
}

/// Everything the Lyra emulation remembers.
#[derive(Debug)]
pub(crate) struct LyraState {
    pub form_tokens: Bounded<String, FormEntry>,
    pub transactions: Bounded<String, Tx>,
    pub payment_orders: Bounded<String, PaymentOrder>,
    pub tokens: Bounded<String, Token>,
    pub subscriptions: Bounded<String, Subscription>,
    pub form_token_ttl: Duration,
}

impl LyraState {
    pub(crate) fn new(capacity: usize, form_token_ttl: Duration) -> Self {
        LyraState {
            form_tokens: Bounded::new(capacity),
            transactions: Bounded::new(capacity),
            payment_orders: Bounded::new(capacity),
            tokens: Bounded::new(capacity),
            subscriptions: Bounded::new(capacity),
            form_token_ttl,
        }
    }

    /// A formToken that exists and has not expired.
    pub(crate) fn live_form(&self, form_token: &str) -> Option<&FormEntry> {
        self.form_tokens
            .get(&form_token.to_owned())
            .filter(|e| e.created.elapsed() < self.form_token_ttl)
    }

    /// The transactions of an order, oldest first.
    pub(crate) fn order_transactions(&self, order_id: &str) -> Vec<&Tx> {
        self.transactions
            .values()
            .filter(|t| t.order_id.as_deref() == Some(order_id))
            .collect()
    }
}

fn or_null(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |v| Value::String(v.clone()))
}

fn object_or_null(value: &Value) -> Value {
    if value.is_object() {
        value.clone()
    } else {
        Value::Null
    }
}

/// `V4/OrderDetails` of a transaction.
pub(crate) fn order_details(tx: &Tx, total: i64, effective: i64, shop_mode: &str) -> Value {
    json!({
        "orderTotalAmount": total, "orderEffectiveAmount": effective, "orderCurrency": tx.currency,
        "mode": shop_mode, "orderId": or_null(&tx.order_id), "metadata": object_or_null(&tx.metadata),
        "_type": "V4/OrderDetails"
    })
}

/// A transaction as `V4/PaymentTransaction` (inside a payment) or `V4/Transaction`.
pub(crate) fn transaction_json(tx: &Tx, shop_id: &str, with_order_details: bool) -> Value {
    let (error_code, error_message, detailed_code) = match tx.error {
        Some((c, m, d)) => (json!(c), json!(m), json!(d)),
        None => (Value::Null, Value::Null, Value::Null),
    };
    let masked = format!(
        "{}XXXXXX{}",
        &tx.card.pan[..6],
        &tx.card.pan[tx.card.pan.len() - 4..]
    );
    let mut value = json!({
        "shopId": shop_id, "uuid": tx.uuid, "amount": tx.amount, "currency": tx.currency,
        "paymentMethodType": "CARD", "paymentMethodToken": or_null(&tx.payment_method_token),
        "status": tx.status, "detailedStatus": tx.detailed_status, "operationType": tx.operation_type,
        "effectiveStrongAuthentication": "DISABLED", "creationDate": tx.creation_date,
        "errorCode": error_code, "errorMessage": error_message, "detailedErrorCode": detailed_code,
        "detailedErrorMessage": Value::Null, "metadata": object_or_null(&tx.metadata),
        "transactionDetails": {
            "liabilityShift": "NO", "effectiveAmount": tx.amount, "effectiveCurrency": tx.currency,
            "creationContext": if tx.operation_type == "CREDIT" { "REFUND" } else { "CHARGE" },
            "cardDetails": {
                "paymentSource": "EC", "manualValidation": if tx.manual_validation { "YES" } else { "NO" },
                "expectedCaptureDate": tx.creation_date, "effectiveBrand": tx.card.brand, "pan": masked,
                "expiryMonth": 12, "expiryYear": 2030, "country": "PE", "issuerCode": Value::Null,
                "issuerName": "Sandbox Bank", "effectiveProductCode": Value::Null,
                "authorizationResponse": {
                    "amount": tx.amount, "currency": tx.currency, "authorizationDate": tx.creation_date,
                    "authorizationNumber": if tx.error.is_some() { Value::Null } else { json!("3fe205") },
                    "authorizationResult": if tx.error.is_some() { "51" } else { "0" },
                    "authorizationMode": "FULL",
                    "_type": "V4/PaymentMethod/Details/Cards/CardAuthorizationResponse"
                },
                "captureResponse": {
                    "refundAmount": if tx.refunded > 0 { json!(tx.refunded) } else { Value::Null },
                    "refundCurrency": if tx.refunded > 0 { json!(tx.currency) } else { Value::Null },
                    "captureDate": if tx.detailed_status == "CAPTURED" { json!(tx.creation_date) } else { Value::Null },
                    "captureFileNumber": Value::Null, "effectiveRefundAmount": Value::Null,
                    "effectiveRefundCurrency": Value::Null,
                    "_type": "V4/PaymentMethod/Details/Cards/CardCaptureResponse"
                },
                "_type": "V4/PaymentMethod/Details/CardDetails"
            },
            "parentTransactionUuid": or_null(&tx.parent_uuid), "mid": "9999999", "sequenceNumber": 1,
            "userInfo": "pasarela sandbox", "occurrenceType": "UNITAIRE",
            "_type": "V4/TransactionDetails"
        },
        "_type": if with_order_details { "V4/Transaction" } else { "V4/PaymentTransaction" }
    });
    if with_order_details {
        value["orderDetails"] = order_details(tx, tx.amount, tx.amount, "TEST");
    }
    value
}

/// The `V4/Payment` (kr-answer) of an order after a change of `latest`.
pub(crate) fn payment_json(latest: &Tx, order: &[&Tx], shop_id: &str) -> Value {
    let debits: Vec<&&Tx> = order
        .iter()
        .filter(|t| t.operation_type != "CREDIT")
        .collect();
    let paid = debits.iter().any(|t| t.status == "PAID");
    let running = debits.iter().any(|t| t.status == "RUNNING");
    let order_status = if paid {
        "PAID"
    } else if running {
        "RUNNING"
    } else {
        "UNPAID"
    };
    let order_cycle = if running { "OPEN" } else { "CLOSED" };
    let effective: i64 = debits
        .iter()
        .filter(|t| t.status == "PAID")
        .map(|t| t.amount - t.refunded)
        .sum();
    let transactions = vec![transaction_json(latest, shop_id, false)];
    let mut customer = match &latest.customer {
        Value::Object(map) => Value::Object(map.clone()),
        _ => Value::Object(Map::new()),
    };
    customer["_type"] = json!("V4/Customer/Customer");
    json!({
        "shopId": shop_id, "orderCycle": order_cycle, "orderStatus": order_status, "serverDate": now_iso(),
        "orderDetails": order_details(latest, latest.amount, effective, "TEST"),
        "customer": customer, "transactions": transactions, "subMerchantDetails": Value::Null,
        "_type": "V4/Payment"
    })
}

/// `V4/PaymentOrder` of a stored order.
pub(crate) fn payment_order_json(order: &PaymentOrder, payment_url: &str) -> Value {
    let r = &order.request;
    let channel = &r["channelOptions"];
    let mail = &channel["mailOptions"];
    let channel_details = if channel.is_object() {
        json!({
            "channelType": channel["channelType"],
            "mailDetails": if mail.is_object() { json!({
                "subject": mail.get("subject").cloned().unwrap_or(Value::Null),
                "body": mail.get("body").cloned().unwrap_or(Value::Null),
                "template": mail.get("template").cloned().unwrap_or(Value::Null),
                "recipient": mail.get("recipient").cloned().unwrap_or(Value::Null),
                "bcc": mail.get("bcc").cloned().unwrap_or(Value::Null),
                "_type": "V4/MailDetails"
            }) } else { Value::Null },
            "smsDetails": Value::Null, "whatsAppDetails": Value::Null, "_type": "V4/ChannelDetails"
        })
    } else {
        Value::Null
    };
    let card_options = &r["transactionOptions"]["cardOptions"];
    json!({
        "paymentOrderId": order.id, "paymentURL": payment_url, "paymentOrderStatus": order.status,
        "creationDate": order.creation_date, "updateDate": or_null(&order.update_date),
        "amount": r["amount"], "currency": r["currency"],
        "locale": r.get("locale").cloned().unwrap_or(json!("es_PE")),
        "strongAuthentication": r.get("strongAuthentication").cloned().unwrap_or(json!("AUTO")),
        "orderId": r.get("orderId").cloned().unwrap_or(Value::Null),
        "channelDetails": channel_details,
        "paymentReceiptEmail": r.get("paymentReceiptEmail").cloned().unwrap_or(Value::Null),
        "taxRate": r.get("taxRate").cloned().unwrap_or(Value::Null),
        "taxAmount": r.get("taxAmount").cloned().unwrap_or(Value::Null),
        "expirationDate": r.get("expirationDate").cloned().unwrap_or(Value::Null),
        "transactionDetails": {
            "cardDetails": {
                "manualValidation": card_options.get("manualValidation").cloned().unwrap_or(json!("NO")),
                "captureDelay": card_options.get("captureDelay").cloned().unwrap_or(json!(0)),
                "_type": "V4/CardDetails"
            },
            "_type": "V4/PaymentOrderTransactionDetails"
        },
        "dataCollectionForm": r.get("useDataCollectionForm").cloned().unwrap_or(json!(false)),
        "merchantComment": r.get("merchantComment").cloned().unwrap_or(Value::Null),
        "message": Value::Null,
        "_type": "V4/PaymentOrder"
    })
}

/// `V4/Token` of a stored token.
pub(crate) fn token_json(token: &Token) -> Value {
    let pan = token.card.pan;
    json!({
        "paymentMethodToken": token.token, "paymentMethodType": "CARD",
        "status": if token.cancellation_date.is_some() { "CANCELLED" } else { "ACTIVE" },
        "creationDate": token.creation_date, "cancellationDate": or_null(&token.cancellation_date),
        "customer": object_or_null(&token.customer),
        "tokenDetails": {
            "pan": format!("{}XXXXXX{}", &pan[..6], &pan[pan.len() - 4..]), "expiryMonth": 12,
            "expiryYear": 2030, "effectiveBrand": token.card.brand, "country": "PE", "_type": "V4/TokenDetails"
        },
        "_type": "V4/Token"
    })
}

/// `V4/Subscription` of a stored subscription.
pub(crate) fn subscription_json(subscription: &Subscription) -> Value {
    let r = &subscription.request;
    json!({
        "subscriptionId": subscription.id, "paymentMethodToken": r["paymentMethodToken"],
        "amount": r["amount"], "currency": r["currency"], "effectDate": r["effectDate"], "rrule": r["rrule"],
        "initialAmount": r.get("initialAmount").cloned().unwrap_or(Value::Null),
        "initialAmountNumber": r.get("initialAmountNumber").cloned().unwrap_or(Value::Null),
        "pastPaymentsNumber": 0, "totalPaymentsNumber": Value::Null,
        "cancelDate": or_null(&subscription.cancel_date),
        "description": r.get("description").cloned().unwrap_or(Value::Null),
        "metadata": r.get("metadata").cloned().unwrap_or(Value::Null),
        "_type": "V4/Subscription"
    })
}

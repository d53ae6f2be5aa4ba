//! The spec's answer objects (`V4/Transaction`, `V4/Payment`, `V4/PaymentOrder`, `V4/Token`,
//! `V4/Subscription`) rendered from the stored state.
//!
//! The small answers are built from the generated types (`pasarela::lyra::types`), so a change
//! of the spec shows up here as a compile error. The large ones are `json!` literals: the
//! sandbox writes `null` for absent fields, which the generated types would leave out.

use pasarela::lyra::types;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::lyra::model::{Authentication, PaymentOrder, Subscription, Token, Tx};
use crate::util::now_iso;

/// A generated answer type as JSON.
pub(crate) fn typed(answer: impl Serialize) -> Value {
    serde_json::to_value(answer).expect("the generated types serialise")
}

/// `V4/Charge/PaymentForm` of a new formToken.
pub(crate) fn payment_form(form_token: String) -> Value {
    typed(types::PaymentForm {
        form_token,
        type_: types::PaymentFormType::V4ChargePaymentForm,
    })
}

/// A `responseCode` and its `responseCodeDetail`.
pub(crate) type ResponseCode = (i32, &'static str);
/// `responseCode` 0.
pub(crate) const ACTION_COMPLETED: ResponseCode = (0, "Action successfully completed");
/// `responseCode` 30.
pub(crate) const TOKEN_NOT_FOUND: ResponseCode = (30, "token not found");
/// `responseCode` 32.
pub(crate) const SUBSCRIPTION_NOT_FOUND: ResponseCode = (32, "subscription not found");

/// `V4/Common/ResponseCodeAnswer`.
pub(crate) fn response_code((code, detail): ResponseCode) -> Value {
    typed(types::ResponseCodeAnswer {
        response_code: Some(code),
        response_code_detail: Some(detail.to_owned()),
        type_: types::ResponseCodeAnswerType::V4CommonResponseCodeAnswer,
    })
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

/// `V4/AuthenticationResponseData` of a frictionless 3-D Secure 2 authentication in the TEST
/// mode (`simulation: true`), with the `AuthenticationResultExtensionThreedsV2` fields real
/// answers carry (openfun/joanie@8ed31b8, `src/backend/joanie/tests/payment/lyra/requests/`).
fn authentication_json(auth: &Authentication, brand: &str) -> Value {
    json!({
        "id": auth.three_ds_server_trans_id, "operationSessionId": Value::Null,
        "protocol": {
            "name": "THREEDS", "version": "2.2.0", "network": brand,
            "challengePreference": "NO_PREFERENCE", "simulation": true,
            "_type": "V4/Charge/Authenticate/Protocol"
        },
        "value": {
            "authenticationType": "FRICTIONLESS",
            "authenticationId": {
                "authenticationIdType": "dsTransId", "value": auth.ds_trans_id,
                "_type": "V4/Charge/Authenticate/AuthenticationId"
            },
            "authenticationValue": {
                "authenticationValueType": "CAVV", "value": auth.cavv,
                "_type": "V4/Charge/Authenticate/AuthenticationValue"
            },
            "status": "SUCCESS", "commerceIndicator": "05",
            "extension": {
                "authenticationType": "THREEDS_V2", "challengeCancelationIndicator": Value::Null,
                "cbScore": Value::Null, "cbAvalgo": Value::Null, "cbExemption": Value::Null,
                "paymentUseCase": Value::Null,
                "threeDSServerTransID": auth.three_ds_server_trans_id,
                "dsTransID": auth.ds_trans_id, "acsTransID": auth.acs_trans_id,
                "sdkTransID": Value::Null, "transStatusReason": Value::Null,
                "requestedExemption": Value::Null, "requestorName": "pasarela sandbox",
                "cardHolderInfo": Value::Null, "dataOnlyStatus": Value::Null,
                "dataOnlyDecision": Value::Null, "dataOnlyScore": Value::Null,
                "_type": "V4/Charge/Authenticate/AuthenticationResultExtensionThreedsV2"
            },
            "reason": Value::Null,
            "_type": "V4/Charge/Authenticate/AuthenticationResult"
        },
        "_type": "V4/AuthenticationResponseData"
    })
}

/// `cardDetails` of a transaction (also the base of `paymentMethodDetails`).
fn card_details_json(tx: &Tx) -> Value {
    json!({
        "paymentSource": "EC", "manualValidation": if tx.manual_validation { "YES" } else { "NO" },
        "expectedCaptureDate": tx.creation_date, "effectiveBrand": tx.card.brand, "pan": tx.card.masked_pan(),
        "expiryMonth": 12, "expiryYear": 2030, "country": "PE", "issuerCode": Value::Null,
        "issuerName": "Sandbox Bank", "effectiveProductCode": Value::Null,
        "legacyTransId": Value::Null, "legacyTransDate": Value::Null,
        "paymentMethodSource": if tx.authentication.is_some() { "NEW" } else { "TOKEN" },
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
        "authenticationResponse": tx.authentication.as_ref()
            .map_or(Value::Null, |a| authentication_json(a, tx.card.brand)),
        "installmentNumber": Value::Null, "installmentCode": Value::Null,
        "cardHolderName": Value::Null, "cardHolderPan": tx.card.masked_pan(),
        "cardHolderExpiryMonth": 12, "cardHolderExpiryYear": 2030,
        "identityDocumentNumber": Value::Null, "identityDocumentType": Value::Null,
        "initialIssuerTransactionIdentifier": or_null(&tx.initial_issuer_transaction_identifier),
        "productCategory": "CREDIT", "nature": "CONSUMER_CARD",
        "_type": "V4/PaymentMethod/Details/CardDetails"
    })
}

/// `paymentMethodDetails` (answers since 2022): `cardDetails` with `id` (the masked number)
/// instead of `pan`, and without the card-only `productCategory`/`nature`.
fn payment_method_details_json(card_details: &Value) -> Value {
    let mut details = card_details.clone();
    if let Value::Object(map) = &mut details {
        let pan = map.remove("pan").unwrap_or(Value::Null);
        map.remove("productCategory");
        map.remove("nature");
        map.insert("id".to_owned(), pan);
        map.insert(
            "_type".to_owned(),
            json!("V4/PaymentMethod/Details/PaymentMethodDetails"),
        );
    }
    details
}

/// A transaction as `V4/PaymentTransaction` (inside a payment) or `V4/Transaction`.
pub(crate) fn transaction_json(tx: &Tx, shop_id: &str, with_order_details: bool) -> Value {
    let (error_code, error_message, detailed_code) = match tx.error {
        Some((c, m, d)) => (json!(c), json!(m), json!(d)),
        None => (Value::Null, Value::Null, Value::Null),
    };
    let authenticated = tx.authentication.is_some();
    let card_details = card_details_json(tx);
    let mut value = json!({
        "shopId": shop_id, "uuid": tx.uuid, "amount": tx.amount, "currency": tx.currency,
        "paymentMethodType": "CARD", "paymentMethodToken": or_null(&tx.payment_method_token),
        "status": tx.status, "detailedStatus": tx.detailed_status, "operationType": tx.operation_type,
        "effectiveStrongAuthentication": if authenticated { "ENABLED" } else { "DISABLED" },
        "creationDate": tx.creation_date,
        "errorCode": error_code, "errorMessage": error_message, "detailedErrorCode": detailed_code,
        "detailedErrorMessage": Value::Null, "metadata": object_or_null(&tx.metadata),
        "transactionDetails": {
            "liabilityShift": if authenticated { "YES" } else { "NO" },
            "effectiveAmount": tx.amount, "effectiveCurrency": tx.currency,
            "creationContext": if tx.operation_type == "CREDIT" { "REFUND" } else { "CHARGE" },
            "paymentMethodDetails": payment_method_details_json(&card_details),
            "cardDetails": card_details,
            "acquirerDetails": Value::Null,
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

/// An order's `orderStatus` from all its transactions: PAID when a debit is paid, RUNNING while
/// one runs, else UNPAID (the dashboard shows the same, from the same function).
pub(crate) fn order_status<'a>(order: impl IntoIterator<Item = &'a Tx>) -> &'static str {
    let (mut paid, mut running) = (false, false);
    for t in order.into_iter().filter(|t| t.operation_type != "CREDIT") {
        paid |= t.status == "PAID";
        running |= t.status == "RUNNING";
    }
    if paid {
        "PAID"
    } else if running {
        "RUNNING"
    } else {
        "UNPAID"
    }
}

/// The `V4/Payment` (kr-answer) of an order after a change of `latest`.
pub(crate) fn payment_json(latest: &Tx, order: &[&Tx], shop_id: &str) -> Value {
    let debits: Vec<&&Tx> = order
        .iter()
        .filter(|t| t.operation_type != "CREDIT")
        .collect();
    let running = debits.iter().any(|t| t.status == "RUNNING");
    let order_status = order_status(order.iter().copied());
    let order_cycle = if running { "OPEN" } else { "CLOSED" };
    let effective: i64 = debits
        .iter()
        .filter(|t| t.status == "PAID")
        .map(|t| t.amount - t.refunded)
        // Saturating: several huge (but valid int64) payments of one order must not panic.
        .fold(0, i64::saturating_add);
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
                "subject": mail["subject"],
                "body": mail["body"],
                "template": mail["template"],
                "recipient": mail["recipient"],
                "bcc": mail["bcc"],
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
        "orderId": r["orderId"],
        "channelDetails": channel_details,
        "paymentReceiptEmail": r["paymentReceiptEmail"],
        "taxRate": r["taxRate"],
        "taxAmount": r["taxAmount"],
        "expirationDate": r["expirationDate"],
        "transactionDetails": {
            "cardDetails": {
                "manualValidation": card_options.get("manualValidation").cloned().unwrap_or(json!("NO")),
                "captureDelay": card_options.get("captureDelay").cloned().unwrap_or(json!(0)),
                "_type": "V4/CardDetails"
            },
            "_type": "V4/PaymentOrderTransactionDetails"
        },
        "dataCollectionForm": r.get("useDataCollectionForm").cloned().unwrap_or(json!(false)),
        "merchantComment": r["merchantComment"],
        "message": Value::Null,
        "_type": "V4/PaymentOrder"
    })
}

/// `V4/Token` of a stored token.
pub(crate) fn token_json(token: &Token) -> Value {
    json!({
        "paymentMethodToken": token.token, "paymentMethodType": "CARD",
        "status": if token.cancellation_date.is_some() { "CANCELLED" } else { "ACTIVE" },
        "creationDate": token.creation_date, "cancellationDate": or_null(&token.cancellation_date),
        "customer": object_or_null(&token.customer),
        "tokenDetails": {
            "pan": token.card.masked_pan(), "expiryMonth": 12,
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
        "initialAmount": r["initialAmount"],
        "initialAmountNumber": r["initialAmountNumber"],
        "pastPaymentsNumber": 0, "totalPaymentsNumber": Value::Null,
        "cancelDate": or_null(&subscription.cancel_date),
        "description": r["description"],
        "metadata": r["metadata"],
        "_type": "V4/Subscription"
    })
}

//! Open enums for the values Lyra owns and may extend without notice.
//!
//! The generated types use these (via `with_replacement` in `build.rs`) instead of closed
//! enums: a value this crate has never seen decodes to `Unknown(String)` holding exactly what
//! the gateway sent, and re-encodes to the same string. A new order status must never make a
//! payment notification fail to decode.

/// Defines an open string enum: known variants plus `Unknown(String)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know, kept exactly as received.
            Unknown(String),
        }

        impl $name {
            /// Every value this crate knows, in documentation order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other.as_str(),
                }
            }

            /// True for a value this crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Unknown(value),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(value.into())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok(value.into())
                    }
                    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<$name, E> {
                        Ok(value.into())
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }
            fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
                // Open: any string is accepted; the known values are documented, not enforced.
                schemars::schema::SchemaObject {
                    instance_type: Some(schemars::schema::InstanceType::String.into()),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

open_enum! {
    /// `orderStatus` of a V4/Payment. Only `Paid` means the order was accepted
    /// (<https://docs.lyra.com/es/rest/V4.0/kb/payment_done.html>, step III; statuses: <https://docs.lyra.com/en/rest/V4.0/api/kb/status_reference.html>).
    OrderStatus {
        /// The order is paid.
        Paid = "PAID",
        /// The order is not paid (refused, cancelled, expired…).
        Unpaid = "UNPAID",
        /// A payment is still in progress (e.g. waiting for validation or authorisation).
        Running = "RUNNING",
        /// The shopper abandoned the payment; official plugins ignore such IPNs.
        Abandoned = "ABANDONED",
        /// Only seen in community code (UNCONFIRMED).
        PartiallyPaid = "PARTIALLY_PAID",
    }
}

open_enum! {
    /// `orderCycle` of a V4/Payment: `Closed` means no further change is expected.
    OrderCycle {
        /// More transactions or state changes may follow.
        Open = "OPEN",
        /// The order is final.
        Closed = "CLOSED",
    }
}

open_enum! {
    /// `_type` of a transaction object.
    TransactionTypeName {
        /// Inside a `V4/Payment` (kr-answer, SILENT answer).
        PaymentTransaction = "V4/PaymentTransaction",
        /// Answered by Transaction/* and Order/Get.
        Transaction = "V4/Transaction",
    }
}

open_enum! {
    /// `status` of a transaction.
    TransactionStatus {
        /// Accepted (authorised, captured or accepted verification).
        Paid = "PAID",
        /// Waiting for something (manual validation, authorisation…).
        Running = "RUNNING",
        /// Refused, cancelled, expired or in error.
        Unpaid = "UNPAID",
        /// Partially paid (seen in multi-payment flows; UNCONFIRMED).
        PartiallyPaid = "PARTIALLY_PAID",
        /// The shopper abandoned the payment (Lyra's status reference,
        /// <https://docs.lyra.com/en/rest/V4.0/api/kb/status_reference.html>).
        Abandoned = "ABANDONED",
    }
}

open_enum! {
    /// `detailedStatus` of a transaction (Lyra's status reference).
    DetailedStatus {
        /// Verification transaction accepted (never captured).
        Accepted = "ACCEPTED",
        /// Authorised, waiting for automatic capture.
        Authorised = "AUTHORISED",
        /// Captured: final.
        Captured = "CAPTURED",
        /// Partially authorised.
        PartiallyAuthorised = "PARTIALLY_AUTHORISED",
        /// Authorised, must be validated manually before it expires.
        AuthorisedToValidate = "AUTHORISED_TO_VALIDATE",
        /// Authorisation will be requested later (deferred capture).
        WaitingAuthorisation = "WAITING_AUTHORISATION",
        /// Authorisation will be requested later, then manual validation.
        WaitingAuthorisationToValidate = "WAITING_AUTHORISATION_TO_VALIDATE",
        /// Under verification by the acquirer.
        UnderVerification = "UNDER_VERIFICATION",
        /// Initial state of some payment methods.
        Initial = "INITIAL",
        /// Waiting for the shopper's payment (cash, transfer…).
        WaitingForPayment = "WAITING_FOR_PAYMENT",
        /// Pre-authorised.
        PreAuthorised = "PRE_AUTHORISED",
        /// Capture requested, pending.
        CapturePending = "CAPTURE_PENDING",
        /// Pending.
        Pending = "PENDING",
        /// Suspended.
        Suspended = "SUSPENDED",
        /// Refund to be retried.
        RefundToRetry = "REFUND_TO_RETRY",
        /// Refused by the issuer or the risk rules.
        Refused = "REFUSED",
        /// Technical error.
        Error = "ERROR",
        /// Cancelled.
        Cancelled = "CANCELLED",
        /// Expired before capture or validation.
        Expired = "EXPIRED",
        /// Capture failed.
        CaptureFailed = "CAPTURE_FAILED",
        /// Abandoned by the shopper.
        Abandoned = "ABANDONED",
        /// Not created.
        NotCreated = "NOT_CREATED",
    }
}

open_enum! {
    /// `operationType` of a transaction.
    OperationType {
        /// A payment.
        Debit = "DEBIT",
        /// A refund: always a new transaction.
        Credit = "CREDIT",
        /// A zero-amount card verification (token creation or update).
        Verification = "VERIFICATION",
    }
}

open_enum! {
    /// `paymentMethodType` of a transaction or token.
    PaymentMethodType {
        /// A payment card.
        Card = "CARD",
        /// PagoEfectivo (Peru).
        PagoEfectivo = "PAGOEFECTIVO",
        /// Yape (Peru).
        Yape = "YAPE",
        /// PayPal.
        Paypal = "PAYPAL",
        /// SEPA or bank transfer.
        Transfer = "TRANSFER",
        /// Instant bank transfer (a 2024 IPN, aznoqmous/contao-lyra-bundle@3a5a850).
        IpWire = "IP_WIRE",
        /// A SEPA Direct Debit mandate, in buyer wallets
        /// (<https://docs.lyra.com/en-EN/rest/V4.0/api/playground/answer/CustomerWallet>).
        Sdd = "SDD",
    }
}

open_enum! {
    /// `effectiveBrand` of a card.
    CardBrand {
        /// Visa.
        Visa = "VISA",
        /// Visa Electron.
        VisaElectron = "VISA_ELECTRON",
        /// Mastercard.
        Mastercard = "MASTERCARD",
        /// Maestro.
        Maestro = "MAESTRO",
        /// American Express.
        Amex = "AMEX",
        /// Diners Club.
        Diners = "DINERS",
        /// Discover.
        Discover = "DISCOVER",
        /// Cartes Bancaires (France).
        Cb = "CB",
        /// JCB.
        Jcb = "JCB",
        /// Elo (Brazil).
        Elo = "ELO",
        /// Instant bank transfer (not a card; seen in a 2024 IPN,
        /// aznoqmous/contao-lyra-bundle@3a5a850 `src/Resources/contao/config/config.php`).
        IpWire = "IP_WIRE",
    }
}

open_enum! {
    /// `paymentOrderStatus` of a payment order. Only `RUNNING` is confirmed; the other strings
    /// are inferred from the error catalogue (UNCONFIRMED).
    PaymentOrderStatus {
        /// Open: the shopper can still pay; only running orders can be updated.
        Running = "RUNNING",
        /// Paid (UNCONFIRMED string).
        Paid = "PAID",
        /// Expired (UNCONFIRMED string).
        Expired = "EXPIRED",
        /// Cancelled (UNCONFIRMED string).
        Cancelled = "CANCELLED",
        /// Refused (UNCONFIRMED string).
        Refused = "REFUSED",
    }
}

open_enum! {
    /// `status` of a payment-method token. Only `ACTIVE` is confirmed.
    TokenStatus {
        /// Usable.
        Active = "ACTIVE",
        /// Cancelled (UNCONFIRMED string).
        Cancelled = "CANCELLED",
        /// Expired (UNCONFIRMED string).
        Expired = "EXPIRED",
    }
}

open_enum! {
    /// `mode`: which key set the shop used.
    Mode {
        /// TEST keys: no real money moves.
        Test = "TEST",
        /// PRODUCTION keys.
        Production = "PRODUCTION",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_round_trip_exactly() {
        let v: OrderStatus = serde_json::from_str("\"SOMETHING_NEW\"").unwrap();
        assert_eq!(v, OrderStatus::Unknown("SOMETHING_NEW".into()));
        assert!(v.is_unknown());
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"SOMETHING_NEW\"");
    }

    #[test]
    fn known_values_decode_to_their_variant() {
        for wire in DetailedStatus::KNOWN {
            let v = DetailedStatus::from(*wire);
            assert!(!v.is_unknown(), "{wire}");
            assert_eq!(v.as_str(), *wire);
        }
        assert_eq!(OrderStatus::from("PAID"), OrderStatus::Paid);
    }

    #[test]
    fn non_strings_are_a_decode_error() {
        assert!(serde_json::from_str::<OrderStatus>("42").is_err());
    }
}

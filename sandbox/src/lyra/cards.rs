//! The documented test cards of the sandbox's payment page, and what paying with each does.
//!
//! Public: merchants' tests pick a card by its outcome.

/// A test card of the sandbox's payment page, and what paying with it does. Its `Debug`
/// shows the number masked, as the gateway does: the transactions and tokens that refer to a
/// card never print it whole.
#[derive(Clone, Copy, PartialEq, Eq)]
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

impl std::fmt::Debug for TestCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCard")
            .field("pan", &self.masked_pan())
            .field("brand", &self.brand)
            .field("outcome", &self.outcome)
            .field("label", &self.label)
            .finish()
    }
}

impl TestCard {
    /// The number as the gateway shows it: `497010XXXXXX0003`.
    pub(crate) fn masked_pan(&self) -> String {
        pasarela::lyra::card_data::mask_pan(self.pan)
    }

    /// The first 6 digits (the BIN).
    pub(crate) fn bin(&self) -> &'static str {
        &self.pan[..6]
    }

    /// The first documented card with this outcome.
    pub(crate) fn with_outcome(outcome: CardOutcome) -> Option<&'static TestCard> {
        TEST_CARDS.iter().find(|c| c.outcome == outcome)
    }
}

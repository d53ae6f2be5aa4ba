//! Amounts in minor units and the decimals of each currency.
//!
//! Both gateways take integer amounts in the currency's smallest unit: PEN 10000 is
//! S/ 100.00, CLP 5000 is $5.000 (no decimals), KWD 1000 is 1.000 KWD. Money is never a float
//! here: formatting and parsing go through integers only.

/// ISO 4217 alpha-3 codes with their number of decimals, from the Lyra currency tables
/// (ARS, BRL, CLP, COP, PEN, USD… and the European ones). IDR follows ISO (2) although a Lyra
/// plugin says 0.
#[rustfmt::skip]
pub const CURRENCIES: &[(&str, u8)] = &[
    ("ARS", 2), ("AUD", 2), ("BRL", 2), ("CAD", 2), ("CHF", 2), ("CLP", 0), ("CNY", 2),
    ("COP", 2), ("CRC", 2), ("CZK", 2), ("DKK", 2), ("EUR", 2), ("GBP", 2), ("GTQ", 2),
    ("HKD", 2), ("HNL", 2), ("IDR", 2), ("INR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3),
    ("MXN", 2), ("MYR", 2), ("NIO", 2), ("NOK", 2), ("NZD", 2), ("PEN", 2), ("PHP", 2),
    ("PLN", 2), ("RON", 2), ("RUB", 2), ("SEK", 2), ("SGD", 2), ("SVC", 2), ("THB", 2),
    ("TRY", 2), ("TWD", 2), ("USD", 2), ("UYU", 2), ("XOF", 0), ("XPF", 0), ("ZAR", 2),
];

/// The number of decimals of a currency, or `None` for a code not in [`CURRENCIES`].
///
/// ```
/// assert_eq!(pasarela::money::decimals("PEN"), Some(2));
/// assert_eq!(pasarela::money::decimals("CLP"), Some(0));
/// assert_eq!(pasarela::money::decimals("KWD"), Some(3));
/// ```
pub fn decimals(currency: &str) -> Option<u8> {
    CURRENCIES
        .iter()
        .find(|(code, _)| *code == currency)
        .map(|(_, d)| *d)
}

/// Formats an amount in minor units with its decimals, e.g. `10050 PEN` → `"100.50"`,
/// `5000 CLP` → `"5000"`. `None` for an unknown currency.
///
/// ```
/// assert_eq!(pasarela::money::format_minor(10050, "PEN").as_deref(), Some("100.50"));
/// assert_eq!(pasarela::money::format_minor(-5, "USD").as_deref(), Some("-0.05"));
/// assert_eq!(pasarela::money::format_minor(5000, "CLP").as_deref(), Some("5000"));
/// ```
pub fn format_minor(amount: i64, currency: &str) -> Option<String> {
    let decimals = u32::from(decimals(currency)?);
    if decimals == 0 {
        return Some(amount.to_string());
    }
    let unit = 10u64.pow(decimals);
    let sign = if amount < 0 { "-" } else { "" };
    let magnitude = amount.unsigned_abs();
    Some(format!(
        "{sign}{}.{:0width$}",
        magnitude / unit,
        magnitude % unit,
        width = decimals as usize
    ))
}

/// Why a decimal amount could not be turned into minor units.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// The currency is not in [`CURRENCIES`].
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
    /// Not a plain decimal number (`123`, `123.4`, `123.45`).
    #[error("not a decimal amount: {0:?}")]
    Malformed(String),
    /// More decimals than the currency has (e.g. `1.234` PEN, `10.5` CLP).
    #[error("{currency} has {decimals} decimals; {text:?} has more")]
    TooPrecise {
        /// The currency.
        currency: String,
        /// Its decimals.
        decimals: u8,
        /// The input.
        text: String,
    },
    /// Too large for 64 bits.
    #[error("amount {0:?} is too large")]
    Overflow(String),
}

/// Parses a decimal amount (`"100.5"`) into minor units (`10050` for PEN), refusing more
/// decimals than the currency has. No floats are involved.
///
/// ```
/// use pasarela::money::to_minor;
/// assert_eq!(to_minor("100.5", "PEN"), Ok(10050));
/// assert_eq!(to_minor("5000", "CLP"), Ok(5000));
/// assert!(to_minor("10.5", "CLP").is_err());
/// ```
///
/// # Errors
/// See [`AmountError`].
pub fn to_minor(text: &str, currency: &str) -> Result<u64, AmountError> {
    let decimals =
        decimals(currency).ok_or_else(|| AmountError::UnknownCurrency(currency.to_owned()))?;
    let (units, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(units) || (text.contains('.') && !digits(fraction)) {
        return Err(AmountError::Malformed(text.to_owned()));
    }
    if fraction.len() > usize::from(decimals) {
        return Err(AmountError::TooPrecise {
            currency: currency.to_owned(),
            decimals,
            text: text.to_owned(),
        });
    }
    let overflow = || AmountError::Overflow(text.to_owned());
    let mut value: u64 = units.parse().map_err(|_| overflow())?;
    for i in 0..usize::from(decimals) {
        let digit = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |b| u64::from(b - b'0'));
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit))
            .ok_or_else(overflow)?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for (amount, currency) in [
            (0, "PEN"),
            (1, "PEN"),
            (10000, "PEN"),
            (180, "PEN"),
            (5000, "CLP"),
            (1001, "KWD"),
        ] {
            let text = format_minor(amount, currency).unwrap();
            assert_eq!(
                to_minor(&text, currency),
                Ok(amount as u64),
                "{text} {currency}"
            );
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            to_minor("1", "XXX"),
            Err(AmountError::UnknownCurrency("XXX".into()))
        );
        for bad in ["", ".", "1.", ".5", "1,50", "-1", "1e3", "1.2.3", " 1"] {
            assert!(
                matches!(to_minor(bad, "PEN"), Err(AmountError::Malformed(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            to_minor("1.234", "PEN"),
            Err(AmountError::TooPrecise { .. })
        ));
        assert!(matches!(
            to_minor("99999999999999999999", "PEN"),
            Err(AmountError::Overflow(_))
        ));
        assert_eq!(format_minor(1, "XXX"), None);
    }

    #[test]
    fn the_table_has_unique_codes() {
        let mut codes: Vec<_> = CURRENCIES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CURRENCIES.len());
    }
}

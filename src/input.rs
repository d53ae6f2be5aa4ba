//! The one input cap shared by every notification verifier: Lyra's
//! [`verify`](crate::lyra::notification::verify), ETpay's
//! [`jwt_from_body`](crate::etpay::notification::jwt_from_body) and
//! [`jwt_from_input`](crate::etpay::notification::jwt_from_input), and the CLI's
//! `pasarela verify lyra|etpay`, which read their input with [`read_capped`].
//!
//! A real notification is a few kilobytes (a Lyra IPN with one transaction is about 6 KB, an
//! ETpay webhook under 2 KB), so anything past [`MAX_INPUT_BYTES`] is refused before parsing,
//! and a reader that never ends (a pipe from `/dev/zero`) costs at most that much memory.

use std::io::Read;

/// The largest notification body, redirect URL or JWT any verifier reads: 1 MiB.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// An input longer than the cap: reading stopped at `max + 1` bytes.
#[derive(Debug)]
pub enum ReadCappedError {
    /// More than `max` bytes were offered.
    TooLarge {
        /// The cap.
        max: usize,
    },
    /// The reader failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadCappedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadCappedError::TooLarge { max } => {
                write!(f, "the input is larger than {max} bytes")
            }
            ReadCappedError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadCappedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadCappedError::TooLarge { .. } => None,
            ReadCappedError::Io(e) => Some(e),
        }
    }
}

/// Reads at most `max` bytes; one byte more is [`ReadCappedError::TooLarge`]. Never reads more
/// than `max + 1` bytes, whatever the reader holds.
///
/// ```
/// use pasarela::input::{read_capped, ReadCappedError};
/// assert_eq!(read_capped(&b"abc"[..], 3).unwrap(), b"abc");
/// assert!(matches!(read_capped(std::io::repeat(0), 3), Err(ReadCappedError::TooLarge { max: 3 })));
/// ```
pub fn read_capped(reader: impl Read, max: usize) -> Result<Vec<u8>, ReadCappedError> {
    let mut input = Vec::new();
    reader
        .take(max as u64 + 1)
        .read_to_end(&mut input)
        .map_err(ReadCappedError::Io)?;
    if input.len() > max {
        return Err(ReadCappedError::TooLarge { max });
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_reader_stops_one_byte_past_the_cap() {
        // `/dev/zero` as a reader: without the cap this would never return.
        let err = read_capped(std::io::repeat(0), MAX_INPUT_BYTES).unwrap_err();
        assert!(matches!(err, ReadCappedError::TooLarge { max } if max == MAX_INPUT_BYTES));
    }

    #[test]
    fn exactly_the_cap_is_accepted() {
        let input = vec![b'a'; MAX_INPUT_BYTES];
        assert_eq!(
            read_capped(&input[..], MAX_INPUT_BYTES).unwrap().len(),
            MAX_INPUT_BYTES
        );
    }
}

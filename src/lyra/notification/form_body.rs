//! `application/x-www-form-urlencoded` decoding and encoding of the posted result.
//!
//! Decoding is done by hand (not with `form_urlencoded::parse`) because that parser replaces
//! invalid UTF-8 with U+FFFD: the hash must cover exactly what was posted, so a field that is
//! not UTF-8 is an error rather than a silently different string.

use super::error::NotificationError;

/// Longest field name quoted back in an error.
const MAX_NAME_IN_ERROR: usize = 40;

/// Splits the body into `(name, value)` pairs, URL-decoded (`+` is a space, `%XX` a byte;
/// a `%` not followed by two hex digits is kept literally, as PHP and browsers do).
pub(super) fn parse(body: &[u8]) -> Result<Vec<(String, String)>, NotificationError> {
    let mut fields = Vec::new();
    for pair in body.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(eq) => (&pair[..eq], &pair[eq + 1..]),
            None => (pair, &[][..]),
        };
        let name_bytes = percent_decode(name);
        let name = match String::from_utf8(name_bytes) {
            Ok(name) => name,
            Err(e) => return Err(invalid_utf8(&String::from_utf8_lossy(e.as_bytes()))),
        };
        let value = String::from_utf8(percent_decode(value)).map_err(|_| invalid_utf8(&name))?;
        fields.push((name, value));
    }
    Ok(fields)
}

fn invalid_utf8(name: &str) -> NotificationError {
    NotificationError::InvalidUtf8 {
        field: name.chars().take(MAX_NAME_IN_ERROR).collect(),
    }
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => {
                match (hex_value(input[i + 1]), hex_value(input[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Encodes pairs as a form body (the encoding browsers and PHP's `http_build_query` use).
pub(super) fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent_escapes() {
        let fields = parse(b"a=x+y%2Fz&b=%7B%22k%22%3A1%7D&c").unwrap();
        assert_eq!(
            fields,
            vec![
                ("a".into(), "x y/z".into()),
                ("b".into(), "{\"k\":1}".into()),
                ("c".into(), String::new()),
            ]
        );
    }

    #[test]
    fn keeps_invalid_escapes_literally() {
        let fields = parse(b"a=%zz%4&b=%").unwrap();
        assert_eq!(fields[0].1, "%zz%4");
        assert_eq!(fields[1].1, "%");
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert_eq!(
            parse(b"kr-answer=%FF").unwrap_err(),
            NotificationError::InvalidUtf8 {
                field: "kr-answer".into()
            }
        );
    }

    #[test]
    fn encode_then_parse_round_trips() {
        let value = "{\"a\":\"b c&d=e/f\\/g%+é\"}";
        let body = encode([("kr-answer", value)]);
        assert_eq!(
            parse(&body).unwrap(),
            vec![("kr-answer".to_owned(), value.to_owned())]
        );
    }
}

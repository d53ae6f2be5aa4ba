//! The one check of every URL the sandbox receives (Lyra's `ipnTargetUrl` and
//! `kr-post-url-*`, ETpay's return and webhook URLs), and the one way it shows a URL (logs,
//! `/sandbox/notifications`, answers): credentials redacted, length capped.
//!
//! A URL is checked when it is first received, so nothing downstream (the notification client,
//! an auto-submitting form's `action`, a `Location` header) ever sees `javascript:`, `file:`,
//! CR/LF or a URL too long to log.

use std::fmt;

/// The longest URL the sandbox accepts (browsers and servers commonly cap URLs near 2–8 KiB).
pub(crate) const MAX_URL_BYTES: usize = 4096;

/// How much of a URL a log line or a listing shows.
pub(crate) const SHOWN_URL_CHARS: usize = 256;

/// Why a URL was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UrlProblem {
    /// Longer than [`MAX_URL_BYTES`].
    TooLong,
    /// A control character (CR, LF, NUL, TAB, DEL…) or a space.
    ControlCharacter,
    /// Not an absolute URL with a host.
    NotAUrl,
    /// A scheme other than `http` or `https` (`javascript:`, `file:`, `ftp:`, `gopher:`…).
    Scheme,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlProblem::TooLong => "longer than 4096 bytes",
            UrlProblem::ControlCharacter => "contains a control character or a space",
            UrlProblem::NotAUrl => "not an absolute URL with a host",
            UrlProblem::Scheme => "only http and https URLs are accepted",
        })
    }
}

/// Checks a URL the sandbox will call, redirect to or put in a form's `action`: http(s) only,
/// a host, no control characters or spaces (checked on the raw text: URL parsers silently drop
/// tabs and newlines), at most [`MAX_URL_BYTES`].
pub(crate) fn check_url(url: &str) -> Result<(), UrlProblem> {
    if url.len() > MAX_URL_BYTES {
        return Err(UrlProblem::TooLong);
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(UrlProblem::ControlCharacter);
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| UrlProblem::NotAUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlProblem::Scheme);
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(UrlProblem::NotAUrl);
    }
    Ok(())
}

/// A URL as the sandbox shows it: `user:password@` replaced by `***@`, control characters
/// dropped, and cut to 256 characters (with `…`). Public so that tools printing sandbox URLs
/// (the `pasarela` command) redact them the same way.
pub fn shown_url(url: &str) -> String {
    let redacted = match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("***");
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Not parseable: still never print what could be credentials before an `@`.
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => url.to_owned(),
        },
    };
    let mut shown: String = redacted
        .chars()
        .filter(|c| !c.is_control())
        .take(SHOWN_URL_CHARS)
        .collect();
    if redacted.chars().count() > SHOWN_URL_CHARS {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_urls_pass() {
        for url in [
            "http://127.0.0.1:8080/ipn",
            "https://shop.example/return?a=1&b=2",
            "HTTPS://SHOP.EXAMPLE/x",
        ] {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn other_schemes_control_characters_and_non_urls_are_refused() {
        let cases = [
            ("javascript:alert(1)", UrlProblem::Scheme),
            ("JavaScript:alert(document.domain)", UrlProblem::Scheme),
            ("file:///etc/passwd", UrlProblem::Scheme),
            ("gopher://127.0.0.1:25/x", UrlProblem::Scheme),
            ("ftp://example.com/", UrlProblem::Scheme),
            ("data:text/html,<script>x</script>", UrlProblem::Scheme),
            (
                "http://shop.example/\r\nSet-Cookie: a=b",
                UrlProblem::ControlCharacter,
            ),
            ("http://shop.example/\nx", UrlProblem::ControlCharacter),
            ("http://shop.example/\tx", UrlProblem::ControlCharacter),
            ("http://shop.example/ x", UrlProblem::ControlCharacter),
            ("java\nscript:alert(1)", UrlProblem::ControlCharacter),
            ("not a url", UrlProblem::ControlCharacter),
            ("/relative/path", UrlProblem::NotAUrl),
            ("http://", UrlProblem::NotAUrl),
        ];
        for (url, problem) in cases {
            assert_eq!(check_url(url), Err(problem), "{url:?}");
        }
        let long = format!("http://shop.example/{}", "a".repeat(MAX_URL_BYTES));
        assert_eq!(check_url(&long), Err(UrlProblem::TooLong));
    }

    #[test]
    fn shown_urls_hide_credentials_and_are_capped() {
        let shown = shown_url("http://merchant:s3cret@127.0.0.1:9/ipn");
        assert!(
            !shown.contains("s3cret") && !shown.contains("merchant"),
            "{shown}"
        );
        assert!(shown.starts_with("http://***@127.0.0.1:9/ipn"), "{shown}");
        assert!(!shown_url("not a url: user:pw@host").contains("pw"));
        let long = shown_url(&format!("http://h/{}", "a".repeat(10_000)));
        assert_eq!(long.chars().count(), SHOWN_URL_CHARS + 1);
        assert_eq!(shown_url("http://h/ok"), "http://h/ok");
    }
}

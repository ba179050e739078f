//! Where a browser request comes from, and whether that page may make it.
//!
//! Browsers send `Origin` on every WebSocket handshake and every cross-site POST, and a page
//! cannot forge it. Checking it stops cross-site WebSocket hijacking of the agents' cookie-
//! authenticated socket, cross-site request forgery on the console's API, and storefronts the
//! shop did not list from opening visitor sockets. A request without `Origin` is not from a
//! browser page, so it carries no victim's cookies; it is let through.

use axum::http::{HeaderMap, header};

/// The request's `Origin`, unless it has none (or says "null", as sandboxed pages do).
pub fn of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
}

/// Whether the request comes from a page of this server itself.
pub fn is_same_site(headers: &HeaderMap) -> bool {
    let Some(origin) = of(headers) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    match (origin.split_once("://"), host) {
        (Some((_, origin_host)), Some(host)) => origin_host.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// Whether `origin` is on a site's list (space-separated; an entry may end in `:*`).
pub fn is_listed(origin: &str, allowed: &str) -> bool {
    allowed
        .split_whitespace()
        .any(|entry| match entry.strip_suffix(":*") {
            Some(prefix) => origin
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())),
            None => entry.eq_ignore_ascii_case(origin),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        headers
    }

    #[test]
    fn same_site_means_the_origin_names_this_host() {
        assert!(is_same_site(&headers(
            Some("http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        )));
        assert!(
            is_same_site(&headers(None, "127.0.0.1:8080")),
            "not a browser page"
        );
        assert!(!is_same_site(&headers(
            Some("https://evil.example"),
            "127.0.0.1:8080"
        )));
        assert!(!is_same_site(&headers(Some("null"), "127.0.0.1:8080")));
        assert!(!is_same_site(&headers(
            Some("http://127.0.0.1:9999"),
            "127.0.0.1:8080"
        )));
    }

    #[test]
    fn listed_origins_match_exactly_or_with_any_port() {
        let allowed = "https://tienda.example  http://127.0.0.1:*";
        assert!(is_listed("https://tienda.example", allowed));
        assert!(is_listed("http://127.0.0.1:43211", allowed));
        assert!(!is_listed("https://tienda.example.evil.com", allowed));
        assert!(!is_listed("http://127.0.0.1:", allowed));
        assert!(!is_listed("http://127.0.0.1:80x", allowed));
        assert!(!is_listed("http://127.0.0.10:80", allowed));
        assert!(!is_listed("https://other.example", allowed));
        assert!(!is_listed("https://tienda.example", ""));
    }
}

//! The storefront page a visitor is on, as the widget says it on its socket (`?page=`, the
//! address without its query or `#fragment`): agents see it in the queue and beside the
//! visitor. The browser sends no `Referer` with a WebSocket, so the widget has to say it.

use pronto_protocol::limits::MAX_PAGE_CHARS;

/// The page address in the socket's `query`, when it is a web address on `origin`, the
/// socket's `Origin` (which the site's allowed origins were checked against): anything else —
/// another site's page, a `javascript:` address, control characters, a socket with no
/// `Origin` (not a browser) — is dropped rather than shown to agents. A query or fragment is
/// left out (they may hold tokens or e-mail addresses); the rest is cut to
/// [`MAX_PAGE_CHARS`].
pub fn from_query(query: Option<&str>, origin: Option<&str>) -> Option<String> {
    let (_, page) = form_urlencoded::parse(query?.as_bytes()).find(|(key, _)| key == "page")?;
    let page = page.split(['?', '#']).next().unwrap_or_default();
    let web = page.starts_with("https://") || page.starts_with("http://");
    let on_origin = page
        .strip_prefix(origin?)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if !web || !on_origin || page.chars().any(char::is_control) {
        return None;
    }
    Some(page.chars().take(MAX_PAGE_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: Option<&str> = Some("https://tienda.example");

    #[test]
    fn the_page_is_read_off_the_query() {
        let page = |query| from_query(Some(query), SHOP);
        // Without its query: it may hold a token or an e-mail address.
        assert_eq!(
            page("lang=es&page=https%3A%2F%2Ftienda.example%2Fzapatillas%3Ftalla%3D38"),
            Some("https://tienda.example/zapatillas".into())
        );
        assert_eq!(
            page("page=https://tienda.example"),
            Some("https://tienda.example".into())
        );
        assert_eq!(page("lang=es"), None);
        assert_eq!(from_query(None, SHOP), None);
        // Without an Origin (not a browser), nothing vouches for the page.
        assert_eq!(
            from_query(Some("page=http%3A%2F%2F127.0.0.1%3A4173%2F"), None),
            None
        );
    }

    #[test]
    fn what_is_not_a_page_of_the_shop_is_dropped() {
        for query in [
            "page=javascript%3Aalert(1)",
            "page=https%3A%2F%2Fotra.example%2F",
            // Looks like the shop's origin, but is another host.
            "page=https%3A%2F%2Ftienda.example.evil.example%2F",
            "page=https%3A%2F%2Ftienda.example%2F%0Aok",
            "page=%2Fzapatillas",
        ] {
            assert_eq!(from_query(Some(query), SHOP), None, "{query}");
        }
    }

    #[test]
    fn a_long_address_is_cut() {
        let long = format!("page=https://tienda.example/{}", "ñ".repeat(600));
        let page = from_query(Some(&long), SHOP).unwrap();
        assert_eq!(page.chars().count(), MAX_PAGE_CHARS);
        assert!(page.starts_with("https://tienda.example/ñññ"));
    }
}

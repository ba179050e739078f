//! The storefront page a visitor is on, as agents see it in the queue and beside the chat: its
//! path, linked to the page itself (opened in a new tab), the whole address on hover.

use leptos::prelude::*;

use crate::strings;

/// "On /zapatillas/runner", linking to `address`.
pub fn visitor_page(address: String) -> impl IntoView {
    let path = strings::page_path(&address);
    view! {
        <span class="visitor-page">
            {strings::on_page()}
            " "
            <a href=address.clone() title=address target="_blank" rel="noopener noreferrer">
                {path}
            </a>
        </span>
    }
}

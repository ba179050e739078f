//! The built widget, console and demo storefront, served from the assets folder.
//!
//! `cargo xtask build` writes fingerprinted files under `assets/` (cached for a year) plus
//! `.br`/`.gz` copies that are served when the browser accepts them; the loader `pronto.js`
//! keeps its name, so it is cached briefly and shops pick up new releases within minutes.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const LOADER: &str = "public, max-age=300";
const PAGE: &str = "no-cache";
const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn router(dir: &Path) -> Router<AppState> {
    let cache = |value: &'static str| {
        SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(value))
    };
    let vary = SetResponseHeaderLayer::if_not_present(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    );
    // Storefronts live on other origins and load the widget's module and wasm with CORS.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD]);

    let fingerprinted = ServeDir::new(dir.join("assets"))
        .precompressed_br()
        .precompressed_gzip();
    let loader = ServeFile::new(dir.join("pronto.js"))
        .precompressed_br()
        .precompressed_gzip();

    let widget = Router::new()
        .nest_service("/assets", fingerprinted)
        .layer(cache(IMMUTABLE))
        .merge(
            Router::new()
                .route_service("/pronto.js", loader)
                .layer(cache(LOADER)),
        )
        .layer(cors)
        .layer(vary);

    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::overriding(
            axum::http::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    };
    // The console holds agents' sessions: nothing but its own files may run in it, and no
    // other site may frame it.
    let console = Router::new()
        .route_service(
            "/console",
            ServeFile::new(dir.join("console").join("index.html")),
        )
        .layer(header("content-security-policy", CONSOLE_CSP))
        .layer(header("x-frame-options", "DENY"))
        .layer(header("referrer-policy", "no-referrer"));
    let pages = Router::new()
        .route_service("/", ServeFile::new(dir.join("index.html")))
        // The theming showcase: three storefronts, each themed from its own page.
        .route_service(
            "/demo/theming",
            ServeFile::new(dir.join("demo").join("theming.html")),
        )
        .nest_service("/demo", ServeDir::new(dir.join("demo")))
        .merge(console)
        .layer(cache(PAGE));

    widget
        .merge(pages)
        .layer(header("x-content-type-options", "nosniff"))
}

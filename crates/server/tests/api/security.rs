//! Nobody in where they don't belong: origins, cross-site requests, the console's headers.

use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, ProtocolError};
use tokio_tungstenite::tungstenite;

use crate::helpers::{Socket, hello, spawn_app};

async fn visitor_from(
    app: &crate::helpers::TestApp,
    origin: &str,
) -> (Socket<VisitorToServer, ServerToVisitor>, ServerToVisitor) {
    let url = format!("ws://{}/ws/visitor", app.addr);
    let mut visitor = Socket::try_connect(&url, &[("origin", origin)])
        .await
        .unwrap();
    visitor.send(&hello(None)).await;
    let answer = visitor.next().await;
    (visitor, answer)
}

#[tokio::test]
async fn only_the_sites_storefronts_may_open_visitor_sockets() {
    let app = spawn_app().await;
    // The test configuration lists `http://127.0.0.1:*` for the demo shop.
    let (_, listed) = visitor_from(&app, "http://127.0.0.1:4173").await;
    assert!(
        matches!(listed, ServerToVisitor::Welcome { .. }),
        "{listed:?}"
    );
    let own = format!("http://{}", app.addr);
    let (_, same) = visitor_from(&app, &own).await;
    assert!(
        matches!(same, ServerToVisitor::Welcome { .. }),
        "the server's own demo page"
    );

    let (mut foreign, refused) = visitor_from(&app, "https://evil.example").await;
    assert_eq!(
        refused,
        ServerToVisitor::Error(ProtocolError::new(
            ErrorCode::OriginNotAllowed,
            "this site does not allow its chat on this page"
        ))
    );
    // And the socket is closed: nothing more can be done on it.
    let end = tokio::time::timeout(
        crate::helpers::PATIENCE,
        futures::StreamExt::next(&mut foreign.ws),
    )
    .await
    .unwrap();
    assert!(
        matches!(end, Some(Ok(tungstenite::Message::Close(_))) | None),
        "{end:?}"
    );
}

#[tokio::test]
async fn another_site_cannot_ride_on_an_agents_cookie() {
    let app = spawn_app().await;
    let cookie = app.sign_in().await;
    let url = format!("ws://{}/ws/agent", app.addr);

    let hijack = Socket::<AgentToServer, ServerToAgent>::try_connect(
        &url,
        &[
            ("cookie", cookie.as_str()),
            ("origin", "https://evil.example"),
        ],
    )
    .await;
    let Err(tungstenite::Error::Http(response)) = hijack else {
        panic!("a cross-site agent socket must be refused")
    };
    assert_eq!(response.status(), 403);

    let own = format!("http://{}", app.addr);
    let console = Socket::<AgentToServer, ServerToAgent>::try_connect(
        &url,
        &[("cookie", cookie.as_str()), ("origin", own.as_str())],
    )
    .await;
    assert!(console.is_ok(), "the console's own page connects");

    // Cross-site request forgery on the console's API.
    let client = reqwest::Client::new();
    let forged = client
        .post(app.url("/api/logout"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let body: ProtocolError = forged.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::OriginNotAllowed);
    let still = client
        .get(app.url("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200, "the forged logout changed nothing");
}

#[tokio::test]
async fn the_console_page_runs_only_its_own_code_and_cannot_be_framed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("console")).unwrap();
    std::fs::write(dir.path().join("console/index.html"), "<!doctype html>").unwrap();
    let app = crate::helpers::spawn_app_with_assets(dir.path()).await;
    let page = reqwest::get(app.url("/console")).await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains(" 'unsafe-eval'"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

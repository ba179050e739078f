//! `spawn_app()` and clients that speak the protocol, for the integration tests.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pronto_protocol::agent::{AgentToServer, LoginRequest, ServerToAgent};
use std::sync::atomic::{AtomicU64, Ordering};

use pronto_protocol::ids::{ClientMessageId, ConversationId, SiteId};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{PROTOCOL_VERSION, decode, encode};
use pronto_server::{Config, Running, Server, demo};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Long enough for a loaded CI machine; a test that waits this long has failed.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A running server with its own fresh database.
pub struct TestApp {
    pub addr: SocketAddr,
    running: Running,
    config: Config,
    _dir: Option<tempfile::TempDir>,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("pronto.db").display());
    let mut app = start(Config::for_tests(url, dir.path().join("assets")), None).await;
    app._dir = Some(dir);
    app
}

/// Starts a server serving `assets` (for the static-file tests).
pub async fn spawn_app_with_assets(assets: &Path) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("pronto.db").display());
    let mut app = start(Config::for_tests(url, assets), None).await;
    app._dir = Some(dir);
    app
}

async fn start(config: Config, addr: Option<SocketAddr>) -> TestApp {
    let listener = tokio::net::TcpListener::bind(addr.unwrap_or(config.listen))
        .await
        .expect("bind");
    let running = Server::build_with_listener(&config, listener)
        .await
        .expect("server starts")
        .spawn();
    TestApp {
        addr: running.addr,
        running,
        config,
        _dir: None,
    }
}

impl TestApp {
    /// Stops the server (closing every socket) and starts a new one on the same port and
    /// database, as a restart would.
    pub async fn restart(self) -> TestApp {
        let Self {
            addr,
            running,
            config,
            _dir,
        } = self;
        running.stop().await.expect("server stopped cleanly");
        let mut next = start(config, Some(addr)).await;
        next._dir = _dir;
        next
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn visitor(&self) -> Socket<VisitorToServer, ServerToVisitor> {
        Socket::connect(&format!("ws://{}/ws/visitor", self.addr), None).await
    }

    /// A visitor who said hello to the demo site, with the welcome already read.
    pub async fn greeted_visitor(
        &self,
        token: Option<String>,
    ) -> (Socket<VisitorToServer, ServerToVisitor>, ServerToVisitor) {
        let mut visitor = self.visitor().await;
        visitor.send(&hello(token)).await;
        let welcome = visitor.next().await;
        assert!(
            matches!(welcome, ServerToVisitor::Welcome { .. }),
            "{welcome:?}"
        );
        (visitor, welcome)
    }

    /// Signs the demo agent in and returns the session cookie.
    pub async fn sign_in(&self) -> String {
        self.sign_in_as(demo::AGENT_EMAIL).await
    }

    /// Signs a demo account in and returns the session cookie.
    pub async fn sign_in_as(&self, email: &str) -> String {
        let response = reqwest::Client::new()
            .post(self.url("/api/login"))
            .json(&LoginRequest {
                email: email.into(),
                password: demo::AGENT_PASSWORD.into(),
            })
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200);
        let cookie = response
            .headers()
            .get("set-cookie")
            .expect("session cookie")
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_owned()
    }

    /// A signed-in agent with the welcome already read.
    pub async fn agent(&self) -> (Socket<AgentToServer, ServerToAgent>, ServerToAgent) {
        let cookie = self.sign_in().await;
        let mut agent =
            Socket::connect(&format!("ws://{}/ws/agent", self.addr), Some(&cookie)).await;
        agent
            .send(&AgentToServer::Hello {
                version: PROTOCOL_VERSION,
            })
            .await;
        let welcome = agent.next().await;
        assert!(
            matches!(welcome, ServerToAgent::Welcome { .. }),
            "{welcome:?}"
        );
        (agent, welcome)
    }
}

pub fn hello(token: Option<String>) -> VisitorToServer {
    VisitorToServer::Hello {
        version: PROTOCOL_VERSION,
        site: SiteId::parse(demo::SITE).unwrap(),
        token,
        resume: None,
    }
}

/// A fresh client message id, as a client makes one per message.
pub fn new_id() -> ClientMessageId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    ClientMessageId::parse(&format!("test-{}", NEXT.fetch_add(1, Ordering::Relaxed))).unwrap()
}

/// A visitor's message with a fresh id.
pub fn say(text: &str) -> VisitorToServer {
    VisitorToServer::Send {
        id: new_id(),
        text: text.into(),
    }
}

/// An agent's reply with a fresh id.
pub fn reply(conversation: ConversationId, text: &str) -> AgentToServer {
    AgentToServer::Send {
        conversation,
        id: new_id(),
        text: text.into(),
    }
}

/// A typed WebSocket client: sends `Out` frames, reads `In` frames.
pub struct Socket<Out, In> {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    _types: std::marker::PhantomData<(Out, In)>,
}

impl<Out: Serialize, In: DeserializeOwned + std::fmt::Debug> Socket<Out, In> {
    pub async fn connect(url: &str, cookie: Option<&str>) -> Self {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
        Self::try_connect(url, &headers)
            .await
            .expect("socket connects")
    }

    /// Connects with extra handshake headers (a page's `Origin`, a cookie).
    pub async fn try_connect(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self {
            ws,
            _types: std::marker::PhantomData,
        })
    }

    pub async fn send(&mut self, frame: &Out) {
        self.send_raw(Message::text(encode(frame))).await;
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("socket send");
    }

    /// The next frame from the server; fails the test if none comes in time.
    pub async fn next(&mut self) -> In {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("socket still open")
                .expect("socket read");
            match message {
                Message::Text(text) => return decode(text.as_str()).expect("a valid frame"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Reads frames until one matches, skipping the rest (for frames whose timing is free).
    pub async fn next_matching(&mut self, wanted: impl Fn(&In) -> bool) -> In {
        loop {
            let frame = self.next().await;
            if wanted(&frame) {
                return frame;
            }
        }
    }
}

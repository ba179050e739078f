//! Clients that speak Pronto's protocol over a real WebSocket, for tests and benchmarks: a
//! typed socket, and the frames a widget or console sends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::ids::{ClientMessageId, ConversationId, SiteId};
use pronto_protocol::visitor::VisitorToServer;
use pronto_protocol::{PROTOCOL_VERSION, decode, encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderName;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Long enough for a loaded CI machine; a test that waits this long has failed.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The demo shop's site id.
pub const DEMO_SITE: &str = "demo";

/// A visitor's `hello` to the demo shop.
pub fn hello(token: Option<String>) -> VisitorToServer {
    VisitorToServer::Hello {
        version: PROTOCOL_VERSION,
        site: SiteId::parse(DEMO_SITE).unwrap(),
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
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
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

/// Asks for the visitor who has waited longest and returns the conversation the agent now holds.
pub async fn take_next(
    agent: &mut Socket<AgentToServer, ServerToAgent>,
) -> pronto_protocol::agent::AgentConversation {
    agent.send(&AgentToServer::TakeNext).await;
    match agent
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await
    {
        ServerToAgent::Conversation { conversation, .. } => conversation,
        _ => unreachable!(),
    }
}

/// Signs an account in on the server at `addr` and returns its session cookie
/// (`name=value`), as a browser would hold it.
pub async fn sign_in(addr: std::net::SocketAddr, email: &str, password: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/api/login"))
        .json(&pronto_protocol::agent::LoginRequest {
            email: email.into(),
            password: password.into(),
        })
        .send()
        .await
        .expect("login request");
    assert_eq!(response.status(), 200, "signing in {email}");
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("session cookie")
        .to_str()
        .expect("an ASCII cookie");
    cookie.split(';').next().unwrap_or_default().to_owned()
}

/// Sets the shop's opening hours as its owner does (`GET`, then `PUT /api/site` with the
/// hours changed; `cookie` from [`sign_in`] as the owner). `None`: always open.
pub async fn set_opening_hours(
    addr: std::net::SocketAddr,
    cookie: &str,
    hours: Option<pronto_protocol::agent::OpeningHours>,
) {
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/api/site");
    let mut settings: pronto_protocol::agent::SiteSettings = client
        .get(&url)
        .header("cookie", cookie)
        .send()
        .await
        .expect("reading the settings")
        .json()
        .await
        .expect("the settings");
    settings.hours = Some(hours);
    let response = client
        .put(&url)
        .header("cookie", cookie)
        .json(&settings)
        .send()
        .await
        .expect("changing the settings");
    assert_eq!(response.status(), 200, "opening hours saved");
}

/// Replaces the shop's canned replies as its owner does (`PUT /api/site/canned`; `cookie`
/// from [`sign_in`] as the owner): `(shortcut, text)` pairs, in order.
pub async fn set_canned_replies(
    addr: std::net::SocketAddr,
    cookie: &str,
    replies: &[(&str, &str)],
) {
    let replies: Vec<_> = replies
        .iter()
        .map(|(shortcut, text)| pronto_protocol::agent::CannedReply {
            shortcut: (*shortcut).into(),
            text: (*text).into(),
        })
        .collect();
    let response = reqwest::Client::new()
        .put(format!("http://{addr}/api/site/canned"))
        .header("cookie", cookie)
        .json(&replies)
        .send()
        .await
        .expect("changing the canned replies");
    assert_eq!(response.status(), 200, "canned replies saved");
}

/// `GET path` on the server at `addr` as the account of `cookie` (from [`sign_in`]), read
/// as JSON (`/api/site`, say).
pub async fn get_json_as<T: serde::de::DeserializeOwned>(
    addr: std::net::SocketAddr,
    cookie: &str,
    path: &str,
) -> T {
    let response = reqwest::Client::new()
        .get(format!("http://{addr}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("GET answered");
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("a JSON body")
}

/// The body of `GET url`, as text (`/metrics`, say).
pub async fn get_text(url: &str) -> String {
    reqwest::get(url)
        .await
        .expect("GET answered")
        .text()
        .await
        .expect("a text body")
}

/// The owner's dashboard for today (`GET /api/site/dashboard?days=1`; `cookie` from
/// [`sign_in`] as the owner).
pub async fn dashboard_today(
    addr: std::net::SocketAddr,
    cookie: &str,
) -> pronto_protocol::dashboard::Dashboard {
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/api/site/dashboard?days=1"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("reading the dashboard");
    assert_eq!(response.status(), 200, "dashboard read");
    response.json().await.expect("a dashboard")
}

/// An agent's console socket on the server at `addr`, with `hello` sent (the welcome is the
/// first frame to read).
pub async fn agent_socket(
    addr: std::net::SocketAddr,
    cookie: &str,
) -> Socket<AgentToServer, pronto_protocol::agent::ServerToAgent> {
    let mut agent = Socket::connect(&format!("ws://{addr}/ws/agent"), Some(cookie)).await;
    agent
        .send(&AgentToServer::Hello {
            version: PROTOCOL_VERSION,
        })
        .await;
    agent
}

/// A visitor's socket on the server at `addr`, with nothing sent yet.
pub async fn visitor_socket(
    addr: std::net::SocketAddr,
) -> Socket<VisitorToServer, pronto_protocol::visitor::ServerToVisitor> {
    Socket::connect(&format!("ws://{addr}/ws/visitor"), None).await
}

//! Talking to the server as widgets and consoles do: sockets from many loopback addresses,
//! small client buffers, typed frames, and the console's sign-in and account API.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use futures::{SinkExt, StreamExt};
use pronto_protocol::agent::{
    AgentProfile, AgentToServer, LoginRequest, NewAgent, Role, ServerToAgent,
};
use pronto_protocol::ids::SiteId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{PROTOCOL_VERSION, decode, encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::{DEMO_PASSWORD, OWNER_EMAIL, SITE};

/// A client socket to the server.
pub type Ws = WebSocketStream<TcpStream>;

/// How long any single handshake or expected answer may take before the scenario fails.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Sockets per loopback source address. Linux picks the local port at `bind` time from
/// about 28,000 ephemeral ports per address, so a few more addresses carry 50,000 sockets.
const SOCKETS_PER_SOURCE: usize = 16_000;

/// The loopback address connection `index` binds to. `block` keeps scenarios run one after
/// another on different addresses, so ports still in TIME_WAIT from the last one never clash.
pub fn source_address(block: u8, index: usize) -> Ipv4Addr {
    let host = 2 + index / SOCKETS_PER_SOURCE;
    let host = u8::try_from(host).expect("fewer than 4 million sockets");
    Ipv4Addr::new(127, block, 0, host)
}

/// Raises this process's open-file limit (soft and hard) towards `want`; without the
/// privilege to raise the hard limit, the soft limit goes up to the hard one. Returns the
/// soft limit in force afterwards. Children inherit it.
pub fn raise_open_files(want: u64) -> u64 {
    use rlimit::Resource;
    if rlimit::setrlimit(Resource::NOFILE, want, want).is_ok() {
        return want;
    }
    rlimit::increase_nofile_limit(want).unwrap_or_else(|_| {
        rlimit::getrlimit(Resource::NOFILE)
            .map(|(soft, _)| soft)
            .unwrap_or(1024)
    })
}

/// Client buffers of a few KiB: frames here are small, and the defaults (128 KiB to read)
/// would make the load generator, not the server, run out of memory first.
pub fn client_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024)
}

/// The server's own origin, which the console's requests and socket must carry.
pub fn origin_of(server: SocketAddr) -> String {
    format!("http://{server}")
}

/// Opens a WebSocket from `source` to `server` at `path`, with extra request headers.
pub async fn connect(
    server: SocketAddr,
    source: Ipv4Addr,
    path: &str,
    headers: &[(&'static str, String)],
) -> Result<Ws> {
    let socket = TcpSocket::new_v4()?;
    // Lets a later run reuse local ports still in TIME_WAIT from an earlier one.
    socket.set_reuseaddr(true)?;
    socket
        .bind(SocketAddr::from((source, 0)))
        .with_context(|| format!("binding a client socket to {source}"))?;
    let stream = socket
        .connect(server)
        .await
        .with_context(|| format!("connecting from {source} to {server}"))?;
    stream.set_nodelay(true)?;
    let mut request = format!("ws://{server}{path}").into_client_request()?;
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value)?);
    }
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(client_config()))
            .await
            .with_context(|| format!("WebSocket handshake on {path}"))?;
    Ok(ws)
}

/// Sends one frame.
pub async fn send<T: Serialize>(ws: &mut Ws, frame: &T) -> Result<()> {
    ws.send(Message::text(encode(frame)))
        .await
        .context("sending a frame")
}

/// The next frame from the server, skipping pings and pongs; `None` once the socket closed.
pub async fn next_frame<T: DeserializeOwned>(ws: &mut Ws) -> Result<Option<T>> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                return decode(text.as_str())
                    .map(Some)
                    .map_err(|e| anyhow!("undecodable frame from the server: {e}: {text}"));
            }
            Some(Ok(Message::Close(_))) | None => return Ok(None),
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err).context("reading from the server"),
        }
    }
}

/// Like [`next_frame`], but a closed socket or a slow answer is an error.
pub async fn expect_frame<T: DeserializeOwned>(ws: &mut Ws) -> Result<T> {
    match tokio::time::timeout(ANSWER_TIMEOUT, next_frame(ws)).await {
        Ok(Ok(Some(frame))) => Ok(frame),
        Ok(Ok(None)) => bail!("the server closed the socket"),
        Ok(Err(err)) => Err(err),
        Err(_) => bail!("no answer from the server in {ANSWER_TIMEOUT:?}"),
    }
}

/// A visitor's socket on the demo shop, past `hello` and `welcome`.
pub async fn visitor(server: SocketAddr, source: Ipv4Addr) -> Result<Ws> {
    let mut ws = connect(server, source, "/ws/visitor", &[]).await?;
    let hello = VisitorToServer::Hello {
        version: PROTOCOL_VERSION,
        site: SiteId::parse(SITE)?,
        token: None,
        resume: None,
    };
    send(&mut ws, &hello).await?;
    match expect_frame::<ServerToVisitor>(&mut ws).await? {
        ServerToVisitor::Welcome { .. } => Ok(ws),
        other => bail!("visitor hello answered with {other:?}"),
    }
}

/// An agent's socket, past `hello` and `welcome`, signed in with the session `cookie`.
pub async fn agent(server: SocketAddr, source: Ipv4Addr, cookie: &str) -> Result<Ws> {
    let headers = [("cookie", cookie.to_owned()), ("origin", origin_of(server))];
    let mut ws = connect(server, source, "/ws/agent", &headers).await?;
    let hello = AgentToServer::Hello {
        version: PROTOCOL_VERSION,
    };
    send(&mut ws, &hello).await?;
    loop {
        match expect_frame::<ServerToAgent>(&mut ws).await? {
            ServerToAgent::Welcome { .. } => return Ok(ws),
            // A queue announcement may slip in before the welcome; it says nothing here.
            ServerToAgent::Queue { .. } => {}
            other => bail!("agent hello answered with {other:?}"),
        }
    }
}

/// The console's HTTP API on one server.
#[derive(Clone)]
pub struct Console {
    http: reqwest::Client,
    base: String,
}

impl Console {
    pub fn new(server: SocketAddr) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(ANSWER_TIMEOUT)
            .no_proxy()
            .build()?;
        Ok(Self {
            http,
            base: origin_of(server),
        })
    }

    /// Signs in and returns the session cookie (`name=value`) for later requests.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String> {
        let response = self
            .http
            .post(format!("{}/api/login", self.base))
            .header("origin", &self.base)
            .json(&LoginRequest {
                email: email.to_owned(),
                password: password.to_owned(),
            })
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "sign-in as {email} failed: {status} {}",
                response.text().await.unwrap_or_default()
            );
        }
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .ok_or_else(|| anyhow!("sign-in as {email} set no cookie"))?
            .to_owned();
        Ok(cookie)
    }

    /// Signs in as the demo shop's owner.
    pub async fn sign_in_owner(&self) -> Result<String> {
        self.sign_in(OWNER_EMAIL, DEMO_PASSWORD).await
    }

    /// Creates an agent account (`POST /api/site/agents`, owners only).
    pub async fn create_agent(
        &self,
        owner_cookie: &str,
        email: &str,
        password: &str,
    ) -> Result<AgentProfile> {
        let response = self
            .http
            .post(format!("{}/api/site/agents", self.base))
            .header("origin", &self.base)
            .header("cookie", owner_cookie)
            .json(&NewAgent {
                email: email.to_owned(),
                name: email.split('@').next().unwrap_or(email).to_owned(),
                password: password.to_owned(),
                role: Role::Agent,
            })
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "creating agent {email} failed: {status} {}",
                response.text().await.unwrap_or_default()
            );
        }
        Ok(response.json().await?)
    }
}

/// Waits until `server` accepts TCP connections, for a server just started.
pub async fn wait_for_port(server: SocketAddr, timeout: Duration) -> Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if TcpStream::connect(server).await.is_ok() {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!("nothing listens on {server} after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens visitor `index`'s socket while holding one of the handshake permits (so handshakes
/// do not pile up on the server), and tells `ready` whether it worked; `None` when it did not.
pub async fn open_and_report<T>(
    index: usize,
    handshakes: &tokio::sync::Semaphore,
    ready: tokio::sync::mpsc::UnboundedSender<Result<()>>,
    open: impl std::future::Future<Output = Result<T>>,
) -> Option<T> {
    let permit = handshakes.acquire().await;
    let opened = open.await;
    drop(permit);
    match opened {
        Ok(ws) => {
            let _ = ready.send(Ok(()));
            Some(ws)
        }
        Err(err) => {
            let _ = ready.send(Err(err.context(format!("visitor {index}"))));
            None
        }
    }
}

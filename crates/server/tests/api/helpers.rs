//! `spawn_app()` and signed-in clients for the integration tests.

use std::net::SocketAddr;
use std::path::Path;

use pronto_protocol::PROTOCOL_VERSION;
use pronto_protocol::agent::{AgentToServer, LoginRequest, ServerToAgent};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_server::{Config, Running, Server, demo};
pub use pronto_testkit::Scratch;
pub use pronto_testkit::client::{PATIENCE, Socket, hello, new_id, reply, say};

/// A running server with its own fresh database: SQLite, or PostgreSQL and Redis when
/// `PRONTO_TEST_BACKEND=postgres` (see `pronto_testkit::Scratch`).
pub struct TestApp {
    pub addr: SocketAddr,
    running: Running,
    config: Config,
    _scratch: Option<Scratch>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_assets(Path::new("no-assets-here")).await
}

/// Two servers of one deployment on `scratch`'s database and events, as behind a load
/// balancer. Only PostgreSQL with Redis carries events between servers; the caller keeps
/// `scratch` until both are done with it.
pub async fn spawn_two_on(scratch: &Scratch) -> (TestApp, TestApp) {
    let assets = Path::new("no-assets-here");
    let first = start(config_for(scratch, assets), None).await;
    let second = start(config_for(scratch, assets), None).await;
    (first, second)
}

/// Two servers of one deployment on `scratch`, as [`spawn_two_on`], both e-mailing through
/// the SMTP server at `smtp_url` replies left unseen for `mail_after_secs`.
pub async fn spawn_two_mailing_on(
    scratch: &Scratch,
    smtp_url: String,
    mail_after_secs: u64,
) -> (TestApp, TestApp) {
    let config = || {
        let mut config = config_for(scratch, Path::new("no-assets-here"));
        config.smtp_url = Some(smtp_url.clone());
        config.mail_after_secs = mail_after_secs;
        config
    };
    (start(config(), None).await, start(config(), None).await)
}

/// Starts a server that e-mails through the SMTP server at `smtp_url`, at once (no grace
/// time).
pub async fn spawn_app_mailing_to(smtp_url: String) -> TestApp {
    spawn_app_mailing_with(smtp_url, |_| {}).await
}

/// As [`spawn_app_mailing_to`], with the e-mail settings `adjust` makes (a reply domain, an
/// inbound-mail token).
pub async fn spawn_app_mailing_with(smtp_url: String, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let scratch = Scratch::from_env().await;
    let mut config = config_for(&scratch, Path::new("no-assets-here"));
    config.smtp_url = Some(smtp_url);
    adjust(&mut config);
    let mut app = start(config, None).await;
    app._scratch = Some(scratch);
    app
}

/// Starts a server with the settings `adjust` makes.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let scratch = Scratch::from_env().await;
    let mut config = config_for(&scratch, Path::new("no-assets-here"));
    adjust(&mut config);
    let mut app = start(config, None).await;
    app._scratch = Some(scratch);
    app
}

/// Starts a server serving `assets` (for the static-file tests).
pub async fn spawn_app_with_assets(assets: &Path) -> TestApp {
    let scratch = Scratch::from_env().await;
    let mut app = start(config_for(&scratch, assets), None).await;
    app._scratch = Some(scratch);
    app
}

/// Settings for a server on `scratch`'s storage.
pub fn config_for(scratch: &Scratch, assets: &Path) -> Config {
    let mut config = Config::for_tests(scratch.database_url.clone(), assets);
    config.redis_url = scratch.redis_url.clone();
    config.redis_prefix = scratch.redis_prefix.clone();
    config
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
        _scratch: None,
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
            _scratch,
        } = self;
        running.stop().await.expect("server stopped cleanly");
        let mut next = start(config, Some(addr)).await;
        next._scratch = _scratch;
        next
    }

    /// The database this server keeps everything in.
    pub fn database_url(&self) -> &str {
        &self.config.database_url
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

    /// `GET path` as the account of `cookie`, which must answer 200 with a `T`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, cookie: &str, path: &str) -> T {
        let response = reqwest::Client::new()
            .get(self.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// `PUT path` with `body` as the account of `cookie`.
    pub async fn put_json(
        &self,
        cookie: &str,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        reqwest::Client::new()
            .put(self.url(path))
            .header("cookie", cookie)
            .json(&body)
            .send()
            .await
            .unwrap()
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

    /// The demo agent, signed in, with the welcome already read.
    pub async fn agent(&self) -> (Socket<AgentToServer, ServerToAgent>, ServerToAgent) {
        self.agent_as(demo::AGENT_EMAIL).await
    }

    /// A demo account, signed in, with the welcome already read.
    pub async fn agent_as(
        &self,
        email: &str,
    ) -> (Socket<AgentToServer, ServerToAgent>, ServerToAgent) {
        let cookie = self.sign_in_as(email).await;
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

/// After a visitor's send: its acknowledgement and the stored message, which may come in
/// either order (the message through the fan-out, the acknowledgement straight back).
pub async fn stored(
    visitor: &mut Socket<VisitorToServer, ServerToVisitor>,
) -> (ServerToVisitor, pronto_protocol::chat::ChatMessage) {
    let mut ack = None;
    let mut message = None;
    while ack.is_none() || message.is_none() {
        match visitor.next().await {
            frame @ ServerToVisitor::Ack { .. } => ack = Some(frame),
            ServerToVisitor::Message { message: stored } => message = Some(stored),
            other => panic!("expected an ack and the message, got {other:?}"),
        }
    }
    (ack.unwrap(), message.unwrap())
}

//! Building the server: bind first (so tests can use port 0), then serve until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::serve::ListenerExt;
use pronto_protocol::ErrorCode;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::AppError;
use crate::fanout::{Fanout, Here};
use crate::hub::Hub;
use crate::limits::{Addresses, SignInGuard, Slot};
use crate::mail::Mailer;
use crate::operations::Metrics;
use crate::queue::Announcer;
use crate::reply_time::ReplyTimes;
use crate::storage::{Store, random_token};
use crate::token::Signer;
use crate::{
    agent, answers, assets, assign, auth, canned, context, dashboard, demo, follow_ups, inbound,
    operations, settings, team, transcript, visitor,
};

/// What every request and socket shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// This server's sockets.
    pub hub: Arc<Hub>,
    /// Tells waiting visitors their places and agents the queue.
    pub announcer: Arc<Announcer>,
    /// Events for people wherever they are connected (this server, or all through Redis).
    pub fanout: Arc<Fanout>,
    /// Cancelled when the server stops, so every socket closes with "going away".
    pub shutdown: CancellationToken,
    /// Open sockets per client address, against `max_connections_per_ip`.
    pub addresses: Arc<Addresses>,
    pub max_connections_per_ip: usize,
    /// How often each socket is pinged; silent for two, it is closed (see `socket::run`).
    pub ping_every: std::time::Duration,
    /// Signs and checks visitor tokens.
    pub tokens: Arc<Signer>,
    /// Failed sign-ins, to slow down password guessing.
    pub sign_ins: Arc<SignInGuard>,
    /// Mark session cookies `Secure` (the console is served over TLS).
    pub secure_cookies: bool,
    /// This server process, among the servers of one deployment (agent presence rows).
    pub server_id: Arc<str>,
    /// Each site's typical first reply, read from the database at most once a minute.
    pub reply_times: Arc<ReplyTimes>,
    /// What `/metrics` reports: sockets, frames, messages, handling times.
    pub metrics: Arc<Metrics>,
    /// Sends e-mail, when `SMTP_URL` is set: replies nobody saw, transcripts.
    pub mailer: Option<Arc<Mailer>>,
    /// What the inbound-mail webhook must present (`PRONTO_MAIL_INBOUND_SECRET`), if it is on.
    pub mail_inbound_secret: Option<Arc<str>>,
}

impl AppState {
    /// Whether replies nobody saw are e-mailed: only then is it worth noting which replies the
    /// visitor had on screen.
    pub fn mailing(&self) -> bool {
        self.mailer.is_some()
    }

    /// A place for one more socket from `peer`, or the refusal to send instead.
    pub fn admit(&self, peer: SocketAddr) -> Result<Slot, AppError> {
        self.addresses
            .admit(peer.ip(), self.max_connections_per_ip)
            .ok_or_else(|| {
                tracing::warn!(ip = %peer.ip(), "too many sockets from one address");
                AppError::refused(
                    ErrorCode::TooManyConnections,
                    format!(
                        "at most {} open chats from one address",
                        self.max_connections_per_ip
                    ),
                )
            })
    }
}

/// A server bound to its port, not yet serving.
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Server {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        Self::build_with_listener(config, listener).await
    }

    /// Serve on an already-bound listener (a test's port 0, or a restart on the same port).
    pub async fn build_with_listener(
        config: &Config,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let store = Store::connect(&config.database_url).await?;
        if config.demo {
            demo::seed(&store, &config.demo_origins).await?;
        }
        let secret = match &config.secret {
            Some(secret) => secret.clone(),
            None => store.server_secret("visitor-tokens", random_token).await?,
        };
        let shutdown = CancellationToken::new();
        let hub = Arc::new(Hub::default());
        let reply_times = Arc::new(ReplyTimes::default());
        let announcer = Arc::new(Announcer::new(
            store.clone(),
            hub.clone(),
            reply_times.clone(),
            shutdown.clone(),
        ));
        // Where replies are e-mailed, the replies a widget here showed are noted as seen.
        let (shown, replies_shown) = match &config.smtp_url {
            Some(_) => {
                let (shown, replies_shown) = tokio::sync::mpsc::unbounded_channel();
                (Some(shown), Some(replies_shown))
            }
            None => (None, None),
        };
        let here = Here {
            hub: hub.clone(),
            announcer: announcer.clone(),
            shown,
        };
        let fanout = match &config.redis_url {
            Some(url) => Fanout::redis(url, &config.redis_prefix, here).await?,
            None => Fanout::local(here),
        };
        let mailer = match &config.smtp_url {
            Some(smtp_url) => Some(Arc::new(Mailer::new(
                smtp_url,
                &config.mail_from,
                config.mail_reply_domain.clone(),
            )?)),
            None => None,
        };
        let state = AppState {
            store,
            hub,
            announcer,
            fanout: Arc::new(fanout),
            shutdown,
            addresses: Arc::default(),
            max_connections_per_ip: config.max_connections_per_ip,
            ping_every: std::time::Duration::from_secs(config.ping_secs.clamp(1, 3600)),
            tokens: Arc::new(Signer::new(secret.as_bytes())),
            sign_ins: Arc::default(),
            secure_cookies: config.secure_cookies,
            server_id: random_token().into(),
            reply_times,
            metrics: Arc::default(),
            mailer: mailer.clone(),
            mail_inbound_secret: config.mail_inbound_secret.as_deref().map(Arc::from),
        };
        tokio::spawn(crate::presence::keep_fresh(state.clone()));
        if let Some(replies_shown) = replies_shown {
            tokio::spawn(crate::mail::note_shown(state.store.clone(), replies_shown));
        }
        if let Some(mailer) = mailer {
            let grace = std::time::Duration::from_secs(config.mail_after_secs);
            tokio::spawn(crate::mail::deliver_unseen(state.clone(), mailer, grace));
        }
        let router = Router::new()
            .merge(visitor::router())
            .merge(agent::router())
            .merge(auth::router())
            .merge(settings::router())
            .merge(canned::router())
            .merge(answers::router())
            .merge(follow_ups::router())
            .merge(transcript::router())
            .merge(inbound::router())
            .merge(dashboard::router())
            .merge(context::router())
            .merge(team::router())
            .merge(assign::router())
            .merge(operations::router())
            .merge(assets::router(&config.assets))
            .with_state(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `stop` completes, then closes every socket and waits for them.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let shutdown = self.state.shutdown.clone();
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // Chat frames are small and answered at once: waiting to fill a packet (Nagle) against
        // the peer's delayed acknowledgement costs 40 ms a frame.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not turn off Nagle's algorithm");
            }
        });
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                stop.await;
                shutdown.cancel();
            })
            .await;
        crate::presence::forget(&self.state).await;
        // Whatever the last requests sent other servers goes out before the process ends.
        if self.state.fanout.flushed().await.is_err() {
            tracing::error!("events to other servers were lost on the way out");
        }
        self.state.store.close().await;
        result
    }

    /// Serves on a background task until [`Running::stop`]: for tests and benchmarks.
    pub fn spawn(self) -> Running {
        let addr = self.local_addr();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(self.run_until(async move { stopped.cancelled().await }));
        Running { addr, stop, task }
    }
}

/// A server serving on a background task.
pub struct Running {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops the server as a SIGTERM would (every socket is told "going away") and waits.
    pub async fn stop(self) -> std::io::Result<()> {
        self.stop.cancel();
        self.task.await.map_err(std::io::Error::other)?
    }
}

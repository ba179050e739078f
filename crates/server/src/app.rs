//! Building the server: bind first (so tests can use port 0), then serve until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::hub::Hub;
use crate::queue::Announcer;
use crate::storage::Store;
use crate::{agent, assets, auth, demo, visitor};

/// What every request and socket shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub hub: Arc<Hub>,
    pub announcer: Arc<Announcer>,
    /// Cancelled when the server stops, so every socket closes with "going away".
    pub shutdown: CancellationToken,
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
            demo::seed(&store).await?;
        }
        let state = AppState {
            store,
            hub: Arc::default(),
            announcer: Arc::default(),
            shutdown: CancellationToken::new(),
        };
        let router = Router::new()
            .merge(visitor::router())
            .merge(agent::router())
            .merge(auth::router())
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
        let result = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move {
                stop.await;
                shutdown.cancel();
            })
            .await;
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

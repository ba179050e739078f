//! The server's settings, from command-line flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Pronto's chat server.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "pronto-server", version)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PRONTO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Database to store everything in; an SQLite file by default, created when missing.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://pronto.db")]
    pub database_url: String,

    /// Folder with the built widget, console and demo storefront (written by `cargo xtask build`).
    #[arg(long, env = "PRONTO_ASSETS", default_value = "dist")]
    pub assets: PathBuf,

    /// Create the demo shop and its demo agent if they do not exist yet.
    #[arg(long, env = "PRONTO_DEMO")]
    pub demo: bool,
}

impl Config {
    /// Settings for tests: any free port, the given database, no assets unless set.
    pub fn for_tests(database_url: impl Into<String>, assets: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            assets: assets.into(),
            demo: true,
        }
    }
}

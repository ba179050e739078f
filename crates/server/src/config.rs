//! The server's settings, from command-line flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use pronto_protocol::limits::MAX_CONNECTIONS_PER_IP;

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

    /// Storefront origins, besides this server's own, allowed to embed the demo shop's widget
    /// (space-separated; `http://127.0.0.1:*` allows any port).
    #[arg(long, env = "PRONTO_DEMO_ORIGINS", default_value = "")]
    pub demo_origins: String,

    /// Secret that signs visitor tokens. Without it the server makes one on first start and
    /// keeps it in the database.
    #[arg(long, env = "PRONTO_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Mark session cookies `Secure`: set it when the console is served over HTTPS (behind a
    /// proxy that sends `X-Forwarded-Proto: https` this happens by itself).
    #[arg(long, env = "PRONTO_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Write logs as JSON lines, one object per event with its fields (for a log collector),
    /// instead of text for people. `RUST_LOG` chooses what is logged either way.
    #[arg(long, env = "PRONTO_LOG_JSON")]
    pub log_json: bool,

    /// Redis to share events with the other servers of a deployment (`redis://127.0.0.1:6379`).
    /// Without it, this server is the only one.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of this deployment's Redis channels, so deployments sharing a Redis stay apart.
    #[arg(long, env = "PRONTO_REDIS_PREFIX", default_value = "pronto")]
    pub redis_prefix: String,

    /// SMTP server that e-mails agents' replies to visitors who left (`smtp://host:port`,
    /// `smtp://user:password@host:port`). Without it, nothing is e-mailed.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Who those e-mails come from.
    #[arg(
        long,
        env = "PRONTO_MAIL_FROM",
        default_value = "Pronto <pronto@localhost>"
    )]
    pub mail_from: String,

    /// Seconds a reply waits unseen before it is e-mailed (the visitor may come back first).
    #[arg(long, env = "PRONTO_MAIL_AFTER_SECS", default_value_t = 120)]
    pub mail_after_secs: u64,

    /// The domain whose mail reaches `POST /api/mail/inbound` (through the mail provider's
    /// inbound webhook): e-mailed replies then say "reply to this e-mail", with a Reply-To of
    /// `reply+<conversation>-<signature>@` this domain, and a visitor's answer joins the chat.
    #[arg(long, env = "PRONTO_MAIL_REPLY_DOMAIN")]
    pub mail_reply_domain: Option<String>,

    /// The bearer token the inbound webhook must present (`Authorization: Bearer …`).
    /// Without it, `POST /api/mail/inbound` takes nothing.
    #[arg(long, env = "PRONTO_MAIL_INBOUND_SECRET", hide_env_values = true)]
    pub mail_inbound_secret: Option<String>,

    /// Open sockets allowed from one client address.
    #[arg(long, env = "PRONTO_MAX_CONNECTIONS_PER_IP", default_value_t = MAX_CONNECTIONS_PER_IP)]
    pub max_connections_per_ip: usize,

    /// Seconds between the server's pings on each socket. A socket silent for two of them
    /// (not even answering a ping) is closed: a console on a laptop that went to sleep no
    /// longer counts as an agent online, nor a widget as a visitor there to read.
    #[arg(long, env = "PRONTO_PING_SECS", default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub ping_secs: u64,
}

impl Config {
    /// Settings for tests: any free port, the given database, no assets unless set.
    pub fn for_tests(database_url: impl Into<String>, assets: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            assets: assets.into(),
            demo: true,
            // Test storefronts run on other ports of loopback, as a shop's own domain would.
            demo_origins: "http://127.0.0.1:*".into(),
            max_connections_per_ip: MAX_CONNECTIONS_PER_IP,
            ping_secs: 25,
            secret: None,
            secure_cookies: false,
            log_json: false,
            redis_url: None,
            redis_prefix: "pronto".into(),
            smtp_url: None,
            mail_from: "Tienda Demo <hola@tienda.example>".into(),
            mail_after_secs: 0,
            mail_reply_domain: None,
            mail_inbound_secret: None,
        }
    }
}

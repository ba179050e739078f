//! `pronto-server`: parse the settings, start the server, stop cleanly on Ctrl-C or SIGTERM.

use clap::Parser;
use pronto_server::{Config, Server, demo};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    if config.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let server = Server::build(&config).await?;
    let address = server.local_addr();
    println!("Pronto is running at http://{address}");
    println!("  demo storefront  http://{address}/");
    println!("  agents' console  http://{address}/console");
    if config.demo {
        println!(
            "  demo owner       {} / {}",
            demo::AGENT_EMAIL,
            demo::AGENT_PASSWORD
        );
        println!(
            "  demo agent       {} / {}",
            demo::SECOND_AGENT_EMAIL,
            demo::AGENT_PASSWORD
        );
    }
    server.run_until(stop_signal()).await?;
    Ok(())
}

async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("stopping");
}

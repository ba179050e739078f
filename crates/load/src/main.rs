//! `pronto-load`: runs one load scenario against a running server and prints its result as
//! JSON on stdout (progress goes to stderr). `cargo xtask bench` runs it once per scenario.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand};
use pronto_load::{chat, fanout, idle, net};

/// Load generator for the Pronto server.
#[derive(Parser)]
#[command(name = "pronto-load")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Visitor sockets that say hello and sit idle; server memory per socket at each step.
    Idle {
        #[arg(long)]
        server: SocketAddr,
        /// The server's process id, for its memory (repeat for several).
        #[arg(long)]
        pid: Vec<u32>,
        /// Total sockets at each step.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,25000,50000")]
        steps: Vec<usize>,
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
        /// Seconds to wait after each step before reading memory.
        #[arg(long, default_value_t = 2.0)]
        settle: f64,
        #[arg(long, default_value_t = 1)]
        source_block: u8,
    },
    /// Live conversations at a ladder of total message rates.
    Chat {
        /// Where visitors connect.
        #[arg(long)]
        server: SocketAddr,
        /// Where agents connect (another node); the same server when absent.
        #[arg(long)]
        server2: Option<SocketAddr>,
        #[arg(long)]
        pid: Vec<u32>,
        #[arg(long, default_value_t = 1000)]
        conversations: usize,
        /// Conversations per agent socket; by default as many as the per-socket rate limit
        /// allows at the highest rate.
        #[arg(long)]
        per_agent: Option<usize>,
        /// Total messages per second, both directions together.
        #[arg(long, value_delimiter = ',', default_value = "500,1000,2000,3000,4000")]
        rates: Vec<f64>,
        #[arg(long, default_value_t = 3.0)]
        warmup: f64,
        #[arg(long, default_value_t = 12.0)]
        duration: f64,
        #[arg(long, default_value_t = 2.0)]
        drain: f64,
        #[arg(long, default_value_t = 1000.0)]
        give_up_p99_ms: f64,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 2)]
        source_block: u8,
    },
    /// A long queue and one agent taking from its head.
    Fanout {
        #[arg(long)]
        server: SocketAddr,
        #[arg(long)]
        pid: Vec<u32>,
        #[arg(long, default_value_t = 10_000)]
        waiting: usize,
        #[arg(long, default_value_t = 40)]
        takes: usize,
        /// Takes per second.
        #[arg(long, default_value_t = 5.0)]
        take_rate: f64,
        #[arg(long, default_value_t = 300.0)]
        settle_timeout: f64,
        #[arg(long, default_value_t = 128)]
        concurrency: usize,
        #[arg(long, default_value_t = 3)]
        source_block: u8,
    },
}

/// Sockets this process may need: 50,000 visitors and then some.
const OPEN_FILES_WANTED: u64 = 200_000;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    // Starts the shared clock, so progress lines count from the start.
    pronto_load::stats::now_us();
    let limit = net::raise_open_files(OPEN_FILES_WANTED);
    if limit < OPEN_FILES_WANTED {
        eprintln!("pronto-load: open-file limit is {limit} (wanted {OPEN_FILES_WANTED})");
    }
    let json = match cli.scenario {
        Scenario::Idle {
            server,
            pid,
            steps,
            concurrency,
            settle,
            source_block,
        } => {
            let config = idle::IdleConfig {
                server,
                pids: pid,
                steps,
                concurrency,
                settle: Duration::from_secs_f64(settle),
                source_block,
            };
            serde_json::to_string_pretty(&idle::run(&config).await?)?
        }
        Scenario::Chat {
            server,
            server2,
            pid,
            conversations,
            per_agent,
            rates,
            warmup,
            duration,
            drain,
            give_up_p99_ms,
            concurrency,
            source_block,
        } => {
            let top = rates.iter().copied().fold(1.0, f64::max);
            let config = chat::ChatConfig {
                visitor_server: server,
                agent_server: server2.unwrap_or(server),
                pids: pid,
                conversations,
                conversations_per_agent: per_agent
                    .unwrap_or_else(|| chat::conversations_per_agent(conversations, top)),
                rates,
                warmup: Duration::from_secs_f64(warmup),
                duration: Duration::from_secs_f64(duration),
                drain: Duration::from_secs_f64(drain),
                give_up_p99_ms,
                concurrency,
                source_block,
            };
            serde_json::to_string_pretty(&chat::run(&config).await?)?
        }
        Scenario::Fanout {
            server,
            pid,
            waiting,
            takes,
            take_rate,
            settle_timeout,
            concurrency,
            source_block,
        } => {
            let config = fanout::FanoutConfig {
                server,
                pids: pid,
                waiting,
                takes,
                take_interval: Duration::from_secs_f64(1.0 / take_rate),
                settle_timeout: Duration::from_secs_f64(settle_timeout),
                concurrency,
                source_block,
            };
            serde_json::to_string_pretty(&fanout::run(&config).await?)?
        }
    };
    println!("{json}");
    Ok(())
}

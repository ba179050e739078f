//! Smoke test of the load scenarios at toy sizes against a real server process: checks that
//! each scenario works and that what it measures is right (every message arrives once, every
//! place in line ends where it should). It never checks timing; `cargo xtask bench` measures.
//!
//! The server binary comes from `PRONTO_SERVER_BIN`, which `cargo xtask test` sets.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use pronto_load::{chat, fanout, idle, net};

/// A server process on a free port with a fresh SQLite database; killed when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let bin = std::env::var_os("PRONTO_SERVER_BIN")
            .map(PathBuf::from)
            .expect(
                "PRONTO_SERVER_BIN is not set: run these tests with `cargo xtask test`, \
             which builds the server and names its binary there",
            );
        let dir = tempfile::tempdir().unwrap();
        let address = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let database = format!("sqlite://{}", dir.path().join("smoke.db").display());
        let child = Command::new(&bin)
            .args(["--listen", &address.to_string()])
            .args(["--database-url", &database])
            .arg("--assets")
            .arg(dir.path())
            .args(["--demo", "--max-connections-per-ip", "1000000"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("starting {}: {err}", bin.display()));
        let server = Server {
            child,
            address,
            _dir: dir,
        };
        net::wait_for_port(address, Duration::from_secs(60))
            .await
            .unwrap();
        server
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_visitors_stay_connected() {
    let server = Server::start().await;
    let result = idle::run(&idle::IdleConfig {
        server: server.address,
        pids: vec![server.pid()],
        steps: vec![100, 200],
        concurrency: 32,
        settle: Duration::from_millis(200),
        source_block: 10,
    })
    .await
    .unwrap();
    assert_eq!(result.steps.len(), 2);
    assert_eq!(result.connections, 200);
    assert_eq!(result.dropped, 0, "the server closed idle sockets");
    assert!(result.baseline_rss_bytes > 0, "read the server's memory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_chat_message_arrives_once() {
    let server = Server::start().await;
    let result = chat::run(&chat::ChatConfig {
        visitor_server: server.address,
        agent_server: server.address,
        pids: vec![server.pid()],
        conversations: 20,
        conversations_per_agent: 4,
        rates: vec![40.0],
        warmup: Duration::from_millis(500),
        duration: Duration::from_secs(2),
        drain: Duration::from_secs(1),
        give_up_p99_ms: f64::INFINITY,
        concurrency: 8,
        source_block: 11,
    })
    .await
    .unwrap();
    assert_eq!(result.agents, 5);
    assert!(
        result.visitor_sent >= 40,
        "20 visitors at one message a second for 2.5 s sent only {}",
        result.visitor_sent
    );
    assert!(result.all_delivered_once(), "{result:#?}");
    let rate = &result.rates[0];
    assert!(rate.visitor_to_agent.count > 0 && rate.agent_to_visitor.count > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_in_line_follow_the_takes() {
    let server = Server::start().await;
    let result = fanout::run(&fanout::FanoutConfig {
        server: server.address,
        pids: vec![server.pid()],
        waiting: 200,
        takes: 5,
        take_interval: Duration::from_millis(200),
        settle_timeout: Duration::from_secs(60),
        concurrency: 32,
        source_block: 12,
    })
    .await
    .unwrap();
    assert_eq!(result.taken, 5);
    assert_eq!(result.takes_completed, 5, "{result:#?}");
    assert!(result.positions_correct, "{result:#?}");
    assert!(result.errors.is_empty(), "{result:#?}");
}

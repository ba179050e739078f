//! The Pronto server as a separate process, so a test can kill it the hard way (SIGKILL: no
//! goodbyes, no flushing) and start it again on the same port and database, as a crash and a
//! supervisor's restart would.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{PATIENCE, dist, env_path, free_port};

/// A `pronto-server` process with the demo shop on a fixed loopback port and its own database.
pub struct ServerProcess {
    pub addr: SocketAddr,
    bin: PathBuf,
    dist: PathBuf,
    database_url: String,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the binary `cargo xtask test` built (`PRONTO_SERVER_BIN`) and waits until it
    /// takes connections.
    pub async fn start() -> Self {
        let bin = env_path("PRONTO_SERVER_BIN", "target/debug/pronto-server");
        assert!(
            bin.is_file(),
            "no server binary at {}: run through `cargo xtask test`, or build it with \
             `cargo build -p pronto-server --bin pronto-server` and set PRONTO_SERVER_BIN",
            bin.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}", dir.path().join("pronto.db").display());
        let mut server = Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, free_port())),
            bin,
            dist: dist(),
            database_url,
            child: None,
            _dir: dir,
        };
        server.spawn_and_wait().await;
        server
    }

    /// Kills the server with SIGKILL and waits until the process is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` is SIGKILL on Unix.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server (SIGKILL) and starts it again on the same port and database.
    pub async fn crash_and_restart(&mut self) {
        self.kill();
        self.spawn_and_wait().await;
    }

    async fn spawn_and_wait(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut child = Command::new(&self.bin)
                .arg("--listen")
                .arg(self.addr.to_string())
                .arg("--database-url")
                .arg(&self.database_url)
                .arg("--assets")
                .arg(&self.dist)
                .arg("--demo")
                .arg("--demo-origins")
                .arg("http://127.0.0.1:*")
                // Errors only: a run breaks hundreds of connections on purpose.
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("the server binary starts");
            // Ready when the port takes connections; a process that exits first (the port
            // still held by the killed one's sockets, say) is started again.
            loop {
                if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                    self.child = Some(child);
                    return;
                }
                if let Ok(Some(status)) = child.try_wait() {
                    assert!(
                        Instant::now() < deadline,
                        "the server keeps exiting ({status}) instead of listening on {}",
                        self.addr
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    break;
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the server did not listen on {} in time", self.addr);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

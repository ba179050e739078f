//! The Pronto server as a separate process, so a test can kill it the hard way (SIGKILL: no
//! goodbyes, no flushing) and start it again on the same port and database, as a crash and a
//! supervisor's restart would.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pronto_testkit::Scratch;

use crate::{PATIENCE, dist, env_path, free_port};

/// A `pronto-server` process with the demo shop on a fixed loopback port; several may share
/// one database (and Redis), as the servers of one deployment do.
pub struct ServerProcess {
    pub addr: SocketAddr,
    bin: PathBuf,
    dist: PathBuf,
    scratch: Arc<Scratch>,
    child: Option<Child>,
}

impl ServerProcess {
    /// Starts the binary `cargo xtask test` built (`PRONTO_SERVER_BIN`) on fresh storage of the
    /// backend `PRONTO_TEST_BACKEND` names, and waits until it takes connections.
    pub async fn start() -> Self {
        Self::start_on(Arc::new(Scratch::from_env().await)).await
    }

    /// Starts a server on `scratch`'s storage, shared with any other server started on it.
    pub async fn start_on(scratch: Arc<Scratch>) -> Self {
        let bin = env_path("PRONTO_SERVER_BIN", "target/debug/pronto-server");
        assert!(
            bin.is_file(),
            "no server binary at {}: run through `cargo xtask test`, or build it with \
             `cargo build -p pronto-server --bin pronto-server` and set PRONTO_SERVER_BIN",
            bin.display()
        );
        let mut server = Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, free_port())),
            bin,
            dist: dist(),
            scratch,
            child: None,
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

    /// Stops the server as a deployment does (SIGTERM: every socket is told "going away") and
    /// waits until the process is gone.
    pub fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            let sent = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            assert!(sent.is_ok_and(|s| s.success()), "kill -TERM failed");
            let status = child.wait().expect("the server exits");
            assert!(status.success(), "the server stopped with {status}");
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
            let mut command = Command::new(&self.bin);
            if let Some(redis) = &self.scratch.redis_url {
                command
                    .env("REDIS_URL", redis)
                    .env("PRONTO_REDIS_PREFIX", &self.scratch.redis_prefix);
            }
            let mut child = command
                .arg("--listen")
                .arg(self.addr.to_string())
                .arg("--database-url")
                .arg(&self.scratch.database_url)
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

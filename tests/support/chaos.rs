//! A TCP proxy on loopback that breaks the network on purpose, between the browsers and the
//! server: it drops connections, stalls them, and cuts them in the middle of a frame, as
//! phones in tunnels, flaky Wi-Fi and dying proxies do. Faults are drawn from a seeded
//! generator, so a failing run can be tried again with the same seed (the browsers' timing
//! still varies, so the same seed gives similar, not identical, runs).
//!
//! It only ever listens on and connects to 127.0.0.1, and stops, with every connection it
//! holds, when dropped.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How often each fault strikes: the chance, for every chunk of bytes the proxy reads from
/// either side, that it does this to the chunk instead of passing it on.
#[derive(Clone, Copy, Debug)]
pub struct FaultRates {
    /// Close both sides before passing the chunk on.
    pub drop: f64,
    /// Stop forwarding this direction for a while (`stall_ms`), then go on.
    pub stall: f64,
    /// Pass on only part of the chunk, then close both sides: the peer gets half a frame.
    pub cut: f64,
    /// How long a stall lasts: uniformly between these, in milliseconds.
    pub stall_ms: (u64, u64),
}

impl Default for FaultRates {
    /// A network bad enough that a chat of a few dozen messages meets every fault several
    /// times, yet good enough that a page of a few chunks mostly loads.
    fn default() -> Self {
        Self {
            drop: 0.02,
            stall: 0.03,
            cut: 0.02,
            stall_ms: (200, 3_000),
        }
    }
}

/// What the proxy did, for the summary line.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    /// Connections closed at once because the server was down (killed, restarting).
    pub refused: AtomicU64,
    pub drops: AtomicU64,
    pub stalls: AtomicU64,
    pub cuts: AtomicU64,
    pub bytes: AtomicU64,
}

impl std::fmt::Display for FaultCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        write!(
            f,
            "{} connections, {} drops, {} stalls, {} cuts mid-frame, {} refused while the server was down, {} KiB forwarded",
            get(&self.connections),
            get(&self.drops),
            get(&self.stalls),
            get(&self.cuts),
            get(&self.refused),
            get(&self.bytes) / 1024,
        )
    }
}

/// xorshift64*: small, fast, and plenty random for picking faults. Not for secrets.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // splitmix64 of the seed, so that nearby seeds (0, 1, 2…) give unrelated streams and
        // the state is never the all-zero one xorshift cannot leave.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // The top 53 bits: exactly the precision of an f64 in [0, 1).
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }
}

/// The proxy. Point clients at `addr`; it forwards to the upstream port given at start.
pub struct ChaosProxy {
    pub addr: SocketAddr,
    pub counts: Arc<FaultCounts>,
    /// Dropping this tells the accept loop to stop.
    _stop: watch::Sender<()>,
}

impl ChaosProxy {
    /// Listens on a free loopback port and forwards every connection to `upstream` (also on
    /// loopback), with faults at `rates` drawn from `seed`.
    pub async fn start(upstream: SocketAddr, seed: u64, rates: FaultRates) -> Self {
        assert!(
            upstream.ip().is_loopback(),
            "the chaos proxy only talks to loopback"
        );
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("the proxy binds a loopback port");
        let addr = listener.local_addr().expect("bound address");
        let counts = Arc::new(FaultCounts::default());
        let (stop, stopped) = watch::channel(());
        tokio::spawn(accept_loop(
            listener,
            upstream,
            seed,
            rates,
            Arc::clone(&counts),
            stopped,
        ));
        Self {
            addr,
            counts,
            _stop: stop,
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    seed: u64,
    rates: FaultRates,
    counts: Arc<FaultCounts>,
    mut stopped: watch::Receiver<()>,
) {
    // Every connection's task lives in here, so they all end with the loop.
    let mut connections = JoinSet::new();
    let mut index: u64 = 0;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                index += 1;
                counts.connections.fetch_add(1, Ordering::Relaxed);
                // Each connection and direction its own stream, derived from the seed, so one
                // busy socket does not shift the faults every other one gets.
                let rng = Rng::new(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
                connections.spawn(proxy(client, upstream, rng, rates, Arc::clone(&counts)));
            }
            // Reap finished connections so the set does not grow for the whole run.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            // The `ChaosProxy` was dropped.
            _ = stopped.changed() => return,
        }
    }
}

/// One client connection, forwarded both ways until either side closes or a fault ends it.
async fn proxy(
    client: TcpStream,
    upstream: SocketAddr,
    mut rng: Rng,
    rates: FaultRates,
    counts: Arc<FaultCounts>,
) {
    let server = match TcpStream::connect(upstream).await {
        Ok(server) => server,
        Err(_) => {
            // The server is down: closing makes the browser retry, as it would if the
            // server itself refused.
            counts.refused.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pump(
        client_read,
        server_write,
        Rng::new(rng.next_u64()),
        rates,
        Arc::clone(&counts),
    );
    let down = pump(server_read, client_write, rng, rates, counts);
    // Whichever direction ends first ends the connection: dropping the other closes both
    // sockets, which is what a drop or a cut must do.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

/// Copies one direction, injecting faults, until EOF, an error or a fatal fault.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut rng: Rng,
    rates: FaultRates,
    counts: Arc<FaultCounts>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let chunk = &buffer[..read];
        let roll = rng.unit();
        if roll < rates.drop {
            counts.drops.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if roll < rates.drop + rates.cut {
            counts.cuts.fetch_add(1, Ordering::Relaxed);
            // At least one byte short of the chunk: the peer is left in the middle of it.
            let keep = if read > 1 {
                usize::try_from(rng.between(1, read as u64 - 1)).unwrap_or(1)
            } else {
                0
            };
            let _ = to.write_all(&chunk[..keep]).await;
            let _ = to.flush().await;
            return;
        }
        if roll < rates.drop + rates.cut + rates.stall {
            counts.stalls.fetch_add(1, Ordering::Relaxed);
            let (low, high) = rates.stall_ms;
            // A fault, not a wait: the bytes sit here while both ends think they are sent.
            tokio::time::sleep(Duration::from_millis(rng.between(low, high))).await;
        }
        if to.write_all(chunk).await.is_err() {
            return;
        }
        counts.bytes.fetch_add(read as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_seeded_and_spread() {
        let first: Vec<u64> = {
            let mut rng = Rng::new(7);
            (0..4).map(|_| rng.next_u64()).collect()
        };
        let again: Vec<u64> = {
            let mut rng = Rng::new(7);
            (0..4).map(|_| rng.next_u64()).collect()
        };
        assert_eq!(first, again, "same seed, same faults");
        assert_ne!(Rng::new(8).next_u64(), first[0]);
        let mut rng = Rng::new(0);
        let mean = (0..10_000).map(|_| rng.unit()).sum::<f64>() / 10_000.0;
        assert!((0.45..0.55).contains(&mean), "{mean}");
        assert!((0..1_000).all(|_| (200..=3_000).contains(&rng.between(200, 3_000))));
    }

    #[tokio::test]
    async fn bytes_pass_through_and_a_dead_upstream_is_a_closed_connection() {
        let upstream = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let upstream_addr = upstream.local_addr().unwrap();
        let no_faults = FaultRates {
            drop: 0.0,
            stall: 0.0,
            cut: 0.0,
            stall_ms: (0, 0),
        };
        let proxy = ChaosProxy::start(upstream_addr, 1, no_faults).await;
        let echo = tokio::spawn(async move {
            let (mut socket, _) = upstream.accept().await.unwrap();
            let mut buffer = [0u8; 5];
            socket.read_exact(&mut buffer).await.unwrap();
            socket.write_all(&buffer).await.unwrap();
        });
        let mut client = TcpStream::connect(proxy.addr).await.unwrap();
        client.write_all(b"hola!").await.unwrap();
        let mut answer = [0u8; 5];
        client.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"hola!");
        echo.await.unwrap();

        // Nobody listens upstream any more: the proxy hangs up on its client.
        let mut client = TcpStream::connect(proxy.addr).await.unwrap();
        let mut rest = Vec::new();
        let read = client.read_to_end(&mut rest).await;
        assert!(read.is_err() || rest.is_empty());
        assert_eq!(proxy.counts.refused.load(Ordering::Relaxed), 1);
    }
}

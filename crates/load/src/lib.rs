//! Pronto's load generator: each scenario of `cargo xtask bench` as an async function that
//! takes a small config and returns a serialisable result, so the benchmark, the CLI and the
//! smoke test all run the same code at different sizes.
//!
//! - [`idle`]: many visitor sockets that say hello and then sit idle; server memory per socket.
//! - [`chat`]: live conversations at a fixed message rate; latency in both directions.
//! - [`fanout`]: a long queue and one agent taking from its head; how fast positions follow.

pub mod chat;
pub mod fanout;
pub mod idle;
pub mod net;
pub mod stats;

/// The site the scenarios chat on: the server's `--demo` shop.
pub const SITE: &str = "demo";
/// The demo shop's owner, who may create agent accounts (`--demo`).
pub const OWNER_EMAIL: &str = "agent@demo.pronto";
/// The demo shop's plain agent (`--demo`).
pub const DEMO_AGENT_EMAIL: &str = "bruno@demo.pronto";
/// Password of both demo accounts.
pub const DEMO_PASSWORD: &str = "pronto-demo";

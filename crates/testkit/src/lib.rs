//! What Pronto's tests and benchmarks share: throwaway storage ([`Scratch`]), clients that
//! speak the protocol ([`client`]), a shop's past ([`history`]) and an SMTP server on
//! loopback ([`smtp`]).

pub mod client;
pub mod history;
mod scratch;
pub mod smtp;

pub use scratch::{Backend, Scratch};

//! What Pronto's tests and benchmarks share: throwaway storage ([`Scratch`]), clients that
//! speak the protocol ([`client`]) and a shop's past ([`history`]).

pub mod client;
pub mod history;
mod scratch;

pub use scratch::{Backend, Scratch};

//! What Pronto's tests and benchmarks share: throwaway storage ([`Scratch`]) and clients that
//! speak the protocol ([`client`]).

pub mod client;
mod scratch;

pub use scratch::{Backend, Scratch};

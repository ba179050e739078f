//! Pronto's server: visitors' and agents' WebSockets, the queue, storage and static assets.
//!
//! Start one with [`Server::build`] and [`Server::run_until`]; `main.rs` only parses flags.

mod agent;
mod answers;
mod app;
mod assets;
mod assign;
mod auth;
mod canned;
mod clock;
pub mod config;
mod context;
mod dashboard;
pub mod demo;
mod error;
mod fanout;
mod follow_ups;
mod hours;
mod hub;
mod inbound;
mod letters;
mod limits;
mod locale;
mod mail;
mod operations;
mod origin;
mod presence;
mod queue;
mod reply_time;
mod settings;
mod shop_page;
mod socket;
mod storage;
mod team;
mod token;
mod transcript;
mod visitor;
mod wait;

pub use app::{Running, Server};
pub use config::Config;

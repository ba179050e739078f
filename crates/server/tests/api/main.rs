//! Server integration tests: a real server on port 0, real WebSocket and HTTP clients.

mod helpers;

mod accounts;
mod agent;
mod answers;
mod appearance;
mod assets;
mod assignment;
mod bad_input;
mod dashboard;
mod follow_ups;
mod hours;
mod mail;
mod operations;
mod queue;
mod security;
mod sites;
mod team;
mod visitor;

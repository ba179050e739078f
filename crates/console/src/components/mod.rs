//! The console's view, one component per file. Components read `Console` and send through
//! it (replies) or through `Sender` (everything else), both from context; neither I/O nor
//! frame handling lives here.

mod app;
mod composer;
mod conversation;
mod conversation_list;
mod conversation_tab;
mod dashboard;
mod desk;
mod error_banner;
mod follow_ups;
mod language_switch;
mod login;
mod message;
mod pending;
mod queue;
mod queue_entry;
mod settings;
mod transfer;
mod visitor_history;
mod visitor_page;

pub use app::App;

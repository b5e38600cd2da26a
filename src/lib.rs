//! shiwa keeps a fleet of Linux machines on time and lets operators see and manage it.
//!
//! The binary (`src/main.rs`) is a few lines over this library. `cli` is the only place that
//! knows about argument parsing and terminal output; everything else is reusable library code.
//! See `docs/ARCHITECTURE.md` for the map.

pub mod api;
pub mod cli;
pub mod clock;
pub mod config;
pub mod durable_sqlite;
pub mod engine;
pub mod errors;
pub mod es;
pub mod exit;
pub mod fleet;
pub mod fsutil;
pub mod generate;
pub mod heap;
pub mod http_client;
pub mod hub;
pub mod net;
pub mod ntp;
pub mod observe;
pub mod phc_source;
pub mod pki;
pub mod ptp;
pub mod render;
pub mod secret;
pub mod selection;
pub mod servo;
pub mod sim;
pub mod source;
pub mod ssh;
pub mod systemd;
pub mod time;
pub mod version;

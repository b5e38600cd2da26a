//! `shiwa hub`: the fleet server. Nodes push [`crate::fleet`] reports, events and backups;
//! the hub stores them (SQLite or PostgreSQL), watches for silent nodes (dead-man's switch)
//! and closed ports, alerts through webhooks, serves a dashboard, and hands a node's backup
//! back to `shiwa recover`.

pub mod alerts;
pub mod api;
pub mod backup_watch;
pub mod checks;
pub mod config;
pub mod dashboard;
pub mod nodes;
pub mod policy;
pub mod server;
pub mod store;
pub mod sweep;

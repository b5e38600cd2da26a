//! `shiwa hub` end to end: a real hub on 127.0.0.1 (SQLite, and PostgreSQL in a throwaway
//! cluster) driven with curl.

mod api;
mod chromium;
mod credentials;
pub mod dashboard;
mod durability;
mod hostile;
mod policy_checks;
mod policy_delivery;
pub mod support;

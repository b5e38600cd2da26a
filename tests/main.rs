//! The one integration-test binary: CLI, config, provisioning and real-peer tests.
//!
//! Tests that need root or a real peer (openssl, systemd-analyze, ...) fail under `CI=true`
//! when they cannot run, and say so loudly otherwise; see `support::require`.

mod api;
mod cli;
mod config;
mod es;
mod fleet;
mod generated;
mod hub;
mod import;
mod node;
mod peers;
mod pki;
mod ssh;
mod status;
mod support;
mod sync;
mod systemd;

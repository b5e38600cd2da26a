//! Active checks: the hub probes the ports nodes declare (`host.ports` in their reports) and
//! raises `port_down` / `port_up`.
//!
//! - [`settings`]: the `checks:` section ([`CheckSettings`]).
//! - [`scheduler`]: pure: which node:port is due when, consecutive failures/successes →
//!   events, latency samples ([`CheckScheduler`]).
//! - [`prober`]: TCP connect or HTTP GET within the timeout ([`Prober`]).
//! - [`driver`]: the check task ([`run_checks`]): commands in, probes in their own tasks,
//!   outcomes (samples, events) out on a channel.

pub mod driver;
pub mod prober;
pub mod scheduler;
pub mod settings;

pub use driver::{CheckCommand, run_checks};
pub use prober::{Prober, ProberError};
pub use scheduler::{
    CheckOutcome, CheckScheduler, LatencySample, PortState, ProbeRequest, ProbeResult, TargetKey,
    probe_host,
};
pub use settings::{CheckSettings, CheckSettingsError};

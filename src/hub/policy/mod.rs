//! The hub's policy, wired: the dead-man's switch sweep ([`crate::hub::sweep`]), overdue
//! backups ([`crate::hub::backup_watch`]), active port checks ([`crate::hub::checks`]) and
//! alerts ([`crate::hub::alerts`]) running beside the API.
//!
//! - [`link`]: [`PolicyLink`], the ingest side: a new report or node event is a non-blocking
//!   notice to the policy task.
//! - [`start`]: [`start`] spawns the three tasks for `shiwa hub`.
//! - [`runner`]: [`run_policy`], the task: sweeps on `deadman.sweep_interval` (state changes
//!   and their events stored, then alerted on), recoveries as reports arrive, check targets
//!   from reports, port checks and port events stored, delivery attempts logged.
//!
//! ```text
//! ingest ──PolicyLink──▶ policy task ──events──▶ alert task ──attempts──▶ policy task ─▶ store
//!                          │   ▲                       (webhooks)
//!                 Watch/Forget  outcomes
//!                          ▼   │
//!                        check task (probes)
//! ```

pub mod link;
pub mod runner;
pub mod start;

pub use link::{LINK_CAPACITY, PolicyInput, PolicyLink};
pub use runner::{PolicyChannels, notification_entry, run_policy};
pub use start::{PolicyStartError, PolicyTasks, start};

//! The node side of the fleet: `shiwa sync` pushes reports, events and backups to the hub.
//!
//! - [`spool`]: the durable SQLite spool every record passes through (at-least-once).
//! - [`schedule`]: the pure scheduler: report timer, backup checks, backoff, held pushes.
//! - [`records`]: reports, events and backups built for the spool.
//! - [`client`]: the HTTP client (reqwest, rustls with aws-lc-rs) and the hub's answers.
//! - [`driver`]: the tokio task inside `shiwa sync` that applies the scheduler's actions.
//! - [`status`]: the `hub` section of the snapshot (spool and push counters).
//! - [`watch`]: pure watchers turning snapshots and log records into fleet events.

pub mod client;
pub mod driver;
pub mod records;
pub mod schedule;
pub mod spool;
pub mod status;
pub mod watch;

pub use driver::{Reporter, ReporterError};
pub use schedule::{PushResult, PushState, PushVerdict, ReporterAction, Scheduler};
pub use spool::{DeadLetter, RecordKind, Spool, SpoolCounters, SpoolError, SpooledRecord};
pub use status::{HubPushState, HubSnapshot};
pub use watch::EventWatch;

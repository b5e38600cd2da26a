//! The fleet's wire types: what a node pushes to `shiwa hub` and what the hub keeps.
//!
//! - [`ids`]: [`NodeId`] and [`RecordId`], restricted to URL-, path- and log-safe characters.
//! - [`event_type`]: the fixed [`EventType`] registry with default severities and origins.
//! - [`reporter`]: the node side inside `shiwa sync`: durable spool, scheduler, driver.
//! - [`backup`]: the config and PKI files, sealed with the retrieval password or non-secret.
//! - [`host`]: the host facts sent with every report.
//! - [`wire`]: [`Report`], [`Event`], [`Backup`] as versioned JSON ([`WIRE_VERSION`]), with
//!   the validation the hub runs before storing anything.
//!
//! Every record carries an id the node generated, so every push is idempotent: a retry after
//! a lost acknowledgement is acknowledged again and stored once.

pub mod backup;
pub mod event_type;
pub mod host;
pub mod ids;
pub mod recovery;
pub mod reporter;
pub mod restore;
pub mod wire;

pub use event_type::{EventOrigin, EventType};
pub use ids::{IdError, NodeId, RecordId};
pub use wire::{
    Backup, BackupFile, BackupPayload, CheckKind, DeclaredPort, Event, HostFacts, Report,
    WIRE_VERSION, WireError,
};

//! The sync engine: wires sources → selection → servo → clock and publishes snapshots.

pub mod plan;

//! `shiwa hub` end to end: a real hub on 127.0.0.1 driven with curl and real `sync` nodes.

mod policy_checks;
mod policy_delivery;

//! `GET /metrics`: the hub's own figures in the Prometheus text format 0.0.4, so an outside
//! Prometheus can tell when the hub stops ingesting or sweeping.

use super::state::{Counters, Kind, Outcome};
use crate::hub::store::NodeCounts;
use std::fmt::Write;

/// The `Content-Type` of `/metrics`.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders the metrics (a pure function of its arguments).
pub fn render(nodes: &NodeCounts, counters: &Counters) -> String {
    let mut out = String::new();
    out.push_str("# HELP shiwa_hub_nodes Nodes by dead-man's switch state.\n");
    out.push_str("# TYPE shiwa_hub_nodes gauge\n");
    for (state, count) in &nodes.by_state {
        let _ = writeln!(out, "shiwa_hub_nodes{{state=\"{state}\"}} {count}");
    }
    out.push_str("# HELP shiwa_hub_nodes_blocked Nodes whose pushes are refused.\n");
    out.push_str("# TYPE shiwa_hub_nodes_blocked gauge\n");
    let _ = writeln!(out, "shiwa_hub_nodes_blocked {}", nodes.blocked);
    out.push_str("# HELP shiwa_hub_nodes_maintenance Nodes in maintenance.\n");
    out.push_str("# TYPE shiwa_hub_nodes_maintenance gauge\n");
    let _ = writeln!(out, "shiwa_hub_nodes_maintenance {}", nodes.maintenance);
    out.push_str("# HELP shiwa_hub_ingest_total Pushes received, by kind and outcome.\n");
    out.push_str("# TYPE shiwa_hub_ingest_total counter\n");
    for kind in Kind::ALL {
        for outcome in Outcome::ALL {
            let _ = writeln!(
                out,
                "shiwa_hub_ingest_total{{kind=\"{}\",outcome=\"{}\"}} {}",
                kind.name(),
                outcome.name(),
                counters.get(kind, outcome)
            );
        }
    }
    out.push_str(
        "# HELP shiwa_hub_last_sweep_timestamp_seconds When the dead-man's switch last swept (0: not yet).\n",
    );
    out.push_str("# TYPE shiwa_hub_last_sweep_timestamp_seconds gauge\n");
    let _ = writeln!(
        out,
        "shiwa_hub_last_sweep_timestamp_seconds {}",
        counters.last_sweep_s()
    );
    out
}

//! `shiwa hub node add|list|rotate-key|remove|block|unblock|maintenance`.

use crate::config::ConfigDuration;
use crate::exit::ExitStatus;
use crate::fleet::NodeId;
use crate::hub::config;
use crate::hub::nodes::{self, Provisioned};
use crate::hub::store::{self, AnyStore, HubStore};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::Path;

/// Node management.
#[derive(Debug, Args)]
pub struct NodeArgs {
    #[command(subcommand)]
    action: NodeAction,
    /// The database [default: hub.yaml's database_url]
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "SHIWA_HUB_DATABASE_URL"
    )]
    database_url: Option<String>,
    /// Print JSON (for provisioning scripts)
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum NodeAction {
    /// Add a node; prints its API key and retrieval password once
    Add {
        /// The node's id (its host name by default on the node)
        #[arg(value_parser = parse_node)]
        node: NodeId,
        /// How often the node reports (e.g. 15m)
        #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = ConfigDuration::parse)]
        report_interval: ConfigDuration,
        /// A port for the hub to check: NAME:PORT (TCP) or NAME:PORT:/path (HTTP GET)
        #[arg(long = "port", value_name = "SPEC")]
        ports: Vec<String>,
    },
    /// List nodes
    List,
    /// Replace a node's API key; prints the new one once
    RotateKey {
        /// The node's id
        #[arg(value_parser = parse_node)]
        node: NodeId,
    },
    /// Remove a node and everything stored for it
    Remove {
        /// The node's id
        #[arg(value_parser = parse_node)]
        node: NodeId,
    },
    /// Refuse a node's pushes (403) and skip it in the sweep
    Block {
        /// The node's id
        #[arg(value_parser = parse_node)]
        node: NodeId,
    },
    /// Accept a node's pushes again
    Unblock {
        /// The node's id
        #[arg(value_parser = parse_node)]
        node: NodeId,
    },
    /// Put a node in maintenance (on) or take it out (off)
    Maintenance {
        /// The node's id
        #[arg(value_parser = parse_node)]
        node: NodeId,
        /// `on` or `off`
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

fn parse_node(text: &str) -> Result<NodeId, crate::fleet::IdError> {
    NodeId::new(text)
}

/// Opens the database and runs the action.
pub async fn run(args: NodeArgs, config_path: &Path) -> anyhow::Result<ExitStatus> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => config::load(config_path)?.config.database_url,
    };
    match store::open(&url).await? {
        AnyStore::Sqlite(store) => act(&store, args).await,
        AnyStore::Postgres(store) => act(&store, args).await,
    }
}

async fn act<S: HubStore>(store: &S, args: NodeArgs) -> anyhow::Result<ExitStatus> {
    let now = crate::ntp::driver::realtime_now();
    let done = |node: &NodeId, what: &str| {
        if args.json {
            println!("{}", serde_json::json!({ "node_id": node, "result": what }));
        } else {
            println!("{node}: {what}");
        }
    };
    match args.action {
        NodeAction::Add {
            node,
            report_interval,
            ports,
        } => {
            let ports = ports
                .iter()
                .map(|p| nodes::parse_port_spec(p))
                .collect::<Result<_, _>>()?;
            let seconds = report_interval.0.as_secs();
            let provisioned = nodes::add(store, node, seconds, ports, now).await?;
            print_provisioned(&provisioned, args.json)?;
        }
        NodeAction::List => list(store, args.json, now).await?,
        NodeAction::RotateKey { node } => {
            print_provisioned(&nodes::rotate_key(store, node).await?, args.json)?;
        }
        NodeAction::Remove { node } => {
            nodes::found(&node, store.remove_node(&node).await?)?;
            done(&node, "removed");
        }
        NodeAction::Block { node } => {
            nodes::found(&node, store.set_blocked(&node, true).await?)?;
            done(&node, "blocked");
        }
        NodeAction::Unblock { node } => {
            nodes::found(&node, store.set_blocked(&node, false).await?)?;
            done(&node, "unblocked");
        }
        NodeAction::Maintenance { node, state } => {
            nodes::found(&node, store.set_maintenance(&node, state == "on").await?)?;
            done(
                &node,
                if state == "on" {
                    "in maintenance"
                } else {
                    "out of maintenance"
                },
            );
        }
    }
    Ok(ExitStatus::Success)
}

fn print_provisioned(provisioned: &Provisioned, json: bool) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string(provisioned).context("rendering JSON")?
        );
        return Ok(());
    }
    println!("node:               {}", provisioned.node_id);
    if let Some(key) = &provisioned.api_key {
        println!("API key:            {}", key.expose());
    }
    if let Some(password) = &provisioned.retrieval_password {
        println!("retrieval password: {}", password.expose());
    }
    println!("(shown once: the hub keeps only their hashes)");
    Ok(())
}

async fn list<S: HubStore>(
    store: &S,
    json: bool,
    now: crate::time::Timestamp,
) -> anyhow::Result<()> {
    let nodes = store.list_nodes().await?;
    if json {
        println!("{}", serde_json::json!({ "nodes": nodes }));
        return Ok(());
    }
    let mut table = crate::render::table(["node", "state", "last seen", "offset", "flags"]);
    for node in &nodes {
        let offset = node.last_report.as_ref().and_then(|r| r.offset_ns);
        let mut flags = Vec::new();
        if node.blocked {
            flags.push("blocked");
        }
        if node.maintenance {
            flags.push("maintenance");
        }
        table.add_row([
            node.node_id.to_string(),
            node.state.to_string(),
            node.last_seen
                .map_or("never".into(), |t| crate::render::ago(now, t)),
            offset.map_or("-".into(), |ns| format!("{ns} ns")),
            flags.join(","),
        ]);
    }
    println!("{table}");
    Ok(())
}

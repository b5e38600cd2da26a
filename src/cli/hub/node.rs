//! `shiwa hub node add|list|rotate-key|remove|block|unblock|maintenance`.

use crate::config::ConfigDuration;
use crate::exit::ExitStatus;
use crate::fleet::NodeId;
use crate::hub::config;
use crate::hub::nodes::{self, NodeChange, Provisioned};
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
    let (node, change) = match args.action {
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
            return print_provisioned(&provisioned, args.json);
        }
        NodeAction::RotateKey { node } => {
            return print_provisioned(&nodes::rotate_key(store, node).await?, args.json);
        }
        NodeAction::List => {
            let nodes = store.list_nodes().await?;
            match args.json {
                true => println!("{}", serde_json::json!({ "nodes": nodes })),
                false => println!("{}", crate::render::hub_nodes_table(&nodes, now)),
            }
            return Ok(ExitStatus::Success);
        }
        NodeAction::Remove { node } => (node, NodeChange::Remove),
        NodeAction::Block { node } => (node, NodeChange::Blocked(true)),
        NodeAction::Unblock { node } => (node, NodeChange::Blocked(false)),
        NodeAction::Maintenance { node, state } => (node, NodeChange::Maintenance(state == "on")),
    };
    let done = nodes::change(store, &node, change).await?;
    match args.json {
        true => println!("{}", serde_json::json!({ "node_id": node, "result": done })),
        false => println!("{node}: {done}"),
    }
    Ok(ExitStatus::Success)
}

fn print_provisioned(provisioned: &Provisioned, json: bool) -> anyhow::Result<ExitStatus> {
    match json {
        true => println!(
            "{}",
            serde_json::to_string(provisioned).context("rendering JSON")?
        ),
        false => println!("{}", crate::render::provisioned_text(provisioned)),
    }
    Ok(ExitStatus::Success)
}

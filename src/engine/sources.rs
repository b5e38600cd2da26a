//! The running source and server tasks of the daemon: started from the config, stopped on
//! shutdown or reload.

use super::EngineError;
use super::core::SourceRuntime;
use super::plan::{plan_ntp_servers, server_host_port};
use crate::config::{Config, Protocol};
use crate::net::{SocketOptions, TimestampedUdpSocket};
use crate::ntp::client::ClientConfig;
use crate::ntp::driver::{ClientTask, run_server};
use crate::ntp::server::ServerState;
use crate::phc_source::PhcSourceSettings;
use crate::phc_source::driver::PhcTask;
use crate::ptp::driver::{ClockView, PtpSettings, PtpTask};
use crate::source::{SourceCommand, SourceStatus, SourceUpdate};
use crate::time::Ppb;
use rand::Rng;
use std::net::SocketAddr;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

/// log2 seconds of CLOCK_REALTIME's reading precision on Linux with kernel timestamps.
pub const CLOCK_PRECISION: i8 = -20;

/// Handles on every task the daemon runs for its sources and NTP servers.
pub struct SourceTasks {
    handles: Vec<JoinHandle<()>>,
    shutdown: watch::Sender<bool>,
    commands: broadcast::Sender<SourceCommand>,
    server_state: watch::Sender<ServerState>,
    clock_view: watch::Sender<ClockView>,
    servers: Vec<SocketAddr>,
}

impl SourceTasks {
    /// Starts a task per client source and per NTP server endpoint. Binding a server socket
    /// can fail (port in use, no permission): that is an error naming the address.
    pub fn start(
        config: &Config,
        sources: &[SourceRuntime],
        updates: mpsc::Sender<SourceUpdate>,
        adjust_clock: bool,
    ) -> Result<Self, EngineError> {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (commands, _) = broadcast::channel(16);
        let (server_state, server_state_rx) =
            watch::channel(ServerState::unsynchronized(CLOCK_PRECISION));
        let (clock_view, clock_view_rx) = watch::channel(ClockView {
            synchronized: false,
            frequency: Ppb::ZERO,
        });
        let mut handles = Vec::new();
        let endpoints = plan_ntp_servers(config).map_err(EngineError::Plan)?;
        for address in &endpoints {
            let socket = TimestampedUdpSocket::bind(*address, SocketOptions::software())?;
            tracing::info!(address = %address, "serving NTP");
            handles.push(tokio::spawn(run_server(
                socket,
                server_state_rx.clone(),
                shutdown_rx.clone(),
            )));
        }
        let mut seeds = crate::ntp::driver::nonce_rng();
        for source in sources.iter().filter(|s| !s.spec.config.disable) {
            let spec = &source.spec;
            if spec.protocol() == Protocol::Ptp {
                let hardware_timestamping = config
                    .timebeat
                    .advanced
                    .linux_specific
                    .hardware_timestamping;
                let settings = PtpSettings {
                    hardware_timestamping,
                    steer_phc: hardware_timestamping && adjust_clock,
                    ..PtpSettings::from_config(&spec.name, &spec.config, seeds.next_u64())
                        .map_err(|err| EngineError::Plan(err.to_string()))?
                };
                let task = PtpTask {
                    id: spec.is_client().then_some(spec.id),
                    name: spec.name.clone(),
                    settings,
                    updates: updates.clone(),
                    commands: commands.subscribe(),
                    clock: clock_view_rx.clone(),
                    shutdown: shutdown_rx.clone(),
                };
                handles.push(tokio::spawn(task.run()));
                continue;
            }
            if !spec.is_client() {
                continue;
            }
            match spec.protocol() {
                Protocol::Ntp => {
                    let (host, port) =
                        server_host_port(spec.config.ip.as_deref().unwrap_or_default());
                    let task = ClientTask {
                        id: spec.id,
                        host,
                        port,
                        interface: spec.config.interface.clone(),
                        config: ClientConfig::from_source(&spec.config),
                        updates: updates.clone(),
                        commands: commands.subscribe(),
                        shutdown: shutdown_rx.clone(),
                    };
                    handles.push(tokio::spawn(task.run()));
                }
                Protocol::Phc => {
                    let settings = PhcSourceSettings::from_config(&spec.config)
                        .map_err(|err| EngineError::Plan(format!("{}: {err}", spec.name)))?;
                    let task = PhcTask {
                        id: spec.id,
                        name: spec.name.clone(),
                        settings,
                        updates: updates.clone(),
                        shutdown: shutdown_rx.clone(),
                    };
                    handles.push(tokio::spawn(task.run()));
                }
                other => {
                    let problem =
                        format!("{} sources are not supported yet: skipped", other.name());
                    tracing::warn!(source = %spec.name, "{problem}");
                    let status = SourceStatus {
                        problem: Some(problem),
                        ..SourceStatus::default()
                    };
                    let _ = updates.try_send(SourceUpdate::Status {
                        id: spec.id,
                        status,
                    });
                }
            }
        }
        Ok(SourceTasks {
            handles,
            shutdown,
            commands,
            server_state,
            clock_view,
            servers: endpoints,
        })
    }

    /// Tells every running source something.
    pub fn broadcast(&self, command: SourceCommand) {
        let _ = self.commands.send(command);
    }

    /// What the NTP servers answer with from now on.
    pub fn set_server_state(&self, state: ServerState) {
        self.server_state.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
    }

    /// What PTP ports are told about the local clock from now on.
    pub fn set_clock_view(&self, view: ClockView) {
        self.clock_view.send_if_modified(|current| {
            let changed = *current != view;
            *current = view;
            changed
        });
    }

    /// The addresses NTP is served on.
    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    /// Stops every task and waits for them (at most 5 s each).
    pub async fn stop_all(&mut self) {
        let _ = self.shutdown.send(true);
        for handle in self.handles.drain(..) {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), handle).await;
        }
    }
}

//! The async driver of `shiwa sync`: owns the clock, the source tasks, the NTP servers and the
//! observation socket, and feeds the pure [`EngineCore`]. Thin: every decision is the core's.

use super::core::{EngineAction, EngineCore};
use super::reporter_task::{ReporterContext, ReporterTask};
use super::shipper_task::ShipperTask;
use super::sources::SourceTasks;
use super::surfaces::Surfaces;
use super::{EngineError, settings};
use crate::clock::{Clock, InterferenceDetector, InterferenceEvent, SystemClock};
use crate::config::{self, Config};
use crate::es::status::EsSnapshot;
use crate::fleet::reporter::HubSnapshot;
use crate::observe::ReportedOutput;
use crate::observe::{
    ControlCommand, ControlRequest, LogBuffer, ObserveState, SnapshotSource, SourceSelector,
    SyncSnapshot,
};
use crate::source::{SourceCommand, SourceUpdate};
use crate::systemd::notify::{Notifier, NotifyError, clock_status};
use crate::time::{Duration, Timestamp};
use std::path::PathBuf;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

/// How long a standalone `ship-es`'s last report stays in the snapshot (it reports every 2 s;
/// a shipper gone quiet drops out of `status` and `/metrics`).
const REPORT_FRESH: Duration = Duration::from_secs(15);

/// How `shiwa sync` was asked to run.
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    /// The config file (re-read on SIGHUP and `reload`).
    pub config_path: PathBuf,
    /// The observation/control socket.
    pub socket_path: PathBuf,
    /// Force monitor mode whatever the config says (`--monitor`).
    pub force_monitor: bool,
    /// Where state that outlives a run is kept (the SSH shell's host key).
    pub state_dir: PathBuf,
}

/// The running daemon's moving parts.
struct Daemon {
    options: DaemonOptions,
    config: Config,
    clock: Box<dyn Clock>,
    core: EngineCore,
    detector: InterferenceDetector,
    tasks: SourceTasks,
    updates_tx: mpsc::Sender<SourceUpdate>,
    snapshot_tx: watch::Sender<SyncSnapshot>,
    /// The running configuration, redacted, for `config` requests.
    config_tx: watch::Sender<serde_json::Value>,
    hub_rx: watch::Receiver<Option<HubSnapshot>>,
    es_rx: watch::Receiver<Option<EsSnapshot>>,
    reports_rx: watch::Receiver<Option<ReportedOutput>>,
    host: String,
    notifier: Notifier,
    notify_failed: bool,
    /// The clock was opened writable (adjusted at start).
    clock_writable: bool,
}

/// Runs `shiwa sync` until SIGTERM or SIGINT.
pub async fn run(
    options: DaemonOptions,
    config: Config,
    logs: LogBuffer,
) -> Result<(), EngineError> {
    // Signal handlers first: once the socket exists, a client may send SIGTERM at any moment,
    // and the default action would kill the daemon without its graceful stop.
    let mut hangup = signal(SignalKind::hangup()).map_err(EngineError::Signal)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(EngineError::Signal)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(EngineError::Signal)?;
    let clock = settings::open_clock(&config, options.force_monitor)?;
    let now = clock.now()?;
    let host = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "localhost".into());
    let (snapshot_tx, snapshot_rx) = watch::channel(SyncSnapshot::starting(now, host.clone()));
    let (control_tx, mut control_rx) = mpsc::channel::<ControlRequest>(16);
    let (updates_tx, mut updates_rx) = mpsc::channel::<SourceUpdate>(256);
    let group = crate::observe::group_id("shiwa")?;
    let bound = crate::observe::bind_socket(&options.socket_path, 0o660, group)?;
    let (stop_tx, mut stop_rx) = watch::channel(false);
    let (config_tx, config_rx) = watch::channel(redacted_document(&config));
    let (hub_tx, hub_rx) = watch::channel(None);
    let reporter_context = ReporterContext {
        config_path: options.config_path.clone(),
        state_dir: options.state_dir.clone(),
        host: host.clone(),
        snapshots: snapshot_rx.clone(),
        logs: logs.clone(),
        status: hub_tx,
    };
    let mut reporter = ReporterTask::start(&config, reporter_context).await?;
    let mut reported_config = config.clone();
    let (reports_tx, reports_rx) = watch::channel(None);
    let observe_state = ObserveState::new(snapshot_rx, logs)
        .with_control(control_tx)
        .with_config(config_rx)
        .with_reports(reports_tx);
    let in_process = SnapshotSource::in_process(&observe_state);
    let surfaces = Surfaces::start(&config, &options.state_dir, &in_process, &stop_rx).await?;
    let (es_tx, es_rx) = watch::channel(None);
    let mut shipper =
        ShipperTask::start(&config, options.state_dir.clone(), in_process, es_tx).await;
    let observe_task = tokio::spawn(crate::observe::serve(
        bound.listener,
        observe_state,
        async move {
            let _ = stop_rx.wait_for(|stop| *stop).await;
        },
    ));

    let channels = Channels {
        updates_tx,
        snapshot_tx,
        config_tx,
        hub_rx,
        es_rx,
        reports_rx,
    };
    let mut daemon = Daemon::start(options, config, clock, channels, host)?;
    daemon.notify(|n, status| n.ready(status));
    tracing::info!(
        socket = %daemon.options.socket_path.display(),
        sources = daemon.core.sources().len(),
        adjust_clock = daemon.adjusts_clock(),
        ntp_servers = daemon.tasks.servers().len(),
        "shiwa sync started"
    );

    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            Some(update) = updates_rx.recv() => daemon.on_update(update)?,
            _ = tick.tick() => daemon.on_tick()?,
            Some(request) = control_rx.recv() => {
                let outcome = daemon.on_control(request.command).await;
                let _ = request.reply.send(outcome);
                reporter.reconcile(&daemon.config, &reported_config).await;
                shipper.reconcile(&daemon.config, &reported_config).await;
                reported_config = daemon.config.clone();
            }
            _ = hangup.recv() => {
                if let Err(reason) = daemon.reload().await {
                    tracing::error!("reload refused, keeping the running configuration: {reason}");
                }
                reporter.reconcile(&daemon.config, &reported_config).await;
                shipper.reconcile(&daemon.config, &reported_config).await;
                reported_config = daemon.config.clone();
            }
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    tracing::info!("shiwa sync stopping");
    daemon.notify(|n, _| n.stopping());
    daemon.tasks.stop_all().await;
    daemon.publish()?;
    let _ = stop_tx.send(true);
    let _ = observe_task.await;
    surfaces.join().await;
    reporter.stop().await;
    shipper.stop().await;
    drop(bound.file);
    Ok(())
}

/// The running configuration as `config show --json` prints it, secrets redacted.
fn redacted_document(config: &Config) -> serde_json::Value {
    config::to_document(&config.redacted())
}

/// Where the daemon sends what it learns.
struct Channels {
    updates_tx: mpsc::Sender<SourceUpdate>,
    snapshot_tx: watch::Sender<SyncSnapshot>,
    config_tx: watch::Sender<serde_json::Value>,
    /// The fleet reporter's counters for the snapshot's `hub` section.
    hub_rx: watch::Receiver<Option<HubSnapshot>>,
    /// The Elasticsearch shipper's counters for its section.
    es_rx: watch::Receiver<Option<EsSnapshot>>,
    /// The counters a standalone `ship-es` reports over the socket.
    reports_rx: watch::Receiver<Option<ReportedOutput>>,
}

impl Daemon {
    fn start(
        options: DaemonOptions,
        config: Config,
        clock: Box<dyn Clock>,
        channels: Channels,
        host: String,
    ) -> Result<Self, EngineError> {
        let Channels {
            updates_tx,
            snapshot_tx,
            config_tx,
            hub_rx,
            es_rx,
            reports_rx,
        } = channels;
        let now = clock.now()?;
        let core = settings::build_core(&config, options.force_monitor, clock.frequency()?, now);
        let adjust_clock = config.timebeat.clock_sync.adjust_clock && !options.force_monitor;
        let tasks = SourceTasks::start(&config, core.sources(), updates_tx.clone(), adjust_clock)?;
        let mut detector = InterferenceDetector::new(Default::default());
        detector.frequency_set(clock.frequency()?);
        let mut daemon = Daemon {
            options,
            config,
            clock,
            core,
            detector,
            tasks,
            updates_tx,
            snapshot_tx,
            config_tx,
            hub_rx,
            es_rx,
            reports_rx,
            host,
            notifier: Notifier::from_env(),
            notify_failed: false,
            clock_writable: adjust_clock,
        };
        daemon.publish()?;
        Ok(daemon)
    }

    /// Whether the clock is steered: the config asks for it and the clock opened at start is
    /// writable (a reload cannot swap a read-only clock for a writable one).
    fn adjusts_clock(&self) -> bool {
        self.clock_writable
            && self.config.timebeat.clock_sync.adjust_clock
            && !self.options.force_monitor
    }

    fn now(&self) -> Result<Timestamp, EngineError> {
        Ok(self.clock.now()?)
    }

    fn on_update(&mut self, update: SourceUpdate) -> Result<(), EngineError> {
        let now = self.now()?;
        let actions = self.core.on_update(update, now);
        self.apply(actions)?;
        self.publish()
    }

    fn on_tick(&mut self) -> Result<(), EngineError> {
        let now = self.now()?;
        let actions = self.core.on_tick(now);
        self.apply(actions)?;
        self.check_interference(now)?;
        self.publish()?;
        self.notify(|n, status| {
            n.watchdog()?;
            n.status(status)
        });
        Ok(())
    }

    /// Applies the core's actions to the clock, in order.
    fn apply(&mut self, actions: Vec<EngineAction>) -> Result<(), EngineError> {
        for action in actions {
            match action {
                EngineAction::Step(delta) => {
                    self.clock.step(delta)?;
                    self.detector.stepped(delta);
                }
                EngineAction::SetFrequency(frequency) => {
                    let clamped = frequency.clamp(self.clock.max_frequency());
                    self.clock.adjust_frequency(clamped)?;
                    self.detector.frequency_set(clamped);
                }
                EngineAction::SetSyncStatus(status) => self.clock.set_sync_status(status)?,
                EngineAction::ShiftSourceOffsets(delta) => {
                    self.tasks.broadcast(SourceCommand::ShiftOffsets(delta));
                }
            }
        }
        Ok(())
    }

    /// Compares the kernel's clock state with what we set; another writer means back off.
    fn check_interference(&mut self, now: Timestamp) -> Result<(), EngineError> {
        if !self.adjusts_clock() {
            return Ok(());
        }
        let reading = SystemClock::interference_reading()?;
        let monotonic = SystemClock::monotonic_now()?;
        match self.detector.observe(reading, monotonic) {
            Some(InterferenceEvent::Detected(alert) | InterferenceEvent::Extended(alert)) => {
                self.core.enter_interference_backoff(alert.to_string(), now);
            }
            Some(InterferenceEvent::BackOffEnded) => {
                let frequency = self.clock.frequency()?;
                self.core.end_interference_backoff(frequency, now);
            }
            None => {}
        }
        Ok(())
    }

    fn publish(&mut self) -> Result<(), EngineError> {
        let now = self.now()?;
        let mut snapshot =
            super::snapshot::build(&self.core, now, &self.host, self.adjusts_clock());
        snapshot.hub = self.hub_rx.borrow().clone();
        snapshot.elasticsearch = self.es_rx.borrow().clone().or_else(|| {
            let reported = self.reports_rx.borrow();
            reported
                .as_ref()
                .filter(|report| now.since(report.received) < REPORT_FRESH)
                .map(|report| report.elasticsearch.clone())
        });
        self.snapshot_tx.send_replace(snapshot);
        self.tasks
            .set_server_state(super::snapshot::server_state(&self.core, now));
        self.tasks.set_clock_view(crate::ptp::driver::ClockView {
            synchronized: super::core::is_synchronized(self.core.phase().0),
            frequency: self.core.frequency(),
        });
        Ok(())
    }

    /// Tells systemd something (with the clock's status line); a failure is logged once.
    fn notify(&mut self, send: impl FnOnce(&Notifier, &str) -> Result<(), NotifyError>) {
        let status = clock_status(&self.snapshot_tx.borrow().clock);
        if let Err(err) = send(&self.notifier, &status)
            && !self.notify_failed
        {
            tracing::warn!("systemd notification failed: {err}");
            self.notify_failed = true;
        }
    }

    async fn on_control(&mut self, command: ControlCommand) -> Result<String, String> {
        match command {
            ControlCommand::Reload => self
                .reload()
                .await
                .map(|()| "configuration reloaded".into()),
            ControlCommand::Enable(selector) => self.set_source(&selector, true),
            ControlCommand::Disable(selector) => self.set_source(&selector, false),
        }
    }

    /// Enables or disables the source `selector` names.
    fn set_source(&mut self, selector: &SourceSelector, enable: bool) -> Result<String, String> {
        let now = self.now().map_err(|err| err.to_string())?;
        let snapshot = self.snapshot_tx.borrow().clone();
        let source = snapshot
            .sources
            .iter()
            .find(|s| selector.matches(s))
            .ok_or_else(|| format!("no source named {selector}"))?;
        self.core.set_enabled(source.id, enable, now);
        self.publish().map_err(|err| err.to_string())?;
        let verb = if enable { "enabled" } else { "disabled" };
        Ok(format!("{verb} {}", source.name))
    }

    /// Re-reads the config file; a bad file is refused with its errors and the old one kept.
    async fn reload(&mut self) -> Result<(), String> {
        let path = &self.options.config_path;
        let loaded = config::load_file(path).map_err(|err| err.to_string())?;
        for warning in &loaded.warnings {
            tracing::warn!("{warning}");
        }
        let now = self.now().map_err(|err| err.to_string())?;
        let frequency = self.core.frequency();
        self.tasks.stop_all().await;
        self.config = loaded.config;
        self.config_tx.send_replace(redacted_document(&self.config));
        self.core = settings::build_core(&self.config, self.options.force_monitor, frequency, now);
        self.tasks = SourceTasks::start(
            &self.config,
            self.core.sources(),
            self.updates_tx.clone(),
            self.adjusts_clock(),
        )
        .map_err(|err| err.to_string())?;
        tracing::info!(file = %path.display(), "configuration reloaded");
        self.publish().map_err(|err| err.to_string())
    }
}

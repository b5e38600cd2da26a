//! The PTP driver: the only PTP code that touches sockets, clocks and timers. It feeds the
//! pure [`Port`] with received messages (kernel RX timestamps), the kernel TX timestamps of the
//! event messages it sent, and timer expiries, and carries out what the port returns.
#![expect(
    clippy::disallowed_methods,
    reason = "drivers are where time is read and timers run"
)]

pub mod hardware;
pub mod phc_steering;
pub mod settings;
mod transport;

pub use settings::{PtpSettings, PtpSettingsError, TransportChoice};
pub use transport::{L2, PtpTransport, TX_TIMESTAMP_WAIT, Udp};

use super::port::{Port, PortAction, PortConfig, PortState, PortStatus, PtpSample};
use crate::clock::{PhcClock, ReadOnly};
use crate::net::Timestamping;
use crate::net::ptp::{PtpL2Transport, PtpTransportConfig, PtpUdpTransport};
use crate::ntp::driver::realtime_now;
use crate::source::{Leap, Measurement, SourceCommand, SourceId, SourceStatus, SourceUpdate};
use crate::time::{Duration, Ppb};
use hardware::{PhcConverter, PhcTimestamps, open_interface_phc};
use phc_steering::PhcSteering;
use std::collections::VecDeque;
use tokio::sync::{broadcast, mpsc, watch};

/// What the engine tells PTP ports about the local clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockView {
    /// The clock is synchronised to a source (a grandmaster then announces clockClass 6).
    pub synchronized: bool,
    /// The frequency the servo set (for the ptp4l-style `freq` in the debug line).
    pub frequency: Ppb,
}

/// One PTP port: a source when `id` is set (slave side), a grandmaster port otherwise.
pub struct PtpTask {
    /// The source's id in the engine (`None` for `server_only` entries).
    pub id: Option<SourceId>,
    /// A label for logs (`ptp eth0`).
    pub name: String,
    /// The port's settings.
    pub settings: settings::PtpSettings,
    /// Where samples and status go.
    pub updates: mpsc::Sender<SourceUpdate>,
    /// Commands from the engine (clock stepped, ...).
    pub commands: broadcast::Receiver<SourceCommand>,
    /// The local clock, as the engine sees it.
    pub clock: watch::Receiver<ClockView>,
    /// Becomes true at shutdown.
    pub shutdown: watch::Receiver<bool>,
}

impl PtpTask {
    /// Opens the transport and runs the port until shutdown. A transport that cannot be
    /// opened (no interface, no permission, no hardware timestamping where it was asked for)
    /// is reported as the source's problem.
    pub async fn run(mut self) {
        let hardware = if self.settings.hardware_timestamping {
            match open_interface_phc(&self.settings.interface) {
                Ok((device, converter)) => Some(HardwareClock {
                    converter,
                    steering: self.open_steering(&device),
                }),
                Err(problem) => return self.fail(problem).await,
            }
        } else {
            None
        };
        let timestamping = if hardware.is_some() {
            Timestamping::Hardware
        } else {
            Timestamping::Software
        };
        match self.settings.transport {
            TransportChoice::UdpV4 => {
                let config = PtpTransportConfig {
                    timestamping,
                    ..self.settings.udp_config()
                };
                match PtpUdpTransport::open(config) {
                    Ok(transport) => {
                        let port = self.settings.port_config(transport.interface().name());
                        self.start(Udp(transport), hardware, port).await
                    }
                    Err(err) => self.fail(err.to_string()).await,
                }
            }
            TransportChoice::L2 => {
                match PtpL2Transport::open(&self.settings.interface, timestamping) {
                    Ok(transport) => {
                        let port = self.settings.port_config_l2(transport.mac_address());
                        self.start(L2(transport), hardware, port).await
                    }
                    Err(err) => self.fail(err.to_string()).await,
                }
            }
        }
    }

    /// The interface's PHC opened writable for [`PhcSteering`], when the settings ask for it
    /// (hardware timestamps on a clock shiwa adjusts). Failing to open it leaves the PHC
    /// unsteered, said once: the system clock is still synchronised through it.
    fn open_steering(&self, device: &std::path::Path) -> Option<PhcSteering<PhcClock>> {
        if !self.settings.steer_phc {
            return None;
        }
        let opened = PhcClock::open(device)
            .map_err(|err| err.to_string())
            .and_then(|phc| PhcSteering::new(phc, device));
        match opened {
            Ok(steering) => {
                tracing::info!(port = %self.name, device = %device.display(), "steering the interface's PHC");
                Some(steering)
            }
            Err(err) => {
                tracing::error!(port = %self.name, "the PHC is not steered: {err}");
                None
            }
        }
    }

    /// Runs the port over `transport`, its timestamps moved off the PHC when `hardware`.
    async fn start<T: PtpTransport>(
        &mut self,
        transport: T,
        hardware: Option<HardwareClock>,
        config: Result<PortConfig<T::Addr>, PtpSettingsError>,
    ) {
        let config = match config {
            Ok(config) => config,
            Err(err) => return self.fail(err.to_string()).await,
        };
        let port = Port::new(config, realtime_now());
        match hardware {
            Some(HardwareClock {
                converter,
                steering,
            }) => {
                let transport = PhcTimestamps {
                    inner: transport,
                    converter,
                };
                self.serve(transport, port, steering).await
            }
            None => self.serve(transport, port, None).await,
        }
    }

    async fn fail(&mut self, problem: String) {
        tracing::error!(port = %self.name, "PTP port not started: {problem}");
        self.send_status(SourceStatus {
            problem: Some(problem),
            ..SourceStatus::default()
        })
        .await;
        let _ = self.shutdown.wait_for(|stop| *stop).await;
    }

    async fn serve<T: PtpTransport>(
        &mut self,
        transport: T,
        mut port: Port<T::Addr>,
        steering: Option<PhcSteering<PhcClock>>,
    ) {
        port.set_local_clock(self.clock.borrow().synchronized);
        let mut buffer = [0u8; 1500];
        let mut samples = SampleState {
            jitter: JitterEstimate::default(),
            steering,
            intervals: SyncIntervalEstimate::default(),
        };
        let mut last_status = SourceStatus::default();
        let mut actions = port.on_timer(realtime_now());
        loop {
            self.execute(&transport, &mut port, actions, &mut samples)
                .await;
            let wait = (port.next_deadline() - realtime_now()).max(Duration::ZERO);
            actions = tokio::select! {
                _ = tokio::time::sleep(wait.to_std()) => port.on_timer(realtime_now()),
                received = transport.recv(&mut buffer) => match received {
                    Ok(received) => port.on_message(
                        &buffer[..received.len], received.from, received.port, received.rx,
                        realtime_now(),
                    ),
                    Err(err) => {
                        tracing::warn!(port = %self.name, "{err}");
                        Vec::new()
                    }
                },
                Ok(()) = self.clock.changed() => {
                    port.set_local_clock(self.clock.borrow().synchronized);
                    Vec::new()
                }
                command = self.commands.recv() => {
                    if let Ok(SourceCommand::ShiftOffsets(_)) = command {
                        port.on_clock_stepped();
                    }
                    Vec::new()
                }
                _ = self.shutdown.changed() => return,
            };
            let status = source_status(&port, &self.settings.interface, samples.sync_interval());
            if status != last_status {
                last_status = status.clone();
                self.send_status(status).await;
            }
        }
    }

    /// Carries out `actions`, feeding TX timestamps back (which may yield Follow_Ups).
    async fn execute<T: PtpTransport>(
        &mut self,
        transport: &T,
        port: &mut Port<T::Addr>,
        actions: Vec<PortAction<T::Addr>>,
        samples: &mut SampleState,
    ) {
        let mut queue: VecDeque<_> = actions.into();
        while let Some(action) = queue.pop_front() {
            match action {
                PortAction::Send {
                    bytes,
                    port: class,
                    destination,
                    tx_key,
                } => match transport
                    .send(&bytes, class, destination, tx_key.is_some())
                    .await
                {
                    Ok(Some(tx)) => {
                        if let Some(key) = tx_key {
                            queue.extend(port.on_tx_timestamp(key, tx, realtime_now()));
                        }
                    }
                    Ok(None) if tx_key.is_some() => {
                        tracing::debug!(port = %self.name, "no TX timestamp for {destination:?}")
                    }
                    Ok(None) => {}
                    Err(err) => tracing::warn!(port = %self.name, "{err}"),
                },
                PortAction::Sample(sample) => self.on_sample(sample, port.state(), samples).await,
                PortAction::StateChanged { from, to, reason } => {
                    tracing::info!(port = %self.name, "port 1: {from} to {to} on {reason:?}");
                    if from == PortState::Slave {
                        samples.hold_phc(&self.name);
                        samples.intervals = SyncIntervalEstimate::default();
                    }
                }
            }
        }
    }

    async fn on_sample(&mut self, sample: PtpSample, state: PortState, samples: &mut SampleState) {
        samples.intervals.on_sample(sample.t2);
        if state == PortState::Slave {
            samples.steer_phc(&self.name, &sample);
        }
        let servo_state = if state == PortState::Slave { 2 } else { 0 };
        tracing::debug!(
            port = %self.name,
            "master offset {} s{servo_state} freq {:+.0} path delay {}",
            sample.offset.as_nanos(),
            self.clock.borrow().frequency.0,
            sample.mean_path_delay.as_nanos(),
        );
        let Some(id) = self.id else { return };
        let measurement = Measurement {
            offset: sample.offset,
            delay: sample.mean_path_delay + sample.mean_path_delay,
            dispersion: SOFTWARE_TIMESTAMP_DISPERSION,
            jitter: samples.jitter.update(sample.offset),
            root_delay: Duration::ZERO,
            root_dispersion: Duration::ZERO,
            stratum: 1,
            leap: Leap::None,
            local_time: sample.local_time,
        };
        let _ = self
            .updates
            .send(SourceUpdate::Sample { id, measurement })
            .await;
    }

    async fn send_status(&mut self, status: SourceStatus) {
        if let Some(id) = self.id {
            let _ = self.updates.send(SourceUpdate::Status { id, status }).await;
        }
    }
}

/// The interface's PHC when timestamping in hardware: the converter the transport uses, and
/// the writable PHC steered while the port is a slave (when the clock is adjusted).
struct HardwareClock {
    converter: PhcConverter<ReadOnly<PhcClock>>,
    steering: Option<PhcSteering<PhcClock>>,
}

/// What the port's samples feed besides the engine.
struct SampleState {
    jitter: JitterEstimate,
    steering: Option<PhcSteering<PhcClock>>,
    intervals: SyncIntervalEstimate,
}

impl SampleState {
    /// The master's sync interval as this port sees it, once two samples arrived.
    fn sync_interval(&self) -> Option<Duration> {
        self.intervals.interval()
    }

    /// Steers the PHC from a slave's sample; a PHC that refuses is left alone from then on,
    /// said once (the system clock is still synchronised from the same timestamps).
    fn steer_phc(&mut self, port: &str, sample: &PtpSample) {
        let Some(steering) = self.steering.as_mut() else {
            return;
        };
        match steering.on_sample(sample.offset, sample.t2) {
            Ok(steered) => tracing::debug!(
                port,
                device = %steering.device().display(),
                "phc offset {} {:?} freq {:+.0}",
                steered.phc_minus_master.as_nanos(),
                steered.state,
                steering.servo().servo().frequency().0,
            ),
            Err(err) => {
                tracing::error!(port, "stopped steering the PHC: {err}");
                self.steering = None;
            }
        }
    }

    /// The port stopped following its master: the PHC keeps its frequency.
    fn hold_phc(&mut self, port: &str) {
        if let Some(steering) = self.steering.as_mut()
            && let Err(err) = steering.hold()
        {
            tracing::error!(port, "stopped steering the PHC: {err}");
            self.steering = None;
        }
    }
}

/// The interval between a master's Syncs, as a power of two seconds (the master decides it,
/// not this port's config), from the time between successive samples.
#[derive(Debug, Default)]
struct SyncIntervalEstimate {
    last: Option<crate::time::Timestamp>,
    log_seconds: Option<i8>,
}

impl SyncIntervalEstimate {
    /// Sync intervals from 2⁻⁷ s to 2⁴ s, as 1588 allows.
    const LOG_RANGE: (i8, i8) = (-7, 4);

    fn on_sample(&mut self, received: crate::time::Timestamp) {
        if let Some(last) = self.last.replace(received) {
            let seconds = received.since(last).as_secs_f64();
            if seconds > 0.0 {
                let (low, high) = Self::LOG_RANGE;
                let log = seconds
                    .log2()
                    .round()
                    .clamp(f64::from(low), f64::from(high));
                self.log_seconds = Some(log as i8);
            }
        }
    }

    fn interval(&self) -> Option<Duration> {
        self.log_seconds
            .map(|log| Duration::from_nanos((1_000_000_000_f64 * 2f64.powi(i32::from(log))) as i64))
    }
}

/// The error bound of one software-timestamped PTP measurement.
const SOFTWARE_TIMESTAMP_DISPERSION: Duration = Duration::from_nanos(1_000);

/// Jitter as chrony and ntpd estimate it: the RMS of successive offset differences, here as
/// an exponential average over about 8 samples.
#[derive(Debug, Default)]
struct JitterEstimate {
    last: Option<Duration>,
    mean_square: f64,
}

impl JitterEstimate {
    fn update(&mut self, offset: Duration) -> Duration {
        if let Some(last) = self.last.replace(offset) {
            let step = (offset - last).as_nanos() as f64;
            self.mean_square += (step * step - self.mean_square) / 8.0;
        }
        Duration::from_nanos(self.mean_square.sqrt() as i64)
    }
}

/// The engine's view of a port: reachable while it follows a master.
fn source_status<A>(
    port: &Port<A>,
    interface: &str,
    sync_interval: Option<Duration>,
) -> SourceStatus
where
    A: Copy + Eq + std::hash::Hash + std::fmt::Debug,
{
    status_of(&port.status(), interface, sync_interval)
}

/// [`source_status`] from the port's status: while it follows a master, reachable, with the
/// grandmaster's identity as refid and the master port followed as parent, and the interval
/// between its samples as the poll interval — so a master that keeps announcing but stops
/// sending Syncs leaves a stale measurement after 8 intervals, and the engine fails over.
fn status_of(
    status: &PortStatus,
    interface: &str,
    sync_interval: Option<Duration>,
) -> SourceStatus {
    let following = matches!(status.state, PortState::Slave | PortState::Uncalibrated);
    SourceStatus {
        reachable: following,
        reach: if following { 0xff } else { 0 },
        stratum: following.then_some(1),
        refid: following.then(|| status.parent.grandmaster_identity.to_string()),
        parent: following.then(|| status.parent.parent_port_identity.to_string()),
        poll: sync_interval.filter(|_| following),
        address: Some(interface.to_string()),
        problem: None,
        denied: false,
        rejected: status.counters.malformed,
        timeouts: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::{PortState, SyncIntervalEstimate, status_of};
    use crate::ptp::port::PortStatus;
    use crate::ptp::{ClockIdentity, ParentDataSet, PortIdentity};
    use crate::time::{Duration, Timestamp};

    fn status(state: PortState) -> PortStatus {
        let local = PortIdentity::new(ClockIdentity([2, 0, 0, 0xff, 0xfe, 0, 0, 3]), 1);
        let master = PortIdentity::new(ClockIdentity([2, 0, 0, 0xff, 0xfe, 0, 0, 1]), 1);
        PortStatus {
            identity: local,
            state,
            domain: 0,
            clock_class: 255,
            current: Default::default(),
            parent: ParentDataSet {
                parent_port_identity: master,
                grandmaster_identity: ClockIdentity([2, 0, 0, 0xff, 0xfe, 0, 0, 9]),
                ..ParentDataSet::default()
            },
            time_properties: Default::default(),
            last_sample: None,
            foreign_masters: 1,
            unicast_subscribers: 0,
            unicast_masters_granted: 0,
            counters: Default::default(),
        }
    }

    #[test]
    fn a_following_port_names_its_grandmaster_and_the_master_port_it_follows() {
        for state in [PortState::Uncalibrated, PortState::Slave] {
            let source = status_of(&status(state), "eth0", Some(Duration::from_secs(1)));
            assert!(source.reachable, "{state}");
            assert_eq!(source.poll, Some(Duration::from_secs(1)));
            assert_eq!(source.refid.as_deref(), Some("020000.fffe.000009"));
            assert_eq!(source.parent.as_deref(), Some("020000.fffe.000001-1"));
            assert_eq!(source.address.as_deref(), Some("eth0"));
        }
    }

    #[test]
    fn a_port_that_follows_nobody_is_unreachable_and_names_no_master() {
        for state in [PortState::Listening, PortState::Master, PortState::Passive] {
            let source = status_of(&status(state), "eth0", Some(Duration::from_secs(1)));
            assert!(!source.reachable, "{state}");
            assert_eq!(source.poll, None, "{state}");
            assert_eq!((source.refid, source.parent), (None, None), "{state}");
        }
    }

    #[test]
    fn the_sync_interval_is_the_nearest_power_of_two_between_samples() {
        let mut estimate = SyncIntervalEstimate::default();
        let start = Timestamp::from_secs_nanos(1_700_000_000, 0);
        estimate.on_sample(start);
        assert_eq!(estimate.interval(), None, "one sample tells nothing");
        estimate.on_sample(start + Duration::from_millis(126));
        assert_eq!(estimate.interval(), Some(Duration::from_millis(125)));
        estimate.on_sample(start + Duration::from_millis(126) + Duration::from_millis(1_030));
        assert_eq!(estimate.interval(), Some(Duration::from_secs(1)));
        estimate.on_sample(start + Duration::from_secs(3_600));
        assert_eq!(
            estimate.interval(),
            Some(Duration::from_secs(16)),
            "clamped to 2^4 s"
        );
    }
}

//! Hardware timestamps on the system clock's timescale.
//!
//! With `linux_specific.hardware_timestamping: true` the NIC stamps PTP frames with its PTP
//! hardware clock (`/dev/ptp<phc_index>`), not with `CLOCK_REALTIME`. [`PhcTimestamps`] wraps
//! a transport and moves every RX and TX timestamp onto the system clock by the PHC − system
//! offset, read from the PHC just before (as chrony converts its hardware timestamps). The
//! port above then works on one timescale in both modes: a slave measures the system clock
//! against its master, a grandmaster serves the system clock's time.
//!
//! Enabling is checked first: an interface whose driver cannot timestamp in hardware fails
//! with an error naming it and saying what is missing (this machine's veth cannot).

use super::transport::PtpTransport;
use crate::clock::phc::PhcDevice;
use crate::clock::{PhcClock, ReadOnly};
use crate::net::ptp::{PtpDestination, PtpReceived, enable_hardware_timestamping};
use crate::phc_source::{PhcOffsetEstimator, PhcSamples, PhcSourceSettings, PhcStrategyChoice};
use crate::time::{Duration, Timestamp};
use std::path::PathBuf;
use std::sync::Mutex;

/// PHC readings per conversion: enough for a min-delay pick, few enough to stay in µs.
const READINGS_PER_CONVERSION: u8 = 5;

/// Turns hardware timestamping on for `interface` and opens its PHC read-only; returns the
/// PHC's path and the converter. The error names the interface or the device.
pub fn open_interface_phc(
    interface: &str,
) -> Result<(PathBuf, PhcConverter<ReadOnly<PhcClock>>), String> {
    let enabled = enable_hardware_timestamping(interface).map_err(|e| e.to_string())?;
    let device = PathBuf::from(format!("/dev/ptp{}", enabled.phc_index));
    let phc = PhcClock::open_read_only(&device).map_err(|e| format!("{interface}: {e}"))?;
    Ok((device.clone(), PhcConverter::new(phc, device)?))
}

/// Converts PHC timestamps to system-clock timestamps through fresh PHC readings.
pub struct PhcConverter<D> {
    phc: D,
    estimator: Mutex<PhcOffsetEstimator>,
}

impl<D: PhcDevice> PhcConverter<D> {
    /// A converter over `phc` (its path for errors): the best comparison it supports.
    pub fn new(phc: D, device: PathBuf) -> Result<Self, String> {
        let settings = PhcSourceSettings {
            device,
            strategy: PhcStrategyChoice::default(),
            samples: PhcSamples::new(READINGS_PER_CONVERSION).unwrap_or_default(),
            smoothing: Default::default(),
        };
        let estimator =
            PhcOffsetEstimator::for_device(&phc, &settings).map_err(|e| e.to_string())?;
        Ok(PhcConverter {
            phc,
            estimator: Mutex::new(estimator),
        })
    }

    /// PHC − system now.
    pub fn phc_minus_system(&self) -> Result<Duration, String> {
        let mut estimator = self
            .estimator
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let samples = estimator.read(&self.phc).map_err(|e| e.to_string())?;
        let offset = estimator.estimate(&samples).map_err(|e| e.to_string())?;
        Ok(offset.offset)
    }

    /// The PHC read.
    pub fn device(&self) -> &D {
        &self.phc
    }

    /// The PHC, to steer it (when it was opened writable).
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.phc
    }

    /// `stamp`, taken on the PHC, on the system clock.
    pub fn to_system(&self, stamp: Timestamp) -> Result<Timestamp, String> {
        Ok(to_system_time(stamp, self.phc_minus_system()?))
    }
}

/// A PHC timestamp moved to the system clock, given PHC − system.
pub fn to_system_time(phc_stamp: Timestamp, phc_minus_system: Duration) -> Timestamp {
    phc_stamp - phc_minus_system
}

/// A transport whose timestamps come from a PHC, presented on the system clock.
pub struct PhcTimestamps<T, D> {
    /// The transport opened with hardware timestamping.
    pub inner: T,
    /// The interface's PHC.
    pub converter: PhcConverter<D>,
}

impl<T, D> PhcTimestamps<T, D>
where
    D: PhcDevice,
{
    fn convert(&self, stamp: Option<Timestamp>) -> Result<Option<Timestamp>, String> {
        stamp
            .map(|stamp| self.converter.to_system(stamp))
            .transpose()
    }
}

impl<T, D> PtpTransport for PhcTimestamps<T, D>
where
    T: PtpTransport,
    D: PhcDevice + Send + Sync + 'static,
{
    type Addr = T::Addr;

    async fn send_general(
        &self,
        bytes: &[u8],
        destination: PtpDestination<Self::Addr>,
    ) -> Result<(), String> {
        self.inner.send_general(bytes, destination).await
    }

    async fn send_event(
        &self,
        bytes: &[u8],
        destination: PtpDestination<Self::Addr>,
        want_tx: bool,
    ) -> Result<Option<Timestamp>, String> {
        let stamp = self.inner.send_event(bytes, destination, want_tx).await?;
        self.convert(stamp)
    }

    async fn recv(&self, buffer: &mut [u8]) -> Result<PtpReceived<Self::Addr>, String> {
        let mut received = self.inner.recv(buffer).await?;
        received.rx = self.convert(received.rx)?;
        Ok(received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimulatedClock;
    use crate::clock::phc::SimulatedPhc;

    #[test]
    fn a_phc_stamp_moves_by_the_phc_offset() {
        let start = Timestamp::from_secs_nanos(1_700_000_000, 0);
        // A PHC on TAI next to a UTC system clock: 37 s ahead, plus 1.5 µs of error.
        let ahead = Duration::from_secs(37) + Duration::from_nanos(1_500);
        let phc = SimulatedPhc::new(3, SimulatedClock::new(1, start))
            .with_name("/dev/ptp0")
            .with_offset(ahead);
        let converter = PhcConverter::new(phc, PathBuf::from("/dev/ptp0")).expect("basic works");
        let measured = converter.phc_minus_system().expect("reads");
        assert!(
            (measured - ahead).abs() < Duration::from_micros(1),
            "{measured:?}"
        );
        let on_phc = start + ahead + Duration::from_millis(3);
        let on_system = converter.to_system(on_phc).expect("reads");
        let error = on_system.since(start + Duration::from_millis(3));
        assert!(error.abs() < Duration::from_micros(1), "{error:?}");
        assert_eq!(
            to_system_time(on_phc, ahead),
            start + Duration::from_millis(3)
        );
    }

    #[test]
    fn an_interface_without_hardware_timestamping_is_named() {
        let error = match open_interface_phc("lo") {
            Ok(_) => panic!("lo has no PTP hardware clock"),
            Err(error) => error,
        };
        assert!(error.starts_with("lo: no hardware timestamping"), "{error}");
        assert!(error.contains("hardware_timestamping: false"), "{error}");
    }
}

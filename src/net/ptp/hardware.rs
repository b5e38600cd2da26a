//! Hardware timestamping: what an interface can do (`ETHTOOL_GET_TS_INFO`) and switching its
//! NIC timestamping on (`SIOCSHWTSTAMP`), as ptp4l does before opening its sockets.
//!
//! Sockets then ask for [`Timestamping::Hardware`](crate::net::Timestamping::Hardware) and
//! read timestamps on the PHC (`/dev/ptp<phc_index>`), not on `CLOCK_REALTIME`.

use crate::net::NetError;
use crate::net::interface::Interface;
use nix::sys::socket::{AddressFamily, SockFlag, SockType, TimestampingFlag, socket};
use std::os::fd::{AsFd, OwnedFd};

use super::sys;

/// What went wrong querying or enabling hardware timestamping; each variant names the
/// interface.
#[derive(Debug, thiserror::Error)]
pub enum HwTimestampError {
    /// The interface name is invalid or no such interface exists.
    #[error(transparent)]
    Interface(#[from] NetError),
    /// The capability query failed (or a socket for it could not be created).
    #[error("{interface}: querying timestamping capabilities (ETHTOOL_GET_TS_INFO): {source}")]
    Query {
        /// The interface.
        interface: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The interface cannot timestamp in hardware; `missing` says what its driver lacks.
    #[error(
        "{interface}: no hardware timestamping ({missing}); set \
         linux_specific.hardware_timestamping: false or use a NIC with a PTP hardware clock"
    )]
    NotSupported {
        /// The interface.
        interface: String,
        /// What is missing, e.g. `driver reports software only`.
        missing: String,
    },
    /// The driver refused the `SIOCSHWTSTAMP` request.
    #[error(
        "{interface}: enabling hardware timestamping (SIOCSHWTSTAMP, TX on, RX filter {filter}): \
         {source}"
    )]
    Enable {
        /// The interface.
        interface: String,
        /// The last RX filter tried.
        filter: HardwareRxFilter,
        /// The OS error (`Operation not permitted` without `CAP_NET_ADMIN`).
        source: std::io::Error,
    },
}

impl crate::exit::HasExitStatus for HwTimestampError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        use crate::exit::ExitStatus;
        match self {
            HwTimestampError::Interface(error) => error.exit_status(),
            HwTimestampError::NotSupported { .. } => ExitStatus::Config,
            HwTimestampError::Query { source, .. } | HwTimestampError::Enable { source, .. } => {
                ExitStatus::for_io(source)
            }
        }
    }
}

/// Which received packets the NIC timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HardwareRxFilter {
    /// `HWTSTAMP_FILTER_PTP_V2_EVENT`: PTP v2 event messages over UDP and L2.
    PtpV2Event,
    /// `HWTSTAMP_FILTER_ALL`: every packet.
    All,
    /// Another `HWTSTAMP_FILTER_*` the driver chose when asked for one of the above (drivers
    /// may widen the filter).
    Other(i32),
}

impl HardwareRxFilter {
    /// The `HWTSTAMP_FILTER_*` value.
    fn raw(self) -> i32 {
        match self {
            HardwareRxFilter::PtpV2Event => libc::HWTSTAMP_FILTER_PTP_V2_EVENT as i32,
            HardwareRxFilter::All => libc::HWTSTAMP_FILTER_ALL as i32,
            HardwareRxFilter::Other(raw) => raw,
        }
    }

    /// The filter for a `HWTSTAMP_FILTER_*` value.
    fn from_raw(raw: i32) -> Self {
        [HardwareRxFilter::PtpV2Event, HardwareRxFilter::All]
            .into_iter()
            .find(|filter| filter.raw() == raw)
            .unwrap_or(HardwareRxFilter::Other(raw))
    }
}

impl std::fmt::Display for HardwareRxFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HardwareRxFilter::PtpV2Event => f.write_str("PTP_V2_EVENT"),
            HardwareRxFilter::All => f.write_str("ALL"),
            HardwareRxFilter::Other(raw) => write!(f, "{raw}"),
        }
    }
}

/// An interface's timestamping capabilities as its driver reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampingCapabilities {
    /// The interface.
    pub interface: String,
    /// The `SOF_TIMESTAMPING_*` flags it supports.
    pub flags: TimestampingFlag,
    /// Its PTP hardware clock (`/dev/ptp<index>`), if it has one.
    pub phc_index: Option<u32>,
    /// Bit `1 << HWTSTAMP_TX_*` per supported TX mode.
    pub tx_types: u32,
    /// Bit `1 << HWTSTAMP_FILTER_*` per supported RX filter.
    pub rx_filters: u32,
}

impl TimestampingCapabilities {
    /// Capabilities from the kernel's `ethtool_ts_info`.
    fn from_info(interface: &str, info: &sys::EthtoolTsInfo) -> Self {
        TimestampingCapabilities {
            interface: interface.to_owned(),
            flags: TimestampingFlag::from_bits_truncate(info.so_timestamping),
            phc_index: u32::try_from(info.phc_index).ok(),
            tx_types: info.tx_types,
            rx_filters: info.rx_filters,
        }
    }

    /// Whether the NIC timestamps sent packets on its clock (`TX_HARDWARE`, `RAW_HARDWARE`
    /// and the `HWTSTAMP_TX_ON` mode).
    pub fn hardware_tx(&self) -> bool {
        self.flags.contains(
            TimestampingFlag::SOF_TIMESTAMPING_TX_HARDWARE
                | TimestampingFlag::SOF_TIMESTAMPING_RAW_HARDWARE,
        ) && self.tx_types & (1 << libc::HWTSTAMP_TX_ON) != 0
    }

    /// Whether the NIC timestamps received packets on its clock (`RX_HARDWARE`,
    /// `RAW_HARDWARE`).
    pub fn hardware_rx(&self) -> bool {
        self.flags.contains(
            TimestampingFlag::SOF_TIMESTAMPING_RX_HARDWARE
                | TimestampingFlag::SOF_TIMESTAMPING_RAW_HARDWARE,
        )
    }

    /// The PHC index when hardware PTP timestamping is possible; otherwise what is missing,
    /// in words for an operator.
    pub fn hardware_support(&self) -> Result<u32, String> {
        let (tx, rx) = (self.hardware_tx(), self.hardware_rx());
        let missing = match (tx, rx, self.phc_index) {
            (true, true, Some(index)) => return Ok(index),
            (false, false, _) if self.flags.intersects(software_flags()) => {
                "driver reports software only".to_owned()
            }
            (false, false, _) => "driver reports no timestamping at all".to_owned(),
            (false, true, _) => "driver reports hardware RX but no hardware TX".to_owned(),
            (true, false, _) => "driver reports hardware TX but no hardware RX".to_owned(),
            (true, true, None) => "driver reports no PTP hardware clock".to_owned(),
        };
        Err(missing)
    }
}

/// The software timestamping flags a driver may report.
fn software_flags() -> TimestampingFlag {
    TimestampingFlag::SOF_TIMESTAMPING_TX_SOFTWARE
        | TimestampingFlag::SOF_TIMESTAMPING_RX_SOFTWARE
        | TimestampingFlag::SOF_TIMESTAMPING_SOFTWARE
}

/// Hardware timestamping as switched on for an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardwareTimestamping {
    /// The interface.
    pub interface: String,
    /// Its PTP hardware clock: hardware timestamps are on `/dev/ptp<phc_index>`.
    pub phc_index: u32,
    /// The RX filter the driver applied.
    pub rx_filter: HardwareRxFilter,
}

/// A socket for interface ioctls in the caller's network namespace.
fn ioctl_socket() -> Result<OwnedFd, nix::errno::Errno> {
    socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
}

/// What `interface` can timestamp, as its driver reports (`ETHTOOL_GET_TS_INFO`; needs no
/// privileges).
pub fn query_timestamping_capabilities(
    interface: &str,
) -> Result<TimestampingCapabilities, HwTimestampError> {
    let interface = Interface::lookup(interface)?;
    let name = interface.name();
    let query_failed = |errno: nix::errno::Errno| HwTimestampError::Query {
        interface: name.to_owned(),
        source: errno.into(),
    };
    let fd = ioctl_socket().map_err(query_failed)?;
    let info = sys::ethtool_ts_info(fd.as_fd(), name).map_err(query_failed)?;
    Ok(TimestampingCapabilities::from_info(name, &info))
}

/// Switches hardware timestamping on for `interface`: TX on, RX filter PTP v2 events (or all
/// packets where the driver cannot filter PTP). Checks the capabilities first, so an
/// interface without it fails with [`HwTimestampError::NotSupported`] saying what is missing.
/// Needs `CAP_NET_ADMIN`; affects every user of the interface, as with ptp4l.
pub fn enable_hardware_timestamping(
    interface: &str,
) -> Result<HardwareTimestamping, HwTimestampError> {
    let capabilities = query_timestamping_capabilities(interface)?;
    let name = capabilities.interface.clone();
    let phc_index =
        capabilities
            .hardware_support()
            .map_err(|missing| HwTimestampError::NotSupported {
                interface: name.clone(),
                missing,
            })?;
    let fd = ioctl_socket().map_err(|errno| HwTimestampError::Query {
        interface: name.clone(),
        source: errno.into(),
    })?;
    let mut filter = HardwareRxFilter::PtpV2Event;
    loop {
        let mut config = sys::HwTstampConfig {
            flags: 0,
            tx_type: libc::HWTSTAMP_TX_ON as i32,
            rx_filter: filter.raw(),
        };
        match sys::set_hardware_timestamping(fd.as_fd(), &name, &mut config) {
            Ok(()) => {
                let rx_filter = HardwareRxFilter::from_raw(config.rx_filter);
                tracing::info!(interface = %name, phc_index, %rx_filter, "hardware timestamping on");
                return Ok(HardwareTimestamping {
                    interface: name,
                    phc_index,
                    rx_filter,
                });
            }
            // ERANGE: the driver cannot filter PTP v2 events; fall back to every packet.
            Err(nix::errno::Errno::ERANGE | nix::errno::Errno::EINVAL)
                if filter == HardwareRxFilter::PtpV2Event =>
            {
                filter = HardwareRxFilter::All;
            }
            Err(errno) => {
                return Err(HwTimestampError::Enable {
                    interface: name,
                    filter,
                    source: errno.into(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capabilities(flags: TimestampingFlag, phc: i32, tx_types: u32) -> TimestampingCapabilities {
        let info = sys::EthtoolTsInfo {
            cmd: sys::ETHTOOL_GET_TS_INFO,
            so_timestamping: flags.bits(),
            phc_index: phc,
            tx_types,
            rx_filters: 1 << libc::HWTSTAMP_FILTER_ALL,
            ..sys::EthtoolTsInfo::default()
        };
        TimestampingCapabilities::from_info("eth9", &info)
    }

    fn hardware_flags() -> TimestampingFlag {
        TimestampingFlag::SOF_TIMESTAMPING_TX_HARDWARE
            | TimestampingFlag::SOF_TIMESTAMPING_RX_HARDWARE
            | TimestampingFlag::SOF_TIMESTAMPING_RAW_HARDWARE
    }

    #[test]
    fn a_nic_with_hardware_tx_rx_and_a_phc_is_supported() {
        let caps = capabilities(
            hardware_flags() | software_flags(),
            2,
            1 << libc::HWTSTAMP_TX_ON,
        );
        assert!(caps.hardware_tx() && caps.hardware_rx());
        assert_eq!(caps.hardware_support(), Ok(2));
    }

    #[test]
    fn what_is_missing_is_named() {
        let tx_on = 1 << libc::HWTSTAMP_TX_ON;
        let cases = [
            (software_flags(), -1, 0, "driver reports software only"),
            (
                TimestampingFlag::empty(),
                -1,
                0,
                "driver reports no timestamping at all",
            ),
            (
                hardware_flags() - TimestampingFlag::SOF_TIMESTAMPING_TX_HARDWARE,
                0,
                tx_on,
                "driver reports hardware RX but no hardware TX",
            ),
            // TX hardware flag without the TX_ON mode cannot stamp sent packets either.
            (
                hardware_flags(),
                0,
                0,
                "driver reports hardware RX but no hardware TX",
            ),
            (
                hardware_flags() - TimestampingFlag::SOF_TIMESTAMPING_RX_HARDWARE,
                0,
                tx_on,
                "driver reports hardware TX but no hardware RX",
            ),
            (
                hardware_flags(),
                -1,
                tx_on,
                "driver reports no PTP hardware clock",
            ),
        ];
        for (flags, phc, tx_types, missing) in cases {
            let caps = capabilities(flags, phc, tx_types);
            assert_eq!(caps.hardware_support(), Err(missing.to_owned()), "{caps:?}");
        }
    }

    #[test]
    fn rx_filters_round_trip_through_their_kernel_values() {
        for filter in [
            HardwareRxFilter::PtpV2Event,
            HardwareRxFilter::All,
            HardwareRxFilter::Other(9),
        ] {
            assert_eq!(HardwareRxFilter::from_raw(filter.raw()), filter);
        }
        assert_eq!(HardwareRxFilter::PtpV2Event.raw(), 12);
        assert_eq!(HardwareRxFilter::PtpV2Event.to_string(), "PTP_V2_EVENT");
    }

    #[test]
    fn loopback_reports_software_timestamping_only() {
        let caps = query_timestamping_capabilities("lo");
        let Ok(caps) = caps else {
            panic!("ETHTOOL_GET_TS_INFO on lo needs no privileges: {caps:?}");
        };
        assert!(!caps.hardware_tx() && !caps.hardware_rx(), "{caps:?}");
        assert_eq!(caps.phc_index, None, "{caps:?}");
        assert!(
            caps.flags
                .contains(TimestampingFlag::SOF_TIMESTAMPING_RX_SOFTWARE),
            "{caps:?}"
        );
    }

    #[test]
    fn enabling_on_loopback_fails_naming_the_interface_and_the_way_out() {
        let result = enable_hardware_timestamping("lo");
        let Err(error) = result else {
            panic!("lo has no hardware timestamping: {result:?}");
        };
        assert!(
            matches!(error, HwTimestampError::NotSupported { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "lo: no hardware timestamping (driver reports software only); set \
             linux_specific.hardware_timestamping: false or use a NIC with a PTP hardware clock"
        );
    }

    #[test]
    fn a_missing_interface_is_named() {
        let result = query_timestamping_capabilities("shiwa-nosuch0");
        let Err(error) = result else {
            panic!("shiwa-nosuch0 should not exist: {result:?}");
        };
        assert!(error.to_string().contains("shiwa-nosuch0"), "{error}");
    }
}

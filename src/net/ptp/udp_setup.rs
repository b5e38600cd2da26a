//! Creating one PTP UDPv4 socket the way ptp4l does: shared port, bound to the interface,
//! member of the PTP multicast group there, multicast sent through it.
//!
//! Order: `SO_REUSEADDR`, `SO_BINDTODEVICE`, DSCP and `SO_TIMESTAMPING` (before the first
//! send, so `OPT_ID` counts from 0) precede `bind`; group membership and the multicast
//! options follow it.

use super::sys;
use super::udp::{PTP_PRIMARY_MULTICAST_V4, PtpTransportConfig};
use crate::net::interface::Interface;
use crate::net::options::Timestamping;
use crate::net::{NetError, setup};
use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, SockFlag, SockProtocol, SockType, SockaddrStorage, bind, setsockopt, socket,
    sockopt,
};
use std::ffi::OsString;
use std::net::{SocketAddr, SocketAddrV4};
use std::os::fd::{AsFd, AsRawFd};

/// A non-blocking UDPv4 socket bound to `config.bind_address:port` on `interface`, joined to
/// the PTP primary multicast group there.
pub(super) fn ptp_udp_socket(
    config: &PtpTransportConfig,
    interface: &Interface,
    port: u16,
    timestamping: Timestamping,
) -> Result<std::net::UdpSocket, NetError> {
    let address = SocketAddr::V4(SocketAddrV4::new(config.bind_address, port));
    let failed = |step: &'static str| {
        move |errno: Errno| NetError::Setup {
            address,
            interface: Some(interface.name().to_owned()),
            step,
            source: errno.into(),
        }
    };
    if let Some(dscp) = config.dscp
        && dscp > setup::MAX_DSCP
    {
        return Err(NetError::InvalidDscp { address, dscp });
    }
    let fd = socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        SockProtocol::Udp,
    )
    .map_err(failed("create socket"))?;
    setsockopt(&fd, sockopt::ReuseAddr, &true).map_err(failed("set SO_REUSEADDR"))?;
    setsockopt(
        &fd,
        sockopt::BindToDevice,
        &OsString::from(interface.name()),
    )
    .map_err(failed("set SO_BINDTODEVICE"))?;
    if let Some(dscp) = config.dscp {
        setup::set_dscp(&fd, address, dscp).map_err(failed("set DSCP"))?;
    }
    if let Some(flags) = timestamping.flags() {
        setsockopt(&fd, sockopt::Timestamping, &flags).map_err(failed("set SO_TIMESTAMPING"))?;
    }
    bind(fd.as_raw_fd(), &SockaddrStorage::from(address)).map_err(failed("bind"))?;
    sys::join_ipv4_multicast(fd.as_fd(), PTP_PRIMARY_MULTICAST_V4, interface.index())
        .map_err(failed("join 224.0.1.129 (IP_ADD_MEMBERSHIP)"))?;
    sys::set_ipv4_multicast_interface(fd.as_fd(), interface.index())
        .map_err(failed("set IP_MULTICAST_IF"))?;
    setsockopt(&fd, sockopt::IpMulticastLoop, &config.multicast_loop)
        .map_err(failed("set IP_MULTICAST_LOOP"))?;
    setsockopt(&fd, sockopt::IpMulticastTtl, &config.multicast_ttl)
        .map_err(failed("set IP_MULTICAST_TTL"))?;
    Ok(std::net::UdpSocket::from(fd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::socket::getsockopt;
    use std::net::Ipv4Addr;

    fn loopback_config() -> PtpTransportConfig {
        PtpTransportConfig {
            bind_address: Ipv4Addr::LOCALHOST,
            multicast_loop: true,
            multicast_ttl: 3,
            dscp: Some(46),
            ..PtpTransportConfig::new("lo")
        }
    }

    #[test]
    fn socket_options_are_those_asked_for() {
        let config = loopback_config();
        let Ok(lo) = Interface::lookup("lo") else {
            panic!("lo must exist");
        };
        let socket = ptp_udp_socket(&config, &lo, 0, Timestamping::Software);
        let Ok(socket) = socket else {
            panic!("PTP socket on 127.0.0.1 (lo): {socket:?}");
        };
        assert_eq!(getsockopt(&socket, sockopt::ReuseAddr).ok(), Some(true));
        assert_eq!(
            getsockopt(&socket, sockopt::BindToDevice).ok(),
            Some(OsString::from("lo"))
        );
        assert_eq!(getsockopt(&socket, sockopt::Ipv4Tos).ok(), Some(46 << 2));
        assert_eq!(
            getsockopt(&socket, sockopt::Timestamping).ok(),
            Timestamping::Software.flags()
        );
        assert_eq!(
            getsockopt(&socket, sockopt::IpMulticastLoop).ok(),
            Some(true)
        );
        assert_eq!(getsockopt(&socket, sockopt::IpMulticastTtl).ok(), Some(3));
        let local = socket.local_addr().ok();
        assert!(
            local.is_some_and(|local| local.ip() == Ipv4Addr::LOCALHOST && local.port() != 0),
            "{local:?}"
        );
    }

    #[test]
    fn defaults_are_loop_off_and_ttl_1() {
        let config = PtpTransportConfig {
            bind_address: Ipv4Addr::LOCALHOST,
            ..PtpTransportConfig::new("lo")
        };
        let Ok(lo) = Interface::lookup("lo") else {
            panic!("lo must exist");
        };
        let socket = ptp_udp_socket(&config, &lo, 0, Timestamping::Disabled);
        let Ok(socket) = socket else {
            panic!("PTP socket on 127.0.0.1 (lo): {socket:?}");
        };
        assert_eq!(
            getsockopt(&socket, sockopt::IpMulticastLoop).ok(),
            Some(false)
        );
        assert_eq!(getsockopt(&socket, sockopt::IpMulticastTtl).ok(), Some(1));
        let flags = getsockopt(&socket, sockopt::Timestamping).ok();
        assert!(flags.is_some_and(|flags| flags.is_empty()), "{flags:?}");
    }

    #[test]
    fn dscp_above_63_is_rejected_naming_the_address() {
        let config = PtpTransportConfig {
            dscp: Some(64),
            ..loopback_config()
        };
        let Ok(lo) = Interface::lookup("lo") else {
            panic!("lo must exist");
        };
        let result = ptp_udp_socket(&config, &lo, 0, Timestamping::Software);
        let Err(error) = result else {
            panic!("DSCP 64 accepted");
        };
        assert!(
            matches!(error, NetError::InvalidDscp { dscp: 64, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("127.0.0.1:0"), "{error}");
    }
}

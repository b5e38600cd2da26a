//! Creating a UDP socket with its options set before it is bound.
//!
//! Order matters: `SO_BINDTODEVICE` and `SO_REUSEPORT` must precede `bind`, and
//! `SO_TIMESTAMPING` with `OPT_ID` is set before the first send so the kernel's datagram
//! counter starts at 0 together with the socket's own.

use super::NetError;
use super::interface::Interface;
use super::options::SocketOptions;
use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, SockFlag, SockProtocol, SockType, SockaddrStorage, bind, setsockopt, socket,
    sockopt,
};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};

/// Largest DSCP value (six bits).
pub(super) const MAX_DSCP: u8 = 63;

/// A non-blocking UDP socket bound to `address` with `options` applied.
pub(super) fn bound_udp_socket(
    address: SocketAddr,
    options: &SocketOptions,
) -> Result<std::net::UdpSocket, NetError> {
    let failed = |step: &'static str| {
        let interface = options.interface.clone();
        move |errno: Errno| NetError::Setup {
            address,
            interface,
            step,
            source: errno.into(),
        }
    };
    if let Some(dscp) = options.dscp
        && dscp > MAX_DSCP
    {
        return Err(NetError::InvalidDscp { address, dscp });
    }
    let interface = match options.interface.as_deref() {
        Some(name) => Some(lookup_interface(name, address)?),
        None => None,
    };
    let family = match address {
        SocketAddr::V4(_) => AddressFamily::Inet,
        SocketAddr::V6(_) => AddressFamily::Inet6,
    };
    let fd = socket(
        family,
        SockType::Datagram,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        SockProtocol::Udp,
    )
    .map_err(failed("create socket"))?;
    if let Some(interface) = &interface {
        setsockopt(
            &fd,
            sockopt::BindToDevice,
            &OsString::from(interface.name()),
        )
        .map_err(failed("set SO_BINDTODEVICE"))?;
    }
    if options.reuse_port {
        setsockopt(&fd, sockopt::ReusePort, &true).map_err(failed("set SO_REUSEPORT"))?;
    }
    if let Some(dscp) = options.dscp {
        set_dscp(&fd, address, dscp).map_err(failed("set DSCP"))?;
    }
    if let Some(flags) = options.timestamping.flags() {
        setsockopt(&fd, sockopt::Timestamping, &flags).map_err(failed("set SO_TIMESTAMPING"))?;
    }
    bind(fd.as_raw_fd(), &SockaddrStorage::from(address)).map_err(failed("bind"))?;
    Ok(std::net::UdpSocket::from(fd))
}

/// Looks the interface up so a missing one is reported as such (rather than as `ENODEV` from
/// `SO_BINDTODEVICE`), naming both it and the address.
pub(super) fn lookup_interface(name: &str, address: SocketAddr) -> Result<Interface, NetError> {
    Interface::lookup(name).map_err(|error| match error {
        NetError::Interface { interface, source } => NetError::Setup {
            address,
            interface: Some(interface),
            step: "look up interface",
            source,
        },
        other => other,
    })
}

/// Sets the DSCP bits of the IPv4 TOS or IPv6 traffic class byte.
pub(super) fn set_dscp(fd: &OwnedFd, address: SocketAddr, dscp: u8) -> Result<(), Errno> {
    let traffic_class = i32::from(dscp) << 2;
    match address {
        SocketAddr::V4(_) => setsockopt(fd, sockopt::Ipv4Tos, &traffic_class),
        SocketAddr::V6(_) => setsockopt(fd, sockopt::Ipv6TClass, &traffic_class),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::options::Timestamping;
    use nix::sys::socket::getsockopt;

    fn loopback() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 0))
    }

    #[test]
    fn options_are_applied_before_bind() {
        let options = SocketOptions {
            interface: Some("lo".to_owned()),
            timestamping: Timestamping::Software,
            reuse_port: true,
            dscp: Some(46),
        };
        let socket = bound_udp_socket(loopback(), &options);
        let Ok(socket) = socket else {
            panic!("binding to 127.0.0.1 on lo: {socket:?}");
        };
        let flags = getsockopt(&socket, sockopt::Timestamping);
        assert_eq!(flags.ok(), Timestamping::Software.flags());
        assert_eq!(getsockopt(&socket, sockopt::ReusePort).ok(), Some(true));
        assert_eq!(getsockopt(&socket, sockopt::Ipv4Tos).ok(), Some(46 << 2));
        assert_eq!(
            getsockopt(&socket, sockopt::BindToDevice).ok(),
            Some(OsString::from("lo"))
        );
        let local = socket.local_addr().ok();
        assert!(local.is_some_and(|local| local.port() != 0), "{local:?}");
    }

    #[test]
    fn dscp_above_63_is_rejected() {
        let options = SocketOptions {
            dscp: Some(64),
            ..SocketOptions::default()
        };
        let result = bound_udp_socket(loopback(), &options);
        assert!(
            matches!(result, Err(NetError::InvalidDscp { dscp: 64, .. })),
            "{result:?}"
        );
    }

    #[test]
    fn bind_error_names_the_address() {
        // 192.0.2.1 (TEST-NET-1) is not assigned to this machine.
        let address = SocketAddr::from(([192, 0, 2, 1], 0));
        let result = bound_udp_socket(address, &SocketOptions::default());
        let Err(error) = result else {
            panic!("binding to an address the machine does not have succeeded");
        };
        let message = error.to_string();
        assert!(
            message.contains("192.0.2.1:0") && message.contains("bind"),
            "{message}"
        );
    }
}

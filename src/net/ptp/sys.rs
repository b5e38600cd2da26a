//! The system interfaces the PTP transports need that nix does not wrap: `ip_mreqn`
//! multicast options (join and send by interface index), `AF_PACKET` binding and multicast
//! membership, the `SIOCETHTOOL` (`ETHTOOL_GET_TS_INFO`) and `SIOCSHWTSTAMP` ioctls, and
//! registering a packet socket with Tokio.
//!
//! The one module of `net::ptp` with `unsafe` code; each block says why it is sound. The
//! structs mirror the kernel's UAPI headers (`<linux/ethtool.h>`, `<linux/net_tstamp.h>`,
//! `<linux/if_packet.h>`) and their sizes and offsets are checked in the tests.
#![allow(unsafe_code)]

use nix::errno::Errno;
use std::ffi::{c_int, c_void};
use std::net::Ipv4Addr;
use std::num::NonZeroU32;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// `PACKET_ADD_MEMBERSHIP` (`<linux/if_packet.h>`): the `SOL_PACKET` option that adds a
/// link-layer multicast address to the interface's filter for this socket.
const PACKET_ADD_MEMBERSHIP: c_int = 1;
/// `PACKET_MR_MULTICAST`: the membership is one multicast address.
const PACKET_MR_MULTICAST: u16 = 0;
/// `PACKET_TX_TIMESTAMP`: the `SOL_PACKET` control message type of a TX timestamp report
/// (a `sock_extended_err`) on a packet socket's error queue.
pub(super) const PACKET_TX_TIMESTAMP: c_int = 16;
/// `PACKET_OUTGOING`: the `sll_pkttype` of a frame this host sent, seen by another packet
/// socket on the same interface.
pub(super) const PACKET_OUTGOING: u8 = 4;
/// `ETHTOOL_GET_TS_INFO` (`<linux/ethtool.h>`).
pub(super) const ETHTOOL_GET_TS_INFO: u32 = 0x41;

/// `struct ethtool_ts_info`: an interface's timestamping capabilities and PHC index.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct EthtoolTsInfo {
    /// `ETHTOOL_GET_TS_INFO`.
    pub cmd: u32,
    /// `SOF_TIMESTAMPING_*` flags the interface supports.
    pub so_timestamping: u32,
    /// `/dev/ptpN` index of the PTP hardware clock, or -1 without one.
    pub phc_index: i32,
    /// Bit `1 << HWTSTAMP_TX_*` for each supported TX mode.
    pub tx_types: u32,
    /// Reserved (zero).
    pub tx_reserved: [u32; 3],
    /// Bit `1 << HWTSTAMP_FILTER_*` for each supported RX filter.
    pub rx_filters: u32,
    /// Reserved (zero).
    pub rx_reserved: [u32; 3],
}

/// `struct hwtstamp_config` (`<linux/net_tstamp.h>`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct HwTstampConfig {
    /// Reserved flags (zero).
    pub flags: c_int,
    /// `HWTSTAMP_TX_*`.
    pub tx_type: c_int,
    /// `HWTSTAMP_FILTER_*`.
    pub rx_filter: c_int,
}

/// `struct packet_mreq` (`<linux/if_packet.h>`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PacketMreq {
    mr_ifindex: c_int,
    mr_type: u16,
    mr_alen: u16,
    mr_address: [u8; 8],
}

/// An interface index as the `int` the kernel structs hold.
fn ifindex_int(ifindex: NonZeroU32) -> Result<c_int, Errno> {
    c_int::try_from(ifindex.get()).map_err(|_| Errno::EINVAL)
}

/// `setsockopt` with a value of this module's plain `repr(C)` option types.
fn set_option<T: Copy>(
    fd: BorrowedFd<'_>,
    level: c_int,
    name: c_int,
    value: &T,
) -> Result<(), Errno> {
    let len = libc::socklen_t::try_from(size_of::<T>()).map_err(|_| Errno::EINVAL)?;
    // SAFETY: `value` is a live reference to `size_of::<T>()` initialised bytes (every `T`
    // used here is a padding-free `repr(C)` struct of integers); the kernel only reads them
    // during the call. `fd` is an open descriptor borrowed for the call.
    let result = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            std::ptr::from_ref(value).cast::<c_void>(),
            len,
        )
    };
    Errno::result(result).map(drop)
}

/// An `ip_mreqn` for `group` (or `INADDR_ANY`) on the interface with index `ifindex`.
fn ip_mreqn(group: Ipv4Addr, ifindex: NonZeroU32) -> Result<libc::ip_mreqn, Errno> {
    Ok(libc::ip_mreqn {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from_ne_bytes(group.octets()),
        },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex_int(ifindex)?,
    })
}

/// `IP_ADD_MEMBERSHIP` of `group` on the interface `ifindex` (by index, not address, so
/// interfaces sharing an address stay apart).
pub(super) fn join_ipv4_multicast(
    fd: BorrowedFd<'_>,
    group: Ipv4Addr,
    ifindex: NonZeroU32,
) -> Result<(), Errno> {
    let request = ip_mreqn(group, ifindex)?;
    set_option(fd, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &request)
}

/// `IP_MULTICAST_IF`: multicast datagrams leave through the interface `ifindex`.
pub(super) fn set_ipv4_multicast_interface(
    fd: BorrowedFd<'_>,
    ifindex: NonZeroU32,
) -> Result<(), Errno> {
    let request = ip_mreqn(Ipv4Addr::UNSPECIFIED, ifindex)?;
    set_option(fd, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &request)
}

/// Binds a packet socket to the interface `ifindex` and the ethertype `ethertype`: it then
/// receives only frames of that type arriving on that interface, and `send` without an
/// address transmits there.
pub(super) fn bind_packet_socket(
    fd: BorrowedFd<'_>,
    ifindex: NonZeroU32,
    ethertype: u16,
) -> Result<(), Errno> {
    let address = libc::sockaddr_ll {
        sll_family: libc::AF_PACKET as u16,
        sll_protocol: ethertype.to_be(),
        sll_ifindex: ifindex_int(ifindex)?,
        sll_hatype: 0,
        sll_pkttype: 0,
        sll_halen: 0,
        sll_addr: [0; 8],
    };
    let len =
        libc::socklen_t::try_from(size_of::<libc::sockaddr_ll>()).map_err(|_| Errno::EINVAL)?;
    // SAFETY: `address` is an initialised `sockaddr_ll` living across the call and `len` is
    // its size; the kernel only reads it. `fd` is an open descriptor borrowed for the call.
    let result = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            std::ptr::from_ref(&address).cast::<libc::sockaddr>(),
            len,
        )
    };
    Errno::result(result).map(drop)
}

/// `PACKET_ADD_MEMBERSHIP` of the link-layer multicast address `mac` on the interface
/// `ifindex`, for as long as the socket is open.
pub(super) fn add_packet_multicast(
    fd: BorrowedFd<'_>,
    ifindex: NonZeroU32,
    mac: [u8; 6],
) -> Result<(), Errno> {
    let mut mr_address = [0; 8];
    mr_address[..6].copy_from_slice(&mac);
    let request = PacketMreq {
        mr_ifindex: ifindex_int(ifindex)?,
        mr_type: PACKET_MR_MULTICAST,
        mr_alen: 6,
        mr_address,
    };
    set_option(fd, libc::SOL_PACKET, PACKET_ADD_MEMBERSHIP, &request)
}

/// The interface's timestamping capabilities (`SIOCETHTOOL`, `ETHTOOL_GET_TS_INFO`). Needs
/// no privileges.
pub(super) fn ethtool_ts_info(fd: BorrowedFd<'_>, interface: &str) -> Result<EthtoolTsInfo, Errno> {
    let mut info = EthtoolTsInfo {
        cmd: ETHTOOL_GET_TS_INFO,
        ..EthtoolTsInfo::default()
    };
    let request = interface_request(interface, std::ptr::from_mut(&mut info).cast())?;
    // SAFETY: SIOCETHTOOL with `ETHTOOL_GET_TS_INFO` in `cmd` reads and writes exactly one
    // `struct ethtool_ts_info` at `ifr_data`, which points to `info` (same layout, checked
    // in the tests), alive and exclusively borrowed across the call.
    unsafe { interface_ioctl(fd, libc::SIOCETHTOOL, request) }?;
    Ok(info)
}

/// `SIOCSHWTSTAMP`: asks the driver for `config`; on success the driver writes back what it
/// actually applied (e.g. a broader RX filter). Needs `CAP_NET_ADMIN`.
pub(super) fn set_hardware_timestamping(
    fd: BorrowedFd<'_>,
    interface: &str,
    config: &mut HwTstampConfig,
) -> Result<(), Errno> {
    let request = interface_request(interface, std::ptr::from_mut(config).cast())?;
    // SAFETY: SIOCSHWTSTAMP reads and writes exactly one `struct hwtstamp_config` at
    // `ifr_data`, which points to `config` (same layout, checked in the tests), alive and
    // exclusively borrowed across the call.
    unsafe { interface_ioctl(fd, libc::SIOCSHWTSTAMP, request) }
}

/// An `ifreq` naming `interface` whose `ifr_data` is `data`.
fn interface_request(interface: &str, data: *mut c_void) -> Result<libc::ifreq, Errno> {
    let bytes = interface.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(Errno::EINVAL);
    }
    let mut name = [0; libc::IFNAMSIZ];
    for (slot, byte) in name.iter_mut().zip(bytes) {
        *slot = libc::c_char::from_ne_bytes([*byte]);
    }
    Ok(libc::ifreq {
        ifr_name: name,
        ifr_ifru: libc::__c_anonymous_ifr_ifru {
            ifru_data: data.cast(),
        },
    })
}

/// One interface ioctl with `request`.
///
/// # Safety
/// `request.ifr_ifru.ifru_data` must point to a live, exclusively borrowed struct of the
/// type the ioctl `code` reads and writes.
unsafe fn interface_ioctl(
    fd: BorrowedFd<'_>,
    code: libc::c_ulong,
    mut request: libc::ifreq,
) -> Result<(), Errno> {
    // SAFETY: `request` is an initialised `ifreq` (NUL-terminated name) living across the
    // call; the memory its data pointer refers to is the caller's obligation (see above).
    let result = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            code as libc::Ioctl,
            std::ptr::from_mut(&mut request),
        )
    };
    Errno::result(result).map(drop)
}

/// Registers a non-blocking socket with the current Tokio runtime for readable, writable and
/// error readiness. The caller checks that a runtime exists (registration panics otherwise).
pub(super) fn register_async(fd: OwnedFd) -> std::io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: `OwnedFd` owns an open descriptor that stays open, and is the same descriptor,
    // until the `AsyncFd` (which owns the `OwnedFd`) is dropped; nothing else closes it.
    let registered =
        unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE | Interest::WRITABLE) };
    registered.map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn struct_layouts_match_the_kernel_abi() {
        // Sizes and offsets from <linux/ethtool.h>, <linux/net_tstamp.h>, <linux/if_packet.h>
        // (gcc `sizeof`/`offsetof` on x86_64 Linux 6.x headers).
        assert_eq!(size_of::<EthtoolTsInfo>(), 44);
        assert_eq!(offset_of!(EthtoolTsInfo, so_timestamping), 4);
        assert_eq!(offset_of!(EthtoolTsInfo, phc_index), 8);
        assert_eq!(offset_of!(EthtoolTsInfo, tx_types), 12);
        assert_eq!(offset_of!(EthtoolTsInfo, rx_filters), 28);
        assert_eq!(size_of::<HwTstampConfig>(), 12);
        assert_eq!(offset_of!(HwTstampConfig, tx_type), 4);
        assert_eq!(offset_of!(HwTstampConfig, rx_filter), 8);
        assert_eq!(
            size_of::<HwTstampConfig>(),
            size_of::<libc::hwtstamp_config>()
        );
        assert_eq!(size_of::<PacketMreq>(), 16);
        assert_eq!(offset_of!(PacketMreq, mr_address), 8);
        assert_eq!(size_of::<libc::ip_mreqn>(), 12);
        assert_eq!(size_of::<libc::sockaddr_ll>(), 20);
        assert_eq!(size_of::<libc::sock_extended_err>(), 16);
    }

    #[test]
    fn constants_match_the_kernel_abi() {
        assert_eq!(ETHTOOL_GET_TS_INFO, 0x41);
        assert_eq!(libc::SIOCETHTOOL, 0x8946);
        assert_eq!(libc::SIOCSHWTSTAMP, 0x89b0);
        assert_eq!(PACKET_ADD_MEMBERSHIP, 1);
        assert_eq!(PACKET_MR_MULTICAST, 0);
        assert_eq!(PACKET_TX_TIMESTAMP, 16);
        assert_eq!(PACKET_OUTGOING, 4);
        assert_eq!(libc::SOL_PACKET, 263);
        assert_eq!(libc::HWTSTAMP_TX_ON, 1);
        assert_eq!(libc::HWTSTAMP_FILTER_ALL, 1);
        assert_eq!(libc::HWTSTAMP_FILTER_PTP_V2_EVENT, 12);
        assert_eq!(libc::ETH_P_1588, 0x88F7);
    }

    #[test]
    fn interface_request_names_the_interface_with_a_terminating_nul() {
        let Ok(request) = interface_request("eth0", std::ptr::null_mut()) else {
            panic!("eth0 is a valid interface name");
        };
        let name: Vec<u8> = request
            .ifr_name
            .iter()
            .map(|c| c.to_ne_bytes()[0])
            .collect();
        assert_eq!(&name[..5], b"eth0\0");
        assert_eq!(
            interface_request("sixteen-chars-xx", std::ptr::null_mut()).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            interface_request("", std::ptr::null_mut()).err(),
            Some(Errno::EINVAL)
        );
    }
}

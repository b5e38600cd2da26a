//! Test helpers: the RX-stamping anchor.
#![expect(
    clippy::disallowed_methods,
    reason = "tests compare kernel timestamps with CLOCK_REALTIME and wait for the kernel"
)]

use crate::net::SocketOptions;
use crate::net::options::Timestamping;
use crate::net::udp::receive_datagram;
use crate::time::Timestamp;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Generous bound for anything that should happen at once on loopback or a veth pair.
pub(super) const PROMPT: Duration = Duration::from_secs(2);

/// `CLOCK_REALTIME` now.
pub(super) fn now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_nanos(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
}

/// A socket with RX timestamping that stays open while the tests run, so the kernel's
/// (global, lazily switched on) RX software stamping is on before any test binds.
static RX_STAMPING_ANCHOR: OnceLock<Option<std::net::UdpSocket>> = OnceLock::new();

/// Opens the anchor and waits until the kernel stamps received packets.
pub(super) fn ensure_rx_stamping_is_on() {
    RX_STAMPING_ANCHOR.get_or_init(|| {
        let address = SocketAddr::from(([127, 0, 0, 1], 0));
        let anchor =
            crate::net::setup::bound_udp_socket(address, &SocketOptions::default()).ok()?;
        let own_address = anchor.local_addr().ok()?;
        let mut buffer = [0u8; 8];
        for _ in 0..1_000 {
            anchor.send_to(b"warm-up", own_address).ok()?;
            std::thread::sleep(Duration::from_millis(1));
            let received =
                receive_datagram(anchor.as_raw_fd(), &mut buffer, Timestamping::Software);
            if received.is_ok_and(|received| received.rx.is_some()) {
                return Some(anchor);
            }
        }
        None
    });
}

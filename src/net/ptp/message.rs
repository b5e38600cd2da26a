//! What the PTP transports move: destinations, received messages and the two message
//! classes. Shared by the UDPv4 and L2 transports, generic over their address type
//! (`SocketAddr` for UDP, [`MacAddress`](super::MacAddress) for L2) so a destination of the
//! wrong kind does not compile.

use crate::time::Timestamp;

/// The two classes of PTP messages (IEEE 1588-2008 §6.4). Event messages (Sync, Delay_Req,
/// Pdelay_Req, Pdelay_Resp) are timestamped; general messages (Announce, Follow_Up,
/// Delay_Resp, Signaling, Management, ...) are not. Over UDP they use separate ports (319
/// and 320).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PtpPort {
    /// Event messages: UDP port 319.
    Event,
    /// General messages: UDP port 320.
    General,
}

impl PtpPort {
    /// The class of a PTP message from its first byte (`messageType` is its low nibble;
    /// types 0–7 are event messages). `None` for an empty message.
    pub fn of_message(bytes: &[u8]) -> Option<PtpPort> {
        let first = bytes.first()?;
        Some(if first & 0x0f < 8 {
            PtpPort::Event
        } else {
            PtpPort::General
        })
    }
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PtpDestination<A> {
    /// The PTP primary multicast group: `224.0.1.129` on the message's port over UDP,
    /// `01-1B-19-00-00-00` over L2.
    Multicast,
    /// One peer: an IP address and port over UDP, a MAC address over L2.
    Unicast(A),
}

/// A message received by a PTP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtpReceived<A> {
    /// How many bytes of the buffer hold the PTP message (without Ethernet header on L2).
    pub len: usize,
    /// The sender: its IP address and port over UDP, its MAC address over L2.
    pub from: A,
    /// When the kernel (or NIC, in hardware mode) received it; `None` when the socket does
    /// not timestamp this class or no timestamp came with it (treat as a lost sample).
    pub rx: Option<Timestamp>,
    /// Which class it arrived as: the port over UDP, the `messageType` nibble over L2.
    pub port: PtpPort,
    /// The message was longer than the buffer; only `len` bytes of it were kept.
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_type_nibble_decides_the_class() {
        // Sync (0), Delay_Req (1), Pdelay_Req (2), Pdelay_Resp (3); transportSpecific in the
        // high nibble does not matter.
        for first in [0x00, 0x01, 0x02, 0x03, 0x12, 0xf7] {
            assert_eq!(
                PtpPort::of_message(&[first, 2]),
                Some(PtpPort::Event),
                "{first:#x}"
            );
        }
        // Follow_Up (8), Delay_Resp (9), Announce (0xB), Signaling (0xC), Management (0xD).
        for first in [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x1f] {
            assert_eq!(
                PtpPort::of_message(&[first]),
                Some(PtpPort::General),
                "{first:#x}"
            );
        }
        assert_eq!(PtpPort::of_message(&[]), None);
    }
}

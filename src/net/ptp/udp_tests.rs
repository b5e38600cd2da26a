//! [`PtpUdpTransport`] against the real kernel on loopback (unicast on 127.0.0.1 and multicast
//! on `lo`, ephemeral ports), and multicast over a veth pair in a throwaway network namespace
//! (root only; under `CI=true` a non-root run fails instead of skipping).

use super::message::{PtpDestination, PtpPort, PtpReceived};
use super::test_support::{
    PROMPT, ensure_rx_stamping_is_on, in_namespace_with_veth, now, running_as_root,
};
use super::udp::{PTP_PRIMARY_MULTICAST_V4, PtpTransportConfig, PtpUdpTransport};
use crate::net::NetError;
use crate::time::Timestamp;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// A transport on `lo` bound to `bind_address` with the given ports, multicast loop on.
fn open(bind_address: Ipv4Addr, event_port: u16, general_port: u16) -> PtpUdpTransport {
    ensure_rx_stamping_is_on();
    open_with(PtpTransportConfig {
        bind_address,
        event_port,
        general_port,
        multicast_loop: true,
        ..PtpTransportConfig::new("lo")
    })
}

fn open_with(config: PtpTransportConfig) -> PtpUdpTransport {
    match PtpUdpTransport::open(config) {
        Ok(transport) => transport,
        Err(error) => panic!("{error}"),
    }
}

/// Two transports on 127.0.0.1, each with its own ephemeral ports.
fn loopback_pair() -> (PtpUdpTransport, PtpUdpTransport) {
    (
        open(Ipv4Addr::LOCALHOST, 0, 0),
        open(Ipv4Addr::LOCALHOST, 0, 0),
    )
}

/// The next message on `transport`, within [`PROMPT`].
async fn receive(transport: &PtpUdpTransport, buffer: &mut [u8]) -> PtpReceived<SocketAddr> {
    match tokio::time::timeout(PROMPT, transport.recv(buffer)).await {
        Ok(Ok(received)) => received,
        Ok(Err(error)) => panic!("{error}"),
        Err(_) => panic!("nothing received on {}", transport.event_addr()),
    }
}

/// Sends an event message and returns its TX timestamp.
async fn send_event(
    from: &PtpUdpTransport,
    bytes: &[u8],
    to: PtpDestination<SocketAddr>,
) -> Timestamp {
    let token = match from.send_event(bytes, to).await {
        Ok(token) => token,
        Err(error) => panic!("{error}"),
    };
    match from.tx_timestamp(token, PROMPT).await {
        Ok(Some(stamp)) => stamp,
        Ok(None) => panic!("no TX timestamp from {}", from.event_addr()),
        Err(error) => panic!("{error}"),
    }
}

async fn send_general(from: &PtpUdpTransport, bytes: &[u8], to: PtpDestination<SocketAddr>) {
    if let Err(error) = from.send_general(bytes, to).await {
        panic!("{error}");
    }
}

/// Sends an event message from `a` to `b` and checks what `b` receives.
async fn event_exchange(a: &PtpUdpTransport, b: &PtpUdpTransport, bytes: &[u8]) {
    let before = now();
    let sent = send_event(a, bytes, PtpDestination::Unicast(b.event_addr())).await;
    let mut buffer = [0u8; 128];
    let received = receive(b, &mut buffer).await;
    let after = now();
    assert_eq!(received.port, PtpPort::Event);
    assert_eq!(received.from, a.event_addr());
    assert_eq!(&buffer[..received.len], bytes);
    assert!(!received.truncated);
    let Some(rx) = received.rx else {
        panic!("event message without RX timestamp: {received:?}");
    };
    assert!(
        before <= sent && sent <= rx && rx <= after,
        "{before:?} {sent:?} {rx:?} {after:?}"
    );
}

#[tokio::test]
async fn unicast_event_messages_carry_tx_and_rx_timestamps_both_ways() {
    let (a, b) = loopback_pair();
    event_exchange(&a, &b, b"\x01\x02delay-req").await;
    event_exchange(&b, &a, b"\x00\x02sync").await;
}

#[tokio::test]
async fn unicast_general_messages_arrive_on_the_general_port_without_timestamps() {
    let (a, b) = loopback_pair();
    let mut buffer = [0u8; 128];
    for (from, to) in [(&a, &b), (&b, &a)] {
        send_general(
            from,
            b"\x0b\x02announce",
            PtpDestination::Unicast(to.general_addr()),
        )
        .await;
        let received = receive(to, &mut buffer).await;
        assert_eq!(received.port, PtpPort::General);
        assert_eq!(received.from, from.general_addr());
        assert_eq!(&buffer[..received.len], b"\x0b\x02announce");
        assert_eq!(received.rx, None);
    }
}

#[tokio::test]
async fn long_general_message_is_reported_truncated() {
    let (a, b) = loopback_pair();
    send_general(&a, &[0x0d; 100], PtpDestination::Unicast(b.general_addr())).await;
    let mut buffer = [0u8; 40];
    let received = receive(&b, &mut buffer).await;
    assert_eq!((received.len, received.truncated), (40, true));
}

#[tokio::test]
async fn multicast_on_loopback_reaches_every_transport_sharing_the_ports() {
    // Bound to the group itself: the sockets receive only multicast, nothing from outside
    // the machine. The second transport shares the first one's ports (SO_REUSEADDR).
    let a = open(PTP_PRIMARY_MULTICAST_V4, 0, 0);
    let b = open(
        PTP_PRIMARY_MULTICAST_V4,
        a.event_addr().port(),
        a.general_addr().port(),
    );
    assert_eq!(
        a.resolve(PtpDestination::Multicast, PtpPort::Event),
        SocketAddr::from((PTP_PRIMARY_MULTICAST_V4, a.event_addr().port()))
    );
    let before = now();
    let sent = send_event(&a, b"\x00\x02multicast sync", PtpDestination::Multicast).await;
    send_general(
        &a,
        b"\x08\x02multicast follow-up",
        PtpDestination::Multicast,
    )
    .await;
    let mut buffer = [0u8; 128];
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let received = receive(&b, &mut buffer).await;
        assert_eq!(
            received.from.port(),
            match received.port {
                PtpPort::Event => a.event_addr().port(),
                PtpPort::General => a.general_addr().port(),
            }
        );
        seen.push((received.port, buffer[..received.len].to_vec(), received.rx));
    }
    seen.sort_by_key(|(port, _, _)| *port == PtpPort::General);
    let (_, event_bytes, event_rx) = &seen[0];
    assert_eq!(event_bytes, b"\x00\x02multicast sync");
    assert!(
        event_rx.is_some_and(|rx| before <= sent && sent <= rx),
        "{seen:?}"
    );
    assert_eq!(seen[1].0, PtpPort::General);
    assert_eq!(seen[1].1, b"\x08\x02multicast follow-up");
}

#[test]
fn multicast_crosses_a_veth_pair_and_loops_back_only_when_asked() {
    if !running_as_root("UDP multicast over veth") {
        return;
    }
    in_namespace_with_veth(async |veth| {
        let address_a = veth.add_ipv4_addresses();
        // Wildcard address, ephemeral ports, defaults otherwise: loop off, TTL 1.
        let a = open_with(PtpTransportConfig {
            event_port: 0,
            general_port: 0,
            ..PtpTransportConfig::new(&veth.a)
        });
        let shared_ports = |interface: &str, multicast_loop| PtpTransportConfig {
            event_port: a.event_addr().port(),
            general_port: a.general_addr().port(),
            multicast_loop,
            ..PtpTransportConfig::new(interface)
        };
        let b = open_with(shared_ports(&veth.b, false));
        let sent = send_event(&a, b"\x00\x02sync over veth", PtpDestination::Multicast).await;
        send_general(&a, b"\x0b\x02announce over veth", PtpDestination::Multicast).await;
        let mut buffer = [0u8; 128];
        for (port, bytes) in [
            (PtpPort::Event, &b"\x00\x02sync over veth"[..]),
            (PtpPort::General, b"\x0b\x02announce over veth"),
        ] {
            let received = receive(&b, &mut buffer).await;
            assert_eq!(received.port, port);
            assert_eq!(&buffer[..received.len], bytes);
            let sender_port = match port {
                PtpPort::Event => a.event_addr().port(),
                PtpPort::General => a.general_addr().port(),
            };
            assert_eq!(received.from, SocketAddr::from((address_a, sender_port)));
            if port == PtpPort::Event {
                assert!(
                    received.rx.is_some_and(|rx| sent <= rx),
                    "{received:?} {sent:?}"
                );
            }
        }
        // Loop off: the sender's side of the link does not hear its own multicast.
        let own = tokio::time::timeout(Duration::from_millis(200), a.recv(&mut buffer)).await;
        assert!(own.is_err(), "multicast looped back with loop off: {own:?}");
        // Loop on: a sibling on the same interface hears it, as does the sender's side.
        let looping = open_with(shared_ports(&veth.a, true));
        let _sent = send_event(&looping, b"\x00\x02looped", PtpDestination::Multicast).await;
        let received = receive(&a, &mut buffer).await;
        assert_eq!(&buffer[..received.len], b"\x00\x02looped");
    });
}

#[tokio::test]
async fn ports_can_be_shared_like_ptp4l_instances_do() {
    let a = open(Ipv4Addr::LOCALHOST, 0, 0);
    let b = PtpUdpTransport::open(PtpTransportConfig {
        bind_address: Ipv4Addr::LOCALHOST,
        event_port: a.event_addr().port(),
        general_port: a.general_addr().port(),
        ..PtpTransportConfig::new("lo")
    });
    assert!(b.is_ok(), "{b:?}");
}

#[tokio::test]
async fn missing_interface_is_named_with_the_address() {
    let result = PtpUdpTransport::open(PtpTransportConfig {
        bind_address: Ipv4Addr::LOCALHOST,
        event_port: 0,
        general_port: 0,
        ..PtpTransportConfig::new("shiwa-nosuch0")
    });
    let Err(error) = result else {
        panic!("opened on a missing interface");
    };
    assert!(matches!(error, NetError::Setup { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("shiwa-nosuch0") && message.contains("127.0.0.1:0"),
        "{message}"
    );
}

#[test]
fn opening_outside_a_runtime_is_an_error_not_a_panic() {
    let result = PtpUdpTransport::open(PtpTransportConfig {
        bind_address: Ipv4Addr::LOCALHOST,
        event_port: 0,
        general_port: 0,
        ..PtpTransportConfig::new("lo")
    });
    let Err(error) = result else {
        panic!("opened without a Tokio runtime");
    };
    assert!(error.to_string().contains("Tokio"), "{error}");
}

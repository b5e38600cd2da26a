//! [`PtpL2Transport`] against the real kernel: a veth pair in a throwaway network namespace
//! (root only; under `CI=true` a non-root run fails instead of skipping).

use super::hardware::{HwTimestampError, enable_hardware_timestamping};
use super::l2::{PtpL2Error, PtpL2Transport};
use super::mac::MacAddress;
use super::message::{PtpDestination, PtpPort, PtpReceived};
use super::test_support::{PROMPT, in_namespace_with_veth, now, running_as_root};
use crate::net::options::Timestamping;
use crate::time::Timestamp;
use std::time::Duration;

fn open(interface: &str) -> PtpL2Transport {
    match PtpL2Transport::open(interface, Timestamping::Software) {
        Ok(transport) => transport,
        Err(error) => panic!("{error}"),
    }
}

async fn receive(transport: &PtpL2Transport, buffer: &mut [u8]) -> PtpReceived<MacAddress> {
    match tokio::time::timeout(PROMPT, transport.recv(buffer)).await {
        Ok(Ok(received)) => received,
        Ok(Err(error)) => panic!("{error}"),
        Err(_) => panic!("nothing received on {}", transport.interface().name()),
    }
}

async fn send_event(
    from: &PtpL2Transport,
    bytes: &[u8],
    to: PtpDestination<MacAddress>,
) -> Timestamp {
    let token = match from.send_event(bytes, to).await {
        Ok(token) => token,
        Err(error) => panic!("{error}"),
    };
    match from.tx_timestamp(token, PROMPT).await {
        Ok(Some(stamp)) => stamp,
        Ok(None) => panic!("no TX timestamp on {}", from.interface().name()),
        Err(error) => panic!("{error}"),
    }
}

/// Sends an event message from `a` to `to` and checks what `b` receives.
async fn event_exchange(
    a: &PtpL2Transport,
    b: &PtpL2Transport,
    to: PtpDestination<MacAddress>,
    bytes: &[u8],
) {
    let before = now();
    let sent = send_event(a, bytes, to).await;
    let mut buffer = [0u8; 256];
    let received = receive(b, &mut buffer).await;
    let after = now();
    assert_eq!(received.from, a.mac_address());
    assert_eq!(received.port, PtpPort::Event);
    assert_eq!(&buffer[..received.len], bytes);
    assert!(!received.truncated);
    let Some(rx) = received.rx else {
        panic!("frame without RX timestamp: {received:?}");
    };
    assert!(
        before <= sent && sent <= rx && rx <= after,
        "{before:?} {sent:?} {rx:?} {after:?}"
    );
}

#[test]
fn event_frames_cross_a_veth_pair_with_tx_and_rx_timestamps() {
    if !running_as_root("L2 transport over veth") {
        return;
    }
    in_namespace_with_veth(async |veth| {
        let (a, b) = (open(&veth.a), open(&veth.b));
        assert_ne!(a.mac_address(), b.mac_address());
        event_exchange(&a, &b, PtpDestination::Multicast, b"\x00\x02sync over L2").await;
        let to_a = PtpDestination::Unicast(a.mac_address());
        event_exchange(&b, &a, to_a, b"\x01\x02delay-req over L2").await;
    });
}

#[test]
fn general_frames_arrive_as_general_and_do_not_disturb_event_timestamps() {
    if !running_as_root("L2 transport over veth") {
        return;
    }
    in_namespace_with_veth(async |veth| {
        let (a, b) = (open(&veth.a), open(&veth.b));
        let mut buffer = [0u8; 256];
        if let Err(error) = a
            .send_general(b"\x0b\x02announce", PtpDestination::Multicast)
            .await
        {
            panic!("{error}");
        }
        let received = receive(&b, &mut buffer).await;
        assert_eq!(received.port, PtpPort::General);
        assert_eq!(&buffer[..received.len], b"\x0b\x02announce");
        // Three event frames, two with identical bytes, claimed newest first.
        let mut tokens = Vec::new();
        for bytes in [&b"\x00\x02same"[..], b"\x00\x02same", b"\x00\x02other"] {
            match a.send_event(bytes, PtpDestination::Multicast).await {
                Ok(token) => tokens.push(token),
                Err(error) => panic!("{error}"),
            }
        }
        let mut stamps = Vec::new();
        for token in tokens.into_iter().rev() {
            match a.tx_timestamp(token, PROMPT).await {
                Ok(Some(stamp)) => stamps.push(stamp),
                other => panic!("{other:?}"),
            }
        }
        assert!(
            stamps[2] <= stamps[1] && stamps[1] <= stamps[0],
            "{stamps:?}"
        );
        for _ in 0..3 {
            let received = receive(&b, &mut buffer).await;
            assert_eq!(received.port, PtpPort::Event);
        }
    });
}

#[test]
fn frames_sent_by_a_sibling_socket_on_the_same_interface_are_not_received() {
    if !running_as_root("L2 transport over veth") {
        return;
    }
    in_namespace_with_veth(async |veth| {
        let (sender, sibling, b) = (open(&veth.a), open(&veth.a), open(&veth.b));
        let _stamp = send_event(&sender, b"\x00\x02sync", PtpDestination::Multicast).await;
        let mut buffer = [0u8; 64];
        let _received = receive(&b, &mut buffer).await;
        let on_sibling =
            tokio::time::timeout(Duration::from_millis(200), sibling.recv(&mut buffer)).await;
        assert!(
            on_sibling.is_err(),
            "the sender's own outgoing frame came back: {on_sibling:?}"
        );
    });
}

#[test]
fn long_messages_and_short_buffers_are_reported() {
    if !running_as_root("L2 transport over veth") {
        return;
    }
    in_namespace_with_veth(async |veth| {
        let (a, b) = (open(&veth.a), open(&veth.b));
        let too_long = a
            .send_general(&[0u8; 1501], PtpDestination::Multicast)
            .await;
        assert!(
            matches!(too_long, Err(PtpL2Error::MessageTooLong { len: 1501, .. })),
            "{too_long:?}"
        );
        if let Err(error) = a
            .send_general(&[0x0c; 300], PtpDestination::Multicast)
            .await
        {
            panic!("{error}");
        }
        let mut buffer = [0u8; 100];
        let received = receive(&b, &mut buffer).await;
        assert_eq!((received.len, received.truncated), (100, true));
        assert_eq!(received.port, PtpPort::General);
    });
}

#[test]
fn veth_reports_software_timestamping_only() {
    if !running_as_root("hardware timestamping query on veth") {
        return;
    }
    in_namespace_with_veth(async |veth| {
        let Err(error) = enable_hardware_timestamping(&veth.a) else {
            panic!("veth has no hardware timestamping");
        };
        assert!(
            matches!(error, HwTimestampError::NotSupported { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "{}: no hardware timestamping (driver reports software only); set \
                 linux_specific.hardware_timestamping: false or use a NIC with a PTP hardware \
                 clock",
                veth.a
            )
        );
    });
}

#[test]
fn missing_interface_is_named() {
    let result = PtpL2Transport::open("shiwa-nosuch0", Timestamping::Software);
    let Err(error) = result else {
        panic!("opened on a missing interface");
    };
    assert!(matches!(error, PtpL2Error::Interface(_)), "{error:?}");
    assert!(error.to_string().contains("shiwa-nosuch0"), "{error}");
}

#[test]
fn opening_outside_a_runtime_is_an_error_not_a_panic() {
    let result = PtpL2Transport::open("lo", Timestamping::Software);
    let Err(error) = result else {
        panic!("opened without a Tokio runtime");
    };
    assert!(error.to_string().contains("Tokio"), "{error}");
}

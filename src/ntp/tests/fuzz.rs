//! Property tests: no input makes the codec, the client or the server panic.

use crate::ntp::client::{ClientAction, ClientConfig, ClientEvent, NtpClient};
use crate::ntp::packet::{HEADER_LEN, Mode, NtpPacket, leap_from_bits};
use crate::ntp::refid::RefId;
use crate::ntp::server::{NtpServer, RateLimit, ServerConfig, ServerState};
use crate::ntp::timestamp::{NtpShort, NtpTimestamp};
use crate::source::Leap;
use crate::time::{Duration, Timestamp};
use proptest::prelude::*;
use std::net::SocketAddr;

fn any_header() -> impl Strategy<Value = NtpPacket> {
    (
        (
            0u8..4,
            1u8..=4,
            0u8..8,
            any::<u8>(),
            any::<i8>(),
            any::<i8>(),
        ),
        (any::<u32>(), any::<u32>(), any::<[u8; 4]>()),
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()),
    )
        .prop_map(
            |(
                (leap, version, mode, stratum, poll, precision),
                (delay, dispersion, refid),
                (reference, origin, receive, transmit),
            )| NtpPacket {
                leap: leap_from_bits(leap),
                version,
                mode: Mode::from_bits(mode),
                stratum,
                poll,
                precision,
                root_delay: NtpShort::from_bits(delay),
                root_dispersion: NtpShort::from_bits(dispersion),
                reference_id: RefId(refid),
                reference_time: NtpTimestamp::from_bits(reference),
                origin: NtpTimestamp::from_bits(origin),
                receive: NtpTimestamp::from_bits(receive),
                transmit: NtpTimestamp::from_bits(transmit),
            },
        )
}

fn any_time() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        any::<i64>().prop_map(Timestamp::from_nanos),
        (0i64..8_000_000_000_000_000_000).prop_map(Timestamp::from_nanos),
    ]
}

/// Clients in each state a datagram can meet: fresh, waiting for a basic answer, and
/// waiting for an interleaved one after a usable exchange.
fn clients(now: Timestamp) -> (Vec<NtpClient>, Vec<NtpTimestamp>, Vec<Option<NtpTimestamp>>) {
    let fresh = NtpClient::new(ClientConfig::default(), "fuzz").expect("valid config");
    let mut basic = fresh.clone();
    let basic_request = request_of(basic.on_timer(now, 42));
    let mut interleaved = NtpClient::new(
        ClientConfig {
            interleaved: true,
            ..ClientConfig::default()
        },
        "fuzz",
    )
    .expect("valid config");
    let first = request_of(interleaved.on_timer(now, 7));
    let response = NtpPacket {
        leap: Leap::None,
        version: 4,
        mode: Mode::Server,
        stratum: 1,
        poll: 4,
        precision: -20,
        root_delay: NtpShort::default(),
        root_dispersion: NtpShort::default(),
        reference_id: RefId::from_ascii("GPS"),
        reference_time: NtpTimestamp::from_timestamp(now),
        origin: first.transmit,
        receive: NtpTimestamp::from_timestamp(now).with_low_bit(true),
        transmit: NtpTimestamp::from_timestamp(now).with_low_bit(false),
    };
    let _ = interleaved.on_response(&response.to_bytes(), now);
    let second = request_of(interleaved.on_timer(now, 8));
    let cookies = vec![NtpTimestamp::ZERO, basic_request.transmit, second.transmit];
    let markers = vec![None, None, Some(second.receive)];
    (vec![fresh, basic, interleaved], cookies, markers)
}

fn request_of(action: ClientAction) -> NtpPacket {
    match action {
        ClientAction::Send { packet, .. } => NtpPacket::parse(&packet).expect("own request parses"),
        ClientAction::Stop(reason) => panic!("client stopped: {reason:?}"),
    }
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(packet) = NtpPacket::parse(&bytes) {
            prop_assert_eq!(&packet.to_bytes()[..], &bytes[..HEADER_LEN]);
        }
    }

    #[test]
    fn headers_round_trip(packet in any_header()) {
        prop_assert_eq!(NtpPacket::parse(&packet.to_bytes()), Ok(packet));
    }

    #[test]
    fn trailers_never_panic(header in any_header(), tail in proptest::collection::vec(any::<u8>(), 0..120)) {
        let bytes = [header.to_bytes().as_slice(), &tail].concat();
        let _ = NtpPacket::parse_with_trailer(&bytes);
    }

    #[test]
    fn timestamps_convert_without_panic(bits in any::<u64>(), pivot in any_time(), time in any_time()) {
        let _ = NtpTimestamp::from_bits(bits).to_timestamp(pivot);
        let wire = NtpTimestamp::from_timestamp(time);
        let _ = wire.to_timestamp(time);
    }

    #[test]
    fn client_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..120), rx in any_time()) {
        let (clients, ..) = clients(Timestamp::from_secs_nanos(1_700_000_000, 0));
        for mut client in clients {
            let _ = client.on_response(&bytes, rx);
            let _ = client.status();
        }
    }

    /// Headers whose origin matches the request in flight reach the deep checks.
    #[test]
    fn client_never_panics_on_matching_headers(mut header in any_header(), rx in any_time(), tx in any_time(), marker in any::<bool>()) {
        let now = Timestamp::from_secs_nanos(1_700_000_000, 0);
        let (clients, cookies, markers) = clients(now);
        header.mode = Mode::Server;
        for ((mut client, cookie), receive_marker) in clients.into_iter().zip(cookies).zip(markers) {
            header.origin = match receive_marker {
                Some(m) if marker => m,
                _ => cookie,
            };
            client.on_transmitted(tx);
            let event = client.on_response(&header.to_bytes(), rx);
            if let ClientEvent::Sample(report) = event {
                prop_assert!(report.raw.delay > Duration::ZERO);
            }
            let _ = client.on_timer(rx, 1);
            let _ = client.status();
        }
    }

    #[test]
    fn server_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..120),
        header in any_header(),
        rx in any_time(),
        tx in any_time(),
        port in any::<u16>(),
        rate_limited in any::<bool>(),
    ) {
        let config = ServerConfig {
            rate_limit: rate_limited.then(RateLimit::default),
            max_clients: 4,
            ..ServerConfig::default()
        };
        let mut server = NtpServer::new(config);
        let state = ServerState::free_running(3, -20, rx);
        let from = SocketAddr::from(([192, 0, 2, (port % 7) as u8], port));
        let _ = server.on_request(&bytes, from, rx, tx, &state);
        let mut request = header;
        request.mode = Mode::Client;
        for _ in 0..3 {
            let action = server.on_request(&request.to_bytes(), from, rx, tx, &state);
            if let crate::ntp::server::ServerAction::Respond { packet, tx_key, .. } = action {
                let _ = server.on_transmitted(tx_key, tx);
                let response = NtpPacket::parse(&packet).expect("own response parses");
                request.origin = response.receive;
            }
        }
    }
}

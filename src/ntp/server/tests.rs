//! Responder tests with hand-built requests.

use super::*;
use crate::ntp::timestamp::NtpShort;

fn at(micros: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_700_000_000, 0) + Duration::from_micros(micros)
}

fn client_addr(last: u8, port: u16) -> SocketAddr {
    SocketAddr::from(([198, 51, 100, last], port))
}

fn synced_state() -> ServerState {
    ServerState {
        leap: Leap::None,
        stratum: 2,
        reference_id: RefId([192, 0, 2, 1]),
        root_delay: Duration::from_micros(500),
        root_dispersion: Duration::from_micros(200),
        reference_time: at(-10_000_000),
        precision: -24,
    }
}

fn request(origin: u64, receive: u64, transmit: u64, version: u8) -> NtpPacket {
    NtpPacket {
        leap: Leap::None,
        version,
        mode: Mode::Client,
        stratum: 0,
        poll: 4,
        precision: 0,
        root_delay: NtpShort::default(),
        root_dispersion: NtpShort::default(),
        reference_id: RefId::ZERO,
        reference_time: NtpTimestamp::ZERO,
        origin: NtpTimestamp::from_bits(origin),
        receive: NtpTimestamp::from_bits(receive),
        transmit: NtpTimestamp::from_bits(transmit),
    }
}

fn respond(
    server: &mut NtpServer,
    request: &NtpPacket,
    from: SocketAddr,
    rx: Timestamp,
    state: &ServerState,
) -> (NtpPacket, bool, TxKey) {
    let tx_estimate = rx + Duration::from_micros(10);
    match server.on_request(&request.to_bytes(), from, rx, tx_estimate, state) {
        ServerAction::Respond {
            packet,
            interleaved,
            tx_key,
        } => (NtpPacket::parse(&packet).unwrap(), interleaved, tx_key),
        other => panic!("expected a response, got {other:?}"),
    }
}

#[test]
fn basic_response_carries_the_servers_state() {
    let mut server = NtpServer::new(ServerConfig::default());
    let rx = at(0);
    let (response, interleaved, key) = respond(
        &mut server,
        &request(0, 0, 0xABCD, 4),
        client_addr(1, 40_000),
        rx,
        &synced_state(),
    );
    assert!(!interleaved);
    assert_eq!(response.mode, Mode::Server);
    assert_eq!(response.version, 4);
    assert_eq!(response.leap, Leap::None);
    assert_eq!(response.stratum, 2);
    assert_eq!(response.poll, 4);
    assert_eq!(response.precision, -24);
    assert_eq!(response.reference_id, RefId([192, 0, 2, 1]));
    assert_eq!(
        response.root_delay,
        NtpShort::from_duration(Duration::from_micros(500))
    );
    // 200 µs + 15 ppm of 10 s.
    assert_eq!(
        response.root_dispersion,
        NtpShort::from_duration(Duration::from_micros(350))
    );
    assert_eq!(response.origin.to_bits(), 0xABCD);
    assert!(response.receive.low_bit());
    assert!(!response.transmit.low_bit());
    let pivot = at(0);
    assert!((response.receive.to_timestamp(pivot) - rx).abs() < Duration::from_nanos(2));
    let tx = response.transmit.to_timestamp(pivot);
    assert!((tx - (rx + Duration::from_micros(10))).abs() < Duration::from_nanos(2));
    assert_eq!(key.receive, response.receive);
    assert_eq!(key.client, client_addr(1, 0).ip());
    assert_eq!(
        TxKey::from_sent_packet(key.client, &response.to_bytes()),
        Some(key)
    );
}

#[test]
fn version_is_echoed() {
    let mut server = NtpServer::new(ServerConfig::default());
    for version in 1..=4 {
        let (response, ..) = respond(
            &mut server,
            &request(0, 0, 9, version),
            client_addr(1, 1),
            at(0),
            &synced_state(),
        );
        assert_eq!(response.version, version);
    }
}

#[test]
fn unsynchronised_and_local_states() {
    let mut server = NtpServer::new(ServerConfig::default());
    let unsync = ServerState::unsynchronized(-20);
    let (response, ..) = respond(
        &mut server,
        &request(0, 0, 9, 4),
        client_addr(1, 1),
        at(0),
        &unsync,
    );
    assert_eq!(response.leap, Leap::Unsynchronized);
    assert_eq!(response.stratum, 0);
    assert_eq!(response.reference_time, NtpTimestamp::ZERO);
    let local = ServerState::free_running(8, -20, at(0));
    let (response, ..) = respond(
        &mut server,
        &request(0, 0, 9, 4),
        client_addr(1, 1),
        at(0),
        &local,
    );
    assert_eq!(response.leap, Leap::None);
    assert_eq!(response.stratum, 8);
    assert_eq!(response.reference_id, RefId::LOCAL);
}

#[test]
fn only_client_requests_are_answered() {
    let mut server = NtpServer::new(ServerConfig::default());
    for mode in [
        Mode::Reserved,
        Mode::SymmetricActive,
        Mode::SymmetricPassive,
        Mode::Server,
        Mode::Broadcast,
        Mode::Control,
        Mode::Private,
    ] {
        let mut packet = request(0, 0, 9, 4);
        packet.mode = mode;
        let action = server.on_request(
            &packet.to_bytes(),
            client_addr(1, 1),
            at(0),
            at(1),
            &synced_state(),
        );
        assert_eq!(
            action,
            ServerAction::Drop(DropReason::UnsupportedMode(mode))
        );
    }
    let action = server.on_request(
        &[0x1b; 20],
        client_addr(1, 1),
        at(0),
        at(1),
        &synced_state(),
    );
    assert!(matches!(
        action,
        ServerAction::Drop(DropReason::Malformed(_))
    ));
    let counters = server.counters();
    assert_eq!(
        (
            counters.unsupported_mode,
            counters.malformed,
            counters.responses
        ),
        (7, 1, 0)
    );
}

#[test]
fn requests_with_extension_fields_get_a_plain_response() {
    let mut server = NtpServer::new(ServerConfig::default());
    let mut bytes = request(0, 0, 9, 4).to_bytes().to_vec();
    bytes.extend([0x01, 0x04, 0x00, 0x1c]);
    bytes.resize(HEADER_LEN + 28, 0);
    let action = server.on_request(&bytes, client_addr(1, 1), at(0), at(1), &synced_state());
    assert!(matches!(action, ServerAction::Respond { .. }), "{action:?}");
}

/// A client in interleaved mode as chrony's: origin = our last receive timestamp, receive
/// = its previous RX time, transmit = its previous TX time; a new source port every time.
#[test]
fn interleaved_response_uses_the_previous_kernel_tx_timestamp() {
    let mut server = NtpServer::new(ServerConfig::default());
    let state = synced_state();
    let (first, interleaved, key) = respond(
        &mut server,
        &request(0, 0, 0x1111, 4),
        client_addr(1, 50_001),
        at(0),
        &state,
    );
    assert!(!interleaved);
    // The first response really left 40 µs after the estimate.
    let precise_tx = at(50);
    assert!(server.on_transmitted(key, precise_tx));
    let second_request = request(first.receive.to_bits(), 0x2222, 0x3333, 4);
    let (second, interleaved, _) = respond(
        &mut server,
        &second_request,
        client_addr(1, 50_002),
        at(1_000_000),
        &state,
    );
    assert!(interleaved);
    assert_eq!(
        second.origin.to_bits(),
        0x2222,
        "origin = the request's receive field"
    );
    assert!((second.transmit.to_timestamp(at(0)) - precise_tx).abs() < Duration::from_nanos(2));
    assert!((second.receive.to_timestamp(at(0)) - at(1_000_000)).abs() < Duration::from_nanos(2));
    // The saved timestamp serves once: the same request again gets a basic answer.
    let (again, interleaved, _) = respond(
        &mut server,
        &second_request,
        client_addr(1, 50_003),
        at(2_000_000),
        &state,
    );
    assert!(!interleaved);
    assert_eq!(again.origin.to_bits(), 0x3333);
    assert_eq!(server.counters().interleaved, 1);
}

#[test]
fn interleaved_needs_the_same_client_version_4_and_distinct_fields() {
    let state = synced_state();
    let cases: [(u8, u64, u64, u8); 3] = [
        // Another address presenting the first client's receive timestamp.
        (2, 0x2222, 0x3333, 4),
        // NTPv3.
        (1, 0x2222, 0x3333, 3),
        // Receive equal to transmit (a basic symmetric-style request).
        (1, 0x3333, 0x3333, 4),
    ];
    for (last, receive, transmit, version) in cases {
        let mut server = NtpServer::new(ServerConfig::default());
        let (first, ..) = respond(
            &mut server,
            &request(0, 0, 0x1111, 4),
            client_addr(1, 1),
            at(0),
            &state,
        );
        let next = request(first.receive.to_bits(), receive, transmit, version);
        let (response, interleaved, _) =
            respond(&mut server, &next, client_addr(last, 1), at(1_000), &state);
        assert!(!interleaved, "case {last} {version}");
        assert_eq!(response.origin.to_bits(), transmit);
    }
}

#[test]
fn interleaving_can_be_turned_off() {
    let config = ServerConfig {
        interleaved: false,
        ..ServerConfig::default()
    };
    let mut server = NtpServer::new(config);
    let state = synced_state();
    let (first, _, key) = respond(
        &mut server,
        &request(0, 0, 0x1111, 4),
        client_addr(1, 1),
        at(0),
        &state,
    );
    assert!(!server.on_transmitted(key, at(20)));
    let next = request(first.receive.to_bits(), 0x2222, 0x3333, 4);
    let (_, interleaved, _) = respond(&mut server, &next, client_addr(1, 1), at(1_000), &state);
    assert!(!interleaved);
    assert_eq!(server.known_clients(), 0, "nothing to remember");
}

#[test]
fn a_basic_clients_origin_never_looks_interleaved() {
    let mut server = NtpServer::new(ServerConfig::default());
    let state = synced_state();
    let (first, ..) = respond(
        &mut server,
        &request(0, 0, 0x1111, 4),
        client_addr(1, 1),
        at(0),
        &state,
    );
    // An RFC 5905 basic client echoes our transmit timestamp as its origin: low bit 0.
    let next = request(first.transmit.to_bits(), 0, 0x4444, 4);
    let (_, interleaved, _) = respond(&mut server, &next, client_addr(1, 1), at(1_000), &state);
    assert!(!interleaved);
}

#[test]
fn rate_limited_clients_get_dropped_then_a_kiss() {
    let config = ServerConfig {
        rate_limit: Some(RateLimit::default()),
        ..ServerConfig::default()
    };
    let mut server = NtpServer::new(config);
    let state = synced_state();
    let packet = request(0, 0, 0x77, 4);
    let actions: Vec<ServerAction> = (0..12)
        .map(|i| {
            server.on_request(
                &packet.to_bytes(),
                client_addr(1, 1),
                at(i),
                at(i + 5),
                &state,
            )
        })
        .collect();
    assert!(
        actions[..8]
            .iter()
            .all(|a| matches!(a, ServerAction::Respond { .. }))
    );
    assert!(
        actions[8..11]
            .iter()
            .all(|a| *a == ServerAction::Drop(DropReason::RateLimited))
    );
    let ServerAction::KissRate { packet: kiss } = &actions[11] else {
        panic!("expected a kiss, got {:?}", actions[11]);
    };
    let kiss = NtpPacket::parse(kiss).unwrap();
    assert_eq!(kiss.kiss_code(), Some(KissCode::RATE));
    assert_eq!(kiss.leap, Leap::Unsynchronized);
    assert_eq!(kiss.origin.to_bits(), 0x77);
    assert_eq!(
        kiss.poll, 4,
        "at least log2 of the 2 s interval, and the client's 4"
    );
    // Another client is served.
    let other = server.on_request(
        &packet.to_bytes(),
        client_addr(2, 1),
        at(20),
        at(25),
        &state,
    );
    assert!(matches!(other, ServerAction::Respond { .. }));
    let counters = server.counters();
    assert_eq!((counters.kiss_rate, counters.rate_limited), (1, 3));
}

#[test]
fn tx_timestamps_for_unknown_responses_are_refused() {
    let mut server = NtpServer::new(ServerConfig::default());
    let state = synced_state();
    let (_, _, key) = respond(
        &mut server,
        &request(0, 0, 0x1111, 4),
        client_addr(1, 1),
        at(0),
        &state,
    );
    let wrong = TxKey {
        receive: NtpTimestamp::from_bits(key.receive.to_bits() ^ 0x100),
        ..key
    };
    assert!(!server.on_transmitted(wrong, at(20)));
    assert!(
        !server.on_transmitted(key, at(3_000_000)),
        "3 s after the estimate"
    );
    assert!(server.on_transmitted(key, at(20)));
}

#[test]
fn restamping_a_basic_response_moves_only_its_transmit_timestamp() {
    let mut server = NtpServer::new(ServerConfig::default());
    let (original, _, _) = respond(
        &mut server,
        &request(0, 0, 0xABCD, 4),
        client_addr(1, 40_000),
        at(0),
        &synced_state(),
    );
    let mut bytes = original.to_bytes();
    let later = Timestamp::from_secs_nanos(1_800_000_000, 123_456_789);
    NtpServer::restamp_transmit(&mut bytes, later);
    let restamped = NtpPacket::parse(&bytes).expect("still a packet");
    assert_eq!(
        restamped.transmit,
        NtpTimestamp::from_timestamp(later).with_low_bit(false)
    );
    assert_eq!(restamped.receive, original.receive);
    assert_eq!(restamped.origin, original.origin);
}

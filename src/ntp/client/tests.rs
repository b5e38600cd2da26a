//! Client association tests against a scripted server built from packets by hand.

use super::*;
use crate::ntp::packet::HEADER_LEN;
use crate::ntp::timestamp::NtpShort;

fn at(millis: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_700_000_000, 0) + Duration::from_millis(millis)
}

fn client(config: ClientConfig) -> NtpClient {
    NtpClient::new(config, "ntp.example").unwrap()
}

fn send(client: &mut NtpClient, now: Timestamp, nonce: u64) -> (NtpPacket, Duration) {
    match client.on_timer(now, nonce) {
        ClientAction::Send { packet, next_timer } => {
            (NtpPacket::parse(&packet).unwrap(), next_timer)
        }
        other => panic!("expected a request, got {other:?}"),
    }
}

/// A basic response from a stratum-1 server whose clock is `server_ahead` ahead of ours,
/// answering `request` that reached it `one_way` after `sent` (local time).
fn basic_response(
    request: &NtpPacket,
    sent: Timestamp,
    one_way: Duration,
    server_ahead: Duration,
) -> NtpPacket {
    let t2 = sent + one_way + server_ahead;
    NtpPacket {
        leap: Leap::None,
        version: 4,
        mode: Mode::Server,
        stratum: 1,
        poll: 4,
        precision: -20,
        root_delay: NtpShort::default(),
        root_dispersion: NtpShort::from_duration(Duration::from_micros(100)),
        reference_id: RefId::from_ascii("GPS"),
        reference_time: NtpTimestamp::from_timestamp(t2 - Duration::from_secs(1)),
        origin: request.transmit,
        receive: NtpTimestamp::from_timestamp(t2).with_low_bit(true),
        transmit: NtpTimestamp::from_timestamp(t2 + Duration::from_micros(10)).with_low_bit(false),
    }
}

/// One complete basic exchange at `now`: returns the event.
fn exchange(client: &mut NtpClient, now: Timestamp, nonce: u64) -> ClientEvent {
    let (request, _) = send(client, now, nonce);
    let one_way = Duration::from_micros(100);
    let response = basic_response(&request, now, one_way, Duration::from_millis(-3));
    client.on_response(
        &response.to_bytes(),
        now + one_way * 2 + Duration::from_micros(10),
    )
}

fn expect_sample(event: ClientEvent) -> SampleReport {
    match event {
        ClientEvent::Sample(report) => *report,
        other => panic!("expected a sample, got {other:?}"),
    }
}

#[test]
fn first_request_reveals_nothing_but_a_cookie() {
    let mut client = client(ClientConfig::default());
    let (request, next) = send(&mut client, at(0), 0xDEAD_BEEF_0000_0001);
    assert_eq!(request.mode, Mode::Client);
    assert_eq!(request.version, 4);
    assert_eq!(request.origin, NtpTimestamp::ZERO);
    assert_eq!(request.receive, NtpTimestamp::ZERO);
    assert_eq!(request.reference_time, NtpTimestamp::ZERO);
    assert_eq!(request.transmit.to_bits(), 0xDEAD_BEEF_0000_0001);
    assert_eq!(request.poll, 4);
    assert_eq!(next, IBURST_SPACING, "iburst");
}

#[test]
fn offset_is_local_minus_reference() {
    let mut client = client(ClientConfig::default());
    let report = expect_sample(exchange(&mut client, at(0), 1));
    // The server is 3 ms behind us: local − reference = +3 ms.
    assert_eq!(report.raw.offset, Duration::from_millis(3));
    assert_eq!(report.raw.delay, Duration::from_micros(200));
    assert!(!report.raw.interleaved);
    assert_eq!(report.raw.stratum, 1);
    assert_eq!(report.raw.reference_id, RefId::from_ascii("GPS"));
    let measurement = report.measurement.unwrap();
    assert_eq!(measurement.offset, Duration::from_millis(3));
    assert_eq!(client.status().reach, 1);
}

#[test]
fn kernel_tx_timestamp_replaces_the_send_time() {
    let mut client = client(ClientConfig::default());
    let (request, _) = send(&mut client, at(0), 1);
    // The request really left 50 µs after on_timer; the server saw it 100 µs later.
    client.on_transmitted(at(0) + Duration::from_micros(50));
    let response = basic_response(
        &request,
        at(0) + Duration::from_micros(50),
        Duration::from_micros(100),
        Duration::ZERO,
    );
    let rx = at(0) + Duration::from_micros(260);
    let report = expect_sample(client.on_response(&response.to_bytes(), rx));
    assert_eq!(report.raw.offset, Duration::ZERO);
    assert_eq!(report.raw.delay, Duration::from_micros(200));
    client.on_transmitted(at(5_000));
    assert_eq!(
        client.status().counters.tx_timestamps_refused,
        1,
        "5 s away"
    );
}

#[test]
fn bogus_and_duplicate_responses_are_counted_and_dropped() {
    let mut client = client(ClientConfig::default());
    let (request, _) = send(&mut client, at(0), 7);
    let mut response = basic_response(&request, at(0), Duration::from_micros(100), Duration::ZERO);
    response.origin = NtpTimestamp::from_bits(8);
    let rx = at(1);
    assert_eq!(
        client.on_response(&response.to_bytes(), rx),
        ClientEvent::Ignored(IgnoreReason::Bogus)
    );
    response.origin = request.transmit;
    let bytes = response.to_bytes();
    assert!(matches!(
        client.on_response(&bytes, rx),
        ClientEvent::Sample(_)
    ));
    assert_eq!(
        client.on_response(&bytes, rx),
        ClientEvent::Ignored(IgnoreReason::Duplicate)
    );
    // The same server timestamps under the next request's cookie: a replay.
    let (next, _) = send(&mut client, at(2_000), 9);
    response.origin = next.transmit;
    assert_eq!(
        client.on_response(&response.to_bytes(), at(2_001)),
        ClientEvent::Ignored(IgnoreReason::Duplicate)
    );
    // The old response again: its origin is the old cookie.
    assert_eq!(
        client.on_response(&bytes, at(2_001)),
        ClientEvent::Ignored(IgnoreReason::Bogus)
    );
    let counters = client.status().counters;
    assert_eq!(
        (counters.bogus, counters.duplicate, counters.samples),
        (2, 2, 1)
    );
}

#[test]
fn unsolicited_malformed_and_wrong_mode_datagrams_are_ignored() {
    let mut client = client(ClientConfig::default());
    let stray = basic_response(
        &NtpPacket::parse(&[0x23; HEADER_LEN]).unwrap(),
        at(0),
        Duration::ZERO,
        Duration::ZERO,
    );
    assert_eq!(
        client.on_response(&stray.to_bytes(), at(0)),
        ClientEvent::Ignored(IgnoreReason::Bogus)
    );
    assert!(matches!(
        client.on_response(&[0; 12], at(0)),
        ClientEvent::Ignored(IgnoreReason::Malformed(_))
    ));
    let mut symmetric = stray;
    symmetric.mode = Mode::SymmetricActive;
    assert_eq!(
        client.on_response(&symmetric.to_bytes(), at(0)),
        ClientEvent::Ignored(IgnoreReason::UnexpectedMode(Mode::SymmetricActive))
    );
}

#[test]
fn iburst_polls_every_two_seconds_until_four_samples() {
    let mut client = client(ClientConfig::default());
    let mut intervals = Vec::new();
    let mut now = at(0);
    for nonce in 1..=6 {
        let (request, next) = send(&mut client, now, nonce);
        intervals.push(next);
        let response = basic_response(&request, now, Duration::from_micros(100), Duration::ZERO);
        let _ = client.on_response(&response.to_bytes(), now + Duration::from_micros(210));
        now += next;
    }
    let two = Duration::from_secs(2);
    let sixteen = Duration::from_secs(16);
    assert_eq!(intervals, [two, two, two, two, sixteen, sixteen]);
    assert!(!client.status().in_burst);
}

#[test]
fn iburst_keeps_sub_second_polls() {
    let config = ClientConfig {
        poll: Duration::from_millis(250),
        ..ClientConfig::default()
    };
    let (_, next) = send(&mut client(config), at(0), 1);
    assert_eq!(next, Duration::from_millis(250));
}

#[test]
fn reach_register_shifts_on_every_poll() {
    let config = ClientConfig {
        iburst: false,
        ..ClientConfig::default()
    };
    let mut client = client(config);
    for step in 0..3 {
        let _ = expect_sample(exchange(&mut client, at(step * 16_000), step as u64 + 1));
    }
    assert_eq!(client.status().reach, 0b111);
    let _ = send(&mut client, at(48_000), 10);
    let _ = send(&mut client, at(64_000), 11);
    assert_eq!(client.status().reach, 0b11100);
    assert_eq!(
        client.status().counters.missed,
        1,
        "the poll at 64 s found 48 s unanswered"
    );
    for step in 0..8 {
        let _ = send(&mut client, at(80_000 + step * 16_000), 20 + step as u64);
    }
    assert_eq!(client.status().reach, 0);
}

#[test]
fn kiss_rate_at_least_doubles_the_poll() {
    let mut client = client(ClientConfig::default());
    let (request, _) = send(&mut client, at(0), 1);
    let mut kiss = basic_response(&request, at(0), Duration::from_micros(100), Duration::ZERO);
    kiss.stratum = 0;
    kiss.leap = Leap::Unsynchronized;
    kiss.reference_id = RefId::from_ascii("RATE");
    kiss.poll = 3;
    assert_eq!(
        client.on_response(&kiss.to_bytes(), at(1)),
        ClientEvent::Kiss(KissCode::RATE)
    );
    let status = client.status();
    assert_eq!(status.poll, Duration::from_secs(32));
    assert!(!status.in_burst, "a rate-limited client stops its burst");
    assert_eq!(status.last_kiss, Some(KissCode::RATE));
    assert_eq!(status.reach, 0, "a kiss is not a usable answer");
    // The server asks for 2^12 s: capped at 1024 s.
    let (request, next) = send(&mut client, at(2_000), 2);
    assert_eq!(next, Duration::from_secs(32));
    kiss.origin = request.transmit;
    kiss.poll = 12;
    let _ = client.on_response(&kiss.to_bytes(), at(2_001));
    assert_eq!(client.status().poll, MAX_RATE_LIMITED_POLL);
    assert_eq!(client.status().state, AssociationState::Polling);
}

#[test]
fn raised_poll_recovers_after_eight_good_samples() {
    let mut client = client(ClientConfig {
        iburst: false,
        ..ClientConfig::default()
    });
    let (request, _) = send(&mut client, at(0), 1);
    let mut kiss = basic_response(&request, at(0), Duration::from_micros(100), Duration::ZERO);
    kiss.stratum = 0;
    kiss.reference_id = RefId::from_ascii("RATE");
    let _ = client.on_response(&kiss.to_bytes(), at(1));
    assert_eq!(client.status().poll, Duration::from_secs(32));
    for step in 1..=8 {
        let _ = expect_sample(exchange(&mut client, at(step * 32_000), step as u64 + 1));
    }
    assert_eq!(client.status().poll, Duration::from_secs(16));
}

#[test]
fn kiss_deny_and_rstr_stop_the_association() {
    for code in ["DENY", "RSTR"] {
        let mut client = client(ClientConfig::default());
        let (request, _) = send(&mut client, at(0), 1);
        let mut kiss = basic_response(&request, at(0), Duration::from_micros(100), Duration::ZERO);
        kiss.stratum = 0;
        kiss.leap = Leap::Unsynchronized;
        kiss.reference_id = RefId::from_ascii(code);
        let expected = RefId::from_ascii(code).as_kiss_code();
        assert_eq!(
            client.on_response(&kiss.to_bytes(), at(1)),
            ClientEvent::Kiss(expected)
        );
        assert!(client.is_finished());
        assert_eq!(client.status().state, AssociationState::Denied(expected));
        assert_eq!(
            client.on_timer(at(2_000), 2),
            ClientAction::Stop(StopReason::Denied(expected))
        );
    }
}

#[test]
fn unsynchronised_servers_and_bad_strata_are_rejected() {
    let cases: [(Leap, u8, &str, RejectReason); 3] = [
        (
            Leap::Unsynchronized,
            0,
            "INIT",
            RejectReason::Unsynchronized,
        ),
        (Leap::Unsynchronized, 3, "", RejectReason::Unsynchronized),
        (Leap::None, 16, "", RejectReason::InvalidStratum(16)),
    ];
    for (leap, stratum, refid, reason) in cases {
        let mut client = client(ClientConfig::default());
        let (request, _) = send(&mut client, at(0), 1);
        let mut response =
            basic_response(&request, at(0), Duration::from_micros(100), Duration::ZERO);
        response.leap = leap;
        response.stratum = stratum;
        response.reference_id = RefId::from_ascii(refid);
        assert_eq!(
            client.on_response(&response.to_bytes(), at(1)),
            ClientEvent::Rejected(reason)
        );
        assert_eq!(client.status().reach, 0);
        assert_eq!(client.status().counters.rejected, 1);
    }
}

#[test]
fn zero_server_timestamps_are_rejected() {
    let mut client = client(ClientConfig::default());
    let (request, _) = send(&mut client, at(0), 1);
    let mut response = basic_response(&request, at(0), Duration::from_micros(100), Duration::ZERO);
    response.receive = NtpTimestamp::ZERO;
    assert_eq!(
        client.on_response(&response.to_bytes(), at(1)),
        ClientEvent::Rejected(RejectReason::MissingTimestamps)
    );
}

#[test]
fn interleaved_requests_carry_the_servers_receive_timestamp() {
    let mut client = client(ClientConfig {
        interleaved: true,
        ..ClientConfig::default()
    });
    let (first, _) = send(&mut client, at(0), 1);
    assert_eq!(
        first.origin,
        NtpTimestamp::ZERO,
        "nothing to interleave with yet"
    );
    let response = basic_response(&first, at(0), Duration::from_micros(100), Duration::ZERO);
    let _ = expect_sample(client.on_response(&response.to_bytes(), at(1)));
    let (second, _) = send(&mut client, at(2_000), 2);
    assert_eq!(second.origin, response.receive);
    assert!(!second.receive.is_zero());
    assert_ne!(second.receive, second.transmit);
    assert_ne!(second.receive, second.origin);
    // Four unanswered requests: back to basic requests.
    for nonce in 3..=5 {
        let (request, _) = send(&mut client, at(2_000 * nonce as i64), nonce);
        assert_eq!(request.origin, response.receive, "request {nonce}");
    }
    let (basic, _) = send(&mut client, at(12_000), 6);
    assert_eq!(basic.origin, NtpTimestamp::ZERO);
    assert_eq!(basic.receive, NtpTimestamp::ZERO);
}

#[test]
fn cookies_never_repeat_even_with_a_repeated_nonce() {
    let mut client = client(ClientConfig::default());
    let (first, _) = send(&mut client, at(0), 5);
    let (second, _) = send(&mut client, at(2_000), 5);
    assert_ne!(first.transmit, second.transmit);
    let (zero, _) = send(&mut client, at(4_000), 0);
    assert!(!zero.transmit.is_zero());
}

#[test]
fn query_mode_sends_count_requests_then_stops() {
    let mut client = client(ClientConfig::query(3));
    let mut samples = 0;
    for step in 0..3 {
        let (request, next) = send(&mut client, at(step * 1_000), step as u64 + 1);
        let expected_next = if step < 2 {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(2)
        };
        assert_eq!(next, expected_next);
        let response = basic_response(
            &request,
            at(step * 1_000),
            Duration::from_micros(100),
            Duration::ZERO,
        );
        if let ClientEvent::Sample(_) =
            client.on_response(&response.to_bytes(), at(step * 1_000 + 1))
        {
            samples += 1;
        }
    }
    assert_eq!(samples, 3);
    assert!(client.is_finished());
    assert_eq!(
        client.on_timer(at(5_000), 9),
        ClientAction::Stop(StopReason::QueryComplete)
    );
}

#[test]
fn query_mode_times_out_without_an_answer() {
    let mut client = client(ClientConfig::query(1));
    let (_, next) = send(&mut client, at(0), 1);
    assert_eq!(next, Duration::from_secs(2));
    assert!(!client.is_finished());
    assert_eq!(
        client.on_timer(at(2_000), 2),
        ClientAction::Stop(StopReason::QueryComplete)
    );
    assert!(client.is_finished());
}

#[test]
fn invalid_config_is_refused_with_the_peer_name() {
    let config = ClientConfig {
        version: 5,
        ..ClientConfig::default()
    };
    let error = NtpClient::new(config, "ntp.example").unwrap_err();
    assert!(error.to_string().contains("ntp.example"), "{error}");
}

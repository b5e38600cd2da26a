//! Malformed bytes, other domains, mismatched and duplicate sequence ids, reordering,
//! looped-back messages and stray TX timestamps.

use super::fake::{
    FAKE, LOCAL, announce, at, delay_resp, event, follow_up, following_port, general,
    next_delay_req, sync,
};
use super::network::{config, identity};
use crate::net::ptp::PtpPort;
use crate::ptp::PtpMessage;
use crate::ptp::port::{Port, PortAction, PortState};
use crate::time::Duration;
use proptest::prelude::{ProptestConfig, any, prop_assert_eq, proptest};

fn samples(actions: &[PortAction<u8>]) -> Vec<crate::ptp::port::PtpSample> {
    actions
        .iter()
        .filter_map(|action| match action {
            PortAction::Sample(sample) => Some(*sample),
            _ => None,
        })
        .collect()
}

#[test]
fn malformed_datagrams_are_counted_and_change_nothing() {
    let mut port = following_port();
    let before = port.status();
    let valid = sync(3);
    let datagrams: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0xff; 10],
        valid[..30].to_vec(),
        {
            let mut bad_version = valid.clone();
            bad_version[1] = 0x01;
            bad_version
        },
        {
            let mut too_long = valid.clone();
            too_long[3] = 0xff;
            too_long
        },
    ];
    for bytes in &datagrams {
        let actions = event(&mut port, bytes, at(2));
        assert!(actions.is_empty(), "{actions:?}");
    }
    let after = port.status();
    assert_eq!(after.counters.malformed, datagrams.len() as u64);
    assert_eq!(after.counters.received, before.counters.received + 5);
    assert_eq!(after.state, before.state);
    assert_eq!(after.counters.syncs, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut port = following_port();
        let parses = PtpMessage::parse(&bytes).is_ok();
        let _ = event(&mut port, &bytes, at(2));
        let _ = general(&mut port, &bytes, at(2));
        prop_assert_eq!(port.counters().malformed, if parses { 0 } else { 2 });
    }
}

#[test]
fn other_domains_are_ignored() {
    let mut local = config(LOCAL);
    local.domain = 24;
    let mut port = Port::new(local, at(0));
    let _ = port.on_timer(at(0));
    for secs in 0..5 {
        let _ = general(&mut port, &announce(secs as u16), at(secs));
    }
    let status = port.status();
    assert_eq!(status.counters.wrong_domain, 5);
    assert_eq!(status.counters.announces, 0);
    assert_eq!(status.foreign_masters, 0);
    assert_eq!(status.state, PortState::Listening);
}

#[test]
fn sequence_ids_pair_sync_follow_up_and_delay_exchanges() {
    let mut port = following_port();
    // A Sync at +2 s whose Follow_Up comes after a stray one.
    let _ = event(&mut port, &sync(10), at(2));
    let _ = general(&mut port, &follow_up(11, at(2)), at(2));
    assert_eq!(port.counters().sequence_mismatch, 1);
    let t1 = at(2) - Duration::from_micros(30);
    let _ = general(&mut port, &follow_up(10, t1), at(2));
    assert_eq!(port.counters().follow_ups, 1);
    let _ = general(&mut port, &follow_up(10, t1), at(2));
    assert_eq!(port.counters().duplicates, 1);

    // Delay_Req: a Delay_Resp with the wrong sequence, the right one, then again.
    let (request, key, sent) = next_delay_req(&mut port);
    let t3 = sent;
    let _ = port.on_tx_timestamp(key, t3, sent);
    let sequence = request.header.sequence_id;
    let t4 = t3 - Duration::from_micros(10);
    let me = identity(LOCAL);
    let _ = general(
        &mut port,
        &delay_resp(sequence.wrapping_add(1), t4, me),
        sent,
    );
    assert_eq!(port.counters().sequence_mismatch, 2);
    let _ = general(&mut port, &delay_resp(sequence, t4, me), sent);
    assert_eq!(port.counters().delay_responses, 1);
    let _ = general(&mut port, &delay_resp(sequence, t4, me), sent);
    assert_eq!(port.counters().duplicates, 2);

    // t2 − t1 = 30 µs, t4 − t3 = −10 µs: delay 10 µs, offset 20 µs.
    let t2 = sent + Duration::from_millis(100);
    let _ = event(&mut port, &sync(11), t2);
    let actions = general(
        &mut port,
        &follow_up(11, t2 - Duration::from_micros(30)),
        t2,
    );
    let [sample] = samples(&actions)[..] else {
        panic!("one sample: {actions:?}")
    };
    assert_eq!(sample.mean_path_delay, Duration::from_micros(10));
    assert_eq!(sample.offset, Duration::from_micros(20));
    assert_eq!((sample.t3, sample.t4), (t3, t4));
    assert_eq!(port.state(), PortState::Slave);
}

#[test]
fn a_follow_up_may_overtake_its_sync() {
    let mut port = following_port();
    let _ = general(&mut port, &follow_up(4, at(2)), at(2));
    let _ = event(&mut port, &sync(4), at(2));
    assert_eq!(
        port.counters().follow_ups,
        0,
        "counted only when it pairs second"
    );
    assert_eq!(port.counters().syncs, 1);
    assert_eq!(port.counters().sequence_mismatch, 0);
    assert_eq!(port.status().last_sample, None, "no path delay yet");
}

#[test]
fn responses_for_other_ports_and_strays_are_harmless() {
    let mut port = following_port();
    let (request, key, sent) = next_delay_req(&mut port);
    let other = identity(99);
    let _ = general(
        &mut port,
        &delay_resp(request.header.sequence_id, sent, other),
        sent,
    );
    assert_eq!(port.counters().sequence_mismatch, 0);
    assert_eq!(port.counters().delay_responses, 0);
    let _ = port.on_tx_timestamp(key, sent, sent);
    let _ = port.on_tx_timestamp(key, sent, sent);
    assert_eq!(
        port.counters().missing_tx_timestamp,
        1,
        "a key is used once"
    );
}

#[test]
fn messages_from_this_clock_and_without_timestamps_are_counted() {
    let mut port = following_port();
    let mut own = announce(9);
    own[20..28].copy_from_slice(&identity(LOCAL).clock_identity.0);
    let _ = general(&mut port, &own, at(2));
    assert_eq!(port.counters().own_messages, 1);
    let _ = port.on_message(&sync(5), FAKE, PtpPort::Event, None, at(2));
    assert_eq!(port.counters().missing_rx_timestamp, 1);
    let _ = port.on_message(&sync(6), FAKE, PtpPort::General, Some(at(2)), at(2));
    assert_eq!(
        port.counters().missing_rx_timestamp,
        2,
        "a general-port copy"
    );
}

#[test]
fn tx_timestamps_that_never_come_are_given_up() {
    let mut port = following_port();
    let (_, _, sent) = next_delay_req(&mut port);
    assert!(port.next_deadline() <= sent + Duration::from_secs(1));
    let _ = port.on_timer(sent + Duration::from_secs(1));
    assert_eq!(port.counters().missing_tx_timestamp, 1);
}

#[test]
fn a_clock_step_drops_the_half_taken_before_it() {
    let mut port = following_port();
    let _ = event(&mut port, &sync(20), at(2));
    port.on_clock_stepped();
    let _ = general(&mut port, &follow_up(20, at(2)), at(2));
    assert_eq!(port.counters().follow_ups, 0, "its Sync was forgotten");
    assert_eq!(port.counters().sequence_mismatch, 0);
}

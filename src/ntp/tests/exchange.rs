//! Client ⇄ server exchanges in memory, with true time, clock offsets and path delays, to
//! prove the timestamp bookkeeping of basic and interleaved modes end to end.

use super::harness::{ChronyLike, Path, Shiwa, exchange, interleaved_client, poll_at, sample_of};
use crate::ntp::client::{ClientConfig, ClientEvent, NtpClient};
use crate::time::{Duration, Timestamp};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[test]
fn basic_mode_carries_the_servers_transmit_estimate_error() {
    let path = Path::lan();
    let mut client = NtpClient::new(ClientConfig::default(), "server").expect("valid config");
    let mut server = Shiwa::new();
    let sample = sample_of(exchange(&mut client, &mut server, poll_at(0), 1, &path));
    assert!(!sample.interleaved);
    // T3 is 30 µs early: the offset is 15 µs off and the delay 30 µs long.
    let error = sample.offset - path.true_offset();
    assert!(
        (error - Duration::from_micros(15)).abs() <= Duration::from_nanos(3),
        "{error}"
    );
    let delay_error = sample.delay - (path.forward + path.back);
    assert!(
        (delay_error - Duration::from_micros(30)).abs() <= Duration::from_nanos(3),
        "{delay_error}"
    );
}

#[test]
fn interleaved_mode_uses_the_precise_transmit_timestamps() {
    let path = Path::lan();
    let mut client = interleaved_client();
    let mut server = Shiwa::new();
    let first = sample_of(exchange(&mut client, &mut server, poll_at(0), 1, &path));
    assert!(!first.interleaved, "nothing saved on the server yet");
    for step in 1..5 {
        let sample = sample_of(exchange(
            &mut client,
            &mut server,
            poll_at(step),
            step as u64 + 1,
            &path,
        ));
        assert!(sample.interleaved, "exchange {step}");
        let error = sample.offset - path.true_offset();
        assert!(
            error.abs() <= Duration::from_nanos(3),
            "exchange {step}: {error}"
        );
        let delay_error = sample.delay - (path.forward + path.back);
        assert!(
            delay_error.abs() <= Duration::from_nanos(3),
            "exchange {step}: {delay_error}"
        );
        // The sample measures the previous exchange: T1 is the previous request's kernel TX.
        let previous_tx = poll_at(step - 1) + path.client_tx_lag + path.client_ahead;
        assert_eq!(sample.timestamps.t1, previous_tx);
    }
    assert_eq!(client.status().counters.interleaved_samples, 4);
}

#[test]
fn against_chrony_the_third_exchange_is_the_first_interleaved() {
    let path = Path::lan();
    let mut client = interleaved_client();
    let mut server = ChronyLike::default();
    let modes: Vec<bool> = (0..5)
        .map(|step| {
            sample_of(exchange(
                &mut client,
                &mut server,
                poll_at(step),
                step as u64 + 1,
                &path,
            ))
            .interleaved
        })
        .collect();
    assert_eq!(modes, [false, false, true, true, true]);
    let last = sample_of(exchange(&mut client, &mut server, poll_at(5), 99, &path));
    assert!((last.offset - path.true_offset()).abs() <= Duration::from_nanos(3));
}

#[test]
fn a_basic_client_of_an_interleaving_server_stays_basic() {
    let path = Path::lan();
    let mut client = NtpClient::new(ClientConfig::default(), "server").expect("valid config");
    let mut server = Shiwa::new();
    for step in 0..4 {
        let sample = sample_of(exchange(
            &mut client,
            &mut server,
            poll_at(step),
            step as u64 + 1,
            &path,
        ));
        assert!(!sample.interleaved);
    }
}

#[test]
fn lost_packets_never_pair_the_wrong_timestamps() {
    let mut client = interleaved_client();
    let mut server = Shiwa::new();
    let lan = Path::lan();
    let _ = exchange(&mut client, &mut server, poll_at(0), 1, &lan);
    let _ = sample_of(exchange(&mut client, &mut server, poll_at(1), 2, &lan));
    // A lost response: the server saved a TX timestamp the client never heard of.
    let lost_response = Path {
        lose_response: true,
        ..lan
    };
    assert!(exchange(&mut client, &mut server, poll_at(2), 3, &lost_response).is_none());
    let after = sample_of(exchange(&mut client, &mut server, poll_at(3), 4, &lan));
    assert!(
        !after.interleaved,
        "the server no longer holds the TX timestamp the client asks for"
    );
    // A lost request: the server's saved timestamp is still the one the client asks for.
    let lost_request = Path {
        lose_request: true,
        ..lan
    };
    assert!(exchange(&mut client, &mut server, poll_at(4), 5, &lost_request).is_none());
    let resumed = sample_of(exchange(&mut client, &mut server, poll_at(5), 6, &lan));
    assert!(resumed.interleaved);
    assert!((resumed.offset - lan.true_offset()).abs() <= Duration::from_nanos(3));
    assert_eq!(
        resumed.timestamps.t1,
        poll_at(3) + lan.client_tx_lag + lan.client_ahead
    );
}

#[test]
fn exchanges_across_the_2036_era_rollover() {
    // 2036-02-07T06:28:16Z is NTP second 0 of era 1.
    let rollover = Timestamp::from_secs_nanos((1_i64 << 32) - 2_208_988_800, 0);
    let mut client = interleaved_client();
    let mut server = Shiwa::updated_at(rollover - Duration::from_secs(1));
    let path = Path {
        client_ahead: Duration::from_millis(-700),
        server_ahead: Duration::from_millis(300),
        ..Path::lan()
    };
    for step in -2..3 {
        let now = rollover + Duration::from_millis(step * 400);
        let sample = sample_of(exchange(
            &mut client,
            &mut server,
            now,
            (step + 10) as u64,
            &path,
        ));
        let tolerance = if sample.interleaved {
            Duration::from_nanos(3)
        } else {
            Duration::from_micros(16)
        };
        assert!(
            (sample.offset - path.true_offset()).abs() <= tolerance,
            "step {step}: {}",
            sample.offset
        );
        assert!(
            sample.delay < Duration::from_micros(200),
            "step {step}: {}",
            sample.delay
        );
    }
}

/// Hours of polling over a jittery, lossy path: every interleaved sample is exact up to the
/// path asymmetry of the exchange it measures, and the filter picks low-delay samples.
#[test]
fn long_run_over_a_jittery_lossy_path() {
    for seed in [1_u64, 2, 3, 0x5eed] {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut client = interleaved_client();
        let mut server = Shiwa::new();
        let mut asymmetry_by_t1 = std::collections::HashMap::new();
        let mut interleaved = 0;
        let mut recent_delays = std::collections::VecDeque::new();
        for step in 0..1_000 {
            let path = Path {
                forward: Duration::from_micros(rng.random_range(50..500)),
                back: Duration::from_micros(rng.random_range(50..500)),
                server_tx_error: Duration::from_micros(rng.random_range(0..100)),
                lose_request: rng.random_bool(0.05),
                lose_response: rng.random_bool(0.05),
                ..Path::lan()
            };
            let t1 = poll_at(step) + path.client_tx_lag + path.client_ahead;
            asymmetry_by_t1.insert(t1, (path.forward - path.back) / 2);
            let Some(event) =
                exchange(&mut client, &mut server, poll_at(step), rng.random(), &path)
            else {
                continue;
            };
            let ClientEvent::Sample(report) = event else {
                panic!("seed {seed} step {step}: {event:?}");
            };
            let sample = report.raw;
            recent_delays.push_back(sample.delay);
            if recent_delays.len() > 8 {
                recent_delays.pop_front();
            }
            if sample.interleaved {
                interleaved += 1;
                let asymmetry = asymmetry_by_t1[&sample.timestamps.t1];
                let error = sample.offset - (path.true_offset() - asymmetry);
                assert!(
                    error.abs() <= Duration::from_nanos(3),
                    "seed {seed} step {step}: {error}"
                );
            }
        }
        assert!(
            interleaved > 700,
            "seed {seed}: only {interleaved} interleaved samples"
        );
        let measurement = client.status().last_measurement.expect("a measurement");
        let min_delay = recent_delays.iter().min().copied();
        assert_eq!(
            Some(measurement.delay),
            min_delay,
            "seed {seed}: the filter picks the minimum"
        );
        // Asymmetry is at most 225 µs, a basic sample's transmit error adds up to 50 µs.
        let error = measurement.offset - Path::lan().true_offset();
        assert!(
            error.abs() < Duration::from_micros(275),
            "seed {seed}: {error}"
        );
        let reach = client.status().reach;
        assert!(reach.count_ones() >= 4, "seed {seed}: reach {reach:08b}");
    }
}

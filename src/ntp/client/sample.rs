//! Turning one validated response into a sample, or a reason to reject it.

use super::config::ClientConfig;
use super::types::{ExchangeTimestamps, RawSample, RejectReason};
use crate::ntp::filter::{grown_dispersion, log2_duration};
use crate::ntp::packet::NtpPacket;
use crate::source::Leap;
use crate::time::{Duration, Timestamp};

/// Longest time a server may hold a request (chrony's MAX_SERVER_INTERVAL).
pub const MAX_SERVER_INTERVAL: Duration = Duration::from_secs(4);

/// True when the packet comes from a synchronised server with a valid stratum (RFC 5905
/// packet tests 6 and 7's stratum half).
pub fn is_synchronized(packet: &NtpPacket) -> bool {
    packet.leap != Leap::Unsynchronized && (1..16).contains(&packet.stratum)
}

/// Checks the server's state and the exchange, and computes the sample.
///
/// `pivot` (the local receive time) chooses the era of the server's reference time.
pub fn evaluate(
    packet: &NtpPacket,
    timestamps: ExchangeTimestamps,
    interleaved: bool,
    config: &ClientConfig,
    pivot: Timestamp,
) -> Result<RawSample, RejectReason> {
    if packet.leap == Leap::Unsynchronized {
        return Err(RejectReason::Unsynchronized);
    }
    if !(1..16).contains(&packet.stratum) {
        return Err(RejectReason::InvalidStratum(packet.stratum));
    }
    if packet.stratum > config.max_stratum {
        return Err(RejectReason::StratumTooHigh {
            stratum: packet.stratum,
            max: config.max_stratum,
        });
    }
    let server_interval = timestamps.t3 - timestamps.t2;
    if server_interval.is_negative() || server_interval > MAX_SERVER_INTERVAL {
        return Err(RejectReason::ServerIntervalInvalid(server_interval));
    }
    let precision = log2_duration(packet.precision) + log2_duration(config.local_precision);
    // RFC 5905: the delay is at least the precision, whatever rounding made of it.
    let delay = timestamps.delay().max(precision);
    let sample = RawSample {
        offset: timestamps.offset(),
        delay,
        dispersion: grown_dispersion(precision, delay),
        stratum: packet.stratum,
        leap: packet.leap,
        reference_id: packet.reference_id,
        root_delay: packet.root_delay.to_duration(),
        root_dispersion: packet.root_dispersion.to_duration(),
        reference_time: packet.reference_time.to_timestamp(pivot),
        server_poll: packet.poll,
        server_precision: packet.precision,
        version: packet.version,
        interleaved,
        timestamps,
    };
    let distance = sample.root_distance();
    if distance > config.max_root_distance {
        return Err(RejectReason::RootDistanceTooLarge {
            distance,
            max: config.max_root_distance,
        });
    }
    Ok(sample)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ntp::packet::Mode;
    use crate::ntp::refid::RefId;
    use crate::ntp::timestamp::{NtpShort, NtpTimestamp};

    fn at(micros: i64) -> Timestamp {
        Timestamp::from_secs_nanos(1_700_000_000, 0) + Duration::from_micros(micros)
    }

    fn packet() -> NtpPacket {
        NtpPacket {
            leap: Leap::None,
            version: 4,
            mode: Mode::Server,
            stratum: 2,
            poll: 4,
            precision: -20,
            root_delay: NtpShort::from_duration(Duration::from_millis(2)),
            root_dispersion: NtpShort::from_duration(Duration::from_millis(1)),
            reference_id: RefId([10, 0, 0, 1]),
            reference_time: NtpTimestamp::from_timestamp(at(-1_000_000)),
            origin: NtpTimestamp::from_bits(1),
            receive: NtpTimestamp::ZERO,
            transmit: NtpTimestamp::ZERO,
        }
    }

    /// Client 1 ms ahead of the server, 100 µs each way, 10 µs in the server.
    fn timestamps() -> ExchangeTimestamps {
        ExchangeTimestamps {
            t1: at(1_000),
            t2: at(100),
            t3: at(110),
            t4: at(1_210),
        }
    }

    #[test]
    fn offset_is_local_minus_reference() {
        let sample = evaluate(
            &packet(),
            timestamps(),
            false,
            &ClientConfig::default(),
            at(0),
        );
        let sample = sample.unwrap();
        assert_eq!(sample.offset, Duration::from_micros(1_000));
        assert_eq!(sample.delay, Duration::from_micros(200));
        assert_eq!(sample.local_time(), at(1_105));
        assert_eq!(sample.reference_time, at(-1_000_000));
        assert!(
            sample.dispersion >= Duration::from_nanos(1_900),
            "two 2^-20 s precisions"
        );
    }

    #[test]
    fn unsynchronised_and_bad_strata_are_rejected() {
        let config = ClientConfig::default();
        let mut unsync = packet();
        unsync.leap = Leap::Unsynchronized;
        assert_eq!(
            evaluate(&unsync, timestamps(), false, &config, at(0)),
            Err(RejectReason::Unsynchronized)
        );
        for stratum in [0, 16, 200] {
            let mut bad = packet();
            bad.stratum = stratum;
            assert_eq!(
                evaluate(&bad, timestamps(), false, &config, at(0)),
                Err(RejectReason::InvalidStratum(stratum))
            );
        }
        let strict = ClientConfig {
            max_stratum: 1,
            ..ClientConfig::default()
        };
        assert_eq!(
            evaluate(&packet(), timestamps(), false, &strict, at(0)),
            Err(RejectReason::StratumTooHigh { stratum: 2, max: 1 })
        );
    }

    #[test]
    fn root_distance_above_the_maximum_is_rejected() {
        let mut far = packet();
        far.root_dispersion = NtpShort::from_duration(Duration::from_secs(2));
        let result = evaluate(&far, timestamps(), false, &ClientConfig::default(), at(0));
        assert!(
            matches!(result, Err(RejectReason::RootDistanceTooLarge { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn server_interval_must_be_sane() {
        let mut slow = timestamps();
        slow.t3 = slow.t2 + Duration::from_secs(5);
        let result = evaluate(&packet(), slow, false, &ClientConfig::default(), at(0));
        assert_eq!(
            result,
            Err(RejectReason::ServerIntervalInvalid(Duration::from_secs(5)))
        );
        let mut backwards = timestamps();
        backwards.t3 = backwards.t2 - Duration::from_micros(1);
        let result = evaluate(&packet(), backwards, false, &ClientConfig::default(), at(0));
        assert!(matches!(
            result,
            Err(RejectReason::ServerIntervalInvalid(_))
        ));
    }

    #[test]
    fn negative_delay_is_raised_to_the_precision() {
        let mut odd = timestamps();
        odd.t4 = odd.t1;
        let sample = evaluate(&packet(), odd, false, &ClientConfig::default(), at(0)).unwrap();
        assert!(sample.delay > Duration::ZERO);
        assert!(sample.delay < Duration::from_micros(3));
    }
}

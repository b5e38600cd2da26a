//! Building a client request: a random cookie as transmit timestamp, and in interleaved
//! form the server's last receive timestamp as origin and a fresh marker as receive.

use crate::ntp::packet::{Mode, NtpPacket};
use crate::ntp::refid::RefId;
use crate::ntp::timestamp::{NtpShort, NtpTimestamp};
use crate::source::Leap;
use crate::time::Timestamp;

/// The request in flight.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pending {
    /// The random cookie in its transmit field (basic responses echo it as origin).
    pub transmit: NtpTimestamp,
    /// The marker in its receive field when sent in interleaved form (interleaved responses
    /// echo it as origin).
    pub receive_marker: Option<NtpTimestamp>,
    /// `now` at `on_timer`, the fallback T1.
    pub send_time: Timestamp,
    /// T1: the kernel TX timestamp once handed back, `send_time` until then.
    pub t1: Timestamp,
    /// A response to it was accepted (or acted on).
    pub answered: bool,
}

/// What a request is built from.
#[derive(Debug, Clone, Copy)]
pub(super) struct RequestParams {
    /// NTP version.
    pub version: u8,
    /// Poll field.
    pub poll_log2: i8,
    /// The server's receive timestamp to put in the origin field (interleaved form).
    pub interleave_with: Option<NtpTimestamp>,
    /// The previous request, whose cookie and marker must not be reused.
    pub last: Option<Pending>,
}

/// The request and its bookkeeping. Nothing about the local clock goes on the wire: leap,
/// stratum, precision, root values and reference time are zero.
pub(super) fn build(params: &RequestParams, now: Timestamp, nonce: u64) -> (NtpPacket, Pending) {
    let last_transmit = params.last.map_or(NtpTimestamp::ZERO, |p| p.transmit);
    let last_marker = params
        .last
        .and_then(|p| p.receive_marker)
        .unwrap_or_default();
    let origin = params.interleave_with.unwrap_or(NtpTimestamp::ZERO);
    let transmit = fresh_cookie(nonce, &[origin, last_transmit]);
    let receive_marker = params
        .interleave_with
        .map(|_| fresh_cookie(mix(nonce), &[origin, transmit, last_transmit, last_marker]));
    let packet = NtpPacket {
        leap: Leap::None,
        version: params.version,
        mode: Mode::Client,
        stratum: 0,
        poll: params.poll_log2,
        precision: 0,
        root_delay: NtpShort::default(),
        root_dispersion: NtpShort::default(),
        reference_id: RefId::ZERO,
        reference_time: NtpTimestamp::ZERO,
        origin,
        receive: receive_marker.unwrap_or(NtpTimestamp::ZERO),
        transmit,
    };
    let pending = Pending {
        transmit,
        receive_marker,
        send_time: now,
        t1: now,
        answered: false,
    };
    (packet, pending)
}

/// A non-zero cookie derived from `seed` that differs from every value in `avoid`.
fn fresh_cookie(seed: u64, avoid: &[NtpTimestamp]) -> NtpTimestamp {
    let mut candidate = seed;
    for _ in 0..8 {
        let cookie = NtpTimestamp::from_bits(candidate);
        if !cookie.is_zero() && !avoid.contains(&cookie) {
            return cookie;
        }
        candidate = mix(candidate);
    }
    // Eight collisions in a row with at most four values to avoid would need the bijective
    // mix to cycle through them; a fixed non-zero value keeps this total anyway.
    NtpTimestamp::from_bits(candidate | 1)
}

/// SplitMix64's finaliser: a bijection that scrambles the bits of `value`.
fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_avoid_zero_and_the_given_values() {
        let taken = NtpTimestamp::from_bits(5);
        let cookie = fresh_cookie(5, &[taken]);
        assert_ne!(cookie, taken);
        assert!(!fresh_cookie(0, &[]).is_zero());
        assert_eq!(fresh_cookie(9, &[taken]).to_bits(), 9);
    }

    #[test]
    fn interleaved_form_has_three_distinct_fields() {
        let server_receive = NtpTimestamp::from_bits(0xAB01);
        let params = RequestParams {
            version: 4,
            poll_log2: 4,
            interleave_with: Some(server_receive),
            last: None,
        };
        let now = Timestamp::from_secs_nanos(1_700_000_000, 0);
        let (packet, pending) = build(&params, now, 0xAB01);
        assert_eq!(packet.origin, server_receive);
        assert_ne!(
            packet.transmit, server_receive,
            "the nonce collided with the origin"
        );
        assert_eq!(Some(packet.receive), pending.receive_marker);
        assert_ne!(packet.receive, packet.transmit);
        assert_eq!(pending.t1, now);
    }
}

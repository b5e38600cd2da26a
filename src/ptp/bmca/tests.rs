//! Each step of figures 27 and 28, the error cases, D0 and the Erbest choice.

use super::{
    DatasetComparison, DefaultDataset, ForeignMasterDataset, MAX_STEPS_REMOVED,
    best_foreign_master, compare,
};
use crate::ptp::fields::{MessageType, TimeSource};
use crate::ptp::header::PtpHeader;
use crate::ptp::message::AnnounceBody;
use crate::ptp::types::{ClockIdentity, ClockQuality, PortIdentity, PtpTimestamp};
use proptest::prelude::*;

fn clock(last: u8) -> ClockIdentity {
    ClockIdentity([0, 0, 0, 0xff, 0xfe, 0, 0, last])
}

fn port(last: u8, number: u16) -> PortIdentity {
    PortIdentity::new(clock(last), number)
}

/// A data set for grandmaster `gm`, received on port 1 of clock 0xee from port 1 of `gm`.
fn dataset(gm: u8) -> ForeignMasterDataset {
    ForeignMasterDataset {
        grandmaster_priority1: 128,
        grandmaster_identity: clock(gm),
        grandmaster_clock_quality: ClockQuality {
            clock_class: 248,
            clock_accuracy: 0xfe,
            offset_scaled_log_variance: 0xffff,
        },
        grandmaster_priority2: 128,
        steps_removed: 0,
        sender: port(gm, 1),
        receiver: port(0xee, 1),
    }
}

/// Checks `compare(a, b)` and that swapping the arguments swaps the answer.
fn assert_compare(a: &ForeignMasterDataset, b: &ForeignMasterDataset, expected: DatasetComparison) {
    assert_eq!(compare(a, b), expected, "compare(a, b)");
    let mirrored = match expected {
        DatasetComparison::ABetter => DatasetComparison::BBetter,
        DatasetComparison::BBetter => DatasetComparison::ABetter,
        DatasetComparison::ABetterByTopology => DatasetComparison::BBetterByTopology,
        DatasetComparison::BBetterByTopology => DatasetComparison::ABetterByTopology,
        error => error,
    };
    assert_eq!(compare(b, a), mirrored, "compare(b, a)");
}

#[test]
fn priority1_decides_first() {
    let mut a = dataset(1);
    let mut b = dataset(2);
    a.grandmaster_priority1 = 127;
    b.grandmaster_clock_quality.clock_class = 6;
    b.grandmaster_priority2 = 0;
    assert_compare(&a, &b, DatasetComparison::ABetter);
}

#[test]
fn clock_class_decides_after_priority1() {
    let mut a = dataset(9);
    let mut b = dataset(2);
    a.grandmaster_clock_quality.clock_class = 6;
    b.grandmaster_clock_quality.clock_accuracy = 0x20;
    assert_compare(&a, &b, DatasetComparison::ABetter);
}

#[test]
fn clock_accuracy_decides_after_class() {
    let mut a = dataset(9);
    let mut b = dataset(2);
    a.grandmaster_clock_quality.clock_accuracy = 0x21;
    b.grandmaster_clock_quality.offset_scaled_log_variance = 0x4e5d;
    assert_compare(&a, &b, DatasetComparison::ABetter);
}

#[test]
fn variance_decides_after_accuracy() {
    let mut a = dataset(9);
    let mut b = dataset(2);
    a.grandmaster_clock_quality.offset_scaled_log_variance = 0x4e5d;
    b.grandmaster_priority2 = 1;
    assert_compare(&a, &b, DatasetComparison::ABetter);
}

#[test]
fn priority2_decides_after_variance() {
    let mut a = dataset(9);
    let b = dataset(2);
    a.grandmaster_priority2 = 127;
    assert_compare(&a, &b, DatasetComparison::ABetter);
}

#[test]
fn grandmaster_identity_decides_last() {
    let mut a = dataset(1);
    let b = dataset(2);
    a.steps_removed = 40;
    assert_compare(&a, &b, DatasetComparison::ABetter);
}

#[test]
fn same_grandmaster_two_or_more_steps_closer_wins_outright() {
    let mut a = dataset(1);
    let mut b = dataset(1);
    a.steps_removed = 1;
    b.steps_removed = 3;
    a.sender = port(0x50, 1);
    assert_compare(&a, &b, DatasetComparison::ABetter);
}

#[test]
fn one_step_closer_wins_unless_the_farther_came_through_us() {
    let mut a = dataset(1);
    let mut b = dataset(1);
    a.steps_removed = 2;
    b.steps_removed = 1;
    // A's receiver below A's sender: B plainly better.
    a.receiver = port(0x10, 1);
    a.sender = port(0x20, 1);
    assert_compare(&a, &b, DatasetComparison::BBetter);
    // A's receiver above A's sender: B better by topology only.
    a.receiver = port(0x30, 1);
    assert_compare(&a, &b, DatasetComparison::BBetterByTopology);
    // Same port on both ends: error-1.
    a.receiver = a.sender;
    assert_compare(&a, &b, DatasetComparison::Error1);
}

#[test]
fn receiver_and_sender_compare_port_numbers_after_clocks() {
    let mut a = dataset(1);
    let mut b = dataset(1);
    a.steps_removed = 1;
    b.steps_removed = 2;
    b.sender = port(0x20, 2);
    b.receiver = port(0x20, 1);
    assert_compare(&a, &b, DatasetComparison::ABetter);
    b.receiver = port(0x20, 3);
    assert_compare(&a, &b, DatasetComparison::ABetterByTopology);
}

#[test]
fn equal_steps_prefer_the_lower_sender_then_receiving_port() {
    let mut a = dataset(1);
    let mut b = dataset(1);
    a.steps_removed = 3;
    b.steps_removed = 3;
    a.sender = port(0x20, 1);
    b.sender = port(0x20, 2);
    assert_compare(&a, &b, DatasetComparison::ABetterByTopology);
    b.sender = a.sender;
    a.receiver = port(0xee, 2);
    b.receiver = port(0xee, 1);
    assert_compare(&a, &b, DatasetComparison::BBetterByTopology);
    b.receiver = a.receiver;
    assert_compare(&a, &b, DatasetComparison::Error2);
}

#[test]
fn comparisons_map_to_orderings() {
    assert!(DatasetComparison::ABetterByTopology.a_is_better());
    assert!(DatasetComparison::BBetterByTopology.b_is_better());
    assert!(!DatasetComparison::Error1.a_is_better() && !DatasetComparison::Error1.b_is_better());
    assert_eq!(
        DatasetComparison::ABetter.to_ordering(),
        std::cmp::Ordering::Less
    );
    assert_eq!(
        DatasetComparison::BBetter.to_ordering(),
        std::cmp::Ordering::Greater
    );
    assert_eq!(
        DatasetComparison::Error2.to_ordering(),
        std::cmp::Ordering::Equal
    );
}

#[test]
fn default_dataset_is_its_own_grandmaster_on_port_zero() {
    let local = DefaultDataset {
        clock_identity: clock(0xee),
        priority1: 128,
        clock_quality: ClockQuality {
            clock_class: 248,
            clock_accuracy: 0xfe,
            offset_scaled_log_variance: 0xffff,
        },
        priority2: 128,
    };
    let d0 = local.as_foreign_master();
    assert_eq!(d0.grandmaster_identity, clock(0xee));
    assert_eq!(d0.steps_removed, 0);
    assert_eq!(d0.sender, port(0xee, 0));
    assert_eq!(d0.receiver, port(0xee, 0));
    // Equal qualities: the lower identity wins, here the foreign grandmaster 0x01.
    assert_compare(&dataset(1), &d0, DatasetComparison::ABetter);
    assert_compare(&dataset(0xf0), &d0, DatasetComparison::BBetter);
}

#[test]
fn announce_fills_the_dataset() {
    let announce = AnnounceBody {
        origin_timestamp: PtpTimestamp::default(),
        current_utc_offset: 37,
        grandmaster_priority1: 100,
        grandmaster_clock_quality: ClockQuality {
            clock_class: 6,
            clock_accuracy: 0x21,
            offset_scaled_log_variance: 0x4e5d,
        },
        grandmaster_priority2: 101,
        grandmaster_identity: clock(7),
        steps_removed: 2,
        time_source: TimeSource::GPS,
    };
    let header = PtpHeader::new(MessageType::Announce, port(8, 3), 1);
    let set = ForeignMasterDataset::from_announce(&header, &announce, port(0xee, 1));
    assert_eq!(set.grandmaster_priority1, 100);
    assert_eq!(set.grandmaster_priority2, 101);
    assert_eq!(set.grandmaster_clock_quality.clock_class, 6);
    assert_eq!(set.grandmaster_identity, clock(7));
    assert_eq!(set.steps_removed, 2);
    assert_eq!(set.sender, port(8, 3));
    assert_eq!(set.receiver, port(0xee, 1));
}

#[test]
fn best_foreign_master_picks_the_best_and_skips_far_ones() {
    let mut far = dataset(0);
    far.steps_removed = MAX_STEPS_REMOVED;
    let mut worse = dataset(1);
    worse.grandmaster_priority1 = 200;
    let best = dataset(3);
    let candidates = [worse, far, best, dataset(4)];
    assert_eq!(best_foreign_master(&candidates), Some(&best));
    assert_eq!(best_foreign_master(&[far]), None);
    assert_eq!(best_foreign_master(&[]), None);
}

#[test]
fn best_foreign_master_keeps_the_first_on_an_error_tie() {
    let first = dataset(1);
    let duplicate = dataset(1);
    let candidates = [first, duplicate];
    let picked = best_foreign_master(&candidates).expect("two candidates");
    assert!(std::ptr::eq(picked, &candidates[0]));
}

fn any_dataset() -> impl Strategy<Value = ForeignMasterDataset> {
    (
        (0u8..3, 0u8..3, 0u8..3, 0u16..3, 0u8..3, 0u8..3),
        (0u16..4, 0u8..3, 0u16..3, 0u8..3, 0u16..3),
    )
        .prop_map(
            |(
                (p1, class, accuracy, variance, p2, gm),
                (steps, sender, sender_port, receiver, receiver_port),
            )| {
                ForeignMasterDataset {
                    grandmaster_priority1: p1,
                    grandmaster_identity: clock(gm),
                    grandmaster_clock_quality: ClockQuality {
                        clock_class: class,
                        clock_accuracy: accuracy,
                        offset_scaled_log_variance: variance,
                    },
                    grandmaster_priority2: p2,
                    steps_removed: steps,
                    sender: port(sender, sender_port),
                    receiver: port(receiver, receiver_port),
                }
            },
        )
}

proptest! {
    #[test]
    fn comparison_is_antisymmetric(a in any_dataset(), b in any_dataset()) {
        prop_assert_eq!(compare(&a, &b).to_ordering(), compare(&b, &a).to_ordering().reverse());
    }
}

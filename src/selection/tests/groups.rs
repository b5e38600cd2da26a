//! Primary and secondary groups, holdover, and the protocol order within a group.

use super::{GOOD, Harness, NTP, P, S};
use crate::config::Protocol;
use crate::selection::{
    GroupChangeReason, NoSelectionReason, SelectionEvent, Selector, SelectorConfig, SourceState,
    UnusableReason,
};
use crate::source::SourceId;

#[test]
fn secondary_takes_over_when_every_primary_is_lost_and_gives_back() {
    let seed = 7;
    let mut harness = Harness::new(seed);
    let mut selector = Selector::new(SelectorConfig::default());
    let sources = [(0, P, NTP, GOOD), (1, P, NTP, GOOD), (2, S, NTP, GOOD)];
    let first = selector.update(harness.now, &harness.inputs(&sources));
    assert_eq!(first.group, Some(P), "seed {seed}");
    assert!(
        matches!(first.selected, Some(SourceId(0 | 1))),
        "seed {seed}: {first:?}"
    );
    assert_eq!(
        first.state_of(SourceId(2)),
        Some(SourceState::Standby),
        "seed {seed}"
    );
    let started = SelectionEvent::GroupChanged {
        from: None,
        to: Some(P),
        reason: GroupChangeReason::PrimaryUsable,
    };
    assert_eq!(first.events.first(), Some(&started), "seed {seed}");

    harness.tick();
    let mut inputs = harness.inputs(&sources);
    inputs[0].reachable = false;
    inputs[1].reachable = false;
    let takeover = selector.update(harness.now, &inputs);
    assert_eq!(
        takeover.selected,
        Some(SourceId(2)),
        "seed {seed}: {takeover:?}"
    );
    assert_eq!(
        takeover.events,
        vec![
            SelectionEvent::GroupChanged {
                from: Some(P),
                to: Some(S),
                reason: GroupChangeReason::NoPrimaryUsable,
            },
            SelectionEvent::SourceSelected {
                id: SourceId(2),
                previous: first.selected
            },
        ],
        "seed {seed}"
    );
    let unreachable = SourceState::Unusable(UnusableReason::Unreachable);
    assert_eq!(
        takeover.state_of(SourceId(0)),
        Some(unreachable),
        "seed {seed}"
    );

    harness.tick();
    let mut inputs = harness.inputs(&sources);
    inputs[0].reachable = false;
    let give_back = selector.update(harness.now, &inputs);
    assert_eq!(
        give_back.selected,
        Some(SourceId(1)),
        "seed {seed}: {give_back:?}"
    );
    assert_eq!(
        give_back.events,
        vec![
            SelectionEvent::GroupChanged {
                from: Some(S),
                to: Some(P),
                reason: GroupChangeReason::PrimaryUsable,
            },
            SelectionEvent::SourceSelected {
                id: SourceId(1),
                previous: Some(SourceId(2))
            },
        ],
        "seed {seed}"
    );
    assert_eq!(
        give_back.state_of(SourceId(2)),
        Some(SourceState::Standby),
        "seed {seed}"
    );
}

#[test]
fn losing_every_source_reports_nothing_selected_once() {
    let mut harness = Harness::new(3);
    let mut selector = Selector::new(SelectorConfig::default());
    let sources = [(0, P, NTP, GOOD), (1, S, NTP, GOOD)];
    let before = selector.update(harness.now, &harness.inputs(&sources));
    assert_eq!(before.selected, Some(SourceId(0)));
    let mut lost = harness.inputs(&sources);
    for input in &mut lost {
        input.reachable = false;
    }
    let outcome = selector.update(harness.now, &lost);
    assert_eq!(
        (outcome.selected, outcome.group, outcome.offset),
        (None, None, None)
    );
    assert_eq!(
        outcome.no_selection,
        Some(NoSelectionReason::NoUsableSource)
    );
    assert_eq!(
        outcome.events,
        vec![
            SelectionEvent::GroupChanged {
                from: Some(P),
                to: None,
                reason: GroupChangeReason::NoSourceUsable
            },
            SelectionEvent::SelectionLost {
                previous: SourceId(0),
                reason: NoSelectionReason::NoUsableSource
            },
        ]
    );
    let again = selector.update(harness.now, &lost);
    assert!(again.events.is_empty(), "{:?}", again.events);
    assert_eq!(selector.selected(), None);
}

#[test]
fn protocol_order_within_a_group_and_group_before_protocol() {
    let mut harness = Harness::new(17);
    let mut selector = Selector::new(SelectorConfig::default());
    let sources = [
        (0, P, Protocol::Nmea, GOOD),
        (1, P, NTP, GOOD),
        (2, P, Protocol::Ptp, GOOD),
        (3, P, Protocol::Pps, GOOD),
        (4, P, Protocol::Phc, GOOD),
    ];
    let mut inputs = harness.inputs(&sources);
    let mut expected_order = Vec::new();
    for _ in &sources {
        let outcome = selector.update(harness.now, &inputs);
        let Some(SourceId(id)) = outcome.selected else {
            panic!("nothing selected: {outcome:?}")
        };
        expected_order.push(inputs[id].protocol);
        inputs[id].reachable = false;
    }
    let timebeat = [
        Protocol::Pps,
        Protocol::Ptp,
        Protocol::Ntp,
        Protocol::Phc,
        Protocol::Nmea,
    ];
    assert_eq!(expected_order, timebeat);

    let inputs = harness.inputs(&[(0, P, NTP, GOOD), (1, S, Protocol::Pps, GOOD)]);
    assert_eq!(
        selector.update(harness.now, &inputs).selected,
        Some(SourceId(0))
    );
}

//! Which sources may take part: disabled, monitor-only, stale, unsynchronised, too far.

use super::{BAD, GOOD, Harness, NTP, P, POLL};
use crate::config::Protocol;
use crate::selection::{NoSelectionReason, Selector, SelectorConfig, SourceState, UnusableReason};
use crate::source::{Leap, Measurement, SourceId};
use crate::time::Duration;

#[test]
fn disabled_sources_are_skipped_and_do_not_vote() {
    let mut harness = Harness::new(11);
    let mut selector = Selector::new(SelectorConfig::default());
    let mut inputs = harness.inputs(&[(0, P, NTP, GOOD), (1, P, NTP, BAD)]);
    inputs[1].disabled = true;
    let outcome = selector.update(harness.now, &inputs);
    assert_eq!(
        outcome.selected,
        Some(SourceId(0)),
        "a counted bad source would block the majority"
    );
    assert_eq!(outcome.state_of(SourceId(1)), Some(SourceState::Disabled));
}

#[test]
fn monitor_only_sources_are_never_selected() {
    let mut harness = Harness::new(12);
    let mut selector = Selector::new(SelectorConfig::default());
    let mut inputs = harness.inputs(&[(0, P, Protocol::Pps, GOOD), (1, P, NTP, GOOD)]);
    inputs[0].monitor_only = true;
    let outcome = selector.update(harness.now, &inputs);
    assert_eq!(
        outcome.selected,
        Some(SourceId(1)),
        "PPS would outrank NTP if it were selectable"
    );
    assert_eq!(
        outcome.state_of(SourceId(0)),
        Some(SourceState::MonitorOnly)
    );
    let alone = selector.update(harness.now, &inputs[..1]);
    assert_eq!(alone.selected, None);
    assert_eq!(alone.no_selection, Some(NoSelectionReason::NoUsableSource));
}

#[test]
fn a_measurement_older_than_eight_polls_is_stale() {
    let mut harness = Harness::new(13);
    let mut selector = Selector::new(SelectorConfig::default());
    let inputs = harness.inputs(&[(0, P, NTP, GOOD)]);
    let at_limit = harness.now + POLL * 8;
    assert_eq!(
        selector.update(at_limit, &inputs).selected,
        Some(SourceId(0))
    );
    let outcome = selector.update(at_limit + Duration::from_nanos(1), &inputs);
    assert_eq!(outcome.selected, None);
    let stale = SourceState::Unusable(UnusableReason::Stale);
    assert_eq!(outcome.state_of(SourceId(0)), Some(stale));
}

#[test]
fn staleness_counts_from_the_last_delivery_not_the_measurements_age() {
    // NTP's filter may keep re-delivering a minimum-delay sample taken 8 polls ago (an
    // interleaved one describes the exchange before): the source is alive while samples come.
    let mut harness = Harness::new(16);
    let mut selector = Selector::new(SelectorConfig::default());
    let mut inputs = harness.inputs(&[(0, P, NTP, GOOD)]);
    let later = harness.now + POLL * 9;
    inputs[0].sampled_at = Some(later - POLL);
    assert_eq!(selector.update(later, &inputs).selected, Some(SourceId(0)));
    let silent = later - POLL + POLL * 8 + Duration::from_nanos(1);
    let outcome = selector.update(silent, &inputs);
    assert_eq!(outcome.selected, None);
    let stale = SourceState::Unusable(UnusableReason::Stale);
    assert_eq!(outcome.state_of(SourceId(0)), Some(stale));
}

#[test]
fn an_old_measurement_has_a_wider_root_distance() {
    let mut harness = Harness::new(14);
    let mut selector = Selector::new(SelectorConfig::default());
    let inputs = harness.inputs(&[(0, P, NTP, GOOD)]);
    let fresh = selector
        .update(harness.now, &inputs)
        .root_distance
        .unwrap_or(Duration::ZERO);
    let aged = selector.update(harness.now + Duration::from_secs(100), &inputs);
    assert_eq!(
        aged.root_distance,
        Some(fresh + Duration::from_micros(1_500))
    );
}

#[test]
fn unsynchronised_sources_are_unusable() {
    let mut harness = Harness::new(15);
    let mut selector = Selector::new(SelectorConfig::default());
    let unsynchronized = SourceState::Unusable(UnusableReason::Unsynchronized);
    let mut inputs = harness.inputs(&[(0, P, NTP, GOOD)]);
    for input in &mut inputs {
        input.measurement = input.measurement.map(|m| Measurement {
            leap: Leap::Unsynchronized,
            ..m
        });
    }
    let outcome = selector.update(harness.now, &inputs);
    assert_eq!(
        (outcome.selected, outcome.state_of(SourceId(0))),
        (None, Some(unsynchronized))
    );
    for input in &mut inputs {
        input.measurement = input.measurement.map(|m| Measurement {
            leap: Leap::Insert,
            stratum: 16,
            ..m
        });
    }
    let outcome = selector.update(harness.now, &inputs);
    assert_eq!(outcome.state_of(SourceId(0)), Some(unsynchronized));
}

#[test]
fn sources_without_a_measurement_or_too_far_are_unusable() {
    let mut harness = Harness::new(16);
    let mut selector = Selector::new(SelectorConfig::default());
    let mut inputs = harness.inputs(&[(0, P, NTP, GOOD), (1, P, NTP, GOOD)]);
    inputs[0].measurement = None;
    inputs[1].measurement = inputs[1].measurement.map(|m| Measurement {
        root_dispersion: Duration::from_millis(1_500),
        ..m
    });
    let outcome = selector.update(harness.now, &inputs);
    assert_eq!(
        outcome.states,
        vec![
            (
                SourceId(0),
                SourceState::Unusable(UnusableReason::NoMeasurement)
            ),
            (
                SourceId(1),
                SourceState::Unusable(UnusableReason::RootDistanceTooLarge)
            ),
        ]
    );
}

//! Intersection over the active group: falsetickers, no majority, too few sources.

use super::{BAD, GOOD, Harness, NTP, P, SEEDS};
use crate::selection::{NoSelectionReason, SelectionEvent, Selector, SelectorConfig, SourceState};
use crate::source::SourceId;
use crate::time::Duration;

#[test]
fn a_source_50ms_off_among_three_is_rejected_within_five_polls() {
    for seed in SEEDS {
        let mut harness = Harness::new(seed);
        let mut selector = Selector::new(SelectorConfig::default());
        let sources = [(0, P, NTP, GOOD), (1, P, NTP, BAD), (2, P, NTP, GOOD)];
        let mut falseticker_events = 0;
        for poll in 0..50 {
            let outcome = selector.update(harness.now, &harness.inputs(&sources));
            falseticker_events += outcome
                .events
                .iter()
                .filter(|event| **event == SelectionEvent::Falseticker { id: SourceId(1) })
                .count();
            if poll >= 4 {
                let state = outcome.state_of(SourceId(1));
                assert_eq!(
                    state,
                    Some(SourceState::Falseticker),
                    "seed {seed} poll {poll}"
                );
                let selected = outcome.selected;
                assert!(
                    matches!(selected, Some(SourceId(0 | 2))),
                    "seed {seed} poll {poll}: selected {selected:?}"
                );
                let offset = outcome.offset.unwrap_or(Duration::MAX).abs();
                assert!(
                    offset <= Duration::from_micros(5),
                    "seed {seed} poll {poll}: {offset}"
                );
            }
            harness.tick();
        }
        assert_eq!(
            falseticker_events, 1,
            "seed {seed}: one event, on the transition"
        );
    }
}

#[test]
fn one_good_and_one_bad_source_steer_nothing() {
    for seed in SEEDS {
        let mut harness = Harness::new(seed);
        let mut selector = Selector::new(SelectorConfig::default());
        for poll in 0..50 {
            let inputs = harness.inputs(&[(0, P, NTP, GOOD), (1, P, NTP, BAD)]);
            let outcome = selector.update(harness.now, &inputs);
            let context = format!("seed {seed} poll {poll}: {outcome:?}");
            assert_eq!(outcome.selected, None, "{context}");
            assert_eq!(outcome.offset, None, "{context}");
            assert_eq!(
                outcome.no_selection,
                Some(NoSelectionReason::NoMajority),
                "{context}"
            );
            assert_eq!(
                outcome.state_of(SourceId(0)),
                Some(SourceState::NoMajority),
                "{context}"
            );
            harness.tick();
        }
    }
}

#[test]
fn too_few_sources_select_nothing() {
    let mut harness = Harness::new(19);
    let config = SelectorConfig {
        min_sources: 3,
        ..SelectorConfig::default()
    };
    let mut selector = Selector::new(config);
    let outcome = selector.update(
        harness.now,
        &harness.inputs(&[(0, P, NTP, GOOD), (1, P, NTP, GOOD)]),
    );
    assert_eq!(outcome.selected, None);
    assert_eq!(outcome.no_selection, Some(NoSelectionReason::TooFewSources));
    assert_eq!(outcome.state_of(SourceId(0)), Some(SourceState::Candidate));
}

#[test]
fn a_falseticker_that_comes_back_is_a_candidate_again() {
    let mut harness = Harness::new(20);
    let mut selector = Selector::new(SelectorConfig::default());
    let bad = [(0, P, NTP, GOOD), (1, P, NTP, BAD), (2, P, NTP, GOOD)];
    let outcome = selector.update(harness.now, &harness.inputs(&bad));
    assert_eq!(
        outcome.state_of(SourceId(1)),
        Some(SourceState::Falseticker)
    );
    let healed = [(0, P, NTP, GOOD), (1, P, NTP, GOOD), (2, P, NTP, GOOD)];
    let outcome = selector.update(harness.now, &harness.inputs(&healed));
    let state = outcome.state_of(SourceId(1));
    assert!(
        matches!(state, Some(SourceState::Candidate | SourceState::Selected)),
        "{state:?}"
    );
    let relapse = selector.update(harness.now, &harness.inputs(&bad));
    assert!(
        relapse
            .events
            .contains(&SelectionEvent::Falseticker { id: SourceId(1) })
    );
}

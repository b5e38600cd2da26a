//! Keeping the selected source among equals, and leaving it for a clearly better one.

use super::{GOOD, Harness, NTP, P, SEEDS};
use crate::selection::{SelectionEvent, Selector, SelectorConfig, SourceState};
use crate::source::{Measurement, SourceId};
use crate::time::Duration;

#[test]
fn two_equally_good_sources_do_not_flap() {
    for seed in SEEDS {
        let mut harness = Harness::new(seed);
        let mut selector = Selector::new(SelectorConfig::default());
        let (mut selections, mut best_changes, mut last_best) = (0, 0, None);
        for _ in 0..1_000 {
            let inputs = harness.inputs(&[(0, P, NTP, GOOD), (1, P, NTP, GOOD)]);
            let best = inputs
                .iter()
                .min_by_key(|input| input.measurement.map(|m| m.root_distance()))
                .map(|input| input.id);
            best_changes += usize::from(last_best.is_some() && best != last_best);
            last_best = best;
            let outcome = selector.update(harness.now, &inputs);
            selections += outcome
                .events
                .iter()
                .filter(|event| matches!(event, SelectionEvent::SourceSelected { .. }))
                .count();
            harness.tick();
        }
        assert!(
            best_changes > 100,
            "seed {seed}: the noise must make the best source change ({best_changes})"
        );
        assert_eq!(selections, 1, "seed {seed}: only the first selection");
    }
}

#[test]
fn a_clearly_better_source_takes_over() {
    let mut harness = Harness::new(18);
    let mut selector = Selector::new(SelectorConfig::default());
    let sources = [(0, P, NTP, GOOD), (1, P, NTP, GOOD)];
    let first = selector.update(harness.now, &harness.inputs(&sources));
    let Some(SourceId(current)) = first.selected else {
        panic!("nothing selected: {first:?}")
    };
    let mut inputs = harness.inputs(&sources);
    inputs[current].measurement = inputs[current].measurement.map(|m| Measurement {
        root_dispersion: Duration::from_millis(3),
        ..m
    });
    let outcome = selector.update(harness.now, &inputs);
    let other = SourceId(1 - current);
    assert_eq!(outcome.selected, Some(other));
    assert_eq!(
        outcome.state_of(SourceId(current)),
        Some(SourceState::Candidate)
    );
    let selected = SelectionEvent::SourceSelected {
        id: other,
        previous: Some(SourceId(current)),
    };
    assert_eq!(outcome.events, vec![selected]);
}

//! The engine core driven in simulated time: a [`SimulatedClock`] steered by the actions the
//! core returns, measured by an [`OffsetSensor`]; no I/O, hours in milliseconds.

use super::{EngineAction, EngineConfig, EngineCore};
use crate::clock::{Clock, SimulatedClock};
use crate::engine::plan::plan_sources;
use crate::observe::{ClockState, EventKind};
use crate::selection::SelectorConfig;
use crate::servo::{ServoConfig, Timestamping};
use crate::sim::OffsetSensor;
use crate::source::{Leap, Measurement, SourceId, SourceStatus, SourceUpdate};
use crate::time::{Duration, Ppb, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

const START: Timestamp = Timestamp::from_secs_nanos(1_800_000_000, 0);

fn config(sources: usize) -> crate::config::Config {
    let mut yaml = String::from("timebeat:\n  clock_sync:\n    primary_clocks:\n");
    for n in 1..=sources {
        yaml.push_str(&format!("      - protocol: ntp\n        ip: 10.99.{n}.1\n"));
    }
    crate::config::load_str(&yaml, "sim.yml")
        .expect("valid")
        .config
}

fn core(sources: usize, adjust_clock: bool) -> EngineCore {
    let config = config(sources);
    let engine = EngineConfig {
        adjust_clock,
        servo: ServoConfig::from_config(&config.timebeat.clock_sync, Timestamping::Software),
        selector: SelectorConfig::default(),
        local_stratum: None,
    };
    EngineCore::new(engine, plan_sources(&config), Ppb::ZERO, START)
}

fn measurement(offset: Duration, at: Timestamp) -> Measurement {
    Measurement {
        offset,
        delay: Duration::from_micros(100),
        dispersion: Duration::from_micros(10),
        jitter: Duration::from_micros(1),
        root_delay: Duration::ZERO,
        root_dispersion: Duration::from_micros(10),
        stratum: 1,
        leap: Leap::None,
        local_time: at,
    }
}

fn reachable(core: &mut EngineCore, id: usize, now: Timestamp) {
    let status = SourceStatus {
        reachable: true,
        reach: 0xff,
        stratum: Some(1),
        poll: Some(Duration::from_secs(1)),
        ..SourceStatus::default()
    };
    let _ = core.on_update(
        SourceUpdate::Status {
            id: SourceId(id),
            status,
        },
        now,
    );
}

fn apply(clock: &mut SimulatedClock, actions: &[EngineAction]) -> usize {
    let mut steps = 0;
    for action in actions {
        match action {
            EngineAction::Step(delta) => {
                clock.step(*delta).expect("simulated step");
                steps += 1;
            }
            EngineAction::SetFrequency(f) => {
                clock.adjust_frequency(*f).expect("simulated frequency")
            }
            EngineAction::SetSyncStatus(s) => clock.set_sync_status(*s).expect("status"),
            EngineAction::ShiftSourceOffsets(_) => {}
        }
    }
    steps
}

#[test]
fn steers_a_simulated_clock_from_100ms_and_100ppm_off_into_lock() {
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut clock = SimulatedClock::new(seed, START)
            .with_offset(Duration::from_millis(100))
            .with_frequency_error(Ppb::from_ppm(100.0));
        let sensor = OffsetSensor::new(Duration::from_micros(1));
        let mut core = core(1, true);
        reachable(&mut core, 0, START);
        let mut steps = 0;
        for second in 0..600 {
            clock.advance(Duration::from_secs(1));
            let now = clock.now().expect("read");
            let offset = sensor.measure(&clock, &mut rng).expect("lossless");
            let actions = core.on_update(
                SourceUpdate::Sample {
                    id: SourceId(0),
                    measurement: measurement(offset, now),
                },
                now,
            );
            steps += apply(&mut clock, &actions);
            if second == 120 {
                assert!(
                    clock.true_offset().abs() < Duration::from_micros(10),
                    "seed {seed}: {} at 120 s",
                    clock.true_offset()
                );
            }
        }
        assert_eq!(steps, 1, "seed {seed}: exactly one step");
        assert_eq!(core.steps(), 1);
        assert_eq!(core.phase().0, ClockState::Locked, "seed {seed}");
        assert!(
            clock.true_offset().abs() < Duration::from_micros(2),
            "seed {seed}: {}",
            clock.true_offset()
        );
        assert!(
            core.events()
                .iter()
                .any(|e| e.kind == EventKind::ClockStepped)
        );
        assert!(
            core.events()
                .iter()
                .any(|e| e.kind == EventKind::SyncRecovered)
        );
    }
}

#[test]
fn monitor_mode_never_produces_a_clock_action() {
    let mut core = core(1, false);
    reachable(&mut core, 0, START);
    let mut now = START;
    for _ in 0..100 {
        now += Duration::from_secs(1);
        let sample = measurement(Duration::from_millis(250), now);
        let actions = core.on_update(
            SourceUpdate::Sample {
                id: SourceId(0),
                measurement: sample,
            },
            now,
        );
        assert!(actions.is_empty(), "monitor mode acted: {actions:?}");
        assert!(core.on_tick(now).is_empty());
    }
    assert_eq!(core.phase().0, ClockState::Monitoring);
    let (_, latest) = core.selected_measurement().expect("selected");
    assert_eq!(latest.offset, Duration::from_millis(250));
}

#[test]
fn losing_the_only_source_enters_holdover_with_the_learned_frequency() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut clock = SimulatedClock::new(7, START).with_frequency_error(Ppb::from_ppm(10.0));
    let sensor = OffsetSensor::new(Duration::from_micros(1));
    let mut core = core(1, true);
    reachable(&mut core, 0, START);
    for _ in 0..600 {
        clock.advance(Duration::from_secs(1));
        let now = clock.now().expect("read");
        let offset = sensor.measure(&clock, &mut rng).expect("lossless");
        let sample = measurement(offset, now);
        let actions = core.on_update(
            SourceUpdate::Sample {
                id: SourceId(0),
                measurement: sample,
            },
            now,
        );
        apply(&mut clock, &actions);
    }
    let lost = SourceStatus {
        problem: Some("no answer".into()),
        ..SourceStatus::default()
    };
    let now = clock.now().expect("read");
    let actions = core.on_update(
        SourceUpdate::Status {
            id: SourceId(0),
            status: lost,
        },
        now,
    );
    apply(&mut clock, &actions);
    assert_eq!(core.phase().0, ClockState::Holdover);
    assert!(core.events().iter().any(|e| e.kind == EventKind::SyncLost));
    // The held frequency cancels the clock's 10 ppm error: an hour drifts by little.
    let before = clock.true_offset();
    clock.advance(Duration::from_secs(3600));
    let drift = clock.true_offset() - before;
    assert!(
        drift.abs() < Duration::from_micros(180),
        "drifted {drift} in an hour of holdover (held {})",
        core.frequency()
    );
}

#[test]
fn a_disabled_source_is_not_selected() {
    let mut core = core(1, false);
    reachable(&mut core, 0, START);
    assert!(core.set_enabled(SourceId(0), false, START));
    let sample = measurement(Duration::ZERO, START);
    let _ = core.on_update(
        SourceUpdate::Sample {
            id: SourceId(0),
            measurement: sample,
        },
        START,
    );
    assert!(core.selected_measurement().is_none());
    assert!(
        !core.set_enabled(SourceId(7), false, START),
        "no such source"
    );
    assert!(
        core.events()
            .iter()
            .any(|e| e.kind == EventKind::ConfigChanged)
    );
}

#[test]
fn a_step_shifts_the_offsets_the_engine_holds() {
    let mut core = core(1, true);
    reachable(&mut core, 0, START);
    let mut now = START;
    let mut shifted = None;
    for _ in 0..40 {
        now += Duration::from_secs(1);
        let sample = measurement(Duration::from_millis(50), now);
        for action in core.on_update(
            SourceUpdate::Sample {
                id: SourceId(0),
                measurement: sample,
            },
            now,
        ) {
            if let EngineAction::ShiftSourceOffsets(delta) = action {
                shifted = Some(delta);
            }
        }
        if shifted.is_some() {
            break;
        }
    }
    let delta = shifted.expect("a 50 ms offset is stepped at start");
    assert_eq!(delta, -Duration::from_millis(50));
    let (_, latest) = core.selected_measurement().expect("selected");
    assert_eq!(
        latest.offset,
        Duration::ZERO,
        "held measurement shifted by the step"
    );
}

/// A monitor-mode core with a PTP primary (source 0) and an NTP secondary (source 1).
fn ptp_primary_ntp_secondary() -> EngineCore {
    let yaml = "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      \
                - protocol: ptp\n        interface: eth0\n        domain: 0\n    \
                secondary_clocks:\n      - protocol: ntp\n        ip: 10.99.1.1\n";
    let config = crate::config::load_str(yaml, "failover.yml")
        .expect("valid")
        .config;
    let engine = EngineConfig {
        adjust_clock: false,
        servo: ServoConfig::from_config(&config.timebeat.clock_sync, Timestamping::Software),
        selector: SelectorConfig::default(),
        local_stratum: None,
    };
    EngineCore::new(engine, plan_sources(&config), Ppb::ZERO, START)
}

fn sample(core: &mut EngineCore, id: usize, now: Timestamp) {
    let update = SourceUpdate::Sample {
        id: SourceId(id),
        measurement: measurement(Duration::from_micros(5), now),
    };
    let _ = core.on_update(update, now);
}

fn selected(core: &EngineCore) -> (Option<SourceId>, Option<crate::source::Group>) {
    let selection = core.selection().expect("selection ran");
    (selection.selected, selection.group)
}

#[test]
fn a_source_reported_unreachable_hands_over_at_once_and_returns_with_a_new_sample() {
    use crate::selection::{SourceState, UnusableReason};
    use crate::source::Group;
    let mut core = ptp_primary_ntp_secondary();
    for id in [0, 1] {
        reachable(&mut core, id, START);
        sample(&mut core, id, START);
    }
    assert_eq!(selected(&core), (Some(SourceId(0)), Some(Group::Primary)));

    // 3 s later the PTP port gives its master up (announce receipt timeout). Its last
    // measurement is young enough to pass for fresh, but the driver said "unreachable".
    let lost = START + Duration::from_secs(3);
    sample(&mut core, 1, lost);
    let unreachable = SourceStatus {
        address: Some("eth0".into()),
        ..SourceStatus::default()
    };
    let update = SourceUpdate::Status {
        id: SourceId(0),
        status: unreachable,
    };
    let _ = core.on_update(update, lost);
    assert_eq!(selected(&core), (Some(SourceId(1)), Some(Group::Secondary)));
    let group_changes: Vec<_> = core
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::SourceGroupChanged && e.time == lost)
        .collect();
    assert_eq!(group_changes.len(), 1, "{group_changes:?}");
    let (_, held) = core.selected_measurement().expect("NTP selected");
    assert_eq!(held.local_time, lost);

    // The port follows a master again before it has measured: the measurement taken before
    // the loss is not used, so the secondary stays selected.
    let back = lost + Duration::from_secs(5);
    reachable(&mut core, 0, back);
    assert_eq!(selected(&core), (Some(SourceId(1)), Some(Group::Secondary)));
    assert_eq!(
        core.selection().and_then(|s| s.state_of(SourceId(0))),
        Some(SourceState::Unusable(UnusableReason::NoMeasurement))
    );
    // The first new measurement gives the primary back.
    let measured = back + Duration::from_secs(1);
    sample(&mut core, 0, measured);
    assert_eq!(selected(&core), (Some(SourceId(0)), Some(Group::Primary)));
}

#[test]
fn a_sample_sent_before_the_status_that_reports_it_is_used() {
    // The NTP driver sends a sample, then the status whose reach register counts that
    // answer: the sample alone must make the source usable.
    let mut core = core(1, false);
    let polled = SourceStatus {
        poll: Some(Duration::from_secs(1)),
        ..SourceStatus::default()
    };
    let update = SourceUpdate::Status {
        id: SourceId(0),
        status: polled,
    };
    let _ = core.on_update(update, START);
    assert_eq!(selected(&core).0, None);
    sample(&mut core, 0, START + Duration::from_secs(1));
    assert_eq!(selected(&core).0, Some(SourceId(0)));
    assert_eq!(core.phase().0, ClockState::Monitoring);
}

#[test]
fn a_source_that_keeps_delivering_an_old_filtered_sample_stays_selected() {
    // NTP's clock filter re-delivers its minimum-delay sample for up to 8 polls, and in
    // interleaved mode that sample describes the exchange one poll earlier: at a 1 s poll its
    // time is over 8 s old while the server answers every second.
    let mut core = core(1, false);
    reachable(&mut core, 0, START);
    let best = measurement(Duration::from_micros(1), START);
    for second in 1..=12 {
        let now = START + Duration::from_secs(second);
        let _ = core.on_update(
            SourceUpdate::Sample {
                id: SourceId(0),
                measurement: best,
            },
            now,
        );
        let _ = core.on_tick(now + Duration::from_millis(500));
        assert_eq!(selected(&core).0, Some(SourceId(0)), "at {second} s");
    }
    let _ = core.on_tick(START + Duration::from_secs(12 + 9));
    assert_eq!(
        selected(&core).0,
        None,
        "9 polls without a sample are stale"
    );
}

use super::{START, reading};
use crate::clock::phc::{PhcDevice, SimulatedPhc};
use crate::clock::{Clock, PhcCapabilities, SimulatedClock, SysOffsetStrategy};
use crate::phc_source::{PhcOffsetEstimator, PhcSmoothing, PhcToSystem, PtpToPhc};
use crate::servo::{ServoAction, ServoState};
use crate::sim::noise;
use crate::time::{Duration, Ppb};
use rand::SeedableRng;
use rand::rngs::StdRng;

const SECOND: Duration = Duration::from_secs(1);
/// The PHC keeps TAI; the system clock UTC.
const TAI_UTC: Duration = Duration::from_secs(37);

fn apply(clock: &mut impl Clock, actions: &[ServoAction]) {
    for action in actions {
        match *action {
            ServoAction::Step(amount) => clock.step(amount).expect("simulated step"),
            ServoAction::SetFrequency(frequency) => {
                clock.adjust_frequency(frequency).expect("within range");
            }
            ServoAction::Alert(alert) => panic!("unexpected alert {alert:?}"),
        }
    }
}

/// A system clock 3 ms ahead and 20 ppm slow next to a PHC on TAI running 40 ppm fast, both
/// wandering, the PHC read with 5 ns of noise and `strategy`'s typical delays.
fn drifting_pair(seed: u64) -> SimulatedPhc {
    let system = SimulatedClock::new(seed, START)
        .with_offset(Duration::from_millis(3))
        .with_frequency_error(Ppb::from_ppm(-20.0))
        .with_wander(Ppb(0.5));
    let phc = SimulatedPhc::new(seed, system)
        .with_offset(TAI_UTC)
        .with_frequency_error(Ppb::from_ppm(40.0))
        .with_wander(Ppb(0.1))
        .with_read_noise(Duration::from_nanos(5));
    let capabilities = PhcCapabilities {
        cross_timestamping: true,
        ..*phc.capabilities()
    };
    phc.with_capabilities(capabilities)
}

/// phc2sys for `seconds` of virtual time: (RMS, max) of |system − PHC| in ns from `settle`
/// seconds on, and the steps taken.
fn phc2sys(
    seed: u64,
    strategy: SysOffsetStrategy,
    seconds: i64,
    settle: i64,
) -> (f64, i64, Vec<Duration>) {
    let mut pair = drifting_pair(seed);
    let estimator = PhcOffsetEstimator::new(pair.name(), strategy, PhcSmoothing::MinDelay)
        .with_timescale_offset(TAI_UTC);
    let initial = pair.system().frequency().expect("simulated");
    let mut steering = PhcToSystem::new(estimator, PhcToSystem::hardware_servo(), SECOND, initial);
    let (mut sum, mut max, mut count) = (0.0, 0_i64, 0);
    for second in 1..=seconds {
        pair.advance(SECOND);
        // system − (PHC − 37 s), exactly, before this poll's correction.
        let error = (TAI_UTC - pair.true_offset()).as_nanos();
        if second > settle {
            sum += (error as f64).powi(2);
            max = max.max(error.abs());
            count += 1;
        }
        let batch = pair.sys_offset(strategy, 15).expect("supported");
        let update = steering
            .sample(&batch)
            .unwrap_or_else(|error| panic!("seed {seed}: {strategy:?} at {second} s: {error}"));
        apply(pair.system_mut(), &update.servo.actions);
    }
    let steps = pair.system().steps().to_vec();
    ((sum / f64::from(count)).sqrt(), max, steps)
}

#[test]
fn phc2sys_locks_the_system_clock_to_the_phc_with_every_strategy() {
    for (strategy, limit) in [
        (SysOffsetStrategy::Precise, 30),
        (SysOffsetStrategy::Extended, 60),
        (SysOffsetStrategy::Basic, 100),
    ] {
        let mut worst = 0;
        for seed in 1..6 {
            let (rms, max, steps) = phc2sys(seed, strategy, 600, 10);
            println!(
                "seed {seed}: {strategy:?}: after 10 s, RMS {rms:.1} ns, max {max} ns over 590 s"
            );
            assert!(
                max < limit,
                "seed {seed}: {strategy:?}: max |offset| {max} ns after 10 s"
            );
            assert_eq!(
                steps.len(),
                1,
                "seed {seed}: {strategy:?}: one step at start: {steps:?}"
            );
            // 3 ms ahead, less 2 s at 60 ppm slower than the PHC before the lock: 2.88 ms back.
            let step = steps[0].as_nanos();
            assert!(
                (step + 2_880_000).abs() < 1_000,
                "seed {seed}: step {step} ns"
            );
            worst = worst.max(max);
        }
        println!("{strategy:?}: worst max |offset| {worst} ns (limit {limit} ns)");
    }
}

#[test]
fn a_refused_batch_leaves_the_servo_alone() {
    let estimator = PhcOffsetEstimator::new(
        "/dev/ptp0",
        SysOffsetStrategy::Extended,
        PhcSmoothing::MinDelay,
    );
    let mut steering =
        PhcToSystem::new(estimator, PhcToSystem::hardware_servo(), SECOND, Ppb::ZERO);
    let first = steering
        .sample(&[reading(0, 300, -400), reading(1_000, 300, -410)])
        .expect("good batch");
    assert_eq!(first.measurement.offset, Duration::from_nanos(400));
    assert_eq!(first.servo.state, ServoState::Unlocked);
    let error = steering.sample(&[]).expect_err("empty batch");
    assert!(error.to_string().starts_with("/dev/ptp0:"), "{error}");
    assert_eq!(
        steering.servo().last_offset(),
        Some(Duration::from_nanos(400))
    );
    assert_eq!(steering.servo().state(), ServoState::Unlocked);
    assert_eq!(steering.poll_interval(), SECOND);
    assert_eq!(steering.estimator().device(), "/dev/ptp0");
}

#[test]
fn ptp_offsets_lock_the_phc_to_the_master() {
    let interval = Duration::from_millis(125);
    for seed in 1..6 {
        let system = SimulatedClock::new(seed, START);
        let capabilities = PhcCapabilities {
            max_adj: Ppb::from_ppm(100.0),
            ..*SimulatedPhc::new(seed, SimulatedClock::new(seed, START)).capabilities()
        };
        let mut phc = SimulatedPhc::new(seed, system)
            .with_name("/dev/ptp2")
            .with_capabilities(capabilities)
            .with_offset(Duration::from_micros(-50))
            .with_frequency_error(Ppb::from_ppm(40.0))
            .with_wander(Ppb(0.1));
        let mut port = PtpToPhc::new(
            phc.name(),
            phc.capabilities().max_adj,
            PhcToSystem::hardware_servo(),
            phc.frequency().expect("simulated"),
        );
        assert_eq!(port.servo().config().max_frequency, Ppb::from_ppm(100.0));
        assert_eq!(port.device(), "/dev/ptp2");
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut max, mut sum, mut count) = (0_i64, 0.0, 0);
        for tick in 1..=8 * 600 {
            phc.advance(interval);
            let true_offset = phc.phc().true_offset();
            if tick > 8 * 10 {
                max = max.max(true_offset.as_nanos().abs());
                sum += (true_offset.as_nanos() as f64).powi(2);
                count += 1;
            }
            // Hardware timestamps: 8 ns of noise on the measured offset.
            let measured = true_offset + noise::gaussian(&mut rng, Duration::from_nanos(8));
            let phc_time = phc.now().expect("simulated");
            let update = port.sample(measured, phc_time, interval);
            apply(&mut phc, &update.actions);
        }
        let rms = (sum / f64::from(count)).sqrt();
        println!("seed {seed}: PHC to master at 8 Hz: after 10 s, RMS {rms:.1} ns, max {max} ns");
        assert!(max < 100, "seed {seed}: max |offset| {max} ns");
        assert_eq!(phc.phc().steps().len(), 1, "seed {seed}: one step at start");
    }
}

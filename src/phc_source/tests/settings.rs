use super::device;
use crate::clock::phc::PhcDevice;
use crate::clock::{Clock, PhcClock, PhcError, SysOffsetStrategy};
use crate::config::{Protocol, SourceConfig};
use crate::phc_source::{
    PhcSamples, PhcSmoothing, PhcSourceError, PhcSourceSettings, PhcStrategyChoice,
    resolve_strategy,
};
use std::path::PathBuf;

#[test]
fn auto_picks_precise_then_extended_then_basic() {
    let cases = [
        (true, true, SysOffsetStrategy::Precise),
        (false, true, SysOffsetStrategy::Extended),
        (false, false, SysOffsetStrategy::Basic),
    ];
    for (cross, extended, expected) in cases {
        let phc = device("/dev/ptp1", cross, extended);
        let resolved = resolve_strategy(phc.name(), PhcStrategyChoice::Auto, |s| phc.supports(s));
        assert_eq!(resolved.expect("auto always resolves"), expected);
    }
}

#[test]
fn an_unsupported_request_names_the_device_and_what_it_supports() {
    let phc = device("/dev/ptp4", false, true);
    let error = resolve_strategy(phc.name(), PhcStrategyChoice::Precise, |s| phc.supports(s))
        .expect_err("no cross-timestamping");
    assert_eq!(
        error.to_string(),
        "/dev/ptp4: phc_offset_strategy `precise` is not supported by this device \
         (no hardware cross-timestamping) (supported: extended, basic)"
    );
    let old = device("/dev/ptp5", false, false);
    let error = resolve_strategy(old.name(), PhcStrategyChoice::Extended, |s| old.supports(s))
        .expect_err("no gettimex64");
    assert_eq!(
        error.to_string(),
        "/dev/ptp5: phc_offset_strategy `extended` is not supported by this device (supported: basic)"
    );
    let nothing = resolve_strategy("/dev/ptp6", PhcStrategyChoice::Auto, |_| false)
        .expect_err("nothing supported");
    assert!(
        nothing
            .to_string()
            .ends_with("`auto` is not supported by this device (supported: none)"),
        "{nothing}"
    );
    for (choice, expected) in [
        (PhcStrategyChoice::Basic, SysOffsetStrategy::Basic),
        (PhcStrategyChoice::Extended, SysOffsetStrategy::Extended),
    ] {
        assert_eq!(
            resolve_strategy("/dev/ptp4", choice, |s| phc.supports(s)).expect("supported"),
            expected
        );
    }
}

#[test]
fn settings_come_from_a_phc_entry_with_defaults() {
    let mut entry = SourceConfig::new(Protocol::Phc);
    assert!(matches!(
        PhcSourceSettings::from_config(&entry),
        Err(PhcSourceError::NoDevice)
    ));
    entry.device = Some(PathBuf::from("/dev/ptp2"));
    let settings = PhcSourceSettings::from_config(&entry).expect("phc entry");
    assert_eq!(settings.strategy, PhcStrategyChoice::Auto);
    assert_eq!(settings.samples, PhcSamples::DEFAULT);
    assert_eq!(settings.smoothing, PhcSmoothing::MinDelay);
    entry.phc_samples = PhcSamples::new(3);
    assert_eq!(
        PhcSourceSettings::from_config(&entry)
            .expect("phc")
            .samples
            .get(),
        3
    );
    assert_eq!(PhcSamples::new(0), None);
    assert_eq!(PhcSamples::new(26), None);
    let mut ntp = SourceConfig::new(Protocol::Ntp);
    ntp.ip = Some("10.0.0.1".to_owned());
    let error = PhcSourceSettings::from_config(&ntp).expect_err("not phc");
    assert_eq!(
        error.to_string(),
        "source `ntp 10.0.0.1` is not a phc source"
    );
}

#[test]
fn a_missing_device_path_is_named() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("ptp9");
    let mut entry = SourceConfig::new(Protocol::Phc);
    entry.device = Some(path.clone());
    let settings = PhcSourceSettings::from_config(&entry).expect("phc entry");
    let error: PhcSourceError = PhcClock::open_read_only(&settings.device)
        .expect_err("no such device")
        .into();
    assert!(
        matches!(error, PhcSourceError::Device(PhcError::Missing { .. })),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("{}: no such PTP hardware clock", path.display())
    );
}

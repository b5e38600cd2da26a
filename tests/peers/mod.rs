//! Real-peer tests: chronyd, ntpdig and sntp against shiwa, in network namespaces the tests
//! create (see `lab`). They need root, `ip`, and the peers; under `CI=true` a missing one fails
//! the test with the reason (`support::require`).

pub mod lab;
mod ntp;
mod ptp;
pub mod ptp_conf;
mod ptp_failover;
pub mod ptp_lab;
mod ptp_shiwa;
mod ptp_shiwa_master;
pub mod shiwa_daemon;

use crate::support::{have_tool, is_root, require};

/// True when the real-peer tests can run here: root and every peer tool present.
pub fn peers_available(tools: &[&str]) -> bool {
    if !require(is_root(), "root (network namespaces for real-peer tests)") {
        return false;
    }
    for tool in tools {
        let found = have_tool(tool) || std::path::Path::new("/usr/sbin").join(tool).is_file();
        if !require(found, &format!("{tool} (install with: bash ci/setup.sh)")) {
            return false;
        }
    }
    true
}

/// The answer with the smallest synchronisation distance out of several `ntpdig -j` runs.
pub struct NtpdigBest {
    /// ntpdig's offset (server − local, seconds) of that answer.
    pub offset: f64,
    /// Its synchronisation distance (`precision` in ntpdig's JSON: half the round trip plus
    /// dispersion), NTP's bound on how far the measured offset can be from the true one.
    pub distance: f64,
    /// Every run's JSON, for messages.
    pub answers: Vec<serde_json::Value>,
}

impl NtpdigBest {
    /// Asserts what NTP itself guarantees when client and server share one clock (the true
    /// offset is 0): the measured offset lies within the synchronisation distance, plus
    /// `stamping_error` for the server's own timestamps. ntpdig stamps T1 and T4 in Python, so
    /// on a busy machine its T4 comes late and the offset reads about −delay/2; a server whose
    /// receive or transmit stamps were wrong by more than the round trip fails this. The
    /// distance itself must stay under `max_distance`, or the check would say nothing.
    pub fn assert_true_offset_zero(&self, peer: &str, stamping_error: f64, max_distance: f64) {
        let Self {
            offset,
            distance,
            answers,
        } = self;
        assert!(
            *distance < max_distance,
            "ntpdig's best synchronisation distance to {peer} is {distance} s (limit {max_distance} s): {answers:?}"
        );
        assert!(
            offset.abs() <= distance + stamping_error,
            "ntpdig measured {offset} s from {peer}, outside its synchronisation distance {distance} s \
             + {stamping_error} s, though both share one clock: {answers:?}"
        );
    }
}

/// Runs `ntpdig -j SERVER` `runs` times from the lab's client namespace and keeps the answer with
/// the smallest synchronisation distance, as NTP's clock filter keeps its minimum-delay sample.
pub fn ntpdig_min_delay(lab: &lab::Lab, server: &str, runs: usize) -> NtpdigBest {
    let client = lab.client().to_string();
    let answers: Vec<serde_json::Value> = (0..runs)
        .map(|_| {
            let output = lab.run_in(&client, &["ntpdig", "-j", "-t", "2", server]);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "ntpdig {server} failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            serde_json::from_str(stdout.trim())
                .unwrap_or_else(|err| panic!("ntpdig printed `{stdout}`: {err}"))
        })
        .collect();
    let number = |json: &serde_json::Value, key: &str| {
        json[key]
            .as_f64()
            .unwrap_or_else(|| panic!("no {key} in {json}"))
    };
    let best = answers
        .iter()
        .min_by(|a, b| number(a, "precision").total_cmp(&number(b, "precision")))
        .expect("at least one ntpdig run");
    NtpdigBest {
        offset: number(best, "offset"),
        distance: number(best, "precision"),
        answers: answers.clone(),
    }
}

#[test]
fn the_lab_runs_chronyd_and_ntpdig_measures_it_in_microseconds() {
    if !peers_available(&["ip", "chronyd", "chronyc", "ntpdig", "setpriv"]) {
        return;
    }
    let lab = lab::Lab::with_chronyd_server();
    // chronyd stamps its basic-mode transmit time in user space: a few µs of its own error.
    ntpdig_min_delay(&lab, "10.99.1.1", 7).assert_true_offset_zero("chronyd", 20e-6, 2e-3);
}

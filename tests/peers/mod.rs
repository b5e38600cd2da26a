//! Real-peer tests: chronyd, ntpdig and sntp against shiwa, in network namespaces the tests
//! create (see `lab`). They need root, `ip`, and the peers; under `CI=true` a missing one fails
//! the test with the reason (`support::require`).

pub mod lab;
mod ntp;

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

/// ntpdig's JSON output for one server: `{"offset": seconds, "delay": ..., ...}`; offset is
/// ntpdig's sign (server − local).
pub fn ntpdig_offset(json_line: &str) -> f64 {
    let value: serde_json::Value = serde_json::from_str(json_line.trim())
        .unwrap_or_else(|err| panic!("ntpdig printed `{json_line}`: {err}"));
    value["offset"]
        .as_f64()
        .unwrap_or_else(|| panic!("no offset in ntpdig output `{json_line}`"))
}

#[test]
fn the_lab_runs_chronyd_and_ntpdig_measures_it_in_microseconds() {
    if !peers_available(&["ip", "chronyd", "chronyc", "ntpdig", "setpriv"]) {
        return;
    }
    let mut lab = lab::Lab::new();
    let n = lab.add_server();
    lab.start_chronyd_server(n, None, &[]);
    let client = lab.client().to_string();
    // The first exchange pays for ARP and cold caches: take the median of several runs.
    let mut offsets: Vec<f64> = (0..7)
        .map(|_| {
            let output = lab.run_in(&client, &["ntpdig", "-j", "-t", "2", "10.99.1.1"]);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "ntpdig failed: {stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            );
            ntpdig_offset(stdout.lines().next().unwrap_or_default())
        })
        .collect();
    offsets.sort_by(f64::total_cmp);
    let median = offsets[offsets.len() / 2];
    assert!(
        median.abs() < 100e-6,
        "ntpdig measured a median of {median} s against chronyd over veth ({offsets:?}); \
         the true offset is 0"
    );
}

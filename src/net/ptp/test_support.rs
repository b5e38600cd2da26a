//! Test helpers: the root/CI rule, the RX-stamping anchor, and a throwaway network namespace
//! with a veth pair.
//!
//! The namespace is created with `unshare(CLONE_NEWNET)` on a dedicated thread, so it belongs
//! to that thread only (the test process and the machine's interfaces are untouched) and has
//! no name in `/run/netns`. The kernel destroys it, and the veth pair in it, when the thread
//! has ended and the last socket opened in it is closed — even when the test panics or the
//! process is killed, so nothing can be left behind. A [`VethPair`] guard additionally deletes
//! the link as soon as the test body returns or unwinds.
#![expect(
    clippy::disallowed_methods,
    reason = "tests compare kernel timestamps with CLOCK_REALTIME and wait for the kernel"
)]

use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Generous bound for anything that should happen at once on loopback or a veth pair.
pub(super) const PROMPT: Duration = Duration::from_secs(2);

/// `CLOCK_REALTIME` now.
pub(super) fn now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_nanos(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
}

/// True under `CI=true` (or `CI=1`), where a missing prerequisite is a failure.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// Whether a test needing root can run: true as root; otherwise it panics under CI and
/// prints a loud notice (the caller returns early) outside it.
#[must_use]
pub(super) fn running_as_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    let what = format!("{test} needs root (network namespace, veth pair, AF_PACKET)");
    assert!(!in_ci(), "prerequisite missing under CI=true: {what}");
    eprintln!("\n*** SKIPPED (not under CI): prerequisite missing: {what} ***\n");
    false
}

/// The net tests' RX-stamping anchor (see there), shared so both test suites use one.
pub(super) use crate::net::tests::ensure_rx_stamping_is_on;

/// Runs `command` with `args`, panicking with its output when it fails.
fn run(command: &str, args: &[&str]) {
    let output = Command::new(command).args(args).output();
    match output {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "{command} {}: {}: {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!("{command} {}: {error}", args.join(" ")),
    }
}

/// A veth pair, both ends up, in the current thread's network namespace; deleted on drop.
#[derive(Debug)]
pub(super) struct VethPair {
    /// One end.
    pub a: String,
    /// The other end.
    pub b: String,
}

impl VethPair {
    /// Creates a pair named after the process id and a per-process counter (at most 15
    /// bytes, so unique even outside a namespace).
    fn create() -> VethPair {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let serial = NEXT.fetch_add(1, Ordering::Relaxed) % 100;
        let stem = format!("sp{}x{serial}", std::process::id());
        let pair = VethPair {
            a: format!("{stem}a"),
            b: format!("{stem}b"),
        };
        run(
            "ip",
            &[
                "link", "add", &pair.a, "type", "veth", "peer", "name", &pair.b,
            ],
        );
        run("ip", &["link", "set", &pair.a, "up"]);
        run("ip", &["link", "set", &pair.b, "up"]);
        run("ip", &["link", "set", "lo", "up"]);
        pair
    }

    /// Gives end `a` 10.99.0.1/24 and end `b` 10.99.0.2/24, and lets `b` accept packets whose
    /// source is an address of its own namespace (`accept_local`, no reverse-path filter):
    /// both ends live in one namespace, so what `a` sends arrives at `b` from a local
    /// address. Returns `a`'s address. Only the test's own namespace is changed.
    pub(super) fn add_ipv4_addresses(&self) -> Ipv4Addr {
        run("ip", &["addr", "add", "10.99.0.1/24", "dev", &self.a]);
        run("ip", &["addr", "add", "10.99.0.2/24", "dev", &self.b]);
        let b = &self.b;
        run(
            "sysctl",
            &[
                "-q",
                "-w",
                "net.ipv4.conf.all.rp_filter=0",
                &format!("net.ipv4.conf.{b}.rp_filter=0"),
                &format!("net.ipv4.conf.{b}.accept_local=1"),
            ],
        );
        Ipv4Addr::new(10, 99, 0, 1)
    }
}

impl Drop for VethPair {
    fn drop(&mut self) {
        // Deleting one end deletes both. Errors are ignored: the namespace's end removes
        // the pair anyway.
        let _status = Command::new("ip").args(["link", "del", &self.a]).output();
    }
}

/// Runs `test` on a fresh thread inside a new, unnamed network namespace holding a veth pair
/// (see the module docs), with a current-thread Tokio runtime, so every socket the test opens
/// lives in that namespace. A panic in `test` is re-raised in the caller.
pub(super) fn in_namespace_with_veth<F>(test: F)
where
    F: AsyncFnOnce(&VethPair) + Send,
{
    ensure_rx_stamping_is_on();
    std::thread::scope(|scope| {
        let joined = scope
            .spawn(|| {
                if let Err(errno) = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET) {
                    panic!("unshare(CLONE_NEWNET): {errno}");
                }
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                let runtime = match runtime {
                    Ok(runtime) => runtime,
                    Err(error) => panic!("Tokio runtime: {error}"),
                };
                let veth = VethPair::create();
                runtime.block_on(test(&veth));
            })
            .join();
        if let Err(panic) = joined {
            std::panic::resume_unwind(panic);
        }
    });
}

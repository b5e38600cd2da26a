use super::*;
use crate::observe::snapshot::tests::example;
use std::path::Path;

/// A datagram socket standing in for systemd's, with a receive timeout so a test cannot hang.
fn listener(path: &Path) -> UnixDatagram {
    let socket = UnixDatagram::bind(path).expect("bind the notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    socket
}

fn receive(socket: &UnixDatagram) -> String {
    let mut buffer = [0_u8; 4096];
    let len = socket.recv(&mut buffer).expect("a notification");
    String::from_utf8_lossy(&buffer[..len]).into_owned()
}

#[test]
fn ready_watchdog_and_status_reach_the_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notify");
    let socket = listener(&path);
    let notifier = Notifier::to_socket(&path, None);
    assert!(notifier.is_enabled());
    notifier.ready("3 sources started").expect("ready");
    assert_eq!(receive(&socket), "READY=1\nSTATUS=3 sources started\n");
    notifier.watchdog().expect("watchdog");
    assert_eq!(receive(&socket), "WATCHDOG=1\n");
    notifier.status("locked").expect("status");
    assert_eq!(receive(&socket), "STATUS=locked\n");
    notifier.stopping().expect("stopping");
    assert_eq!(receive(&socket), "STOPPING=1\n");
    notifier.reloading().expect("reloading");
    let reloading = receive(&socket);
    assert!(
        reloading.starts_with("RELOADING=1\nMONOTONIC_USEC=") && reloading.ends_with('\n'),
        "{reloading:?}"
    );
}

#[test]
fn a_newline_in_status_text_cannot_inject_assignments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notify");
    let socket = listener(&path);
    Notifier::to_socket(&path, None)
        .status("source x\nREADY=1")
        .expect("status");
    assert_eq!(receive(&socket), "STATUS=source x READY=1\n");
}

#[test]
fn abstract_sockets_are_supported() {
    use std::os::linux::net::SocketAddrExt;
    let name = format!("shiwa-notify-test-{}", std::process::id());
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
        .expect("abstract address");
    let socket = UnixDatagram::bind_addr(&address).expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    Notifier::to_socket(format!("@{name}"), None)
        .watchdog()
        .expect("watchdog");
    assert_eq!(receive(&socket), "WATCHDOG=1\n");
}

#[test]
fn disabled_does_nothing_and_has_no_watchdog() {
    let notifier = Notifier::disabled();
    assert!(!notifier.is_enabled());
    notifier.ready("ready").expect("no-op");
    notifier.reloading().expect("no-op");
    assert_eq!(notifier.watchdog_interval(), None);
}

#[test]
fn watchdog_pings_at_half_the_timeout() {
    let notifier = Notifier::to_socket("/nonexistent", Some(Duration::from_secs(30)));
    assert_eq!(notifier.watchdog_interval(), Some(Duration::from_secs(15)));
}

#[test]
fn a_missing_socket_is_an_error_naming_it() {
    let err = Notifier::to_socket("/nonexistent-shiwa/notify", None)
        .watchdog()
        .expect_err("nobody listens");
    assert!(
        err.to_string().contains("/nonexistent-shiwa/notify"),
        "{err}"
    );
}

#[test]
fn clock_status_names_state_source_offset_and_frequency() {
    let mut clock = example().clock;
    assert_eq!(
        clock_status(&clock),
        "locked, source ntp 10.99.1.1 (primary), offset -1.234µs, frequency +12.500ppm"
    );
    clock.adjust_clock = false;
    clock.selected_source = None;
    clock.offset = None;
    clock.state = crate::observe::ClockState::Monitoring;
    assert_eq!(
        clock_status(&clock),
        "monitoring, frequency +12.500ppm, monitor only"
    );
}

/// Set by the parent test for the child process it starts.
const CHILD_MARKER: &str = "SHIWA_NOTIFY_TEST_CHILD";

#[test]
fn from_env_reads_notify_socket_and_watchdog_in_a_child_process() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notify");
    let socket = listener(&path);
    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "--ignored", "--test-threads=1"])
        .arg("systemd::notify::tests::child_notifies_from_its_environment")
        .env(CHILD_MARKER, "1")
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "20000000")
        .env_remove("WATCHDOG_PID")
        .output()
        .expect("run the child");
    assert!(
        output.status.success(),
        "child failed:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(receive(&socket), "READY=1\nSTATUS=watchdog every 10s\n");
}

/// Runs only as the child of the test above (with NOTIFY_SOCKET set by it); a no-op otherwise.
#[test]
#[ignore = "run as a child process by from_env_reads_notify_socket_and_watchdog_in_a_child_process"]
fn child_notifies_from_its_environment() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    let notifier = Notifier::from_env();
    let interval = notifier
        .watchdog_interval()
        .expect("watchdog from WATCHDOG_USEC");
    notifier
        .ready(&format!("watchdog every {}s", interval.as_secs()))
        .expect("notify");
}

//! A network lab for real-peer tests: one client namespace joined by veth pairs to any number
//! of server namespaces (`10.99.N.1` server, `10.99.N.2` client, N = 1, 2, ...), and the peer
//! daemons started inside them without CAP_SYS_TIME. Everything is removed on drop: daemons
//! by the `Child` handles we own (so a reused PID is never hit), then only the namespaces this
//! lab created.
//!
//! All namespaces share one CLOCK_REALTIME, so the true offset between any two is exactly 0
//! and every offset measured is measurement error (../shared/PEERS.md).

#![allow(dead_code, reason = "helpers shared by several peer tests")]

use shiwa::clock::{KernelStatus, SystemClock};
use shiwa::time::{Duration as Nanos, Ppb};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

static LAB_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// One lab at a time: the peers measure microseconds, and six labs' daemons competing for two
/// cores turn scheduling delays into offsets.
static ONE_LAB_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs a command and panics with its output when it fails (lab set-up must not half-work).
pub fn run(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {program}: {err}"));
    assert!(
        output.status.success(),
        "{program} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The lab: namespaces, links and the daemons running in them.
pub struct Lab {
    prefix: String,
    client: String,
    servers: Vec<String>,
    others: Vec<String>,
    daemons: Vec<(String, Child)>,
    dir: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Lab {
    /// A client namespace with loopback up. Needs root and `ip`.
    pub fn new() -> Lab {
        let turn = ONE_LAB_AT_A_TIME
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let prefix = format!(
            "shw{}x{}",
            std::process::id(),
            LAB_COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let client = format!("{prefix}c");
        run("ip", &["netns", "add", &client]);
        run("ip", &["-n", &client, "link", "set", "lo", "up"]);
        let dir = tempfile::Builder::new()
            .prefix("shiwa-lab")
            .tempdir()
            .expect("a temporary directory for the lab");
        set_mode(dir.path(), 0o700);
        Lab {
            prefix,
            client,
            servers: Vec::new(),
            others: Vec::new(),
            daemons: Vec::new(),
            dir,
            _turn: turn,
        }
    }

    /// A lab with one server namespace (`10.99.1.1`) running chronyd as an NTP server.
    pub fn with_chronyd_server() -> Lab {
        let mut lab = Lab::new();
        let n = lab.add_server();
        lab.start_chronyd_server(n, None, &[]);
        lab
    }

    /// Adds a server namespace linked to the client; returns its number N (server address
    /// `10.99.N.1`, client address on that link `10.99.N.2`).
    pub fn add_server(&mut self) -> usize {
        let n = self.servers.len() + 1;
        let server = format!("{}s{n}", self.prefix);
        let (server_end, client_end) = self.link_names(n);
        run("ip", &["netns", "add", &server]);
        self.servers.push(server.clone());
        run(
            "ip",
            &[
                "link",
                "add",
                &server_end,
                "type",
                "veth",
                "peer",
                "name",
                &client_end,
            ],
        );
        run("ip", &["link", "set", &server_end, "netns", &server]);
        run("ip", &["link", "set", &client_end, "netns", &self.client]);
        for (ns, dev, addr) in [
            (&server, &server_end, format!("10.99.{n}.1/24")),
            (&self.client, &client_end, format!("10.99.{n}.2/24")),
        ] {
            run("ip", &["-n", ns, "addr", "add", &addr, "dev", dev]);
            run("ip", &["-n", ns, "link", "set", "lo", "up"]);
            run("ip", &["-n", ns, "link", "set", dev, "up"]);
        }
        n
    }

    /// The veth ends of link N: (in server namespace N, in the client namespace).
    pub fn link_names(&self, n: usize) -> (String, String) {
        (
            format!("{}v{n}s", self.prefix),
            format!("{}v{n}c", self.prefix),
        )
    }

    /// Adds a namespace `<prefix><suffix>` with loopback up and nothing else, for labs that
    /// lay out their own links (`ptp_lab`); it is deleted with the lab. Returns its name.
    pub fn add_namespace(&mut self, suffix: &str) -> String {
        let namespace = format!("{}{suffix}", self.prefix);
        run("ip", &["netns", "add", &namespace]);
        self.others.push(namespace.clone());
        run("ip", &["-n", &namespace, "link", "set", "lo", "up"]);
        namespace
    }

    /// The client namespace's name.
    pub fn client(&self) -> &str {
        &self.client
    }

    /// Server namespace N's name.
    pub fn server(&self, n: usize) -> &str {
        &self.servers[n - 1]
    }

    /// A private directory for configs, sockets and logs (mode 0700, removed on drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The command line that runs `argv` inside `namespace` without CAP_SYS_TIME.
    pub fn command_in(namespace: &str, argv: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command
            .args([
                "netns",
                "exec",
                namespace,
                "setpriv",
                "--bounding-set=-sys_time",
            ])
            .args(argv);
        command
    }

    /// Runs `argv` in `namespace` to completion, without CAP_SYS_TIME.
    pub fn run_in(&self, namespace: &str, argv: &[&str]) -> Output {
        Lab::command_in(namespace, argv)
            .output()
            .unwrap_or_else(|err| panic!("cannot run {argv:?} in {namespace}: {err}"))
    }

    /// Starts a daemon in `namespace`; its output goes to `DIR/<name>.log`. It is killed
    /// when the lab is dropped.
    pub fn spawn_in(&mut self, name: &str, namespace: &str, argv: &[&str]) -> PathBuf {
        let log = self.dir().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("daemon log file");
        let child = Lab::command_in(namespace, argv)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file handle"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {name} ({argv:?}): {err}"));
        self.daemons.push((name.to_string(), child));
        log
    }

    /// Panics with the daemon's log when it has exited.
    pub fn assert_running(&mut self, name: &str) {
        let dir = self.dir().to_path_buf();
        for (daemon, child) in &mut self.daemons {
            if daemon == name
                && let Ok(Some(status)) = child.try_wait()
            {
                let log =
                    std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
                panic!("{name} exited ({status}):\n{log}");
            }
        }
    }

    /// Stops one daemon now (SIGTERM, then SIGKILL after 5 s) and returns its exit status.
    pub fn stop(&mut self, name: &str) -> Option<std::process::ExitStatus> {
        let index = self.daemons.iter().position(|(daemon, _)| daemon == name)?;
        let (_, mut child) = self.daemons.remove(index);
        terminate(&mut child)
    }

    /// Starts chronyd as an NTP server in server namespace N (`local stratum 1`), optionally
    /// under libfaketime serving a shifted time (`faketime -f "+0.05"`), with extra config
    /// lines. Returns once it answers `chronyc tracking` on its command socket.
    pub fn start_chronyd_server(&mut self, n: usize, faketime: Option<&str>, extra: &[&str]) {
        let dir = self.dir().join(format!("chronyd{n}"));
        std::fs::create_dir(&dir).expect("chronyd directory");
        set_mode(&dir, 0o700);
        let socket = dir.join("chronyd.sock");
        let mut conf = format!(
            "local stratum 1\nallow 10.99.0.0/16\nbindaddress 10.99.{n}.1\nport 123\ncmdport 0\n\
             bindcmdaddress {}\npidfile {}\n",
            socket.display(),
            dir.join("chronyd.pid").display()
        );
        for line in extra {
            conf.push_str(line);
            conf.push('\n');
        }
        let conf_path = dir.join("chrony.conf");
        std::fs::write(&conf_path, conf).expect("chrony.conf");
        let conf_arg = conf_path.display().to_string();
        // libfaketime preloaded through `env` (which execs), not the `faketime` wrapper (which
        // forks): the child we hold must be chronyd itself, or it would outlive the lab.
        let preload;
        let shift_env;
        let mut argv = Vec::new();
        if let Some(shift) = faketime {
            preload = format!("LD_PRELOAD={}", libfaketime().display());
            shift_env = format!("FAKETIME={shift}");
            argv.extend(["env", preload.as_str(), shift_env.as_str()]);
        }
        argv.extend([
            "/usr/sbin/chronyd",
            "-x",
            "-d",
            "-u",
            "root",
            "-f",
            &conf_arg,
        ]);
        let server = self.server(n).to_string();
        let name = format!("chronyd{n}");
        self.spawn_in(&name, &server, &argv);
        let socket_arg = socket.display().to_string();
        for _ in 0..100 {
            self.assert_running(&name);
            let probe = Command::new("chronyc")
                .args(["-h", &socket_arg, "-n", "tracking"])
                .output();
            if probe.is_ok_and(|out| out.status.success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("chronyd{n} did not answer on {socket_arg} within 5 s");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for (_, child) in &mut self.daemons {
            terminate(child);
        }
        for namespace in self
            .servers
            .iter()
            .chain(&self.others)
            .chain([&self.client])
        {
            let _ = Command::new("ip")
                .args(["netns", "del", namespace])
                .status();
        }
    }
}

/// SIGTERM, wait up to 5 s, then SIGKILL. The child is ours and not yet reaped, so its PID
/// cannot have been reused.
fn terminate(child: &mut Child) -> Option<std::process::ExitStatus> {
    if let Ok(Some(status)) = child.try_wait() {
        return Some(status);
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    for _ in 0..100 {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait().ok()
}

/// Debian's libfaketime (package `faketime`), under the multiarch library directory.
pub fn libfaketime() -> PathBuf {
    std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("faketime/libfaketime.so.1"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"))
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The parts of the kernel clock state that any write would change, read with modes = 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockState {
    /// Frequency correction.
    pub frequency: Ppb,
    /// PLL offset still being slewed.
    pub offset: Nanos,
    /// Status bits.
    pub status: KernelStatus,
    /// Tick length.
    pub tick: Nanos,
    /// TAI − UTC.
    pub tai_offset: i32,
}

/// Reads the kernel clock state (`clock_adjtime` with modes = 0: a read).
pub fn read_clock_state() -> ClockState {
    let state = SystemClock::kernel_state().expect("clock_adjtime(CLOCK_REALTIME, modes = 0)");
    ClockState {
        frequency: state.frequency,
        offset: state.offset,
        status: state.status,
        tick: state.tick,
        tai_offset: state.tai_offset,
    }
}

/// Runs `body` and asserts that the kernel clock state is the same afterwards.
pub fn without_touching_the_clock(body: impl FnOnce()) {
    let before = read_clock_state();
    body();
    assert_eq!(
        before,
        read_clock_state(),
        "the kernel clock state changed during the test"
    );
}

//! The SSH shell against the real OpenSSH client (`ssh`, `sshpass`, `ssh-keygen`,
//! `ssh-keyscan`): a `shiwa sync --monitor` on loopback, and `shiwa cli-ssh` (standalone over
//! its socket) or the in-process shell, each on an ephemeral test port.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

mod exec;
mod interactive;
mod lifecycle;

use crate::support::{have_tool, require, shiwa, shiwa_path};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The user the test configs let in.
const USER: &str = "admin";
/// Its password (stored hashed, except where a test says otherwise).
const PASSWORD: &str = "correct horse battery";

/// True when the OpenSSH client tools are here (fails under CI=true otherwise).
fn have_clients() -> bool {
    ["ssh", "sshpass", "ssh-keygen", "ssh-keyscan"]
        .iter()
        .all(|tool| {
            require(
                have_tool(tool),
                &format!("`{tool}` on PATH (apt-get install openssh-client sshpass)"),
            )
        })
}

/// A lab with `shiwa sync` and a standalone `shiwa cli-ssh` on a free port, the setup most tests
/// start from. Bind its fields in this order so the shell stops before the daemon.
struct Standalone {
    lab: Lab,
    sync: Proc,
    port: u16,
    cli: Proc,
}

impl Standalone {
    /// `None` when the OpenSSH client tools are missing (which fails under CI=true).
    fn start() -> Option<Standalone> {
        if !have_clients() {
            return None;
        }
        let lab = Lab::new("");
        let sync = lab.sync();
        let port = free_tcp_port();
        let cli = lab.cli_ssh(port);
        Some(Standalone {
            lab,
            sync,
            port,
            cli,
        })
    }
}

/// A free TCP port on 127.0.0.1 (bound and released).
fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("an ephemeral port")
        .port()
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("an ephemeral port")
        .port()
}

/// A temp dir with a client key pair, an authorised keys file and a config.
struct Lab {
    dir: tempfile::TempDir,
    key: PathBuf,
    config: PathBuf,
    socket: PathBuf,
}

impl Lab {
    /// Password stored as an argon2 hash (made by `shiwa cli-ssh --hash-password`), the key
    /// authorised; `cli_extra` lines go under `timebeat.cli`.
    fn new(cli_extra: &str) -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("id_ed25519");
        keygen(&key);
        let keys = dir.path().join("authorized_keys");
        std::fs::copy(key.with_extension("pub"), &keys).expect("authorized_keys");
        let hash = hash_password(PASSWORD);
        let config = dir.path().join("shiwa.yml");
        let text = format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    local_stratum: 3\n    \
             primary_clocks:\n      - protocol: ntp\n        server_only: true\n        \
             ip: 127.0.0.1:{}\n  cli:\n    username: {USER}\n    password_hash: '{hash}'\n    \
             authorised_keys: {}\n{cli_extra}",
            free_udp_port(),
            keys.display()
        );
        write_private(&config, &text);
        let socket = dir.path().join("shiwa.sock");
        Lab {
            dir,
            key,
            config,
            socket,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `shiwa sync --monitor` on this lab's socket.
    fn sync(&self) -> Proc {
        let log = self.path("sync.log");
        let mut command = Command::new(shiwa_path());
        command
            .args(["sync", "--monitor", "--config"])
            .arg(&self.config)
            .arg("--socket")
            .arg(&self.socket);
        let mut proc = Proc::spawn(command, log);
        proc.wait_until("the socket", || self.socket.exists());
        proc
    }

    /// `shiwa cli-ssh` on `port`, host key in this lab's state directory.
    fn cli_ssh(&self, port: u16) -> Proc {
        let mut command = Command::new(shiwa_path());
        command
            .args(["cli-ssh", "--config"])
            .arg(&self.config)
            .arg("--socket")
            .arg(&self.socket)
            .args(["--bind", &format!("127.0.0.1:{port}"), "--state-dir"])
            .arg(self.path("state"));
        let mut proc = Proc::spawn(command, self.path(&format!("cli-ssh-{port}.log")));
        proc.wait_until("the SSH port", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        proc
    }

    /// `ssh -i KEY -p PORT admin@127.0.0.1 COMMAND`.
    fn ssh_key(&self, port: u16, command: &str) -> Output {
        self.ssh_key_with(port, &self.key, command)
    }

    fn ssh_key_with(&self, port: u16, key: &Path, command: &str) -> Output {
        let mut ssh = ssh_command(port);
        ssh.args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o"])
            .arg("PreferredAuthentications=publickey")
            .arg("-i")
            .arg(key)
            .arg(format!("{USER}@127.0.0.1"));
        if !command.is_empty() {
            ssh.arg(command);
        }
        ssh.stdin(Stdio::null()).output().expect("run ssh")
    }
}

/// `sshpass -p PASSWORD ssh ... admin@127.0.0.1 COMMAND` (password only).
fn ssh_password(port: u16, password: &str, command: &str) -> Output {
    let mut sshpass = Command::new("sshpass");
    sshpass.args(["-p", password, "ssh"]);
    sshpass.args(ssh_options(port));
    sshpass
        .args(["-o", "PreferredAuthentications=password"])
        .args(["-o", "PubkeyAuthentication=no"])
        .args(["-o", "NumberOfPasswordPrompts=1"])
        .arg(format!("{USER}@127.0.0.1"))
        .arg(command)
        .stdin(Stdio::null())
        .output()
        .expect("run sshpass")
}

fn ssh_options(port: u16) -> Vec<String> {
    [
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=10",
        "-p",
    ]
    .iter()
    .map(ToString::to_string)
    .chain([port.to_string()])
    .collect()
}

fn ssh_command(port: u16) -> Command {
    let mut ssh = Command::new("ssh");
    ssh.args(ssh_options(port));
    ssh
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "shiwa-test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen");
    assert!(status.success(), "ssh-keygen failed");
}

fn hash_password(password: &str) -> String {
    let output = shiwa()
        .args(["cli-ssh", "--hash-password"])
        .write_stdin(format!("{password}\n"))
        .output()
        .expect("shiwa cli-ssh --hash-password");
    assert!(output.status.success(), "{output:?}");
    let hash = String::from_utf8(output.stdout).expect("utf-8");
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    hash.trim().to_string()
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A child process logging to a file, killed on drop.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(mut command: Command, log: PathBuf) -> Proc {
        let file = std::fs::File::create(&log).expect("log file");
        command
            .env_remove("SHIWA_CONFIG")
            .env_remove("SHIWA_SOCKET")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file);
        let child = command.spawn().expect("start shiwa");
        Proc { child, log }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_until(&mut self, what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !done() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "exited ({status}) before {what} was ready:\n{}",
                    self.logs()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {what} after 15 s:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then waits for the exit.
    fn stop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() {
            assert!(Instant::now() < deadline, "did not stop:\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An interactive `ssh -tt` session fed through a pipe; its output is collected by a thread.
struct Session {
    child: Child,
    input: std::process::ChildStdin,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Session {
    fn open(lab: &Lab, port: u16) -> Session {
        let mut child = ssh_command(port)
            .args([
                "-tt",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-i",
            ])
            .arg(&lab.key)
            .arg(format!("{USER}@127.0.0.1"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh -tt");
        let input = child.stdin.take().expect("stdin");
        let mut out = child.stdout.take().expect("stdout");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&output);
        let reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = out.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("output").extend_from_slice(&buffer[..n]);
            }
        });
        Session {
            child,
            input,
            output,
            reader: Some(reader),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.input.write_all(bytes).expect("write to ssh");
        self.input.flush().expect("flush");
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("output")).into_owned()
    }

    /// Waits until the output holds `needle` `times` times.
    fn expect_count(&self, needle: &str, times: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.text().matches(needle).count() < times {
            assert!(
                Instant::now() < deadline,
                "{needle:?} not seen {times}x within {limit:?}; output so far:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn expect(&self, needle: &str) {
        self.expect_count(needle, 1, Duration::from_secs(15));
    }

    /// Waits for ssh to exit; returns its status code.
    fn wait(mut self) -> (Option<i32>, String) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                return (status.code(), self.text());
            }
            assert!(
                Instant::now() < deadline,
                "ssh did not exit:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

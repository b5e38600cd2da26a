//! The dashboard in a real browser: Debian's headless `chromium`, driven over the DevTools
//! protocol. No WebSocket: `--remote-debugging-pipe` speaks NUL-separated JSON on fds 3 (in)
//! and 4 (out), which a shell maps onto the child's stdin and stdout. The test logs in through
//! the form, sees a node go stale, opens its page, finds the offset chart with its points and
//! saves a screenshot to `target/dashboard-screenshot.png`.

#![expect(
    clippy::disallowed_methods,
    reason = "the test waits for a real browser with real time"
)]

use super::dashboard::{PASSWORD, recent_report, start_hub_with};
use super::support::{have_curl, post};
use crate::support::{have_tool, repo_root, require};
use base64::Engine;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long one DevTools command or page load may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// A headless Chromium and its DevTools pipe; dropping it kills the browser's whole process
/// group and removes its temporary profile.
struct Chromium {
    child: Child,
    commands: ChildStdin,
    messages: Receiver<Value>,
    events: Vec<Value>,
    next_id: u64,
    session: Option<String>,
    log: std::path::PathBuf,
    profile: tempfile::TempDir,
}

impl Chromium {
    fn start() -> Chromium {
        let profile = tempfile::tempdir().expect("profile dir");
        let log = profile.path().with_extension("log");
        let script = "exec chromium --headless --no-sandbox --disable-gpu \
             --disable-background-networking --disable-dev-shm-usage --no-first-run \
             --remote-debugging-pipe --user-data-dir=\"$1\" about:blank \
             3<&0 4>&1 0</dev/null 1>/dev/null 2>\"$2\"";
        let mut child = Command::new("sh")
            .args(["-c", script, "sh"])
            .arg(profile.path())
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("spawn chromium");
        let commands = child.stdin.take().expect("stdin");
        let mut replies = child.stdout.take().expect("stdout");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut pending = Vec::new();
            let mut buffer = [0u8; 65_536];
            while let Ok(read @ 1..) = replies.read(&mut buffer) {
                pending.extend_from_slice(&buffer[..read]);
                while let Some(end) = pending.iter().position(|b| *b == 0) {
                    let message: Vec<u8> = pending.drain(..=end).collect();
                    let Ok(value) = serde_json::from_slice::<Value>(&message[..end]) else {
                        return;
                    };
                    if sender.send(value).is_err() {
                        return;
                    }
                }
            }
        });
        Chromium {
            child,
            commands,
            messages,
            events: Vec::new(),
            next_id: 0,
            session: None,
            log,
            profile,
        }
    }

    /// Sends `method` (to the attached page, once there is one) and waits for its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("json");
        bytes.push(0);
        self.commands.write_all(&bytes).expect("write to chromium");
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let message = self.next_message(deadline, method);
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    fn next_message(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("chromium: no answer to {waiting_for}"),
            Err(RecvTimeoutError::Disconnected) => {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("chromium exited while waiting for {waiting_for}:\n{log}")
            }
        }
    }

    /// Waits for the page's next `Page.loadEventFired` after `action` ran.
    fn load(&mut self, action: impl FnOnce(&mut Chromium)) {
        self.events.clear();
        action(self);
        let deadline = Instant::now() + STEP_TIMEOUT;
        while !self
            .events
            .iter()
            .any(|e| e["method"] == "Page.loadEventFired")
        {
            let message = self.next_message(deadline, "Page.loadEventFired");
            self.events.push(message);
        }
    }

    fn navigate(&mut self, url: &str) {
        self.load(|browser| {
            browser.call("Page.navigate", json!({"url": url}));
        });
    }

    /// Evaluates `expression` in the page; returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let params = json!({"expression": expression, "returnByValue": true});
        let result = self.call("Runtime.evaluate", params);
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Opens a page target and attaches to it.
    fn open_page(&mut self) {
        let target = self.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = self.call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        self.session = attached["sessionId"].as_str().map(str::to_string);
        assert!(self.session.is_some(), "{attached}");
        self.call("Page.enable", json!({}));
        let metrics =
            json!({"width": 1280, "height": 1024, "deviceScaleFactor": 1, "mobile": false});
        self.call("Emulation.setDeviceMetricsOverride", metrics);
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap_or(0));
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
        for _ in 0..100 {
            if nix::sys::signal::killpg(group, None).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_dir_all(self.profile.path());
    }
}

/// `document.querySelector(SELECTOR) !== null` in the page.
fn has(browser: &mut Chromium, selector: &str) -> bool {
    let expression = format!("document.querySelector({}) !== null", json!(selector));
    browser.eval(&expression) == json!(true)
}

#[test]
fn chromium_logs_in_sees_a_node_go_stale_and_its_chart() {
    if !have_curl() || !require(have_tool("chromium"), "chromium (apt-get install chromium)") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // The dead-man's switch sweeps every second; gm-1 declares a 10 s report interval and
    // goes stale after 2 intervals of silence.
    let hub = start_hub_with(
        dir.path(),
        "deadman:\n  stale_after: 2\n  down_after: 6\n  grace: 0s\n  sweep_interval: 1s\n",
    );
    let (key, _) = hub.add_node("gm-1");
    for n in 0..30u64 {
        let offset = (n as i64 - 15) * 400 + if n % 2 == 0 { 250 } else { -250 };
        let body = recent_report("gm-1", &format!("report-{n:06}"), 10 * (30 - n), offset)
            .replace("\"report_interval_s\":60", "\"report_interval_s\":10");
        assert!(body.contains("\"report_interval_s\":10"), "{body}");
        assert_eq!(
            post(&hub.url("/api/v1/report"), &key, &body, &hub.dir).0,
            201
        );
    }
    let last_report = std::time::Instant::now();

    let mut browser = Chromium::start();
    browser.open_page();
    browser.navigate(&hub.url("/login"));
    assert_eq!(browser.eval("document.title"), json!("Log in · shiwa hub"));
    let submit = format!(
        "document.querySelector('input[name=username]').value = 'admin';\
         document.querySelector('input[name=password]').value = {};\
         document.querySelector('form.login button').click(); true",
        json!(PASSWORD)
    );
    browser.load(|b| {
        b.eval(&submit);
    });
    assert_eq!(browser.eval("document.title"), json!("Fleet · shiwa hub"));
    assert!(
        last_report.elapsed() < std::time::Duration::from_secs(18),
        "the browser took too long to check the ok state before the node could go stale"
    );
    assert!(
        has(&mut browser, "#node-gm-1 td.state-ok"),
        "gm-1 is ok at first (the sweep made it ok on its first report)"
    );

    // Silence: the sweep marks it stale 20 s after its last report.
    let deadline = last_report + std::time::Duration::from_secs(45);
    loop {
        browser.navigate(&hub.url("/"));
        if has(&mut browser, "#node-gm-1 td.state-stale") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gm-1 never went stale"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert!(
        last_report.elapsed() >= std::time::Duration::from_secs(19),
        "stale only after 2 intervals of silence"
    );
    let stale = browser.eval("document.querySelector('#count-stale b').textContent");
    assert_eq!(stale, json!("1"));

    browser.navigate(&hub.url("/nodes/gm-1?period=1h"));
    assert_eq!(browser.eval("document.title"), json!("gm-1 · shiwa hub"));
    let points = browser.eval(
        "Array.from(document.querySelectorAll('svg.chart polyline'))\
         .map(p => p.points.numberOfItems)",
    );
    let counts: Vec<u64> = points
        .as_array()
        .expect("array")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(counts.len(), 2, "offset and frequency lines: {points}");
    assert!(
        counts.iter().all(|n| *n >= 20),
        "30 reports drawn: {counts:?}"
    );
    let width = browser.eval("document.querySelector('svg.chart').getBoundingClientRect().width");
    assert!(width.as_f64().unwrap_or(0.0) > 600.0, "laid out: {width}");

    let shot = browser.call("Page.captureScreenshot", json!({"format": "png"}));
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("data"))
        .expect("base64");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(
        png.len() > 20_000,
        "a real page, not a blank one: {} bytes",
        png.len()
    );
    let path = repo_root().join("target/dashboard-screenshot.png");
    std::fs::write(&path, &png).expect("write the screenshot");
    eprintln!("screenshot: {} ({} bytes)", path.display(), png.len());
}

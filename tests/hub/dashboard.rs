//! The hub's dashboard with curl: redirects to the login, the login (cookie flags, delay,
//! rate limit, CSRF), the management forms (a blocked node's pushes are refused), escaping.
//! The helpers are shared with the headless Chromium test (`chromium.rs`).

#![expect(
    clippy::disallowed_methods,
    reason = "tests time the login delay and stamp reports with the real time"
)]

use super::support::{ADMIN_KEY, Hub, curl, event, have_curl, post};
use crate::support::shiwa;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The dashboard password of every test hub.
pub const PASSWORD: &str = "correct horse battery staple";

/// `shiwa hub hash-password` of [`PASSWORD`], fed on stdin.
pub fn password_hash() -> String {
    let output = shiwa()
        .args(["hub", "hash-password"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let hash = String::from_utf8(output).expect("utf-8").trim().to_string();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    hash
}

/// A hub on SQLite in `dir` with the dashboard on (reloading every 5 s).
pub fn start_hub(dir: &Path) -> Hub {
    start_hub_with(dir, "")
}

/// [`start_hub`] with more `hub.yaml` lines.
pub fn start_hub_with(dir: &Path, more: &str) -> Hub {
    let url = format!("sqlite://{}/hub.db", dir.display());
    let extra = format!(
        "dashboard:\n  password_hash: '{}'\n  refresh: 5s\n  top_offsets: 3\n{more}",
        password_hash()
    );
    Hub::start(dir, &url, &extra)
}

/// The value of the first `name="csrf"` input of a page.
pub fn csrf(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf: {page}"))
        + marker.len();
    page[start..].split('"').next().expect("value").to_string()
}

/// A report from `node` sent `seconds_ago` before now (now by this machine's clock).
pub fn recent_report(node: &str, id: &str, seconds_ago: u64, offset_ns: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    let sent = time::OffsetDateTime::UNIX_EPOCH
        + time::Duration::seconds(i64::try_from(now.as_secs() - seconds_ago).expect("secs"));
    let sent = sent
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    serde_json::json!({
        "wire_version": 1, "node_id": node, "report_id": id, "sent_at": sent,
        "report_interval_s": 60,
        "clock": {"state": "locked", "synchronized": true, "adjust_clock": false,
                  "frequency_ppb": 2.5 + offset_ns as f64 / 1000.0, "offset_ns": offset_ns,
                  "path_delay_ns": 20000, "steps": 0, "state_since": sent},
        "sources": [],
        "host": {"hostname": format!("{node}.example"), "os": "Debian", "shiwa_version": "0.1.0"}
    })
    .to_string()
}

/// A curl cookie jar logged in to `hub`'s dashboard.
pub struct Session {
    /// The cookie jar file.
    pub jar: PathBuf,
}

impl Session {
    /// Logs in with `password`; returns the session and the POST's `(status, headers, body)`.
    pub fn login(hub: &Hub, password: &str) -> (Session, (u16, String, String)) {
        let jar = hub.dir.join(format!("jar-{}", rand_suffix()));
        let jar_text = jar.display().to_string();
        let (status, headers, page) = curl(&["-c", &jar_text, &hub.url("/login")]);
        assert_eq!(status, 200, "{headers}");
        let token = csrf(&page);
        let answer = curl(&[
            "-b",
            &jar_text,
            "-c",
            &jar_text,
            "--data-urlencode",
            "username=admin",
            "--data-urlencode",
            &format!("password={password}"),
            "--data-urlencode",
            &format!("csrf={token}"),
            &hub.url("/login"),
        ]);
        (Session { jar }, answer)
    }

    /// GET `path` with the session's cookies.
    pub fn get(&self, hub: &Hub, path: &str) -> (u16, String, String) {
        curl(&["-b", &self.jar.display().to_string(), &hub.url(path)])
    }

    /// POST form `fields` to `path` with the session's cookies.
    pub fn post(&self, hub: &Hub, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let jar = self.jar.display().to_string();
        let mut args = vec!["-b".to_string(), jar.clone(), "-c".to_string(), jar];
        for (key, value) in fields {
            args.push("--data-urlencode".into());
            args.push(format!("{key}={value}"));
        }
        if fields.is_empty() {
            args.extend(["-X".into(), "POST".into()]);
        }
        args.push(hub.url(path));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        curl(&args)
    }
}

fn rand_suffix() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The `Set-Cookie` line for `name` in response headers.
fn set_cookie<'a>(headers: &'a str, name: &str) -> &'a str {
    headers
        .lines()
        .find(|line| {
            line.to_ascii_lowercase().starts_with("set-cookie:")
                && line.contains(&format!("{name}="))
        })
        .unwrap_or_else(|| panic!("no Set-Cookie {name}: {headers}"))
}

fn location(headers: &str) -> String {
    headers
        .lines()
        .find_map(|line| line.strip_prefix("location: "))
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn pages_need_a_login_and_the_login_sets_strict_cookies() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = start_hub(dir.path());
    for path in ["/", "/alerts", "/nodes/gm-1"] {
        let (status, headers, _) = curl(&[&hub.url(path)]);
        assert_eq!(
            (status, location(&headers).as_str()),
            (303, "/login"),
            "{path}"
        );
    }
    let (status, _, _) = curl(&["-d", "csrf=x", &hub.url("/nodes/gm-1/block")]);
    assert_eq!(
        status, 303,
        "a POST without a session goes to the login too"
    );
    let (status, headers, page) = curl(&[&hub.url("/login")]);
    assert_eq!(status, 200);
    assert!(page.contains("type=\"password\""), "{page}");
    let form_cookie = set_cookie(&headers, "shiwa_login");
    assert!(
        form_cookie.contains("HttpOnly; SameSite=Strict; Path=/"),
        "{form_cookie}"
    );
    assert!(
        headers.contains("content-security-policy: default-src 'none'"),
        "{headers}"
    );

    let (session, (status, headers, _)) = Session::login(&hub, PASSWORD);
    assert_eq!(
        (status, location(&headers).as_str()),
        (303, "/"),
        "{headers}"
    );
    let cookie = set_cookie(&headers, "shiwa_session");
    assert!(
        cookie.contains("HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let (status, _, page) = session.get(&hub, "/");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<h1>Fleet</h1>") && page.contains("http-equiv=\"refresh\" content=\"5\"")
    );

    let (status, _, body) = curl(&[
        "-b",
        &session.jar.display().to_string(),
        &hub.url("/api/v1/nodes"),
    ]);
    assert_eq!(
        status, 401,
        "a dashboard session opens nothing in the API: {body}"
    );
    let admin = format!("Authorization: Bearer {ADMIN_KEY}");
    assert_eq!(curl(&["-H", &admin, &hub.url("/api/v1/nodes")]).0, 200);

    let token = csrf(&page);
    let (status, headers, _) = session.post(&hub, "/logout", &[("csrf", &token)]);
    assert_eq!((status, location(&headers).as_str()), (303, "/login"));
    assert_eq!(session.get(&hub, "/").0, 303, "the session is gone");
}

#[test]
fn wrong_passwords_are_answered_late_then_refused_for_a_while() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = start_hub(dir.path());
    let (status, _, _) = curl(&["-d", "username=admin&password=x&csrf=x", &hub.url("/login")]);
    assert_eq!(status, 403, "no login form cookie, no CSRF token");
    let started = Instant::now();
    let (_, (status, headers, page)) = Session::login(&hub, "wrong password");
    assert_eq!(status, 401, "{headers}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "delayed: {:?}",
        started.elapsed()
    );
    assert!(page.contains("wrong user name or password"), "{page}");
    assert!(!headers.contains("shiwa_session"), "{headers}");
    for _ in 0..4 {
        assert_eq!(Session::login(&hub, "still wrong").1.0, 401);
    }
    let (_, (status, headers, _)) = Session::login(&hub, PASSWORD);
    assert_eq!(status, 429, "even the right password waits now: {headers}");
    assert!(
        headers.to_ascii_lowercase().contains("retry-after:"),
        "{headers}"
    );
}

#[test]
fn forms_need_their_token_and_a_blocked_node_cannot_push() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = start_hub(dir.path());
    let (key, _) = hub.add_node("gm-1");
    let push = |key: &str, id: &str| {
        post(
            &hub.url("/api/v1/report"),
            key,
            &recent_report("gm-1", id, 5, 120),
            &hub.dir,
        )
        .0
    };
    assert_eq!(push(&key, "report-000001"), 201);
    let (session, _) = Session::login(&hub, PASSWORD);
    let (_, _, page) = session.get(&hub, "/nodes/gm-1");
    let token = csrf(&page);
    assert_eq!(
        session.post(&hub, "/nodes/gm-1/block", &[]).0,
        403,
        "no token"
    );
    let wrong = "0".repeat(64);
    assert_eq!(
        session
            .post(&hub, "/nodes/gm-1/block", &[("csrf", &wrong)])
            .0,
        403
    );
    let (status, headers, _) = session.post(&hub, "/nodes/gm-1/block", &[("csrf", &token)]);
    assert_eq!(
        (status, location(&headers).as_str()),
        (303, "/nodes/gm-1?done=block")
    );
    assert_eq!(push(&key, "report-000002"), 403, "blocked through the form");
    let (_, _, page) = session.get(&hub, "/nodes/gm-1?done=block");
    assert!(page.contains("Blocked: its pushes are refused"), "{page}");
    assert_eq!(
        session
            .post(&hub, "/nodes/gm-1/unblock", &[("csrf", &token)])
            .0,
        303
    );
    assert_eq!(push(&key, "report-000003"), 201);

    let (status, _, page) = session.post(&hub, "/nodes/gm-1/rotate-key", &[("csrf", &token)]);
    assert_eq!(status, 200, "{page}");
    let new_key = page
        .split("class=\"secret api-key\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the new key is shown")
        .to_string();
    assert_eq!(push(&key, "report-000004"), 403, "the old key is dead");
    assert_eq!(push(&new_key, "report-000005"), 201);

    let fields = [
        ("csrf", token.as_str()),
        ("node_id", "gm-2"),
        ("ports", "ssh:65129"),
    ];
    let (status, _, page) = session.post(&hub, "/nodes", &fields);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("retrieval-password"), "{page}");
    let (status, _, page) = session.post(&hub, "/nodes", &fields);
    assert_eq!(status, 400, "twice: {page}");
    assert!(page.contains("already exists"), "{page}");

    let confirm = [("csrf", token.as_str()), ("confirm", "gm-x")];
    assert_eq!(session.post(&hub, "/nodes/gm-2/remove", &confirm).0, 400);
    let confirm = [("csrf", token.as_str()), ("confirm", "gm-2")];
    assert_eq!(session.post(&hub, "/nodes/gm-2/remove", &confirm).0, 303);
    assert_eq!(session.get(&hub, "/nodes/gm-2").0, 404);
}

#[test]
fn values_from_nodes_are_escaped_on_every_page() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = start_hub(dir.path());
    let (key, _) = hub.add_node("gm-1");
    for (n, offset) in [(0, -800), (1, 300), (2, 1_500)] {
        let body = recent_report("gm-1", &format!("report-00000{n}"), 600 - 60 * n, offset)
            .replace("gm-1.example", "<b>host</b>");
        assert_eq!(
            post(&hub.url("/api/v1/report"), &key, &body, &hub.dir).0,
            201
        );
    }
    let hostile = "<script>alert('x')</script>";
    let body = event("gm-1", "event-000001", "sync_lost", hostile);
    assert_eq!(
        post(&hub.url("/api/v1/event"), &key, &body, &hub.dir).0,
        201
    );
    let (session, _) = Session::login(&hub, PASSWORD);
    for path in ["/", "/alerts", "/nodes/gm-1?period=1h"] {
        let (status, _, page) = session.get(&hub, path);
        assert_eq!(status, 200, "{path}");
        assert!(
            !page.contains("<script") && !page.contains("<b>host"),
            "{path}: {page}"
        );
    }
    let (_, _, alerts) = session.get(&hub, "/alerts");
    assert!(
        alerts.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{alerts}"
    );
    let (_, _, node) = session.get(&hub, "/nodes/gm-1?period=1h");
    assert!(node.contains("&lt;b&gt;host&lt;/b&gt;"), "{node}");
    assert!(
        node.contains("<polyline class=\"line\""),
        "three reports: {node}"
    );
    assert!(
        node.contains("min -0.80 µs · max 1.50 µs · 3 points"),
        "{node}"
    );
    assert_eq!(session.get(&hub, "/nodes/gm-1?period=2y").0, 400);
    assert_eq!(session.get(&hub, "/nodes/..%2Fetc").0, 404);
}

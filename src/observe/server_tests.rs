//! The server driven over a real socket in a temporary directory by the real blocking client.

use super::*;
use crate::observe::ObserveError;
use crate::observe::client::ObserveClient;
use crate::observe::logs::{LogLevel, LogRecord};
use crate::observe::protocol::{ControlOutcome, SourceSelector};
use crate::observe::snapshot::tests::example;
use crate::observe::socket::bind_socket;
use crate::time::Timestamp;
use serde_json::json;
use std::io::{BufRead, BufReader as StdBufReader, Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::PathBuf;

/// A server on a multi-threaded runtime, serving `example()` from a socket in a temp dir.
struct Harness {
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    path: PathBuf,
    snapshots: watch::Sender<SyncSnapshot>,
    logs: LogBuffer,
    config: watch::Sender<serde_json::Value>,
    control: Option<mpsc::Receiver<ControlRequest>>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _socket: crate::observe::SocketFile,
}

fn start(limits: ServerLimits, with_control: bool) -> Harness {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shiwa.sock");
    let bound = {
        let _context = runtime.enter();
        bind_socket(&path, 0o660, None).expect("bind")
    };
    let (snapshots, receiver) = watch::channel(example());
    let logs = LogBuffer::new(10);
    let (config, config_receiver) =
        watch::channel(json!({"timebeat": {"cli": {"password": "<redacted>"}}}));
    let mut state = ObserveState::new(receiver, logs.clone())
        .with_limits(limits)
        .with_config(config_receiver);
    let mut control = None;
    if with_control {
        let (sender, engine) = mpsc::channel(4);
        state = state.with_control(sender);
        control = Some(engine);
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let server = runtime.spawn(serve(bound.listener, state, async {
        let _ = stopped.await;
    }));
    Harness {
        runtime,
        _dir: dir,
        path,
        snapshots,
        logs,
        config,
        control,
        stop: Some(stop),
        server: Some(server),
        _socket: bound.file,
    }
}

impl Harness {
    fn client(&self) -> ObserveClient {
        ObserveClient::connect(&self.path).expect("connect")
    }

    fn raw(&self) -> (StdUnixStream, StdBufReader<StdUnixStream>) {
        let stream = StdUnixStream::connect(&self.path).expect("connect");
        let timeout = Some(std::time::Duration::from_secs(5));
        stream.set_read_timeout(timeout).expect("timeout");
        let reader = StdBufReader::new(stream.try_clone().expect("clone"));
        (stream, reader)
    }

    /// Runs a fake engine answering every control request with `answer`.
    fn engine(&mut self, answer: fn(&ControlCommand) -> Option<ControlOutcome>) {
        let mut requests = self.control.take().expect("control channel");
        self.runtime.spawn(async move {
            while let Some(request) = requests.recv().await {
                if let Some(outcome) = answer(&request.command) {
                    let _ = request.reply.send(outcome);
                }
            }
        });
    }
}

fn reply_to(reader: &mut StdBufReader<StdUnixStream>) -> serde_json::Value {
    let mut line = String::new();
    reader.read_line(&mut line).expect("reply");
    serde_json::from_str(&line).unwrap_or_else(|err| panic!("reply {line:?}: {err}"))
}

fn log_record(message: &str) -> LogRecord {
    LogRecord {
        time: Timestamp::from_secs_nanos(1, 0),
        level: LogLevel::Info,
        target: "shiwa::test".into(),
        message: message.into(),
        fields: serde_json::Map::new(),
    }
}

#[test]
fn answers_snapshot_sources_and_logs_on_one_connection() {
    let harness = start(ServerLimits::default(), false);
    for message in ["one", "two", "three"] {
        harness.logs.push(log_record(message));
    }
    let mut client = harness.client();
    assert_eq!(client.snapshot().expect("snapshot"), example());
    assert_eq!(client.sources().expect("sources"), example().sources);
    let logs: Vec<_> = client
        .logs(2)
        .expect("logs")
        .into_iter()
        .map(|r| r.message)
        .collect();
    assert_eq!(logs, ["two", "three"]);

    let mut newer = example();
    newer.clock.steps = 7;
    harness.snapshots.send_replace(newer.clone());
    assert_eq!(client.snapshot().expect("newer snapshot"), newer);
}

#[test]
fn malformed_requests_get_errors_and_the_connection_stays_usable() {
    let harness = start(ServerLimits::default(), false);
    let (mut stream, mut reader) = harness.raw();
    let bad_lines: [&[u8]; 7] = [
        b"hello",
        b"{",
        b"{\"request\":\"explode\"}",
        b"{\"request\":\"logs\",\"n\":\"five\"}",
        b"[\"snapshot\"]",
        b"{\"request\":\"snapshot\"\xff\xfe}",
        b"\x00\x01\x02",
    ];
    for bad in bad_lines {
        stream.write_all(bad).expect("write");
        stream
            .write_all(b"\n\n  \n")
            .expect("newline and blank lines");
        let reply = reply_to(&mut reader);
        assert_eq!(reply["ok"], json!(false), "{bad:?}");
        let error = reply["error"].as_str().expect("error text");
        assert!(error.starts_with("invalid request"), "{bad:?}: {error}");
    }
    stream
        .write_all(b"{\"request\":\"sources\"}\n")
        .expect("write");
    let reply = reply_to(&mut reader);
    assert_eq!(reply["ok"], json!(true));
    assert_eq!(reply["sources"][0]["name"], json!("ntp 10.99.1.1"));
}

#[test]
fn config_requests_get_the_latest_published_document() {
    let harness = start(ServerLimits::default(), false);
    let mut client = harness.client();
    assert_eq!(
        client.config().expect("config"),
        json!({"timebeat": {"cli": {"password": "<redacted>"}}})
    );
    harness
        .config
        .send_replace(json!({"timebeat": {"cli": {"enable": true}}}));
    let reply = client
        .request_json(r#"{"request":"config"}"#)
        .expect("reply");
    assert_eq!(
        reply,
        json!({"ok": true, "config": {"timebeat": {"cli": {"enable": true}}}})
    );
}

#[test]
fn config_requests_without_a_published_config_are_an_error() {
    let (_snapshots, receiver) = watch::channel(example());
    let state = ObserveState::new(receiver, LogBuffer::new(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let reply = runtime.block_on(answer(br#"{"request":"config"}"#, &state, None));
    assert!(!reply.ok);
    assert!(
        reply
            .error
            .as_deref()
            .is_some_and(|e| e.contains("does not publish its configuration")),
        "{reply:?}"
    );
}

#[test]
fn an_unknown_request_is_named_in_the_error() {
    let harness = start(ServerLimits::default(), false);
    let reply = harness
        .client()
        .request_json(r#"{"request":"explode"}"#)
        .expect("reply");
    assert_eq!(reply["ok"], json!(false));
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("explode")),
        "{reply}"
    );
}

#[test]
fn an_overlong_line_is_refused_and_closes_only_that_connection() {
    let limits = ServerLimits {
        max_line_len: 1024,
        ..ServerLimits::default()
    };
    let harness = start(limits, false);
    let (mut stream, mut reader) = harness.raw();
    stream.write_all(&vec![b'x'; 4096]).expect("write");
    stream.write_all(b"\n").expect("newline");
    let reply = reply_to(&mut reader);
    assert_eq!(reply["ok"], json!(false));
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("1024 bytes")),
        "{reply}"
    );
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("closed");
    assert!(rest.is_empty(), "nothing after the error");

    let exactly_at_limit = format!("{:<1024}", r#"{"request":"snapshot"}"#);
    let reply = harness
        .client()
        .request_json(&exactly_at_limit)
        .expect("reply");
    assert_eq!(
        reply["ok"],
        json!(true),
        "a line of exactly the limit is served"
    );
}

#[test]
fn a_last_line_without_newline_is_answered() {
    let harness = start(ServerLimits::default(), false);
    let (mut stream, mut reader) = harness.raw();
    stream
        .write_all(br#"{"request":"logs","n":1}"#)
        .expect("write");
    stream
        .shutdown(std::net::Shutdown::Write)
        .expect("half close");
    assert_eq!(reply_to(&mut reader), json!({"ok": true, "logs": []}));
}

#[test]
fn control_requests_reach_the_engine_and_its_answer_comes_back() {
    let mut harness = start(ServerLimits::default(), true);
    harness.engine(|command| match command {
        ControlCommand::Reload => Some(Ok("configuration reloaded".into())),
        ControlCommand::Enable(SourceSelector::Name(name)) => Some(Ok(format!("enabled {name}"))),
        ControlCommand::Disable(SourceSelector::Id(id)) => {
            Some(Err(format!("no source #{}", id.0)))
        }
        ControlCommand::Enable(_) | ControlCommand::Disable(_) => None,
    });
    let mut client = harness.client();
    assert_eq!(
        client.control(ControlCommand::Reload).expect("reload"),
        "configuration reloaded"
    );
    let enable = ControlCommand::Enable(SourceSelector::parse("ntp 10.99.1.1"));
    assert_eq!(
        client.control(enable).expect("enable"),
        "enabled ntp 10.99.1.1"
    );
    let disable = ControlCommand::Disable(SourceSelector::parse("9"));
    match client.control(disable) {
        Err(ObserveError::Refused { error, path }) => {
            assert_eq!(error, "no source #9");
            assert_eq!(path, harness.path);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let dropped = client
        .request_json(r#"{"request":"enable","source":3}"#)
        .expect("reply");
    assert_eq!(
        dropped,
        json!({"ok": false, "error": "the engine dropped the request without answering"})
    );
}

#[test]
fn control_without_an_engine_or_with_a_silent_one_is_an_error() {
    let harness = start(ServerLimits::default(), false);
    let reply = harness
        .client()
        .request_json(r#"{"request":"reload"}"#)
        .expect("reply");
    assert_eq!(
        reply,
        json!({"ok": false, "error": "this process does not accept control requests"})
    );

    let limits = ServerLimits {
        control_timeout: std::time::Duration::from_millis(50),
        ..ServerLimits::default()
    };
    let silent = start(limits, true);
    let reply = silent
        .client()
        .request_json(r#"{"request":"reload"}"#)
        .expect("reply");
    assert_eq!(reply["ok"], json!(false));
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("did not answer")),
        "{reply}"
    );
}

#[test]
fn clients_beyond_the_limit_are_turned_away() {
    let limits = ServerLimits {
        max_clients: 1,
        ..ServerLimits::default()
    };
    let harness = start(limits, false);
    let mut first = harness.client();
    first.sources().expect("first client served");
    let (_stream, mut reader) = harness.raw();
    let reply = reply_to(&mut reader);
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("too many clients")),
        "{reply}"
    );
    drop(first);
    let served = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        harness.client().sources().is_ok()
    });
    assert!(served, "a slot frees up when the first client leaves");
}

#[test]
fn idle_connections_are_closed() {
    let limits = ServerLimits {
        idle_timeout: std::time::Duration::from_millis(100),
        ..ServerLimits::default()
    };
    let harness = start(limits, false);
    let (_stream, mut reader) = harness.raw();
    let mut rest = Vec::new();
    reader
        .read_to_end(&mut rest)
        .expect("the server closes the connection");
    assert!(rest.is_empty());
}

#[test]
fn shutdown_stops_the_server_and_closes_connections() {
    let mut harness = start(ServerLimits::default(), false);
    let (mut stream, mut reader) = harness.raw();
    stream
        .write_all(b"{\"request\":\"logs\"}\n")
        .expect("write");
    assert_eq!(
        reply_to(&mut reader)["ok"],
        json!(true),
        "accepted and served"
    );
    harness
        .stop
        .take()
        .expect("stop")
        .send(())
        .expect("server alive");
    let server = harness.server.take().expect("server");
    harness.runtime.block_on(server).expect("serve returned");
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("connection closed");
    let err = StdUnixStream::connect(&harness.path).expect_err("nobody listens");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

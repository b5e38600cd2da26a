use super::*;
use crate::observe::snapshot::tests::example;
use crate::observe::{ControlRequest, LogBuffer, LogLevel, LogRecord, ObserveState};
use crate::time::Timestamp;
use serde_json::json;
use tokio::sync::{mpsc, watch};

/// An in-process source over `example()`, two log records, a config document, and an engine
/// that disables "ntp 10.99.1.1" and refuses everything else.
fn source() -> (SnapshotSource, watch::Sender<crate::observe::SyncSnapshot>) {
    let (snapshots, receiver) = watch::channel(example());
    let logs = LogBuffer::new(10);
    for message in ["first", "second"] {
        logs.push(LogRecord {
            time: Timestamp::from_secs_nanos(1, 0),
            level: LogLevel::Info,
            target: "shiwa::test".into(),
            message: message.into(),
            fields: serde_json::Map::new(),
        });
    }
    let (_config, config) =
        watch::channel(json!({"timebeat": {"cli": {"password": "<redacted>"}}}));
    let (control, mut requests) = mpsc::channel::<ControlRequest>(4);
    tokio::spawn(async move {
        while let Some(request) = requests.recv().await {
            let outcome = match &request.command {
                ControlCommand::Disable(SourceSelector::Name(name)) if name == "ntp 10.99.1.1" => {
                    Ok("disabled ntp 10.99.1.1".to_string())
                }
                other => Err(format!("no such thing: {other}")),
            };
            let _ = request.reply.send(outcome);
        }
    });
    let state = ObserveState::new(receiver, logs)
        .with_control(control)
        .with_config(config);
    (SnapshotSource::in_process(&state), snapshots)
}

#[tokio::test]
async fn status_prints_what_shiwa_status_prints_and_exits_3_when_unsynchronised() {
    let (source, snapshots) = source();
    let output = run("status", &source).await;
    assert_eq!(output.text, crate::render::status(&example()));
    assert_eq!(output.status, EXIT_OK);
    let mut unsynced = example();
    unsynced.clock.synchronized = false;
    snapshots.send_replace(unsynced.clone());
    let output = run("  status  ", &source).await;
    assert_eq!(output.status, EXIT_NOT_SYNCHRONISED);
    let json = run("status --json", &source).await;
    assert_eq!(json.status, EXIT_NOT_SYNCHRONISED);
    let parsed: crate::observe::SyncSnapshot = serde_json::from_str(&json.text).expect("json");
    assert_eq!(parsed, unsynced);
}

#[tokio::test]
async fn data_commands_print_tables_or_json() {
    let (source, _snapshots) = source();
    let snapshot = example();
    let sources = run("sources", &source).await;
    let table = crate::render::sources_table(&snapshot.sources, snapshot.generated_at);
    assert_eq!(sources.text, format!("{table}\n"));
    assert_eq!(run("protocols", &source).await, sources);
    let json: serde_json::Value =
        serde_json::from_str(&run("sources --json", &source).await.text).expect("json");
    assert_eq!(json[0]["name"], json!("ntp 10.99.1.1"));
    let clock: serde_json::Value =
        serde_json::from_str(&run("--json clock", &source).await.text).expect("json");
    assert_eq!(clock["synchronized"], json!(true));
    assert!(run("clock", &source).await.text.contains("Frequency"));
}

#[tokio::test]
async fn logs_take_an_optional_count() {
    let (source, _snapshots) = source();
    let one = run("logs 1", &source).await;
    assert!(
        one.text.contains("second") && !one.text.contains("first"),
        "{one:?}"
    );
    let all = run("logs", &source).await;
    assert_eq!(all.text.lines().count(), 2);
    let json: serde_json::Value =
        serde_json::from_str(&run("logs 2 --json", &source).await.text).expect("json");
    assert_eq!(json[1]["message"], json!("second"));
    for bad in ["logs 0", "logs x", "logs 1001", "logs 1 2"] {
        assert_eq!(run(bad, &source).await.status, EXIT_USAGE, "{bad}");
    }
}

#[tokio::test]
async fn config_is_shown_redacted_as_yaml_or_json() {
    let (source, _snapshots) = source();
    let text = run("config", &source).await;
    assert!(text.text.contains("password: <redacted>"), "{text:?}");
    let json: serde_json::Value =
        serde_json::from_str(&run("config --json", &source).await.text).expect("json");
    assert_eq!(json["timebeat"]["cli"]["password"], json!("<redacted>"));
}

#[tokio::test]
async fn control_commands_report_the_engines_answer() {
    let (source, _snapshots) = source();
    let done = run("disable ntp 10.99.1.1", &source).await;
    assert_eq!(done.text, "disabled ntp 10.99.1.1\n");
    assert_eq!(done.status, EXIT_OK);
    let refused = run("reload", &source).await;
    assert_eq!(refused.text, "refused: no such thing: reload\n");
    assert_eq!(refused.status, EXIT_FAILURE);
    assert_eq!(run("enable", &source).await.status, EXIT_USAGE);
}

#[tokio::test]
async fn unknown_commands_exit_127_and_are_echoed_safely() {
    let (source, _snapshots) = source();
    let unknown = run("rm -rf /", &source).await;
    assert_eq!(unknown.status, EXIT_UNKNOWN_COMMAND);
    assert_eq!(unknown.text, "unknown command: rm; try help\n");
    let nasty = run("\u{1b}[2Jx", &source).await;
    assert!(!nasty.text.contains('\u{1b}'), "{nasty:?}");
    assert_eq!(run("status now", &source).await.status, EXIT_USAGE);
}

#[tokio::test]
async fn help_version_exit_and_empty_lines() {
    let (source, _snapshots) = source();
    assert_eq!(run("help", &source).await.text, HELP);
    let version = run("version", &source).await.text;
    assert!(version.starts_with(&format!("shiwa {}", crate::version::VERSION)));
    assert!(version.contains("shiwa sync"), "{version}");
    assert!(run("exit", &source).await.end_session);
    assert!(run("quit", &source).await.end_session);
    assert_eq!(run("   ", &source).await, CommandOutput::ok(""));
}

#[tokio::test]
async fn a_stopped_daemon_is_reported_with_status_1() {
    let (source, snapshots) = source();
    drop(snapshots);
    let output = run("status", &source).await;
    assert_eq!(output.status, EXIT_FAILURE);
    assert!(
        output.text.starts_with("shiwa sync is not reachable: "),
        "{output:?}"
    );
}

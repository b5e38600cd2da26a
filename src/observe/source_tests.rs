//! Both kinds of [`SnapshotSource`]: in process over channels, and over a real socket served by
//! [`serve`](crate::observe::serve), including the daemon going away and coming back.

use super::*;
use crate::observe::logs::{LogLevel, LogRecord};
use crate::observe::protocol::{ControlOutcome, SourceSelector};
use crate::observe::snapshot::tests::example;
use crate::observe::{SocketFile, bind_socket, serve};
use tokio::sync::oneshot;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

fn record(message: &str) -> LogRecord {
    LogRecord {
        time: Timestamp::from_secs_nanos(1, 0),
        level: LogLevel::Info,
        target: "shiwa::test".into(),
        message: message.into(),
        fields: serde_json::Map::new(),
    }
}

/// A fake engine: answers `disable` of "ntp 10.99.1.1" and refuses everything else.
fn engine() -> mpsc::Sender<ControlRequest> {
    let (sender, mut requests) = mpsc::channel::<ControlRequest>(4);
    tokio::spawn(async move {
        while let Some(request) = requests.recv().await {
            let outcome: ControlOutcome = match &request.command {
                ControlCommand::Disable(SourceSelector::Name(name)) if name == "ntp 10.99.1.1" => {
                    Ok("disabled ntp 10.99.1.1".into())
                }
                other => Err(format!("no such thing: {other}")),
            };
            let _ = request.reply.send(outcome);
        }
    });
    sender
}

struct Daemon {
    snapshots: watch::Sender<SyncSnapshot>,
    logs: LogBuffer,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
    _socket: SocketFile,
}

/// Serves the observation socket at `path` as `shiwa sync` does.
fn start_daemon(path: &Path) -> Daemon {
    let bound = bind_socket(path, 0o600, None).expect("bind the socket");
    let (snapshots, receiver) = watch::channel(example());
    let logs = LogBuffer::new(10);
    let state = ObserveState::new(receiver, logs.clone()).with_control(engine());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(bound.listener, state, async {
        let _ = stopped.await;
    }));
    Daemon {
        snapshots,
        logs,
        stop,
        server,
        _socket: bound.file,
    }
}

impl Daemon {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.expect("server task");
        drop(self._socket);
    }
}

/// Waits until `source`'s link satisfies `wanted`, returning that state.
async fn wait_for(source: &SnapshotSource, wanted: impl Fn(&LinkState) -> bool) -> LinkState {
    let mut watcher = source.clone();
    timeout(WAIT, async {
        loop {
            let link = watcher.link();
            if wanted(&link) {
                return link;
            }
            watcher.changed().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("link state not reached; last: {:?}", source.link()))
}

#[tokio::test]
async fn in_process_reads_the_channels_and_forwards_control() {
    let (snapshots, receiver) = watch::channel(example());
    let logs = LogBuffer::new(10);
    logs.push(record("one"));
    logs.push(record("two"));
    let state = ObserveState::new(receiver, logs).with_control(engine());
    let source = SnapshotSource::in_process(&state);
    drop(state);

    assert_eq!(*source.snapshot().expect("snapshot"), example());
    let mut newer = example();
    newer.clock.steps = 9;
    snapshots.send_replace(newer.clone());
    assert_eq!(*source.snapshot().expect("newer"), newer);
    let messages: Vec<_> = source
        .logs(1)
        .await
        .expect("logs")
        .into_iter()
        .map(|r| r.message)
        .collect();
    assert_eq!(messages, ["two"]);

    let disable = ControlCommand::Disable(SourceSelector::Name("ntp 10.99.1.1".into()));
    assert_eq!(
        source.control(disable).await,
        Ok("disabled ntp 10.99.1.1".into())
    );
    let refused = source.control(ControlCommand::Reload).await;
    assert_eq!(
        refused,
        Err(SurfaceError::Refused("no such thing: reload".into()))
    );

    drop(snapshots);
    assert!(
        matches!(source.snapshot(), Err(SurfaceError::Unavailable { reason }) if reason.contains("stopped")),
        "a stopped engine is reported"
    );
}

#[tokio::test]
async fn in_process_without_control_refuses_control() {
    let (_snapshots, receiver) = watch::channel(example());
    let source = SnapshotSource::in_process(&ObserveState::new(receiver, LogBuffer::new(1)));
    let refused = source.control(ControlCommand::Reload).await;
    assert!(
        matches!(refused, Err(SurfaceError::Refused(reason)) if reason.contains("does not accept"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_source_follows_the_daemon_and_survives_its_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shiwa.sock");
    let source = SnapshotSource::socket_with_refresh(&path, Duration::from_millis(20));

    // No daemon yet: the source says so, naming the socket.
    let down = wait_for(&source, |link| matches!(link, LinkState::Down { .. })).await;
    let LinkState::Down { reason, .. } = down else {
        unreachable!()
    };
    assert!(reason.contains(&path.display().to_string()), "{reason}");
    assert!(matches!(
        source.snapshot(),
        Err(SurfaceError::Unavailable { .. })
    ));
    assert!(matches!(
        source.logs(5).await,
        Err(SurfaceError::Unavailable { .. })
    ));

    let daemon = start_daemon(&path);
    daemon.logs.push(record("hello"));
    wait_for(
        &source,
        |link| matches!(link, LinkState::Up(s) if **s == example()),
    )
    .await;
    let mut newer = example();
    newer.clock.steps = 3;
    daemon.snapshots.send_replace(newer);
    wait_for(
        &source,
        |link| matches!(link, LinkState::Up(s) if s.clock.steps == 3),
    )
    .await;
    let logs = source.logs(5).await.expect("logs over the socket");
    assert_eq!(
        logs.into_iter().map(|r| r.message).collect::<Vec<_>>(),
        ["hello"]
    );
    let disable = ControlCommand::Disable(SourceSelector::Name("ntp 10.99.1.1".into()));
    assert_eq!(
        source.control(disable).await,
        Ok("disabled ntp 10.99.1.1".into())
    );
    let refused = source.control(ControlCommand::Reload).await;
    assert_eq!(
        refused,
        Err(SurfaceError::Refused("no such thing: reload".into()))
    );

    // The daemon goes away: reported, then it comes back and so does the source.
    daemon.stop().await;
    wait_for(&source, |link| matches!(link, LinkState::Down { .. })).await;
    assert!(matches!(
        source.logs(1).await,
        Err(SurfaceError::Unavailable { .. })
    ));
    let daemon = start_daemon(&path);
    wait_for(&source, |link| matches!(link, LinkState::Up(_))).await;
    assert_eq!(
        source.logs(5).await.expect("logs after the restart"),
        Vec::new()
    );
    daemon.stop().await;
}

#[tokio::test]
async fn config_comes_from_the_published_document_or_is_refused() {
    let (_snapshots, receiver) = watch::channel(example());
    let (config, config_receiver) = watch::channel(serde_json::json!({"timebeat": {}}));
    let state = ObserveState::new(receiver.clone(), LogBuffer::new(1)).with_config(config_receiver);
    let source = SnapshotSource::in_process(&state);
    config.send_replace(serde_json::json!({"timebeat": {"cli": {"enable": true}}}));
    assert_eq!(
        source.config().await,
        Ok(serde_json::json!({"timebeat": {"cli": {"enable": true}}}))
    );
    let without = SnapshotSource::in_process(&ObserveState::new(receiver, LogBuffer::new(1)));
    assert!(
        matches!(without.config().await, Err(SurfaceError::Refused(reason)) if reason.contains("does not publish")),
    );
}

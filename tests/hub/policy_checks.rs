//! Active checks against real servers on 127.0.0.1: a TCP listener and an axum HTTP server
//! that are stopped (port_down after the configured failures) and restarted on the same port
//! (port_up); HTTP statuses; a closed port and an unroutable address within the timeout.
#![expect(
    clippy::disallowed_methods,
    reason = "tests time the probes against their timeout"
)]

use axum::http::StatusCode;
use axum::routing::get;
use shiwa::fleet::{CheckKind, DeclaredPort, EventType, NodeId};
use shiwa::hub::checks::{CheckScheduler, CheckSettings, ProbeRequest, Prober, TargetKey};
use shiwa::time::{Duration, Timestamp};
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_800_000_000 + secs, 0)
}

async fn tcp_server(address: &str) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind(address).await.expect("bind tcp");
    let local = listener.local_addr().expect("address");
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    (local, task)
}

async fn http_server(address: &str) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind(address).await.expect("bind http");
    let local = listener.local_addr().expect("address");
    let app = axum::Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/broken", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (local, task)
}

async fn stop(task: JoinHandle<()>) {
    task.abort();
    let _ = task.await; // the listener is dropped with the task
}

fn declared(tcp: SocketAddr, http: SocketAddr) -> Vec<DeclaredPort> {
    vec![
        DeclaredPort {
            name: "ssh".into(),
            port: tcp.port(),
            kind: CheckKind::Tcp,
            path: None,
        },
        DeclaredPort {
            name: "api".into(),
            port: http.port(),
            kind: CheckKind::Http,
            path: Some("/health".into()),
        },
    ]
}

/// One round at virtual `secs`: every due port probed for real; the events raised.
async fn round(
    scheduler: &mut CheckScheduler,
    prober: &Prober,
    secs: i64,
) -> Vec<(String, EventType)> {
    let mut events = Vec::new();
    for request in scheduler.due(at(secs)) {
        let result = prober.probe(&request).await;
        let outcome = scheduler
            .record(&request.key, &result, at(secs))
            .expect("tracked");
        assert_eq!(outcome.sample.up, result.up);
        if let Some(event) = outcome.event {
            events.push((request.key.name.clone(), event.event_type));
        }
    }
    events.sort();
    events
}

#[tokio::test]
async fn stopped_servers_go_down_after_two_failures_and_up_when_restarted() {
    let (tcp, tcp_task) = tcp_server("127.0.0.1:0").await;
    let (http, http_task) = http_server("127.0.0.1:0").await;
    let settings = CheckSettings {
        timeout: shiwa::config::ConfigDuration(TIMEOUT),
        ..CheckSettings::default()
    };
    let mut scheduler = CheckScheduler::new(&settings);
    let node = NodeId::new("gm-1").expect("node id");
    scheduler.update_node(&node, "127.0.0.1", &declared(tcp, http), at(0));
    let prober = Prober::new(TIMEOUT).expect("prober");
    assert_eq!(round(&mut scheduler, &prober, 0).await, vec![]);
    stop(tcp_task).await;
    stop(http_task).await;
    assert_eq!(
        round(&mut scheduler, &prober, 60).await,
        vec![],
        "one failure"
    );
    assert_eq!(
        round(&mut scheduler, &prober, 120).await,
        vec![
            ("api".into(), EventType::PortDown),
            ("ssh".into(), EventType::PortDown)
        ]
    );
    assert_eq!(round(&mut scheduler, &prober, 180).await, vec![]);
    let (_, tcp_task) = tcp_server(&tcp.to_string()).await;
    let (_, http_task) = http_server(&http.to_string()).await;
    assert_eq!(
        round(&mut scheduler, &prober, 240).await,
        vec![
            ("api".into(), EventType::PortUp),
            ("ssh".into(), EventType::PortUp)
        ]
    );
    stop(tcp_task).await;
    stop(http_task).await;
}

fn request(host: &str, port: u16, kind: CheckKind, path: Option<&str>) -> ProbeRequest {
    ProbeRequest {
        key: TargetKey {
            node_id: NodeId::new("gm-1").expect("node id"),
            name: "p".into(),
            port,
        },
        host: host.into(),
        kind,
        path: path.map(str::to_string),
    }
}

#[tokio::test]
async fn http_checks_are_up_below_500_and_report_latency() {
    let (http, task) = http_server("127.0.0.1:0").await;
    let prober = Prober::new(TIMEOUT).expect("prober");
    let ok = prober
        .probe(&request(
            "127.0.0.1",
            http.port(),
            CheckKind::Http,
            Some("/health"),
        ))
        .await;
    assert!(ok.up, "{ok:?}");
    assert_eq!(ok.http_status, Some(200));
    assert!(ok.latency > Duration::ZERO && ok.latency < Duration::from_millis(500));
    let missing = prober
        .probe(&request(
            "127.0.0.1",
            http.port(),
            CheckKind::Http,
            Some("/nope"),
        ))
        .await;
    assert!(missing.up, "404 is an answer: {missing:?}");
    let broken = prober
        .probe(&request(
            "127.0.0.1",
            http.port(),
            CheckKind::Http,
            Some("/broken"),
        ))
        .await;
    assert!(!broken.up);
    assert_eq!(broken.http_status, Some(503));
    assert_eq!(broken.error.as_deref(), Some("HTTP 503"));
    stop(task).await;
}

#[tokio::test]
async fn a_closed_port_fails_fast_and_an_unroutable_address_within_the_timeout() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let prober = Prober::new(TIMEOUT).expect("prober");
    for kind in [CheckKind::Tcp, CheckKind::Http] {
        let started = Instant::now();
        let result = prober
            .probe(&request("127.0.0.1", closed, kind, Some("/")))
            .await;
        assert!(!result.up);
        let error = result.error.unwrap_or_default();
        assert!(error.contains("refused"), "{kind:?}: {error}");
        assert!(started.elapsed() < TIMEOUT, "{:?}", started.elapsed());
        // 192.0.2.0/24 (TEST-NET-1) is never routed: no answer, or no route at all.
        let started = Instant::now();
        let result = prober
            .probe(&request("192.0.2.1", 9, kind, Some("/")))
            .await;
        let elapsed = started.elapsed();
        assert!(!result.up, "{result:?}");
        assert!(result.error.is_some());
        assert!(
            elapsed < TIMEOUT + std::time::Duration::from_millis(250),
            "{elapsed:?}"
        );
    }
}

/// A listener whose backlog is full: further SYNs are dropped, so a connect hangs.
fn full_backlog() -> (socket2::Socket, Vec<std::net::TcpStream>, u16) {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let address: SocketAddr = "127.0.0.1:0".parse().expect("address");
    socket.bind(&address.into()).expect("bind");
    socket.listen(0).expect("listen");
    let local = socket
        .local_addr()
        .expect("address")
        .as_socket()
        .expect("inet");
    let mut held = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&local, std::time::Duration::from_millis(100)) {
            Ok(stream) => held.push(stream),
            Err(_) => break,
        }
    }
    (socket, held, local.port())
}

#[tokio::test]
async fn a_port_that_never_answers_times_out_within_the_timeout() {
    let prober = Prober::new(TIMEOUT).expect("prober");
    let (_socket, _held, port) = full_backlog();
    let started = Instant::now();
    let result = prober
        .probe(&request("127.0.0.1", port, CheckKind::Tcp, None))
        .await;
    let elapsed = started.elapsed();
    assert!(!result.up);
    assert_eq!(result.error.as_deref(), Some("timed out after 500 ms"));
    assert!(
        elapsed >= TIMEOUT && elapsed < TIMEOUT + std::time::Duration::from_millis(250),
        "{elapsed:?}"
    );
    // An HTTP server that accepts and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let started = Instant::now();
    let result = prober
        .probe(&request("127.0.0.1", port, CheckKind::Http, Some("/")))
        .await;
    let elapsed = started.elapsed();
    assert!(!result.up);
    assert_eq!(result.error.as_deref(), Some("timed out after 500 ms"));
    assert!(
        elapsed >= TIMEOUT && elapsed < TIMEOUT + std::time::Duration::from_millis(250),
        "{elapsed:?}"
    );
    stop(task).await;
}

#[tokio::test]
async fn the_check_task_raises_port_down_and_port_up_in_real_time() {
    use shiwa::hub::checks::{CheckCommand, run_checks};
    let (tcp, tcp_task) = tcp_server("127.0.0.1:0").await;
    let settings = CheckSettings {
        interval: shiwa::config::ConfigDuration(std::time::Duration::from_millis(150)),
        timeout: shiwa::config::ConfigDuration(std::time::Duration::from_millis(100)),
        ..CheckSettings::default()
    };
    settings.validate().expect("valid");
    let prober = Prober::new(settings.timeout.0).expect("prober");
    let (commands, commands_rx) = tokio::sync::mpsc::channel(4);
    let (outcomes_tx, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run_checks(
        CheckScheduler::new(&settings),
        prober,
        commands_rx,
        outcomes_tx,
        async move {
            let _ = stop_rx.await;
        },
    ));
    let node = NodeId::new("gm-1").expect("node id");
    let ports = declared(tcp, tcp)[..1].to_vec();
    let watch = CheckCommand::Watch {
        node_id: node.clone(),
        host: "127.0.0.1".into(),
        ports,
    };
    commands.send(watch).await.expect("send");
    type Outcomes = tokio::sync::mpsc::UnboundedReceiver<shiwa::hub::checks::CheckOutcome>;
    async fn next_outcome(outcomes: &mut Outcomes) -> shiwa::hub::checks::CheckOutcome {
        tokio::time::timeout(std::time::Duration::from_secs(5), outcomes.recv())
            .await
            .expect("an outcome within 5 s")
            .expect("the task runs")
    }
    // Waits for the next port event; returns it and the samples up to it.
    async fn next_event(outcomes: &mut Outcomes) -> (Vec<bool>, EventType) {
        let mut samples = Vec::new();
        loop {
            let outcome = next_outcome(outcomes).await;
            samples.push(outcome.sample.up);
            if let Some(event) = outcome.event {
                return (samples, event.event_type);
            }
        }
    }
    for _ in 0..3 {
        let outcome = next_outcome(&mut outcomes).await;
        assert!(
            outcome.sample.up && outcome.event.is_none(),
            "an up port is quiet"
        );
    }
    stop(tcp_task).await;
    let (samples, event) = next_event(&mut outcomes).await;
    assert_eq!(event, EventType::PortDown);
    assert_eq!(
        samples.iter().rev().take(2).collect::<Vec<_>>(),
        [&false, &false]
    );
    let (_, tcp_task) = tcp_server(&tcp.to_string()).await;
    let (samples, event) = next_event(&mut outcomes).await;
    assert_eq!(event, EventType::PortUp);
    assert_eq!(samples.last(), Some(&true));
    commands
        .send(CheckCommand::Forget { node_id: node })
        .await
        .expect("send");
    let _ = stop_tx.send(());
    tokio::time::timeout(std::time::Duration::from_secs(5), task)
        .await
        .expect("stops on shutdown")
        .expect("no panic");
    stop(tcp_task).await;
}

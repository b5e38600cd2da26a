//! kill -9 of the hub while a client streams reports: every report the hub acknowledged
//! (201) is there after a restart (SQLite WAL with synchronous=NORMAL).

use super::support::{ADMIN_KEY, Hub, curl, have_curl, post, report};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn acknowledged_reports_survive_kill_9() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/hub.db", dir.path().display());
    let mut hub = Hub::start(dir.path(), &url, "");
    let (key, _) = hub.add_node("gm-1");
    let stop = Arc::new(AtomicBool::new(false));
    let streamer = {
        let (stop, endpoint, dir) = (
            Arc::clone(&stop),
            hub.url("/api/v1/report"),
            dir.path().to_path_buf(),
        );
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            for n in 0..5000u32 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (status, _) = post(
                    &endpoint,
                    &key,
                    &report("gm-1", &format!("report-{n:06}"), n, 0),
                    &dir,
                );
                if status == 201 {
                    acknowledged.push(n);
                } else if status == 0 {
                    break;
                }
            }
            acknowledged
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(1500));
    hub.kill9();
    stop.store(true, Ordering::Relaxed);
    let acknowledged = streamer.join().expect("streamer");
    assert!(
        acknowledged.len() >= 20,
        "too few reports before the kill: {}",
        acknowledged.len()
    );
    hub.restart();
    let admin = format!("Authorization: Bearer {ADMIN_KEY}");
    let (status, _, body) = curl(&[
        "-H",
        &admin,
        &hub.url("/api/v1/nodes/gm-1/history?period=400d&format=csv"),
    ]);
    assert_eq!(status, 200, "{body}");
    let stored: std::collections::BTreeSet<String> = body
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect();
    for n in &acknowledged {
        let sent = format!(
            "2026-01-01T{:02}:{:02}:{:02}Z",
            n / 3600 % 24,
            n / 60 % 60,
            n % 60
        );
        assert!(
            stored.contains(&sent),
            "acknowledged report {n} ({sent}) lost; {} acknowledged, {} stored",
            acknowledged.len(),
            stored.len()
        );
    }
    eprintln!(
        "kill -9: {} acknowledged, {} stored",
        acknowledged.len(),
        stored.len()
    );
}

//! A reload that changes `hub:` moves the reporter: SIGHUP after pointing the config at a
//! second hub, and the reports go there, with the records spooled so far.

use super::receiver::{self, Mode};
use super::{KEY, Node, free_port, lab};
use std::time::{Duration, Instant};

fn reports(receiver: &receiver::Receiver) -> usize {
    receiver
        .stored()
        .iter()
        .filter(|p| p.kind == "report")
        .count()
}

#[test]
fn sighup_with_a_new_hub_url_moves_reporting_to_the_new_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (first_port, second_port) = (free_port(false), free_port(false));
    let first = receiver::start(first_port, KEY, Mode::Accept);
    let second = receiver::start(second_port, KEY, Mode::Accept);
    let (_server, client_yml) = lab(dir.path(), first_port);
    let mut client = Node::start(dir.path(), "client", &client_yml);
    client.wait_for(Duration::from_secs(20), "a report at the first hub", |_| {
        reports(&first) >= 1
    });
    assert_eq!(reports(&second), 0);

    let text = std::fs::read_to_string(&client_yml).expect("config");
    let moved = text.replace(
        &format!("127.0.0.1:{first_port}"),
        &format!("127.0.0.1:{second_port}"),
    );
    assert_ne!(text, moved, "the config names the first hub");
    std::fs::write(&client_yml, moved).expect("config");
    client.hangup();

    let status = client.wait_for(
        Duration::from_secs(20),
        "a report at the second hub",
        |_| reports(&second) >= 1,
    );
    assert_eq!(status["hub"]["state"], "ok", "{status:#}");
    // The first hub hears nothing more.
    let first_count = first.pushes().len();
    let quiet_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < quiet_until {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        first.pushes().len(),
        first_count,
        "pushes still went to the old hub"
    );
    assert!(
        client.logs().contains("fleet reporter restarted"),
        "{}",
        client.logs()
    );
}

//! Loopback tests of [`TimestampedUdpSocket`] against the real kernel: 127.0.0.1 and ::1,
//! ephemeral ports.
#![expect(
    clippy::disallowed_methods,
    reason = "tests compare kernel timestamps with CLOCK_REALTIME read around the exchange"
)]

use super::udp::{TxToken, receive_datagram};
use super::{NetError, SocketOptions, TimestampedUdpSocket, Timestamping};
use crate::time::Timestamp;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Generous bound for anything that should happen at once on loopback.
const PROMPT: Duration = Duration::from_secs(2);

fn now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_nanos(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
}

/// A socket with RX timestamping that stays open while the tests run.
///
/// Linux stamps received packets only while some socket wants RX software timestamps, and it
/// switches stamping on in a deferred work item when the first one asks. Tests run in
/// parallel and close their sockets, so without this anchor a test could bind while stamping
/// is (still) off and see its first datagram without an RX timestamp.
static RX_STAMPING_ANCHOR: OnceLock<Option<std::net::UdpSocket>> = OnceLock::new();

/// Opens the anchor and waits until the kernel stamps received packets.
pub(crate) fn ensure_rx_stamping_is_on() {
    RX_STAMPING_ANCHOR.get_or_init(|| {
        let address = SocketAddr::from(([127, 0, 0, 1], 0));
        let anchor = super::setup::bound_udp_socket(address, &SocketOptions::default()).ok()?;
        let own_address = anchor.local_addr().ok()?;
        let mut buffer = [0u8; 8];
        for _ in 0..1_000 {
            anchor.send_to(b"warm-up", own_address).ok()?;
            std::thread::sleep(Duration::from_millis(1));
            let received =
                receive_datagram(anchor.as_raw_fd(), &mut buffer, Timestamping::Software);
            if received.is_ok_and(|received| received.rx.is_some()) {
                return Some(anchor);
            }
        }
        None
    });
}

fn bind(address: &str, timestamping: Timestamping) -> TimestampedUdpSocket {
    ensure_rx_stamping_is_on();
    let address: SocketAddr = match address.parse() {
        Ok(address) => address,
        Err(error) => panic!("{address}: {error}"),
    };
    let options = SocketOptions {
        timestamping,
        ..SocketOptions::default()
    };
    match TimestampedUdpSocket::bind(address, options) {
        Ok(socket) => socket,
        Err(error) => panic!("{error}"),
    }
}

fn pair(address: &str) -> (TimestampedUdpSocket, TimestampedUdpSocket) {
    (
        bind(address, Timestamping::Software),
        bind(address, Timestamping::Software),
    )
}

async fn send(socket: &TimestampedUdpSocket, bytes: &[u8], to: SocketAddr) -> TxToken {
    match socket.send_to(bytes, to).await {
        Ok(token) => token,
        Err(error) => panic!("{error}"),
    }
}

async fn receive(socket: &TimestampedUdpSocket, buffer: &mut [u8]) -> super::Received {
    match tokio::time::timeout(PROMPT, socket.recv(buffer)).await {
        Ok(Ok(received)) => received,
        Ok(Err(error)) => panic!("{error}"),
        Err(_) => panic!(
            "nothing received on {} within {PROMPT:?}",
            socket.local_addr()
        ),
    }
}

async fn tx_timestamp(socket: &TimestampedUdpSocket, token: TxToken) -> Option<Timestamp> {
    match socket.tx_timestamp(token, PROMPT).await {
        Ok(timestamp) => timestamp,
        Err(error) => panic!("{error}"),
    }
}

/// Sends one datagram from `client` to `server`; returns (TX, RX) kernel timestamps and the
/// clock read before the send and after the receive.
async fn exchange(
    client: &TimestampedUdpSocket,
    server: &TimestampedUdpSocket,
) -> (Option<Timestamp>, Option<Timestamp>, Timestamp, Timestamp) {
    let mut buffer = [0u8; 64];
    let before = now();
    let token = send(client, b"shiwa", server.local_addr()).await;
    let received = receive(server, &mut buffer).await;
    let after = now();
    assert_eq!(received.from, client.local_addr());
    assert_eq!(&buffer[..received.len], b"shiwa");
    assert!(!received.truncated);
    let tx = tx_timestamp(client, token).await;
    (tx, received.rx, before, after)
}

fn ipv6_loopback_available() -> bool {
    std::fs::read_to_string("/proc/net/if_inet6").is_ok_and(|table| {
        table
            .lines()
            .any(|line| line.starts_with("00000000000000000000000000000001"))
    })
}

#[tokio::test]
async fn rx_timestamp_lies_between_clock_reads_around_the_exchange() {
    let (client, server) = pair("127.0.0.1:0");
    let (_, rx, before, after) = exchange(&client, &server).await;
    let Some(rx) = rx else {
        panic!("no RX timestamp with software timestamping");
    };
    assert!(before <= rx && rx <= after, "{before} ≤ {rx} ≤ {after}");
}

#[tokio::test]
async fn tx_timestamp_precedes_the_peers_rx_timestamp() {
    let (client, server) = pair("127.0.0.1:0");
    let (tx, rx, before, _) = exchange(&client, &server).await;
    let (Some(tx), Some(rx)) = (tx, rx) else {
        panic!("missing timestamps: TX {tx:?}, RX {rx:?}");
    };
    assert!(before <= tx && tx <= rx, "{before} ≤ {tx} ≤ {rx}");
}

#[tokio::test]
async fn tx_timestamps_match_their_datagrams_when_fetched_out_of_order() {
    let (client, server) = pair("127.0.0.1:0");
    let mut tokens = Vec::new();
    let mut rx_times = Vec::new();
    let mut buffer = [0u8; 16];
    for index in 0..5u8 {
        tokens.push(Some(send(&client, &[index], server.local_addr()).await));
        let received = receive(&server, &mut buffer).await;
        assert_eq!(&buffer[..received.len], &[index]);
        rx_times.push(received.rx);
    }
    let ids: Vec<u32> = tokens.iter().flatten().map(TxToken::id).collect();
    assert_eq!(ids, [0, 1, 2, 3, 4]);
    let mut tx_times = [None; 5];
    for index in [3, 0, 4, 1, 2] {
        let Some(token) = tokens[index].take() else {
            panic!("token {index} used twice");
        };
        tx_times[index] = tx_timestamp(&client, token).await;
    }
    // On loopback each datagram is stamped on send and then on receipt before the next send:
    // TX0 ≤ RX0 ≤ TX1 ≤ RX1 ≤ … — a timestamp given to the wrong token breaks the chain.
    for index in 0..5 {
        let (Some(tx), Some(rx)) = (tx_times[index], rx_times[index]) else {
            panic!(
                "datagram {index}: TX {:?}, RX {:?}",
                tx_times[index], rx_times[index]
            );
        };
        assert!(tx <= rx, "datagram {index}: TX {tx} after RX {rx}");
        if let Some(Some(previous_rx)) = index.checked_sub(1).map(|previous| rx_times[previous]) {
            assert!(
                previous_rx <= tx,
                "datagram {index}: TX {tx} before previous RX"
            );
        }
    }
}

#[tokio::test]
async fn concurrent_waiters_each_get_their_own_tx_timestamp() {
    let (client, server) = pair("127.0.0.1:0");
    let client = Arc::new(client);
    let first = send(&client, b"1", server.local_addr()).await;
    let second = send(&client, b"2", server.local_addr()).await;
    let (first, second) = tokio::join!(
        tokio::spawn({
            let client = Arc::clone(&client);
            async move { client.tx_timestamp(first, PROMPT).await }
        }),
        tokio::spawn({
            let client = Arc::clone(&client);
            async move { client.tx_timestamp(second, PROMPT).await }
        }),
    );
    let (Ok(Ok(Some(first))), Ok(Ok(Some(second)))) = (first, second) else {
        panic!("both waiters should get a timestamp");
    };
    assert!(first <= second, "{first} then {second}");
}

#[tokio::test]
async fn unclaimed_tx_timestamps_do_not_block_later_ones() {
    let (client, server) = pair("127.0.0.1:0");
    let mut buffer = [0u8; 16];
    let mut last = None;
    for _ in 0..200 {
        last = Some(send(&client, b"x", server.local_addr()).await);
        receive(&server, &mut buffer).await;
    }
    let Some(last) = last else {
        panic!("sent nothing");
    };
    assert_eq!(last.id(), 199);
    assert!(tx_timestamp(&client, last).await.is_some());
}

#[tokio::test]
async fn missing_tx_timestamp_times_out_as_none() {
    let (client, server) = pair("127.0.0.1:0");
    // A datagram number the socket never sent: no report can ever match it.
    let never_sent = TxToken::for_test(1_000, server.local_addr());
    let timeout = Duration::from_millis(50);
    let started = std::time::Instant::now();
    let result = client.tx_timestamp(never_sent, timeout).await;
    assert!(matches!(result, Ok(None)), "{result:?}");
    assert!(started.elapsed() >= timeout);
}

#[tokio::test]
async fn disabled_timestamping_gives_no_timestamps_without_waiting() {
    let client = bind("127.0.0.1:0", Timestamping::Disabled);
    let server = bind("127.0.0.1:0", Timestamping::Disabled);
    let mut buffer = [0u8; 16];
    let token = send(&client, b"plain", server.local_addr()).await;
    let received = receive(&server, &mut buffer).await;
    assert_eq!(received.rx, None);
    let started = std::time::Instant::now();
    let result = client.tx_timestamp(token, Duration::from_secs(30)).await;
    assert!(matches!(result, Ok(None)), "{result:?}");
    assert!(started.elapsed() < PROMPT);
}

#[tokio::test]
async fn long_datagram_is_reported_truncated() {
    let (client, server) = pair("127.0.0.1:0");
    let _token = send(&client, &[7u8; 100], server.local_addr()).await;
    let mut small = [0u8; 10];
    let received = receive(&server, &mut small).await;
    assert!(received.truncated);
    assert_eq!(received.len, 10);
    assert!(received.rx.is_some());
}

#[tokio::test]
async fn binding_to_a_missing_interface_names_it() {
    let options = SocketOptions {
        interface: Some("shiwa-nosuch0".to_owned()),
        ..SocketOptions::default()
    };
    let result = TimestampedUdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0)), options);
    let Err(error) = result else {
        panic!("binding to shiwa-nosuch0 succeeded");
    };
    let message = error.to_string();
    assert!(matches!(error, NetError::Setup { .. }), "{error:?}");
    assert!(
        message.contains("shiwa-nosuch0") && message.contains("127.0.0.1"),
        "{message}"
    );
}

#[tokio::test]
async fn ipv6_loopback_exchange_has_kernel_timestamps() {
    if !ipv6_loopback_available() {
        println!("skipped: no ::1 in /proc/net/if_inet6 (kernel without IPv6 on lo)");
        return;
    }
    let (client, server) = pair("[::1]:0");
    let (tx, rx, before, after) = exchange(&client, &server).await;
    let (Some(tx), Some(rx)) = (tx, rx) else {
        panic!("missing timestamps over ::1: TX {tx:?}, RX {rx:?}");
    };
    assert!(
        before <= tx && tx <= rx && rx <= after,
        "{before} {tx} {rx} {after}"
    );
}

/// Prints how much later user space sees a datagram than the kernel stamped it. Asserts only
/// the order (kernel first); the size of the gap depends on the machine and its load.
#[tokio::test]
async fn kernel_timestamps_precede_user_space_reads() {
    let (client, server) = pair("127.0.0.1:0");
    let mut buffer = [0u8; 16];
    let mut rx_gaps = Vec::new();
    let mut tx_gaps = Vec::new();
    for _ in 0..200 {
        let before_send = now();
        let token = send(&client, b"m", server.local_addr()).await;
        let received = receive(&server, &mut buffer).await;
        let after_recv = now();
        let Some(rx) = received.rx else {
            panic!("no RX timestamp");
        };
        assert!(
            rx <= after_recv,
            "kernel RX {rx} after user-space read {after_recv}"
        );
        rx_gaps.push((after_recv - rx).as_nanos());
        if let Some(tx) = tx_timestamp(&client, token).await {
            tx_gaps.push((tx - before_send).as_nanos());
        }
    }
    rx_gaps.sort_unstable();
    tx_gaps.sort_unstable();
    let summary = |gaps: &[i64]| match (gaps.first(), gaps.get(gaps.len() / 2), gaps.last()) {
        (Some(min), Some(median), Some(max)) => {
            format!("min {min} ns, median {median} ns, max {max} ns")
        }
        _ => "no samples".to_owned(),
    };
    println!(
        "user-space read after recv − kernel RX: {}",
        summary(&rx_gaps)
    );
    println!(
        "kernel TX − user-space read before send: {}",
        summary(&tx_gaps)
    );
}

//! `shiwa query`: a one-shot probe of an NTP server, as `ntpdig -j` or `chronyd -Q` do, with
//! kernel timestamps. Reads the clock, never writes it.

use super::client::{ClientAction, ClientConfig, ClientEvent, NtpClient, RawSample};
use super::driver::{RequestSocket, nonce_rng, realtime_now, resolve};
use crate::engine::plan::server_host_port;
use crate::source::Leap;
use crate::time::Duration;
use rand::Rng;
use serde::Serialize;
use tokio::time::Instant;

/// How to probe.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    /// Requests to send.
    pub count: u32,
    /// Ask for interleaved answers (the first exchange is always basic).
    pub interleaved: bool,
    /// How long to wait for the last answer.
    pub timeout: std::time::Duration,
    /// Time between requests.
    pub interval: std::time::Duration,
}

/// What went wrong before any request could be sent.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The server name did not resolve.
    #[error("{0}")]
    Resolve(String),
    /// The socket could not be opened.
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    /// Invalid options.
    #[error("{0}")]
    Options(String),
}

/// One answer (or a lost request).
#[derive(Debug, Clone, Serialize)]
pub struct QuerySample {
    /// Local − server (positive: this machine is ahead).
    pub offset_ns: i64,
    /// Round-trip delay.
    pub delay_ns: i64,
    /// The server's stratum.
    pub stratum: u8,
    /// The server's reference id.
    pub refid: String,
    /// The server's leap indicator.
    pub leap: Leap,
    /// The server's root delay.
    pub root_delay_ns: i64,
    /// The server's root dispersion.
    pub root_dispersion_ns: i64,
    /// Computed from interleaved timestamps.
    pub interleaved: bool,
}

/// The verdict over all samples.
#[derive(Debug, Clone, Serialize)]
pub struct QuerySummary {
    /// True when the server answered and is synchronised: `query` exits 0.
    pub usable: bool,
    /// Requests sent.
    pub sent: u32,
    /// Usable answers.
    pub answered: u32,
    /// Median offset of the answers (the samples with the lowest delay when interleaved).
    pub offset_ns: Option<i64>,
    /// Lowest delay.
    pub delay_ns: Option<i64>,
    /// The server's stratum.
    pub stratum: Option<u8>,
    /// The server's reference id.
    pub refid: Option<String>,
    /// The server's leap indicator.
    pub leap: Option<Leap>,
    /// Why the server is not usable.
    pub problem: Option<String>,
}

/// The whole probe.
#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    /// The server as asked for.
    pub server: String,
    /// The address probed.
    pub address: String,
    /// Each usable answer, in order.
    pub samples: Vec<QuerySample>,
    /// Rejected answers and why.
    pub rejected: Vec<String>,
    /// The verdict.
    pub summary: QuerySummary,
}

/// Probes `server` (`host`, `host:port`, `[v6]:port`).
pub async fn probe(server: &str, options: &QueryOptions) -> Result<QueryReport, QueryError> {
    let (host, port) = server_host_port(server);
    let peer = resolve(&host, port).await.map_err(QueryError::Resolve)?;
    let mut socket = RequestSocket::open(peer, None)?;
    let config = ClientConfig {
        poll: Duration::from_std(options.interval),
        interleaved: options.interleaved,
        response_timeout: Duration::from_std(options.timeout),
        ..ClientConfig::query(options.count)
    };
    let mut client =
        NtpClient::new(config, server).map_err(|err| QueryError::Options(err.to_string()))?;
    let mut rng = nonce_rng();
    let mut raw = Vec::new();
    let mut rejected = Vec::new();
    let mut next = Instant::now();
    let mut buffer = [0u8; 1024];
    let deadline_after_last = options.timeout;
    let mut give_up: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next), if give_up.is_none() => {
                match client.on_timer(realtime_now(), rng.next_u64()) {
                    ClientAction::Send { packet, next_timer } => {
                        socket.send(&mut client, &packet).await?;
                        next = Instant::now() + next_timer.to_std();
                        if client.status().counters.requests >= u64::from(options.count) {
                            give_up = Some(Instant::now() + deadline_after_last);
                        }
                    }
                    ClientAction::Stop(_) => break,
                }
            }
            _ = tokio::time::sleep_until(give_up.unwrap_or(next)), if give_up.is_some() => break,
            received = socket.recv(&mut buffer) => {
                let Ok(received) = received else { continue };
                let (Some(rx), true) = (received.rx, received.from == peer) else { continue };
                match client.on_response(&buffer[..received.len], rx) {
                    ClientEvent::Sample(report) => raw.push(report.raw),
                    ClientEvent::Rejected(reason) => rejected.push(reason.to_string()),
                    ClientEvent::Kiss(code) => rejected.push(format!("kiss-o'-death {code:?}")),
                    ClientEvent::Ignored(_) => {}
                }
                if client.is_finished() || raw.len() + rejected.len() >= options.count as usize {
                    break;
                }
            }
        }
    }
    let sent = u32::try_from(client.status().counters.requests).unwrap_or(u32::MAX);
    Ok(report(
        server,
        peer.to_string(),
        sent,
        raw,
        rejected,
        options.interleaved,
    ))
}

fn report(
    server: &str,
    address: String,
    sent: u32,
    raw: Vec<RawSample>,
    rejected: Vec<String>,
    interleaved: bool,
) -> QueryReport {
    let samples: Vec<QuerySample> = raw.iter().map(sample).collect();
    // In interleaved mode the first answer is basic: prefer the interleaved ones.
    let chosen: Vec<&QuerySample> = if interleaved && samples.iter().any(|s| s.interleaved) {
        samples.iter().filter(|s| s.interleaved).collect()
    } else {
        samples.iter().collect()
    };
    let mut offsets: Vec<i64> = chosen.iter().map(|s| s.offset_ns).collect();
    offsets.sort_unstable();
    let last = samples.last();
    let problem = match last {
        None if rejected.is_empty() => Some("no answer".to_string()),
        None => Some(format!("no usable answer: {}", rejected.join("; "))),
        Some(s) if s.leap == Leap::Unsynchronized => {
            Some("server is not synchronised (leap 3)".into())
        }
        Some(_) => None,
    };
    QueryReport {
        server: server.to_string(),
        address,
        rejected,
        summary: QuerySummary {
            usable: problem.is_none(),
            sent,
            answered: u32::try_from(samples.len()).unwrap_or(u32::MAX),
            offset_ns: offsets.get(offsets.len() / 2).copied(),
            delay_ns: samples.iter().map(|s| s.delay_ns).min(),
            stratum: last.map(|s| s.stratum),
            refid: last.map(|s| s.refid.clone()),
            leap: last.map(|s| s.leap),
            problem,
        },
        samples,
    }
}

fn sample(raw: &RawSample) -> QuerySample {
    QuerySample {
        offset_ns: raw.offset.as_nanos(),
        delay_ns: raw.delay.as_nanos(),
        stratum: raw.stratum,
        refid: raw.reference_id.to_string(),
        leap: raw.leap,
        root_delay_ns: raw.root_delay.as_nanos(),
        root_dispersion_ns: raw.root_dispersion.as_nanos(),
        interleaved: raw.interleaved,
    }
}

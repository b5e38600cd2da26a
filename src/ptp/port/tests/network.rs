//! A tiny network in virtual time: ports with their own clock offsets, per-direction
//! delays, multicast to every other node, TX timestamps from the sender's clock at the
//! moment of sending, and a log of every datagram for assertions.

use crate::net::ptp::{PtpDestination, PtpPort};
use crate::ptp::port::{Port, PortAction, PortConfig, PortState, PtpSample, StateChangeReason};
use crate::ptp::{ClockIdentity, PortIdentity, PtpMessage};
use crate::time::{Duration, Timestamp};
use std::collections::HashMap;

/// True time at the start of every run: 2026-01-01T00:00:00Z.
pub fn start() -> Timestamp {
    Timestamp::from_secs_nanos(1_767_225_600, 0)
}

/// The identity of node `address` (port 1).
pub fn identity(address: u8) -> PortIdentity {
    PortIdentity::new(ClockIdentity([0x02, 0, 0, 0xff, 0xfe, 0, 0, address]), 1)
}

/// A configuration for node `address` with a fixed seed.
pub fn config(address: u8) -> PortConfig<u8> {
    let mut config = PortConfig::new(identity(address));
    config.seed = 0x5eed_0000 + u64::from(address);
    config
}

/// One datagram as sent.
#[derive(Debug, Clone)]
pub struct Sent {
    /// True time of sending.
    pub at: Timestamp,
    pub from: u8,
    pub destination: PtpDestination<u8>,
    pub bytes: Vec<u8>,
}

impl Sent {
    pub fn message(&self) -> PtpMessage {
        PtpMessage::parse(&self.bytes).expect("the port sends valid messages")
    }
}

pub struct Node {
    pub address: u8,
    pub port: Port<u8>,
    /// Local clock − true time.
    pub clock_offset: Duration,
    /// Everything this node sends is lost.
    pub muted: bool,
    pub samples: Vec<PtpSample>,
    pub transitions: Vec<(PortState, PortState, StateChangeReason)>,
}

struct Delivery {
    at: Timestamp,
    to: usize,
    from: u8,
    bytes: Vec<u8>,
    port: PtpPort,
}

pub struct Network {
    pub nodes: Vec<Node>,
    /// True time.
    pub now: Timestamp,
    /// One-way delay used when `delays` has no entry for the pair.
    pub base_delay: Duration,
    /// Delay from node address to node address.
    pub delays: HashMap<(u8, u8), Duration>,
    pub log: Vec<Sent>,
    in_flight: Vec<Delivery>,
}

impl Network {
    pub fn new(base_delay: Duration) -> Self {
        Network {
            nodes: Vec::new(),
            now: start(),
            base_delay,
            delays: HashMap::new(),
            log: Vec::new(),
            in_flight: Vec::new(),
        }
    }

    /// Adds a node whose clock is `clock_offset` ahead of true time; its port starts now.
    pub fn add(&mut self, config: PortConfig<u8>, clock_offset: Duration) -> usize {
        let address = config.identity.clock_identity.0[7];
        let port = Port::new(config, self.now + clock_offset);
        self.nodes.push(Node {
            address,
            port,
            clock_offset,
            muted: false,
            samples: Vec::new(),
            transitions: Vec::new(),
        });
        self.nodes.len() - 1
    }

    pub fn node(&self, address: u8) -> &Node {
        self.nodes
            .iter()
            .find(|node| node.address == address)
            .expect("a node with this address")
    }

    pub fn node_mut(&mut self, address: u8) -> &mut Node {
        self.nodes
            .iter_mut()
            .find(|node| node.address == address)
            .expect("a node with this address")
    }

    fn index_of(&self, address: u8) -> Option<usize> {
        self.nodes.iter().position(|node| node.address == address)
    }

    /// Runs until true time `end`.
    pub fn run_until(&mut self, end: Timestamp) {
        let mut events_at_same_time = 0;
        loop {
            let timer = self
                .nodes
                .iter()
                .enumerate()
                .map(|(index, node)| (node.port.next_deadline() - node.clock_offset, index))
                .min();
            let delivery = self
                .in_flight
                .iter()
                .enumerate()
                .map(|(index, d)| (d.at, index))
                .min();
            let next = match (timer, delivery) {
                (Some(t), Some(d)) => t.0.min(d.0),
                (Some(t), None) => t.0,
                (None, Some(d)) => d.0,
                (None, None) => break,
            };
            if next > end {
                break;
            }
            events_at_same_time = if next == self.now {
                events_at_same_time + 1
            } else {
                0
            };
            assert!(events_at_same_time < 10_000, "event storm at {next}");
            self.now = next.max(self.now);
            match delivery {
                Some((at, index)) if at <= next => {
                    let delivery = self.in_flight.swap_remove(index);
                    self.deliver(delivery);
                }
                _ => {
                    let index = timer.expect("a timer is due").1;
                    let local = self.now + self.nodes[index].clock_offset;
                    let actions = self.nodes[index].port.on_timer(local);
                    self.apply(index, actions);
                }
            }
        }
        self.now = end;
    }

    /// Runs for `span` of true time.
    pub fn run_for(&mut self, span: Duration) {
        let end = self.now + span;
        self.run_until(end);
    }

    fn deliver(&mut self, delivery: Delivery) {
        let node = &mut self.nodes[delivery.to];
        let local = self.now + node.clock_offset;
        let rx = (delivery.port == PtpPort::Event).then_some(local);
        let actions =
            node.port
                .on_message(&delivery.bytes, delivery.from, delivery.port, rx, local);
        self.apply(delivery.to, actions);
    }

    /// Hands `bytes` to node `to` as if `from` sent them, arriving now.
    pub fn inject(&mut self, to: u8, from: u8, bytes: &[u8], port: PtpPort) {
        let index = self.index_of(to).expect("a node with this address");
        self.deliver(Delivery {
            at: self.now,
            to: index,
            from,
            bytes: bytes.to_vec(),
            port,
        });
    }

    fn apply(&mut self, index: usize, actions: Vec<PortAction<u8>>) {
        for action in actions {
            match action {
                PortAction::Send {
                    bytes,
                    port,
                    destination,
                    tx_key,
                } => {
                    if self.nodes[index].muted {
                        continue;
                    }
                    self.transmit(index, &bytes, port, destination);
                    if let Some(key) = tx_key {
                        let local = self.now + self.nodes[index].clock_offset;
                        let more = self.nodes[index].port.on_tx_timestamp(key, local, local);
                        self.apply(index, more);
                    }
                }
                PortAction::Sample(sample) => self.nodes[index].samples.push(sample),
                PortAction::StateChanged { from, to, reason } => {
                    self.nodes[index].transitions.push((from, to, reason));
                }
            }
        }
    }

    fn transmit(
        &mut self,
        index: usize,
        bytes: &[u8],
        port: PtpPort,
        destination: PtpDestination<u8>,
    ) {
        let from = self.nodes[index].address;
        self.log.push(Sent {
            at: self.now,
            from,
            destination,
            bytes: bytes.to_vec(),
        });
        let recipients: Vec<usize> = match destination {
            PtpDestination::Multicast => (0..self.nodes.len()).filter(|&i| i != index).collect(),
            PtpDestination::Unicast(address) => self.index_of(address).into_iter().collect(),
        };
        for to in recipients {
            let to_address = self.nodes[to].address;
            let delay = self
                .delays
                .get(&(from, to_address))
                .copied()
                .unwrap_or(self.base_delay);
            self.in_flight.push(Delivery {
                at: self.now + delay,
                to,
                from,
                bytes: bytes.to_vec(),
                port,
            });
        }
    }

    /// The datagrams node `from` sent, parsed.
    pub fn sent_by(&self, from: u8) -> Vec<(Sent, PtpMessage)> {
        self.log
            .iter()
            .filter(|sent| sent.from == from)
            .map(|sent| (sent.clone(), sent.message()))
            .collect()
    }
}

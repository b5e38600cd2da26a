//! NTP (RFC 5905) without I/O: the packet codec, a client association and a server
//! responder, with interleaved mode (RFC 9769, formerly draft-ietf-ntp-interleaved-modes)
//! as chrony implements it (`xleave`).
//!
//! Nothing here reads a clock, touches a socket or draws randomness. A driver owns the
//! socket and timers and feeds these state machines:
//!
//! **Client** ([`NtpClient`]):
//! 1. When the timer fires (and once at start), call [`NtpClient::on_timer`] with the local
//!    time and a fresh random `u64`; on [`ClientAction::Send`] send the bytes and re-arm the
//!    timer with `next_timer`; on [`ClientAction::Stop`] drop the association.
//! 2. Give the datagram's kernel TX timestamp to [`NtpClient::on_transmitted`].
//! 3. Give every datagram from the server, with its kernel RX timestamp, to
//!    [`NtpClient::on_response`]; a [`ClientEvent::Sample`] carries the raw sample and,
//!    when it changed, the clock filter's [`Measurement`](crate::source::Measurement).
//!
//! **Server** ([`NtpServer`]): give each request with its kernel RX timestamp and a
//! transmit estimate (the clock read just before sending) to [`NtpServer::on_request`];
//! send what [`ServerAction::Respond`] or [`ServerAction::KissRate`] holds; then give the
//! response's kernel TX timestamp to [`NtpServer::on_transmitted`] with the action's
//! [`TxKey`].
//!
//! Offsets are **local − reference** throughout (the opposite sign of RFC 5905's θ).
//!
//! # Basic mode
//!
//! The client does not reveal its clock: a request carries zero origin and receive fields
//! and a random 64-bit cookie as its transmit timestamp (as chrony does). A response is
//! accepted only if its origin equals the cookie of the request in flight; anything else is
//! counted as bogus, a second answer or a replay of an accepted response as a duplicate. The
//! real T1 is the kernel TX timestamp handed back (the `on_timer` time until then), T4 the
//! kernel RX timestamp, and T2/T3 the response's receive and transmit fields. The server's
//! transmit field is only an estimate taken before its packet left, so its error (queueing,
//! driver) goes straight into the offset and delay.
//!
//! # Interleaved mode
//!
//! The server stamps each response's transmit field with the *precise* TX timestamp of its
//! previous response to the same client, available only after that one left. Exchange *n*
//! (client timestamps T1ₙ/T4ₙ, server T2ₙ/T3ₙ, all kernel timestamps):
//!
//! ```text
//!                     origin             receive             transmit
//! request 1 (basic)   0                  0                   cookie₁
//! response 1          cookie₁            T2₁ (low bit 1)     T3₁ estimate (low bit 0)
//! request 2 (xleave)  T2₁ (as received)  marker₂             cookie₂
//! response 2          marker₂            T2₂ (low bit 1)     T3₁ precise
//! request 3 (xleave)  T2₂                marker₃             cookie₃
//! response 3          marker₃            T2₃                 T3₂ precise
//! ```
//!
//! - The client's origin is the server's receive timestamp from the last valid response:
//!   that is how the server recognises an interleaved request and finds the saved TX
//!   timestamp. Its receive field is a fresh marker (chrony sends its fuzzed T4ₙ₋₁ there;
//!   shiwa a random value, the server only echoes it); its transmit a fresh cookie.
//! - The server answers in interleaved mode when the request is NTPv4, its origin has the
//!   low bit set (the server sets it on every receive timestamp and clears it on every
//!   transmit timestamp, as chrony 4 does, so a basic client's origin never looks
//!   interleaved), receive ≠ transmit, and the origin equals the receive timestamp of its
//!   last response to that client address. The answer's origin is then the request's
//!   *receive* field, its transmit the saved TX timestamp of that last response (each saved
//!   timestamp serves once), its receive the new T2. Otherwise it answers in basic mode
//!   with origin = the request's transmit field. Either way it saves (new T2, transmit
//!   estimate) for the client and replaces the estimate by the kernel TX timestamp when
//!   [`NtpServer::on_transmitted`] is called.
//! - The client tells the modes apart by the origin: cookie → basic, marker → interleaved.
//!   An interleaved response *n* completes exchange *n*−1: the sample uses
//!   T1ₙ₋₁, T2ₙ₋₁ (from response *n*−1), T3ₙ₋₁ (this response's transmit) and T4ₙ₋₁ — all
//!   four precise. The new response's T2ₙ and the client's T1ₙ/T4ₙ are kept for the next.
//!   An interleaved sample is therefore one poll old: its local time (the midpoint of
//!   T1ₙ₋₁ and T4ₙ₋₁) says so.
//!   A basic response (the server has no saved timestamp, e.g. on the first interleaved
//!   request to a chrony server, which saves only for requests that look interleaved) gives
//!   a basic sample, so with chrony the third exchange is the first interleaved one and
//!   with shiwa's server the second.
//! - After four requests without a valid answer the client falls back to basic requests, so
//!   a server never pairs a very old TX timestamp (chrony's rule), and resumes once an
//!   answer arrives.
//!
//! Server clients are keyed by IP address, not port: chrony's client opens a new socket
//! (and port) for every request.

pub mod asymmetry;
pub mod client;
pub mod driver;
pub mod filter;
pub mod packet;
pub mod query;
pub mod refid;
pub mod server;
pub mod timestamp;

pub use client::{
    ClientAction, ClientConfig, ClientEvent, ClientStatus, NtpClient, RawSample, SampleReport,
};
pub use packet::{Mode, NtpPacket, PacketError};
pub use refid::{KissCode, RefId};
pub use server::{NtpServer, ServerAction, ServerConfig, ServerState, TxKey};
pub use timestamp::{NtpShort, NtpTimestamp};

#[cfg(test)]
mod tests;

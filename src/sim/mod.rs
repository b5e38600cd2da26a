//! Simulation building blocks for tests of the pure modules: a network between a
//! [`crate::clock::SimulatedClock`] and reference servers, measurement noise, seeded draws.
//!
//! Everything here runs in virtual time and takes its randomness from a seeded RNG passed in
//! (or, for the clock's own wander, seeded at construction), so a failing run is reproduced
//! exactly from the seed its test prints. Hours of virtual time cost milliseconds.

pub mod network;
pub mod noise;

#[cfg(test)]
mod tests;

pub use network::{Exchange, Jitter, OffsetSensor, SimulatedLink};

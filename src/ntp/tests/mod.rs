//! Client ⇄ server exchanges in memory, and property tests over arbitrary bytes.

mod exchange;
mod fuzz;
mod harness;

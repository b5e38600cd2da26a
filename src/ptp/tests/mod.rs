//! Codec tests: exact bytes as ptp4l and pmc send them (built and captured), rejections,
//! and property tests.

mod bytes;
mod captured;
mod fuzz;
mod rejects;

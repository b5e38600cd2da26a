//! Codec tests: exact bytes as ptp4l and pmc send them, rejections, and property tests.

mod bytes;
mod fuzz;
mod rejects;

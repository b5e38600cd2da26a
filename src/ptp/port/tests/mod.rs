//! Port tests: ports wired back to back in virtual time ([`network`]).

mod management;
mod network;
mod sync;

//! Port tests: ports wired back to back in virtual time ([`network`]), and single ports
//! fed crafted messages ([`fake`]).

mod bmca;
mod fake;
mod management;
mod network;
mod robustness;
mod sync;
mod unicast;

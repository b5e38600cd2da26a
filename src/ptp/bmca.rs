//! The best master clock algorithm's data set comparison (IEEE 1588-2008 §9.3.4, figures
//! 27 and 28) and the choice of the best foreign master on a port (Erbest, §9.3.2.4).
//!
//! Figure 27 compares grandmasters when they differ: priority1, clockClass, clockAccuracy,
//! offsetScaledLogVariance, priority2, then the grandmaster identity; lower wins each step.
//! Figure 28 breaks ties between two paths to the *same* grandmaster: fewer stepsRemoved
//! wins outright when the counts differ by 2 or more; within 1, the topology decides
//! (receiver against sender identities, then sender identities, then receiving port
//! numbers). Two outcomes mean something is wrong: error-1 (a message came back to the
//! port that sent it) and error-2 (the same message seen twice); they are reported as
//! such, where linuxptp folds both into "equal".
//!
//! Pure: the port keeps the foreign-master records and their qualification (two Announces
//! within four intervals, §9.3.2.5) and calls in here.

use crate::ptp::header::PtpHeader;
use crate::ptp::message::AnnounceBody;
use crate::ptp::types::{ClockIdentity, ClockQuality, PortIdentity};
use std::cmp::Ordering;

/// stepsRemoved from which an Announce is not considered (§9.3.2.5 d).
pub const MAX_STEPS_REMOVED: u16 = 255;

/// What the comparison needs from a foreign master's Announce, or from the local clock's
/// default data set (see [`DefaultDataset::as_foreign_master`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ForeignMasterDataset {
    /// The grandmaster's priority1.
    pub grandmaster_priority1: u8,
    /// The grandmaster.
    pub grandmaster_identity: ClockIdentity,
    /// The grandmaster's quality.
    pub grandmaster_clock_quality: ClockQuality,
    /// The grandmaster's priority2.
    pub grandmaster_priority2: u8,
    /// Boundary clocks between the sender and the grandmaster.
    pub steps_removed: u16,
    /// The port that sent the Announce (its sourcePortIdentity).
    pub sender: PortIdentity,
    /// The local port that received it.
    pub receiver: PortIdentity,
}

impl ForeignMasterDataset {
    /// The data set of an Announce with `header` and `announce`, received on `receiver`.
    pub const fn from_announce(
        header: &PtpHeader,
        announce: &AnnounceBody,
        receiver: PortIdentity,
    ) -> Self {
        ForeignMasterDataset {
            grandmaster_priority1: announce.grandmaster_priority1,
            grandmaster_identity: announce.grandmaster_identity,
            grandmaster_clock_quality: announce.grandmaster_clock_quality,
            grandmaster_priority2: announce.grandmaster_priority2,
            steps_removed: announce.steps_removed,
            sender: header.source_port_identity,
            receiver,
        }
    }
}

/// The local clock's defaultDS fields the BMCA uses (D0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DefaultDataset {
    /// This clock.
    pub clock_identity: ClockIdentity,
    /// priority1 (ptp4l default 128).
    pub priority1: u8,
    /// This clock's quality.
    pub clock_quality: ClockQuality,
    /// priority2 (ptp4l default 128).
    pub priority2: u8,
}

impl DefaultDataset {
    /// D0 in the comparison's form (§9.3.4): the clock is its own grandmaster, 0 steps
    /// removed, and both sender and receiver are the clock identity with port number 0,
    /// as ptp4l builds it.
    pub const fn as_foreign_master(&self) -> ForeignMasterDataset {
        let own_port = PortIdentity::new(self.clock_identity, 0);
        ForeignMasterDataset {
            grandmaster_priority1: self.priority1,
            grandmaster_identity: self.clock_identity,
            grandmaster_clock_quality: self.clock_quality,
            grandmaster_priority2: self.priority2,
            steps_removed: 0,
            sender: own_port,
            receiver: own_port,
        }
    }
}

/// The outcome of comparing data set A with data set B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetComparison {
    /// A is better (a better grandmaster, or the same one at least 2 steps closer).
    ABetter,
    /// A is better only by topology (same grandmaster, path tie-break).
    ABetterByTopology,
    /// B is better.
    BBetter,
    /// B is better only by topology.
    BBetterByTopology,
    /// Error-1: the closer data set's receiver and sender are the same port, so its
    /// Announce came back to the port that sent it.
    Error1,
    /// Error-2: same grandmaster, steps, sender and receiving port: one Announce twice.
    Error2,
}

impl DatasetComparison {
    /// A is better, by quality or by topology.
    pub const fn a_is_better(self) -> bool {
        matches!(
            self,
            DatasetComparison::ABetter | DatasetComparison::ABetterByTopology
        )
    }

    /// B is better, by quality or by topology.
    pub const fn b_is_better(self) -> bool {
        matches!(
            self,
            DatasetComparison::BBetter | DatasetComparison::BBetterByTopology
        )
    }

    /// As a sort order where the better data set comes first: `Less` when A is better,
    /// `Greater` when B is, `Equal` for the two error cases.
    pub const fn to_ordering(self) -> Ordering {
        if self.a_is_better() {
            Ordering::Less
        } else if self.b_is_better() {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }
}

/// Compares data sets `a` and `b` as figures 27 and 28 of IEEE 1588-2008 do.
pub fn compare(a: &ForeignMasterDataset, b: &ForeignMasterDataset) -> DatasetComparison {
    if a.grandmaster_identity == b.grandmaster_identity {
        return compare_same_grandmaster(a, b);
    }
    let quality = |set: &ForeignMasterDataset| {
        let q = set.grandmaster_clock_quality;
        (
            set.grandmaster_priority1,
            q.clock_class,
            q.clock_accuracy,
            q.offset_scaled_log_variance,
            set.grandmaster_priority2,
            set.grandmaster_identity,
        )
    };
    // The identities differ, so the tuples cannot be equal.
    if quality(a) < quality(b) {
        DatasetComparison::ABetter
    } else {
        DatasetComparison::BBetter
    }
}

/// Figure 28: two paths to the same grandmaster.
fn compare_same_grandmaster(
    a: &ForeignMasterDataset,
    b: &ForeignMasterDataset,
) -> DatasetComparison {
    let (steps_a, steps_b) = (u32::from(a.steps_removed), u32::from(b.steps_removed));
    if steps_a > steps_b + 1 {
        return DatasetComparison::BBetter;
    }
    if steps_a + 1 < steps_b {
        return DatasetComparison::ABetter;
    }
    match steps_a.cmp(&steps_b) {
        Ordering::Greater => match a.receiver.cmp(&a.sender) {
            Ordering::Less => DatasetComparison::BBetter,
            Ordering::Greater => DatasetComparison::BBetterByTopology,
            Ordering::Equal => DatasetComparison::Error1,
        },
        Ordering::Less => match b.receiver.cmp(&b.sender) {
            Ordering::Less => DatasetComparison::ABetter,
            Ordering::Greater => DatasetComparison::ABetterByTopology,
            Ordering::Equal => DatasetComparison::Error1,
        },
        Ordering::Equal => match a
            .sender
            .cmp(&b.sender)
            .then_with(|| a.receiver.port_number.cmp(&b.receiver.port_number))
        {
            Ordering::Less => DatasetComparison::ABetterByTopology,
            Ordering::Greater => DatasetComparison::BBetterByTopology,
            Ordering::Equal => DatasetComparison::Error2,
        },
    }
}

/// Erbest: the best of a port's qualified foreign masters. Data sets with stepsRemoved of
/// [`MAX_STEPS_REMOVED`] or more are skipped (§9.3.2.5 d); on an error-1/error-2 tie the
/// earlier candidate stays. `None` when nothing is left.
pub fn best_foreign_master<'a, I>(candidates: I) -> Option<&'a ForeignMasterDataset>
where
    I: IntoIterator<Item = &'a ForeignMasterDataset>,
{
    candidates
        .into_iter()
        .filter(|candidate| candidate.steps_removed < MAX_STEPS_REMOVED)
        .fold(None, |best, candidate| match best {
            Some(best) if !compare(candidate, best).a_is_better() => Some(best),
            _ => Some(candidate),
        })
}

#[cfg(test)]
mod tests;

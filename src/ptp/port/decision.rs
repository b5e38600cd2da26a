//! The state decision of IEEE 1588-2008 §9.3.3 (figure 26) for an ordinary clock's one
//! port, where Ebest is Erbest: master when D0 is better (M1/M2), passive when a better
//! master exists and this clock is of class 1–127 (P1), slave otherwise (S1).

use super::config::PortRole;
use crate::ptp::{ForeignMasterDataset, PortIdentity, compare};

/// The highest clockClass that goes passive rather than slave before a better master.
pub const MAX_PASSIVE_CLOCK_CLASS: u8 = 127;

/// What the state decision recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recommendation {
    /// This clock is the best: be master.
    Master,
    /// Follow this foreign master port.
    Slave(PortIdentity),
    /// A better master exists but this clock must not follow it.
    Passive(PortIdentity),
    /// No qualified foreign master: keep listening (what that means depends on the
    /// state; the announce receipt timeout decides).
    NoForeignMaster,
}

/// The recommendation for a port of `role` whose clock is `d0`, with Erbest `erbest`.
pub(crate) fn recommend(
    role: PortRole,
    d0: &ForeignMasterDataset,
    erbest: Option<&ForeignMasterDataset>,
) -> Recommendation {
    if role == PortRole::MasterOnly {
        return Recommendation::Master;
    }
    let Some(erbest) = erbest else {
        return Recommendation::NoForeignMaster;
    };
    if role == PortRole::SlaveOnly {
        return Recommendation::Slave(erbest.sender);
    }
    if compare(d0, erbest).a_is_better() {
        Recommendation::Master
    } else if d0.grandmaster_clock_quality.clock_class <= MAX_PASSIVE_CLOCK_CLASS {
        Recommendation::Passive(erbest.sender)
    } else {
        Recommendation::Slave(erbest.sender)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ptp::{ClockIdentity, ClockQuality, DefaultDataset};

    fn dataset(clock: u8, priority1: u8, clock_class: u8) -> ForeignMasterDataset {
        DefaultDataset {
            clock_identity: ClockIdentity([clock; 8]),
            priority1,
            clock_quality: ClockQuality {
                clock_class,
                clock_accuracy: 0xfe,
                offset_scaled_log_variance: 0xffff,
            },
            priority2: 128,
        }
        .as_foreign_master()
    }

    #[test]
    fn auto_follows_a_better_master_and_leads_a_worse_one() {
        let local = dataset(1, 128, 248);
        let better = dataset(2, 100, 248);
        let worse = dataset(3, 200, 248);
        assert_eq!(
            recommend(PortRole::Auto, &local, Some(&better)),
            Recommendation::Slave(better.sender)
        );
        assert_eq!(
            recommend(PortRole::Auto, &local, Some(&worse)),
            Recommendation::Master
        );
        assert_eq!(
            recommend(PortRole::Auto, &local, None),
            Recommendation::NoForeignMaster
        );
    }

    #[test]
    fn roles_override_the_comparison() {
        let local = dataset(1, 128, 248);
        let worse = dataset(3, 200, 248);
        assert_eq!(
            recommend(PortRole::SlaveOnly, &local, Some(&worse)),
            Recommendation::Slave(worse.sender)
        );
        let better = dataset(2, 1, 6);
        assert_eq!(
            recommend(PortRole::MasterOnly, &local, Some(&better)),
            Recommendation::Master
        );
    }

    #[test]
    fn a_primary_reference_clock_goes_passive_before_a_better_one() {
        let local = dataset(1, 128, 6);
        let better = dataset(2, 100, 6);
        assert_eq!(
            recommend(PortRole::Auto, &local, Some(&better)),
            Recommendation::Passive(better.sender)
        );
    }
}

//! Network interfaces by name: validation and index lookup.
//!
//! The index is what `SO_BINDTOIFINDEX`, `IP_ADD_MEMBERSHIP` (`ip_mreqn`) and
//! `IPV6_JOIN_GROUP` take; the name is what `SO_BINDTODEVICE` and `SIOCSHWTSTAMP` take.

use super::NetError;
use std::num::NonZeroU32;

/// Longest interface name Linux accepts (`IFNAMSIZ` minus the terminating NUL).
pub const MAX_NAME_LEN: usize = libc::IFNAMSIZ - 1;

/// An interface that existed when it was looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    name: String,
    index: NonZeroU32,
}

impl Interface {
    /// Looks up the interface called `name`; errors name it, and say whether the name is
    /// invalid or no such interface exists.
    pub fn lookup(name: &str) -> Result<Interface, NetError> {
        validate_name(name)?;
        let index = nix::net::if_::if_nametoindex(name).map_err(|errno| NetError::Interface {
            interface: name.to_owned(),
            source: errno.into(),
        })?;
        let index = NonZeroU32::new(index).ok_or_else(|| NetError::Interface {
            interface: name.to_owned(),
            source: std::io::Error::from_raw_os_error(libc::ENODEV),
        })?;
        Ok(Interface {
            name: name.to_owned(),
            index,
        })
    }

    /// The interface's name (`eth0`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kernel's interface index (never 0).
    pub fn index(&self) -> NonZeroU32 {
        self.index
    }
}

/// Checks that `name` could be an interface name: 1–15 bytes, no `/`, `:`, NUL or whitespace
/// (the kernel's `dev_valid_name`), and not `.` or `..`.
pub fn validate_name(name: &str) -> Result<(), NetError> {
    let invalid = |reason| {
        Err(NetError::InvalidInterfaceName {
            interface: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return invalid("empty");
    }
    if name.len() > MAX_NAME_LEN {
        return invalid("longer than 15 bytes");
    }
    if name == "." || name == ".." {
        return invalid("`.` and `..` are not interface names");
    }
    if name
        .chars()
        .any(|c| c == '/' || c == ':' || c == '\0' || c.is_whitespace())
    {
        return invalid("contains `/`, `:`, NUL or whitespace");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_exists_with_a_nonzero_index() {
        let interface = Interface::lookup("lo");
        let Ok(interface) = interface else {
            panic!("lo must exist: {interface:?}");
        };
        assert_eq!(interface.name(), "lo");
        assert!(interface.index().get() >= 1);
    }

    #[test]
    fn missing_interface_is_an_error_naming_it() {
        let error = Interface::lookup("shiwa-nosuch0");
        let Err(error) = error else {
            panic!("shiwa-nosuch0 should not exist: {error:?}");
        };
        assert!(matches!(error, NetError::Interface { .. }), "{error:?}");
        assert!(error.to_string().contains("shiwa-nosuch0"), "{error}");
    }

    #[test]
    fn invalid_names_are_rejected_before_asking_the_kernel() {
        for name in [
            "",
            "a-name-that-is-too-long",
            ".",
            "..",
            "eth/0",
            "eth 0",
            "a\0b",
        ] {
            let result = Interface::lookup(name);
            assert!(
                matches!(result, Err(NetError::InvalidInterfaceName { .. })),
                "{name:?}: {result:?}"
            );
        }
        assert!(validate_name("eth0.100").is_ok());
        assert!(validate_name("fifteen-chars-x").is_ok());
    }
}

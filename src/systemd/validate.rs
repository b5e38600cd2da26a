//! Validation of an [`InstallRequest`]: what cannot go into a unit is refused up front, with
//! the option named, before anything is probed or written.

use super::SystemdError;
use super::plan::InstallRequest;
use std::path::Path;

impl InstallRequest {
    /// Checks what cannot go into a unit; errors name the option.
    pub fn validate(&self) -> Result<(), SystemdError> {
        let invalid = |what: String, reason: &str| SystemdError::Invalid {
            what,
            reason: reason.to_string(),
        };
        if self.kinds.is_empty() {
            return Err(invalid("--unit".into(), "name at least one unit"));
        }
        validate_user(&self.settings.user)?;
        validate_path("--binary", &self.settings.binary)?;
        validate_path("--config", &self.settings.config)?;
        if self.settings.restart_sec == 0 {
            let reason = "must be at least 1 second (0 restarts in a tight loop)";
            return Err(invalid("--restart-sec 0".into(), reason));
        }
        Ok(())
    }
}

fn validate_user(user: &str) -> Result<(), SystemdError> {
    let invalid = |reason: &str| SystemdError::Invalid {
        what: format!("--user {user:?}"),
        reason: reason.to_string(),
    };
    if user == "root" {
        return Err(invalid(
            "the units are built for an unprivileged account (sync gets exactly the \
             capabilities it needs); use a dedicated user such as the default `shiwa`",
        ));
    }
    let first_ok = user
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = user
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'));
    if !first_ok || !rest_ok || user.len() > 31 {
        return Err(invalid(
            "a system user name is 1-31 characters of a-z, 0-9, '_' and '-', \
             starting with a letter or '_'",
        ));
    }
    Ok(())
}

fn validate_path(option: &str, path: &Path) -> Result<(), SystemdError> {
    let invalid = |reason: &str| SystemdError::Invalid {
        what: format!("{option} {}", path.display()),
        reason: reason.to_string(),
    };
    let Some(text) = path.to_str() else {
        return Err(invalid("the path is not valid UTF-8"));
    };
    if !path.is_absolute() {
        return Err(invalid("the path must be absolute"));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid("the path contains a control character"));
    }
    let hidden = ["/home", "/root", "/run/user"]
        .iter()
        .any(|dir| path.starts_with(dir));
    if hidden {
        return Err(invalid(
            "ProtectHome=yes hides /home, /root and /run/user from the services; \
             install the file elsewhere (e.g. /usr/local/bin/shiwa, /etc/shiwa/shiwa.yml)",
        ));
    }
    Ok(())
}

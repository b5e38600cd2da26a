//! Checking options before anything is read or written.

use super::generate::check_san;
use super::{CA_NAME, PkiError, PkiOptions};

/// Refuses options that cannot work, before anything is read or written.
pub(crate) fn validate(opts: &PkiOptions) -> Result<(), PkiError> {
    check_stem("--client-name", &opts.client_name)?;
    if let Some(server) = &opts.server {
        check_stem("--server-cn", &server.cn)?;
        if server.cn == opts.client_name {
            return Err(PkiError::InvalidName {
                option: "--server-cn",
                value: server.cn.clone(),
                reason: "is the client's name too; the files would collide",
            });
        }
        server.sans.iter().try_for_each(|san| check_san(san))?;
    }
    check_cn("--ca-cn", opts.ca_cn.as_deref())?;
    check_cn("--client-cn", opts.client_cn.as_deref())?;
    if opts.leaf_days == 0 {
        return Err(PkiError::InvalidValidity(
            "--days must be at least 1".into(),
        ));
    }
    if opts.ca_days < opts.leaf_days {
        return Err(PkiError::InvalidValidity(format!(
            "--ca-days {} is shorter than --days {}: the CA must outlive its certificates",
            opts.ca_days, opts.leaf_days
        )));
    }
    Ok(())
}

pub(crate) fn check_stem(option: &'static str, value: &str) -> Result<(), PkiError> {
    let reason = if value.is_empty() || value.len() > 200 {
        Some("must be 1 to 200 characters")
    } else if value.starts_with('.') {
        Some("must not start with '.'")
    } else if value == CA_NAME {
        Some("is the CA's file name (ca.crt)")
    } else if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Some("is used as a file name: only letters, digits, '-', '_' and '.'")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(PkiError::InvalidName {
            option,
            value: value.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

fn check_cn(option: &'static str, value: Option<&str>) -> Result<(), PkiError> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().any(char::is_control) || v.len() > 64 => {
            Err(PkiError::InvalidName {
                option,
                value: v.to_string(),
                reason: "a common name is 1 to 64 printable characters",
            })
        }
        _ => Ok(()),
    }
}

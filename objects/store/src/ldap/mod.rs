//! The LDAP backend: the LDAP-backed parts of objects (DN, object classes, attribute values)
//! in a real directory server instead of the embedded entry store, through ldap3 over
//! rustls.
//!
//! - [`LdapConfig`]: the `[objects] ldap_*` settings, checked.
//! - `pool`: [`LdapPool`], reused connections, each bound as the configured DN, made on the
//!   spot with one attempt (a server that is gone fails the call at once);
//!   every operation has a time limit, so a server that stops answering fails the call
//!   instead of hanging it.
//! - `entries`: [`LdapDirectory`], what the store does on the directory: read an entry,
//!   search with paging (simple paged results, RFC 2696), find holders of a value, add,
//!   modify, move (modrdn with a new superior) and delete.
//! - `values`: attribute values to and from their LDAP form.
//! - `filter`: RFC 4515 escaping, so a value never changes a filter.
//!
//! Every failure to reach or use the server is an [`ErrorKind::Backend`](crate::ErrorKind)
//! error with backend [`LDAP`].

mod entries;
pub mod filter;
mod pool;
pub mod values;

pub use entries::{DirEntry, LdapDirectory, LdapScope, Modification};
pub use pool::LdapPool;

use std::time::Duration;

use crate::error::{Error, Result};

/// The backend name LDAP errors carry (`data.backend` in replies).
pub const LDAP: &str = "LDAP";

/// Where the directory is and how to bind.
#[derive(Debug, Clone, PartialEq)]
pub struct LdapConfig {
    /// `ldap://HOST:PORT/` or `ldaps://HOST:PORT/`.
    pub url: String,
    /// The DN to bind as (empty: anonymous, which a directory rarely lets write).
    pub bind_dn: String,
    /// Its password.
    pub bind_password: String,
    /// Connections kept at most.
    pub pool_size: u32,
    /// The time limit of connecting and of each operation.
    pub timeout: Duration,
}

impl LdapConfig {
    /// A checked configuration: `url` must be an `ldap://` or `ldaps://` URL with a host;
    /// `bind_password` is read from `bind_password_file` when that is given (one of the two
    /// at most); `pool_size` at least 1; `timeout` positive.
    pub fn new(
        url: &str,
        bind_dn: &str,
        bind_password: &str,
        bind_password_file: &str,
        pool_size: u32,
        timeout_secs: f64,
    ) -> Result<LdapConfig> {
        let url = url.trim();
        let rest = url
            .strip_prefix("ldap://")
            .or_else(|| url.strip_prefix("ldaps://"))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "objects.ldap_url '{url}' is not allowed: ldap://HOST:PORT/ or ldaps://HOST:PORT/"
                ))
            })?;
        if rest.trim_end_matches('/').is_empty() {
            return Err(Error::invalid(format!(
                "objects.ldap_url '{url}' names no host"
            )));
        }
        if !bind_password.is_empty() && !bind_password_file.is_empty() {
            return Err(Error::invalid(
                "objects.ldap_bind_password and objects.ldap_bind_password_file are both set: keep one",
            ));
        }
        let bind_password = if bind_password_file.is_empty() {
            bind_password.to_owned()
        } else {
            std::fs::read_to_string(bind_password_file)
                .map(|p| p.trim_end_matches(['\r', '\n']).to_owned())
                .map_err(|e| {
                    Error::invalid(format!(
                        "objects.ldap_bind_password_file '{bind_password_file}': {e}"
                    ))
                })?
        };
        if pool_size == 0 {
            return Err(Error::invalid("objects.ldap_pool_size must be at least 1"));
        }
        if !(timeout_secs.is_finite() && timeout_secs > 0.0) {
            return Err(Error::invalid(format!(
                "objects.ldap_timeout {timeout_secs} must be a positive number of seconds"
            )));
        }
        Ok(LdapConfig {
            url: url.to_owned(),
            bind_dn: bind_dn.to_owned(),
            bind_password,
            pool_size,
            timeout: Duration::from_secs_f64(timeout_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, pw: &str, file: &str, size: u32, t: f64) -> Result<LdapConfig> {
        LdapConfig::new(url, "cn=admin,dc=net", pw, file, size, t)
    }

    #[test]
    fn bad_settings_are_refused_naming_the_key() {
        let bad = [
            config("http://x/", "", "", 4, 5.0),
            config("ldap://", "", "", 4, 5.0),
            config("ldap://h/", "a", "/etc/hostname", 4, 5.0),
            config("ldap://h/", "", "/no/such/file", 4, 5.0),
            config("ldap://h/", "", "", 0, 5.0),
            config("ldap://h/", "", "", 4, 0.0),
        ];
        let keys = [
            "ldap_url",
            "ldap_url",
            "both",
            "ldap_bind_password_file",
            "ldap_pool_size",
            "ldap_timeout",
        ];
        for (result, key) in bad.into_iter().zip(keys) {
            let e = result.expect_err("refused");
            assert!(e.message.contains(key), "{e} should name {key}");
        }
    }

    #[test]
    fn the_password_file_is_read_without_its_line_end() {
        let path = std::env::temp_dir().join(format!("clacks-ldap-pw-{}", std::process::id()));
        std::fs::write(&path, "s3cret\n").expect("write");
        let c = config("ldaps://h:636/", "", &path.display().to_string(), 2, 1.5);
        let _ = std::fs::remove_file(&path);
        let c = c.expect("valid");
        assert_eq!(c.bind_password, "s3cret");
        assert_eq!(c.timeout, Duration::from_millis(1500));
    }
}

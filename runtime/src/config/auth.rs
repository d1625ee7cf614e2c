//! `[auth]`: how HTTP callers prove who they are. With `enabled`, every `/rpc` and `/events`
//! request needs HTTP Basic (a user of the object layer and its password), a bearer token
//! from `POST /login`, or a client certificate from `http.client_ca_file`; without, callers
//! are `http.user`. Tokens are signed with the domain's key (`token_key_file`, the same file on
//! every node), so any node of the domain accepts them without asking another.

use serde::Deserialize;

use super::values::{bad, positive_seconds};
use crate::Error;

/// The shortest token key accepted, in bytes (HMAC-SHA256 wants at least its output size).
pub const MIN_TOKEN_KEY: usize = 32;

/// `[auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HTTP callers must authenticate; the gateway may then serve beyond loopback.
    #[serde(default)]
    pub enabled: bool,
    /// The file holding the domain's token signing key (at least 32 bytes; the same on every
    /// node of the domain). Needed with `enabled`.
    #[serde(default)]
    pub token_key_file: String,
    /// Seconds a token from `POST /login` is valid.
    #[serde(default = "token_ttl_default")]
    pub token_ttl: f64,
    /// Failed logins (Basic or `/login`) per user, and per client address, within
    /// `failure_window` before further attempts get HTTP 429 until the window has passed.
    #[serde(default = "max_failures_default")]
    pub max_failures: u32,
    /// Seconds failed logins are counted over.
    #[serde(default = "failure_window_default")]
    pub failure_window: f64,
    /// The identity the gateway reads users' password hashes as (`objects.search`); empty:
    /// the node's broker account naming, `DOMAIN-node`.
    #[serde(default)]
    pub lookup_user: String,
    /// A file the node keeps the domain's token revocations in (one `ID EXPIRES_MS` line
    /// each), so they outlive a restart of every node; empty: in memory only.
    #[serde(default)]
    pub revocations_file: String,
}

fn token_ttl_default() -> f64 {
    3600.0
}

fn max_failures_default() -> u32 {
    5
}

fn failure_window_default() -> f64 {
    300.0
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            enabled: false,
            token_key_file: String::new(),
            token_ttl: token_ttl_default(),
            max_failures: max_failures_default(),
            failure_window: failure_window_default(),
            lookup_user: String::new(),
            revocations_file: String::new(),
        }
    }
}

impl AuthSettings {
    /// Checks every value; with `enabled`, the key file must hold a usable key.
    pub fn validate(&self) -> Result<(), Error> {
        positive_seconds("auth.token_ttl", self.token_ttl)?;
        positive_seconds("auth.failure_window", self.failure_window)?;
        if self.max_failures == 0 {
            return Err(bad("auth.max_failures", 0, "at least 1"));
        }
        if self.enabled {
            self.token_key()?;
        }
        let kept = std::path::Path::new(self.revocations_file.trim());
        if let Some(folder) = kept.parent().filter(|f| !f.as_os_str().is_empty()) {
            if !folder.is_dir() {
                return Err(bad(
                    "auth.revocations_file",
                    kept.display(),
                    "a file in a folder that exists (the node rewrites it on every revocation)",
                ));
            }
        }
        Ok(())
    }

    /// The token signing key: the key file's bytes, trailing white space removed (a key
    /// written with `echo` ends in a newline the other nodes' copies may lack).
    pub fn token_key(&self) -> Result<Vec<u8>, Error> {
        let path = self.token_key_file.trim();
        if path.is_empty() {
            return Err(bad(
                "auth.token_key_file",
                "",
                "a file with the domain's token key (auth.enabled is on)",
            ));
        }
        let mut key = std::fs::read(path).map_err(|e| {
            Error::config("auth.token_key_file", format!("cannot read {path}: {e}"))
        })?;
        while key.last().is_some_and(u8::is_ascii_whitespace) {
            key.pop();
        }
        if key.len() < MIN_TOKEN_KEY {
            return Err(bad(
                "auth.token_key_file",
                path,
                "a file of at least 32 bytes of key (e.g. `openssl rand -hex 32`)",
            ));
        }
        Ok(key)
    }

    /// The identity of password lookups for a node of `domain`.
    pub fn lookup_user(&self, domain: &str) -> String {
        if self.lookup_user.trim().is_empty() {
            format!("{domain}-node")
        } else {
            self.lookup_user.trim().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revocations_file_in_a_missing_folder_is_refused_naming_the_key() {
        let mut auth = AuthSettings {
            revocations_file: "/nonexistent-clacks-folder/revoked".into(),
            ..AuthSettings::default()
        };
        let e = auth.validate().unwrap_err().to_string();
        assert!(e.contains("auth.revocations_file"), "{e}");
        auth.revocations_file = std::env::temp_dir().join("revoked").display().to_string();
        assert!(auth.validate().is_ok());
        auth.revocations_file = "revoked-here".into();
        assert!(
            auth.validate().is_ok(),
            "a bare name is in the working folder"
        );
    }
}

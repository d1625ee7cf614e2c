//! Checks of single values that every section of the configuration shares: the error that
//! names a key, the value it was given and what is allowed, and the seconds a duration key
//! must hold. Its own file so that the sections (`settings`, `auth`) depend on it and not on
//! each other.

use std::time::Duration;

use crate::Error;

/// The error for `key` holding `value`, saying what is `allowed`.
pub(super) fn bad(key: &str, value: impl std::fmt::Display, allowed: &str) -> Error {
    Error::config(key, format!("value \"{value}\" is not allowed: {allowed}"))
}

/// `value` seconds for `key`: finite, above 0 and below 10⁹, else an error naming the key.
pub(super) fn positive_seconds(key: &str, value: f64) -> Result<Duration, Error> {
    if value.is_finite() && value > 0.0 && value < 1e9 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(bad(key, value, "a number of seconds greater than 0"))
    }
}

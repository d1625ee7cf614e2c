//! The OTP vocabulary: which siblings restart with a failed child (strategy), which children
//! restart at all (restart type), and how many restarts a supervisor tolerates (intensity).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Which children restart when one exits and must be restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Only the exited child.
    #[default]
    OneForOne,
    /// Every child: the others are stopped in reverse start order, then all start again in order.
    OneForAll,
    /// The exited child and every child started after it.
    RestForOne,
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "one_for_one" => Ok(Strategy::OneForOne),
            "one_for_all" => Ok(Strategy::OneForAll),
            "rest_for_one" => Ok(Strategy::RestForOne),
            _ => Err(format!(
                "unknown strategy '{s}' (allowed: one_for_one, one_for_all, rest_for_one)"
            )),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
        })
    }
}

/// When a child is restarted after it exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RestartType {
    /// Always.
    #[default]
    Permanent,
    /// Only after a failure (a normal exit is final).
    Transient,
    /// Never.
    Temporary,
}

impl RestartType {
    /// Whether an exit with `failed` calls for a restart.
    pub fn restarts_after(self, failed: bool) -> bool {
        match self {
            RestartType::Permanent => true,
            RestartType::Transient => failed,
            RestartType::Temporary => false,
        }
    }
}

/// Restart intensity: more than `max_restarts` within `period` makes the supervisor give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intensity {
    /// Restarts tolerated within the period.
    pub max_restarts: u32,
    /// The sliding window.
    pub period: Duration,
}

impl Default for Intensity {
    /// OTP's and DESIGN.md's default: 5 restarts in 5 s.
    fn default() -> Self {
        Intensity {
            max_restarts: 5,
            period: Duration::from_secs(5),
        }
    }
}

/// A supervisor's whole policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SupervisorConfig {
    /// Which siblings restart together.
    pub strategy: Strategy,
    /// How many restarts before escalation.
    pub intensity: Intensity,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_types_follow_otp() {
        assert!(RestartType::Permanent.restarts_after(false));
        assert!(RestartType::Transient.restarts_after(true));
        assert!(!RestartType::Transient.restarts_after(false));
        assert!(!RestartType::Temporary.restarts_after(true));
    }

    #[test]
    fn strategy_parse_names_allowed_values() {
        assert_eq!("rest_for_one".parse(), Ok(Strategy::RestForOne));
        let err = "all_for_one".parse::<Strategy>().unwrap_err();
        assert!(err.contains("one_for_all"));
    }
}

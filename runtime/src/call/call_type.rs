//! How many providers a command asks and how their answers combine (the original's call types).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// NORMAL, FIRSTRESULT or CUMULATIVE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallType {
    /// One provider, chosen by the domain (shared queue, competing consumers).
    #[default]
    Normal,
    /// All providers in parallel; the first non-null result wins.
    #[serde(rename = "FIRSTRESULT")]
    FirstResult,
    /// All providers in parallel; the results are merged with `responded`/`failed`/`missing`.
    Cumulative,
}

impl CallType {
    /// The spelling used in JSON and Rust docs.
    pub fn as_str(self) -> &'static str {
        match self {
            CallType::Normal => "NORMAL",
            CallType::FirstResult => "FIRSTRESULT",
            CallType::Cumulative => "CUMULATIVE",
        }
    }
}

impl fmt::Display for CallType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallType {
    type Err = String;

    /// Accepts any case, and the original's `CUMMULATIVE` spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "NORMAL" => Ok(CallType::Normal),
            "FIRSTRESULT" | "FIRST_RESULT" => Ok(CallType::FirstResult),
            "CUMULATIVE" | "CUMMULATIVE" => Ok(CallType::Cumulative),
            _ => Err(format!(
                "unknown call type '{s}' (expected NORMAL, FIRSTRESULT or CUMULATIVE)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_original_cummulative_spelling() {
        assert_eq!("CUMMULATIVE".parse::<CallType>(), Ok(CallType::Cumulative));
        assert_eq!("firstresult".parse::<CallType>(), Ok(CallType::FirstResult));
        assert!("sometimes".parse::<CallType>().is_err());
    }

    #[test]
    fn serializes_as_protocol_spelling() {
        let json = serde_json::to_string(&CallType::FirstResult).unwrap();
        assert_eq!(json, "\"FIRSTRESULT\"");
    }
}

//! `--where FACT=VALUE`: which nodes a fleet call runs on, judged by their `host.facts`.
//!
//! FACT is a key of the facts (`hostname`, `os`, `arch`, `kernel`) or a dotted path into them
//! (`os.id`, `cpus.logical`); a key that is not among the built-in facts is looked up in the
//! node's own facts (`custom`, from `[plugins.host] facts`), so `role=db` finds `custom.role`.
//! VALUE matches a text case-insensitively, a number or boolean by its JSON text; an object
//! matches when one of its members does (`os=debian` matches `os.id`), a list when one of its
//! elements does.

use serde_json::Value;
use std::fmt;

/// One `FACT=VALUE` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Where {
    /// The fact, possibly a dotted path.
    pub fact: String,
    /// The value it must have.
    pub value: String,
}

impl Where {
    /// Reads `FACT=VALUE` (what clap calls for `--where`).
    pub fn parse(text: &str) -> Result<Where, String> {
        match text.split_once('=') {
            Some((fact, value)) if !fact.trim().is_empty() => Ok(Where {
                fact: fact.trim().to_owned(),
                value: value.trim().to_owned(),
            }),
            _ => Err(format!(
                "'{text}' is not FACT=VALUE (for example os=debian or role=db)"
            )),
        }
    }

    /// Whether `facts` (a `host.facts` answer) satisfies this condition.
    pub fn holds_for(&self, facts: &Value) -> bool {
        lookup(facts, &self.fact)
            .or_else(|| lookup(&facts["custom"], &self.fact))
            .is_some_and(|found| matches(found, &self.value, true))
    }
}

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.fact, self.value)
    }
}

/// The value at a dotted path.
fn lookup<'v>(facts: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(facts, |at, key| at.get(key))
        .filter(|v| !v.is_null())
}

/// Whether `found` has the value `wanted`; `descend` lets an object or a list match through
/// its members (one level only, so `os=debian` does not dig through every disk).
fn matches(found: &Value, wanted: &str, descend: bool) -> bool {
    match found {
        Value::String(s) => s.eq_ignore_ascii_case(wanted),
        Value::Number(_) | Value::Bool(_) => {
            serde_json::from_str::<Value>(wanted).is_ok_and(|w| w == *found)
        }
        Value::Array(items) if descend => items.iter().any(|v| matches(v, wanted, false)),
        Value::Object(members) if descend => members.values().any(|v| matches(v, wanted, false)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts() -> Value {
        json!({
            "hostname": "web1",
            "os": {"id": "debian", "name": "Debian GNU/Linux", "version": "12"},
            "cpus": {"logical": 8},
            "interfaces": [{"name": "lo"}],
            "custom": {"role": "db", "tags": ["blue", "edge"]}
        })
    }

    fn holds(condition: &str) -> bool {
        Where::parse(condition).unwrap().holds_for(&facts())
    }

    #[test]
    fn a_fact_matches_its_value_case_insensitively() {
        assert!(holds("hostname=WEB1"));
        assert!(!holds("hostname=web2"));
    }

    #[test]
    fn an_object_fact_matches_through_its_members_and_dotted_paths_reach_inside() {
        assert!(holds("os=Debian"));
        assert!(holds("os.version=12"));
        assert!(!holds("os.id=ubuntu"));
        assert!(holds("cpus.logical=8"));
    }

    #[test]
    fn the_nodes_own_facts_are_found_by_their_key() {
        assert!(holds("role=db"));
        assert!(holds("custom.role=db"));
        assert!(holds("tags=edge"));
        assert!(!holds("role=web"));
    }

    #[test]
    fn an_unknown_fact_matches_nothing() {
        assert!(!holds("rack=4"));
        assert!(
            !holds("interfaces=lo"),
            "objects inside lists are not searched"
        );
    }

    #[test]
    fn a_condition_needs_a_fact_and_an_equals_sign() {
        assert!(Where::parse("os").is_err());
        assert!(Where::parse("=debian").is_err());
        assert_eq!(
            Where::parse("role = db").unwrap(),
            Where {
                fact: "role".into(),
                value: "db".into()
            }
        );
    }
}

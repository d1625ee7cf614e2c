//! The original's JSON ACL file format, read and written as it is (`config/agent.acl`):
//!
//! ```json
//! {"roles": {"NAME": [ENTRY, …]},
//!  "acl":   {"BASE DN": [{"acls": [ENTRY, …]}, …]}}
//! ```
//!
//! An ENTRY is `{"id", "priority", "scope", "members", "actions": [{"topic", "acls",
//! "options"}]}`, or `{"id", "priority", "members", "role"}` to use a role (role entries have
//! no `members`). Every error names the place in the file (`acl["dc=example,dc=net"][0]
//! .acls[1].actions[0].acls`). A missing `id` takes the next free one, a missing `priority`
//! the entry's position, as the original did.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::entry::{Action, Entry, Grant, Member, OptionRule, Scope, NEW_ID};
use super::set::{AclSet, Place};
use super::{Pattern, Rights};
use crate::Error;

#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    roles: BTreeMap<String, Vec<RawEntry>>,
    #[serde(default)]
    acl: BTreeMap<String, Vec<RawGroup>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    acls: Vec<RawEntry>,
}

/// One entry as the file and the `acl.add` command give it.
#[derive(Deserialize, Serialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    /// Unique id; absent: the next free one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// -100..=100; absent: the entry's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// `one`, `sub`, `psub`, `reset` (not with `role`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Member patterns (`%group` for a group); not in role entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    /// The actions (not with `role`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<RawAction>>,
    /// The role used instead of actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// One action as written.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    /// Topic pattern.
    pub topic: String,
    /// Rights letters.
    pub acls: String,
    /// Options.
    #[serde(default)]
    pub options: Map<String, Value>,
}

impl RawEntry {
    /// Checks and compiles the entry; `what` names its place for errors; `position` is the
    /// default priority; `in_role` refuses members.
    pub fn compile(&self, what: &str, position: usize, in_role: bool) -> Result<Entry, Error> {
        let priority = match self.priority {
            Some(p) => i32::try_from(p).map_err(|_| {
                Error::acl(format!("{what}.priority"), format!("{p} is out of range"))
            })?,
            None => i32::try_from(position).unwrap_or(i32::MAX),
        };
        let members = match (&self.members, in_role) {
            (Some(m), true) if !m.is_empty() => {
                return Err(Error::acl(
                    format!("{what}.members"),
                    "role entries have no members: the entry that uses the role names them",
                ))
            }
            (Some(m), false) => m
                .iter()
                .enumerate()
                .map(|(i, m)| Member::parse(m, &format!("{what}.members[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            (None, false) => {
                return Err(Error::acl(what, "an entry on a base needs \"members\""));
            }
            _ => Vec::new(),
        };
        let grant = match (&self.role, &self.actions, &self.scope) {
            (Some(_), Some(_), _) => {
                return Err(Error::acl(
                    what,
                    "an entry has either \"actions\" or a \"role\", not both",
                ))
            }
            (Some(_), None, Some(_)) => {
                return Err(Error::acl(
                    format!("{what}.scope"),
                    "an entry using a role has no scope: the role's entries carry it",
                ))
            }
            (Some(role), None, None) => Grant::Role(role.clone()),
            (None, Some(actions), scope) => {
                let scope_text = scope
                    .as_deref()
                    .ok_or_else(|| Error::acl(what, "an entry with actions needs a \"scope\""))?;
                let scope = Scope::parse(scope_text).ok_or_else(|| {
                    Error::acl(
                        format!("{what}.scope"),
                        format!("invalid scope {scope_text:?}: one of one, sub, psub, reset"),
                    )
                })?;
                let actions = actions
                    .iter()
                    .enumerate()
                    .map(|(i, a)| a.compile(&format!("{what}.actions[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                Grant::Actions { scope, actions }
            }
            (None, None, _) => {
                return Err(Error::acl(what, "an entry needs \"actions\" or a \"role\""))
            }
        };
        Ok(Entry {
            id: self.id.unwrap_or(NEW_ID),
            priority,
            members,
            grant,
        })
    }

    /// The written form of an entry.
    pub fn from_entry(entry: &Entry) -> RawEntry {
        let members = if entry.members.is_empty() {
            None
        } else {
            Some(entry.members.iter().map(Member::source).collect())
        };
        let (scope, actions, role) = match &entry.grant {
            Grant::Actions { scope, actions } => (
                Some(scope.as_str().to_owned()),
                Some(actions.iter().map(RawAction::from_action).collect()),
                None,
            ),
            Grant::Role(r) => (None, None, Some(r.clone())),
        };
        RawEntry {
            id: Some(entry.id),
            priority: Some(i64::from(entry.priority)),
            scope,
            members,
            actions,
            role,
        }
    }
}

impl RawAction {
    fn compile(&self, what: &str) -> Result<Action, Error> {
        let topic = Pattern::new(&self.topic, &format!("{what}.topic"))?;
        let rights = Rights::parse(&self.acls, &format!("{what}.acls"))?;
        let mut options = BTreeMap::new();
        for (name, value) in &self.options {
            let rule = match value {
                Value::String(s) => {
                    OptionRule::Pattern(Pattern::new(s, &format!("{what}.options.{name}"))?)
                }
                other => OptionRule::Equals(other.clone()),
            };
            options.insert(name.clone(), rule);
        }
        Ok(Action {
            topic,
            rights,
            options,
        })
    }

    fn from_action(action: &Action) -> RawAction {
        RawAction {
            topic: action.topic.source().to_owned(),
            acls: action.rights.to_string(),
            options: action
                .options
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        }
    }
}

/// Reads an ACL file's text; `source` (the file name) starts every error's place.
pub fn parse(text: &str, source: &str) -> Result<AclSet, Error> {
    let raw: RawFile = serde_json::from_str(text)
        .map_err(|e| Error::acl(source, format!("not an ACL file: {e}")))?;
    let mut set = AclSet::new();
    // Roles first, so entries on bases can use them; entries with ids keep them, the others
    // are numbered after every given id.
    let mut pending = Vec::new();
    for (name, entries) in &raw.roles {
        set.add_role(name)
            .map_err(|e| Error::acl(format!("{source}: roles[{name:?}]"), e.to_string()))?;
        for (i, raw_entry) in entries.iter().enumerate() {
            let what = format!("{source}: roles[{name:?}][{i}]");
            pending.push((
                Place::Role(name.clone()),
                raw_entry.compile(&what, i, true)?,
                what,
            ));
        }
    }
    for (base, groups) in &raw.acl {
        let mut position = 0;
        for (g, group) in groups.iter().enumerate() {
            for (i, raw_entry) in group.acls.iter().enumerate() {
                let what = format!("{source}: acl[{base:?}][{g}].acls[{i}]");
                let place = Place::Base(super::dn::normalize(base));
                pending.push((place, raw_entry.compile(&what, position, false)?, what));
                position += 1;
            }
        }
    }
    let (with_id, without_id): (Vec<_>, Vec<_>) =
        pending.into_iter().partition(|(_, e, _)| e.id != NEW_ID);
    for (place, entry, what) in with_id.into_iter().chain(without_id) {
        set.insert(place, entry)
            .map_err(|e| Error::acl(what, e.to_string()))?;
    }
    set.validate()
        .map_err(|e| Error::acl(source, e.to_string()))?;
    Ok(set)
}

/// Reads an ACL file from disk.
pub fn load(path: &std::path::Path) -> Result<AclSet, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::acl(path.display().to_string(), format!("cannot read: {e}")))?;
    parse(&text, &path.display().to_string())
}

/// The file form of a set (what `parse` reads back to an equal set).
pub fn to_json(set: &AclSet) -> Value {
    let mut raw = RawFile::default();
    for (name, entries) in set.roles() {
        raw.roles.insert(
            name.to_owned(),
            entries.iter().map(RawEntry::from_entry).collect(),
        );
    }
    for (base, entries) in set.bases() {
        raw.acl.insert(
            base.to_owned(),
            vec![RawGroup {
                acls: entries.iter().map(RawEntry::from_entry).collect(),
            }],
        );
    }
    serde_json::to_value(&raw).unwrap_or(Value::Null)
}

/// Writes a set to `path` atomically ([`crate::atomic_write::replace`]), so a node that dies
/// mid-write leaves the previous set, never half of one.
pub fn save(set: &AclSet, path: &std::path::Path) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(&to_json(set))
        .map_err(|e| Error::acl(path.display().to_string(), e.to_string()))?;
    crate::atomic_write::replace(path, text.as_bytes())
        .map_err(|e| Error::acl(path.display().to_string(), format!("cannot write: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = include_str!("../../../config/acl/agent.acl");

    #[test]
    fn the_reference_file_loads_with_its_ids_priorities_and_scopes() {
        let set = parse(REFERENCE, "agent.acl").unwrap();
        let entries = set.entries_on("dc=example,dc=net");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].id, 0);
        assert_eq!(entries[1].id, 1);
        assert!(entries.iter().all(|e| e.priority == -10));
        assert!(entries.iter().all(|e| matches!(
            e.grant,
            Grant::Actions {
                scope: Scope::Psub,
                ..
            }
        )));
    }

    #[test]
    fn a_set_written_and_read_back_is_equal() {
        let text = r#"{"roles": {"viewer": [{"id": 5, "priority": 0, "scope": "sub",
              "actions": [{"topic": "^a$", "acls": "rs", "options": {"type": "^User$", "n": 2}}]}],
            "admin": [{"id": 6, "priority": 1, "role": "viewer"}]},
          "acl": {"dc=x": [{"acls": [{"id": 7, "priority": 3, "members": ["%ops", "^u"], "role": "admin"}]}]}}"#;
        let set = parse(text, "t").unwrap();
        let again = parse(&to_json(&set).to_string(), "t2").unwrap();
        assert_eq!(set, again);
    }

    #[test]
    fn errors_name_the_file_and_the_place_in_it() {
        let bad_right = r#"{"acl": {"dc=x": [{"acls": [{"priority": 0, "scope": "sub",
            "members": ["u"], "actions": [{"topic": "a", "acls": "rq"}]}]}]}}"#;
        let err = parse(bad_right, "f.acl").unwrap_err().to_string();
        assert!(
            err.contains("f.acl") && err.contains(r#"acl["dc=x"][0].acls[0].actions[0].acls"#),
            "{err}"
        );
        let bad_scope = r#"{"acl": {"dc=x": [{"acls": [{"scope": "deep", "members": ["u"],
            "actions": []}]}]}}"#;
        let err = parse(bad_scope, "f.acl").unwrap_err().to_string();
        assert!(err.contains("invalid scope \"deep\""), "{err}");
        let unknown_role = r#"{"acl": {"dc=x": [{"acls": [{"members": ["u"], "role": "r"}]}]}}"#;
        let err = parse(unknown_role, "f.acl").unwrap_err().to_string();
        assert!(err.contains("role \"r\", which does not exist"), "{err}");
        assert!(parse("[1]", "f.acl")
            .unwrap_err()
            .to_string()
            .contains("not an ACL file"));
    }

    #[test]
    fn duplicate_ids_and_role_cycles_in_a_file_are_refused() {
        let dup = r#"{"acl": {"dc=x": [{"acls": [
            {"id": 1, "scope": "sub", "members": ["u"], "actions": []},
            {"id": 1, "scope": "sub", "members": ["v"], "actions": []}]}]}}"#;
        assert!(parse(dup, "f").unwrap_err().to_string().contains("same id"));
        let cycle = r#"{"roles": {"a": [{"role": "b"}], "b": [{"role": "a"}]}}"#;
        let err = parse(cycle, "f").unwrap_err().to_string();
        assert!(err.contains("a → b → a"), "{err}");
    }

    #[test]
    fn entries_without_ids_are_numbered_after_the_given_ones() {
        let text = r#"{"acl": {"dc=x": [{"acls": [
            {"scope": "sub", "members": ["u"], "actions": []},
            {"id": 0, "scope": "sub", "members": ["v"], "actions": []}]}]}}"#;
        let set = parse(text, "f").unwrap();
        let mut ids: Vec<u64> = set.entries_on("dc=x").iter().map(|e| e.id).collect();
        ids.sort();
        assert_eq!(ids, vec![0, 1]);
    }
}

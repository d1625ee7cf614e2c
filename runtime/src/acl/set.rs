//! The ACL set: entries per base and the named roles, always valid. Every change is made on a
//! copy that is checked whole (priorities in range, unique ids, every role reference resolved,
//! no role reaching itself) before it replaces the set, so the resolver never meets a broken
//! set and never loops.

use std::collections::{BTreeMap, BTreeSet};

use super::dn;
use super::entry::{Entry, Grant, NEW_ID, PRIORITY_MAX, PRIORITY_MIN};
use crate::Error;

/// Entries per base and roles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AclSet {
    bases: BTreeMap<String, Vec<Entry>>,
    roles: BTreeMap<String, Vec<Entry>>,
}

/// Where an entry lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// On a base (normalized DN).
    Base(String),
    /// In a role.
    Role(String),
}

impl AclSet {
    /// The empty set (nobody but the admins may do anything).
    pub fn new() -> Self {
        AclSet::default()
    }

    /// True when the set holds no entry and no role.
    pub fn is_empty(&self) -> bool {
        self.bases.is_empty() && self.roles.is_empty()
    }

    /// The bases and their entries, in priority order.
    pub fn bases(&self) -> impl Iterator<Item = (&str, &[Entry])> {
        self.bases.iter().map(|(b, e)| (b.as_str(), e.as_slice()))
    }

    /// The roles and their entries, in priority order.
    pub fn roles(&self) -> impl Iterator<Item = (&str, &[Entry])> {
        self.roles.iter().map(|(r, e)| (r.as_str(), e.as_slice()))
    }

    /// The entries on a normalized base, in priority order.
    pub fn entries_on(&self, base: &str) -> &[Entry] {
        self.bases.get(base).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The entries of a role, if it exists.
    pub fn role(&self, name: &str) -> Option<&[Entry]> {
        self.roles.get(name).map(Vec::as_slice)
    }

    /// True when any action anywhere has options (checks with arguments then bypass the cache).
    pub fn has_options(&self) -> bool {
        self.bases
            .values()
            .chain(self.roles.values())
            .flatten()
            .any(|e| match &e.grant {
                Grant::Actions { actions, .. } => actions.iter().any(|a| !a.options.is_empty()),
                Grant::Role(_) => false,
            })
    }

    /// An id no entry uses.
    pub fn next_id(&self) -> u64 {
        self.all_entries().map(|(_, e)| e.id + 1).max().unwrap_or(0)
    }

    fn all_entries(&self) -> impl Iterator<Item = (Place, &Entry)> {
        let on_bases = self
            .bases
            .iter()
            .flat_map(|(b, es)| es.iter().map(move |e| (Place::Base(b.clone()), e)));
        let in_roles = self
            .roles
            .iter()
            .flat_map(|(r, es)| es.iter().map(move |e| (Place::Role(r.clone()), e)));
        on_bases.chain(in_roles)
    }

    /// Adds `entry` on `base` (an id of [`NEW_ID`] takes the next free one); returns the id.
    pub fn add_entry(&mut self, base: &str, entry: Entry) -> Result<u64, Error> {
        let mut next = self.clone();
        let id = next.insert(Place::Base(dn::normalize(base)), entry)?;
        next.validate()?;
        *self = next;
        Ok(id)
    }

    /// Creates an empty role.
    pub fn add_role(&mut self, name: &str) -> Result<(), Error> {
        if name.is_empty() {
            return Err(Error::acl("role", "a role needs a name"));
        }
        if self.roles.contains_key(name) {
            return Err(Error::acl(
                format!("role {name:?}"),
                "the role exists already",
            ));
        }
        self.roles.insert(name.to_owned(), Vec::new());
        Ok(())
    }

    /// Adds `entry` (no members) to role `name`; returns the id.
    pub fn add_role_entry(&mut self, name: &str, entry: Entry) -> Result<u64, Error> {
        if !self.roles.contains_key(name) {
            return Err(Error::acl(format!("role {name:?}"), "no such role"));
        }
        let mut next = self.clone();
        let id = next.insert(Place::Role(name.to_owned()), entry)?;
        next.validate()?;
        *self = next;
        Ok(id)
    }

    /// Removes the entry with `id` (on a base or in a role) and returns where it was.
    pub fn remove_entry(&mut self, id: u64) -> Result<(Place, Entry), Error> {
        let place = self
            .all_entries()
            .find(|(_, e)| e.id == id)
            .map(|(p, _)| p)
            .ok_or_else(|| Error::acl(format!("entry {id}"), "no ACL entry has this id"))?;
        let list = match &place {
            Place::Base(b) => self.bases.get_mut(b),
            Place::Role(r) => self.roles.get_mut(r),
        };
        let Some(list) = list else {
            return Err(Error::acl(
                format!("entry {id}"),
                "no ACL entry has this id",
            ));
        };
        let Some(pos) = list.iter().position(|e| e.id == id) else {
            return Err(Error::acl(
                format!("entry {id}"),
                "no ACL entry has this id",
            ));
        };
        let entry = list.remove(pos);
        if let Place::Base(b) = &place {
            if list.is_empty() {
                self.bases.remove(b);
            }
        }
        Ok((place, entry))
    }

    /// Removes role `name`; refused while an entry uses it (the error names them).
    pub fn remove_role(&mut self, name: &str) -> Result<(), Error> {
        if !self.roles.contains_key(name) {
            return Err(Error::acl(format!("role {name:?}"), "no such role"));
        }
        let users: Vec<String> = self
            .all_entries()
            .filter(|(_, e)| matches!(&e.grant, Grant::Role(r) if r == name))
            .map(|(place, e)| match place {
                Place::Base(b) => format!("entry {} on {b:?}", e.id),
                Place::Role(r) => format!("entry {} of role {r:?}", e.id),
            })
            .collect();
        if !users.is_empty() {
            return Err(Error::acl(
                format!("role {name:?}"),
                format!("the role is still used by {}", users.join(", ")),
            ));
        }
        self.roles.remove(name);
        Ok(())
    }

    /// Inserts without checking the whole set (the file reader validates once at the end).
    pub(super) fn insert(&mut self, place: Place, mut entry: Entry) -> Result<u64, Error> {
        if entry.id == NEW_ID {
            entry.id = self.next_id();
        }
        let id = entry.id;
        let list = match place {
            Place::Base(b) => {
                if !entry.members.is_empty() || matches!(entry.grant, Grant::Role(_)) {
                    self.bases.entry(b).or_default()
                } else {
                    return Err(Error::acl(
                        format!("entry {id} on {b:?}"),
                        "an entry on a base needs at least one member",
                    ));
                }
            }
            Place::Role(r) => {
                if !entry.members.is_empty() {
                    return Err(Error::acl(
                        format!("entry {id} of role {r:?}"),
                        "role entries have no members: the entry that uses the role names them",
                    ));
                }
                self.roles.entry(r).or_default()
            }
        };
        // Stable: equal priorities keep their order of addition, as the original's sort did.
        let pos = list.partition_point(|e| e.priority <= entry.priority);
        list.insert(pos, entry);
        Ok(id)
    }

    /// Checks the whole set: priorities, unique ids, role references, no cycles.
    pub fn validate(&self) -> Result<(), Error> {
        let mut seen = BTreeSet::new();
        for (place, e) in self.all_entries() {
            let what = match &place {
                Place::Base(b) => format!("entry {} on {b:?}", e.id),
                Place::Role(r) => format!("entry {} of role {r:?}", e.id),
            };
            if !seen.insert(e.id) {
                return Err(Error::acl(what, "another entry has the same id"));
            }
            if !(PRIORITY_MIN..=PRIORITY_MAX).contains(&e.priority) {
                return Err(Error::acl(
                    what,
                    format!(
                        "priority {} is outside {PRIORITY_MIN}..={PRIORITY_MAX}",
                        e.priority
                    ),
                ));
            }
            if let Grant::Role(r) = &e.grant {
                if !self.roles.contains_key(r) {
                    return Err(Error::acl(
                        what,
                        format!("uses role {r:?}, which does not exist"),
                    ));
                }
            }
        }
        for name in self.roles.keys() {
            let mut path = vec![name.as_str()];
            self.find_cycle(&mut path)?;
        }
        Ok(())
    }

    /// Depth-first over role references from the last role of `path`; a role met twice on
    /// one path is a cycle, named in full (`a → b → a`).
    fn find_cycle<'a>(&'a self, path: &mut Vec<&'a str>) -> Result<(), Error> {
        let Some(current) = path.last().copied() else {
            return Ok(());
        };
        for e in self.roles.get(current).into_iter().flatten() {
            if let Grant::Role(next) = &e.grant {
                if let Some(start) = path.iter().position(|r| r == next) {
                    let mut cycle: Vec<&str> = path[start..].to_vec();
                    cycle.push(next);
                    return Err(Error::acl(
                        format!("role {:?}", path[start]),
                        format!("roles use each other in a cycle: {}", cycle.join(" → ")),
                    ));
                }
                path.push(next);
                self.find_cycle(path)?;
                path.pop();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::entry::{Action, Member, Scope};
    use crate::acl::{Pattern, Rights};
    use std::collections::BTreeMap;

    fn actions(priority: i32, members: &[&str]) -> Entry {
        Entry {
            id: NEW_ID,
            priority,
            members: members
                .iter()
                .map(|m| Member::parse(m, "t").unwrap())
                .collect(),
            grant: Grant::Actions {
                scope: Scope::Sub,
                actions: vec![Action {
                    topic: Pattern::new("a", "t").unwrap(),
                    rights: Rights::READ,
                    options: BTreeMap::new(),
                }],
            },
        }
    }

    fn uses(role: &str, members: &[&str]) -> Entry {
        Entry {
            grant: Grant::Role(role.into()),
            ..actions(0, members)
        }
    }

    #[test]
    fn entries_are_kept_in_priority_order_and_ties_in_order_of_addition() {
        let mut set = AclSet::new();
        let a = set.add_entry("dc=x", actions(10, &["u"])).unwrap();
        let b = set.add_entry("dc=x", actions(-5, &["u"])).unwrap();
        let c = set.add_entry("dc=x", actions(10, &["u"])).unwrap();
        let ids: Vec<u64> = set.entries_on("dc=x").iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![b, a, c]);
    }

    #[test]
    fn a_role_cycle_is_refused_naming_every_role_in_it() {
        let mut set = AclSet::new();
        for r in ["a", "b", "c"] {
            set.add_role(r).unwrap();
        }
        set.add_role_entry("a", uses("b", &[])).unwrap();
        set.add_role_entry("b", uses("c", &[])).unwrap();
        let err = set.add_role_entry("c", uses("a", &[])).unwrap_err();
        assert!(err.to_string().contains("a → b → c → a"), "{err}");
        // The refused change left the set as it was.
        assert!(set.role("c").unwrap().is_empty());
    }

    #[test]
    fn a_role_pointing_to_itself_is_a_cycle() {
        let mut set = AclSet::new();
        set.add_role("a").unwrap();
        let err = set.add_role_entry("a", uses("a", &[])).unwrap_err();
        assert!(err.to_string().contains("a → a"), "{err}");
    }

    #[test]
    fn an_unknown_role_and_a_role_in_use_are_refused() {
        let mut set = AclSet::new();
        assert!(set.add_entry("dc=x", uses("nope", &["u"])).is_err());
        set.add_role("r").unwrap();
        let id = set.add_entry("dc=x", uses("r", &["u"])).unwrap();
        let err = set.remove_role("r").unwrap_err();
        assert!(err.to_string().contains(&format!("entry {id}")), "{err}");
        set.remove_entry(id).unwrap();
        set.remove_role("r").unwrap();
    }

    #[test]
    fn priorities_outside_the_range_and_members_in_roles_are_refused() {
        let mut set = AclSet::new();
        assert!(set.add_entry("dc=x", actions(101, &["u"])).is_err());
        assert!(set.add_entry("dc=x", actions(-101, &["u"])).is_err());
        set.add_role("r").unwrap();
        assert!(set.add_role_entry("r", actions(0, &["u"])).is_err());
        assert!(set.add_entry("dc=x", actions(0, &[])).is_err());
    }

    #[test]
    fn removing_an_unknown_id_is_an_error_and_ids_are_not_reused_while_taken() {
        let mut set = AclSet::new();
        let a = set.add_entry("dc=x", actions(0, &["u"])).unwrap();
        let b = set.add_entry("dc=y", actions(0, &["u"])).unwrap();
        assert_ne!(a, b);
        assert!(set.remove_entry(99).is_err());
        assert_eq!(set.remove_entry(a).unwrap().0, Place::Base("dc=x".into()));
        assert!(set.entries_on("dc=x").is_empty());
    }
}

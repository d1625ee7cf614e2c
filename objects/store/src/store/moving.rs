//! Moving an object below another parent: the new parent must lie in the base, exist, not
//! lie below the object itself, and be of a type that may hold the object's. The object
//! keeps its RDN; it and everything below it get their new DNs in one transaction (the
//! moved object's revision goes up, its descendants' stay). With a directory server the
//! entry is moved there too, by one modrdn with a new superior (which moves its subtree),
//! made last inside that transaction (see `ldap_part`).
//!
//! Renaming: an update that gives the naming attribute (the RDN's, `cn` of a User) values
//! without the RDN's value renames the object in place ([`ObjectStore::renamed`]): its DN
//! and its descendants' follow in the same transaction as the update, and on a directory
//! server the entry is renamed (modrdn) before the update's modify.

use clacks_objects::model::WritePlan;

use super::rows::{self, ObjectRow};
use super::{dn, ObjectStore, StoredObject};
use crate::error::{Error, ErrorKind, Result};
use crate::sql::Db;

/// `dn` with its suffix `old` replaced by `new`.
fn reparent(dn: &str, old: &str, new: &str) -> String {
    let keep = dn.len().saturating_sub(old.len());
    format!("{}{new}", &dn[..keep])
}

impl ObjectStore {
    /// Moves `reference` (and what lies below it) below `parent`.
    pub fn move_to(&self, reference: &str, parent: &str) -> Result<StoredObject> {
        if !dn::in_subtree(parent, &self.base) {
            return Err(Error::invalid(format!(
                "parent '{parent}' is outside the base '{}'",
                self.base
            )));
        }
        let (object_type, old_dn) = {
            let mut conn = self.pool.get()?;
            let row = self.find_row(&mut conn, reference)?;
            (row.object_type, row.dn)
        };
        let ldap = self.directory_for(&object_type);
        self.two_phase(&old_dn, |conn, undo| {
            let row = self.find_row(conn, reference)?;
            let target =
                rows::object_by_dn(conn, parent)?.ok_or_else(|| Error::not_found(parent))?;
            if dn::in_subtree(&target.dn, &row.dn) {
                return Err(Error::invalid(format!(
                    "'{}' cannot move below itself ('{}')",
                    row.dn, target.dn
                )));
            }
            if !self
                .catalog
                .may_contain(&target.object_type, &row.object_type)
            {
                return Err(Error::invalid(format!(
                    "a '{}' may not hold a '{}'",
                    target.object_type, row.object_type
                )));
            }
            let new_dn = format!("{},{}", dn::rdn(&row.dn), target.dn);
            if rows::object_by_dn(conn, &new_dn)?.is_some() {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("'{new_dn}' exists already"),
                ));
            }
            move_descendants(conn, &row, &new_dn)?;
            rows::rename(conn, &row.uuid, &new_dn, &target.dn, true)?;
            if let Some(ldap) = ldap {
                ldap.move_entry(&row.dn, dn::rdn(&row.dn), &target.dn)?;
                let (l, old) = (ldap.clone(), row.dn.clone());
                undo.push(move || l.move_entry(&new_dn, dn::rdn(&old), dn::parent(&old)));
            }
            self.reread_and_index(conn, &row.uuid, Some(&row.dn))
        })
    }
}

/// Gives everything below `row` its DN below `new_dn` (revisions unchanged).
fn move_descendants(conn: &mut Db, row: &ObjectRow, new_dn: &str) -> Result<()> {
    for other in rows::all_objects(conn)? {
        if other.uuid == row.uuid || !dn::in_subtree(&other.dn, &row.dn) {
            continue;
        }
        let moved = reparent(&other.dn, &row.dn, new_dn);
        let parent = reparent(&other.parent, &row.dn, new_dn);
        rows::rename(conn, &other.uuid, &moved, &parent, false)?;
    }
    Ok(())
}

impl ObjectStore {
    /// The DN `row` gets from `plan` when the plan gives its naming attribute values
    /// without the RDN's value (`None`: it keeps its DN). Types with a fixed RDN never
    /// rename.
    pub(super) fn renamed(&self, row: &ObjectRow, plan: &WritePlan) -> Result<Option<String>> {
        let fixed = self
            .catalog
            .object(&row.object_type)
            .is_some_and(|d| d.fixed_rdn.is_some());
        let Some((attribute, value)) = dn::rdn(&row.dn).split_once('=') else {
            return Ok(None);
        };
        if fixed {
            return Ok(None);
        }
        let current = dn::unescape_value(value);
        let written = plan.writes.iter().find_map(|w| {
            w.attributes
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
                .map(|(_, a)| &a.values)
        });
        let Some(values) = written else {
            return Ok(None);
        };
        if values.iter().any(|v| v.to_text() == current) {
            return Ok(None);
        }
        let Some(first) = values.first() else {
            return Err(Error::invalid(format!(
                "'{}' cannot lose its naming attribute '{attribute}'",
                row.dn
            )));
        };
        let rdn = format!("{attribute}={}", dn::escape_value(&first.to_text()));
        Ok(Some(format!("{rdn},{}", dn::parent(&row.dn))))
    }

    /// Renames `row` (and the DNs below it) to `new_dn` on `conn`; refused when another
    /// object has that DN.
    pub(super) fn rename_rows(&self, conn: &mut Db, row: &ObjectRow, new_dn: &str) -> Result<()> {
        if rows::object_by_dn(conn, new_dn)?.is_some() {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("cannot rename '{}': '{new_dn}' exists already", row.dn),
            ));
        }
        move_descendants(conn, row, new_dn)?;
        rows::rename(conn, &row.uuid, new_dn, &row.parent, false)
    }
}

#[cfg(test)]
mod tests {
    use super::reparent;

    #[test]
    fn reparenting_replaces_only_the_suffix() {
        assert_eq!(
            reparent("cn=a,ou=x,dc=ex", "ou=x,dc=ex", "ou=y,ou=z,dc=ex"),
            "cn=a,ou=y,ou=z,dc=ex"
        );
    }
}

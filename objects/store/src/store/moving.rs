//! Moving an object below another parent: the new parent must lie in the base, exist, not
//! lie below the object itself, and be of a type that may hold the object's. The object
//! keeps its RDN; it and everything below it get their new DNs in one transaction (the
//! moved object's revision goes up, its descendants' stay). With a directory server the
//! entry is moved there too, by one modrdn with a new superior (which moves its subtree),
//! made last inside that transaction (see `ldap_part`).

use super::rows;
use super::{dn, ObjectStore, StoredObject};
use crate::error::{Error, ErrorKind, Result};

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
        let new_dn_cell = std::cell::RefCell::new(String::new());
        let uuid = self.two_phase(
            &old_dn,
            |conn, done| {
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
                new_dn_cell.replace(new_dn.clone());
                if rows::object_by_dn(conn, &new_dn)?.is_some() {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        format!("'{new_dn}' exists already"),
                    ));
                }
                for other in rows::all_objects(conn)? {
                    if other.uuid == row.uuid || !dn::in_subtree(&other.dn, &row.dn) {
                        continue;
                    }
                    let moved = reparent(&other.dn, &row.dn, &new_dn);
                    let parent = reparent(&other.parent, &row.dn, &new_dn);
                    rows::rename(conn, &other.uuid, &moved, &parent, false)?;
                }
                rows::rename(conn, &row.uuid, &new_dn, &target.dn, true)?;
                if let Some(ldap) = ldap {
                    ldap.move_entry(&row.dn, dn::rdn(&row.dn), &target.dn)?;
                    done();
                }
                Ok::<String, Error>(row.uuid)
            },
            || match ldap {
                Some(ldap) => {
                    ldap.move_entry(&new_dn_cell.borrow(), dn::rdn(&old_dn), dn::parent(&old_dn))
                }
                None => Ok(()),
            },
        )?;
        self.get(&uuid)
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

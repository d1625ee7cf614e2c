//! Conditions that ask the [`Directory`]: `IsExistingDN`, `IsExistingDnOfType` and
//! `ObjectWithPropertyExists`.

use crate::directory::Directory;
use crate::value::Value;

/// Every value is an existing DN.
pub(super) fn existing_dn(values: &[Value], dir: &dyn Directory) -> Result<(), String> {
    for v in values {
        let dn = v.to_text();
        if !dir.dn_exists(&dn) {
            return Err(format!("DN '{dn}' does not exist"));
        }
    }
    Ok(())
}

/// Every value is an existing DN of an object of `object_type`.
pub(super) fn existing_dn_of_type(
    values: &[Value],
    object_type: &str,
    dir: &dyn Directory,
) -> Result<(), String> {
    for v in values {
        let dn = v.to_text();
        if !dir.dn_exists_of_type(&dn, object_type) {
            return Err(format!("DN '{dn}' does not exist or is no '{object_type}'"));
        }
    }
    Ok(())
}

/// For every value, an object of `object_type` has it as a value of `attribute`.
pub(super) fn object_with_property(
    values: &[Value],
    object_type: &str,
    attribute: &str,
    dir: &dyn Directory,
) -> Result<(), String> {
    for v in values {
        let value = v.to_text();
        if !dir.object_with_property_exists(object_type, attribute, &value) {
            return Err(format!(
                "no '{object_type}' object with '{attribute}' property matching '{value}' found"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{MemoryDirectory, MemoryEntry};

    fn dir() -> MemoryDirectory {
        MemoryDirectory::new()
            .with_entry(
                MemoryEntry::new("cn=admins,ou=groups,dc=example", "PosixGroup")
                    .with("cn", "admins"),
            )
            .with_entry(MemoryEntry::new("uid=boss,ou=people,dc=example", "User"))
    }

    #[test]
    fn existing_dns_pass_missing_ones_are_named() {
        let d = dir();
        assert!(existing_dn(&[Value::text("uid=boss,ou=people,dc=example")], &d).is_ok());
        assert_eq!(
            existing_dn(&[Value::text("uid=ghost,dc=example")], &d),
            Err("DN 'uid=ghost,dc=example' does not exist".into())
        );
    }

    #[test]
    fn dn_of_type_checks_the_type() {
        let d = dir();
        let boss = [Value::text("uid=boss,ou=people,dc=example")];
        assert!(existing_dn_of_type(&boss, "User", &d).is_ok());
        assert!(existing_dn_of_type(&boss, "PosixGroup", &d).is_err());
    }

    #[test]
    fn group_membership_needs_an_existing_group() {
        // user-posix.xml: groupMembership → ObjectWithPropertyExists(PosixGroup, cn).
        let d = dir();
        assert!(object_with_property(&[Value::text("admins")], "PosixGroup", "cn", &d).is_ok());
        assert_eq!(
            object_with_property(&[Value::text("staff")], "PosixGroup", "cn", &d),
            Err("no 'PosixGroup' object with 'cn' property matching 'staff' found".into())
        );
        // The manager attribute: ObjectWithPropertyExists(User, dn).
        let boss = [Value::text("uid=boss,ou=people,dc=example")];
        assert!(object_with_property(&boss, "User", "dn", &d).is_ok());
    }
}

//! [`MemoryDirectory`]: a [`Directory`] over entries held in memory, for tests and offline
//! checks. It is a real implementation of the interface (lookups over its entries, ID pools
//! that hand out each number once), not a stand-in that answers canned values.

use super::Directory;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// One object in a [`MemoryDirectory`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryEntry {
    /// The object's DN.
    pub dn: String,
    /// Its base type.
    pub object_type: String,
    /// Its active extensions.
    pub extensions: Vec<String>,
    /// Its attribute values as text.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl MemoryEntry {
    /// An entry of `object_type` at `dn` without attributes.
    pub fn new(dn: impl Into<String>, object_type: impl Into<String>) -> Self {
        MemoryEntry {
            dn: dn.into(),
            object_type: object_type.into(),
            ..MemoryEntry::default()
        }
    }

    /// The same entry with an active extension.
    pub fn extended(mut self, extension: impl Into<String>) -> Self {
        self.extensions.push(extension.into());
        self
    }

    /// The same entry with one more value of `attribute`.
    pub fn with(mut self, attribute: &str, value: impl Into<String>) -> Self {
        self.attributes
            .entry(attribute.to_string())
            .or_default()
            .push(value.into());
        self
    }

    fn is_of(&self, object_type: &str) -> bool {
        self.object_type == object_type || self.extensions.iter().any(|e| e == object_type)
    }
}

/// A directory in memory: entries, ID pools (next number and maximum), ACL role names.
#[derive(Debug, Default)]
pub struct MemoryDirectory {
    entries: Vec<MemoryEntry>,
    pools: Mutex<BTreeMap<String, i64>>,
    roles: Vec<String>,
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same directory with one more entry.
    pub fn with_entry(mut self, entry: MemoryEntry) -> Self {
        self.entries.push(entry);
        self
    }

    /// The same directory with an ID pool whose next number is `next`.
    pub fn with_pool(self, pool: &str, next: i64) -> Self {
        if let Ok(mut pools) = self.pools.lock() {
            pools.insert(pool.to_string(), next);
        }
        self
    }

    /// The same directory with an ACL role name.
    pub fn with_role(mut self, name: &str) -> Self {
        self.roles.push(name.to_string());
        self
    }
}

impl Directory for MemoryDirectory {
    fn dn_exists(&self, dn: &str) -> bool {
        self.entries.iter().any(|e| e.dn.eq_ignore_ascii_case(dn))
    }

    fn dn_exists_of_type(&self, dn: &str, object_type: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.dn.eq_ignore_ascii_case(dn) && e.is_of(object_type))
    }

    fn object_with_property_exists(&self, object_type: &str, attribute: &str, value: &str) -> bool {
        self.entries
            .iter()
            .filter(|e| e.is_of(object_type))
            .any(|e| {
                if attribute == "dn" {
                    e.dn.eq_ignore_ascii_case(value)
                } else {
                    e.attributes
                        .get(attribute)
                        .is_some_and(|vs| vs.iter().any(|v| v == value))
                }
            })
    }

    fn next_id(&self, pool: &str) -> Result<i64, String> {
        let mut pools = self
            .pools
            .lock()
            .map_err(|_| "the ID pools are unusable after a panic".to_string())?;
        let next = pools
            .get_mut(pool)
            .ok_or_else(|| format!("no ID pool for '{pool}'"))?;
        let id = *next;
        *next += 1;
        Ok(id)
    }

    fn acl_role_names(&self) -> Vec<String> {
        self.roles.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> MemoryDirectory {
        MemoryDirectory::new()
            .with_entry(
                MemoryEntry::new("uid=jd,ou=people,dc=example", "User")
                    .extended("PosixUser")
                    .with("uid", "jd"),
            )
            .with_pool("uidNumber", 1000)
    }

    #[test]
    fn dn_lookup_ignores_case() {
        assert!(directory().dn_exists("UID=jd,ou=people,dc=example"));
        assert!(!directory().dn_exists("uid=nobody,dc=example"));
    }

    #[test]
    fn type_matches_base_or_extension() {
        let d = directory();
        assert!(d.dn_exists_of_type("uid=jd,ou=people,dc=example", "PosixUser"));
        assert!(!d.dn_exists_of_type("uid=jd,ou=people,dc=example", "PosixGroup"));
        assert!(d.object_with_property_exists("User", "uid", "jd"));
        assert!(d.object_with_property_exists("User", "dn", "uid=jd,ou=people,dc=example"));
        assert!(!d.object_with_property_exists("PosixGroup", "uid", "jd"));
    }

    #[test]
    fn pools_hand_out_each_number_once() {
        let d = directory();
        assert_eq!(d.next_id("uidNumber"), Ok(1000));
        assert_eq!(d.next_id("uidNumber"), Ok(1001));
        assert!(d.next_id("gidNumber").is_err());
    }
}

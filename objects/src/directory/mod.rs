//! What filters and conditions ask of the server: [`Directory`], a small lookup interface
//! (does a DN exist, does an object with a property value exist, the next free ID of a pool,
//! the ACL role names). The backends issue implements it on LDAP and SQL; [`MemoryDirectory`]
//! holds entries in memory for tests and offline checks.

mod memory;

pub use memory::{MemoryDirectory, MemoryEntry};

/// Lookups the server answers for filters (`GenerateIDs`) and conditions (`IsExistingDN`,
/// `ObjectWithPropertyExists`, `IsAclSet` …). Implementations must be shareable between
/// threads, as a node serves calls concurrently.
pub trait Directory: Send + Sync {
    /// Whether an object with this DN exists.
    fn dn_exists(&self, dn: &str) -> bool;

    /// Whether an object with this DN exists and is of `object_type` (base type or an active
    /// extension).
    fn dn_exists_of_type(&self, dn: &str, object_type: &str) -> bool;

    /// Whether an object of `object_type` (base type or active extension) has `value` among
    /// the values of `attribute`; the pseudo attribute `dn` is the object's DN.
    fn object_with_property_exists(&self, object_type: &str, attribute: &str, value: &str) -> bool;

    /// Takes the next free number of an ID pool (`uidNumber`, `gidNumber`): each call
    /// returns a number no other call returned. An error says why the pool cannot answer.
    fn next_id(&self, pool: &str) -> Result<i64, String>;

    /// The names of the defined ACL roles (for `IsAclSet`/`IsAclRole`'s `rolename`).
    fn acl_role_names(&self) -> Vec<String>;
}

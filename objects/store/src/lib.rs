//! # clacks-object-store: the object model on real backends
//!
//! The object model of `clacks-objects` (definitions, change sets, write plans) executed on
//! a store: an SQL database through diesel — SQLite, embedded and built in, by default;
//! PostgreSQL in production — holding every object's registry row (UUID, DN, type,
//! extensions, revision), the SQL backend's attribute values, and, while no LDAP server is
//! configured, the LDAP-backed parts as an embedded entry store (the same DN tree, object
//! classes and attribute values). With a directory server ([`ldap`],
//! [`ObjectStore::with_ldap`]) the LDAP-backed parts live there instead, and a write that
//! touches both lands in both or in neither (see `store/ldap_part.rs`). A node runs each
//! backend's connections under a supervised backend actor that reports whether it is up.
//!
//! ## Layout
//! - [`error`]: the crate's [`Error`] (backend, refused, not found, conflict, invalid).
//! - [`sql`]: store URLs, the connection over SQLite and PostgreSQL, the pool, the embedded
//!   migrations (`migrations/`), the table definitions.
//! - [`ldap`]: the LDAP backend: settings, connection pool, directory operations (paged
//!   search, add, modify, modrdn, delete), value conversion, filter escaping.
//! - [`store`]: [`ObjectStore`]: get, search ([`store::query`]), create, update, remove,
//!   a definition's method as the command call `objects.call` dispatches ([`store::MethodCall`]),
//!   the model's directory lookups on the store, the seeded base tree.
//! - [`access`]: [`access::ObjectAccess`], the object-level authorisation the RPC asks
//!   ([`access::AllowAll`] until the ACL issue).
//! - [`index`]: the object index `objects.search` reads, kept current on writes,
//!   `BackendChange` events and at start ([`index::ReindexReport`]).
//! - [`store::relation`]: the ObjectHandler backend (relations such as group membership).
//! - [`shipped`]: the definitions shipped in `objects/definitions/`, compiled in.
//! - [`event`]: the `ObjectChanged` event of every write.
//! - [`actor`]: the backend actor ([`actor::backend_child`], for SQL and LDAP) and the
//!   [`actor::BackendStatus`] commands consult before touching a backend.
//!
//! ## Data flow
//! ```text
//! objects.update(ref, changes) → ObjectStore::update_json
//!   → rows (one connection) → ObjectInstance::load (in-filters) → apply (rules)
//!   → writes (out-filters) → WritePlan
//!   → one transaction: revision check, Unique check, entry store + SQL values
//! backend actor: connect with back-off → ping → on loss: BackendStatus down, exit failed
//!   → its supervisor restarts it → connect with back-off …
//! ```

#![warn(missing_docs)]

pub mod access;
pub mod actor;
pub mod error;
pub mod event;
pub mod index;
pub mod ldap;

pub mod shipped;
pub mod sql;
pub mod store;

pub use error::{Error, ErrorKind, Result};
pub use store::{ObjectStore, Page, Scope, StoredObject};

//! The tables of the object store (see `migrations/`), as diesel sees them.

diesel::table! {
    /// Every object: identity, place in the tree, type, extensions and revision.
    clacks_objects (uuid) {
        /// The object's UUID.
        uuid -> Text,
        /// Its DN.
        dn -> Text,
        /// The DN of its parent.
        parent -> Text,
        /// The base type.
        object_type -> Text,
        /// The active extensions, a JSON array.
        extensions -> Text,
        /// Incremented by every write.
        revision -> BigInt,
    }
}

diesel::table! {
    /// The embedded entry store: DN and object classes of LDAP-backed objects.
    clacks_entries (uuid) {
        /// The entry's UUID (the object's).
        uuid -> Text,
        /// Its DN.
        dn -> Text,
        /// Its object classes, a JSON array.
        object_classes -> Text,
    }
}

diesel::table! {
    /// Attribute values per object and store.
    clacks_values (uuid, store, attribute, position) {
        /// The object.
        uuid -> Text,
        /// `SQL` or `LDAP` (the entry store).
        store -> Text,
        /// The attribute as the backend names it.
        attribute -> Text,
        /// The value's place among the attribute's values.
        position -> Integer,
        /// The value, JSON-encoded in its backend type.
        value -> Text,
    }
}

diesel::table! {
    /// ID pools.
    clacks_ids (pool) {
        /// The pool (`uidNumber`, `gidNumber`).
        pool -> Text,
        /// The next free number.
        next_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    clacks_objects,
    clacks_entries,
    clacks_values,
    clacks_ids
);

//! The index tables (see `migrations/…_index`), as diesel sees them.

diesel::table! {
    /// One row per indexed object: its place in the tree, type, revision and attributes.
    clacks_index_objects (uuid) {
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
        /// The revision it was indexed at.
        revision -> BigInt,
        /// Its searchable attributes, a JSON object of value lists.
        attrs -> Text,
    }
}

diesel::table! {
    /// Every indexed value as text, for lookups by attribute and value.
    clacks_index_values (uuid, attribute, position) {
        /// The object.
        uuid -> Text,
        /// The attribute (`_type` and `_extensions` too).
        attribute -> Text,
        /// The value's place among the attribute's values.
        position -> Integer,
        /// The value as a query compares it (text; numbers and truth values as JSON).
        value -> Text,
    }
}

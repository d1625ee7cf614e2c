//! Change sets: what `objects.update` asks of an object — set, add or remove values, extend
//! or retract extensions — in order.

use crate::value::Value;

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Replace the attribute's values (an empty list clears it).
    Set {
        /// The attribute.
        attribute: String,
        /// Its new values.
        values: Vec<Value>,
    },
    /// Add values to the attribute (values it already has are not added twice).
    Add {
        /// The attribute.
        attribute: String,
        /// The values to add.
        values: Vec<Value>,
    },
    /// Remove values from the attribute.
    Remove {
        /// The attribute.
        attribute: String,
        /// The values to remove.
        values: Vec<Value>,
    },
    /// Activate an extension.
    Extend {
        /// The extension.
        extension: String,
    },
    /// Deactivate an extension (its attributes are removed).
    Retract {
        /// The extension.
        extension: String,
    },
}

/// Changes applied in order, all or none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// The changes.
    pub changes: Vec<Change>,
}

impl ChangeSet {
    /// An empty change set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same set plus setting `attribute` to `values`.
    pub fn set(mut self, attribute: &str, values: Vec<Value>) -> Self {
        self.changes.push(Change::Set {
            attribute: attribute.to_string(),
            values,
        });
        self
    }

    /// The same set plus setting `attribute` to one text value.
    pub fn set_text(self, attribute: &str, value: &str) -> Self {
        self.set(attribute, vec![Value::text(value)])
    }

    /// The same set plus adding `values` to `attribute`.
    pub fn add(mut self, attribute: &str, values: Vec<Value>) -> Self {
        self.changes.push(Change::Add {
            attribute: attribute.to_string(),
            values,
        });
        self
    }

    /// The same set plus removing `values` from `attribute`.
    pub fn remove(mut self, attribute: &str, values: Vec<Value>) -> Self {
        self.changes.push(Change::Remove {
            attribute: attribute.to_string(),
            values,
        });
        self
    }

    /// The same set plus activating `extension`.
    pub fn extend(mut self, extension: &str) -> Self {
        self.changes.push(Change::Extend {
            extension: extension.to_string(),
        });
        self
    }

    /// The same set plus deactivating `extension`.
    pub fn retract(mut self, extension: &str) -> Self {
        self.changes.push(Change::Retract {
            extension: extension.to_string(),
        });
        self
    }
}

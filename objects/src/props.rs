//! The working set filters see: [`Props`], every attribute of an object with
//! its values, backends and types — the original's `valDict`.
//!
//! The model builds one from an object's state before running a filter chain; a filter may
//! change any attribute's values, backends or backend type in it (`GenerateGecos` writes
//! `gecos` while running for `autoGECOS`), and may even rename the attribute it runs for
//! (`Target`).

use crate::types::AttrType;
use crate::value::Value;
use std::collections::BTreeMap;

/// One attribute in the working set.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// The current values.
    pub value: Vec<Value>,
    /// The values as the backend delivered them, before in-filters (empty for new objects).
    pub in_value: Vec<Value>,
    /// The backends the attribute is written to (`SetBackends` may change them).
    pub backends: Vec<String>,
    /// The attribute's type.
    pub attr_type: AttrType,
    /// The type the backend stores (filters like `DatetimeToString` change it).
    pub backend_type: AttrType,
    /// Whether the attribute takes several values.
    pub multivalue: bool,
}

impl Prop {
    /// A single-value attribute of `attr_type` on `backend`, without values.
    pub fn new(attr_type: AttrType, backend: &str) -> Prop {
        Prop {
            value: Vec::new(),
            in_value: Vec::new(),
            backends: vec![backend.to_string()],
            attr_type,
            backend_type: attr_type,
            multivalue: false,
        }
    }

    /// The same attribute holding `values`.
    pub fn with_values(mut self, values: Vec<Value>) -> Prop {
        self.value = values;
        self
    }

    /// The first value as text, or `""` (how the original's generators read single values).
    pub fn first_text(&self) -> String {
        self.value.first().map(Value::to_text).unwrap_or_default()
    }
}

/// Every attribute of the object, by name.
pub type Props = BTreeMap<String, Prop>;

/// The first value of `name` as text, `""` when the attribute is absent or empty.
pub fn first_text(props: &Props, name: &str) -> String {
    props.get(name).map(Prop::first_text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_and_empty_attributes_read_as_empty_text() {
        let mut props = Props::new();
        props.insert("sn".into(), Prop::new(AttrType::String, "LDAP"));
        assert_eq!(first_text(&props, "sn"), "");
        assert_eq!(first_text(&props, "givenName"), "");
        props.insert(
            "sn".into(),
            Prop::new(AttrType::String, "LDAP").with_values(vec![Value::text("Doe")]),
        );
        assert_eq!(first_text(&props, "sn"), "Doe");
    }
}

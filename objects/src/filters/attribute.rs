//! Filters on the attribute itself: `Target` (rename), `SetBackends`, `AddBackend`,
//! `SetValue` and `Clear` (filter/basic.py).

use crate::props::{Prop, Props};

/// Renames attribute `key` to `new_key` in the working set.
pub(super) fn target(key: &mut String, props: &mut Props, new_key: &str) -> Result<(), String> {
    if new_key.is_empty() {
        return Err("the new name is empty".into());
    }
    if key.as_str() != new_key {
        let prop = props
            .remove(key.as_str())
            .ok_or_else(|| format!("attribute '{key}' is not in the object"))?;
        props.insert(new_key.to_string(), prop);
        *key = new_key.to_string();
    }
    Ok(())
}

/// Writes the attribute to exactly these backends.
pub(super) fn set_backends(prop: &mut Prop, backends: &[String]) -> Result<(), String> {
    prop.backends = backends.to_vec();
    Ok(())
}

/// Also writes the attribute to `backend`.
pub(super) fn add_backend(prop: &mut Prop, backend: &str) -> Result<(), String> {
    if !prop.backends.iter().any(|b| b == backend) {
        prop.backends.push(backend.to_string());
    }
    Ok(())
}

/// Sets the value to `value` read as the attribute's type.
pub(super) fn set_value(prop: &mut Prop, value: &str) -> Result<(), String> {
    prop.value = vec![prop.attr_type.parse(value)?];
    Ok(())
}

/// Clears the value: one empty text for text attributes (so that `ConcatString` can build on
/// it, as user.xml's `cn` does), no value for others.
pub(super) fn clear(prop: &mut Prop) -> Result<(), String> {
    prop.value = match prop.attr_type.parse("") {
        Ok(v) if prop.attr_type.is_text() => vec![v],
        _ => Vec::new(),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::AttrType;
    use crate::value::Value;

    #[test]
    fn target_documented_example_renames_the_key() {
        // basic.py: Target('passwordMethod')
        let mut props = Props::new();
        props.insert("method".into(), Prop::new(AttrType::String, "NULL"));
        let mut key = "method".to_string();
        assert!(target(&mut key, &mut props, "passwordMethod").is_ok());
        assert_eq!(key, "passwordMethod");
        assert!(props.contains_key("passwordMethod") && !props.contains_key("method"));
    }

    #[test]
    fn set_backends_documented_example() {
        // user.xml: uid's SetBackends('NULL', 'LDAP')
        let mut p = Prop::new(AttrType::String, "LDAP");
        assert!(set_backends(&mut p, &["NULL".into(), "LDAP".into()]).is_ok());
        assert_eq!(p.backends, ["NULL", "LDAP"]);
        assert!(add_backend(&mut p, "SQL").is_ok());
        assert!(add_backend(&mut p, "SQL").is_ok());
        assert_eq!(p.backends, ["NULL", "LDAP", "SQL"]);
    }

    #[test]
    fn set_value_documented_example_uses_the_type() {
        // basic.py: SetValue('Hallo mein name ist Peter')
        let mut p = Prop::new(AttrType::UnicodeString, "LDAP");
        assert!(set_value(&mut p, "Hallo mein name ist Peter").is_ok());
        assert_eq!(p.value, vec![Value::text("Hallo mein name ist Peter")]);
        let mut n = Prop::new(AttrType::Integer, "LDAP");
        assert!(set_value(&mut n, "42").is_ok());
        assert_eq!(n.value, vec![Value::Integer(42)]);
        assert!(set_value(&mut n, "many").is_err());
    }

    #[test]
    fn clear_leaves_one_empty_text() {
        let mut p = Prop::new(AttrType::String, "LDAP").with_values(vec![Value::text("x")]);
        assert!(clear(&mut p).is_ok());
        assert_eq!(p.value, vec![Value::text("")]);
        let mut n = Prop::new(AttrType::Integer, "LDAP").with_values(vec![Value::Integer(1)]);
        assert!(clear(&mut n).is_ok());
        assert!(n.value.is_empty());
    }
}

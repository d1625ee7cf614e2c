//! Display-name filters (user/filters.py): `GenerateDisplayName` keeps `displayName` as
//! `givenName sn` while `autoDisplayName` is on; `LoadDisplayNameState` tells on reading
//! whether it was.

use crate::props::{first_text, Props};
use crate::value::Value;

/// The generated display name: `givenName sn`.
pub(crate) fn display_name_of(props: &Props) -> String {
    format!(
        "{} {}",
        first_text(props, "givenName"),
        first_text(props, "sn")
    )
}

/// Sets `displayName` while `autoDisplayName` is true.
pub(super) fn generate(props: &mut Props) -> Result<(), String> {
    let auto = props
        .get("autoDisplayName")
        .and_then(|p| p.value.first())
        .is_some_and(|v| matches!(v, Value::Boolean(true)));
    if auto {
        let name = display_name_of(props);
        let prop = props
            .get_mut("displayName")
            .ok_or("the object has no 'displayName' attribute")?;
        prop.value = vec![Value::Text(name)];
    }
    Ok(())
}

/// Sets the key (`autoDisplayName`) to whether `displayName` is empty or the generated one.
pub(super) fn load_state(key: &str, props: &mut Props) -> Result<(), String> {
    let current = props
        .get("displayName")
        .and_then(|p| p.value.first())
        .map(Value::to_text);
    let auto = current.is_none_or(|d| d == display_name_of(props));
    let prop = props
        .get_mut(key)
        .ok_or_else(|| format!("attribute '{key}' is not in the object"))?;
    prop.value = vec![Value::Boolean(auto)];
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::Prop;
    use crate::types::AttrType;

    fn user(display: Option<&str>, auto: bool) -> Props {
        let mut p = Props::new();
        let t =
            |v: &str| Prop::new(AttrType::UnicodeString, "LDAP").with_values(vec![Value::text(v)]);
        p.insert("givenName".into(), t("John"));
        p.insert("sn".into(), t("Doe"));
        p.insert(
            "displayName".into(),
            match display {
                Some(d) => t(d),
                None => Prop::new(AttrType::UnicodeString, "LDAP"),
            },
        );
        p.insert(
            "autoDisplayName".into(),
            Prop::new(AttrType::Boolean, "NULL").with_values(vec![Value::Boolean(auto)]),
        );
        p
    }

    #[test]
    fn display_name_follows_the_names_when_auto() {
        let mut p = user(Some("Old"), true);
        assert!(generate(&mut p).is_ok());
        assert_eq!(first_text(&p, "displayName"), "John Doe");
        let mut manual = user(Some("Johnny"), false);
        assert!(generate(&mut manual).is_ok());
        assert_eq!(first_text(&manual, "displayName"), "Johnny");
    }

    #[test]
    fn state_is_auto_when_empty_or_generated() {
        for (display, auto) in [
            (None, true),
            (Some("John Doe"), true),
            (Some("Johnny"), false),
        ] {
            let mut p = user(display, !auto);
            assert!(load_state("autoDisplayName", &mut p).is_ok());
            assert_eq!(
                p.get("autoDisplayName").map(|a| a.value.clone()),
                Some(vec![Value::Boolean(auto)]),
                "{display:?}"
            );
        }
    }
}

//! Display-name filters (user/filters.py): `GenerateDisplayName` keeps `displayName` as
//! `givenName sn` while `autoDisplayName` is on; `LoadDisplayNameState` tells on reading
//! whether it was.

use super::generated;
use crate::props::{first_text, Props};

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
    generated::generate(props, "autoDisplayName", "displayName", display_name_of)
}

/// Sets the key (`autoDisplayName`) to whether `displayName` is empty or the generated one.
pub(super) fn load_state(key: &str, props: &mut Props) -> Result<(), String> {
    generated::load_state(key, props, "displayName", display_name_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::Prop;
    use crate::types::AttrType;
    use crate::value::Value;

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

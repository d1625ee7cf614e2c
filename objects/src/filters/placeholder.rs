//! Filling `%(name)s` placeholders in filter parameters with the object's values, as the
//! original did with Python's `%` operator before running a filter list.
//!
//! `%%` stands for `%` (so date formats are written `%%Y-%%m-%%d`). If a parameter names an
//! attribute the object does not have, it stays as written (the original caught the
//! `KeyError`). Differences, deliberately: an attribute without a value fills in as empty
//! text (Python wrote `None`), several values fill in joined by `, ` (Python wrote a list
//! literal), and other `%` sequences stay as they are (Python raised an error).

use crate::props::Props;
use crate::value::Value;

/// Whether `param` holds a `%(name)…` placeholder.
pub(super) fn has_placeholders(param: &str) -> bool {
    param.contains("%(")
}

/// `param` with `%%` turned into `%` (the form static checks look at).
pub(super) fn unescape(param: &str) -> String {
    param.replace("%%", "%")
}

/// `param` with its placeholders filled from `props`.
pub(super) fn fill(param: &str, props: &Props) -> String {
    let mut out = String::with_capacity(param.len());
    let mut rest = param;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos + 1..];
        if let Some(after) = tail.strip_prefix('%') {
            out.push('%');
            rest = after;
        } else if let Some(named) = tail.strip_prefix('(') {
            let Some(close) = named.find(')') else {
                out.push('%');
                rest = tail;
                continue;
            };
            let name = &named[..close];
            let Some(prop) = props.get(name) else {
                return param.to_string();
            };
            let text: Vec<String> = prop.value.iter().map(Value::to_text).collect();
            out.push_str(&text.join(", "));
            // Skip the conversion letter (`s`, `d` …) after the closing parenthesis.
            let after = &named[close + 1..];
            let mut chars = after.chars();
            rest = match chars.next() {
                Some(c) if c.is_ascii_alphabetic() => chars.as_str(),
                _ => after,
            };
        } else {
            out.push('%');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::Prop;
    use crate::types::AttrType;

    fn props() -> Props {
        let mut p = Props::new();
        let text = |v: &[&str]| v.iter().map(|s| Value::text(*s)).collect();
        p.insert(
            "givenName".into(),
            Prop::new(AttrType::String, "LDAP").with_values(text(&["John"])),
        );
        p.insert(
            "sn".into(),
            Prop::new(AttrType::String, "LDAP").with_values(text(&["Doe"])),
        );
        p.insert(
            "mail".into(),
            Prop::new(AttrType::String, "LDAP").with_values(text(&["a@x", "b@x"])),
        );
        p.insert("title".into(), Prop::new(AttrType::String, "LDAP"));
        p
    }

    #[test]
    fn user_cn_placeholders_fill_in() {
        // user.xml: ConcatString('%(givenName)s %(sn)s', 'left') builds cn.
        assert_eq!(fill("%(givenName)s %(sn)s", &props()), "John Doe");
    }

    #[test]
    fn double_percent_is_a_percent() {
        assert_eq!(fill("%%Y-%%m-%%d", &props()), "%Y-%m-%d");
        assert_eq!(unescape("%%Y"), "%Y");
    }

    #[test]
    fn unknown_names_leave_the_parameter_as_written() {
        assert_eq!(
            fill("%(nobody)s and %(sn)s", &props()),
            "%(nobody)s and %(sn)s"
        );
    }

    #[test]
    fn empty_and_multiple_values() {
        assert_eq!(fill("[%(title)s]", &props()), "[]");
        assert_eq!(fill("%(mail)s", &props()), "a@x, b@x");
    }

    #[test]
    fn lone_percent_sequences_stay() {
        assert_eq!(fill("100%", &props()), "100%");
        assert_eq!(fill("%Y", &props()), "%Y");
        assert!(has_placeholders("%(x)s"));
        assert!(!has_placeholders("%%Y"));
    }
}

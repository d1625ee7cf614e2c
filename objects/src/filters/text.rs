//! Text filters: `ConcatString`, `JoinArray`, `SplitString` and `Replace` (filter/strings.py).

use crate::props::Prop;
use crate::value::Value;

/// Prepends (`left`) or appends (`right`) `appstr` to every value.
pub(super) fn concat(prop: &mut Prop, appstr: &str, position: &str) -> Result<(), String> {
    for v in &mut prop.value {
        let t = v.to_text();
        *v = Value::Text(if position == "right" {
            format!("{t}{appstr}")
        } else {
            format!("{appstr}{t}")
        });
    }
    Ok(())
}

/// Joins all values with `glue` into one (none if the result is empty).
pub(super) fn join(prop: &mut Prop, glue: &str) -> Result<(), String> {
    let joined = prop
        .value
        .iter()
        .map(Value::to_text)
        .collect::<Vec<_>>()
        .join(glue);
    prop.value = if joined.is_empty() {
        Vec::new()
    } else {
        vec![Value::Text(joined)]
    };
    Ok(())
}

/// Splits the first value at `glue`, dropping empty parts.
pub(super) fn split(prop: &mut Prop, glue: &str) -> Result<(), String> {
    if glue.is_empty() {
        return Err("the separator is empty".into());
    }
    if let Some(first) = prop.value.first().map(Value::to_text) {
        prop.value = first
            .split(glue)
            .filter(|s| !s.is_empty())
            .map(Value::text)
            .collect();
    }
    Ok(())
}

/// Replaces every match of the Python regex `pattern` by `replacement` (`\1` references).
pub(super) fn replace(prop: &mut Prop, pattern: &str, replacement: &str) -> Result<(), String> {
    let re = crate::pyre::compile_search(pattern).map_err(|e| format!("bad pattern: {e}"))?;
    let rep = crate::pyre::replacement(replacement);
    for v in &mut prop.value {
        *v = Value::Text(re.replace_all(&v.to_text(), rep.as_str()).into_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::AttrType;

    fn prop(values: &[&str]) -> Prop {
        Prop::new(AttrType::String, "LDAP")
            .with_values(values.iter().map(|s| Value::text(*s)).collect())
    }

    fn texts(p: &Prop) -> Vec<String> {
        p.value.iter().map(Value::to_text).collect()
    }

    #[test]
    fn concat_string_documented_example() {
        // strings.py: ConcatString('Hello Mr. ', 'left')
        let mut p = prop(&["Doe"]);
        assert!(concat(&mut p, "Hello Mr. ", "left").is_ok());
        assert_eq!(texts(&p), ["Hello Mr. Doe"]);
        assert!(concat(&mut p, "!", "right").is_ok());
        assert_eq!(texts(&p), ["Hello Mr. Doe!"]);
    }

    #[test]
    fn join_array_documented_example() {
        // strings.py: JoinArray(',')
        let mut p = prop(&["a", "b", "c"]);
        assert!(join(&mut p, ",").is_ok());
        assert_eq!(texts(&p), ["a,b,c"]);
        let mut empty = prop(&[]);
        assert!(join(&mut empty, ",").is_ok());
        assert!(empty.value.is_empty());
    }

    #[test]
    fn split_string_documented_example() {
        // strings.py: SplitString(',')
        let mut p = prop(&["a,,b,c"]);
        assert!(split(&mut p, ",").is_ok());
        assert_eq!(texts(&p), ["a", "b", "c"]);
    }

    #[test]
    fn replace_documented_example() {
        // strings.py: Replace('^{([^}]*)}.*$', 'Result: \1')
        let mut p = prop(&["{CRYPT}$1$abc"]);
        assert!(replace(&mut p, r"^{([^}]*)}.*$", r"Result: \1").is_ok());
        assert_eq!(texts(&p), ["Result: CRYPT"]);
    }
}

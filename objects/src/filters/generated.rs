//! Attributes the original keeps generated from others while an `auto…` flag is on
//! (`displayName` from the names, `gecos` from the names and phones): one rule for writing
//! the generated value and one for telling, on reading, whether the stored value is the
//! generated one. The display-name and POSIX filters both use it.

use crate::props::Props;
use crate::value::Value;

/// Sets `attribute` to `make(props)` while the boolean `flag` attribute is true.
pub(super) fn generate(
    props: &mut Props,
    flag: &str,
    attribute: &str,
    make: fn(&Props) -> String,
) -> Result<(), String> {
    let on = props
        .get(flag)
        .and_then(|p| p.value.first())
        .is_some_and(|v| matches!(v, Value::Boolean(true)));
    if on {
        let value = make(props);
        let prop = props
            .get_mut(attribute)
            .ok_or_else(|| format!("the object has no '{attribute}' attribute"))?;
        prop.value = vec![Value::Text(value)];
    }
    Ok(())
}

/// Sets the flag attribute `key` to whether `attribute` is empty or equal to `make(props)`.
pub(super) fn load_state(
    key: &str,
    props: &mut Props,
    attribute: &str,
    make: fn(&Props) -> String,
) -> Result<(), String> {
    let current = props
        .get(attribute)
        .and_then(|p| p.value.first())
        .map(Value::to_text);
    let generated = current.is_none_or(|v| v == make(props));
    let prop = props
        .get_mut(key)
        .ok_or_else(|| format!("attribute '{key}' is not in the object"))?;
    prop.value = vec![Value::Boolean(generated)];
    Ok(())
}

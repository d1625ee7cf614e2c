//! Password in-filters (password/filter/): `DetectPasswordMethod` and
//! `DetectAccountLockStatus` read the stored `userPassword` hash (as the backend delivered
//! it) and set the key to its method or its lock state.

use crate::password;
use crate::props::Props;
use crate::value::Value;

fn stored_hash(props: &Props) -> Option<String> {
    let p = props.get("userPassword")?;
    p.in_value
        .first()
        .or_else(|| p.value.first())
        .map(Value::to_text)
}

/// Sets the key to the method of the stored hash (no value when there is no hash or the
/// method is unknown).
pub(super) fn detect_method(key: &str, props: &mut Props) -> Result<(), String> {
    let Some(hash) = stored_hash(props) else {
        return Ok(());
    };
    let method = password::detect(&hash);
    let prop = props
        .get_mut(key)
        .ok_or_else(|| format!("attribute '{key}' is not in the object"))?;
    prop.value = method.map(|m| Value::text(m.name())).into_iter().collect();
    Ok(())
}

/// Sets the key to whether the stored hash is locked.
pub(super) fn detect_lock(key: &str, props: &mut Props) -> Result<(), String> {
    let Some(hash) = stored_hash(props) else {
        return Ok(());
    };
    let prop = props
        .get_mut(key)
        .ok_or_else(|| format!("attribute '{key}' is not in the object"))?;
    prop.value = vec![Value::Boolean(password::is_locked(&hash))];
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::Prop;
    use crate::types::AttrType;

    fn user(hash: Option<&str>) -> Props {
        let mut p = Props::new();
        let mut pw = Prop::new(AttrType::UnicodeString, "LDAP");
        pw.in_value = hash.map(Value::text).into_iter().collect();
        p.insert("userPassword".into(), pw);
        p.insert("passwordMethod".into(), Prop::new(AttrType::String, "NULL"));
        p.insert("isLocked".into(), Prop::new(AttrType::Boolean, "NULL"));
        p
    }

    #[test]
    fn method_and_lock_come_from_the_stored_hash() {
        let mut p = user(Some("{CRYPT}!$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"));
        assert!(detect_method("passwordMethod", &mut p).is_ok());
        assert!(detect_lock("isLocked", &mut p).is_ok());
        assert_eq!(
            p.get("passwordMethod").map(|a| a.value.clone()),
            Some(vec![Value::text("crypt/md5")])
        );
        assert_eq!(
            p.get("isLocked").map(|a| a.value.clone()),
            Some(vec![Value::Boolean(true)])
        );
    }

    #[test]
    fn no_hash_leaves_the_defaults() {
        let mut p = user(None);
        assert!(detect_method("passwordMethod", &mut p).is_ok());
        assert!(detect_lock("isLocked", &mut p).is_ok());
        assert!(p.get("passwordMethod").is_some_and(|a| a.value.is_empty()));
        assert!(p.get("isLocked").is_some_and(|a| a.value.is_empty()));
    }
}

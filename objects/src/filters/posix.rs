//! POSIX filters (posix/filters.py): `GenerateIDs` and `GetNextID` take numbers from the
//! directory's ID pools; `GenerateGecos` and `LoadGecosState` keep `gecos` in step with the
//! name, unit and phone numbers while `autoGECOS` is on.

use super::generated;
use crate::directory::Directory;
use crate::props::{first_text, Prop, Props};
use crate::value::Value;

fn number(p: &str) -> Result<i64, String> {
    p.trim()
        .parse()
        .map_err(|_| format!("parameter '{p}' has to be numeric"))
}

fn take_id(prop: &Prop, pool: &str, max: i64, dir: &dyn Directory) -> Result<i64, String> {
    if prop.backends.len() > 1 {
        return Err(format!("too many backends for {pool} specified"));
    }
    let id = dir.next_id(pool)?;
    if id > max {
        return Err(format!("ID pool for attribute {pool} is empty [> {max}]"));
    }
    Ok(id)
}

/// Fills empty `uidNumber` and `gidNumber` attributes from their pools (parameters: the
/// highest gid, the highest uid — in this order, as in the original).
pub(super) fn generate_ids(
    props: &mut Props,
    max_gid: &str,
    max_uid: &str,
    dir: &dyn Directory,
) -> Result<(), String> {
    let (max_gid, max_uid) = (number(max_gid)?, number(max_uid)?);
    for (pool, max) in [("uidNumber", max_uid), ("gidNumber", max_gid)] {
        if let Some(prop) = props.get_mut(pool) {
            if prop.value.is_empty() {
                let id = take_id(prop, pool, max, dir)?;
                prop.value = vec![Value::Integer(id)];
            }
        }
    }
    Ok(())
}

/// Replaces a value of -1 by the next ID of pool `attribute`.
pub(super) fn next_id(
    prop: &mut Prop,
    attribute: &str,
    max: &str,
    dir: &dyn Directory,
) -> Result<(), String> {
    let max = number(max)?;
    let wants_one = match prop.value.first() {
        Some(Value::Integer(-1)) => true,
        Some(Value::Text(t)) => t.trim() == "-1",
        _ => false,
    };
    if wants_one {
        let id = take_id(prop, attribute, max, dir)?;
        prop.value = vec![Value::Integer(id)];
    }
    Ok(())
}

/// The generated GECOS: `sn givenName,ou,telephoneNumber,homePhone`.
pub(crate) fn gecos_of(props: &Props) -> String {
    let f = |n| first_text(props, n);
    format!(
        "{} {},{},{},{}",
        f("sn"),
        f("givenName"),
        f("ou"),
        f("telephoneNumber"),
        f("homePhone")
    )
}

/// Sets `gecos` to the generated value while `autoGECOS` is true.
pub(super) fn generate_gecos(props: &mut Props) -> Result<(), String> {
    generated::generate(props, "autoGECOS", "gecos", gecos_of)
}

/// Sets the key (`autoGECOS`) to whether `gecos` is empty or what would be generated.
pub(super) fn load_gecos_state(key: &str, props: &mut Props) -> Result<(), String> {
    generated::load_state(key, props, "gecos", gecos_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::MemoryDirectory;
    use crate::types::AttrType;

    fn text(props: &mut Props, name: &str, v: &str) {
        props.insert(
            name.into(),
            Prop::new(AttrType::String, "LDAP").with_values(vec![Value::text(v)]),
        );
    }

    fn person() -> Props {
        let mut p = Props::new();
        text(&mut p, "sn", "Doe");
        text(&mut p, "givenName", "John");
        text(&mut p, "ou", "IT");
        text(&mut p, "telephoneNumber", "+49 1");
        p.insert("homePhone".into(), Prop::new(AttrType::String, "LDAP"));
        p.insert("gecos".into(), Prop::new(AttrType::UnicodeString, "LDAP"));
        p.insert(
            "autoGECOS".into(),
            Prop::new(AttrType::Boolean, "NULL").with_values(vec![Value::Boolean(true)]),
        );
        p
    }

    #[test]
    fn gecos_is_generated_in_the_original_layout() {
        let mut p = person();
        assert!(generate_gecos(&mut p).is_ok());
        assert_eq!(
            p.get("gecos").map(Prop::first_text).as_deref(),
            Some("Doe John,IT,+49 1,")
        );
    }

    #[test]
    fn gecos_is_left_alone_when_auto_is_off() {
        let mut p = person();
        if let Some(a) = p.get_mut("autoGECOS") {
            a.value = vec![Value::Boolean(false)];
        }
        assert!(generate_gecos(&mut p).is_ok());
        assert!(p.get("gecos").is_some_and(|g| g.value.is_empty()));
    }

    #[test]
    fn gecos_state_is_auto_when_empty_or_generated() {
        let mut p = person();
        assert!(load_gecos_state("autoGECOS", &mut p).is_ok());
        assert_eq!(
            p.get("autoGECOS").map(|a| a.value.clone()),
            Some(vec![Value::Boolean(true)])
        );
        text(&mut p, "gecos", "Doe John,IT,+49 1,");
        assert!(load_gecos_state("autoGECOS", &mut p).is_ok());
        assert_eq!(
            p.get("autoGECOS").map(|a| a.value.clone()),
            Some(vec![Value::Boolean(true)])
        );
        text(&mut p, "gecos", "Johnny");
        assert!(load_gecos_state("autoGECOS", &mut p).is_ok());
        assert_eq!(
            p.get("autoGECOS").map(|a| a.value.clone()),
            Some(vec![Value::Boolean(false)])
        );
    }

    fn posix_ids() -> Props {
        let mut p = Props::new();
        p.insert("uidNumber".into(), Prop::new(AttrType::Integer, "LDAP"));
        p.insert(
            "gidNumber".into(),
            Prop::new(AttrType::Integer, "LDAP").with_values(vec![Value::Integer(100)]),
        );
        p
    }

    #[test]
    fn generate_ids_fills_only_empty_numbers() {
        let dir = MemoryDirectory::new()
            .with_pool("uidNumber", 1000)
            .with_pool("gidNumber", 2000);
        let mut p = posix_ids();
        assert!(generate_ids(&mut p, "65500", "65500", &dir).is_ok());
        assert_eq!(
            p.get("uidNumber").map(|a| a.value.clone()),
            Some(vec![Value::Integer(1000)])
        );
        assert_eq!(
            p.get("gidNumber").map(|a| a.value.clone()),
            Some(vec![Value::Integer(100)])
        );
    }

    #[test]
    fn generate_ids_refuses_an_exhausted_pool() {
        let dir = MemoryDirectory::new().with_pool("uidNumber", 65501);
        let mut p = posix_ids();
        assert_eq!(
            generate_ids(&mut p, "65500", "65500", &dir),
            Err("ID pool for attribute uidNumber is empty [> 65500]".into())
        );
    }

    #[test]
    fn get_next_id_replaces_minus_one() {
        let dir = MemoryDirectory::new().with_pool("gidNumber", 3000);
        let mut p = Prop::new(AttrType::Integer, "LDAP").with_values(vec![Value::Integer(-1)]);
        assert!(next_id(&mut p, "gidNumber", "65500", &dir).is_ok());
        assert_eq!(p.value, vec![Value::Integer(3000)]);
        assert!(next_id(&mut p, "gidNumber", "65500", &dir).is_ok());
        assert_eq!(p.value, vec![Value::Integer(3000)]);
    }
}

//! `IsAclSet` and `IsAclRole`: the shape of ACL entries (acl.xml, aclrole.xml). Each value is
//! a list of entries with a `priority` and either a `rolename` naming a defined role or a
//! `scope` and `actions` (each with a `topic` and an `acl` of the letters `crowdsexm`, and
//! optional `options`); an ACL set's entries also need `members`.

use crate::value::Value;
use serde_json::Value as Json;

fn entries(v: &Value) -> Result<Vec<&Json>, String> {
    match v {
        Value::Json(Json::Array(items)) => Ok(items.iter().collect()),
        Value::Json(obj @ Json::Object(_)) => Ok(vec![obj]),
        other => Err(format!("'{}' is no ACL entry list", other.to_text())),
    }
}

fn check_entry(entry: &Json, needs_members: bool, roles: &[String]) -> Result<(), String> {
    let obj = entry.as_object().ok_or("an ACL entry must be an object")?;
    let missing = |k: &str| format!("missing '{k}' attribute");
    if !obj.contains_key("priority") {
        return Err(missing("priority"));
    }
    if needs_members && !obj.contains_key("members") {
        return Err(missing("members"));
    }
    if let Some(role) = obj.get("rolename") {
        if obj
            .get("actions")
            .is_some_and(|a| a.as_array().is_some_and(|a| !a.is_empty()))
        {
            return Err("rolename and actions cannot be used at the same time".into());
        }
        let role = role.as_str().ok_or("'rolename' needs to be text")?;
        if !roles.iter().any(|r| r == role) {
            return Err(format!("unknown role '{role}'"));
        }
        return Ok(());
    }
    if !obj.contains_key("scope") {
        return Err(missing("scope"));
    }
    let actions = obj.get("actions").ok_or_else(|| missing("actions"))?;
    let actions = actions.as_array().ok_or("'actions' needs to be a list")?;
    for action in actions {
        let action = action.as_object().ok_or("an action must be an object")?;
        let topic = action.get("topic").ok_or_else(|| missing("topic"))?;
        let acl = action.get("acl").ok_or_else(|| missing("acl"))?;
        if !topic.is_string() {
            return Err("'topic' needs to be text".into());
        }
        let acl = acl.as_str().ok_or("'acl' needs to be text")?;
        if !acl.chars().all(|c| "crowdsexm".contains(c)) {
            return Err(
                "please use a combination of the characters c, r, o, w, d, s, e, x and m".into(),
            );
        }
        let unknown: Vec<&str> = action
            .keys()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "topic" | "acl" | "options"))
            .collect();
        if !unknown.is_empty() {
            return Err(format!("unknown attributes {}", unknown.join(", ")));
        }
        if action.get("options").is_some_and(|o| !o.is_object()) {
            return Err("'options' needs to be an object".into());
        }
    }
    Ok(())
}

/// Every value is a well-formed list of ACL entries.
pub(super) fn check(values: &[Value], needs_members: bool, roles: &[String]) -> Result<(), String> {
    for (n, v) in values.iter().enumerate() {
        for entry in entries(v)? {
            check_entry(entry, needs_members, roles)
                .map_err(|e| format!("entry {}: {e}", n + 1))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roles() -> Vec<String> {
        vec!["admins".into()]
    }

    #[test]
    fn scoped_entry_with_actions_is_an_acl_set() {
        let v = Value::Json(json!([{"priority": 0, "members": ["jd"], "scope": "sub",
            "actions": [{"topic": "^net\\.example\\..*$", "acl": "rwx"}]}]));
        assert_eq!(check(&[v], true, &roles()), Ok(()));
    }

    #[test]
    fn acl_set_needs_members_acl_role_does_not() {
        let v = Value::Json(json!([{"priority": 0, "scope": "one",
            "actions": [{"topic": "x", "acl": "r"}]}]));
        assert_eq!(
            check(std::slice::from_ref(&v), true, &roles()),
            Err("entry 1: missing 'members' attribute".into())
        );
        assert_eq!(check(&[v], false, &roles()), Ok(()));
    }

    #[test]
    fn role_names_must_exist_and_exclude_actions() {
        let ok = Value::Json(json!({"priority": 1, "members": [], "rolename": "admins"}));
        assert_eq!(check(&[ok], true, &roles()), Ok(()));
        let unknown = Value::Json(json!({"priority": 1, "members": [], "rolename": "gods"}));
        assert_eq!(
            check(&[unknown], true, &roles()),
            Err("entry 1: unknown role 'gods'".into())
        );
        let both = Value::Json(json!({"priority": 1, "members": [], "rolename": "admins",
            "actions": [{"topic": "x", "acl": "r"}]}));
        assert!(check(&[both], true, &roles()).is_err());
    }

    #[test]
    fn acl_letters_and_keys_are_checked() {
        let bad = Value::Json(json!([{"priority": 0, "scope": "sub",
            "actions": [{"topic": "x", "acl": "rz"}]}]));
        assert!(check(&[bad], false, &roles()).is_err());
        let extra = Value::Json(json!([{"priority": 0, "scope": "sub",
            "actions": [{"topic": "x", "acl": "r", "color": "red"}]}]));
        assert_eq!(
            check(&[extra], false, &roles()),
            Err("entry 1: unknown attributes color".into())
        );
    }
}

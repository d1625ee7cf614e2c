//! [`AclAccess`]: the object layer's [`ObjectAccess`] answered by the node's ACL engine, with
//! the original's topics: `D.objects.TYPE` needs `c` to create, `d` to remove and `m` to modify
//! or move an object; `D.objects.TYPE.attributes.ATTR` needs `r` to read an attribute and `w`
//! to write it. The trait names no DN, so these are checked at the ACL root (`[acl] base`);
//! the command itself was already checked at the DN it names (`objects.*` with a `dn`).

use clacks_object_store::access::{Action, ObjectAccess};
use clacks_runtime::acl::{AclEngine, Rights};
use serde_json::Map;

/// Object authorisation from the ACLs.
pub struct AclAccess {
    engine: AclEngine,
}

impl AclAccess {
    /// Asks `engine`.
    pub fn new(engine: AclEngine) -> Self {
        AclAccess { engine }
    }

    fn allows(&self, caller: &str, topic: &str, rights: Rights) -> bool {
        self.engine
            .check(caller, topic, rights, None, &Map::new())
            .allowed()
    }
}

impl ObjectAccess for AclAccess {
    fn may(&self, caller: &str, object_type: &str, action: Action) -> bool {
        let rights = match action {
            Action::Create => Rights::CREATE,
            Action::Remove => Rights::DELETE,
            Action::Modify | Action::Move => Rights::MODIFY,
        };
        self.allows(caller, &self.engine.object_topic(object_type), rights)
    }

    fn may_read(&self, caller: &str, object_type: &str, attribute: &str) -> bool {
        let topic = self.engine.attribute_topic(object_type, attribute);
        self.allows(caller, &topic, Rights::READ)
    }

    fn may_write(&self, caller: &str, object_type: &str, attribute: &str) -> bool {
        let topic = self.engine.attribute_topic(object_type, attribute);
        self.allows(caller, &topic, Rights::WRITE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clacks_runtime::acl::{file, AclConfig};

    #[test]
    fn objects_and_attributes_are_checked_on_the_original_topics() {
        let set = file::parse(
            r#"{"acl": {"dc=example,dc=net": [{"acls": [{"id": 1, "scope": "sub",
              "members": ["^alice$"], "actions": [
                {"topic": "^org\\.clacks\\.objects\\.User$", "acls": "cm"},
                {"topic": "^org\\.clacks\\.objects\\.User\\.attributes\\.(sn|cn)$", "acls": "r"},
                {"topic": "^org\\.clacks\\.objects\\.User\\.attributes\\.sn$", "acls": "w"}]}]}]}}"#,
            "t",
        )
        .unwrap();
        let engine = AclEngine::new(
            AclConfig {
                domain: "org.clacks".into(),
                root: "dc=example,dc=net".into(),
                ..AclConfig::default()
            },
            set,
        );
        let access = AclAccess::new(engine);
        assert!(access.may("alice", "User", Action::Create));
        assert!(access.may("alice", "User", Action::Move));
        assert!(!access.may("alice", "User", Action::Remove));
        assert!(!access.may("alice", "Group", Action::Create));
        assert!(access.may_read("alice", "User", "cn"));
        assert!(!access.may_read("alice", "User", "uid"));
        assert!(access.may_write("alice", "User", "sn"));
        assert!(!access.may_write("alice", "User", "cn"));
        assert!(!access.may_read("bob", "User", "cn"));
    }
}

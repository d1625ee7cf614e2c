//! The `ObjectChanged` event every write publishes (schema `xml/schemas/ObjectChanged.xsd`):
//! UUID, DN, modification time (UTC), change type and object type.

use std::time::SystemTime;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// Created.
    Add,
    /// Changed.
    Modify,
    /// Moved below another parent.
    Move,
    /// Removed.
    Delete,
}

impl ChangeType {
    /// `add`, `modify`, `moddn`, `delete`, as the event's `ChangeType` says it.
    pub fn name(self) -> &'static str {
        match self {
            ChangeType::Add => "add",
            ChangeType::Modify => "modify",
            ChangeType::Move => "moddn",
            ChangeType::Delete => "delete",
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The event's XML.
pub fn object_changed(uuid: &str, dn: &str, object_type: &str, change: ChangeType) -> String {
    let now = chrono::DateTime::<chrono::Utc>::from(SystemTime::now());
    format!(
        "<Event xmlns=\"http://www.gonicus.de/Events\"><ObjectChanged>\
         <UUID>{}</UUID><DN>{}</DN><ModificationTime>{}</ModificationTime>\
         <ChangeType>{}</ChangeType><ObjectType>{}</ObjectType></ObjectChanged></Event>",
        escape(uuid),
        escape(dn),
        now.format("%Y-%m-%dT%H:%M:%SZ"),
        change.name(),
        escape(object_type)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_are_escaped_in_the_event() {
        let xml = object_changed("u", "cn=a<b>&c,dc=x", "User", ChangeType::Modify);
        assert!(xml.contains("<DN>cn=a&lt;b&gt;&amp;c,dc=x</DN>"));
        assert!(xml.contains("<ChangeType>modify</ChangeType>"));
    }
}

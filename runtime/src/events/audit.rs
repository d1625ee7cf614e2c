//! The `Audit` event (`xml/schemas/Audit.xsd`): one ACL decision worth a record (every denial,
//! every permitted write), as XML, and the sink that publishes it on the node's bus. A sink
//! never blocks or fails the call it records: a publish error is logged.

use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;
use std::sync::Arc;

use super::EventBus;
use crate::call::unix_millis_now;
use crate::plugin::{AuditRecord, AuditSink};

/// The XML `Audit` event for `record`, decided on `node`.
pub fn audit_event_xml(node: &str, record: &AuditRecord) -> String {
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    w.start("Audit");
    w.leaf("User", &record.user)
        .leaf("Topic", &record.topic)
        .leaf("Right", &record.rights.to_string())
        .leaf(
            "Decision",
            if record.allowed { "allowed" } else { "denied" },
        );
    if let Some(entry) = &record.entry {
        w.leaf("Entry", entry);
    }
    w.leaf("Node", node).leaf(
        "Timestamp",
        &timestamp::from_unix_millis(unix_millis_now() as i64),
    );
    w.finish()
}

/// A sink publishing every record as an `Audit` event on `bus`.
pub fn audit_sink(bus: &EventBus) -> AuditSink {
    let bus = bus.clone();
    Arc::new(move |record: AuditRecord| {
        let xml = audit_event_xml(bus.node(), &record);
        if let Err(err) = bus.publish_detached(&xml) {
            tracing::warn!(node = %bus.node(), error = %err, "audit event not published");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::Rights;
    use crate::events::check;

    #[test]
    fn an_audit_event_is_valid_against_its_schema() {
        let record = AuditRecord {
            user: "mallory".into(),
            topic: "org.clacks.command.core.stop".into(),
            rights: Rights::EXECUTE,
            allowed: false,
            entry: None,
        };
        let xml = audit_event_xml("n1", &record);
        let schemas = clacks_xml::SchemaSet::builtin().unwrap();
        let checked = check(&xml, &schemas, true).unwrap();
        assert_eq!(checked.name, "Audit");
        assert!(xml.contains("<Decision>denied</Decision>"), "{xml}");
    }
}

//! One ACL set, the same on every node of a domain. A change made on a node is written to its
//! `[acl] file` and sent to the others as an `AclChanged` event holding the whole set (the
//! original's JSON format) with a revision: one more than the highest the node had seen, and
//! the node's name to break ties between changes made at once. A node adopts a set whose
//! (revision, origin) is above its own, writes it to its file and clears its decision cache,
//! so a change is enforced everywhere as fast as the event travels. A node that joins sends an
//! `AclChanged` without a set (a request); every node that has a revision answers with its set.
//! `AclChanged` is a node-only event: callers cannot publish one, and over AMQP it is believed
//! from node accounts only.

use clacks_runtime::acl::{file, AclEngine, AclSet};
use clacks_runtime::call::unix_millis_now;
use clacks_runtime::events::{Event, EventBus};
use clacks_runtime::Error;
use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The (revision, origin) of the set a node holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Revision {
    /// Changes since the domain's first set (0: loaded from a file, never changed).
    pub number: u64,
    /// The node that made it.
    pub origin: String,
}

/// What a node's `acl` plugin and its event handler share.
pub struct Sync {
    node: String,
    engine: AclEngine,
    bus: EventBus,
    file: Option<PathBuf>,
    revision: Mutex<Revision>,
}

/// What an `AclChanged` event carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Sender.
    pub node: String,
    /// The set's revision.
    pub revision: Revision,
    /// The set as JSON text; `None` for a request.
    pub set: Option<String>,
}

impl Message {
    /// The event XML.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
        w.start("AclChanged");
        w.leaf("Node", &self.node)
            .leaf("Revision", &self.revision.number.to_string())
            .leaf("Origin", &self.revision.origin);
        if let Some(set) = &self.set {
            w.leaf("Set", set);
        }
        w.leaf(
            "Timestamp",
            &timestamp::from_unix_millis(unix_millis_now() as i64),
        );
        w.finish()
    }

    /// Reads a delivered `AclChanged` event.
    pub fn from_event(event: &Event) -> Option<Message> {
        let element = event.element()?;
        let text = |name: &str| {
            element
                .child_elements()
                .find(|c| c.local_name() == name)
                .map(|c| c.text().into_owned())
        };
        Some(Message {
            node: text("Node")?,
            revision: Revision {
                number: text("Revision")?.trim().parse().ok()?,
                origin: text("Origin")?,
            },
            set: text("Set"),
        })
    }
}

impl Sync {
    /// The shared state of node `node`.
    pub fn new(node: &str, engine: AclEngine, bus: EventBus, file: Option<PathBuf>) -> Arc<Sync> {
        Arc::new(Sync {
            node: node.to_owned(),
            engine,
            bus,
            file,
            revision: Mutex::new(Revision {
                number: 0,
                origin: node.to_owned(),
            }),
        })
    }

    /// The engine.
    pub fn engine(&self) -> &AclEngine {
        &self.engine
    }

    /// The current revision.
    pub fn revision(&self) -> Revision {
        self.revision
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Applies a local change: on a copy of the set, written to the file, then made current
    /// and sent to the domain. A change that fails (invalid, or the file cannot be written)
    /// changes nothing.
    pub fn change<T>(
        &self,
        change: impl FnOnce(&mut AclSet) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut revision = self.revision.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = (*self.engine.set()).clone();
        let out = change(&mut next)?;
        next.validate()?;
        self.persist(&next)?;
        self.engine.replace(next.clone())?;
        revision.number += 1;
        revision.origin = self.node.clone();
        let message = Message {
            node: self.node.clone(),
            revision: revision.clone(),
            set: Some(file::to_json(&next).to_string()),
        };
        drop(revision);
        self.send(&message);
        Ok(out)
    }

    fn persist(&self, set: &AclSet) -> Result<(), Error> {
        match &self.file {
            Some(path) => file::save(set, path),
            None => Ok(()),
        }
    }

    fn send(&self, message: &Message) {
        if let Err(err) = self.bus.publish_detached(&message.to_xml()) {
            tracing::warn!(node = %self.node, error = %err, "AclChanged not published");
        }
    }

    /// Asks the domain for its current set (a joining node).
    pub fn request(&self) {
        self.send(&Message {
            node: self.node.clone(),
            revision: self.revision(),
            set: None,
        });
    }

    /// Handles an `AclChanged` from another node: adopts a newer set, answers a request.
    pub fn receive(&self, message: Message) {
        if message.node == self.node {
            return;
        }
        let Some(text) = message.set else {
            let current = self.revision();
            if current.number > 0 {
                self.send(&Message {
                    node: self.node.clone(),
                    revision: current,
                    set: Some(file::to_json(&self.engine.set()).to_string()),
                });
            }
            return;
        };
        let mut revision = self.revision.lock().unwrap_or_else(|p| p.into_inner());
        if message.revision <= *revision {
            return;
        }
        let set = match file::parse(&text, &format!("AclChanged from {}", message.node)) {
            Ok(set) => set,
            Err(err) => {
                tracing::warn!(node = %self.node, from = %message.node, error = %err,
                    "AclChanged with an invalid set ignored");
                return;
            }
        };
        if let Err(err) = self.persist(&set) {
            tracing::error!(node = %self.node, error = %err, "adopted ACL set not written");
        }
        match self.engine.replace(set) {
            Ok(()) => {
                tracing::info!(node = %self.node, from = %message.node,
                    revision = message.revision.number, "ACL set adopted");
                *revision = message.revision;
            }
            Err(err) => tracing::warn!(node = %self.node, error = %err, "ACL set not adopted"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_order_by_number_then_origin() {
        let r = |n, o: &str| Revision {
            number: n,
            origin: o.into(),
        };
        assert!(r(2, "a") > r(1, "z"));
        assert!(r(1, "b") > r(1, "a"));
        assert!(r(0, "n1") <= r(0, "n1"));
    }

    #[test]
    fn a_message_is_a_valid_event() {
        let message = Message {
            node: "n1".into(),
            revision: Revision {
                number: 3,
                origin: "n1".into(),
            },
            set: Some(r#"{"acl": {}, "roles": {}}"#.into()),
        };
        let schemas = clacks_xml::SchemaSet::builtin().unwrap();
        let checked = clacks_runtime::events::check(&message.to_xml(), &schemas, true).unwrap();
        assert_eq!(checked.name, "AclChanged");
    }
}

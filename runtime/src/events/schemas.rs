//! The schemas a node validates events against: the built-in ones compiled into `clacks-xml`
//! plus every `*.xsd` of the folders in `events.schema_dirs`, with a record of where each
//! event type's schema came from (`events.schemas`, `clacks validate`).
//!
//! The files compose as in the original: a file's stem names its event and its helper
//! declarations stay within it; the first registration of an event wins (built-in, then the
//! folders in order) and a later, different one is a warning naming both files
//! ([`EventSchemas::warnings`]); `events.override_builtin` lists the stems whose configured
//! file replaces the built-in one.

use clacks_xml::SchemaSet;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A node's event schemas and their origins.
#[derive(Debug, Clone)]
pub struct EventSchemas {
    set: SchemaSet,
    sources: BTreeMap<String, String>,
}

impl EventSchemas {
    /// The built-in schemas, plus every folder of `dirs` (each loaded whole, in order). An
    /// unreadable folder or a schema that does not load is an error naming the file; an event
    /// declared again is a warning ([`warnings`](Self::warnings)).
    pub fn load(builtin: bool, dirs: &[PathBuf]) -> clacks_xml::Result<EventSchemas> {
        Self::load_overriding(builtin, dirs, &[])
    }

    /// [`load`](Self::load), where a configured file whose stem is in `override_builtin`
    /// replaces the built-in schema of that event (`events.override_builtin`).
    pub fn load_overriding(
        builtin: bool,
        dirs: &[PathBuf],
        override_builtin: &[String],
    ) -> clacks_xml::Result<EventSchemas> {
        let mut set = if builtin {
            SchemaSet::builtin()?
        } else {
            SchemaSet::new()
        };
        for dir in dirs {
            set.load_dir_overriding(dir, override_builtin)?;
        }
        let sources = set
            .event_sources()
            .into_iter()
            .map(|(event, file)| (event.to_owned(), file.to_owned()))
            .collect();
        Ok(EventSchemas { set, sources })
    }

    /// The compiled schema set.
    pub fn set(&self) -> &SchemaSet {
        &self.set
    }

    /// Events declared again by a later, different file: one message per duplicate, naming
    /// both files. Loading succeeds regardless; the node logs them, `clacks validate` prints them.
    pub fn warnings(&self) -> &[String] {
        self.set.warnings()
    }

    /// This set's identity in this process (its address): two buses share it only when they
    /// validate with the very same compiled schemas.
    pub fn identity(&self) -> usize {
        &self.set as *const SchemaSet as usize
    }

    /// Event type → where its schema came from, sorted by event type.
    pub fn sources(&self) -> &BTreeMap<String, String> {
        &self.sources
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clacks_xml::{EVENTS_NS, XSD_NS};

    #[test]
    fn builtins_name_their_file() {
        let schemas = EventSchemas::load(true, &[]).unwrap();
        assert_eq!(
            schemas.sources().get("PhoneCall").map(String::as_str),
            Some("builtin:PhoneCall.xsd")
        );
        assert!(schemas.sources().contains_key("NodeStatistics"));
    }

    #[test]
    fn folder_schemas_add_events_with_their_file() {
        let dir = std::env::temp_dir().join(format!("clacks-schemas-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Door.xsd"),
            format!(
                r#"<xs:schema xmlns:xs="{XSD_NS}" targetNamespace="{EVENTS_NS}" elementFormDefault="qualified">
  <xs:element name="DoorOpened"><xs:complexType><xs:sequence>
    <xs:element name="Room" type="xs:string"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"#
            ),
        )
        .unwrap();
        let schemas = EventSchemas::load(true, std::slice::from_ref(&dir)).unwrap();
        assert!(schemas.warnings().is_empty(), "{:?}", schemas.warnings());
        assert!(schemas.set().has_event("DoorOpened"));
        assert!(schemas.sources()["DoorOpened"].ends_with("Door.xsd"));
        std::fs::write(dir.join("Broken.xsd"), "<xs:schema").unwrap();
        assert!(EventSchemas::load(true, std::slice::from_ref(&dir)).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

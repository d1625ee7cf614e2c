//! The schemas a node validates events against: the built-in ones compiled into `clacks-xml`
//! plus every `*.xsd` of the folders in `events.schema_dirs`, with a record of where each
//! event type's schema came from (`events.schemas`, `clacks validate`).

use clacks_xml::{Document, SchemaSet, EVENTS_NS, XSD_NS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A node's event schemas and their origins.
#[derive(Debug, Clone)]
pub struct EventSchemas {
    set: SchemaSet,
    sources: BTreeMap<String, String>,
}

/// Where an event's schema came from: `builtin:NAME.xsd`, or the file in a schema folder.
fn builtin_source(set: &SchemaSet, event: &str) -> String {
    let file = format!("builtin:{event}.xsd");
    if set.files().iter().any(|f| *f == file) {
        file
    } else {
        "builtin".to_owned()
    }
}

/// Event elements declared at the top of one schema file in the events namespace.
fn declared_events(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let Ok(doc) = Document::parse(&text) else {
        return Vec::new();
    };
    let root = doc.root();
    if !root.is(XSD_NS, "schema") || root.attribute("", "targetNamespace") != Some(EVENTS_NS) {
        return Vec::new();
    }
    root.child_elements()
        .filter(|e| e.is(XSD_NS, "element"))
        .filter_map(|e| e.attribute("", "name").map(str::to_owned))
        .collect()
}

impl EventSchemas {
    /// The built-in schemas, plus every folder of `dirs` (each loaded whole, in order). An
    /// unreadable folder, a schema that does not load, or an event declared twice is an error
    /// naming the file.
    pub fn load(builtin: bool, dirs: &[PathBuf]) -> clacks_xml::Result<EventSchemas> {
        let mut set = if builtin {
            SchemaSet::builtin()?
        } else {
            SchemaSet::new()
        };
        let mut sources: BTreeMap<String, String> = set
            .event_names()
            .into_iter()
            .map(|name| (name.to_owned(), builtin_source(&set, name)))
            .collect();
        for dir in dirs {
            set.load_dir(dir)?;
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "xsd"))
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            for file in files {
                for event in declared_events(&file) {
                    sources
                        .entry(event)
                        .or_insert_with(|| file.display().to_string());
                }
            }
            // Events a folder declared through includes only: attribute them to the folder.
            for name in set.event_names() {
                sources
                    .entry(name.to_owned())
                    .or_insert_with(|| dir.display().to_string());
            }
        }
        Ok(EventSchemas { set, sources })
    }

    /// The compiled schema set.
    pub fn set(&self) -> &SchemaSet {
        &self.set
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
        assert!(schemas.set().has_event("DoorOpened"));
        assert!(schemas.sources()["DoorOpened"].ends_with("Door.xsd"));
        std::fs::write(dir.join("Broken.xsd"), "<xs:schema").unwrap();
        assert!(EventSchemas::load(true, std::slice::from_ref(&dir)).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

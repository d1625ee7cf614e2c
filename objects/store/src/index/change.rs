//! The `BackendChange` event (schema `xml/schemas/BackendChange.xsd`, the original's): an
//! outside writer's monitor announces that an object changed in a backend. [`Announced`]
//! reads one; [`ObjectStore::index_announced`] re-reads the object it names into the index.
//! A forged event makes a node re-read an object, nothing more: the event carries no values.

use clacks_xml::document::Element;

use super::Refreshed;
use crate::error::{Error, Result};
use crate::store::ObjectStore;

/// What a `BackendChange` event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    /// The object's UUID, if given.
    pub uuid: Option<String>,
    /// The entry's DN (before a rename), if given.
    pub dn: Option<String>,
    /// The DN after a rename, if given.
    pub new_dn: Option<String>,
    /// `add`, `modify`, `moddn`, `delete` (as given).
    pub change: String,
}

fn child_text(element: &Element<'_>, name: &str) -> Option<String> {
    element
        .child_elements()
        .find(|c| c.local_name() == name)
        .map(|c| c.text().trim().to_owned())
        .filter(|t| !t.is_empty())
}

impl Announced {
    /// Reads the `<BackendChange>` element; one naming no object (no UUID, DN or NewDN) is
    /// refused.
    pub fn from_element(element: &Element<'_>) -> Result<Announced> {
        let announced = Announced {
            uuid: child_text(element, "UUID"),
            dn: child_text(element, "DN"),
            new_dn: child_text(element, "NewDN"),
            change: child_text(element, "ChangeType").unwrap_or_default(),
        };
        if announced.uuid.is_none() && announced.dn.is_none() && announced.new_dn.is_none() {
            return Err(Error::invalid(
                "BackendChange names no object (UUID, DN or NewDN)",
            ));
        }
        Ok(announced)
    }

    /// The references to re-read: the UUID, else the new DN and the old one.
    pub fn references(&self) -> Vec<&str> {
        match &self.uuid {
            Some(u) => vec![u.as_str()],
            None => self
                .new_dn
                .iter()
                .chain(self.dn.iter())
                .map(String::as_str)
                .collect(),
        }
    }
}

impl ObjectStore {
    /// Re-reads the object `announced` names into the index (dropping it when the store no
    /// longer has it), with the objects related to it; an entry of the directory server no
    /// object has yet (added outside Clacks) is registered first (`ObjectStore::adopt_entry`).
    pub fn index_announced(&self, announced: &Announced) -> Result<Vec<Refreshed>> {
        let mut out = Vec::new();
        for reference in announced.references() {
            let before = self.indexed(reference)?;
            let mut done = self.index_refresh(reference)?;
            if done == Refreshed::Unknown {
                // An entry added outside Clacks: registered first, then indexed.
                if let Some(uuid) = self.adopt_entry(reference)? {
                    done = self.index_refresh(&uuid)?;
                }
            }
            if let Ok(object) = self.get(reference) {
                let mut conn = self.pool().get()?;
                let again =
                    super::related::related(&mut conn, self.catalog(), &object, before.as_ref())?;
                drop(conn);
                for uuid in again {
                    self.index_refresh(&uuid)?;
                }
            }
            out.push(done);
        }
        Ok(out)
    }
}

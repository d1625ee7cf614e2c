//! [`Guard`]: one caller's view through the node's [`ObjectAccess`]: attributes it may not
//! read are left out of what it gets, and actions or attribute writes it may not do are
//! refused (`-32003`) before anything is written.

use clacks_object_store::access::{Action, ObjectAccess};
use clacks_object_store::index::IndexedObject;
use clacks_object_store::store::query::Query;
use clacks_object_store::{Error, ErrorKind, StoredObject};
use serde_json::Value;
use std::sync::Arc;

/// The access checks for one call.
#[derive(Clone)]
pub struct Guard {
    access: Arc<dyn ObjectAccess>,
    caller: String,
}

fn forbidden(message: String, attribute: Option<&str>) -> Error {
    let mut e = Error::new(ErrorKind::Forbidden, message);
    e.attribute = attribute.map(str::to_owned);
    e
}

impl Guard {
    /// The checks of `access` for `caller`.
    pub fn new(access: Arc<dyn ObjectAccess>, caller: &str) -> Self {
        Guard {
            access,
            caller: caller.to_owned(),
        }
    }

    /// Drops the attributes the caller may not read.
    pub fn readable(&self, mut object: StoredObject) -> StoredObject {
        let t = object.object_type.clone();
        object
            .attrs
            .retain(|name, _| self.access.may_read(&self.caller, &t, name));
        object
    }

    /// The same for an object from the index.
    pub fn readable_indexed(&self, mut object: IndexedObject) -> IndexedObject {
        let t = object.object_type.clone();
        object
            .attrs
            .retain(|name, _| self.access.may_read(&self.caller, &t, name));
        object
    }

    /// Whether a search shows the caller `object` at all.
    pub fn findable(&self, object: &IndexedObject) -> bool {
        self.access
            .may_find(&self.caller, &object.object_type, &object.dn)
    }

    /// Refuses a search that tests an attribute the caller may not read (of any type: a
    /// query is not bound to one), so values cannot be probed through queries.
    pub fn query(&self, query: &Query, object_types: &[String]) -> Result<(), Error> {
        for name in query.attributes() {
            if object_types
                .iter()
                .any(|t| !self.access.may_read(&self.caller, t, name))
            {
                return Err(forbidden(
                    format!("{} may not search by '{name}'", self.caller),
                    Some(name),
                ));
            }
        }
        Ok(())
    }

    /// Refuses passing the values of `attributes` (of `object_type`) anywhere unless the
    /// caller may read each of them.
    pub fn reads(&self, object_type: &str, attributes: &[String]) -> Result<(), Error> {
        for name in attributes {
            if !self.access.may_read(&self.caller, object_type, name) {
                return Err(forbidden(
                    format!(
                        "{} may not read '{name}' of type {object_type}",
                        self.caller
                    ),
                    Some(name),
                ));
            }
        }
        Ok(())
    }

    /// Refuses `action` on an object of `object_type` unless allowed.
    pub fn action(&self, object_type: &str, action: Action) -> Result<(), Error> {
        if self.access.may(&self.caller, object_type, action) {
            return Ok(());
        }
        Err(forbidden(
            format!(
                "{} may not {} objects of type {object_type}",
                self.caller,
                action.name()
            ),
            None,
        ))
    }

    /// Refuses writing any attribute named in `attrs` (`{"name": …}`) unless allowed.
    pub fn writes(
        &self,
        object_type: &str,
        attrs: &serde_json::Map<String, Value>,
    ) -> Result<(), Error> {
        for name in attrs.keys() {
            if !self.access.may_write(&self.caller, object_type, name) {
                return Err(forbidden(
                    format!(
                        "{} may not write '{name}' of type {object_type}",
                        self.caller
                    ),
                    Some(name),
                ));
            }
        }
        Ok(())
    }

    /// Refuses a change set (`set`, `add`, `remove` attributes) unless every write is allowed.
    pub fn changes(&self, object_type: &str, changes: &Value) -> Result<(), Error> {
        self.action(object_type, Action::Modify)?;
        for key in ["set", "add", "remove"] {
            if let Some(Value::Object(attrs)) = changes.get(key) {
                self.writes(object_type, attrs)?;
            }
        }
        Ok(())
    }
}

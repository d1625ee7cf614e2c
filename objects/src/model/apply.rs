//! Applying a [`ChangeSet`] to an [`ObjectInstance`], rule by rule, as the original's
//! attribute setter and `extend`/`retract` did: an unknown attribute, a blocked one, a
//! read-only one, a value outside the allowed values, several values for a single-value
//! attribute, a value of the wrong type, clearing a mandatory attribute, a failing validator,
//! an extension that does not extend the base or is (not) active, and a missing required
//! extension each refuse the whole change set with an error naming the attribute (or
//! extension) and the [`Rule`].

use super::change::{Change, ChangeSet};
use super::instance::ObjectInstance;
use super::object_type::{extension_of, ObjectType};
use crate::definition::AllowedValues;
use crate::directory::Directory;
use crate::error::{Error, Result, Rule};
use crate::value::Value;

impl<'c> ObjectInstance<'c> {
    /// Applies `changes` in order; on the first refusal the object is left as it was.
    pub fn apply(&mut self, changes: &ChangeSet, directory: &dyn Directory) -> Result<()> {
        let mut next = self.clone();
        for change in &changes.changes {
            match change {
                Change::Set { attribute, values } => {
                    next.set_values(attribute, values.clone(), directory)?
                }
                Change::Add { attribute, values } => {
                    let mut all = next.values(attribute).to_vec();
                    for v in values {
                        if !all.contains(v) {
                            all.push(v.clone());
                        }
                    }
                    next.set_values(attribute, all, directory)?;
                }
                Change::Remove { attribute, values } => {
                    let rest: Vec<Value> = next
                        .values(attribute)
                        .iter()
                        .filter(|v| !values.contains(v))
                        .cloned()
                        .collect();
                    next.set_values(attribute, rest, directory)?;
                }
                Change::Extend { extension } => next.extend(extension)?,
                Change::Retract { extension } => next.retract(extension)?,
            }
        }
        *self = next;
        Ok(())
    }

    fn set_values(
        &mut self,
        name: &str,
        values: Vec<Value>,
        directory: &dyn Directory,
    ) -> Result<()> {
        let object_type = self.object_type()?;
        let Some(slot) = object_type.slot(name) else {
            return Err(Error::refused(
                name,
                Rule::UnknownAttribute,
                format!(
                    "'{}' with its active extensions has no such attribute",
                    self.base
                ),
            ));
        };
        let def = slot.def;
        for b in &def.blocked_by {
            let blocker = object_type.slot(&b.attribute).map(|s| s.def.attr_type);
            let blocking = blocker.and_then(|t| t.parse(&b.value).ok());
            if blocking.is_some_and(|v| self.values(&b.attribute).contains(&v)) {
                return Err(Error::refused(
                    name,
                    Rule::BlockedBy,
                    format!("blocked while '{}' is '{}'", b.attribute, b.value),
                ));
            }
        }
        if def.readonly {
            return Err(Error::refused(
                name,
                Rule::ReadOnly,
                "the attribute is read-only",
            ));
        }
        if values.len() > 1 && !def.multivalue {
            return Err(Error::refused(
                name,
                Rule::MultiValue,
                format!("{} values given to a single-value attribute", values.len()),
            ));
        }
        if let Some(bad) = values.iter().find(|v| !def.attr_type.accepts(v)) {
            return Err(Error::refused(
                name,
                Rule::WrongType,
                format!(
                    "{} '{}' is no {}",
                    bad.kind_name(),
                    bad.to_text(),
                    def.attr_type.name()
                ),
            ));
        }
        let allowed: Option<Vec<&Value>> = match &def.values {
            AllowedValues::List(l) => Some(l.iter().collect()),
            AllowedValues::Keyed(k) => Some(k.iter().map(|(v, _)| v).collect()),
            AllowedValues::Any | AllowedValues::Populate(_) => None,
        };
        if let Some(allowed) = allowed {
            if let Some(bad) = values.iter().find(|v| !allowed.contains(v)) {
                let list: Vec<String> = allowed.iter().map(|v| v.to_text()).collect();
                return Err(Error::refused(
                    name,
                    Rule::AllowedValues,
                    format!("'{}' is not one of {}", bad.to_text(), list.join(", ")),
                ));
            }
        }
        if values.is_empty() && def.mandatory {
            return Err(Error::refused(
                name,
                Rule::Mandatory,
                "a mandatory attribute cannot be cleared",
            ));
        }
        if let (Some(validator), false) = (&def.validator, values.is_empty()) {
            let outcome = validator.check(&values, directory);
            if !outcome.passed {
                return Err(Error::refused(
                    name,
                    Rule::Validator,
                    outcome.errors.join("; "),
                ));
            }
        }
        if self
            .initial
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
            != values.as_slice()
        {
            self.changed.insert(name.to_string());
        } else {
            self.changed.remove(name);
        }
        self.values.insert(name.to_string(), values);
        Ok(())
    }

    fn extend(&mut self, extension: &str) -> Result<()> {
        let def = extension_of(self.catalog, &self.base, extension)?;
        if self.extensions.contains(extension) {
            return Err(Error::refused(
                extension,
                Rule::Extension,
                "the extension is already active",
            ));
        }
        if let Some(missing) = def.requires.iter().find(|r| !self.extensions.contains(*r)) {
            return Err(Error::refused(
                extension,
                Rule::RequiresExtension,
                format!("'{extension}' requires the extension '{missing}'"),
            ));
        }
        self.extensions.insert(extension.to_string());
        // A re-activated extension starts from what was stored (as the original revived it).
        for a in &def.attributes {
            let stored = self.initial.get(&a.name).cloned().unwrap_or_default();
            self.values.insert(a.name.clone(), stored);
        }
        self.apply_defaults()?;
        // The resolution checks attribute clashes between the parts.
        ObjectType::resolve(
            self.catalog,
            &self.base,
            &self.extensions.iter().cloned().collect::<Vec<_>>(),
        )?;
        Ok(())
    }

    fn retract(&mut self, extension: &str) -> Result<()> {
        if !self.extensions.contains(extension) {
            return Err(Error::refused(
                extension,
                Rule::Extension,
                "the extension is not active",
            ));
        }
        let object_type = self.object_type()?;
        if let Some(user) = object_type
            .extensions()
            .iter()
            .find(|e| e.requires.iter().any(|r| r == extension))
        {
            return Err(Error::refused(
                extension,
                Rule::RequiresExtension,
                format!("'{}' requires it", user.name),
            ));
        }
        if let Some(def) = self.catalog.object(extension) {
            for a in &def.attributes {
                self.values.remove(&a.name);
                self.changed.remove(&a.name);
            }
        }
        self.extensions.remove(extension);
        Ok(())
    }
}

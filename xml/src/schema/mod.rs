//! XSD validation: [`SchemaSet`] loads schema files (or the built-in event schemas), compiles
//! each file with what it includes into a model, and validates documents and events against
//! the file that registered them.
//!
//! Layout: `set` holds the files and their events (schema sets that compose); `loader` reads XSD documents and follows includes/imports; `compile` turns them
//! into the `model` (types, declarations, `content` automata, `pattern` regexes, facet
//! `values`); `validate` walks an instance against the model, using `simple` for values and
//! `builtin_types`/`primitive`/`temporal` for the XSD built-in types; `wildcard` for
//! `xs:any`/`xs:anyAttribute`; `builtin` embeds our own schemas.
//!
//! Supported: global and local elements and element references; named and anonymous simple
//! and complex types; `sequence`/`choice`/`all` with `minOccurs`/`maxOccurs` on elements and
//! groups; named model groups and attribute groups; mixed content; attributes (required,
//! optional, prohibited, default, fixed, typed, qualified or not); `anyAttribute` and `any`
//! (strict/lax/skip, namespace lists); `simpleContent` and `complexContent` extension and
//! restriction; `xsi:type` (with `block`), `xsi:nil` (with `nillable`), abstract elements and
//! types; simple-type restriction with `enumeration`, `pattern`, `length`/`minLength`/
//! `maxLength`, `min/maxInclusive`/`Exclusive`, `totalDigits`/`fractionDigits`, `whiteSpace`;
//! `xs:list` and `xs:union`; the XSD 1.0 built-in types (plus `dateTimeStamp` and the two
//! duration subtypes of 1.1) with checked lexical forms; ID/IDREF; `include` (including
//! chameleon includes) and `import`; `targetNamespace`, `elementFormDefault`,
//! `attributeFormDefault`.
//!
//! Refused at load (an error naming file, line and construct): substitution groups, identity
//! constraints (`unique`/`key`/`keyref`), `redefine`/`override`, notations, and the XSD 1.1
//! additions (`assert`, `alternative`, `openContent`, `explicitTimezone`). URL
//! `schemaLocation`s are not fetched.

pub(crate) mod builtin;
mod builtin_types;
mod compile;
mod content;
mod loader;
mod model;
mod pattern;
mod primitive;
mod set;
mod simple;
mod temporal;
mod validate;
mod values;
mod wildcard;

use crate::document::NodeId;
pub(crate) use builtin_types::{is_ncname, parse_float};

/// Whether `v` is a valid `xs:dateTime`.
#[cfg(test)]
pub(crate) fn is_date_time(v: &str) -> bool {
    temporal::parse(builtin_types::Primitive::DateTime, v).is_some()
}
pub use set::SchemaSet;

/// What [`SchemaSet::validate_event`] found: the event's type and where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    /// The event type: the event element's local name (also its routing key).
    pub name: String,
    /// The event element (the envelope's child, or the root of a bare event).
    pub element: NodeId,
}

#[cfg(test)]
mod tests;

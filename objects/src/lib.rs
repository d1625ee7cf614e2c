//! Clacks object definitions: the original project's XML object model — object types,
//! extensions and their attributes, each mapped onto a backend, with validators (conditions)
//! and in/out filters — read, checked and worked on in memory, without a server.
//!
//! Administrators describe objects (users, groups, organisational units, devices …) in the
//! original's XML format (namespace `http://www.gonicus.de/Objects`, DESIGN §6). This crate
//! loads those definitions (checked against our definition schema with clacks-xml's XSD
//! validator, every fault reported as `file:line: message`), implements every filter and
//! condition the definitions name, and applies change sets to objects under the definitions'
//! rules, yielding the per-backend writes they imply. The backends (LDAP, SQL) execute those
//! writes elsewhere; what a filter or condition needs from the server it asks through the
//! small [`directory::Directory`] interface.
//!
//! # Layout
//!
//! - [`error`] — the crate's one error type, [`Error`], with file, line, attribute and
//!   [`Rule`].
//! - [`value`] and [`types`] — attribute values and types, and conversions between them.
//! - [`props`] — the working set ([`props::Props`]) filters operate on.
//! - [`directory`] — the lookup interface for server-side questions, with an in-memory
//!   implementation.
//! - [`password`] — `{SCHEME}` password hashes: detection, lock marks, hashing, checking.
//! - [`conditions`] — the conditions (`RegEx`, `Smaller`, `ObjectWithPropertyExists` …) and
//!   condition chains.
//! - [`filters`] — the filters (`ConcatString`, `GenerateIDs`, `DatetimeToShadowDays`,
//!   `ImageProcessor` …) and filter chains.
//! - `pyre` — Python regular expressions and replacements translated for the regex crate.
//! - [`definition`] — the definition schema, the reader, the [`definition::Catalog`] of all
//!   loaded definitions with its cross-file checks, its JSON description, and the list of
//!   deliberately unsupported features.
//! - [`model`] — object types resolved from base and extensions, objects, change sets, the
//!   rules, and write plans.
//!
//! # Data flow
//!
//! ```text
//! *.xml ──definition::Catalog::load (schema, names, cross checks)──▶ Catalog
//! Catalog + backend values ──model::ObjectInstance::load (in-filters)──▶ ObjectInstance
//! ObjectInstance + ChangeSet ──apply (rules, validators)──▶ ObjectInstance
//! ObjectInstance ──writes (DependsOn, out-filters, backend types)──▶ WritePlan ──▶ backends
//! ```
//!
//! Data flows one way: values and types know nothing of filters; conditions know values and
//! the directory; filters use conditions (for choices); definitions hold filters and
//! conditions; the model reads definitions.
//!
//! ```
//! use clacks_objects::definition::Catalog;
//! use clacks_objects::directory::MemoryDirectory;
//! use clacks_objects::model::{ChangeSet, ObjectInstance};
//!
//! let xml = r#"<Objects xmlns="http://www.gonicus.de/Objects"><Object>
//!   <Name>Room</Name><Description>A room</Description><Backend>LDAP</Backend>
//!   <BaseObject>true</BaseObject>
//!   <Attributes><Attribute><Name>cn</Name><Type>String</Type><Mandatory>true</Mandatory>
//!     <OutFilter><FilterChain><FilterEntry><Filter><Name>ConcatString</Name>
//!       <Param>room-</Param><Param>left</Param></Filter></FilterEntry></FilterChain></OutFilter>
//!   </Attribute></Attributes></Object></Objects>"#;
//! let catalog = Catalog::from_sources(&[("room.xml".into(), xml.into())]).map_err(|e| e[0].clone())?;
//! let directory = MemoryDirectory::new();
//! let mut room = ObjectInstance::create(&catalog, "Room")?;
//! room.apply(&ChangeSet::new().set_text("cn", "101"), &directory)?;
//! let plan = room.writes(&directory)?;
//! assert_eq!(plan.writes[0].attributes["cn"].values[0].to_text(), "room-101");
//! # Ok::<(), clacks_objects::error::Error>(())
//! ```

#![warn(missing_docs)]

pub mod conditions;
pub mod definition;
pub mod directory;
pub mod error;
pub mod filters;
pub mod model;
pub mod password;
pub mod props;
mod pyre;
pub mod types;
pub mod value;

pub use error::{Error, ErrorKind, Result, Rule};

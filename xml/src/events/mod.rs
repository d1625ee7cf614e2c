//! Typed Rust structs for the events, generated at build time from `xml/schemas/*.xsd`.
//!
//! Every event type `X` has `X::to_xml()` (an `<Event>` envelope document),
//! `X::from_document(&Document)` (wrapped or bare), `X::from_element` / `write_to` for
//! embedding, and `X::EVENT`, its name. [`Event`] holds any of them and decodes whichever a
//! document contains. Nested types live in a module per schema file (for example
//! [`node_capabilities::NodeMethod`], [`node_capabilities::CallType`],
//! [`inventory::Drive`]); the event structs are re-exported here.
//!
//! Type mapping: XSD strings, tokens, URIs and date/time values are `String` (use
//! [`timestamp`] to produce `xs:dateTime` values), `xs:boolean` is `bool`, `float`/`double`/
//! `decimal` are `f64`, the integer types map to the Rust integer of the same range, and
//! enumerations become enums (NodeCapabilities' `CUMMULATIVE` is [`node_capabilities::CallType::Cumulative`]).
//! Optional children are `Option`, repeated ones `Vec`, and a required nillable child is an
//! `Option` whose `None` is written as `xsi:nil="true"`.
//!
//! Decoding does not validate: validate with [`crate::SchemaSet::validate_event`] first when
//! the input is untrusted.

pub(crate) mod convert;
pub mod timestamp;

include!(concat!(env!("OUT_DIR"), "/events.rs"));

//! temp
#![warn(missing_docs)]
pub mod document;
pub mod envelope;
pub mod error;
pub mod schema;
pub mod xpath;
pub use document::Document;
pub use error::{Error, ErrorKind, Result};
pub use schema::{EventInfo, SchemaSet};
/// The XML namespace (bound to the `xml` prefix by definition).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The XML Schema namespace.
pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";
/// The XML Schema instance namespace (`xsi:type`, `xsi:nil`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The events namespace.
pub const EVENTS_NS: &str = "http://www.gonicus.de/Events";
pub use xpath::{Filter, Namespaces};

//! temp
#![warn(missing_docs)]
pub mod document;
pub mod error;
pub use document::Document;
pub use error::{Error, ErrorKind, Result};
/// The XML namespace (bound to the `xml` prefix by definition).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

//! Limits on what one parsed document may hold, so that hostile input costs bounded time and
//! memory before any schema sees it.
//!
//! Every limit is a number of things the parser counts as it goes (nesting depth, attributes on
//! one element, bytes in one name, bytes in one run of text or one attribute value); the first
//! one exceeded stops the parse with an [`ErrorKind::Limit`](crate::ErrorKind::Limit) error
//! naming the limit, so a node can say which setting to raise. The defaults are generous for
//! events (which are small and shallow) and for schemas; a node passes its own from
//! configuration (`[events]` in `config/clacks.toml`).

/// The limits of one parse; [`Limits::default`] is what [`Document::parse`](super::Document::parse)
/// uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting (the recursive validator's stack depth follows it).
    pub max_depth: usize,
    /// Most attributes on one element, namespace declarations included.
    pub max_attributes: usize,
    /// Longest element or attribute name, in bytes, prefix included.
    pub max_name_length: usize,
    /// Longest run of character data or attribute value, in bytes after entity expansion.
    pub max_text: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: MAX_DEPTH,
            max_attributes: 256,
            max_name_length: 1024,
            max_text: 16 * 1024 * 1024,
        }
    }
}

/// The default nesting limit: events are shallow, and the limit bounds recursion.
pub const MAX_DEPTH: usize = 256;

pub use crate::error::Limit;

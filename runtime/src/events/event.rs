//! [`Event`]: what a subscription handler receives, an event that passed validation and the
//! subscription's filter, already parsed so handlers never parse twice.

use clacks_xml::Document;
use std::sync::Arc;

/// A delivered event.
#[derive(Debug, Clone)]
pub struct Event {
    /// The event type (`NodeStatus`, `PhoneCall`, …).
    pub name: String,
    /// The node that published it.
    pub origin: String,
    /// The XML text as it travelled (always an `<Event>` envelope).
    pub xml: Arc<str>,
    /// The parsed document.
    pub document: Document,
}

impl Event {
    /// The event element (the envelope's one child).
    pub fn element(&self) -> Option<clacks_xml::document::Element<'_>> {
        clacks_xml::envelope::event_element(&self.document).ok()
    }
}

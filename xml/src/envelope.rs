//! The event envelope: `<Event xmlns="http://www.gonicus.de/Events">` holding exactly one
//! event element, whose local name is the event type (and the AMQP routing key).
//!
//! The reference schemas declare only the individual event elements, never `Event` itself,
//! so the envelope is checked here rather than by a schema: the wrapper may carry namespace
//! declarations and `xsi:`/`xml:` attributes, must hold exactly one element and no text, and
//! the event inside is then validated against its global declaration. A document whose root
//! is not the wrapper is taken as a bare event, as if wrapped.

use crate::document::{Child, Document, Element};
use crate::error::{Error, ErrorKind, Result};
use crate::{EVENTS_NS, XML_NS, XSI_NS};

/// Local name of the envelope element.
pub const ENVELOPE: &str = "Event";

/// Whether the document's root is the `<Event>` wrapper.
pub fn is_envelope(doc: &Document) -> bool {
    doc.root().is(EVENTS_NS, ENVELOPE)
}

/// The event element of a document: the wrapper's only child, or the root of a bare event.
pub fn event_element(doc: &Document) -> Result<Element<'_>> {
    let root = doc.root();
    if !root.is(EVENTS_NS, ENVELOPE) {
        return Ok(root);
    }
    let fail = |el: Element<'_>, msg: String| {
        Error::new(ErrorKind::Envelope, msg)
            .at(el.line(), el.column())
            .on_element(el.local_name())
    };
    if let Some(a) = root
        .attributes()
        .find(|a| a.namespace() != XSI_NS && a.namespace() != XML_NS)
    {
        return Err(fail(
            root,
            format!(
                "envelope <Event>: attribute '{}' is not allowed",
                a.qualified_name()
            ),
        ));
    }
    let mut event = None;
    for child in root.children() {
        match child {
            Child::Text(t) if t.trim().is_empty() => {}
            Child::Text(t) => {
                let shown: String = t.trim().chars().take(30).collect();
                return Err(fail(root, format!("envelope <Event>: text '{shown}' is not allowed; it holds exactly one event element")));
            }
            Child::Element(e) => {
                if let Some(first) = event {
                    let first: Element<'_> = first;
                    return Err(fail(
                        e,
                        format!(
                            "envelope <Event> holds a second event <{}> after <{}>; exactly one is allowed",
                            e.local_name(),
                            first.local_name()
                        ),
                    ));
                }
                event = Some(e);
            }
        }
    }
    event.ok_or_else(|| {
        fail(
            root,
            "envelope <Event> is empty; it must hold exactly one event element".into(),
        )
    })
}

/// Wraps the XML text of one event element in an envelope.
pub fn wrap(event_xml: &str) -> String {
    format!("<Event xmlns=\"{EVENTS_NS}\">{event_xml}</Event>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Document {
        Document::parse(s).unwrap()
    }

    #[test]
    fn unwraps_the_single_child() {
        let d = doc(&wrap("<NodeLeave><Id>a</Id></NodeLeave>"));
        assert!(is_envelope(&d));
        assert_eq!(event_element(&d).unwrap().local_name(), "NodeLeave");
    }

    #[test]
    fn accepts_a_bare_event_as_if_wrapped() {
        let d = doc(&format!(
            "<NodeLeave xmlns=\"{EVENTS_NS}\"><Id>a</Id></NodeLeave>"
        ));
        assert!(!is_envelope(&d));
        assert_eq!(event_element(&d).unwrap().local_name(), "NodeLeave");
    }

    #[test]
    fn rejects_two_events_naming_the_second() {
        let d = doc(&wrap("<A/>\n<B/>"));
        let err = event_element(&d).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Envelope);
        assert_eq!(err.element(), Some("B"));
        assert_eq!(err.line(), 2);
    }

    #[test]
    fn rejects_empty_envelope_and_stray_text() {
        assert!(event_element(&doc(&wrap("")))
            .unwrap_err()
            .message()
            .contains("empty"));
        assert!(event_element(&doc(&wrap("hello<A/>")))
            .unwrap_err()
            .message()
            .contains("'hello'"));
    }

    #[test]
    fn allows_xsi_attributes_on_the_wrapper() {
        let d = doc(&format!(
            "<Event xmlns=\"{EVENTS_NS}\" xmlns:xsi=\"{XSI_NS}\" xsi:schemaLocation=\"x y\"><A/></Event>"
        ));
        assert!(event_element(&d).is_ok());
        let d = doc(&format!(
            "<Event xmlns=\"{EVENTS_NS}\" foo=\"1\"><A/></Event>"
        ));
        assert!(event_element(&d).is_err());
    }
}

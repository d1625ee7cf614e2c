//! The one path every event takes, on publish and on receipt: parse the text, apply the
//! envelope rule, validate against the node's schemas, and name the event type. A failure
//! keeps the schema's complaint with its line and column; [`invalid_event`] turns it into the
//! `-32005 invalid_event` error callers see.

use clacks_xml::envelope;
use clacks_xml::{Document, ErrorKind, Limits, SchemaSet};
use std::sync::Arc;

use crate::call::{CallError, RpcErrorKind};

/// An event that passed the checks: its type and its parsed document.
#[derive(Debug, Clone)]
pub struct CheckedEvent {
    /// The event type (the element inside `<Event>`, or the bare root).
    pub name: String,
    /// The parsed document.
    pub document: Document,
}

/// Parses `xml` and, when `validate`, validates it against `schemas`. Without validation the
/// text must still be well-formed and follow the envelope rule, since the event type (the
/// routing key) comes from it.
pub fn check(xml: &str, schemas: &SchemaSet, validate: bool) -> clacks_xml::Result<CheckedEvent> {
    check_with(xml, schemas, validate, &Limits::default())
}

/// [`check`] under the parse `limits` of `[events]` (depth, attributes, name length, text).
pub fn check_with(
    xml: &str,
    schemas: &SchemaSet,
    validate: bool,
    limits: &Limits,
) -> clacks_xml::Result<CheckedEvent> {
    let document = Document::parse_with(xml, limits)?;
    let name = if validate {
        schemas.validate_event(&document)?.name
    } else {
        envelope::event_element(&document)?.local_name().to_owned()
    };
    Ok(CheckedEvent { name, document })
}

/// The text to send for a checked event: as given when it is already wrapped in `<Event>`,
/// otherwise wrapped, so that every subscriber sees the envelope (PROTOCOL.md accepts a bare
/// event "as if wrapped").
pub fn wire_text(xml: &str, checked: &CheckedEvent) -> Arc<str> {
    if envelope::is_envelope(&checked.document) {
        return Arc::from(xml);
    }
    let mut inner = String::with_capacity(xml.len());
    clacks_xml::document::write::write_element(checked.document.root(), &mut inner);
    Arc::from(envelope::wrap(&inner))
}

/// The broad reason of a rejection, as `data.reason` says it.
fn reason(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Malformed => "malformed",
        ErrorKind::Envelope => "envelope",
        ErrorKind::UnknownEvent => "unknown_event",
        ErrorKind::Limit => "limit",
        _ => "invalid",
    }
}

/// `-32005 invalid_event` carrying the schema's complaint: `data.line`, `data.column`,
/// `data.element` (when known), `data.reason` and `data.detail` (the message alone); an event
/// over a limit also names the setting to raise (`data.setting`, `events.max_depth`, …).
pub fn invalid_event(err: &clacks_xml::Error) -> CallError {
    let message = match err.limit() {
        Some(limit) => format!(
            "invalid event: {err}; the limit is [events] {} in the node's configuration",
            limit.setting()
        ),
        None => format!("invalid event: {err}"),
    };
    let mut error = CallError::new(RpcErrorKind::InvalidEvent, message)
        .with("line", err.line())
        .with("column", err.column())
        .with("reason", reason(err.kind()))
        .with("detail", err.message());
    if let Some(element) = err.element() {
        error = error.with("element", element);
    }
    if let Some(limit) = err.limit() {
        error = error.with("setting", format!("events.{}", limit.setting()));
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> SchemaSet {
        SchemaSet::builtin().expect("built-in schemas load")
    }

    const LEAVE: &str = "<NodeLeave><Id>n1</Id></NodeLeave>";

    #[test]
    fn valid_wrapped_event_is_named_and_kept_as_given() {
        let xml = envelope::wrap(LEAVE);
        let checked = check(&xml, &schemas(), true).unwrap();
        assert_eq!(checked.name, "NodeLeave");
        assert_eq!(&*wire_text(&xml, &checked), xml.as_str());
    }

    #[test]
    fn bare_event_is_accepted_and_wrapped_for_the_wire() {
        let xml = format!(
            "<NodeLeave xmlns=\"{}\"><Id>n1</Id></NodeLeave>",
            clacks_xml::EVENTS_NS
        );
        let checked = check(&xml, &schemas(), true).unwrap();
        let wire = wire_text(&xml, &checked);
        let again = check(&wire, &schemas(), true).unwrap();
        assert_eq!(again.name, "NodeLeave");
        assert!(envelope::is_envelope(&again.document), "{wire}");
    }

    #[test]
    fn invalid_event_error_carries_line_column_and_kind() {
        let xml = envelope::wrap("\n<NodeLeave><Nope>1</Nope></NodeLeave>");
        let err = check(&xml, &schemas(), true).unwrap_err();
        let call = invalid_event(&err);
        assert_eq!(call.code(), -32005);
        assert_eq!(call.data("line"), Some(&serde_json::json!(err.line())));
        assert!(err.line() >= 2, "{err}");
        assert!(call.data("column").is_some());
        assert_eq!(call.data("reason"), Some(&serde_json::json!("invalid")));
    }

    #[test]
    fn event_over_a_limit_names_the_setting() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let xml = envelope::wrap("<NodeLeave><Id><a/></Id></NodeLeave>");
        let err = check_with(&xml, &schemas(), true, &limits).unwrap_err();
        let call = invalid_event(&err);
        assert_eq!(call.data("reason"), Some(&serde_json::json!("limit")));
        assert_eq!(
            call.data("setting"),
            Some(&serde_json::json!("events.max_depth"))
        );
        assert!(call.message().contains("max_depth"), "{}", call.message());
    }

    #[test]
    fn malformed_text_is_refused_even_without_validation() {
        let err = check("<Event><oops></Event>", &schemas(), false).unwrap_err();
        assert_eq!(
            invalid_event(&err).data("reason"),
            Some(&serde_json::json!("malformed"))
        );
        let unchecked = check(&envelope::wrap("<Whatever/>"), &schemas(), false).unwrap();
        assert_eq!(unchecked.name, "Whatever");
    }
}

//! Runtime support for the generated typed events: reading and writing XSD values, and the
//! errors for documents that do not fit a struct.
//!
//! The generated `from_element` code is deliberately lenient about child order (an `xs:all`
//! and an `xs:sequence` decode the same way) and strict about everything else: an unknown or
//! repeated child, a missing required child or an unparsable value is a
//! [`ErrorKind::Decode`] error naming the element, line and column. Full schema checking is
//! [`crate::SchemaSet::validate_event`]'s job; decoding does not repeat it.

use crate::document::write::XmlWriter;
use crate::document::{Document, Element};
use crate::error::{Error, ErrorKind, Result};
use crate::{EVENTS_NS, XSI_NS};

/// A Rust type that maps to an XSD simple type.
pub trait XsdValue: Sized {
    /// The XSD type name, for messages.
    const XSD_TYPE: &'static str;
    /// Parses the element text; `None` if it is not a valid value.
    fn parse_xsd(text: &str) -> Option<Self>;
    /// Appends the canonical XML form.
    fn write_xsd(&self, out: &mut String);
}

impl XsdValue for String {
    const XSD_TYPE: &'static str = "xs:string";
    fn parse_xsd(text: &str) -> Option<Self> {
        Some(text.to_string())
    }
    fn write_xsd(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl XsdValue for bool {
    const XSD_TYPE: &'static str = "xs:boolean";
    fn parse_xsd(text: &str) -> Option<Self> {
        match text.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }
    fn write_xsd(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl XsdValue for f64 {
    const XSD_TYPE: &'static str = "xs:double";
    fn parse_xsd(text: &str) -> Option<Self> {
        crate::schema::parse_float(text.trim())
    }
    fn write_xsd(&self, out: &mut String) {
        // XSD spells the specials INF, -INF and NaN; Rust's Display never uses exponents.
        if self.is_nan() {
            out.push_str("NaN");
        } else if self.is_infinite() {
            out.push_str(if *self > 0.0 { "INF" } else { "-INF" });
        } else {
            out.push_str(&self.to_string());
        }
    }
}

macro_rules! integer_values {
    ($($t:ty => $xsd:literal),*) => {$(
        impl XsdValue for $t {
            const XSD_TYPE: &'static str = $xsd;
            fn parse_xsd(text: &str) -> Option<Self> {
                text.trim().parse().ok()
            }
            fn write_xsd(&self, out: &mut String) {
                out.push_str(&self.to_string());
            }
        }
    )*};
}

integer_values!(i8 => "xs:byte", i16 => "xs:short", i32 => "xs:int", i64 => "xs:long",
    u8 => "xs:unsignedByte", u16 => "xs:unsignedShort", u32 => "xs:unsignedInt", u64 => "xs:unsignedLong");

fn decode_error(el: Element<'_>, message: String) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("element <{}>: {message}", el.local_name()),
    )
    .at(el.line(), el.column())
    .on_element(el.local_name())
}

/// The value of a simple element.
pub fn value<T: XsdValue>(el: Element<'_>) -> Result<T> {
    if let Some(child) = el.child_elements().next() {
        return Err(decode_error(
            child,
            format!(
                "not expected inside <{}>, which holds a value",
                el.local_name()
            ),
        ));
    }
    let text = el.text();
    T::parse_xsd(&text)
        .ok_or_else(|| decode_error(el, format!("'{text}' is not a valid {}", T::XSD_TYPE)))
}

/// Stores a single-valued child, refusing a second one.
pub fn once<T>(slot: &mut Option<Option<T>>, child: Element<'_>, value: Option<T>) -> Result<()> {
    if slot.is_some() {
        return Err(decode_error(child, "appears more than once".into()));
    }
    *slot = Some(value);
    Ok(())
}

fn missing(parent: Element<'_>, name: &str) -> Error {
    decode_error(parent, format!("missing required child <{name}>"))
}

/// A required child that may be nil (`None`).
pub fn required<T>(slot: Option<Option<T>>, parent: Element<'_>, name: &str) -> Result<Option<T>> {
    slot.ok_or_else(|| missing(parent, name))
}

/// A required child.
pub fn required_value<T>(slot: Option<Option<T>>, parent: Element<'_>, name: &str) -> Result<T> {
    slot.flatten().ok_or_else(|| missing(parent, name))
}

/// The error for a child the struct has no field for.
pub fn unexpected(child: Element<'_>, parent: Element<'_>) -> Error {
    let ns = if child.namespace() == EVENTS_NS {
        String::new()
    } else {
        format!(" (namespace '{}')", child.namespace())
    };
    decode_error(
        child,
        format!("not expected in <{}>{ns}", parent.local_name()),
    )
}

/// Whether an element carries `xsi:nil="true"`.
pub fn is_nil(el: Element<'_>) -> bool {
    matches!(
        el.attribute(XSI_NS, "nil").map(str::trim),
        Some("true" | "1")
    )
}

/// Writes `<name>value</name>`.
pub fn write_value<T: XsdValue>(w: &mut XmlWriter, name: &str, value: &T) {
    let mut text = String::new();
    value.write_xsd(&mut text);
    w.leaf(name, &text);
}

/// Writes `<name xsi:nil="true"/>`.
pub fn write_nil(w: &mut XmlWriter, name: &str) {
    w.start(name)
        .attribute("xmlns:xsi", XSI_NS)
        .attribute("xsi:nil", "true");
    w.end();
}

/// Writes an `<Event>` envelope around what `body` writes.
pub fn envelope(body: impl FnOnce(&mut XmlWriter)) -> String {
    let mut w = XmlWriter::new();
    w.start(crate::envelope::ENVELOPE)
        .attribute("xmlns", EVENTS_NS);
    body(&mut w);
    w.finish()
}

/// The event element of `doc`, which must be the event `name`.
pub fn event_named<'d>(doc: &'d Document, name: &str) -> Result<Element<'d>> {
    let el = crate::envelope::event_element(doc)?;
    if el.is(EVENTS_NS, name) {
        Ok(el)
    } else {
        Err(decode_error(
            el,
            format!("expected a <{name}> event in namespace '{EVENTS_NS}'"),
        ))
    }
}

/// The error for an event no typed struct exists for.
pub fn unknown_event(el: Element<'_>) -> Error {
    decode_error(
        el,
        format!(
            "no typed event for <{}> in namespace '{}'",
            el.local_name(),
            el.namespace()
        ),
    )
}

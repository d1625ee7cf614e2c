//! Tests of the validator construct by construct, on small schemas written inline; this
//! file holds the helpers, the others the tests by theme.

mod content;
mod loading;
mod sets;
mod types;

pub(super) use super::SchemaSet;
pub(super) use crate::error::{Error, ErrorKind};
pub(super) use crate::Document;

pub(super) const HEAD: &str = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">"#;

pub(super) fn schema(body: &str) -> SchemaSet {
    let mut set = SchemaSet::new();
    set.add_str("test.xsd", &format!("{HEAD}{body}</xs:schema>"))
        .unwrap_or_else(|e| panic!("{e}"));
    set
}

pub(super) fn load_error(body: &str) -> Error {
    let mut set = SchemaSet::new();
    set.add_str("test.xsd", &format!("{HEAD}\n{body}</xs:schema>"))
        .unwrap_err()
}

pub(super) fn check(set: &SchemaSet, xml: &str) -> Result<(), Error> {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("{e}"));
    set.validate(&doc)
}

pub(super) fn ok(set: &SchemaSet, xml: &str) {
    if let Err(e) = check(set, xml) {
        panic!("expected valid: {xml}\n{e}");
    }
}

pub(super) fn bad(set: &SchemaSet, xml: &str, fragment: &str) -> Error {
    let e = check(set, xml).expect_err(xml);
    assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
    assert!(
        e.to_string().contains(fragment),
        "expected '{fragment}' in: {e}"
    );
    e
}

pub(super) fn typed(ty: &str) -> SchemaSet {
    schema(&format!(r#"<xs:element name="v" type="{ty}"/>"#))
}

pub(super) fn value(set: &SchemaSet, v: &str) -> Result<(), Error> {
    check(set, &format!(r#"<v xmlns="urn:t" xmlns:t="urn:t">{v}</v>"#))
}

//! Our definition schema (`objects/schema/object.xsd`, embedded), loaded into clacks-xml's
//! XSD validator once; every definition file is checked against it before it is read, so the
//! reader can rely on the structure and report only what the schema cannot know.

use crate::error::{Error, ErrorKind, Result};
use clacks_xml::{Document, SchemaSet};

/// The schema text.
pub const OBJECT_XSD: &str = include_str!("../../schema/object.xsd");

/// The compiled definition schema.
#[derive(Debug, Clone)]
pub struct DefinitionSchema {
    set: SchemaSet,
}

impl DefinitionSchema {
    /// Compiles the embedded schema.
    pub fn load() -> Result<Self> {
        let mut set = SchemaSet::new();
        set.add_str("object.xsd", OBJECT_XSD).map_err(|e| {
            Error::new(
                ErrorKind::Schema,
                format!("the definition schema does not load: {e}"),
            )
        })?;
        Ok(DefinitionSchema { set })
    }

    /// Checks a parsed definition file; the error carries its line.
    pub fn validate(&self, doc: &Document) -> Result<()> {
        self.set
            .validate(doc)
            .map_err(|e| Error::new(ErrorKind::Schema, e.message().to_string()).at(e.line()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(xml: &str) -> Result<()> {
        let schema = DefinitionSchema::load()?;
        let doc = Document::parse(xml).map_err(|e| Error::new(ErrorKind::Schema, e.to_string()))?;
        schema.validate(&doc)
    }

    #[test]
    fn minimal_object_is_valid() {
        let xml = r#"<Objects xmlns="http://www.gonicus.de/Objects"><Object>
            <Name>Thing</Name><Description>d</Description><Backend>NULL</Backend>
            </Object></Objects>"#;
        assert_eq!(check(xml), Ok(()));
    }

    #[test]
    fn missing_backend_is_refused_with_a_line() {
        let xml = "<Objects xmlns=\"http://www.gonicus.de/Objects\">\n<Object>\n<Name>Thing</Name>\n<Description>d</Description>\n</Object></Objects>";
        let e = check(xml).err();
        assert!(e.as_ref().is_some_and(|e| e.line() >= 2), "{e:?}");
    }

    #[test]
    fn unknown_element_is_refused() {
        let xml = r#"<Objects xmlns="http://www.gonicus.de/Objects"><Object>
            <Name>Thing</Name><Description>d</Description><Backend>NULL</Backend>
            <Colour>red</Colour></Object></Objects>"#;
        assert!(check(xml).is_err());
    }
}

//! Reading definition elements: children by name in the definitions namespace, their
//! trimmed text, `xs:boolean` flags and lists of values.

use clacks_xml::document::Element;

/// The definitions namespace.
pub(super) const OBJECTS_NS: &str = "http://www.gonicus.de/Objects";

/// The children named `name`.
pub(super) fn kids<'a>(
    el: Element<'a>,
    name: &'static str,
) -> impl Iterator<Item = Element<'a>> + 'a {
    el.child_elements()
        .filter(move |c| c.local_name() == name && c.namespace() == OBJECTS_NS)
}

/// The first child named `name`.
pub(super) fn kid<'a>(el: Element<'a>, name: &'static str) -> Option<Element<'a>> {
    el.first_child(OBJECTS_NS, name)
}

/// The element's text without surrounding white space.
pub(super) fn trimmed(el: Element<'_>) -> String {
    el.text().trim().to_string()
}

/// The trimmed text of the first child named `name`.
pub(super) fn kid_text(el: Element<'_>, name: &'static str) -> Option<String> {
    kid(el, name).map(trimmed)
}

/// An `xs:boolean` child, false when absent.
pub(super) fn flag(el: Element<'_>, name: &'static str) -> bool {
    kid_text(el, name).is_some_and(|t| t == "true" || t == "1")
}

/// The texts of `list`'s `item` children.
pub(super) fn list(el: Element<'_>, list: &'static str, item: &'static str) -> Vec<String> {
    kid(el, list)
        .map(|l| kids(l, item).map(trimmed).collect())
        .unwrap_or_default()
}

//! Tests of the parser (`parse.rs`): well-formedness, positions, limits, and the bugs fuzzing found.

use super::super::limits::MAX_DEPTH;
use super::*;

fn malformed(text: &str) -> Error {
    let err = parse(text).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    err
}

#[test]
fn rejects_unclosed_element_naming_it() {
    let err = malformed("<a>\n  <b>text</b>\n");
    assert!(err.message().contains("<a>"), "{err}");
}

#[test]
fn rejects_mismatched_end_tag_with_position() {
    let err = malformed("<a>\n<b></c></a>");
    assert_eq!(err.line(), 2, "{err}");
}

#[test]
fn rejects_two_roots_and_stray_text() {
    assert!(malformed("<a/><b/>").message().contains("second root"));
    assert!(malformed("<a/>junk").message().contains("after the root"));
    assert!(malformed("").message().contains("no root"));
}

#[test]
fn rejects_undeclared_prefix() {
    let err = malformed("<a>\n <x:b/></a>");
    assert!(
        err.message().contains("undeclared namespace prefix 'x'"),
        "{err}"
    );
    assert_eq!((err.line(), err.column()), (2, 2));
}

#[test]
fn rejects_unknown_entity_and_illegal_characters() {
    assert!(malformed("<a>&nbsp;</a>").message().contains("&nbsp;"));
    assert!(malformed("<a>&#1;</a>").message().contains("U+0001"));
    assert!(malformed("<a>\u{1}</a>").message().contains("U+0001"));
}

#[test]
fn rejects_duplicate_attributes_through_prefixes() {
    let err = malformed(r#"<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>"#);
    assert!(err.message().contains("twice"), "{err}");
}

fn over(text: &str, limits: &Limits, limit: Limit) -> Error {
    let err = parse_with(text, limits).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit, "{err}");
    assert_eq!(err.limit(), Some(limit), "{err}");
    assert!(err.message().contains(limit.setting()), "{err}");
    err
}

#[test]
fn rejects_excessive_nesting_naming_the_limit() {
    let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
    let err = over(&deep, &Limits::default(), Limit::Depth);
    assert!(err.message().contains("nested deeper"), "{err}");
    let ten_thousand = "<a>".repeat(10_000) + &"</a>".repeat(10_000);
    over(&ten_thousand, &Limits::default(), Limit::Depth);
}

#[test]
fn rejects_too_many_attributes_naming_the_limit() {
    let limits = Limits {
        max_attributes: 3,
        ..Limits::default()
    };
    assert!(parse_with(r#"<a x="1" y="2" z="3"/>"#, &limits).is_ok());
    over(
        r#"<a w="0" x="1" y="2" z="3"/>"#,
        &limits,
        Limit::Attributes,
    );
}

#[test]
fn sixty_thousand_attributes_are_refused_not_compared_pairwise() {
    let attrs: String = (0..60_000).map(|i| format!(" a{i}=\"v\"")).collect();
    over(
        &format!("<e{attrs}/>"),
        &Limits::default(),
        Limit::Attributes,
    );
    // Under a limit that lets them in, the duplicate check is linear (hash sets).
    let roomy = Limits {
        max_attributes: 100_000,
        ..Limits::default()
    };
    let doc = parse_with(&format!("<e{attrs}/>"), &roomy).unwrap();
    assert_eq!(doc.root().attributes().count(), 60_000);
}

#[test]
fn rejects_long_names_and_long_text_naming_the_limit() {
    let limits = Limits {
        max_name_length: 8,
        max_text: 16,
        ..Limits::default()
    };
    over("<abcdefghi/>", &limits, Limit::NameLength);
    over(r#"<a abcdefghi="1"/>"#, &limits, Limit::NameLength);
    over(&format!("<a>{}</a>", "x".repeat(17)), &limits, Limit::Text);
    over(
        &format!("<a>{}&amp;{}</a>", "x".repeat(8), "y".repeat(8)),
        &limits,
        Limit::Text,
    );
    over(
        &format!(r#"<a v="{}"/>"#, "x".repeat(17)),
        &limits,
        Limit::Text,
    );
    assert!(parse_with(&format!("<a>{}</a>", "x".repeat(16)), &limits).is_ok());
}

#[test]
fn refuses_a_doctype_so_billion_laughs_never_expands() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"#;
    let err = malformed(laughs);
    assert!(err.message().contains("DOCTYPE"), "{err}");
    assert_eq!(err.line(), 2, "{err}");
}

#[test]
fn interns_tens_of_thousands_of_namespaces_once_each() {
    let children: String = (0..30_000)
        .map(|i| format!("<c xmlns=\"urn:n{i}\"/>"))
        .collect();
    let doc = parse(&format!("<r>{children}</r>")).unwrap();
    assert_eq!(doc.namespaces.len(), 30_001);
    let last = doc.root().child_elements().last().unwrap();
    assert_eq!(last.namespace(), "urn:n29999");
}

#[test]
fn rejects_an_element_without_a_name() {
    let err = malformed("<\t/>");
    assert!(err.message().contains("not a valid element name"), "{err}");
    malformed("<1a/>");
    malformed("<a:/>");
    malformed("<a 1x=\"1\"/>");
    assert!(parse("<p:a-b.c xmlns:p=\"u\" _x=\"1\" \u{e9}t\u{e9}=\"2\"/>").is_ok());
}

#[test]
fn rejects_a_nul_inside_a_cdata_section() {
    let err = malformed("<a><![CDATA[x\u{0}y]]></a>");
    assert!(err.message().contains("U+0000"), "{err}");
    assert!(parse("<a><![CDATA[<ok> & fine]]></a>").is_ok());
}

#[test]
fn rejects_duplicate_attributes_as_written() {
    let err = malformed(r#"<a x="1" y="2" x="3"/>"#);
    assert!(err.message().contains("'x' appears twice"), "{err}");
}

#[test]
fn normalises_attribute_whitespace_but_keeps_character_references() {
    let doc = parse("<a v=\"x\ty\r\nz&#10;\"/>").unwrap();
    assert_eq!(doc.root().attribute("", "v"), Some("x y z\n"));
}

#[test]
fn counts_columns_in_characters() {
    let doc = parse("<a>\n\u{e9}\u{e9}<b/></a>").unwrap();
    let b = doc.root().child_elements().next().unwrap();
    assert_eq!((b.line(), b.column()), (2, 3));
}

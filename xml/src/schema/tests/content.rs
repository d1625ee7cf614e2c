//! Content models, attributes, derivation, wildcards, nil and abstract declarations.

use super::*;

#[test]
fn rejects_missing_required_child_naming_line() {
    let set = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
        <xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:string"/>
        </xs:sequence></xs:complexType></xs:element>"#,
    );
    ok(&set, r#"<r xmlns="urn:t"><a/><b/></r>"#);
    let e = bad(
        &set,
        "<r xmlns=\"urn:t\">\n  <a/>\n  <c/></r>",
        "expected <b>",
    );
    assert_eq!((e.line(), e.column(), e.element()), (3, 3, Some("c")));
    let e = bad(
        &set,
        "<r xmlns=\"urn:t\">\n  <a/></r>",
        "incomplete; expected <b>",
    );
    assert_eq!(e.line(), 1);
}

#[test]
fn occurrences_on_nested_groups() {
    let set = schema(
        r#"<xs:element name="r"><xs:complexType>
        <xs:sequence minOccurs="1" maxOccurs="2">
          <xs:choice><xs:element name="a" type="xs:int"/><xs:element name="b" type="xs:int" maxOccurs="3"/></xs:choice>
          <xs:element name="c" type="xs:int" minOccurs="0"/>
        </xs:sequence></xs:complexType></xs:element>"#,
    );
    ok(&set, r#"<r xmlns="urn:t"><a>1</a></r>"#);
    ok(
        &set,
        r#"<r xmlns="urn:t"><b>1</b><b>2</b><c>3</c><a>4</a></r>"#,
    );
    bad(
        &set,
        r#"<r xmlns="urn:t"><a>1</a><a>2</a><a>3</a></r>"#,
        "expected one of <c> or the end of <r>",
    );
    bad(&set, r#"<r xmlns="urn:t"/>"#, "expected one of <a> or <b>");
    bad(
        &set,
        r#"<r xmlns="urn:t"><a>x</a></r>"#,
        "'x' is not a valid xs:int",
    );
}

#[test]
fn all_groups_accept_any_order_once() {
    let set = schema(
        r#"<xs:element name="r"><xs:complexType><xs:all>
        <xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:string" minOccurs="0"/>
        </xs:all></xs:complexType></xs:element>"#,
    );
    ok(&set, r#"<r xmlns="urn:t"><b/><a/></r>"#);
    ok(&set, r#"<r xmlns="urn:t"><a/></r>"#);
    bad(&set, r#"<r xmlns="urn:t"><a/><a/></r>"#, "appears twice");
    bad(
        &set,
        r#"<r xmlns="urn:t"><b/></r>"#,
        "missing required child element <a>",
    );
    bad(
        &set,
        r#"<r xmlns="urn:t"><a/><z/></r>"#,
        "expected one of <b> or the end of <r>",
    );
}

#[test]
fn element_references_and_named_groups() {
    let set = schema(
        r#"
        <xs:element name="item" type="xs:token"/>
        <xs:group name="items"><xs:sequence><xs:element ref="t:item" maxOccurs="unbounded"/></xs:sequence></xs:group>
        <xs:element name="r"><xs:complexType><xs:sequence><xs:group ref="t:items" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>"#,
    );
    ok(&set, r#"<r xmlns="urn:t"><item>a</item><item>b</item></r>"#);
    ok(&set, r#"<r xmlns="urn:t"/>"#);
}

#[test]
fn unqualified_local_elements_have_no_namespace() {
    let mut set = SchemaSet::new();
    set.add_str(
        "u.xsd",
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:u">
             <xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
           </xs:schema>"#,
    )
    .unwrap();
    ok(&set, r#"<u:r xmlns:u="urn:u"><a/></u:r>"#);
    bad(
        &set,
        r#"<r xmlns="urn:u"><a/></r>"#,
        "but the element is in namespace 'urn:u'",
    );
}

#[test]
fn attributes_required_default_fixed_and_typed() {
    let set = schema(
        r#"<xs:element name="r"><xs:complexType>
        <xs:attribute name="id" type="xs:ID" use="required"/>
        <xs:attribute name="n" type="xs:positiveInteger" default="1"/>
        <xs:attribute name="v" type="xs:string" fixed="1.0"/>
        </xs:complexType></xs:element>"#,
    );
    ok(&set, r#"<r xmlns="urn:t" id="a" n="3" v="1.0"/>"#);
    bad(
        &set,
        r#"<r xmlns="urn:t"/>"#,
        "missing required attribute 'id'",
    );
    bad(
        &set,
        r#"<r xmlns="urn:t" id="a" n="0"/>"#,
        "attribute 'n': '0' is out of range",
    );
    bad(
        &set,
        r#"<r xmlns="urn:t" id="a" v="2"/>"#,
        "differs from the fixed value",
    );
    bad(
        &set,
        r#"<r xmlns="urn:t" id="a" x="1"/>"#,
        "attribute 'x' is not allowed (allowed: id, n, v)",
    );
    bad(&set, r#"<r xmlns="urn:t" id="1a"/>"#, "not a valid xs:ID");
}

#[test]
fn attribute_groups_wildcards_and_prohibited_uses() {
    let set = schema(
        r###"
        <xs:attributeGroup name="common"><xs:attribute name="lang" type="xs:language"/><xs:anyAttribute namespace="##other" processContents="skip"/></xs:attributeGroup>
        <xs:complexType name="Base"><xs:attribute name="a" type="xs:int"/><xs:attribute name="b" type="xs:int"/></xs:complexType>
        <xs:complexType name="Restricted"><xs:complexContent><xs:restriction base="t:Base"><xs:attribute name="b" use="prohibited"/></xs:restriction></xs:complexContent></xs:complexType>
        <xs:element name="r"><xs:complexType><xs:attributeGroup ref="t:common"/></xs:complexType></xs:element>
        <xs:element name="s" type="t:Restricted"/>"###,
    );
    ok(
        &set,
        r#"<r xmlns="urn:t" lang="de-DE" xmlns:o="urn:o" o:anything="x"/>"#,
    );
    bad(
        &set,
        r#"<r xmlns="urn:t" lang="not a language"/>"#,
        "attribute 'lang'",
    );
    bad(
        &set,
        r#"<r xmlns="urn:t" other="x"/>"#,
        "attribute 'other' is not allowed",
    );
    ok(&set, r#"<s xmlns="urn:t" a="1"/>"#);
    bad(
        &set,
        r#"<s xmlns="urn:t" b="1"/>"#,
        "attribute 'b' is not allowed",
    );
}

#[test]
fn mixed_content_allows_text_and_element_only_does_not() {
    let set = schema(
        r#"
        <xs:element name="m"><xs:complexType mixed="true"><xs:sequence><xs:element name="b" type="xs:string" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
        <xs:element name="e"><xs:complexType><xs:sequence><xs:element name="b" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
        <xs:element name="empty"><xs:complexType/></xs:element>"#,
    );
    ok(&set, r#"<m xmlns="urn:t">Hello <b>world</b>!</m>"#);
    ok(&set, "<e xmlns=\"urn:t\">\n  <b/>\n</e>");
    bad(
        &set,
        r#"<e xmlns="urn:t">text<b/></e>"#,
        "text 'text' is not allowed",
    );
    ok(&set, r#"<empty xmlns="urn:t"/>"#);
    bad(&set, r#"<empty xmlns="urn:t">x</empty>"#, "must be empty");
    bad(
        &set,
        r#"<empty xmlns="urn:t"><b/></empty>"#,
        "no child elements",
    );
}

#[test]
fn nillable_elements_and_xsi_nil() {
    let set = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
        <xs:element name="d" type="xs:dateTime" nillable="true"/><xs:element name="e" type="xs:int"/>
        </xs:sequence></xs:complexType></xs:element>"#,
    );
    let xsi = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
    ok(
        &set,
        &format!(r#"<r xmlns="urn:t" {xsi}><d xsi:nil="true"/><e>1</e></r>"#),
    );
    bad(
        &set,
        &format!(r#"<r xmlns="urn:t" {xsi}><d xsi:nil="true">2020-01-01T00:00:00</d><e>1</e></r>"#),
        "has content",
    );
    bad(
        &set,
        &format!(r#"<r xmlns="urn:t" {xsi}><d/><e xsi:nil="true"/></r>"#),
        "not a valid xs:dateTime",
    );
    bad(
        &set,
        &format!(r#"<r xmlns="urn:t" {xsi}><d xsi:nil="true"/><e xsi:nil="true"/></r>"#),
        "not nillable",
    );
}

#[test]
fn derivation_by_extension_and_simple_content() {
    let set = schema(
        r#"
        <xs:complexType name="Base"><xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence><xs:attribute name="id" type="xs:int"/></xs:complexType>
        <xs:complexType name="Derived"><xs:complexContent><xs:extension base="t:Base"><xs:sequence><xs:element name="b" type="xs:string"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
        <xs:complexType name="Price"><xs:simpleContent><xs:extension base="xs:decimal"><xs:attribute name="currency" type="xs:token" use="required"/></xs:extension></xs:simpleContent></xs:complexType>
        <xs:complexType name="SmallPrice"><xs:simpleContent><xs:restriction base="t:Price"><xs:maxExclusive value="10"/></xs:restriction></xs:simpleContent></xs:complexType>
        <xs:element name="d" type="t:Derived"/><xs:element name="p" type="t:Price"/><xs:element name="sp" type="t:SmallPrice"/>
        <xs:element name="b" type="t:Base"/>"#,
    );
    ok(&set, r#"<d xmlns="urn:t" id="1"><a/><b/></d>"#);
    bad(&set, r#"<d xmlns="urn:t"><b/></d>"#, "expected <a>");
    ok(&set, r#"<p xmlns="urn:t" currency="EUR">9.99</p>"#);
    bad(
        &set,
        r#"<p xmlns="urn:t">9.99</p>"#,
        "missing required attribute 'currency'",
    );
    bad(
        &set,
        r#"<sp xmlns="urn:t" currency="EUR">10</sp>"#,
        "must be < 10",
    );
    let xsi = r#"xmlns:t="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
    ok(
        &set,
        &format!(r#"<b xmlns="urn:t" {xsi} xsi:type="t:Derived"><a/><b/></b>"#),
    );
    bad(
        &set,
        &format!(r#"<b xmlns="urn:t" {xsi} xsi:type="t:Price">1</b>"#),
        "is not derived from the declared type",
    );
}

#[test]
fn wildcards_strict_lax_and_skip() {
    let set = schema(
        r###"
        <xs:element name="known" type="xs:int"/>
        <xs:element name="r"><xs:complexType><xs:sequence>
          <xs:any namespace="##targetNamespace" processContents="strict" minOccurs="0"/>
          <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
        </xs:sequence></xs:complexType></xs:element>"###,
    );
    ok(
        &set,
        r#"<r xmlns="urn:t"><known>1</known><o:x xmlns:o="urn:o"><o:y/></o:x></r>"#,
    );
    bad(
        &set,
        r#"<r xmlns="urn:t"><known>x</known></r>"#,
        "not a valid xs:int",
    );
    bad(
        &set,
        r#"<r xmlns="urn:t"><unknown/></r>"#,
        "no global declaration for <unknown>",
    );
}

#[test]
fn abstract_elements_and_types_are_refused() {
    let set = schema(
        r#"
        <xs:complexType name="A" abstract="true"/>
        <xs:complexType name="C"><xs:complexContent><xs:extension base="t:A"/></xs:complexContent></xs:complexType>
        <xs:element name="a" type="t:A"/><xs:element name="x" abstract="true" type="xs:string"/>"#,
    );
    bad(&set, r#"<a xmlns="urn:t"/>"#, "abstract");
    bad(&set, r#"<x xmlns="urn:t"/>"#, "abstract");
    ok(
        &set,
        r#"<a xmlns="urn:t" xmlns:t="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="t:C"/>"#,
    );
}

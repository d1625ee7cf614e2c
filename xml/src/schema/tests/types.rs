//! Simple types: facets, lists, unions, built-in lexical forms, IDs, default and fixed.

use super::*;

#[test]
fn enumerations_patterns_and_lengths() {
    let set = schema(
        r#"
        <xs:simpleType name="Color"><xs:restriction base="xs:token"><xs:enumeration value="red"/><xs:enumeration value="green"/></xs:restriction></xs:simpleType>
        <xs:simpleType name="Code"><xs:restriction base="xs:string"><xs:pattern value="[A-Z]{2}-\d{3}"/><xs:maxLength value="6"/></xs:restriction></xs:simpleType>
        <xs:simpleType name="Short"><xs:restriction base="t:Code"><xs:pattern value="AB-.*"/></xs:restriction></xs:simpleType>
        <xs:element name="c" type="t:Color"/><xs:element name="k" type="t:Code"/><xs:element name="s" type="t:Short"/>
        <xs:element name="h"><xs:simpleType><xs:restriction base="xs:hexBinary"><xs:length value="2"/></xs:restriction></xs:simpleType></xs:element>"#,
    );
    ok(&set, r#"<c xmlns="urn:t"> red </c>"#);
    bad(
        &set,
        r#"<c xmlns="urn:t">blue</c>"#,
        "'blue' is not one of 'red', 'green'",
    );
    ok(&set, r#"<k xmlns="urn:t">XY-123</k>"#);
    bad(
        &set,
        r#"<k xmlns="urn:t">XY-1234</k>"#,
        "does not match the pattern '[A-Z]{2}-\\d{3}'",
    );
    ok(&set, r#"<s xmlns="urn:t">AB-123</s>"#);
    bad(&set, r#"<s xmlns="urn:t">XY-123</s>"#, "pattern 'AB-.*'");
    ok(&set, r#"<h xmlns="urn:t">0aFF</h>"#);
    bad(
        &set,
        r#"<h xmlns="urn:t">0a</h>"#,
        "has 1 octets, expected exactly 2",
    );
}

#[test]
fn ranges_and_digits() {
    let set = schema(
        r#"
        <xs:element name="p"><xs:simpleType><xs:restriction base="xs:decimal">
          <xs:minExclusive value="0"/><xs:maxInclusive value="100"/><xs:totalDigits value="5"/><xs:fractionDigits value="2"/>
        </xs:restriction></xs:simpleType></xs:element>
        <xs:element name="d"><xs:simpleType><xs:restriction base="xs:date"><xs:minInclusive value="2020-01-01"/></xs:restriction></xs:simpleType></xs:element>"#,
    );
    ok(&set, r#"<p xmlns="urn:t">99.99</p>"#);
    bad(&set, r#"<p xmlns="urn:t">0</p>"#, "must be > 0");
    bad(&set, r#"<p xmlns="urn:t">100.01</p>"#, "must be <= 100");
    bad(
        &set,
        r#"<p xmlns="urn:t">1.234</p>"#,
        "more than 2 fraction digits",
    );
    ok(&set, r#"<d xmlns="urn:t">2020-01-01</d>"#);
    bad(
        &set,
        r#"<d xmlns="urn:t">2019-12-31</d>"#,
        "must be >= 2020-01-01",
    );
}

#[test]
fn lists_and_unions() {
    let set = schema(
        r#"
        <xs:simpleType name="Ints"><xs:list itemType="xs:int"/></xs:simpleType>
        <xs:simpleType name="Pair"><xs:restriction base="t:Ints"><xs:length value="2"/></xs:restriction></xs:simpleType>
        <xs:simpleType name="IntOrAuto"><xs:union memberTypes="xs:int"><xs:simpleType><xs:restriction base="xs:token"><xs:enumeration value="auto"/></xs:restriction></xs:simpleType></xs:union></xs:simpleType>
        <xs:element name="l" type="t:Ints"/><xs:element name="p" type="t:Pair"/><xs:element name="u" type="t:IntOrAuto"/>"#,
    );
    ok(&set, r#"<l xmlns="urn:t"> 1 2  3 </l>"#);
    bad(
        &set,
        r#"<l xmlns="urn:t">1 x</l>"#,
        "list item 'x' is not a valid xs:int",
    );
    ok(&set, r#"<p xmlns="urn:t">1 2</p>"#);
    bad(
        &set,
        r#"<p xmlns="urn:t">1 2 3</p>"#,
        "has 3 items, expected exactly 2",
    );
    ok(&set, r#"<u xmlns="urn:t">42</u>"#);
    ok(&set, r#"<u xmlns="urn:t">auto</u>"#);
    bad(
        &set,
        r#"<u xmlns="urn:t">manual</u>"#,
        "not valid for any member type",
    );
}

#[test]
fn builtin_types_check_lexical_forms() {
    for (ty, good, wrong) in [
        ("xs:boolean", "true", "yes"),
        ("xs:int", "-2147483648", "2147483648"),
        ("xs:unsignedShort", "65535", "65536"),
        ("xs:nonNegativeInteger", "0", "-1"),
        ("xs:float", "1.5E3", "1,5"),
        (
            "xs:dateTime",
            "2011-10-27T16:23:21+02:00",
            "2011-10-27T16:23",
        ),
        ("xs:time", "23:59:59", "24:00:01"),
        ("xs:duration", "P1DT2H", "P1H"),
        ("xs:anyURI", "http://x/a%20b", "http://x/%zz"),
        ("xs:base64Binary", "aGk=", "aGk"),
        ("xs:NCName", "a-b", "a:b"),
        ("xs:language", "en-GB", "english!"),
        ("xs:QName", "t:x", "t:1"),
    ] {
        let set = typed(ty);
        assert!(
            value(&set, good).is_ok(),
            "{ty} {good}: {:?}",
            value(&set, good)
        );
        let e = value(&set, wrong).expect_err(&format!("{ty} {wrong}"));
        assert!(e.message().contains(wrong), "{e}");
    }
    let e = value(&typed("xs:QName"), "zz:x").unwrap_err();
    assert!(e.message().contains("prefix 'zz'"), "{e}");
}

#[test]
fn ids_must_be_unique_and_idrefs_resolve() {
    let set = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence maxOccurs="unbounded">
        <xs:element name="i"><xs:complexType><xs:attribute name="id" type="xs:ID"/><xs:attribute name="ref" type="xs:IDREFS"/></xs:complexType></xs:element>
        </xs:sequence></xs:complexType></xs:element>"#,
    );
    ok(
        &set,
        r#"<r xmlns="urn:t"><i id="a"/><i id="b" ref="a b"/></r>"#,
    );
    bad(
        &set,
        r#"<r xmlns="urn:t"><i id="a"/><i id="a"/></r>"#,
        "ID 'a' is used twice",
    );
    bad(
        &set,
        r#"<r xmlns="urn:t"><i id="a" ref="z"/></r>"#,
        "IDREF 'z' does not match",
    );
}

#[test]
fn element_default_and_fixed_values() {
    let set = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
        <xs:element name="d" type="xs:int" default="5"/><xs:element name="f" type="xs:decimal" fixed="1.0"/>
        </xs:sequence></xs:complexType></xs:element>"#,
    );
    ok(&set, r#"<r xmlns="urn:t"><d/><f>1</f></r>"#);
    ok(&set, r#"<r xmlns="urn:t"><d>7</d><f/></r>"#);
    bad(
        &set,
        r#"<r xmlns="urn:t"><d/><f>2</f></r>"#,
        "differs from the fixed value",
    );
}

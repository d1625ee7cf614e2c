//! Loading: refused constructs, schema mistakes, includes and imports, the built-in set.

use super::*;

#[test]
fn unsupported_constructs_are_load_errors_naming_them() {
    for (construct, body) in [
        (
            "<xs:key>",
            r#"<xs:element name="r" type="xs:string"><xs:key name="k"><xs:selector xpath="."/><xs:field xpath="."/></xs:key></xs:element>"#,
        ),
        (
            "substitution",
            r#"<xs:element name="r" type="xs:string" substitutionGroup="t:x"/>"#,
        ),
        ("<xs:redefine>", r#"<xs:redefine schemaLocation="x.xsd"/>"#),
        (
            "<xs:assert>",
            r#"<xs:complexType name="T"><xs:assert test="true()"/></xs:complexType>"#,
        ),
        ("NOTATION", r#"<xs:element name="r" type="xs:NOTATION"/>"#),
    ] {
        let e = load_error(body);
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.to_string().contains(construct), "{construct}: {e}");
        assert_eq!((e.file(), e.line()), (Some("test.xsd"), 2), "{e}");
    }
}

#[test]
fn schema_mistakes_are_load_errors_with_position() {
    for (fragment, body) in [
        (
            "unknown type 'Nope'",
            r#"<xs:element name="r" type="t:Nope"/>"#,
        ),
        (
            "not an XSD built-in",
            r#"<xs:element name="r" type="xs:strin"/>"#,
        ),
        (
            "attribute 'tpye' is not allowed",
            r#"<xs:element name="r" tpye="xs:string"/>"#,
        ),
        (
            "maxOccurs (1) is less than minOccurs (2)",
            r#"<xs:complexType name="T"><xs:sequence><xs:element name="a" minOccurs="2"/></xs:sequence></xs:complexType>"#,
        ),
        (
            "enumeration value is not valid",
            r#"<xs:simpleType name="T"><xs:restriction base="xs:int"><xs:enumeration value="x"/></xs:restriction></xs:simpleType>"#,
        ),
        (
            "facet maxLength does not apply",
            r#"<xs:simpleType name="T"><xs:restriction base="xs:int"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>"#,
        ),
        (
            "bad pattern",
            r#"<xs:simpleType name="T"><xs:restriction base="xs:string"><xs:pattern value="(a"/></xs:restriction></xs:simpleType>"#,
        ),
        (
            "already declared",
            r#"<xs:element name="r"/><xs:element name="r"/>"#,
        ),
        (
            "default/fixed value '' is invalid",
            r#"<xs:element name="r" type="xs:int" default=""/>"#,
        ),
        (
            "circular",
            r#"<xs:complexType name="T"><xs:complexContent><xs:extension base="t:T"/></xs:complexContent></xs:complexType>"#,
        ),
        (
            "contains itself",
            r#"<xs:group name="g"><xs:sequence><xs:group ref="t:g"/></xs:sequence></xs:group><xs:element name="r"><xs:complexType><xs:group ref="t:g"/></xs:complexType></xs:element>"#,
        ),
    ] {
        let e = load_error(body);
        assert!(matches!(e.kind(), ErrorKind::Schema), "{e}");
        assert!(
            e.to_string().contains(fragment),
            "expected '{fragment}' in: {e}"
        );
        assert!(e.to_string().starts_with("test.xsd:"), "{e}");
    }
}

#[test]
fn malformed_schema_is_a_load_error() {
    let mut set = SchemaSet::new();
    let e = set
        .add_str(
            "broken.xsd",
            "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<xs:element></xs:schema>",
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert!(e.to_string().starts_with("broken.xsd:"), "{e}");
    let e = set.add_str("not.xsd", "<schema/>").unwrap_err();
    assert!(e.message().contains("not an XML Schema"), "{e}");
}

#[test]
fn failed_load_leaves_the_set_unchanged() {
    let mut set = schema(r#"<xs:element name="r" type="xs:int"/>"#);
    assert!(set.add_str("bad.xsd", "<nope/>").is_err());
    ok(&set, r#"<r xmlns="urn:t">1</r>"#);
    assert_eq!(set.files(), ["test.xsd"]);
}

#[test]
fn includes_and_imports_resolve_relative_to_the_file() {
    let dir = std::env::temp_dir().join(format!("clacks-xml-include-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write(
        "types.xsd",
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:simpleType name="Small"><xs:restriction base="xs:int"><xs:maxInclusive value="9"/></xs:restriction></xs:simpleType></xs:schema>"#,
    );
    write(
        "other.xsd",
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:o"><xs:element name="o" type="xs:boolean"/></xs:schema>"#,
    );
    write(
        "main.xsd",
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" xmlns:o="urn:o" targetNamespace="urn:t" elementFormDefault="qualified">
             <xs:include schemaLocation="types.xsd"/>
             <xs:import namespace="urn:o" schemaLocation="other.xsd"/>
             <xs:element name="r"><xs:complexType><xs:sequence><xs:element name="s" type="t:Small"/><xs:element ref="o:o"/></xs:sequence></xs:complexType></xs:element>
           </xs:schema>"#,
    );
    let mut set = SchemaSet::new();
    set.add_file(&dir.join("main.xsd")).unwrap();
    ok(
        &set,
        r#"<r xmlns="urn:t" xmlns:o="urn:o"><s>3</s><o:o>true</o:o></r>"#,
    );
    bad(
        &set,
        r#"<r xmlns="urn:t" xmlns:o="urn:o"><s>30</s><o:o>true</o:o></r>"#,
        "must be <= 9",
    );
    // Loading the folder again adds nothing twice; only types.xsd is new, as a no-namespace
    // schema of its own (it was included into urn:t before, a chameleon include).
    let before = set.files().len();
    set.load_dir(&dir).unwrap();
    assert_eq!(set.files().len(), before + 1, "{:?}", set.files());
    write(
        "missing.xsd",
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="nowhere.xsd"/></xs:schema>"#,
    );
    let e = SchemaSet::new()
        .add_file(&dir.join("missing.xsd"))
        .unwrap_err();
    assert!(e.to_string().contains("nowhere.xsd"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn builtin_set_knows_every_event() {
    let set = SchemaSet::builtin().unwrap();
    for name in [
        "NodeAnnounce",
        "NodeCapabilities",
        "NodeStatus",
        "NodeLeave",
        "NodePlugins",
        "ClientAnnounce",
        "ClientLeave",
        "ClientPing",
        "Inventory",
        "Notification",
        "ObjectChanged",
        "BackendChange",
        "UserSession",
        "ActorStarted",
        "ActorRestarted",
        "IntensityExceeded",
        "ActorStopped",
        "NodeStatistics",
        "PhoneCall",
        "PhoneStatistics",
        "Audit",
        "AclChanged",
        "TokenRevoked",
        "TokenRevocations",
    ] {
        assert!(set.has_event(name), "{name}");
    }
    assert_eq!(set.event_names().len(), 24, "{:?}", set.event_names());
}

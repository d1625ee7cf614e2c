//! Each built-in schema with a valid and an invalid example, and the subscription filter
//! `//e:NodeStatus[e:Load > 2]` over a stream of events.

use clacks_xml::{envelope, Document, ErrorKind, Filter, Namespaces, SchemaSet};

const TS: &str = "2026-11-03T14:05:09.123Z";

/// (event, valid body, invalid body, fragment the error must contain)
fn examples() -> Vec<(&'static str, String, String, &'static str)> {
    let actor = "<Node>node-a</Node><Path>/plugins/core</Path><Kind>plugin</Kind>";
    vec![
        ("NodeAnnounce", "<NodeAnnounce><Id>node-a</Id></NodeAnnounce>".into(),
            "<NodeAnnounce/>".into(), "expected <Id>"),
        ("NodePlugins", "<NodePlugins><Id>node-a</Id><Plugin><Name>core</Name><Status>running</Status></Plugin><Plugin><Name>flaky</Name><Status>failed</Status></Plugin></NodePlugins>".into(),
            "<NodePlugins><Id>node-a</Id><Plugin><Name>core</Name><Status>asleep</Status></Plugin></NodePlugins>".into(), "'asleep' is not one of"),
        ("NodeLeave", "<NodeLeave><Id>node-a</Id></NodeLeave>".into(),
            "<NodeLeave><Id>a</Id><Id>b</Id></NodeLeave>".into(), "expected the end of <NodeLeave>"),
        ("NodeStatus", "<NodeStatus><Load>2.5</Load><Latency>0.01</Latency><Workers>8</Workers><Id>n</Id><InFlight>2</InFlight></NodeStatus>".into(),
            "<NodeStatus><Load>1</Load><Latency>0.01</Latency><Workers>8</Workers><Id>n</Id><InFlight>-2</InFlight></NodeStatus>".into(), "'-2' is out of range for xs:unsignedInt"),
        ("NodeCapabilities", "<NodeCapabilities><Id>n</Id><NodeMethod><Name>core.ping</Name><Path>/</Path><Target>core</Target><Signature/><Type>CUMMULATIVE</Type><QueueRequired>false</QueueRequired><Documentation/></NodeMethod><NodeObject><OID>User</OID></NodeObject></NodeCapabilities>".into(),
            "<NodeCapabilities><Id>n</Id><NodeMethod><Name>core.ping</Name><Path>/</Path><Target>core</Target><Signature/><Type>CUMULATIVE</Type><QueueRequired>false</QueueRequired><Documentation/></NodeMethod></NodeCapabilities>".into(), "'CUMULATIVE' is not one of 'NORMAL', 'FIRSTRESULT', 'CUMMULATIVE'"),
        ("ClientAnnounce", "<ClientAnnounce><Id>c</Id><Name>host</Name><NetworkInformation><NetworkDevice><Name>eth0</Name><IPAddress>10.0.0.2</IPAddress><IPv6Address>::1</IPv6Address><MAC>00:11:22:33:44:55</MAC><Netmask>255.0.0.0</Netmask><Broadcast>10.255.255.255</Broadcast></NetworkDevice></NetworkInformation></ClientAnnounce>".into(),
            "<ClientAnnounce><Id>c</Id><Name>host</Name><NetworkInformation/></ClientAnnounce>".into(), "expected <NetworkDevice>"),
        ("ClientLeave", "<ClientLeave><Id>c</Id></ClientLeave>".into(),
            "<ClientLeave>c</ClientLeave>".into(), "text 'c' is not allowed"),
        ("ClientPing", "<ClientPing><Id>c</Id></ClientPing>".into(),
            "<ClientPing><Id>c</Id><Name>x</Name></ClientPing>".into(), "element <Name>"),
        ("Inventory", "<Inventory><Checksum>x</Checksum><DeviceID>d</DeviceID><QueryType>INVENTORY</QueryType><ClientVersion>1</ClientVersion><ClientUUID>u</ClientUUID><HardwareUUID>h</HardwareUUID><Hostname>h</Hostname><Memory><Capacity>8192</Capacity><Description/><Caption/><Speed/><Type/><NumberOfSlots>2</NumberOfSlots><Serial/></Memory></Inventory>".into(),
            "<Inventory><Checksum>x</Checksum><DeviceID>d</DeviceID><QueryType>INVENTORY</QueryType><ClientVersion>1</ClientVersion><ClientUUID>u</ClientUUID><HardwareUUID>h</HardwareUUID><Hostname>h</Hostname><Memory><Capacity>8 GB</Capacity></Memory></Inventory>".into(), "'8 GB' is not a valid xs:integer"),
        ("Notification", "<Notification><Target>alice</Target><Body>hi</Body><Timeout>5</Timeout></Notification>".into(),
            "<Notification><Target>alice</Target><Title>t</Title></Notification>".into(), "missing required child element <Body>"),
        ("ObjectChanged", "<ObjectChanged><ModificationTime>now</ModificationTime><ChangeType>modify</ChangeType></ObjectChanged>".into(),
            "<ObjectChanged><ChangeType>modify</ChangeType></ObjectChanged>".into(), "<ModificationTime>"),
        ("BackendChange", "<BackendChange><DN>uid=jd,ou=people,dc=example,dc=net</DN><ModificationTime>now</ModificationTime><ChangeType>modify</ChangeType></BackendChange>".into(),
            "<BackendChange><DN>uid=jd</DN><ChangeType>modify</ChangeType></BackendChange>".into(), "<ModificationTime>"),
        ("UserSession", "<UserSession><Id>c</Id><User><Name>alice</Name><Name>bob</Name></User></UserSession>".into(),
            "<UserSession><Id>c</Id><User><Login>alice</Login></User></UserSession>".into(), "expected one of <Name> or the end of <User>"),
        ("ActorStarted", format!("<ActorStarted>{actor}<Restarts>0</Restarts><Timestamp>{TS}</Timestamp></ActorStarted>"),
            format!("<ActorStarted><Node>node-a</Node><Path>plugins/core</Path><Kind>plugin</Kind><Restarts>0</Restarts><Timestamp>{TS}</Timestamp></ActorStarted>"), "does not match the pattern"),
        ("ActorRestarted", format!("<ActorRestarted>{actor}<Reason>panic</Reason><Restarts>1</Restarts><Timestamp>{TS}</Timestamp></ActorRestarted>"),
            format!("<ActorRestarted>{actor}<Restarts>1</Restarts><Timestamp>{TS}</Timestamp></ActorRestarted>"), "expected <Reason>"),
        ("IntensityExceeded", format!("<IntensityExceeded>{actor}<Restarts>6</Restarts><WindowMs>5000</WindowMs><LastError>boom</LastError><Timestamp>{TS}</Timestamp></IntensityExceeded>"),
            format!("<IntensityExceeded>{actor}<Restarts>6</Restarts><WindowMs>5000</WindowMs><LastError>boom</LastError><Timestamp>yesterday</Timestamp></IntensityExceeded>"), "'yesterday' is not a valid xs:dateTime"),
        ("ActorStopped", format!("<ActorStopped>{actor}<Reason>failed</Reason><LastError>boom</LastError><Restarts>5</Restarts><Timestamp>{TS}</Timestamp></ActorStopped>"),
            format!("<ActorStopped>{actor}<Reason>crashed</Reason><Restarts>5</Restarts><Timestamp>{TS}</Timestamp></ActorStopped>"), "'crashed' is not one of"),
        ("NodeStatistics", format!("<NodeStatistics><Node>node-a</Node><Start>{TS}</Start><IntervalMs>10000</IntervalMs><Command><Name>core.ping</Name><Count>10</Count><Errors>0</Errors><LatencyP50>0.5</LatencyP50><LatencyP95>1</LatencyP95><LatencyP99>2.5</LatencyP99></Command><DroppedSamples>0</DroppedSamples></NodeStatistics>"),
            format!("<NodeStatistics><Node>node-a</Node><Start>{TS}</Start><IntervalMs>10000</IntervalMs><Command><Name>core.ping</Name><Count>10</Count><Errors>0</Errors><LatencyP50>-0.5</LatencyP50><LatencyP95>1</LatencyP95><LatencyP99>2.5</LatencyP99></Command><DroppedSamples>0</DroppedSamples></NodeStatistics>"), "must be >= 0"),
        ("PhoneCall", format!("<PhoneCall><CallId>1730642709.42</CallId><Caller>+4930123456</Caller><Callee>100</Callee><Extension>100</Extension><State>ringing</State><Timestamp>{TS}</Timestamp></PhoneCall>"),
            format!("<PhoneCall><CallId>1</CallId><Caller>Alice</Caller><Callee>100</Callee><Extension>100</Extension><State>ringing</State><Timestamp>{TS}</Timestamp></PhoneCall>"), "'Alice' does not match the pattern"),
        ("PhoneStatistics", format!("<PhoneStatistics><Node>node-a</Node><Start>{TS}</Start><IntervalMs>60000</IntervalMs><Extension><Number>100</Number><Calls>3</Calls><Answered>2</Answered><Missed>1</Missed><DurationP50>30</DurationP50><DurationP95>60</DurationP95><DurationP99>90</DurationP99></Extension></PhoneStatistics>"),
            format!("<PhoneStatistics><Node>node a</Node><Start>{TS}</Start><IntervalMs>60000</IntervalMs></PhoneStatistics>"), "'node a' does not match the pattern"),
        ("Audit", format!("<Audit><User>mallory</User><Topic>org.clacks.command.core.stop</Topic><Right>x</Right><Decision>denied</Decision><Node>node-a</Node><Timestamp>{TS}</Timestamp></Audit>"),
            format!("<Audit><User>mallory</User><Topic>t</Topic><Right>xq</Right><Decision>denied</Decision><Node>node-a</Node><Timestamp>{TS}</Timestamp></Audit>"), "'xq' does not match the pattern"),
        ("AclChanged", format!("<AclChanged><Node>node-a</Node><Revision>3</Revision><Origin>node-a</Origin><Set>{{}}</Set><Timestamp>{TS}</Timestamp></AclChanged>"),
            format!("<AclChanged><Node>node-a</Node><Revision>-1</Revision><Origin>node-a</Origin><Timestamp>{TS}</Timestamp></AclChanged>"), "-1"),
        ("TokenRevoked", format!("<TokenRevoked><Node>node-a</Node><Id>q7Xf0_-kP2mZ3aQe</Id><User>alice</User><ExpiresMs>1767225600000</ExpiresMs><Timestamp>{TS}</Timestamp></TokenRevoked>"),
            format!("<TokenRevoked><Node>node-a</Node><Id>not a token id</Id><User>alice</User><ExpiresMs>1767225600000</ExpiresMs><Timestamp>{TS}</Timestamp></TokenRevoked>"), "does not match the pattern"),
        ("TokenRevocations", format!("<TokenRevocations><Node>node-a</Node><Token><Id>q7Xf0_-kP2mZ3aQe</Id><ExpiresMs>1767225600000</ExpiresMs></Token><Timestamp>{TS}</Timestamp></TokenRevocations>"),
            format!("<TokenRevocations><Node>node-a</Node><Token><Id>q7Xf0_-kP2mZ3aQe</Id></Token><Timestamp>{TS}</Timestamp></TokenRevocations>"), "expected <ExpiresMs>"),
    ]
}

#[test]
fn every_builtin_schema_has_a_valid_and_an_invalid_example() {
    let set = SchemaSet::builtin().unwrap();
    let examples = examples();
    let mut covered: Vec<&str> = examples.iter().map(|e| e.0).collect();
    covered.sort_unstable();
    assert_eq!(
        covered,
        set.event_names(),
        "every built-in event needs examples"
    );
    for (event, valid, invalid, fragment) in examples {
        let doc = Document::parse(&envelope::wrap(&valid)).unwrap();
        let info = set
            .validate_event(&doc)
            .unwrap_or_else(|e| panic!("{event} valid example: {e}"));
        assert_eq!(info.name, event);
        let doc = Document::parse(&envelope::wrap(&invalid)).unwrap();
        let err = set.validate_event(&doc).expect_err(event);
        assert_eq!(err.kind(), ErrorKind::Invalid, "{event}: {err}");
        assert!(
            err.to_string().contains(fragment),
            "{event}: expected '{fragment}' in: {err}"
        );
        assert!(err.line() > 0 && err.column() > 0, "{event}: {err}");
    }
}

#[test]
fn envelope_problems_are_reported_as_such() {
    let set = SchemaSet::builtin().unwrap();
    let two = Document::parse(&envelope::wrap(
        "<NodeLeave><Id>a</Id></NodeLeave><NodeLeave><Id>b</Id></NodeLeave>",
    ))
    .unwrap();
    assert_eq!(
        set.validate_event(&two).unwrap_err().kind(),
        ErrorKind::Envelope
    );
    let unknown = Document::parse(&envelope::wrap("<Teleport/>")).unwrap();
    let err = set.validate_event(&unknown).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownEvent);
    assert!(err.to_string().contains("<Teleport>"), "{err}");
    let no_ns = Document::parse("<NodeLeave><Id>a</Id></NodeLeave>").unwrap();
    let err = set.validate_event(&no_ns).unwrap_err();
    assert!(err.message().contains("must be in namespace"), "{err}");
    let bare =
        Document::parse("<NodeLeave xmlns=\"http://www.gonicus.de/Events\"><Id>a</Id></NodeLeave>")
            .unwrap();
    assert_eq!(set.validate_event(&bare).unwrap().name, "NodeLeave");
}

#[test]
fn plugin_schemas_add_event_types_at_run_time() {
    let mut set = SchemaSet::builtin().unwrap();
    let before = set.event_names().len();
    set.add_str(
        "plugin/Backup.xsd",
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.gonicus.de/Events" elementFormDefault="qualified">
             <xs:element name="BackupDone"><xs:complexType><xs:sequence><xs:element name="Bytes" type="xs:unsignedLong"/></xs:sequence></xs:complexType></xs:element>
           </xs:schema>"#,
    )
    .unwrap();
    assert_eq!(set.event_names().len(), before + 1);
    let doc = Document::parse(&envelope::wrap(
        "<BackupDone><Bytes>12</Bytes></BackupDone>",
    ))
    .unwrap();
    assert_eq!(set.validate_event(&doc).unwrap().name, "BackupDone");
}

#[test]
fn load_filter_selects_exactly_the_node_status_events_above_two() {
    let set = SchemaSet::builtin().unwrap();
    let filter = Filter::compile("//e:NodeStatus[e:Load > 2]", &Namespaces::default()).unwrap();
    let status = |id: &str, load: &str| {
        envelope::wrap(&format!("<NodeStatus><Id>{id}</Id><Load>{load}</Load><Latency>0.1</Latency><Workers>4</Workers></NodeStatus>"))
    };
    let stream = [
        status("a", "0.5"),
        status("b", "2"),
        status("c", "2.0001"),
        status("d", "17"),
        status("e", "1E3"),
        envelope::wrap("<NodeLeave><Id>f</Id></NodeLeave>"),
        envelope::wrap(&format!("<ActorStarted><Node>g</Node><Path>/</Path><Kind>root</Kind><Restarts>3</Restarts><Timestamp>{TS}</Timestamp></ActorStarted>")),
    ];
    let mut matched = Vec::new();
    for xml in &stream {
        let doc = Document::parse(xml).unwrap();
        set.validate_event(&doc).unwrap();
        if filter.matches(&doc) {
            matched.push(
                Filter::compile("//e:Id", &Namespaces::default())
                    .unwrap()
                    .select_strings(&doc)
                    .join(""),
            );
        }
    }
    // "1E3" is a valid xs:float, but XPath 1.0 numbers have no exponent: NaN never compares.
    assert_eq!(matched, ["c", "d"]);
}

#[test]
fn bad_filters_fail_at_compile_time_with_the_position() {
    let err = Filter::compile("//e:NodeStatus[e:Load >> 2]", &Namespaces::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::XPath);
    assert!(err.to_string().contains("character 24"), "{err}");
}

#[test]
fn shared_types_can_cross_threads() {
    fn check<T: Send + Sync + Clone>() {}
    check::<SchemaSet>();
    check::<Filter>();
    check::<Document>();
}

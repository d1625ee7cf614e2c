//! Typed events round-trip through XML (to_xml → parse → equal) and their output validates
//! against the built-in schemas.

use clacks_xml::events::{self, node_capabilities, timestamp, Event};
use clacks_xml::{Document, ErrorKind, SchemaSet};

fn round_trip(event: Event) {
    let set = SchemaSet::builtin().unwrap();
    let xml = event.to_xml();
    let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let info = set
        .validate_event(&doc)
        .unwrap_or_else(|e| panic!("{}: {e}\n{xml}", event.name()));
    assert_eq!(info.name, event.name());
    let back = Event::from_document(&doc).unwrap();
    assert_eq!(back, event, "{xml}");
}

fn node_status() -> events::NodeStatus {
    events::NodeStatus {
        id: "node-a".into(),
        load: 0.30000000000000004,
        latency: 0.0125,
        workers: 8,
        in_flight: Some(3),
        indexed: None,
    }
}

#[test]
fn node_events_round_trip() {
    round_trip(Event::NodeAnnounce(events::NodeAnnounce {
        id: "node-a".into(),
    }));
    round_trip(Event::NodeLeave(events::NodeLeave {
        id: "node-a".into(),
    }));
    round_trip(Event::NodeStatus(node_status()));
    round_trip(Event::NodeCapabilities(events::NodeCapabilities {
        id: "node-a".into(),
        node_method: vec![node_capabilities::NodeMethod {
            name: "core.ping".into(),
            path: "/plugins/core".into(),
            target: "core".into(),
            signature: "[]".into(),
            r#type: node_capabilities::CallType::Cumulative,
            queue_required: false,
            documentation: "Answers <pong> & more".into(),
        }],
        node_object: vec![node_capabilities::NodeObject {
            oid: "User".into(),
            signature: None,
        }],
    }));
}

#[test]
fn cumulative_keeps_the_original_spelling_in_xml() {
    let xml = events::NodeCapabilities {
        id: "n".into(),
        node_method: vec![node_capabilities::NodeMethod {
            name: "a.b".into(),
            path: "/".into(),
            target: "a".into(),
            signature: "".into(),
            r#type: node_capabilities::CallType::Cumulative,
            queue_required: true,
            documentation: "".into(),
        }],
        node_object: vec![],
    }
    .to_xml();
    assert!(xml.contains("<Type>CUMMULATIVE</Type>"), "{xml}");
}

#[test]
fn client_events_round_trip() {
    use events::client_announce::{NetworkDevice, NetworkInformation};
    round_trip(Event::ClientAnnounce(events::ClientAnnounce {
        id: "2f8e4c1a-0b6e-4d39-9a6a-1c2d3e4f5a6b".into(),
        name: "garnele".into(),
        network_information: NetworkInformation {
            network_device: vec![NetworkDevice {
                name: "eth0".into(),
                ip_address: "10.0.0.2".into(),
                ipv6_address: "fe80::1".into(),
                mac: "00:11:22:33:44:55".into(),
                netmask: "255.255.255.0".into(),
                broadcast: "10.0.0.255".into(),
            }],
        },
    }));
    round_trip(Event::ClientLeave(events::ClientLeave { id: "c".into() }));
    round_trip(Event::ClientPing(events::ClientPing { id: "c".into() }));
    round_trip(Event::UserSession(events::UserSession {
        id: "c".into(),
        user: Some(events::user_session::User {
            name: vec!["alice".into(), "bob".into()],
        }),
    }));
    round_trip(Event::UserSession(events::UserSession {
        id: "c".into(),
        user: None,
    }));
    round_trip(Event::Notification(events::Notification {
        target: "alice".into(),
        title: Some("Disk".into()),
        body: "  full\n on /var ".into(),
        icon: None,
        timeout: Some(-1),
    }));
    round_trip(Event::ObjectChanged(events::ObjectChanged {
        uuid: Some("u-1".into()),
        dn: Some("cn=a,dc=example,dc=org".into()),
        modification_time: "20261103140509Z".into(),
        change_type: "modify".into(),
        object_type: Some("User".into()),
    }));
}

#[test]
fn inventory_round_trips_with_a_nil_date() {
    use events::inventory::{Drive, Memory};
    let drive = |create_date: Option<String>| Drive {
        device: "/dev/sda1".into(),
        mount_point: "/".into(),
        filesystem: "ext4".into(),
        serial: "".into(),
        label: "root".into(),
        create_date,
        total_space: "100G".into(),
        free_space: "50G".into(),
    };
    let mut inv = events::Inventory {
        checksum: "5d41402abc4b2a76b9719d911017c592".into(),
        device_id: "garnele-2011-10-27-16-23-21".into(),
        query_type: "INVENTORY".into(),
        client_version: "clacks-client 1.0".into(),
        client_uuid: "x".into(),
        hardware_uuid: "y".into(),
        hostname: "garnele".into(),
        controller: vec![],
        modem: vec![],
        drive: vec![drive(None), drive(Some("2011-10-27T16:23:21Z".into()))],
        storage: vec![],
        memory: vec![Memory {
            capacity: 8192,
            description: "DIMM".into(),
            caption: "Bank 0".into(),
            speed: "2400".into(),
            r#type: "DDR4".into(),
            number_of_slots: 2,
            serial: "s".into(),
        }],
        port: vec![],
        slot: vec![],
        software: vec![],
        monitor: vec![],
        video: vec![],
        sound: vec![],
        network: vec![],
        hardware: vec![],
        bios: vec![],
        cpu: vec![],
        login: vec![],
        printer: vec![],
        virtual_machine: vec![],
        process: vec![],
        access_log: vec![],
        environment: vec![],
        usb_device: vec![],
        battery: vec![],
        antivirus: vec![],
        logical_volume: vec![],
        physical_volume: vec![],
        volume_group: vec![],
    };
    round_trip(Event::Inventory(inv.clone()));
    inv.drive.clear();
    round_trip(Event::Inventory(inv));
}

#[test]
fn supervision_and_statistics_events_round_trip() {
    use events::actor_stopped::StopReason;
    use events::node_statistics::CommandStatistics;
    use events::phone_call::CallState;
    use events::phone_statistics::ExtensionStatistics;
    let ts = timestamp::from_unix_millis(1_790_000_000_000);
    round_trip(Event::ActorStarted(events::ActorStarted {
        node: "node-a".into(),
        path: "/plugins/core".into(),
        kind: "plugin".into(),
        restarts: 0,
        timestamp: ts.clone(),
    }));
    round_trip(Event::ActorRestarted(events::ActorRestarted {
        node: "node-a".into(),
        path: "/plugins/core/worker-1".into(),
        kind: "worker".into(),
        reason: "panicked at 'boom'".into(),
        restarts: 2,
        timestamp: ts.clone(),
    }));
    round_trip(Event::IntensityExceeded(events::IntensityExceeded {
        node: "node-a".into(),
        path: "/plugins/core".into(),
        kind: "supervisor".into(),
        restarts: 6,
        window_ms: 5000,
        last_error: "boom".into(),
        timestamp: ts.clone(),
    }));
    round_trip(Event::ActorStopped(events::ActorStopped {
        node: "node-a".into(),
        path: "/".into(),
        kind: "supervisor".into(),
        reason: StopReason::Shutdown,
        last_error: None,
        restarts: 0,
        timestamp: ts.clone(),
    }));
    round_trip(Event::NodeStatistics(events::NodeStatistics {
        node: "node-a".into(),
        start: ts.clone(),
        interval_ms: 10_000,
        command: vec![CommandStatistics {
            name: "core.ping".into(),
            count: 1200,
            errors: 3,
            latency_p50: 0.8,
            latency_p95: 2.5,
            latency_p99: 7.25,
        }],
        dropped_samples: 0,
    }));
    round_trip(Event::PhoneCall(events::PhoneCall {
        call_id: "1730642709.42".into(),
        caller: "+4930123456".into(),
        caller_name: Some("Alice".into()),
        callee: "100".into(),
        extension: "100".into(),
        queue: Some("support".into()),
        channel: Some("PJSIP/100-00000001".into()),
        state: CallState::HungUp,
        timestamp: ts.clone(),
        ringing_since: Some(ts.clone()),
        answered_at: None,
        hung_up_at: Some(ts.clone()),
        hangup_cause: Some(16),
    }));
    round_trip(Event::PhoneStatistics(events::PhoneStatistics {
        node: "node-a".into(),
        start: ts,
        interval_ms: 60_000,
        extension: vec![ExtensionStatistics {
            number: "100".into(),
            calls: 10,
            answered: 8,
            missed: 2,
            duration_p50: 45.5,
            duration_p95: 300.0,
            duration_p99: 900.0,
        }],
    }));
}

#[test]
fn decodes_bare_events_and_original_documents() {
    let doc = Document::parse(
        "<NodeStatus xmlns=\"http://www.gonicus.de/Events\"><Load>0.75</Load><Latency>0.4</Latency><Workers>4</Workers><Id>node-a</Id><Indexed>true</Indexed></NodeStatus>",
    )
    .unwrap();
    let s = events::NodeStatus::from_document(&doc).unwrap();
    assert_eq!(
        (s.load, s.workers, s.indexed, s.in_flight),
        (0.75, 4, Some(true), None)
    );
}

#[test]
fn decode_errors_name_the_element_and_line() {
    let doc = Document::parse(
        "<Event xmlns=\"http://www.gonicus.de/Events\">\n<NodeStatus><Id>a</Id>\n<Load>high</Load></NodeStatus></Event>",
    )
    .unwrap();
    let err = events::NodeStatus::from_document(&doc).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!((err.line(), err.element()), (3, Some("Load")));
    let doc = Document::parse(
        "<Event xmlns=\"http://www.gonicus.de/Events\"><NodeStatus><Id>a</Id></NodeStatus></Event>",
    )
    .unwrap();
    let err = events::NodeStatus::from_document(&doc).unwrap_err();
    assert!(
        err.message().contains("missing required child <Load>"),
        "{err}"
    );
    let err = events::NodeLeave::from_document(&doc).unwrap_err();
    assert!(
        err.message().contains("expected a <NodeLeave> event"),
        "{err}"
    );
}

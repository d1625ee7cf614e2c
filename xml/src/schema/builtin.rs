//! The event schemas shipped with the crate, embedded at compile time so a binary needs no
//! schema files at run time. The files live in `xml/schemas/`; `build.rs` also generates the
//! typed event structs from them, so schema and structs cannot drift apart.

/// (file name, text) of every built-in schema, in load order.
pub(crate) const SCHEMAS: &[(&str, &str)] = &[
    (
        "ActorRestarted.xsd",
        include_str!("../../schemas/ActorRestarted.xsd"),
    ),
    (
        "ActorStarted.xsd",
        include_str!("../../schemas/ActorStarted.xsd"),
    ),
    (
        "ActorStopped.xsd",
        include_str!("../../schemas/ActorStopped.xsd"),
    ),
    (
        "ClientAnnounce.xsd",
        include_str!("../../schemas/ClientAnnounce.xsd"),
    ),
    (
        "ClientLeave.xsd",
        include_str!("../../schemas/ClientLeave.xsd"),
    ),
    (
        "ClientPing.xsd",
        include_str!("../../schemas/ClientPing.xsd"),
    ),
    ("Common.xsd", include_str!("../../schemas/Common.xsd")),
    (
        "IntensityExceeded.xsd",
        include_str!("../../schemas/IntensityExceeded.xsd"),
    ),
    ("Inventory.xsd", include_str!("../../schemas/Inventory.xsd")),
    (
        "NodeAnnounce.xsd",
        include_str!("../../schemas/NodeAnnounce.xsd"),
    ),
    (
        "NodeCapabilities.xsd",
        include_str!("../../schemas/NodeCapabilities.xsd"),
    ),
    ("NodeLeave.xsd", include_str!("../../schemas/NodeLeave.xsd")),
    (
        "NodeStatistics.xsd",
        include_str!("../../schemas/NodeStatistics.xsd"),
    ),
    (
        "NodeStatus.xsd",
        include_str!("../../schemas/NodeStatus.xsd"),
    ),
    (
        "Notification.xsd",
        include_str!("../../schemas/Notification.xsd"),
    ),
    (
        "ObjectChanged.xsd",
        include_str!("../../schemas/ObjectChanged.xsd"),
    ),
    ("PhoneCall.xsd", include_str!("../../schemas/PhoneCall.xsd")),
    (
        "PhoneStatistics.xsd",
        include_str!("../../schemas/PhoneStatistics.xsd"),
    ),
    (
        "UserSession.xsd",
        include_str!("../../schemas/UserSession.xsd"),
    ),
];

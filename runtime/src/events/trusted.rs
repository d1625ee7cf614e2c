//! Events only nodes emit: membership (`NodeAnnounce`, `NodeCapabilities`, `NodePlugins`,
//! `NodeStatus`, `NodeLeave`), `NodeStatistics` and the supervision events. Other nodes act on them (a
//! `NodeLeave` drops a node from the view), so a caller who could publish one could evict a
//! live node or fake its load. `events.publish` refuses them from callers; the AMQP transport
//! accepts them only from the domain's node accounts. Both read this one list.

use crate::call::{CallError, RpcErrorKind};

/// The event types only a node may emit, sorted. `AclChanged` carries the domain's ACL set
/// (a caller who could publish one would grant itself anything); `Audit` records ACL decisions;
/// `TokenRevoked` and `TokenRevocations` make every node refuse a token (a caller could lock
/// others out).
/// `ObjectChanged` joins this list when the object backends that emit it exist.
pub const NODE_ONLY_EVENTS: &[&str] = &[
    "AclChanged",
    "ActorRestarted",
    "ActorStarted",
    "ActorStopped",
    "Audit",
    "IntensityExceeded",
    "NodeAnnounce",
    "NodeCapabilities",
    "NodeLeave",
    "NodePlugins",
    "NodeStatistics",
    "NodeStatus",
    "TokenRevocations",
    "TokenRevoked",
];

/// Whether only nodes may emit `event`.
pub fn is_node_only(event: &str) -> bool {
    NODE_ONLY_EVENTS.binary_search(&event).is_ok()
}

/// The `-32005 invalid_event` refusal of a node-only event from a caller (`data.reason`
/// `node_only`, `data.event`).
pub fn node_only_refusal(event: &str) -> CallError {
    CallError::new(
        RpcErrorKind::InvalidEvent,
        format!(
            "invalid event: {event} is emitted by nodes only and cannot be published by callers"
        ),
    )
    .with("reason", "node_only")
    .with("event", event)
    .with("detail", format!("{event} is a node-only event"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_only_list_is_sorted_so_lookups_find_every_entry() {
        for event in NODE_ONLY_EVENTS {
            assert!(is_node_only(event), "{event}");
        }
        assert!(!is_node_only("PhoneCall") && !is_node_only("Notification"));
    }

    #[test]
    fn every_node_only_event_is_a_builtin_event() {
        let set = clacks_xml::SchemaSet::builtin().expect("built-in schemas load");
        for event in NODE_ONLY_EVENTS {
            assert!(set.has_event(event), "{event}");
        }
    }

    #[test]
    fn refusal_is_invalid_event_naming_the_event() {
        let error = node_only_refusal("NodeLeave");
        assert_eq!(error.code(), -32005);
        assert_eq!(error.data("reason"), Some(&serde_json::json!("node_only")));
        assert_eq!(error.data("event"), Some(&serde_json::json!("NodeLeave")));
    }
}

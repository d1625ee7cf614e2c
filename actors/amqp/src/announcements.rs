//! Membership over the event exchange: `NodeAnnounce` when a node connects, `NodeCapabilities`
//! with every command and its full signature, `NodeStatus` every interval (load, measured
//! latency, workers, calls in flight), `NodeLeave` on clean shutdown. Receivers validate each
//! event against its schema, update the membership view, answer a newcomer's announce with
//! their own capabilities, and evict nodes silent for longer than the eviction timeout.

use clacks_runtime::call::{unix_millis_now, CallType};
use clacks_runtime::membership::NodeRecord;
use clacks_runtime::plugin::{CommandSpec, PluginStatus};
use clacks_runtime::transport::LocalNode;
use clacks_xml::events::node_capabilities::{CallType as XmlCallType, NodeMethod};
use clacks_xml::events::node_plugins::{PluginState, PluginStatusValue};
use clacks_xml::events::{
    Event, NodeAnnounce, NodeCapabilities, NodeLeave, NodePlugins, NodeStatus,
};
use clacks_xml::{Document, SchemaSet};
use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::state::NodeState;

/// The event names the membership queue is bound to.
pub const MEMBERSHIP_EVENTS: [&str; 5] = [
    "NodeAnnounce",
    "NodeCapabilities",
    "NodePlugins",
    "NodeStatus",
    "NodeLeave",
];

fn schemas() -> Option<&'static SchemaSet> {
    static SCHEMAS: OnceLock<Option<SchemaSet>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| match SchemaSet::builtin() {
            Ok(set) => Some(set),
            Err(e) => {
                tracing::error!(error = %e, "built-in event schemas do not load");
                None
            }
        })
        .as_ref()
}

fn xml_call_type(call_type: CallType) -> XmlCallType {
    match call_type {
        CallType::Normal => XmlCallType::Normal,
        CallType::FirstResult => XmlCallType::FirstResult,
        CallType::Cumulative => XmlCallType::Cumulative,
    }
}

/// `NodeAnnounce` of `node`.
pub fn announce(node: &str) -> String {
    NodeAnnounce {
        id: node.to_owned(),
    }
    .to_xml()
}

/// `NodeLeave` of `node`.
pub fn leave(node: &str) -> String {
    NodeLeave {
        id: node.to_owned(),
    }
    .to_xml()
}

/// `NodeCapabilities` of the local node: one `NodeMethod` per command; its `Signature` holds
/// the whole command spec as JSON so remote views can route and describe it exactly.
pub fn capabilities(local: &LocalNode) -> String {
    let node_method = local
        .commands
        .iter()
        .map(|c| NodeMethod {
            name: c.method(),
            path: format!("node/plugins/{}", c.plugin),
            target: c.plugin.clone(),
            signature: serde_json::to_string(c).unwrap_or_default(),
            r#type: xml_call_type(c.call_type),
            queue_required: true,
            documentation: c.doc.clone(),
        })
        .collect();
    NodeCapabilities {
        id: local.name.clone(),
        node_method,
        node_object: Vec::new(),
    }
    .to_xml()
}

/// Sets this node's own record in the view to its plugins' live statuses. The view's record
/// of this node otherwise comes from its own reports echoed by the broker, which can be
/// older than what the plugins are doing now; a call this node routes decides by the view
/// (a plugin failed here and everywhere else must answer `-32002` at once).
pub fn refresh_own(state: &NodeState) {
    let own = state
        .local
        .borrow()
        .as_ref()
        .map(|local| (local.name.clone(), local.statuses()));
    if let Some((name, statuses)) = own {
        state.membership.set_plugins(&name, statuses);
    }
}

/// `NodePlugins` of the local node: each plugin's status now, as report `seq`
/// ([`ReportOrder::next`](super::report_order::ReportOrder::next)).
pub fn plugins(local: &LocalNode, seq: u64) -> String {
    let plugin = local
        .plugins
        .iter()
        .map(|(name, handle)| PluginState {
            name: name.clone(),
            status: match handle.status() {
                PluginStatus::Starting => PluginStatusValue::Starting,
                PluginStatus::Running => PluginStatusValue::Running,
                PluginStatus::Restarting => PluginStatusValue::Restarting,
                PluginStatus::Failed(_) => PluginStatusValue::Failed,
                PluginStatus::Stopped(_) => PluginStatusValue::Stopped,
            },
        })
        .collect();
    NodePlugins {
        id: local.name.clone(),
        seq: Some(seq),
        plugin,
    }
    .to_xml()
}

/// `NodeStatus` of the local node: load = calls in flight per worker slot, the measured mean
/// latency, one worker slot per running plugin.
pub fn status(state: &NodeState, local: &LocalNode) -> String {
    let in_flight: usize = local.plugins.values().map(|h| h.in_flight()).sum();
    let workers = local
        .plugins
        .values()
        .filter(|h| h.status() == PluginStatus::Running)
        .count()
        .max(1);
    NodeStatus {
        id: local.name.clone(),
        load: in_flight as f64 / workers as f64,
        latency: state.load.latency().as_secs_f64(),
        workers: i32::try_from(workers).unwrap_or(i32::MAX),
        in_flight: u32::try_from(in_flight).ok(),
        indexed: None,
    }
    .to_xml()
}

fn status_text(status: PluginStatusValue) -> &'static str {
    match status {
        PluginStatusValue::Starting => "starting",
        PluginStatusValue::Running => "running",
        PluginStatusValue::Restarting => "restarting",
        PluginStatusValue::Failed => "failed",
        PluginStatusValue::Stopped => "stopped",
    }
}

/// What the session should do after a membership event.
#[derive(Debug, PartialEq, Eq)]
pub enum Reaction {
    /// Nothing.
    None,
    /// A newcomer announced itself: tell it our capabilities.
    SendCapabilities,
    /// A node we do not know reported status: ask everyone to announce again.
    Reannounce,
}

/// Applies one membership event (raw XML) to the view.
pub fn apply(state: &NodeState, xml: &[u8]) -> Reaction {
    let me = &state.config.node;
    let text = String::from_utf8_lossy(xml);
    let document = match Document::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(node = %me, error = %e, "membership event is not XML; dropped");
            return Reaction::None;
        }
    };
    if let Some(set) = schemas() {
        if let Err(e) = set.validate_event(&document) {
            tracing::warn!(node = %me, error = %e, "invalid membership event dropped");
            return Reaction::None;
        }
    }
    let now = unix_millis_now();
    match Event::from_document(&document) {
        Ok(Event::NodeAnnounce(a)) if a.id != *me => Reaction::SendCapabilities,
        Ok(Event::NodeCapabilities(caps)) => {
            let commands: Vec<CommandSpec> = caps
                .node_method
                .iter()
                .filter_map(|m| serde_json::from_str(&m.signature).ok())
                .collect();
            let known = state.membership.node(&caps.id);
            // Statuses come from NodePlugins, which follows; until it arrives a plugin keeps
            // the status last heard of (also from before an eviction for silence: a node back
            // from a busy spell must not look able to serve a plugin that failed), and one
            // never heard of is assumed to run.
            let last = known
                .clone()
                .or_else(|| state.membership.last_known(&caps.id));
            let plugins: BTreeMap<String, String> = commands
                .iter()
                .map(|c| {
                    let status = last
                        .as_ref()
                        .and_then(|r| r.plugins.get(&c.plugin).cloned())
                        .unwrap_or_else(|| "running".to_owned());
                    (c.plugin.clone(), status)
                })
                .collect();
            let joined = known.map_or(now, |r| r.joined_ms);
            state.membership.upsert(NodeRecord {
                name: caps.id.clone(),
                domain: state.config.domain.clone(),
                plugins,
                commands,
                joined_ms: joined,
                last_seen_ms: now,
            });
            if caps.id == *me {
                refresh_own(state);
            }
            tracing::debug!(node = %me, peer = %caps.id, "capabilities received");
            Reaction::None
        }
        Ok(Event::NodePlugins(report)) if report.id == *me => {
            // Our own report, back through the broker: the plugins' live statuses are newer.
            refresh_own(state);
            Reaction::None
        }
        Ok(Event::NodePlugins(report)) => {
            if let Some(seq) = report.seq {
                if !state.reports.fresh(&report.id, seq) {
                    tracing::debug!(node = %me, peer = %report.id, seq,
                        "plugin report older than one applied; ignored");
                    state.membership.touch(&report.id, now);
                    return Reaction::None;
                }
            }
            let statuses = report
                .plugin
                .iter()
                .map(|p| (p.name.clone(), status_text(p.status).to_owned()))
                .collect();
            state.membership.set_plugins(&report.id, statuses);
            state.membership.touch(&report.id, now);
            Reaction::None
        }
        Ok(Event::NodeStatus(status)) => {
            if state.membership.touch(&status.id, now) || status.id == *me {
                Reaction::None
            } else {
                Reaction::Reannounce
            }
        }
        Ok(Event::NodeLeave(leave)) if leave.id != *me => {
            state.membership.remove(&leave.id);
            state.reports.forget(&leave.id);
            tracing::info!(node = %me, peer = %leave.id, "node left the domain");
            Reaction::None
        }
        Ok(_) => Reaction::None,
        Err(e) => {
            tracing::warn!(node = %me, error = %e, "membership event not understood; dropped");
            Reaction::None
        }
    }
}

/// Drops nodes silent for longer than the eviction timeout; returns who was evicted.
pub fn evict(state: &NodeState) -> Vec<String> {
    let cutoff = unix_millis_now().saturating_sub(state.config.eviction.as_millis() as u64);
    let evicted = state.membership.evict_silent(cutoff, &state.config.node);
    for name in &evicted {
        tracing::warn!(node = %state.config.node, peer = %name, "node silent too long; evicted");
    }
    evicted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AmqpConfig;
    use std::time::Duration;

    fn state_of(node: &str) -> NodeState {
        let config = AmqpConfig::new("amqp://127.0.0.1", "d", node).expect("default settings load");
        NodeState::new(AmqpConfig {
            eviction: Duration::from_millis(0),
            ..config
        })
    }

    fn local(name: &str) -> LocalNode {
        LocalNode {
            name: name.into(),
            domain: "d".into(),
            plugins: BTreeMap::new(),
            commands: vec![CommandSpec {
                plugin: "core".into(),
                command: "ping".into(),
                doc: "Ping.".into(),
                args: vec![],
                returns: "Value".into(),
                returns_schema: serde_json::json!({}),
                call_type: CallType::Cumulative,
                timeout_ms: Some(5),
                right: None,
            }],
            audit: std::sync::Arc::new(|_| {}),
        }
    }

    #[test]
    fn capabilities_round_trip_into_the_view_with_full_specs() {
        let me = state_of("me");
        assert_eq!(
            apply(&me, capabilities(&local("other")).as_bytes()),
            Reaction::None
        );
        let record = me.membership.node("other").unwrap();
        assert_eq!(record.commands, local("other").commands);
        assert_eq!(
            me.membership.route("core.ping").unwrap().call_type,
            CallType::Cumulative
        );
        assert!(
            capabilities(&local("x")).contains("CUMMULATIVE"),
            "original spelling on the wire"
        );
    }

    #[test]
    fn announce_from_others_asks_for_capabilities_and_leave_removes() {
        let me = state_of("me");
        assert_eq!(apply(&me, announce("me").as_bytes()), Reaction::None);
        assert_eq!(
            apply(&me, announce("new").as_bytes()),
            Reaction::SendCapabilities
        );
        apply(&me, capabilities(&local("new")).as_bytes());
        apply(&me, leave("new").as_bytes());
        assert!(me.membership.node("new").is_none());
        assert_eq!(me.membership.departed_providers("core"), vec!["new"]);
    }

    #[test]
    fn a_node_back_after_an_eviction_keeps_its_failed_plugin_until_it_reports_anew() {
        let me = state_of("me");
        apply(&me, capabilities(&local("busy")).as_bytes());
        let failed = NodePlugins {
            id: "busy".into(),
            seq: None,
            plugin: vec![PluginState {
                name: "core".into(),
                status: PluginStatusValue::Failed,
            }],
        };
        apply(&me, failed.to_xml().as_bytes());
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(evict(&me), vec!["busy"], "silent for a while");
        apply(&me, capabilities(&local("busy")).as_bytes());
        let record = me.membership.node("busy").unwrap();
        assert_eq!(
            record.plugins.get("core").map(String::as_str),
            Some("failed")
        );
        assert!(me.membership.check_target("d", "core", None).is_err());
    }

    #[test]
    fn this_nodes_own_record_follows_its_live_plugins_not_its_echoed_reports() {
        let me = state_of("me");
        me.local.send_replace(Some(local("me")));
        apply(&me, capabilities(&local("me")).as_bytes());
        // An echo of an old report of ours saying `core` had failed: the live handle is not
        // attached in this test, so the record keeps what the handles say (no plugin here).
        let stale = NodePlugins {
            id: "me".into(),
            seq: Some(1),
            plugin: vec![PluginState {
                name: "core".into(),
                status: PluginStatusValue::Failed,
            }],
        };
        apply(&me, stale.to_xml().as_bytes());
        let record = me.membership.node("me").unwrap();
        assert_ne!(
            record.plugins.get("core").map(String::as_str),
            Some("failed"),
            "an echoed report does not overwrite the live statuses"
        );
    }

    #[test]
    fn a_plugin_report_overtaken_on_the_way_is_ignored() {
        let me = state_of("me");
        apply(&me, capabilities(&local("peer")).as_bytes());
        let report = |seq: u64, status| NodePlugins {
            id: "peer".into(),
            seq: Some(seq),
            plugin: vec![PluginState {
                name: "core".into(),
                status,
            }],
        };
        let status = || me.membership.node("peer").unwrap().plugins["core"].clone();
        apply(
            &me,
            report(7, PluginStatusValue::Failed).to_xml().as_bytes(),
        );
        assert_eq!(status(), "failed");
        // Made before the failure, arriving after it.
        apply(
            &me,
            report(6, PluginStatusValue::Running).to_xml().as_bytes(),
        );
        assert_eq!(status(), "failed", "the older report is ignored");
        apply(
            &me,
            report(8, PluginStatusValue::Running).to_xml().as_bytes(),
        );
        assert_eq!(status(), "running", "a newer one applies");
    }

    #[test]
    fn this_nodes_report_carries_its_number() {
        assert!(plugins(&local("me"), 42).contains("<Seq>42</Seq>"));
    }

    #[test]
    fn status_from_a_stranger_asks_for_reannounce_and_silence_evicts() {
        let me = state_of("me");
        let status = NodeStatus {
            id: "ghost".into(),
            load: 0.0,
            latency: 0.0,
            workers: 1,
            in_flight: None,
            indexed: None,
        };
        assert_eq!(apply(&me, status.to_xml().as_bytes()), Reaction::Reannounce);
        apply(&me, capabilities(&local("old")).as_bytes());
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(evict(&me), vec!["old"]);
    }

    #[test]
    fn invalid_or_foreign_xml_is_dropped() {
        let me = state_of("me");
        assert_eq!(apply(&me, b"<nope"), Reaction::None);
        let bad = r#"<Event xmlns="http://www.gonicus.de/Events"><NodeStatus><Id>x</Id></NodeStatus></Event>"#;
        assert_eq!(apply(&me, bad.as_bytes()), Reaction::None);
        assert!(me.membership.node("x").is_none());
    }
}

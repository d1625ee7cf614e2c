//! The `events` plugin: the event bus over RPC. `events.publish(xml)` validates an event
//! against this node's schemas (an invalid one is refused with `-32005 invalid_event` and the
//! schema's complaint, `data.line`/`data.column`) and publishes it to the domain;
//! `events.schemas()` lists the event types this node knows with where each schema came from;
//! `events.subscriptions()` shows this node's subscriptions with their counters. `clacks emit`
//! uses `events.publish` through the HTTP gateway. `publish` is an async command (which makes
//! the plugin concurrent, all `&self`): big events are validated off the plugin's thread while
//! it serves other publishes. Besides `x` on the command (the call guard's), publishing needs
//! `w` on the event's topic `D.event.NAME` for the caller (issue 14), checked once the event is
//! read so the topic names its type; a refusal is `-32003` and an `Audit` event, and nothing is
//! published.

use clacks_runtime::acl::{AclEngine, Rights};
use clacks_runtime::call::{CallContext, CallError};
use clacks_runtime::events::{audit_sink, EventBus, EventCountersSnapshot, SubscriptionInfo};
use clacks_runtime::plugin::{authorize, plugin, AuditSink};
use clacks_runtime::{PluginContext, PluginDef};
use serde::Serialize;

/// The `events` plugin's state: the node's bus.
pub struct EventsPlugin {
    bus: EventBus,
    acl: AclEngine,
    audit: AuditSink,
}

/// One event type a node validates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaInfo {
    /// The event type.
    pub name: String,
    /// Where its schema came from: `builtin:NAME.xsd` or a file of `events.schema_dirs`.
    pub source: String,
}

/// What `events.publish` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    /// The event type (its routing key).
    pub event: String,
    /// The node that validated and published it.
    pub node: String,
}

/// The bus's state on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusStatus {
    /// Whether events are validated.
    pub validate: bool,
    /// Node-wide counters.
    pub counters: EventCountersSnapshot,
    /// Every subscription.
    pub subscriptions: Vec<SubscriptionInfo>,
}

impl EventsPlugin {
    /// The plugin definition to add to a node.
    pub fn definition() -> PluginDef {
        PluginDef::new(|ctx: &PluginContext| {
            Ok(EventsPlugin {
                bus: ctx.events.clone(),
                acl: ctx.acl.clone(),
                audit: audit_sink(&ctx.events),
            })
        })
    }
}

/// Publish validated XML events and inspect the event bus.
#[plugin(name = "events")]
impl EventsPlugin {
    /// Validates `xml` (an `<Event>` envelope holding one event, or a bare event element)
    /// against the node's schemas and publishes it to the domain. An invalid event is refused
    /// with -32005 `invalid_event`, `data.line`, `data.column` and the schema's complaint; so
    /// is an event only nodes emit (membership, `NodeStatistics`, supervision events:
    /// `data.reason` `node_only`).
    ///
    /// Async, so a big event (`events.offload_bytes` or more, checked on a blocking worker)
    /// does not hold the other publishes while it is validated; the reply comes once the event
    /// is accepted, and the transport takes it in the background as before. The caller needs
    /// `w` on `D.event.NAME`: without it the answer is -32003 and nothing is published.
    #[command]
    async fn publish(&self, ctx: &CallContext, xml: String) -> Result<Published, CallError> {
        let raw = self.bus.prepare_from_caller(&xml).await?;
        let topic = self.acl.event_topic(&raw.name);
        authorize(
            &self.acl,
            &self.audit,
            ctx.caller(),
            &topic,
            Rights::WRITE,
            None,
            &serde_json::Map::new(),
        )?;
        let event = self.bus.send_detached(raw)?;
        Ok(Published {
            event,
            node: self.bus_node(),
        })
    }

    /// Every event type this node validates, with where its schema came from (`builtin:…`
    /// or a file of `events.schema_dirs`).
    #[command]
    fn schemas(&self) -> Vec<SchemaInfo> {
        self.bus
            .schemas()
            .sources()
            .iter()
            .map(|(name, source)| SchemaInfo {
                name: name.clone(),
                source: source.clone(),
            })
            .collect()
    }

    /// This node's subscriptions (names, filter, received/invalid/filtered/delivered counts)
    /// and the bus counters. Target a node with `call_on` (`--node`).
    #[command]
    fn subscriptions(&self) -> BusStatus {
        BusStatus {
            validate: self.bus.validates(),
            counters: self.bus.counters(),
            subscriptions: self.bus.subscriptions(),
        }
    }
}

impl EventsPlugin {
    fn bus_node(&self) -> String {
        self.bus.node().to_owned()
    }
}

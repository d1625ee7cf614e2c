//! Transports carry calls between the nodes of a domain. The [`Transport`] trait is all the
//! dispatcher needs: make a node's plugins reachable ([`attach`](Transport::attach)), deliver one
//! call to some provider of a plugin or to one named node ([`send`](CallCarrier::send)), and keep
//! the [`Membership`] view. Two implementations pass one conformance suite (`tests/`): the
//! in-process [`LocalTransport`] here and the AMQP transport in `clacks-amqp`.

mod dead_letter;
mod local;

pub use dead_letter::DeadLetter;
pub use local::LocalTransport;

use futures_util::future::{self, BoxFuture, FutureExt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many events a subscriber may have waiting before newer ones are dropped.
pub const EVENT_BUFFER: usize = 4096;

use crate::call::CommandSpec;
use crate::call::{CallError, ResolvedCall};
use crate::membership::{Membership, NodeRecord};
use crate::plugin::{AuditSink, PluginHandle};
use crate::supervision::ChildSpec;
use crate::Error;
use std::time::Duration;

/// An event as transports carry it: its type name (the routing key on `D.event`), its XML
/// document, and the node that published it. Validation happens before publishing and again on
/// receipt, above the transport.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    /// The event type (the element name inside `<Event>`).
    pub name: String,
    /// The whole XML document.
    pub xml: Arc<str>,
    /// The publishing node.
    pub origin: String,
    /// Which schema set already validated this event in this process (see
    /// [`EventSchemas::identity`](crate::events::EventSchemas::identity)); a receiver holding
    /// that same set need not validate the same bytes again. Never carried over a wire: the
    /// AMQP transport always delivers `None`, so events from elsewhere are always validated.
    pub checked_by: Option<usize>,
}

/// Events delivered to one subscriber; the transport drops (and counts) events when the
/// subscriber is too slow to keep up, instead of buffering without bound.
pub type EventReceiver = tokio::sync::mpsc::Receiver<RawEvent>;

/// A node's local side, as it attaches to a transport.
#[derive(Clone)]
pub struct LocalNode {
    /// Node name.
    pub name: String,
    /// Domain name.
    pub domain: String,
    /// Its plugins by name.
    pub plugins: BTreeMap<String, PluginHandle>,
    /// Every command it offers.
    pub commands: Vec<CommandSpec>,
    /// Where the transport records callers it refuses before any plugin sees the call (a
    /// forged `x-clacks-caller` over AMQP): the node's `Audit` events.
    pub audit: AuditSink,
}

impl LocalNode {
    /// This node as the membership view records it, joined and seen at `now_ms`.
    pub fn record(&self, now_ms: u64) -> NodeRecord {
        let mut record = NodeRecord {
            name: self.name.clone(),
            domain: self.domain.clone(),
            plugins: BTreeMap::new(),
            commands: self.commands.clone(),
            joined_ms: now_ms,
            last_seen_ms: now_ms,
        };
        self.refresh(&mut record, now_ms);
        record
    }

    /// Brings this node's `record` up to date: the current status of each plugin, seen now.
    pub fn refresh(&self, record: &mut NodeRecord, now_ms: u64) {
        record.plugins.extend(self.statuses());
        record.last_seen_ms = now_ms;
    }

    /// Each plugin's status now (`running`, `failed`, …), by plugin name.
    pub fn statuses(&self) -> BTreeMap<String, String> {
        self.plugins
            .iter()
            .map(|(name, handle)| (name.clone(), handle.status().as_str().to_owned()))
            .collect()
    }
}

/// The part of a transport that routing and fan-out need: deliver one call, and the view of
/// who provides what. [`dispatch::fan_out`](crate::dispatch::fan_out) takes only this, so the
/// AMQP transport's serving side can fan a call out through its own caller without holding a
/// node or a whole transport.
pub trait CallCarrier: Send + Sync {
    /// Delivers `call` to one provider of its plugin (competing consumers), or to `node` when
    /// given, and resolves with its reply or a typed error no later than the call's deadline.
    /// An error names the node that answered (`data.node`) when a node answered.
    fn send(
        &self,
        call: Arc<ResolvedCall>,
        node: Option<&str>,
    ) -> BoxFuture<'static, Result<Value, CallError>>;

    /// The membership view calls are routed by.
    fn membership(&self) -> &Membership;
}

/// How calls travel between the nodes of one domain.
pub trait Transport: CallCarrier + 'static {
    /// `local` or `amqp`.
    fn kind(&self) -> &'static str;

    /// The transport's own actor, started under the node's root supervisor when the node
    /// starts (the AMQP transport's link to the broker); `None` when it has none.
    fn child(&self) -> Option<ChildSpec> {
        None
    }

    /// Resolves `Ok(true)` once the node has joined the domain through this transport
    /// (consumers open, announced), `Ok(false)` if `timeout` passes first, and an error when
    /// it never will with this configuration (the broker refused the node's credentials).
    fn wait_joined(&self, timeout: Duration) -> BoxFuture<'static, Result<bool, Error>> {
        let _ = timeout;
        future::ready(Ok(true)).boxed()
    }

    /// Where the transport connects, for the ready line and logs: `off` in-process, the
    /// broker URL with its password hidden over AMQP.
    fn endpoint(&self) -> String {
        "off".to_owned()
    }

    /// Makes `node`'s plugins callable in the domain.
    fn attach(&self, node: LocalNode) -> Result<(), Error>;

    /// Withdraws `node` from the domain (clean shutdown).
    ///
    /// A clean leave stops taking new calls, lets the calls in progress finish and be
    /// answered, and gives back what it had taken but not started; it resolves once the node
    /// has left (or its transport's grace ran out), so the node stops its plugins only then.
    fn detach(&self, node: &str) -> BoxFuture<'static, ()>;

    /// Publishes `event` to every subscriber in the domain whose names include it.
    fn publish_event(&self, event: RawEvent) -> BoxFuture<'static, Result<(), Error>>;

    /// Subscribes `node` to the events named in `names` (every event when empty).
    fn subscribe_events(
        &self,
        node: &str,
        names: &[String],
    ) -> BoxFuture<'static, Result<EventReceiver, Error>>;

    /// Events the transport dropped because a subscriber was full.
    fn dropped_events(&self) -> u64;

    /// Up to `limit` calls this transport gave up on (oldest first), without removing them.
    /// The in-process transport gives up on none.
    fn dead_letters(&self, limit: usize) -> BoxFuture<'static, Result<Vec<DeadLetter>, Error>> {
        let _ = limit;
        future::ready(Ok(Vec::new())).boxed()
    }

    /// Publishes the dead-lettered calls with these ids again, as new calls (a fresh deadline,
    /// the crash count reset), and removes them from the dead letters; returns the ids
    /// replayed (ids not found are left out).
    fn replay_dead_letters(
        &self,
        ids: Vec<String>,
    ) -> BoxFuture<'static, Result<Vec<String>, Error>> {
        let _ = ids;
        future::ready(Ok(Vec::new())).boxed()
    }

    /// The transport's own counters for `/metrics`: (metric name, help, value) each, such as
    /// the AMQP transport's hand-backs, re-published calls, refused replies and dead letters.
    fn counters(&self) -> Vec<(&'static str, &'static str, u64)> {
        Vec::new()
    }

    /// The nodes of the domain with current plugin statuses.
    fn nodes(&self) -> Vec<NodeRecord> {
        self.membership().nodes()
    }
}

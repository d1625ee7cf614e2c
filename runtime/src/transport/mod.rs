//! Transports carry calls between the nodes of a domain. The [`Transport`] trait is all the
//! dispatcher needs: make a node's plugins reachable ([`attach`](Transport::attach)), deliver one
//! call to some provider of a plugin or to one named node ([`send`](Transport::send)), and keep
//! the [`Membership`] view. Two implementations pass one conformance suite (`tests/`): the
//! in-process [`LocalTransport`] here and the AMQP transport in `clacks-actors`.

mod local;

pub use local::LocalTransport;

use futures_util::future::BoxFuture;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::time::Instant;

/// How many events a subscriber may have waiting before newer ones are dropped.
pub const EVENT_BUFFER: usize = 4096;

use crate::call::{CallError, CallRequest};
use crate::membership::{Membership, NodeRecord};
use crate::plugin::{CommandSpec, PluginHandle};
use crate::Error;

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
}

/// How calls travel between the nodes of one domain.
pub trait Transport: Send + Sync + 'static {
    /// `local` or `amqp`.
    fn kind(&self) -> &'static str;

    /// Makes `node`'s plugins callable in the domain.
    fn attach(&self, node: LocalNode) -> Result<(), Error>;

    /// Withdraws `node` from the domain (clean shutdown).
    fn detach(&self, node: &str);

    /// Delivers `request` to one provider of `plugin` (competing consumers), or to `node` when
    /// given, and resolves with its reply or a typed error no later than `deadline`.
    fn send(
        &self,
        plugin: &str,
        node: Option<&str>,
        request: Arc<CallRequest>,
        deadline: Instant,
    ) -> BoxFuture<'static, Result<Value, CallError>>;

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

    /// The membership view this transport maintains.
    fn membership(&self) -> &Membership;

    /// The nodes of the domain with current plugin statuses.
    fn nodes(&self) -> Vec<NodeRecord> {
        self.membership().nodes()
    }
}

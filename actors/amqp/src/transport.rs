//! [`AmqpTransport`]: the runtime's [`Transport`] over RabbitMQ, for one node. Its methods are
//! called from any thread; behind them the parts of [`NodeState`] do the work, and its own
//! actor (the link actor, started by the node builder as `node/transport`) runs the session.

use clacks_runtime::call::{unix_millis_now, CallError, ResolvedCall};
use clacks_runtime::membership::{Membership, NodeRecord};
use clacks_runtime::supervision::ChildSpec;
use clacks_runtime::transport::{
    CallCarrier, DeadLetter, EventReceiver, LocalNode, RawEvent, Transport,
};
use clacks_runtime::Error;
use futures_util::future::{BoxFuture, FutureExt};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use super::config::AmqpConfig;
use super::dead_letters;
use super::link_actor::link_child;
use super::state::NodeState;

/// The AMQP transport of one node (each node has its own connection).
#[derive(Clone)]
pub struct AmqpTransport {
    state: Arc<NodeState>,
}

impl AmqpTransport {
    /// A transport for `config`; it connects once its link actor starts with the node.
    pub fn new(config: AmqpConfig) -> Self {
        AmqpTransport {
            state: Arc::new(NodeState::new(config)),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AmqpConfig {
        &self.state.config
    }
}

impl CallCarrier for AmqpTransport {
    fn send(
        &self,
        call: Arc<ResolvedCall>,
        node: Option<&str>,
    ) -> BoxFuture<'static, Result<Value, CallError>> {
        self.state.caller.send(call, node)
    }

    fn membership(&self) -> &Membership {
        &self.state.membership
    }
}

impl Transport for AmqpTransport {
    fn kind(&self) -> &'static str {
        "amqp"
    }

    fn child(&self) -> Option<ChildSpec> {
        Some(link_child(self.state.clone()))
    }

    fn wait_joined(&self, timeout: Duration) -> BoxFuture<'static, Result<bool, Error>> {
        self.state
            .link
            .wait_joined(timeout)
            .map(|joined| joined.map_err(|why| Error::config("amqp.url", why)))
            .boxed()
    }

    fn endpoint(&self) -> String {
        self.state.config.redacted_url()
    }

    fn attach(&self, node: LocalNode) -> Result<(), Error> {
        let config = &self.state.config;
        if node.domain != config.domain || node.name != config.node {
            return Err(Error::transport(
                "amqp",
                format!(
                    "this transport serves node {} of domain {}, not {} of {}",
                    config.node, config.domain, node.name, node.domain
                ),
            ));
        }
        self.state.membership.upsert(node.record(unix_millis_now()));
        self.state.local.send_replace(Some(node));
        Ok(())
    }

    fn detach(&self, _node: &str) -> BoxFuture<'static, ()> {
        self.state.link.request_leave();
        // The session drains within the grace; a little more for NodeLeave and the close.
        let bound = self.state.config.shutdown_grace + Duration::from_secs(5);
        self.state.link.wait_left(bound).boxed()
    }

    fn publish_event(&self, event: RawEvent) -> BoxFuture<'static, Result<(), Error>> {
        let events = self.state.events.clone();
        async move { events.publish(&event.name, &event.origin, &event.xml).await }.boxed()
    }

    fn subscribe_events(
        &self,
        _node: &str,
        names: &[String],
    ) -> BoxFuture<'static, Result<EventReceiver, Error>> {
        let (events, names) = (self.state.events.clone(), names.to_vec());
        async move { Ok(events.subscribe(&names).await) }.boxed()
    }

    fn dropped_events(&self) -> u64 {
        self.state.events.dropped()
    }

    fn dead_letters(&self, limit: usize) -> BoxFuture<'static, Result<Vec<DeadLetter>, Error>> {
        let state = self.state.clone();
        async move {
            dead_letters::list(&state, limit)
                .await
                .map_err(|e| Error::transport("amqp", e.to_string()))
        }
        .boxed()
    }

    fn replay_dead_letters(
        &self,
        ids: Vec<String>,
    ) -> BoxFuture<'static, Result<Vec<String>, Error>> {
        let state = self.state.clone();
        async move {
            dead_letters::replay(&state, &ids)
                .await
                .map_err(|e| Error::transport("amqp", e.to_string()))
        }
        .boxed()
    }

    fn counters(&self) -> Vec<(&'static str, &'static str, u64)> {
        self.state.settle.counters.metrics()
    }

    fn nodes(&self) -> Vec<NodeRecord> {
        let local = self.state.local.borrow().clone();
        let now = unix_millis_now();
        self.state
            .membership
            .nodes()
            .into_iter()
            .map(|mut record| {
                if let Some(local) = local.as_ref().filter(|l| l.name == record.name) {
                    local.refresh(&mut record, now);
                }
                record
            })
            .collect()
    }
}

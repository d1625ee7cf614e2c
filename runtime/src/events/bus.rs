//! [`EventBus`]: a node's door to the domain's events. Publishing parses and validates the
//! text against the node's schemas (big events on a blocking worker) and refuses an invalid
//! event with the schema's complaint (`-32005`) before anything leaves; then
//! [`Transport::publish_event`] carries it. Subscribing compiles the XPath filter (refused at
//! once when it does not parse), subscribes on the transport, and starts a supervised
//! subscription actor under `node/events` that validates, filters and delivers.

use actix::Addr;
use clacks_xml::{Filter, Namespaces};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::check::{check_with, invalid_event, wire_text, CheckedEvent};
use super::core::{BusCore, Registry};
use super::counters::{bump, EventCounters, EventCountersSnapshot};
use super::event::Event;
use super::schemas::EventSchemas;
use super::subscription::{SubscriptionInfo, SubscriptionShared};
use super::subscription_handle::Subscription;
use super::subscription_tree::subscription_child;
use super::trusted::{is_node_only, node_only_refusal};
use crate::call::CallError;
use crate::config::EventSettings;
use crate::supervision::{StartChild, Supervisor};
use crate::transport::{EventReceiver, RawEvent, Transport};
use crate::Error;

/// A node's event bus; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    pub(crate) core: Arc<BusCore>,
}

impl EventBus {
    /// The bus of node `node` on `transport`, with the built-in schemas plus
    /// `settings.schema_dirs`; a schema that does not load is a config error naming it, and an
    /// event declared twice is logged as a warning naming both files.
    pub fn new(
        node: &str,
        transport: Arc<dyn Transport>,
        settings: &EventSettings,
    ) -> Result<EventBus, Error> {
        let schemas =
            EventSchemas::load_overriding(true, &settings.schema_dirs, &settings.override_builtin)
                .map_err(|e| Error::config("events.schema_dirs", e.to_string()))?;
        for warning in schemas.warnings() {
            tracing::warn!(node = %node, "events.schema_dirs: {warning}");
        }
        Ok(EventBus {
            core: Arc::new(BusCore {
                node: Arc::from(node),
                transport,
                schemas: Arc::new(schemas),
                validate: settings.validate,
                offload_bytes: settings.offload_bytes.max(1),
                limits: settings.limits(),
                xpath_budget: settings.xpath_budget,
                counters: EventCounters::default(),
                registry: Mutex::new(Registry::default()),
                arbiter: OnceLock::new(),
                config: OnceLock::new(),
                next_id: AtomicU64::new(1),
            }),
        })
    }

    /// The node this bus belongs to.
    pub fn node(&self) -> &str {
        &self.core.node
    }

    /// The schemas events are validated against.
    pub fn schemas(&self) -> &EventSchemas {
        &self.core.schemas
    }

    /// Whether events are validated (config `events.validate`).
    pub fn validates(&self) -> bool {
        self.core.validate
    }

    /// The bus counters now.
    pub fn counters(&self) -> EventCountersSnapshot {
        let registry = self.core.registry();
        let live = registry.subscriptions.values().map(|s| &s.counters);
        self.core.counters.snapshot(live)
    }

    /// Every subscription of this node with its counters.
    pub fn subscriptions(&self) -> Vec<SubscriptionInfo> {
        self.core
            .registry()
            .subscriptions
            .values()
            .map(|s| s.info())
            .collect()
    }

    fn accept(
        &self,
        xml: &str,
        checked: clacks_xml::Result<CheckedEvent>,
    ) -> Result<RawEvent, CallError> {
        match checked {
            Ok(checked) => Ok(RawEvent {
                name: checked.name.clone(),
                xml: wire_text(xml, &checked),
                origin: self.core.node.to_string(),
                checked_by: self.core.validate.then(|| self.core.schemas.identity()),
            }),
            Err(err) => {
                bump(&self.core.counters.refused);
                tracing::debug!(node = %self.core.node, error = %err, "event refused at publish");
                Err(invalid_event(&err).with("node", &*self.core.node))
            }
        }
    }

    /// Checks `xml` on the calling thread and returns the event as it would travel, or the
    /// schema's complaint as `-32005 invalid_event` with `data.line` and `data.column`.
    pub fn prepare(&self, xml: &str) -> Result<RawEvent, CallError> {
        let core = &self.core;
        let checked = check_with(xml, core.schemas.set(), core.validate, &core.limits);
        self.accept(xml, checked)
    }

    /// [`prepare_offloaded`](Self::prepare_offloaded) for an event a caller hands in
    /// (`events.publish`): a node-only event ([`NODE_ONLY_EVENTS`](super::NODE_ONLY_EVENTS):
    /// membership, `NodeStatistics`, supervision) is refused with `-32005`, `data.reason`
    /// `node_only`, so no caller can evict a live node or fake its state.
    pub async fn prepare_from_caller(&self, xml: &str) -> Result<RawEvent, CallError> {
        let raw = self.prepare_offloaded(xml).await?;
        if is_node_only(&raw.name) {
            bump(&self.core.counters.refused);
            return Err(node_only_refusal(&raw.name).with("node", &*self.core.node));
        }
        Ok(raw)
    }

    /// [`prepare`](Self::prepare) for async callers: an event of `events.offload_bytes` or more
    /// is checked on a blocking worker, so the calling thread serves on meanwhile (an async
    /// command validating a big event does not hold the plugin's other calls).
    pub async fn prepare_offloaded(&self, xml: &str) -> Result<RawEvent, CallError> {
        if xml.len() < self.core.offload_bytes {
            return self.prepare(xml);
        }
        let (text, core) = (xml.to_owned(), self.core.clone());
        let checked = tokio::task::spawn_blocking(move || {
            check_with(&text, core.schemas.set(), core.validate, &core.limits)
        })
        .await
        .map_err(|e| CallError::internal(format!("event validation worker failed: {e}")))?;
        self.accept(xml, checked)
    }

    /// Validates and publishes `xml`; resolves with the event type once the transport took
    /// it. Events of `events.offload_bytes` or more are checked on a blocking worker.
    pub async fn publish(&self, xml: &str) -> Result<String, CallError> {
        let raw = self.prepare_offloaded(xml).await?;
        let name = raw.name.clone();
        match self.core.transport.publish_event(raw).await {
            Ok(()) => {
                bump(&self.core.counters.published);
                Ok(name)
            }
            Err(err) => {
                bump(&self.core.counters.publish_failed);
                Err(
                    CallError::unavailable("events", format!("publishing {name}: {err}"))
                        .with("node", &*self.core.node),
                )
            }
        }
    }

    /// For synchronous callers inside the node (command handlers, actors): validates `xml`
    /// now, so an invalid event is refused with the schema's complaint, then
    /// [`send_detached`](Self::send_detached) hands it to the transport.
    pub fn publish_detached(&self, xml: &str) -> Result<String, CallError> {
        self.send_detached(self.prepare(xml)?)
    }

    /// Hands an event checked by [`prepare`](Self::prepare) (or
    /// [`prepare_offloaded`](Self::prepare_offloaded)) to the transport, driven by the current
    /// actix arbiter (or tokio runtime), and returns its type at once. A transport failure after
    /// that is logged and counted (`clacks_events_publish_failed_total`).
    pub fn send_detached(&self, raw: RawEvent) -> Result<String, CallError> {
        let name = raw.name.clone();
        let core = self.core.clone();
        let event = name.clone();
        let sent = self.core.transport.publish_event(raw);
        let outcome = async move {
            match sent.await {
                Ok(()) => bump(&core.counters.published),
                Err(err) => {
                    bump(&core.counters.publish_failed);
                    tracing::warn!(node = %core.node, event = %event, error = %err,
                        "transport failed to publish an accepted event");
                }
            }
        };
        // On an actix thread (handlers, actors) the arbiter runs it; elsewhere any tokio
        // runtime; without either nothing would ever drive the transport.
        if let Some(arbiter) = actix::Arbiter::try_current() {
            arbiter.spawn(outcome);
        } else if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(outcome);
        } else {
            bump(&self.core.counters.publish_failed);
            return Err(CallError::unavailable(
                "events",
                "publishing needs an actix or tokio runtime on this thread",
            ));
        }
        Ok(name)
    }

    /// Compiles the filter; one that does not parse is `-32602` naming the problem.
    fn compile_filter(
        filter: Option<&str>,
        namespaces: &Namespaces,
    ) -> Result<Option<Filter>, CallError> {
        match filter.map(str::trim).filter(|f| !f.is_empty()) {
            None => Ok(None),
            Some(source) => Filter::compile(source, namespaces).map(Some).map_err(|e| {
                CallError::invalid_params(format!("filter '{source}' does not compile: {e}"))
                    .with("filter", source)
            }),
        }
    }

    fn next_id(&self) -> String {
        format!("sub-{}", self.core.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn check_names(&self, names: &[String]) -> Result<(), CallError> {
        if !self.core.validate {
            return Ok(());
        }
        if let Some(unknown) = names.iter().find(|n| !self.core.schemas.set().has_event(n)) {
            return Err(CallError::invalid_params(format!(
                "no loaded schema declares event '{unknown}' (known: {})",
                self.core
                    .schemas
                    .sources()
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .with("event", unknown.as_str()));
        }
        Ok(())
    }

    /// A subscription's state and its handle, with a fresh id; `receiver` when the transport
    /// subscription already exists.
    fn new_subscription(
        &self,
        names: Vec<String>,
        filter: Option<Filter>,
        handler: impl Fn(&Event) + Send + Sync + 'static,
        receiver: Option<EventReceiver>,
    ) -> (Arc<SubscriptionShared>, Subscription) {
        let shared = Arc::new(SubscriptionShared::new(
            self.next_id(),
            names,
            filter,
            Arc::new(handler),
            receiver,
        ));
        let subscription = Subscription {
            shared: shared.clone(),
            bus: Arc::downgrade(&self.core),
            detached: false,
        };
        (shared, subscription)
    }

    fn register(&self, shared: Arc<SubscriptionShared>) -> Option<Addr<Supervisor>> {
        let mut registry = self.core.registry();
        registry.subscriptions.insert(shared.id.clone(), shared);
        registry.supervisor.clone()
    }

    /// Subscribes to the events named in `names` (all when empty) that match `filter` (XPath,
    /// prefixes from `namespaces`; `None` for all). Resolves once the subscription receives:
    /// every event published after that reaches `handler`. A filter that does not parse or an
    /// unknown event name is refused with `-32602`.
    pub async fn subscribe(
        &self,
        names: Vec<String>,
        filter: Option<&str>,
        namespaces: &Namespaces,
        handler: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<Subscription, CallError> {
        self.check_names(&names)?;
        // Compile first: a bad filter must not leave a transport subscription behind.
        let filter = Self::compile_filter(filter, namespaces)?;
        let receiver = self
            .core
            .transport
            .subscribe_events(&self.core.node, &names)
            .await
            .map_err(|e| CallError::unavailable("events", format!("cannot subscribe: {e}")))?;
        let (shared, subscription) = self.new_subscription(names, filter, handler, Some(receiver));
        let supervisor = self.register(shared.clone()).ok_or_else(|| {
            CallError::unavailable("events", "the node's event supervisor is not running")
        })?;
        let spec = subscription_child(self.core.clone(), shared);
        supervisor
            .send(StartChild(spec))
            .await
            .map_err(|e| {
                CallError::unavailable("events", format!("event supervisor unreachable: {e}"))
            })?
            .map_err(|e| CallError::internal(format!("subscription did not start: {e}")))?;
        tracing::debug!(node = %self.core.node, subscription = %subscription.id(), "subscribed");
        Ok(subscription)
    }

    /// [`subscribe`](Self::subscribe) for synchronous code (a plugin's factory): the filter
    /// and names are checked now; the actor subscribes on the transport when it starts, so
    /// events published before that are not seen ([`SubscriptionInfo::active`] tells).
    pub fn subscribe_detached(
        &self,
        names: Vec<String>,
        filter: Option<&str>,
        namespaces: &Namespaces,
        handler: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<Subscription, CallError> {
        self.check_names(&names)?;
        let filter = Self::compile_filter(filter, namespaces)?;
        let (shared, subscription) = self.new_subscription(names, filter, handler, None);
        // Without a running supervisor, `node/events` starts it when it starts.
        if let Some(supervisor) = self.register(shared.clone()) {
            supervisor.do_send(StartChild(subscription_child(self.core.clone(), shared)));
        }
        Ok(subscription)
    }
}

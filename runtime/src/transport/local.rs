//! The in-process transport: several nodes of one domain in one process, calling each other's
//! plugin handles directly. It is the embedded default (no broker configured) and the fast test
//! bed. NORMAL calls go to the provider with the fewest calls in flight (ties rotate), which is
//! what competing consumers with a prefetch converge to: a slow node holds its calls longer and
//! so gets fewer new ones.

use futures_util::future::{self, BoxFuture, FutureExt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use super::{CallCarrier, EventReceiver, LocalNode, RawEvent, Transport, EVENT_BUFFER};
use crate::call::{unix_millis_now, CallError, ResolvedCall};
use crate::membership::{failed_everywhere, Membership, NodeRecord};
use crate::plugin::{PluginHandle, PluginStatus};
use crate::Error;
use std::sync::atomic::AtomicU64;
use tokio::sync::mpsc;

/// In-process transport for one domain; clone the `Arc` into every node of the domain.
pub struct LocalTransport {
    domain: String,
    nodes: RwLock<BTreeMap<String, LocalNode>>,
    membership: Membership,
    rotation: AtomicUsize,
    subscribers: std::sync::Mutex<Vec<(Vec<String>, mpsc::Sender<RawEvent>)>>,
    dropped: AtomicU64,
}

impl LocalTransport {
    /// A transport for `domain`.
    pub fn new(domain: &str) -> Arc<Self> {
        Arc::new(LocalTransport {
            domain: domain.to_owned(),
            nodes: RwLock::new(BTreeMap::new()),
            membership: Membership::default(),
            rotation: AtomicUsize::new(0),
            subscribers: std::sync::Mutex::new(Vec::new()),
            dropped: AtomicU64::new(0),
        })
    }

    /// The provider of `plugin` a NORMAL call goes to; a plugin that no provider can serve
    /// is refused as the AMQP transport refuses it.
    fn pick(&self, plugin: &str) -> Result<(String, PluginHandle), CallError> {
        let nodes = self.nodes.read().unwrap_or_else(|p| p.into_inner());
        let candidates: Vec<(&String, &PluginHandle)> = nodes
            .iter()
            .filter_map(|(name, node)| node.plugins.get(plugin).map(|h| (name, h)))
            .collect();
        if candidates.is_empty() {
            return Err(CallError::unavailable(plugin, "the provider just left"));
        }
        let start = self.rotation.fetch_add(1, Ordering::Relaxed) % candidates.len();
        let rotated = candidates[start..].iter().chain(&candidates[..start]);
        // Healthy providers first; among them the least loaded.
        let rank = |h: &PluginHandle| match h.status() {
            PluginStatus::Running => 0,
            PluginStatus::Starting | PluginStatus::Restarting => 1,
            PluginStatus::Failed(_) | PluginStatus::Stopped(_) => 2,
        };
        let Some((name, handle)) = rotated.min_by_key(|(_, h)| (rank(h), h.in_flight())) else {
            return Err(CallError::unavailable(plugin, "the provider just left"));
        };
        if rank(handle) == 2 {
            let states: Vec<(&str, PluginStatus)> = candidates
                .iter()
                .map(|(n, h)| (n.as_str(), h.status()))
                .collect();
            return Err(failed_everywhere(
                plugin,
                states.iter().map(|(n, s)| (*n, s.as_str())),
            ));
        }
        Ok(((*name).clone(), (*handle).clone()))
    }
}

impl CallCarrier for LocalTransport {
    fn send(
        &self,
        call: Arc<ResolvedCall>,
        node: Option<&str>,
    ) -> BoxFuture<'static, Result<Value, CallError>> {
        let plugin = call.plugin();
        let target = self
            .membership
            .check_target(&self.domain, plugin, node)
            .and_then(|()| {
                // The view and the node table change together (attach/detach); a node that
                // left between the two looks is simply gone.
                match node {
                    None => self.pick(plugin),
                    Some(name) => {
                        let nodes = self.nodes.read().unwrap_or_else(|p| p.into_inner());
                        let handle = nodes.get(name).and_then(|n| n.plugins.get(plugin));
                        handle
                            .map(|h| (name.to_owned(), h.clone()))
                            .ok_or_else(|| CallError::unavailable(plugin, "the provider just left"))
                    }
                }
            });
        match target {
            Err(err) => future::ready(Err(err)).boxed(),
            Ok((name, handle)) => async move {
                handle
                    .call(call)
                    .await
                    .map_err(|e| e.with_node_default(&name))
            }
            .boxed(),
        }
    }

    fn membership(&self) -> &Membership {
        &self.membership
    }
}

impl Transport for LocalTransport {
    fn kind(&self) -> &'static str {
        "local"
    }

    fn attach(&self, node: LocalNode) -> Result<(), Error> {
        if node.domain != self.domain {
            return Err(Error::transport(
                "local",
                format!(
                    "node {} belongs to domain {}, this transport serves {}",
                    node.name, node.domain, self.domain
                ),
            ));
        }
        let mut nodes = self.nodes.write().unwrap_or_else(|p| p.into_inner());
        if nodes.contains_key(&node.name) {
            return Err(Error::transport(
                "local",
                format!(
                    "a node named {} is already in domain {}",
                    node.name, self.domain
                ),
            ));
        }
        self.membership.upsert(node.record(unix_millis_now()));
        nodes.insert(node.name.clone(), node);
        Ok(())
    }

    fn detach(&self, node: &str) -> BoxFuture<'static, ()> {
        let mut nodes = self.nodes.write().unwrap_or_else(|p| p.into_inner());
        nodes.remove(node);
        self.membership.remove(node);
        // In-process calls in progress finish on their own; nothing to drain.
        future::ready(()).boxed()
    }

    fn publish_event(&self, event: RawEvent) -> BoxFuture<'static, Result<(), Error>> {
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        // Subscribers that went away are forgotten here, on the next publish.
        subscribers.retain(|(_, tx)| !tx.is_closed());
        for (names, tx) in subscribers.iter() {
            if names.is_empty() || names.contains(&event.name) {
                if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(event.clone()) {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        future::ready(Ok(())).boxed()
    }

    fn subscribe_events(
        &self,
        _node: &str,
        names: &[String],
    ) -> BoxFuture<'static, Result<EventReceiver, Error>> {
        let (tx, rx) = mpsc::channel(EVENT_BUFFER);
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((names.to_vec(), tx));
        future::ready(Ok(rx)).boxed()
    }

    fn dropped_events(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn nodes(&self) -> Vec<NodeRecord> {
        let nodes = self.nodes.read().unwrap_or_else(|p| p.into_inner());
        let now = unix_millis_now();
        self.membership
            .nodes()
            .into_iter()
            .map(|mut record| {
                if let Some(local) = nodes.get(&record.name) {
                    local.refresh(&mut record, now);
                }
                record
            })
            .collect()
    }
}

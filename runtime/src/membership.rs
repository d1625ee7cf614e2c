//! The membership view: which nodes are in the domain, which plugins and commands each offers,
//! and an index from `plugin.command` to its route (call type, timeout). Transports keep it up
//! to date (the local transport on attach/detach, the AMQP transport from membership events);
//! the dispatcher reads the index on every call, so a lookup is one hash probe.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use std::time::Duration;

use crate::call::{unix_millis_now, CallError, CallType, CommandSpec};

/// One node as the domain sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// Node name.
    pub name: String,
    /// Domain name.
    pub domain: String,
    /// Plugin name → status (`running`, `failed`, …).
    pub plugins: BTreeMap<String, String>,
    /// Every command the node offers.
    pub commands: Vec<CommandSpec>,
    /// When it joined, Unix ms.
    pub joined_ms: u64,
    /// When it was last heard of, Unix ms.
    pub last_seen_ms: u64,
}

/// How a command is routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Call type.
    pub call_type: CallType,
    /// Per-command timeout override in ms.
    pub timeout_ms: Option<u64>,
}

/// How long a departed node is remembered unless configured otherwise.
pub const DEFAULT_DEPARTED_TTL: Duration = Duration::from_secs(600);

/// At most this many departed nodes are remembered; the oldest are forgotten first.
pub const MAX_DEPARTED: usize = 1024;

/// Plugin statuses a node can still serve from (now or after a restart).
const SERVING: [&str; 3] = ["running", "starting", "restarting"];

struct View {
    nodes: BTreeMap<String, NodeRecord>,
    routes: HashMap<String, Route>,
    /// Nodes that left or were evicted: name → the record they had and when they went (Unix
    /// ms). CUMULATIVE calls name them as `missing` at once instead of waiting for them, for
    /// `departed_ttl`, and at most [`MAX_DEPARTED`] of them.
    departed: BTreeMap<String, (NodeRecord, u64)>,
    departed_ttl: Duration,
}

/// The `-32002` for a plugin that no node can serve: each provider with its status.
pub fn failed_everywhere<'a>(
    plugin: &str,
    states: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> CallError {
    let states: Vec<String> = states
        .into_iter()
        .map(|(node, status)| format!("{node} {status}"))
        .collect();
    CallError::unavailable(
        plugin,
        format!(
            "failed on every node that provides it ({})",
            states.join(", ")
        ),
    )
}

/// Shared membership view of one domain.
#[derive(Clone)]
pub struct Membership {
    inner: Arc<RwLock<View>>,
}

impl Default for Membership {
    fn default() -> Self {
        Membership::new(DEFAULT_DEPARTED_TTL)
    }
}

impl Membership {
    /// An empty view that names departed nodes `missing` for `departed_ttl`.
    pub fn new(departed_ttl: Duration) -> Self {
        Membership {
            inner: Arc::new(RwLock::new(View {
                nodes: BTreeMap::new(),
                routes: HashMap::new(),
                departed: BTreeMap::new(),
                departed_ttl,
            })),
        }
    }

    // A poisoned lock only means a panic happened while it was held; the view stays usable.
    fn read(&self) -> RwLockReadGuard<'_, View> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, View> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds or replaces a node.
    pub fn upsert(&self, record: NodeRecord) {
        let mut view = self.write();
        view.departed.remove(&record.name);
        view.nodes.insert(record.name.clone(), record);
        Self::reindex(&mut view);
    }

    /// Removes a node (it left or was evicted); it is remembered as departed for a while.
    pub fn remove(&self, name: &str) -> Option<NodeRecord> {
        let now = unix_millis_now();
        let mut view = self.write();
        let removed = view.nodes.remove(name);
        if let Some(record) = &removed {
            view.departed.insert(name.to_owned(), (record.clone(), now));
        }
        Self::forget_departed(&mut view, now);
        Self::reindex(&mut view);
        removed
    }

    /// Forgets departed nodes older than the TTL, then the oldest beyond [`MAX_DEPARTED`].
    fn forget_departed(view: &mut View, now_ms: u64) {
        let ttl = view.departed_ttl.as_millis() as u64;
        view.departed
            .retain(|_, (_, at)| now_ms.saturating_sub(*at) < ttl);
        while view.departed.len() > MAX_DEPARTED {
            let oldest = view
                .departed
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(name, _)| name.clone());
            match oldest {
                Some(name) => view.departed.remove(&name),
                None => break,
            };
        }
    }

    /// Sets the plugin statuses of node `name` (from its own report); false when unknown.
    pub fn set_plugins(&self, name: &str, statuses: BTreeMap<String, String>) -> bool {
        match self.write().nodes.get_mut(name) {
            Some(record) => {
                record.plugins.extend(statuses);
                true
            }
            None => false,
        }
    }

    /// Records that `name` was heard of at `now_ms`; false when the node is unknown.
    pub fn touch(&self, name: &str, now_ms: u64) -> bool {
        match self.write().nodes.get_mut(name) {
            Some(record) => {
                record.last_seen_ms = record.last_seen_ms.max(now_ms);
                true
            }
            None => false,
        }
    }

    /// Marks every known node as heard of at `now_ms`: after this node itself was cut off, the
    /// others get a full eviction period to be heard again before they are dropped.
    pub fn touch_all(&self, now_ms: u64) {
        for record in self.write().nodes.values_mut() {
            record.last_seen_ms = record.last_seen_ms.max(now_ms);
        }
    }

    /// Removes every node (but `keep`) not heard of since `cutoff_ms`; returns their names.
    pub fn evict_silent(&self, cutoff_ms: u64, keep: &str) -> Vec<String> {
        let silent: Vec<String> = self
            .read()
            .nodes
            .values()
            .filter(|n| n.name != keep && n.last_seen_ms < cutoff_ms)
            .map(|n| n.name.clone())
            .collect();
        for name in &silent {
            self.remove(name);
        }
        silent
    }

    /// Whether a call to `plugin` (on `node`, when given) of `domain` can be routed at all: a
    /// plugin nobody provides, or a node that is not in the domain or lacks the plugin, is
    /// -32002 at once instead of a wait in a queue. Every transport answers the same way.
    pub fn check_target(
        &self,
        domain: &str,
        plugin: &str,
        node: Option<&str>,
    ) -> Result<(), CallError> {
        let view = self.read();
        let serving = |status: &str| SERVING.contains(&status);
        match node {
            None if !view.nodes.values().any(|n| n.plugins.contains_key(plugin)) => Err(
                CallError::unavailable(plugin, "no node in the domain provides it"),
            ),
            None if !view
                .nodes
                .values()
                .any(|n| n.plugins.get(plugin).is_some_and(|s| serving(s))) =>
            {
                let states = view
                    .nodes
                    .values()
                    .filter_map(|n| Some((n.name.as_str(), n.plugins.get(plugin)?.as_str())));
                Err(failed_everywhere(plugin, states))
            }
            None => Ok(()),
            Some(name) => match view.nodes.get(name) {
                None => Err(CallError::unavailable(
                    plugin,
                    format!("node {name} is not in domain {domain}"),
                )
                .with("node", name)),
                Some(record) if !record.plugins.contains_key(plugin) => Err(
                    CallError::unavailable(plugin, format!("node {name} does not provide it"))
                        .with("node", name),
                ),
                Some(_) => Ok(()),
            },
        }
    }

    /// Departed nodes that offered `plugin`, sorted.
    pub fn departed_providers(&self, plugin: &str) -> Vec<String> {
        Self::departed_in(&self.read(), plugin)
    }

    /// The nodes offering `plugin` and the departed ones that offered it, both sorted and
    /// read from one look at the view: a node evicted meanwhile is in one list or the other,
    /// never in neither (asked one after the other, an eviction between them loses it).
    pub fn providers_and_departed(&self, plugin: &str) -> (Vec<String>, Vec<String>) {
        let view = self.read();
        (
            Self::providers_in(&view, plugin),
            Self::departed_in(&view, plugin),
        )
    }

    fn departed_in(view: &View, plugin: &str) -> Vec<String> {
        let ttl = view.departed_ttl.as_millis() as u64;
        let now = unix_millis_now();
        view.departed
            .values()
            .filter(|(n, at)| n.plugins.contains_key(plugin) && now.saturating_sub(*at) < ttl)
            .map(|(n, _)| n.name.clone())
            .collect()
    }

    fn providers_in(view: &View, plugin: &str) -> Vec<String> {
        view.nodes
            .values()
            .filter(|n| n.plugins.contains_key(plugin))
            .map(|n| n.name.clone())
            .collect()
    }

    fn reindex(view: &mut View) {
        let mut routes = HashMap::new();
        for node in view.nodes.values() {
            for cmd in &node.commands {
                routes.entry(cmd.method()).or_insert(Route {
                    call_type: cmd.call_type,
                    timeout_ms: cmd.timeout_ms,
                });
            }
        }
        view.routes = routes;
    }

    /// The route of `method`, if any node offers it.
    pub fn route(&self, method: &str) -> Option<Route> {
        self.read().routes.get(method).copied()
    }

    /// Names of the nodes offering `plugin`, sorted.
    pub fn providers(&self, plugin: &str) -> Vec<String> {
        Self::providers_in(&self.read(), plugin)
    }

    /// Every node, sorted by name.
    pub fn nodes(&self) -> Vec<NodeRecord> {
        self.read().nodes.values().cloned().collect()
    }

    /// One node.
    pub fn node(&self, name: &str) -> Option<NodeRecord> {
        self.read().nodes.get(name).cloned()
    }

    /// One node as last heard of: its record, or the one it had when it departed (within
    /// `departed_ttl`). A node evicted for silence and back again is known by what it last
    /// reported until it reports anew.
    pub fn last_known(&self, name: &str) -> Option<NodeRecord> {
        let view = self.read();
        view.nodes
            .get(name)
            .or_else(|| view.departed.get(name).map(|(record, _)| record))
            .cloned()
    }

    /// Every distinct command in the domain, sorted by method.
    pub fn commands(&self) -> Vec<CommandSpec> {
        let view = self.read();
        let mut seen = BTreeMap::new();
        for node in view.nodes.values() {
            for cmd in &node.commands {
                seen.entry(cmd.method()).or_insert_with(|| cmd.clone());
            }
        }
        seen.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, plugin: &str, seen: u64) -> NodeRecord {
        NodeRecord {
            name: name.into(),
            domain: "d".into(),
            plugins: [(plugin.to_owned(), "running".to_owned())].into(),
            commands: Vec::new(),
            joined_ms: seen,
            last_seen_ms: seen,
        }
    }

    #[test]
    fn silent_nodes_are_evicted_and_remembered_as_departed() {
        let m = Membership::default();
        m.upsert(record("me", "p", 0));
        m.upsert(record("a", "p", 0));
        m.upsert(record("b", "p", 100));
        assert!(m.touch("a", 50));
        assert_eq!(m.evict_silent(60, "me"), vec!["a"]);
        assert_eq!(m.providers("p"), vec!["b", "me"]);
        assert_eq!(m.departed_providers("p"), vec!["a"]);
        m.upsert(record("a", "p", 200));
        assert!(m.departed_providers("p").is_empty(), "a rejoined");
        m.touch_all(1_000);
        assert!(
            m.evict_silent(500, "me").is_empty(),
            "everyone was just heard of"
        );
    }

    #[test]
    fn a_node_leaving_and_coming_back_is_always_a_provider_or_departed_never_neither() {
        let m = std::sync::Arc::new(Membership::default());
        m.upsert(record("a", "p", 0));
        let churn = {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    m.remove("a");
                    m.upsert(record("a", "p", 0));
                }
            })
        };
        let mut looks = 0;
        while !churn.is_finished() || looks == 0 {
            let (serving, departed) = m.providers_and_departed("p");
            assert_eq!(
                serving.len() + departed.len(),
                1,
                "{serving:?} {departed:?}"
            );
            looks += 1;
        }
        churn.join().unwrap();
    }

    #[test]
    fn departed_nodes_are_forgotten_after_their_ttl() {
        let m = Membership::new(Duration::from_millis(30));
        m.upsert(record("a", "p", 0));
        m.remove("a");
        assert_eq!(m.departed_providers("p"), vec!["a"]);
        std::thread::sleep(Duration::from_millis(60));
        assert!(m.departed_providers("p").is_empty(), "past its ttl");
        m.upsert(record("b", "p", 0));
        m.remove("b");
        assert_eq!(
            m.read().departed.len(),
            1,
            "a was dropped from memory when b left"
        );
    }

    #[test]
    fn departed_memory_is_capped() {
        let m = Membership::default();
        for i in 0..MAX_DEPARTED + 10 {
            let name = format!("n{i}");
            m.upsert(record(&name, "p", 0));
            m.remove(&name);
        }
        assert_eq!(m.read().departed.len(), MAX_DEPARTED);
    }

    #[test]
    fn a_plugin_failed_on_every_node_is_refused_at_once_naming_the_states() {
        let m = Membership::default();
        m.upsert(record("a", "p", 0));
        m.upsert(record("b", "p", 0));
        assert!(m.check_target("d", "p", None).is_ok());
        m.set_plugins("a", [("p".to_owned(), "failed".to_owned())].into());
        assert!(m.check_target("d", "p", None).is_ok(), "b still serves");
        m.set_plugins("b", [("p".to_owned(), "stopped".to_owned())].into());
        let err = m.check_target("d", "p", None).unwrap_err();
        assert_eq!(err.code(), -32002);
        assert!(
            err.message().contains("a failed, b stopped"),
            "{}",
            err.message()
        );
        m.set_plugins("b", [("p".to_owned(), "restarting".to_owned())].into());
        assert!(
            m.check_target("d", "p", None).is_ok(),
            "a restart may serve again"
        );
    }
}

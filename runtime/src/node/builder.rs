//! Assembling and starting a node in one step: settings, name, transport, plugins and core
//! children become a supervision tree under a root supervisor, the transport's own actor (if
//! it has one) joins that tree, and the node attaches to its transport. Every check that can
//! fail (settings, node name, each plugin's config table, duplicate plugins) runs before
//! anything starts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

use super::node_handle::{NodeExit, NodeShared};
use super::plugin_def::{PluginContext, PluginDef};
use super::NodeHandle;
use crate::acl::{file as acl_file, AclEngine, AclSet};
use crate::config::{is_valid_name, Settings};
use crate::dispatch::Dispatcher;
use crate::events::EventBus;
use crate::metrics::NodeStats;
use crate::plugin::{CallGuard, PluginHandle};
use crate::supervision::{
    ActorTable, ChildExited, ChildLink, ChildSpec, RestartType, Strategy, SupervisionContext,
    Supervisor, SupervisorConfig, SupervisorSpec, TreeHandle,
};
use crate::transport::{LocalNode, LocalTransport, Transport};
use crate::Error;

type CoreChild = Box<dyn FnOnce(&NodeHandle) -> Result<ChildSpec, Error>>;

/// Builds a node; [`start`](NodeBuilder::start) must run inside an actix `System`.
pub struct NodeBuilder {
    settings: Settings,
    name: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    plugins: Vec<PluginDef>,
    children: Vec<CoreChild>,
    acl_set: Option<AclSet>,
}

impl NodeBuilder {
    /// A node configured by `settings` (name and domain come from there unless set here).
    pub fn new(settings: Settings) -> Self {
        NodeBuilder {
            settings,
            name: None,
            transport: None,
            plugins: Vec::new(),
            children: Vec::new(),
            acl_set: None,
        }
    }

    /// Starts the node with this ACL set instead of the one of `[acl] file` (tests, embedding
    /// programs). The file, if configured, is still where changes are written.
    pub fn acl_set(mut self, set: AclSet) -> Self {
        self.acl_set = Some(set);
        self
    }

    /// The set the node starts with: the given one, else `[acl] file` (a file that does not
    /// exist yet is an empty set, written on the first change), else empty.
    fn initial_acl_set(&mut self) -> Result<AclSet, Error> {
        if let Some(set) = self.acl_set.take() {
            return Ok(set);
        }
        let path = self.settings.acl.file.trim();
        if path.is_empty() || !std::path::Path::new(path).exists() {
            return Ok(AclSet::new());
        }
        acl_file::load(std::path::Path::new(path))
            .map_err(|e| Error::config("acl.file", e.to_string()))
    }

    /// Sets the node name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the transport (default: a new [`LocalTransport`] for the domain). A transport with
    /// an actor of its own ([`Transport::child`]) gets it started under the root supervisor.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Adds a plugin (skipped when `[plugins.NAME] enabled = false`).
    pub fn plugin(mut self, plugin: PluginDef) -> Self {
        self.plugins.push(plugin);
        self
    }

    /// Adds several plugins.
    pub fn plugins(mut self, plugins: impl IntoIterator<Item = PluginDef>) -> Self {
        self.plugins.extend(plugins);
        self
    }

    /// Adds a core child under the root supervisor, built once the node handle exists.
    pub fn core_child(
        mut self,
        child: impl FnOnce(&NodeHandle) -> Result<ChildSpec, Error> + 'static,
    ) -> Self {
        self.children.push(Box::new(child));
        self
    }

    /// Runs every check `start` would run, without starting anything: the settings, the node
    /// name, duplicate plugins, and each enabled plugin's config table.
    pub fn check(&self) -> Result<(), Error> {
        self.settings.validate()?;
        let name = self.node_name();
        if !is_valid_name(&name, false) {
            return Err(Error::config(
                "node.name",
                format!("value \"{name}\" is not allowed: letters, digits, '-' and '_'"),
            ));
        }
        let mut seen = BTreeSet::new();
        for def in &self.plugins {
            if !seen.insert(def.name()) {
                return Err(Error::node(
                    &name,
                    format!("plugin '{}' added twice", def.name()),
                ));
            }
            if self.settings.plugin_enabled(def.name()) {
                def.check_config(&self.settings.plugin_config(def.name()))?;
            }
        }
        Ok(())
    }

    fn node_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.settings.node_name())
    }

    /// Starts the supervision tree and attaches the node to its transport.
    pub fn start(mut self) -> Result<NodeHandle, Error> {
        self.check()?;
        let acl_set = self.initial_acl_set()?;
        let name = self.node_name();
        let settings = Arc::new(self.settings);
        let domain = settings.node.domain.clone();
        let transport = self
            .transport
            .unwrap_or_else(|| LocalTransport::new(&domain));
        let root_config = settings.root_supervision()?;
        let (events, _) = broadcast::channel(1024);
        let (exit, _) = watch::channel(None);
        let table = ActorTable::default();
        let tree = TreeHandle::new(&name, table.clone(), events.clone());
        let bus = EventBus::new(&name, transport.clone(), &settings.events)?;
        let stats = Arc::new(NodeStats::new(settings.stats.enabled));
        let dispatcher = Dispatcher::new(transport.clone(), settings.default_timeout()?);
        let acl = AclEngine::new(settings.acl_config(), acl_set);
        let audit = crate::events::audit_sink(&bus);

        let mut handles = BTreeMap::new();
        let mut commands = Vec::new();
        let mut plugin_children = Vec::new();
        for def in &self.plugins {
            let plugin = def.name().to_owned();
            if !settings.plugin_enabled(&plugin) {
                tracing::info!(node = %name, plugin = %plugin, "plugin disabled by config");
                continue;
            }
            let guard = CallGuard::new(acl.clone(), &plugin, def.commands(), audit.clone())?;
            let plugin_handle =
                PluginHandle::guarded(&plugin, settings.plugin_in_flight(&plugin), guard);
            let context = PluginContext {
                node: Arc::from(name.as_str()),
                domain: Arc::from(domain.as_str()),
                config: settings.plugin_config(&plugin),
                events: bus.clone(),
                tree: tree.clone(),
                calls: dispatcher.clone(),
                acl: acl.clone(),
            };
            plugin_children.push(def.subtree(
                plugin_handle.clone(),
                context,
                settings.plugin_supervision(&plugin)?,
                &stats,
            ));
            commands.extend(def.commands().iter().cloned());
            handles.insert(plugin, plugin_handle);
        }

        let shared = Arc::new(NodeShared {
            name: Arc::from(name.as_str()),
            domain: domain.clone(),
            settings: settings.clone(),
            dispatcher,
            tree: tree.clone(),
            plugins: handles.clone(),
            root: Mutex::new(None),
            exit,
            bus: bus.clone(),
            stats: stats.clone(),
            acl: acl.clone(),
            audit: audit.clone(),
        });
        let handle = NodeHandle {
            inner: shared.clone(),
        };

        let plugins_config = SupervisorConfig {
            strategy: Strategy::OneForOne,
            ..root_config
        };
        let mut root_children = vec![
            crate::events::events_child(&bus, &tree, root_config),
            SupervisorSpec::new("plugins", plugins_config, plugin_children)
                .into_child(RestartType::Permanent),
        ];
        let interval = settings.stats_interval()?;
        root_children.extend(crate::telemetry::collector_child(&stats, &bus, interval));
        root_children.extend(transport.child());
        for child in self.children {
            root_children.push(child(&handle)?);
        }
        let context = SupervisionContext {
            table: table.clone(),
            events,
        };
        let weak = Arc::downgrade(&shared);
        let notify = Arc::new(move |exit: ChildExited| {
            if let Some(shared) = weak.upgrade() {
                let outcome = match exit.failure {
                    Some(reason) => NodeExit::Failed(reason),
                    None => NodeExit::Stopped,
                };
                shared.exit.send_replace(Some(outcome));
            }
        });
        table.starting("node", "supervisor", root_config.intensity.period, None);
        let root = Supervisor::start_linked(
            SupervisorSpec::new("node", root_config, root_children),
            ChildLink::root("node", context, notify),
        );
        table.running("node", None);
        *shared.root.lock().unwrap_or_else(|p| p.into_inner()) = Some(root);

        let attached = transport.attach(LocalNode {
            name: name.clone(),
            domain,
            plugins: handles,
            commands,
            audit: audit.clone(),
        });
        if let Err(err) = attached {
            handle.stop_tree();
            return Err(err);
        }
        tracing::info!(node = %name, domain = %shared.domain, transport = transport.kind(),
            "node started");
        Ok(handle)
    }
}

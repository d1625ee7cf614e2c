//! Assembling and starting a node: settings, name, transport, plugins and core children become
//! a supervision tree under a root supervisor, and the node attaches to its transport.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{broadcast, watch};

use super::handle::{NodeExit, NodeShared};
use super::NodeHandle;
use crate::config::{is_valid_name, Settings};
use crate::plugin::{PluginContext, PluginDef, PluginHandle};
use crate::supervision::{
    ActorTable, ChildExited, ChildLink, ChildSpec, RestartType, Strategy, SupervisionContext,
    Supervisor, SupervisorConfig, SupervisorSpec,
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
        }
    }

    /// Sets the node name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the transport (default: a new [`LocalTransport`] for the domain).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Adds a plugin (skipped when `[plugins.NAME] enabled = false`).
    pub fn plugin(mut self, plugin: PluginDef) -> Self {
        self.plugins.push(plugin);
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

    /// Starts the supervision tree and attaches the node to its transport.
    pub fn start(self) -> Result<NodeHandle, Error> {
        let settings = self.settings;
        settings.validate()?;
        let name = self.name.unwrap_or_else(|| settings.node_name());
        if !is_valid_name(&name, false) {
            return Err(Error::config(
                "node.name",
                format!("value \"{name}\" is not allowed: letters, digits, '-' and '_'"),
            ));
        }
        let domain = settings.node.domain.clone();
        let transport = self
            .transport
            .unwrap_or_else(|| LocalTransport::new(&domain));
        let root_config = settings.root_supervision()?;
        let (events, _) = broadcast::channel(1024);
        let (exit, _) = watch::channel(None);
        let bus = crate::events::EventBus::new(&name, transport.clone(), &settings.events)?;
        let stats = Arc::new(crate::stats::NodeStats::new(settings.stats.enabled));
        let shared = Arc::new(NodeShared {
            name: Arc::from(name.as_str()),
            domain: domain.clone(),
            default_timeout: settings.default_timeout()?,
            settings: Arc::new(settings),
            transport: transport.clone(),
            table: ActorTable::default(),
            events,
            plugins: OnceLock::new(),
            commands: OnceLock::new(),
            root: Mutex::new(None),
            exit,
            http_url: OnceLock::new(),
            bus,
            stats,
        });
        let handle = NodeHandle {
            inner: shared.clone(),
        };
        let settings = &shared.settings;

        let mut seen = BTreeSet::new();
        let mut handles = BTreeMap::new();
        let mut commands = Vec::new();
        let mut plugin_children = Vec::new();
        for def in self.plugins {
            let plugin = def.name().to_owned();
            if !seen.insert(plugin.clone()) {
                return Err(Error::node(&name, format!("plugin '{plugin}' added twice")));
            }
            if !settings.plugin_enabled(&plugin) {
                tracing::info!(node = %name, plugin = %plugin, "plugin disabled by config");
                continue;
            }
            let plugin_handle = PluginHandle::new(&plugin, settings.plugin_in_flight(&plugin));
            let context = PluginContext {
                node: handle.clone(),
                config: settings.plugin_config(&plugin),
            };
            plugin_children.push(def.subtree(
                plugin_handle.clone(),
                context,
                settings.plugin_supervision(&plugin)?,
            ));
            commands.extend(def.commands().iter().cloned());
            handles.insert(plugin, plugin_handle);
        }
        let _ = shared.plugins.set(handles.clone());
        let _ = shared.commands.set(commands.clone());

        let plugins_config = SupervisorConfig {
            strategy: Strategy::OneForOne,
            ..root_config
        };
        let mut root_children =
            vec![
                SupervisorSpec::new("plugins", plugins_config, plugin_children)
                    .into_child(RestartType::Permanent),
            ];
        root_children.insert(0, crate::events::events_child(&handle, root_config));
        root_children.extend(crate::stats::collector_child(&handle));
        for child in self.children {
            root_children.push(child(&handle)?);
        }
        let context = SupervisionContext {
            table: shared.table.clone(),
            events: shared.events.clone(),
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
        shared
            .table
            .starting("node", "supervisor", root_config.intensity.period, None);
        let root = Supervisor::start_linked(
            SupervisorSpec::new("node", root_config, root_children),
            ChildLink::root("node", context, notify),
        );
        shared.table.running("node", None);
        *shared.root.lock().unwrap_or_else(|p| p.into_inner()) = Some(root);

        let attached = transport.attach(LocalNode {
            name: name.clone(),
            domain,
            plugins: handles,
            commands,
        });
        if let Err(err) = attached {
            let root = shared.root.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(root) = root {
                root.do_send(crate::supervision::Shutdown);
            }
            return Err(err);
        }
        tracing::info!(node = %name, domain = %shared.domain, transport = transport.kind(),
            "node started");
        Ok(handle)
    }
}

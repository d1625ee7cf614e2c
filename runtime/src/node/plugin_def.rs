//! A plugin as a node is given it: its name, its command specs, a check of its config table
//! and a factory for fresh instances. The check runs once before the node starts, so a bad
//! `[plugins.NAME]` setting stops start-up naming the key; the factory runs at every
//! (re)start, so a restart begins from clean state, and its error is a start failure the
//! supervisor counts. [`PluginDef::subtree`] builds the plugin's supervision subtree: a
//! supervisor with the plugin's own intensity over one actor.
//!
//! A plugin reaches the rest of the node only through the narrow handles of its
//! [`PluginContext`]: the event bus, the supervision tree and a dispatcher for calls.

use actix::{Actor, Arbiter};
use serde_json::Value;
use std::sync::Arc;

use crate::acl::AclEngine;
use crate::dispatch::Dispatcher;
use crate::events::EventBus;
use crate::metrics::NodeStats;
use crate::plugin::{CommandSpec, Plugin, PluginActor, PluginHandle, PluginStatus, StopPlugin};
use crate::supervision::{
    ChildHandle, ChildSpec, RestartType, Strategy, SupervisorConfig, SupervisorSpec, TreeHandle,
};
use crate::Error;

/// What a plugin instance is built from: where it runs, its config, and the node's services.
#[derive(Clone)]
pub struct PluginContext {
    /// The node the plugin runs on.
    pub node: Arc<str>,
    /// The node's domain.
    pub domain: Arc<str>,
    /// The plugin's own config table (`[plugins.NAME]`), `null` when absent.
    pub config: Value,
    /// The node's event bus: publish validated events, subscribe with filters.
    pub events: EventBus,
    /// The node's supervision tree: the actor table, admin restart and stop.
    pub tree: TreeHandle,
    /// Calls any command in the domain, as the node's own callers do.
    pub calls: Dispatcher,
    /// The node's ACL engine (the `acl` plugin changes its set; the object layer asks it).
    pub acl: AclEngine,
}

type Factory = Arc<dyn Fn(&PluginContext) -> Result<Box<dyn Plugin>, Error> + Send + Sync>;
type ConfigCheck = Arc<dyn Fn(&Value) -> Result<(), Error> + Send + Sync>;

/// A plugin ready to be added to a node.
#[derive(Clone)]
pub struct PluginDef {
    name: String,
    doc: String,
    commands: Vec<CommandSpec>,
    factory: Factory,
    check: Option<ConfigCheck>,
}

impl PluginDef {
    /// A plugin of type `P`, built by `factory` at every start.
    pub fn new<P: Plugin>(
        factory: impl Fn(&PluginContext) -> Result<P, Error> + Send + Sync + 'static,
    ) -> Self {
        PluginDef {
            name: P::name().to_owned(),
            doc: P::doc().to_owned(),
            commands: P::commands(),
            factory: Arc::new(move |ctx| factory(ctx).map(|p| Box::new(p) as Box<dyn Plugin>)),
            check: None,
        }
    }

    /// Checks the plugin's `[plugins.NAME]` table before the node starts: an error (best an
    /// [`Error::config`] naming the key, e.g. `plugins.stats.retention`) refuses start-up
    /// instead of letting the plugin fail at every restart.
    pub fn with_config_check(
        mut self,
        check: impl Fn(&Value) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Self {
        self.check = Some(Arc::new(check));
        self
    }

    /// Checks `config`, the plugin's own keys of `[plugins.NAME]`: with the plugin's check
    /// if it has one; a plugin without one takes no keys, so any key is refused by name.
    pub fn check_config(&self, config: &Value) -> Result<(), Error> {
        match (
            &self.check,
            config.as_object().and_then(|keys| keys.keys().next()),
        ) {
            (Some(check), _) => check(config),
            (None, Some(key)) => Err(Error::config(
                format!("plugins.{}.{key}", self.name),
                format!(
                    "unknown key: plugin '{}' takes no settings besides enabled, \
                     max_restarts, period and in_flight",
                    self.name
                ),
            )),
            (None, None) => Ok(()),
        }
    }

    /// The plugin name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin's doc comment.
    pub fn doc(&self) -> &str {
        &self.doc
    }

    /// Its commands.
    pub fn commands(&self) -> &[CommandSpec] {
        &self.commands
    }

    /// The plugin's subtree: `plugins/NAME` (a supervisor with `config`) over `plugins/NAME/actor`.
    /// The subtree is a temporary child: when it gives up, the plugins supervisor does not
    /// restart it, and the handle marks the plugin failed (escalation stops here).
    pub(crate) fn subtree(
        &self,
        handle: PluginHandle,
        context: PluginContext,
        config: SupervisorConfig,
        node_stats: &NodeStats,
    ) -> ChildSpec {
        let factory = self.factory.clone();
        let arbiter = Arbiter::new().handle();
        let actor_handle = handle.clone();
        let node = context.node.clone();
        let stats = node_stats.plugin(&self.name, &self.commands);
        let actor = ChildSpec::new("actor", "plugin", RestartType::Permanent, move |link| {
            let plugin = factory(&context)?;
            let guard = link.into_guard();
            let (handle, node, stats) = (actor_handle.clone(), node.clone(), stats.clone());
            let addr = PluginActor::start_in_arbiter(&arbiter, move |_| {
                PluginActor::new(plugin, node, handle, guard, stats)
            });
            Ok(ChildHandle::new(move || addr.do_send(StopPlugin))
                .with_mailbox(actor_handle.counter()))
        });
        let config = SupervisorConfig {
            strategy: Strategy::OneForOne,
            ..config
        };
        SupervisorSpec::new(self.name.clone(), config, vec![actor])
            .on_exit(move |failure| match failure {
                Some(reason) => handle.set_status(PluginStatus::Failed(reason.to_owned())),
                None => handle.set_status(PluginStatus::Stopped("plugin stopped".to_owned())),
            })
            .into_child(RestartType::Temporary)
    }
}

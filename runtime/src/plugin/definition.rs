//! A plugin as a node is given it: its name, its command specs and a factory for fresh
//! instances. The factory runs at every (re)start, so a restart begins from clean state, and
//! its error is a start failure the supervisor counts. [`PluginDef::subtree`] builds the
//! plugin's supervision subtree: a supervisor with the plugin's own intensity over one actor.

use actix::{Actor, Arbiter};
use serde_json::Value;
use std::sync::Arc;

use super::actor::{PluginActor, StopPlugin};
use super::{CommandSpec, Plugin, PluginHandle, PluginStatus};
use crate::node::NodeHandle;
use crate::supervision::{
    ChildHandle, ChildSpec, RestartType, Strategy, SupervisorConfig, SupervisorSpec,
};

/// What a plugin instance is built from.
#[derive(Clone)]
pub struct PluginContext {
    /// The node the plugin runs on.
    pub node: NodeHandle,
    /// The plugin's own config table (`[plugins.NAME]`), `null` when absent.
    pub config: Value,
}

type Factory = Arc<dyn Fn(&PluginContext) -> Result<Box<dyn Plugin>, String> + Send + Sync>;

/// A plugin ready to be added to a node.
#[derive(Clone)]
pub struct PluginDef {
    name: String,
    doc: String,
    commands: Vec<CommandSpec>,
    factory: Factory,
}

impl PluginDef {
    /// A plugin of type `P`, built by `factory` at every start.
    pub fn new<P: Plugin>(
        factory: impl Fn(&PluginContext) -> Result<P, String> + Send + Sync + 'static,
    ) -> Self {
        PluginDef {
            name: P::name().to_owned(),
            doc: P::doc().to_owned(),
            commands: P::commands(),
            factory: Arc::new(move |ctx| factory(ctx).map(|p| Box::new(p) as Box<dyn Plugin>)),
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
    ) -> ChildSpec {
        let factory = self.factory.clone();
        let arbiter = Arbiter::new().handle();
        let actor_handle = handle.clone();
        let node: Arc<str> = Arc::from(context.node.name());
        let stats = context.node.node_stats().plugin(&self.name, &self.commands);
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

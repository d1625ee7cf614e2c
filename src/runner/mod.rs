//! [`NodeRunner`]: what `clacks node` does, for any program that adds plugins of its own.
//!
//! `run` goes through the same steps every time: every check that can fail (settings, node
//! name, each enabled plugin's `[plugins.NAME]` table) before anything is bound, started or
//! printed, so a bad setting exits 2 naming its key (and the environment variable that set it);
//! then the gateway's socket, the node with its transport, the wait to join the domain and for
//! the plugins, and the ready line `clacks: node NAME domain D http URL amqp URL|off ready`.
//! A SIGTERM or Ctrl-C at any point after the node started (during start-up too) shuts it down
//! and exits 0; a root supervisor that gives up exits 1.

mod args;
mod listener;
mod signals;

pub use args::NodeArgs;

use clacks_amqp::{AmqpConfig, AmqpTransport};
use clacks_gateway::{gateway_child, GatewayConfig};
use clacks_runtime::config::Settings;
use clacks_runtime::transport::Transport;
use clacks_runtime::{Error, NodeBuilder, NodeExit, NodeHandle, PluginDef};
use clap::Parser;
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use crate::exit::{self, fail, Exit};
use crate::logging;
use args::Sources;
use signals::Signals;

/// How often the wait for the broker says it is still waiting.
const JOIN_NOTICE: Duration = Duration::from_secs(10);

/// A node to run, built like `clacks node` builds its own: from flags or settings, with the
/// plugins the program adds.
///
/// ```no_run
/// # fn plugin_of_my_own() -> clacks_runtime::PluginDef { unimplemented!() }
/// use clacks::{Exit, NodeArgs, NodeRunner};
///
/// let args = NodeArgs { name: Some("edge-1".into()), http: Some("127.0.0.1:0".into()), ..NodeArgs::default() };
/// let exit = match NodeRunner::from_options(args) {
///     Ok(runner) => runner.plugin(plugin_of_my_own()).run(),
///     Err(exit) => exit,
/// };
/// assert_eq!(exit, Exit::Ok);
/// ```
pub struct NodeRunner {
    settings: Settings,
    sources: Sources,
    plugins: Vec<PluginDef>,
}

/// A program that only runs a node: its command line is the flags of `clacks node`.
#[derive(Parser)]
#[command(about = "Runs a Clacks node: its plugins, supervision tree and HTTP JSON-RPC gateway.")]
struct Standalone {
    #[command(flatten)]
    node: NodeArgs,
}

impl NodeRunner {
    /// Parses a command line (`args[0]` is the program) with the flags of `clacks node`, loads
    /// the settings and installs the logger. On failure it has already said why on stderr (or
    /// printed the help) and gives the exit to end with: 0 after `--help`, 2 otherwise.
    pub fn from_args<I, T>(args: I) -> Result<NodeRunner, Exit>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        match Standalone::try_parse_from(args) {
            Ok(standalone) => NodeRunner::from_options(standalone.node),
            Err(err) => Err(exit::from_clap(&err)),
        }
    }

    /// Loads the settings for `args` (defaults, `--config` file, `CLACKS_…` variables, flags)
    /// and installs the logger; on failure it has said why on stderr and gives exit 2.
    pub fn from_options(args: NodeArgs) -> Result<NodeRunner, Exit> {
        let (settings, sources) = args::load(&args).map_err(|e| fail(Exit::Usage, e))?;
        let json = settings.log.format == "json";
        logging::init(args.log.as_deref(), &settings.log.level, json)
            .map_err(|e| fail(Exit::Usage, e))?;
        Ok(NodeRunner {
            settings,
            sources,
            plugins: Vec::new(),
        })
    }

    /// A node with `settings` as they are (no flags, no environment); the logger follows
    /// `log.level` unless the program installed its own.
    pub fn new(settings: Settings) -> NodeRunner {
        NodeRunner {
            settings,
            sources: Sources::default(),
            plugins: Vec::new(),
        }
    }

    /// The settings the node will run with (to choose plugins, e.g.
    /// `clacks_plugins::standard(runner.settings())`).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Adds a plugin (skipped when `[plugins.NAME] enabled = false`).
    pub fn plugin(mut self, plugin: PluginDef) -> NodeRunner {
        self.plugins.push(plugin);
        self
    }

    /// Adds several plugins.
    pub fn plugins(mut self, plugins: impl IntoIterator<Item = PluginDef>) -> NodeRunner {
        self.plugins.extend(plugins);
        self
    }

    /// Runs the node until a stop signal (exit 0) or until its root supervisor gives up (exit
    /// 1); a setting, plugin table or address that is wrong exits 2 before anything starts.
    /// Blocks the calling thread, which must not be inside an async runtime.
    pub fn run(self) -> Exit {
        let NodeRunner {
            settings,
            sources,
            plugins,
        } = self;
        let json = settings.log.format == "json";
        if let Err(e) = logging::init(None, &settings.log.level, json) {
            return fail(Exit::Usage, e);
        }
        let name = settings.node_name();
        if let Err(e) = clacks_gateway::check_tls(&settings.http) {
            return fail(Exit::Usage, sources.name_env_variable(e));
        }
        let mut gateway = GatewayConfig::from_settings(&settings.http);
        let mut plugins = plugins;
        match clacks_plugins::auth::Auth::from_settings(&settings) {
            Ok(Some(auth)) => {
                plugins.push(clacks_plugins::auth::AuthPlugin::definition(&auth));
                gateway = gateway.with_auth(auth);
            }
            Ok(None) => {}
            Err(e) => return fail(Exit::Usage, sources.name_env_variable(e)),
        }
        let amqp = match AmqpConfig::from_settings(&settings, &name) {
            Ok(amqp) => amqp,
            Err(e) => return fail(Exit::Usage, sources.name_env_variable(e)),
        };
        let mut builder = NodeBuilder::new(settings.clone())
            .name(name)
            .plugins(plugins);
        if let Some(amqp) = amqp {
            builder = builder.transport(Arc::new(AmqpTransport::new(amqp)) as Arc<dyn Transport>);
        }
        if let Err(e) = builder.check() {
            return fail(Exit::Usage, sources.name_env_variable(e));
        }
        let http = match listener::bind(&settings) {
            Ok(Some(bound)) => {
                let socket = bound.socket;
                builder = builder.core_child(move |node| Ok(gateway_child(node, socket, gateway)));
                bound.url
            }
            Ok(None) => "off".to_owned(),
            Err(e) => return fail(Exit::Usage, e),
        };
        actix_rt::System::new().block_on(serve(builder, http))
    }
}

/// Starts the node and runs it to its end: start-up, then serving, both cut short by a stop
/// signal or by the node ending.
async fn serve(builder: NodeBuilder, http: String) -> Exit {
    let mut signals = Signals::listen();
    let node = match builder.start() {
        Ok(node) => node,
        Err(e) => return fail(Exit::Usage, format!("cannot start the node: {e}")),
    };
    let outcome = tokio::select! {
        () = signals.received() => {
            tracing::info!(node = %node.name(), "signal received; shutting down");
            node.shutdown().await
        }
        exit = node.wait() => exit,
        refused = start_up(&node, &http) => {
            // Only a configuration the domain refuses ends start-up early (a wrong broker
            // login): stop what started and exit 2, as for any other configuration error.
            let Err(e) = refused;
            node.shutdown().await;
            return fail(Exit::Usage, format!("cannot join the domain: {e}"));
        }
    };
    match outcome {
        NodeExit::Stopped => {
            eprintln!("clacks: node {} stopped", node.name());
            Exit::Ok
        }
        NodeExit::Failed(reason) => fail(
            Exit::CallFailed,
            format!("node {} failed: {reason}", node.name()),
        ),
    }
}

/// Waits until the node has joined its domain and its plugins run, then prints how to call it
/// and the ready line. It never returns but with the reason the node can never join (a refused broker login).
async fn start_up(node: &NodeHandle, http: &str) -> Result<std::convert::Infallible, Error> {
    let transport = node.transport().clone();
    let endpoint = transport.endpoint();
    tracing::info!(node = %node.name(), domain = %node.domain(), amqp = %endpoint,
        "joining the domain");
    while !transport.wait_joined(JOIN_NOTICE).await? {
        eprintln!("clacks: still waiting for the broker at {endpoint} (retrying; see the log)");
    }
    wait_ready(node).await;
    if http != "off" {
        eprintln!(
            "clacks: try `clacks call --url {http} core.ping` or \
             `curl -s -H 'Content-Type: application/json' -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"core.ping\"}}' {http}`"
        );
    }
    eprintln!(
        "clacks: node {} domain {} http {http} amqp {endpoint} ready",
        node.name(),
        node.domain()
    );
    // Ready: serving goes on until a signal or the node's end, which the caller waits for.
    std::future::pending().await
}

/// Waits up to 5 s for every plugin to run; the node is ready without the ones that do not
/// (they are logged: a plugin that gave up is failed, and the node serves on without it).
async fn wait_ready(node: &NodeHandle) {
    for _ in 0..200 {
        if node.not_ready().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for (plugin, why) in node.not_ready() {
        tracing::warn!(node = %node.name(), plugin = %plugin, status = %why, "plugin not ready");
    }
}

//! `clacks node`: load the settings, bind the gateway, start the supervision tree with the
//! standard plugins, print the ready line, and run until Ctrl-C / SIGTERM (clean shutdown,
//! exit 0) or until the root supervisor gives up (exit 1).

use clacks_amqp::{AmqpConfig, AmqpTransport};
use clacks_gateway::{gateway_child, GatewayConfig};
use clacks_runtime::config::{self, HttpListen, Settings};
use clacks_runtime::transport::Transport;
use clacks_runtime::{NodeBuilder, NodeExit, NodeHandle};
use clap::Args;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use crate::exit::{fail, Exit};
use crate::logging;

/// Arguments of `clacks node`.
#[derive(Args, Debug)]
pub struct NodeArgs {
    /// Configuration file (TOML; see config/clacks.toml for every key).
    #[arg(long, env = "CLACKS_CONFIG")]
    config: Option<PathBuf>,
    /// Node name, unique in the domain (default: the host name).
    #[arg(long)]
    name: Option<String>,
    /// Domain to join (default org.clacks).
    #[arg(long)]
    domain: Option<String>,
    /// HTTP JSON-RPC address, HOST:PORT (port 0: any free port) or "off".
    #[arg(long)]
    http: Option<String>,
    /// Join the domain through this AMQP broker (amqp://USER:PASS@HOST:PORT/VHOST); without it
    /// (and without amqp.url / CLACKS_AMQP_URL) the node uses the in-process transport.
    #[arg(long)]
    amqp: Option<String>,
    /// Allow the gateway to listen beyond loopback without authentication.
    #[arg(long)]
    insecure_public: bool,
    /// Log filter (overrides log.level; RUST_LOG overrides both).
    #[arg(long)]
    log: Option<String>,
}

fn load_settings(args: &NodeArgs) -> Result<Settings, String> {
    let mut overrides = Vec::new();
    if let Some(name) = &args.name {
        overrides.push(("node.name", name.clone()));
    }
    if let Some(domain) = &args.domain {
        overrides.push(("node.domain", domain.clone()));
    }
    if let Some(amqp) = &args.amqp {
        overrides.push(("amqp.url", amqp.clone()));
    }
    if let Some(http) = &args.http {
        overrides.push(("http.listen", http.clone()));
    }
    if args.insecure_public {
        overrides.push(("http.insecure_public", "true".to_owned()));
    }
    config::load(args.config.as_deref(), std::env::vars(), &overrides).map_err(|e| e.to_string())
}

fn bind(settings: &Settings) -> Result<Option<TcpListener>, String> {
    let addr = match settings.http_listen().map_err(|e| e.to_string())? {
        HttpListen::Off => return Ok(None),
        HttpListen::At(addr) => addr,
    };
    if !addr.ip().is_loopback() && !settings.http.insecure_public {
        return Err(format!(
            "refusing to serve HTTP on {addr}: beyond loopback, and no authentication is \
             configured; use a loopback address or --insecure-public"
        ));
    }
    TcpListener::bind(addr)
        .map(Some)
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

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

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs `clacks node`.
pub fn run(args: NodeArgs) -> Exit {
    let settings = match load_settings(&args) {
        Ok(s) => s,
        Err(e) => return fail(Exit::Usage, e),
    };
    if let Err(e) = logging::init(
        args.log.as_deref(),
        &settings.log.level,
        settings.log.format == "json",
    ) {
        return fail(Exit::Usage, e);
    }
    let listener = match bind(&settings) {
        Ok(l) => l,
        Err(e) => return fail(Exit::Usage, e),
    };
    let gateway = GatewayConfig {
        max_body: settings.http.max_body,
        workers: settings.http.workers,
        user: settings.http.user.clone(),
    };
    let plugins = clacks_plugins::standard(&settings);
    let amqp = AmqpConfig::from_settings(&settings, &settings.node_name()).map(AmqpTransport::new);
    actix_rt::System::new().block_on(async move {
        let mut builder = NodeBuilder::new(settings);
        for plugin in plugins {
            builder = builder.plugin(plugin);
        }
        if let Some(transport) = amqp.clone() {
            let for_child = transport.clone();
            builder = builder
                .transport(std::sync::Arc::new(transport) as std::sync::Arc<dyn Transport>)
                .core_child(move |node| Ok(for_child.bridge_child(node)));
        }
        if let Some(listener) = listener {
            builder = builder.core_child(move |node| Ok(gateway_child(node, listener, gateway)));
        }
        let node = match builder.start() {
            Ok(node) => node,
            Err(e) => return fail(Exit::Usage, format!("cannot start the node: {e}")),
        };
        let amqp_url = match &amqp {
            Some(transport) => {
                let url = transport.config().redacted_url();
                while !transport.wait_connected(Duration::from_secs(10)).await {
                    eprintln!("clacks: still waiting for the broker at {url} (retrying; see the log)");
                }
                url
            }
            None => "off".to_owned(),
        };
        wait_ready(&node).await;
        let http = node.http_url().unwrap_or("off").to_owned();
        if http != "off" {
            eprintln!(
                "clacks: try `clacks call --url {http} core.ping` or \
                 `curl -s -H 'Content-Type: application/json' -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"core.ping\"}}' {http}`"
            );
        }
        eprintln!(
            "clacks: node {} domain {} http {http} amqp {amqp_url} ready",
            node.name(),
            node.domain()
        );
        let outcome = tokio::select! {
            _ = terminated() => {
                tracing::info!(node = %node.name(), "signal received; shutting down");
                node.shutdown().await
            }
            exit = node.wait() => exit,
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
    })
}

//! Starting nodes for tests: a [`TransportFactory`] makes each node's transport (one shared
//! in-process transport per domain, or one AMQP connection per node), and a [`Cluster`] starts
//! named nodes of one domain with the test plugins and waits until they all see each other.

use clacks_runtime::call::{CallError, CallRequest, Params};
use clacks_runtime::config::{self, Settings};
use clacks_runtime::transport::{LocalTransport, Transport};
use clacks_runtime::{NodeBuilder, NodeHandle};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Gives a new node its transport (and the transport's supervised children).
pub trait TransportFactory: Send + Sync {
    /// `local`, `amqp`, …
    fn name(&self) -> &'static str;
    /// `builder` for node `node` of `domain`, with its transport set.
    fn attach(&self, domain: &str, node: &str, builder: NodeBuilder) -> NodeBuilder;
    /// Removes what the domain left on shared infrastructure (broker queues, exchanges).
    fn cleanup(&self, _domain: &str, _plugins: &[String]) -> BoxFuture<'static, ()> {
        async {}.boxed()
    }
}

/// One in-process transport per domain.
#[derive(Default)]
pub struct LocalFactory {
    domains: Mutex<HashMap<String, Arc<LocalTransport>>>,
}

impl TransportFactory for LocalFactory {
    fn name(&self) -> &'static str {
        "local"
    }

    fn attach(&self, domain: &str, _node: &str, builder: NodeBuilder) -> NodeBuilder {
        let transport = self
            .domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(domain.to_owned())
            .or_insert_with(|| LocalTransport::new(domain))
            .clone();
        builder.transport(transport as Arc<dyn Transport>)
    }
}

/// Settings for a test node: defaults with `domain`, the harness ACL set
/// ([`harness_file`](crate::acl::harness_file)) and `overrides` (dotted keys).
pub fn settings(domain: &str, overrides: &[(&str, &str)]) -> Settings {
    let acl_file = crate::acl::harness_file().display().to_string();
    let mut all: Vec<(&str, String)> =
        vec![("node.domain", domain.to_owned()), ("acl.file", acl_file)];
    all.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
    match config::load(None, Vec::<(String, String)>::new(), &all) {
        Ok(s) => s,
        Err(e) => panic!("test settings are invalid: {e}"),
    }
}

/// Nodes of one domain.
pub struct Cluster {
    /// The nodes, in the order named.
    pub nodes: Vec<NodeHandle>,
    /// The domain.
    pub domain: String,
    cleanup: Option<BoxFuture<'static, ()>>,
}

impl Cluster {
    /// Starts `names` in `domain` with the core and probe plugins; `customize` may add more.
    pub async fn start(
        factory: &dyn TransportFactory,
        domain: &str,
        names: &[&str],
        overrides: &[(&str, &str)],
        customize: impl Fn(&str, NodeBuilder) -> NodeBuilder,
    ) -> Cluster {
        let mut nodes = Vec::new();
        for name in names {
            let builder = NodeBuilder::new(settings(domain, overrides))
                .name(*name)
                .plugin(clacks_plugins::core::CorePlugin::definition())
                .plugin(crate::probe::Probe::definition());
            let builder = factory.attach(domain, name, builder);
            let node = match customize(name, builder).start() {
                Ok(node) => node,
                Err(e) => panic!("node {name} did not start: {e}"),
            };
            nodes.push(node);
        }
        let plugins: Vec<String> = nodes
            .iter()
            .flat_map(|n| n.plugins().into_keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let cluster = Cluster {
            nodes,
            domain: domain.to_owned(),
            cleanup: Some(factory.cleanup(domain, &plugins)),
        };
        cluster.wait_converged().await;
        cluster
    }

    /// Waits until every node sees every node and all plugins run.
    pub async fn wait_converged(&self) {
        let expected = self.nodes.len();
        for _ in 0..1000 {
            let seen = self.nodes.iter().all(|n| n.nodes().len() >= expected);
            let ready = self.nodes.iter().all(|n| n.not_ready().is_empty());
            if seen && ready {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("cluster {} did not converge within 10 s", self.domain);
    }

    /// Calls `method` from node `from`.
    pub async fn call(&self, from: usize, method: &str, params: Value) -> Result<Value, CallError> {
        let params = match Params::from_json(Some(params)) {
            Ok(p) => p,
            Err(e) => return Err(e),
        };
        self.nodes[from]
            .call(CallRequest::new(method, params))
            .await
    }

    /// Calls with a timeout.
    pub async fn call_within(
        &self,
        from: usize,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, CallError> {
        let params = Params::from_json(Some(params))?;
        self.nodes[from]
            .call(CallRequest::new(method, params).with_timeout(timeout))
            .await
    }

    /// Calls on one node (`call_on`).
    pub async fn call_on(
        &self,
        from: usize,
        node: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, CallError> {
        let params = Params::from_json(Some(params))?;
        self.nodes[from]
            .call(CallRequest::new(method, params).on_node(node))
            .await
    }

    /// Shuts every node down and removes what the domain declared.
    pub async fn shutdown(mut self) {
        for node in &self.nodes {
            node.shutdown().await;
        }
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.await;
        }
    }
}

/// Starts one node with the core, probe and any `extra` plugins, and an HTTP gateway on a free
/// loopback port; returns the node and its `/rpc` URL.
pub fn node_with_gateway(
    name: &str,
    overrides: &[(&str, &str)],
    extra: Vec<clacks_runtime::PluginDef>,
) -> (NodeHandle, String) {
    use clacks_gateway::{gateway_child, GatewayConfig};
    let settings = settings(&format!("gw-{name}-{}", std::process::id()), overrides);
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => panic!("cannot bind a loopback port: {e}"),
    };
    let url = match listener.local_addr() {
        Ok(addr) => format!("http://{addr}/rpc"),
        Err(e) => panic!("the bound loopback port has no address: {e}"),
    };
    let gateway = GatewayConfig {
        workers: 1,
        ..GatewayConfig::from_settings(&settings.http)
    };
    let mut builder = NodeBuilder::new(settings)
        .name(name)
        .plugin(clacks_plugins::core::CorePlugin::definition())
        .plugin(crate::probe::Probe::definition());
    for plugin in extra {
        builder = builder.plugin(plugin);
    }
    let node = builder
        .core_child(move |node| Ok(gateway_child(node, listener, gateway)))
        .start()
        .unwrap_or_else(|e| panic!("node {name} did not start: {e}"));
    (node, url)
}

impl Drop for Cluster {
    /// A test that panicked never reached `shutdown`: still remove what its domain declared,
    /// on a thread of its own (no async context is left in a drop).
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            let cleaner = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(cleanup);
                }
            });
            let _ = cleaner.join();
        }
    }
}

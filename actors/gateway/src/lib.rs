//! # clacks-gateway: the HTTP JSON-RPC gateway of a node
//!
//! A supervised actor (`node/gateway`) serving the node over HTTP: `POST /rpc` (JSON-RPC 2.0,
//! single or batch), `GET /events` (Server-Sent Events from the event bus, filtered by XPath),
//! `GET /metrics` (Prometheus text), `GET /health`, `GET /ready` and the web admin page at `/`.
//! [`gateway_child`] makes the
//! child spec the node's root supervisor runs: its start function serves on an already bound
//! listener (so a restart never loses the port, and port 0 is resolved once), and the actor
//! ends, reporting to its supervisor, when the server stops.
//!
//! ## Layout
//! - `routes`: content type, body limit and timeouts, `/health`, `/ready`; hands bodies on.
//! - `rpc`: one JSON-RPC body: parse, batch fan-out, notifications, answers.
//! - `events`: the SSE stream, its caps and field escaping.
//! - `metrics`: `/metrics`.
//! - `peer`: noticing a client that went away.
//! - [`auth`]: who a caller is (client certificate, HTTP Basic, bearer token), `POST /login`,
//!   the 401/429 refusals, logged and audited.
//! - `client_cert`: the caller an HTTPS client certificate names.
//! - `streams`: counting the SSE streams per client address and per node.
//! - [`page`]: the web admin page at `/` (embedded assets) and the cross-site check on `/rpc`.
//!
//! ## Data flow
//! ```text
//! HTTP request → routes (content type, size, time limits) → rpc::serve_body
//!   → json_rpc::parse_body → NodeHandle::call (dispatch → transport → plugin)
//!   → json_rpc::response (the error names the node) → HTTP 200 / 204 / 4xx
//! ```

#![warn(missing_docs)]

pub mod auth;
mod client_cert;
mod events;
mod metrics;
pub mod page;
mod peer;
mod routes;
mod rpc;
mod streams;

pub use events::sse_frame;
pub use routes::GatewayState;
pub use rpc::{serve_body, BodyLimits};

use actix::fut::wrap_future;
use actix::prelude::*;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpServer};
use clacks_runtime::config::{HttpSettings, Settings};
use clacks_runtime::supervision::{ChildHandle, ChildSpec, ExitGuard, RestartType};
use clacks_runtime::{Error, NodeHandle};
use clacks_tls::ServerTls;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// Gateway settings (`[http]`).
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Body limit in bytes.
    pub max_body: usize,
    /// HTTP worker threads.
    pub workers: usize,
    /// The identity of HTTP callers.
    pub user: String,
    /// Most requests in one JSON-RPC batch.
    pub max_batch: usize,
    /// Most open `GET /events` streams from one remote address.
    pub sse_per_address: usize,
    /// Most open `GET /events` streams on the node.
    pub sse_per_node: usize,
    /// Most JSON-RPC calls in service at once (`http.in_flight`).
    pub in_flight: usize,
    /// Time a client has to send a request's head.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body.
    pub body_timeout: Duration,
    /// HTTPS: the certificate, key and optional client CA (`None`: plain HTTP).
    pub tls: Option<ServerTls>,
    /// With `[auth]` on, the identity checks (`None`: callers are `user`, or a client
    /// certificate's common name).
    pub auth: Option<Arc<dyn auth::Authenticator>>,
}

impl std::fmt::Debug for dyn auth::Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authenticator")
    }
}

impl GatewayConfig {
    /// The gateway settings of `[http]`.
    pub fn from_settings(http: &HttpSettings) -> GatewayConfig {
        GatewayConfig {
            max_body: http.max_body,
            workers: http.workers,
            user: http.user.clone(),
            max_batch: http.max_batch,
            sse_per_address: http.sse_per_address,
            sse_per_node: http.sse_per_node,
            in_flight: http.in_flight,
            header_timeout: Settings::seconds(http.header_timeout),
            body_timeout: Settings::seconds(http.body_timeout),
            tls: tls_of(http),
            auth: None,
        }
    }

    /// The same with `auth` checking every caller.
    pub fn with_auth(mut self, auth: Arc<dyn auth::Authenticator>) -> GatewayConfig {
        self.auth = Some(auth);
        self
    }
}

/// The HTTPS settings of `[http]`, when a certificate is set.
fn tls_of(http: &HttpSettings) -> Option<ServerTls> {
    let file = |v: &str| (!v.trim().is_empty()).then(|| std::path::PathBuf::from(v.trim()));
    Some(ServerTls {
        cert_file: file(&http.cert_file)?,
        key_file: file(&http.key_file).unwrap_or_default(),
        client_ca_file: file(&http.client_ca_file),
        section: "http".to_owned(),
    })
}

/// Reads `[http]`'s TLS files now (every file readable, the key fitting its certificate), so
/// a wrong one is a configuration error before the node starts.
pub fn check_tls(http: &HttpSettings) -> Result<(), Error> {
    match tls_of(http) {
        Some(tls) => tls
            .rustls_config()
            .map(drop)
            .map_err(|e| Error::config("http", e.to_string())),
        None => Ok(()),
    }
}

struct GatewayActor {
    server: Option<actix_web::dev::Server>,
    handle: actix_web::dev::ServerHandle,
    guard: ExitGuard,
    closing: tokio::sync::watch::Sender<bool>,
}

#[derive(Message)]
#[rtype(result = "()")]
struct StopGateway;

impl Actor for GatewayActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some(server) = self.server.take() {
            ctx.spawn(wrap_future::<_, Self>(server).map(|result, act, ctx| {
                if let Err(err) = result {
                    act.guard.fail(format!("HTTP server failed: {err}"));
                }
                ctx.stop();
            }));
        }
    }
}

impl Handler<StopGateway> for GatewayActor {
    type Result = ();

    fn handle(&mut self, _: StopGateway, ctx: &mut Context<Self>) {
        self.closing.send_replace(true);
        let handle = self.handle.clone();
        // Graceful: in-flight requests finish; the server future then ends and stops us.
        ctx.spawn(wrap_future::<_, Self>(
            async move { handle.stop(true).await },
        ));
    }
}

/// The gateway child for `node`, serving on `listener`.
pub fn gateway_child(node: &NodeHandle, listener: TcpListener, config: GatewayConfig) -> ChildSpec {
    let node = node.clone();
    ChildSpec::new("gateway", "gateway", RestartType::Permanent, move |link| {
        let listener = listener.try_clone().map_err(|e| {
            Error::actor(link.path(), format!("cannot reuse the HTTP listener: {e}"))
        })?;
        let path = link.path().to_owned();
        let (closing, closing_rx) = tokio::sync::watch::channel(false);
        let state = web::Data::new(GatewayState {
            node: node.clone(),
            max_body: config.max_body,
            max_batch: config.max_batch,
            calls: std::sync::Arc::new(tokio::sync::Semaphore::new(config.in_flight)),
            body_timeout: config.body_timeout,
            user: config.user.clone(),
            closing: closing_rx,
            streams: streams::StreamCaps::new(config.sse_per_address, config.sse_per_node),
            auth: config.auth.clone(),
        });
        let name = node.name().to_owned();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(DefaultHeaders::new().add(("x-clacks-node", name.clone())))
                .route("/rpc", web::post().to(routes::rpc))
                .route("/login", web::post().to(routes::login))
                .route("/health", web::get().to(routes::health))
                .route("/ready", web::get().to(routes::ready))
                .route("/events", web::get().to(events::events))
                .route("/metrics", web::get().to(metrics::metrics))
                .configure(page::register)
        })
        .on_connect(|connection, extensions| {
            if let Some(peer) = peer::PeerSocket::of_connection(connection) {
                extensions.insert(peer);
            }
            if let Some(user) = client_cert::PeerUser::of_connection(connection) {
                extensions.insert(user);
            }
        })
        .workers(config.workers)
        // Slow-loris: a client that has not sent its request head within the timeout is cut
        // off (HTTP 408), so dribbled bytes cannot hold a connection slot.
        .client_request_timeout(config.header_timeout)
        .client_disconnect_timeout(Duration::from_secs(1))
        .disable_signals()
        .shutdown_timeout(5);
        let server = match &config.tls {
            None => server.listen(listener),
            Some(tls) => {
                let tls = tls
                    .rustls_config_reporting(Some(auth::certificate_refusals(&node)))
                    .map_err(|e| Error::actor(path.clone(), format!("cannot serve HTTPS: {e}")))?;
                server.listen_rustls_0_23(listener, tls)
            }
        }
        .map_err(|e| Error::actor(path, format!("cannot serve HTTP: {e}")))?
        .run();
        let handle = server.handle();
        let addr = GatewayActor {
            server: Some(server),
            handle,
            guard: link.into_guard(),
            closing,
        }
        .start();
        Ok(ChildHandle::new(move || addr.do_send(StopGateway)))
    })
}

//! The gateway's socket, bound before the node starts: a wrong or busy address is a usage
//! error before anything runs, port 0 is resolved once (a gateway restart keeps the port), and
//! the URL of the ready line comes from the bound address (`https://` with `http.cert_file`).
//! Without authentication (`[auth] enabled`) the gateway serves only on loopback unless
//! `http.insecure_public` (`--insecure-public`) says otherwise.

use clacks_runtime::config::{HttpListen, Settings};
use std::net::TcpListener;

/// A bound gateway socket and the JSON-RPC URL it serves.
pub(crate) struct Bound {
    /// The socket the gateway serves on.
    pub(crate) socket: TcpListener,
    /// `http://ADDR/rpc` (or `https://`).
    pub(crate) url: String,
}

/// Binds `http.listen`; `None` when it is `off`.
pub(crate) fn bind(settings: &Settings) -> Result<Option<Bound>, String> {
    let addr = match settings.http_listen().map_err(|e| e.to_string())? {
        HttpListen::Off => return Ok(None),
        HttpListen::At(addr) => addr,
    };
    if !addr.ip().is_loopback() && !settings.http.insecure_public && !settings.auth.enabled {
        return Err(format!(
            "refusing to serve HTTP on {addr}: beyond loopback, and no authentication is \
             configured ([auth] enabled); use a loopback address or --insecure-public"
        ));
    }
    let socket = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = socket
        .local_addr()
        .map_err(|e| format!("cannot tell the address bound for {addr}: {e}"))?;
    Ok(Some(Bound {
        socket,
        url: format!(
            "{}://{bound}/rpc",
            if settings.https() { "https" } else { "http" }
        ),
    }))
}

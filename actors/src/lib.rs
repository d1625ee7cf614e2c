//! # clacks-actors: actors that connect a node to the world
//!
//! The runtime (`clacks-runtime`) knows nodes, plugins and transports; this crate holds the
//! supervised actors that speak outside protocols.
//!
//! ## Layout
//! - [`gateway`]: the HTTP JSON-RPC gateway (`POST /rpc`, `GET /health`, `GET /ready`,
//!   `GET /events` as Server-Sent Events, `GET /metrics` in Prometheus text) on actix-web, as
//!   a child of the node's root supervisor.
//!
//! ## Data flow
//! ```text
//! HTTP request → gateway::routes (content type, body limit)
//!   → gateway::rpc (JSON-RPC parse, batch fan-out, notifications)
//!   → NodeHandle::call → … plugin … → JSON-RPC response (HTTP 200 / 204 / 413 / 415)
//! ```

#![warn(missing_docs)]

pub mod amqp;
pub mod gateway;

//! # clacks-amqp: the AMQP transport
//!
//! A Clacks domain on a real RabbitMQ (DESIGN.md §3–4, `docs/PROTOCOL.md` "AMQP"): calls,
//! replies, membership and events of one node, and a node-less caller for the CLI. The node
//! builder starts the transport's link actor under the node's root supervisor
//! (`node/transport`); everything else is reached through the runtime's `Transport` trait.
//!
//! ```text
//! NodeHandle::call ─► dispatch ─► AmqpTransport ─► Caller: publish to D.command (key P | P.NODE),
//!                                                  wait on D.reply.NODE.<uuid> by correlation id
//! broker ─► server: D.command.P (shared, competing consumers) / D.command.P.NODE (private)
//!          ─► delivery ─► PluginHandle::call (or dispatch::fan_out) ─► settle: reply
//!             confirmed, then ack
//! membership: NodeAnnounce / NodeCapabilities / NodeStatus / NodeLeave on D.event
//! ```
//!
//! ## Layout
//! Leaves first; a module uses only modules above it.
//! - [`security`]: TLS (`amqps://`, CA file, client certificate) and SASL (`plain`,
//!   `external`) of a link, and connecting with them.
//! - [`config`]: [`AmqpConfig`], the broker URL's user, the password-free URL.
//! - [`error`]: [`AmqpError`] with a typed kind (access refused, broker, ended).
//! - [`brokers`]: connecting to the first of several broker addresses that answers.
//! - [`topology`]: exchange and queue names, declarations. [`properties`]: message headers.
//! - [`consumers`]: opening acked and no-ack consumers.
//! - [`link`]: the current connection, joined or not, and the request to leave.
//! - [`load`]: the measured call latency NodeStatus reports.
//! - [`replies`]: calls waiting for replies, and the replies routed to them by the waiting
//!   calls themselves.
//! - [`caller`]: outgoing calls (the transport's call carrier).
//! - [`events`]: event publish and subscribers.
//! - [`settle`]: ack, reply, republish, hand-back. [`redelivery`]: the crash-count rule.
//! - [`state`]: [`NodeState`](state::NodeState), the parts above for one node.
//! - [`delivery`]: one delivery, request to acked reply. [`server`]: serving plugin queues.
//! - [`dead_letters`]: listing and replaying `D.command.dead`.
//! - [`announcements`]: membership events and the view they keep.
//! - [`report_order`]: the order of plugin status reports, so a late one cannot undo a newer.
//! - [`session`]: connection life and recovery, in named steps.
//! - [`broker_log`]: the broker's refusals (its log exchange) as the domain's `Audit` events.
//! - [`link_actor`]: the supervised actor that runs the session and the broker log relay.
//! - [`transport`]: [`AmqpTransport`], the runtime's `Transport`.
//! - [`client`]: [`AmqpClient`], a node-less caller for the CLI.
//! - [`teardown`]: removing a domain's durable queues and exchanges from the broker.

#![warn(missing_docs)]

pub mod announcements;
pub mod broker_log;
pub mod brokers;
pub mod caller;
pub mod client;
pub mod config;
pub mod consumers;
pub mod dead_letters;
pub mod delivery;
pub mod error;
pub mod events;
pub mod link;
pub mod link_actor;
pub mod load;
pub mod properties;
pub mod redelivery;
pub mod replies;
pub mod report_order;
pub mod security;
pub mod server;
pub mod session;
pub mod settle;
pub mod state;
pub mod teardown;
pub mod topology;
pub mod transport;

pub use client::AmqpClient;
pub use config::{redact, user_of, AmqpConfig};
pub use error::{AmqpError, AmqpErrorKind};
pub use security::{LinkSecurity, Mechanism};
pub use transport::AmqpTransport;

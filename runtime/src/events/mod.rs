//! The event bus (DESIGN.md §5): XML events validated against their schemas when published
//! and when received, subscriptions as supervised actors with XPath filters, and the
//! supervision events published as XML.
//!
//! Data flow:
//! ```text
//! EventBus::publish(xml) → check (parse, envelope, XSD) ─invalid→ -32005 invalid_event
//!   → Transport::publish_event(RawEvent) → every subscribed node
//! Transport::subscribe_events → node/events/sub-N/receiver (SubscriptionActor)
//!   → check again ─invalid→ dropped, counted, logged → names + XPath filter → handler(&Event)
//! supervision broadcast → node/events/supervision → ActorStarted/… events on the bus
//! ```
//!
//! - `audit`: the `Audit` event of ACL decisions and the sink publishing it.
//! - [`bus`]: [`EventBus`], publish and subscribe.
//! - [`check`](mod@check): parsing and validation shared by both directions; the `-32005` error.
//! - [`schemas`]: built-in plus `events.schema_dirs` schemas, with their origins.
//! - [`event`]: [`Event`], what handlers receive.
//! - [`subscription`]: one subscription's state and counters.
//! - `subscription_handle`: the [`Subscription`] handle; dropping it unsubscribes;
//!   [`WhenActive`], a step run once it receives.
//! - `subscriber`: the subscription actor.
//! - `core`: what the bus, the subscription actors and `node/events` share.
//! - `subscription_tree`: one subscription's supervisor.
//! - `node_events`: the `node/events` subtree.
//! - `supervision_events`: supervision events as XML.
//! - [`counters`]: the bus counters behind `/metrics`.
//! - [`trusted`]: [`NODE_ONLY_EVENTS`], the events callers may not publish.

mod audit;
pub mod bus;
pub mod check;
mod core;
pub mod counters;
pub mod event;
mod node_events;
pub mod schemas;
mod subscriber;
pub mod subscription;
mod subscription_handle;
mod subscription_tree;
mod supervision_events;
pub mod trusted;

pub use audit::{audit_event_xml, audit_sink};
pub use bus::EventBus;
pub use check::{check, check_with, invalid_event, CheckedEvent};
pub use counters::EventCountersSnapshot;
pub use event::Event;
pub(crate) use node_events::events_child;
pub use schemas::EventSchemas;
pub use subscription::{EventHandler, SubscriptionInfo};
pub use subscription_handle::{Subscription, WhenActive};
pub use supervision_events::supervision_event_xml;
pub use trusted::{is_node_only, node_only_refusal, NODE_ONLY_EVENTS};

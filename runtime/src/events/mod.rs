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
//! - [`bus`]: [`EventBus`], publish and subscribe.
//! - [`check`]: parsing and validation shared by both directions; the `-32005` error.
//! - [`schemas`]: built-in plus `events.schema_dirs` schemas, with their origins.
//! - [`event`]: [`Event`], what handlers receive.
//! - [`subscription`]: [`Subscription`] handles and their shared state.
//! - [`subscriber`]: the subscription actor.
//! - [`supervisor`]: the `node/events` subtree.
//! - [`supervision_bridge`]: supervision events as XML.
//! - [`counters`]: the bus counters behind `/metrics`.

pub mod bus;
pub mod check;
pub mod counters;
pub mod event;
pub mod schemas;
mod subscriber;
pub mod subscription;
mod supervision_bridge;
mod supervisor;

pub use bus::EventBus;
pub use check::{check, invalid_event, CheckedEvent};
pub use counters::EventCountersSnapshot;
pub use event::Event;
pub use schemas::EventSchemas;
pub use subscription::{EventHandler, Subscription, SubscriptionInfo};
pub use supervision_bridge::supervision_event_xml;
pub(crate) use supervisor::events_child;

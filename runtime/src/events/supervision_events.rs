//! The supervision publisher (`node/events/supervision`, kind `bridge` in the actor tree): turns the node's supervision
//! broadcast (actor started, restarted, intensity exceeded, stopped) into the XML events
//! `ActorStarted`, `ActorRestarted`, `IntensityExceeded` and `ActorStopped` on the bus, so
//! every node and `clacks listen` see them. A lagging publisher skips (and logs) what it missed
//! instead of slowing the supervisors.

use actix::prelude::*;
use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;
use futures_util::stream::{self, Stream};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast::{self, error::RecvError};

use super::bus::EventBus;
use crate::call::unix_millis_now;
use crate::supervision::{
    ActorTable, ChildHandle, ChildSpec, EventSender, ExitGuard, RestartType, SupervisionEvent,
    TreeHandle,
};

/// The receiver handed to the first incarnation (subscribed before the node started).
pub(crate) type FirstReceiver = Arc<Mutex<Option<broadcast::Receiver<SupervisionEvent>>>>;

/// An actor path as the event schemas write it: `/node/plugins/core`.
fn schema_path(path: &str) -> String {
    format!("/{}", path.trim_start_matches('/'))
}

/// `ActorStopped` reasons of the schema, from the supervisor's words.
fn stop_reason(reason: &str) -> (&'static str, Option<&str>) {
    match reason {
        "normal exit" => ("normal", None),
        "shutdown" => ("shutdown", None),
        r if r.contains("by admin") || r == "removed" => ("requested", None),
        r => ("failed", Some(r)),
    }
}

/// The XML event for one supervision event on `node`.
pub fn supervision_event_xml(node: &str, event: &SupervisionEvent, table: &ActorTable) -> String {
    let kind_of = |path: &str| table.kind(path).unwrap_or_else(|| "actor".to_owned());
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    match event {
        SupervisionEvent::ActorStarted { path, kind } => {
            w.start("ActorStarted");
            w.leaf("Node", node)
                .leaf("Path", &schema_path(path))
                .leaf("Kind", kind);
            w.leaf("Restarts", &table.restarts_in_window(path).to_string());
        }
        SupervisionEvent::ActorRestarted {
            path,
            reason,
            restarts,
        } => {
            w.start("ActorRestarted");
            w.leaf("Node", node)
                .leaf("Path", &schema_path(path))
                .leaf("Kind", &kind_of(path));
            w.leaf("Reason", reason)
                .leaf("Restarts", &restarts.to_string());
        }
        SupervisionEvent::IntensityExceeded {
            path,
            restarts,
            period_ms,
            reason,
        } => {
            w.start("IntensityExceeded");
            w.leaf("Node", node)
                .leaf("Path", &schema_path(path))
                .leaf("Kind", &kind_of(path));
            w.leaf("Restarts", &restarts.to_string())
                .leaf("WindowMs", &period_ms.to_string());
            w.leaf("LastError", reason);
        }
        SupervisionEvent::ActorStopped { path, reason } => {
            w.start("ActorStopped");
            w.leaf("Node", node)
                .leaf("Path", &schema_path(path))
                .leaf("Kind", &kind_of(path));
            let (word, last_error) = stop_reason(reason);
            w.leaf("Reason", word);
            if let Some(error) = last_error {
                w.leaf("LastError", error);
            }
            w.leaf("Restarts", &table.restarts_in_window(path).to_string());
        }
    }
    w.leaf(
        "Timestamp",
        &timestamp::from_unix_millis(unix_millis_now() as i64),
    );
    w.finish()
}

struct SupervisionPublisher {
    node: Arc<str>,
    bus: EventBus,
    table: ActorTable,
    receiver: Option<broadcast::Receiver<SupervisionEvent>>,
    _guard: ExitGuard,
}

#[derive(Message)]
#[rtype(result = "()")]
struct StopPublisher;

fn events(
    node: Arc<str>,
    receiver: broadcast::Receiver<SupervisionEvent>,
) -> impl Stream<Item = SupervisionEvent> {
    stream::unfold(receiver, move |mut rx| {
        let node = node.clone();
        async move {
            loop {
                match rx.recv().await {
                    Ok(event) => return Some((event, rx)),
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(node = %node, missed, "supervision publisher lagged; events skipped");
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    })
}

impl Actor for SupervisionPublisher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some(rx) = self.receiver.take() {
            ctx.add_stream(events(self.node.clone(), rx));
        }
    }
}

impl StreamHandler<SupervisionEvent> for SupervisionPublisher {
    fn handle(&mut self, event: SupervisionEvent, _ctx: &mut Context<Self>) {
        let xml = supervision_event_xml(&self.node, &event, &self.table);
        if let Err(err) = self.bus.publish_detached(&xml) {
            tracing::warn!(node = %self.node, error = %err, "supervision event not published");
        }
    }
}

impl Handler<StopPublisher> for SupervisionPublisher {
    type Result = ();

    fn handle(&mut self, _: StopPublisher, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// The publisher child; its first incarnation uses `first`, later ones subscribe anew.
pub(crate) fn publisher_child(
    bus: &EventBus,
    tree: &TreeHandle,
    first: FirstReceiver,
) -> ChildSpec {
    let name: Arc<str> = Arc::from(bus.node());
    let bus = bus.clone();
    let table = tree.table().clone();
    let sender: EventSender = tree.event_sender().clone();
    ChildSpec::new(
        "supervision",
        "bridge",
        RestartType::Permanent,
        move |link| {
            let receiver = first
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .unwrap_or_else(|| sender.subscribe());
            let addr = SupervisionPublisher {
                node: name.clone(),
                bus: bus.clone(),
                table: table.clone(),
                receiver: Some(receiver),
                _guard: link.into_guard(),
            }
            .start();
            Ok(ChildHandle::new(move || addr.do_send(StopPublisher)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supervision_event_becomes_a_valid_xml_event() {
        let schemas = clacks_xml::SchemaSet::builtin().unwrap();
        let table = ActorTable::default();
        table.starting(
            "node/plugins/p",
            "supervisor",
            std::time::Duration::from_secs(5),
            None,
        );
        let events = [
            SupervisionEvent::ActorStarted {
                path: "node/plugins/p".into(),
                kind: "supervisor".into(),
            },
            SupervisionEvent::ActorRestarted {
                path: "node/plugins/p".into(),
                reason: "panic <&>".into(),
                restarts: 2,
            },
            SupervisionEvent::IntensityExceeded {
                path: "node/plugins/p".into(),
                restarts: 6,
                period_ms: 5000,
                reason: "boom".into(),
            },
            SupervisionEvent::ActorStopped {
                path: "node/plugins/p".into(),
                reason: "shutdown".into(),
            },
            SupervisionEvent::ActorStopped {
                path: "node".into(),
                reason: "start failed: x".into(),
            },
        ];
        for event in &events {
            let xml = supervision_event_xml("n1", event, &table);
            let doc = clacks_xml::Document::parse(&xml).unwrap();
            if let Err(e) = schemas.validate_event(&doc) {
                panic!("{xml}: {e}");
            }
        }
    }
}

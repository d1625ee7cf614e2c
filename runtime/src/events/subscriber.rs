//! The subscription actor (`node/events/sub-N/receiver`): takes events from the transport's
//! receiver, validates each (small ones on its own thread, big ones on a blocking worker so the
//! event thread keeps moving), drops and counts invalid ones with a rate-limited warning,
//! applies the subscription's names and XPath filter, and calls the handler under
//! `catch_unwind`: a panicking handler loses only its event, and its supervisor restarts the
//! actor, which picks the same receiver up again.

use actix::fut::{wrap_future, ActorFutureExt};
use actix::prelude::*;
use futures_util::stream::{self, Stream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::check::{check_with, CheckedEvent};
use super::core::BusCore;
use super::counters::bump;
use super::event::Event;
use super::subscription::SubscriptionShared;
use crate::supervision::panic_message;
use crate::supervision::ExitGuard;
use crate::transport::RawEvent;

/// How often an invalid-event warning may be logged per subscription.
const WARN_EVERY: Duration = Duration::from_secs(1);

pub(crate) struct SubscriptionActor {
    core: Arc<BusCore>,
    shared: Arc<SubscriptionShared>,
    guard: ExitGuard,
    last_warning: Option<Instant>,
    suppressed: u64,
}

#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct StopSubscription;

type Item = Result<RawEvent, String>;

/// The transport's events as a stream; subscribes anew when the receiver is missing.
fn receive(core: Arc<BusCore>, shared: Arc<SubscriptionShared>) -> impl Stream<Item = Item> {
    stream::unfold(Some((core, shared)), |state| async move {
        let (core, shared) = state?;
        let mut slot = shared.receiver.clone().lock_owned().await;
        if slot.is_none() {
            match core
                .transport
                .subscribe_events(&core.node, &shared.names)
                .await
            {
                Ok(rx) => *slot = Some(rx),
                Err(e) => return Some((Err(format!("cannot subscribe: {e}")), None)),
            }
        }
        shared.active.store(true, Ordering::Relaxed);
        let next = match slot.as_mut() {
            Some(rx) => rx.recv().await,
            None => None,
        };
        match next {
            Some(event) => {
                drop(slot);
                Some((Ok(event), Some((core, shared))))
            }
            None => {
                *slot = None;
                Some((
                    Err("the transport closed the event stream".to_owned()),
                    None,
                ))
            }
        }
    })
}

impl SubscriptionActor {
    pub(crate) fn new(
        core: Arc<BusCore>,
        shared: Arc<SubscriptionShared>,
        guard: ExitGuard,
    ) -> Self {
        SubscriptionActor {
            core,
            shared,
            guard,
            last_warning: None,
            suppressed: 0,
        }
    }

    fn invalid(&mut self, raw: &RawEvent, err: &clacks_xml::Error) {
        bump(&self.shared.counters.invalid);
        let now = Instant::now();
        if self
            .last_warning
            .is_some_and(|t| now.duration_since(t) < WARN_EVERY)
        {
            self.suppressed += 1;
            return;
        }
        tracing::warn!(node = %self.core.node, subscription = %self.shared.id, event = %raw.name,
            origin = ?raw.origin, error = ?err.to_string(), suppressed = self.suppressed,
            "invalid event received; dropped");
        self.last_warning = Some(now);
        self.suppressed = 0;
    }

    fn deliver(
        &mut self,
        raw: RawEvent,
        checked: clacks_xml::Result<CheckedEvent>,
        ctx: &mut Context<Self>,
    ) {
        let checked = match checked {
            Ok(c) => c,
            Err(err) => return self.invalid(&raw, &err),
        };
        // The origin is written into SSE frames (and, escaped, into logs): a control character in it (a forged
        // AMQP app_id with a line break) could inject fields, so such an event is refused.
        if raw.origin.chars().any(char::is_control) {
            let err = clacks_xml::Error::new(
                clacks_xml::ErrorKind::Invalid,
                format!("origin {:?} holds control characters", raw.origin),
            );
            return self.invalid(&raw, &err);
        }
        let shared = self.shared.clone();
        if !shared.names.is_empty() && !shared.names.contains(&checked.name) {
            bump(&shared.counters.filtered);
            return;
        }
        let event = Event {
            name: checked.name,
            origin: raw.origin,
            xml: raw.xml,
            document: checked.document,
        };
        let budget = self.core.xpath_budget;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if let Some(filter) = &shared.filter {
                // Over the budget means "does not match": the event is counted as filtered.
                let root = event.document.root();
                if !filter.matches_within(root, budget).unwrap_or(false) {
                    return false;
                }
            }
            (shared.handler)(&event);
            true
        }));
        match outcome {
            Ok(true) => {
                bump(&shared.counters.delivered);
            }
            Ok(false) => {
                bump(&shared.counters.filtered);
            }
            Err(payload) => {
                let reason = panic_message(&*payload);
                bump(&shared.counters.panics);
                tracing::error!(node = %self.core.node, subscription = %shared.id,
                    event = %event.name, reason = %reason,
                    "event handler panicked; restarting the subscription");
                self.guard
                    .fail(format!("handler panicked on {}: {reason}", event.name));
                ctx.stop();
            }
        }
    }
}

/// Runs `check` and turns a validator panic into an error, so no input can take a thread down.
/// An event that this very schema set validated at publish, in this process, is only parsed:
/// validating the same bytes against the same schemas again cannot change the verdict.
fn guarded_check(
    xml: &str,
    checked_by: Option<usize>,
    core: &BusCore,
) -> clacks_xml::Result<CheckedEvent> {
    let validate = core.validate && checked_by != Some(core.schemas.identity());
    catch_unwind(AssertUnwindSafe(|| {
        check_with(xml, core.schemas.set(), validate, &core.limits)
    }))
    .unwrap_or_else(|payload| {
        Err(clacks_xml::Error::new(
            clacks_xml::ErrorKind::Invalid,
            format!("validator panicked: {}", panic_message(&*payload)),
        ))
    })
}

impl Actor for SubscriptionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.add_stream(receive(self.core.clone(), self.shared.clone()));
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.shared.active.store(false, Ordering::Relaxed);
    }
}

impl StreamHandler<Item> for SubscriptionActor {
    fn handle(&mut self, item: Item, ctx: &mut Context<Self>) {
        let raw = match item {
            Ok(raw) => raw,
            Err(reason) => {
                self.guard.fail(reason);
                ctx.stop();
                return;
            }
        };
        bump(&self.shared.counters.received);
        if raw.xml.len() < self.core.offload_bytes {
            let checked = guarded_check(&raw.xml, raw.checked_by, &self.core);
            self.deliver(raw, checked, ctx);
            return;
        }
        // A big event: validate on a blocking worker; ctx.wait keeps the order of events.
        let core = self.core.clone();
        let (xml, checked_by) = (raw.xml.clone(), raw.checked_by);
        let work = async move {
            tokio::task::spawn_blocking(move || guarded_check(&xml, checked_by, &core))
                .await
                .unwrap_or_else(|e| {
                    Err(clacks_xml::Error::new(
                        clacks_xml::ErrorKind::Invalid,
                        format!("validation worker failed: {e}"),
                    ))
                })
        };
        ctx.wait(wrap_future(work).map(move |checked, act: &mut Self, ctx| {
            act.deliver(raw, checked, ctx);
        }));
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<StopSubscription> for SubscriptionActor {
    type Result = ();

    fn handle(&mut self, _: StopSubscription, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

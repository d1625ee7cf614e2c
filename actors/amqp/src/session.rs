//! One node's life on the broker: connect, declare the topology, start the reply consumer,
//! the membership consumer, one server per plugin and one consumer per event subscriber,
//! announce, then watch the connection. When anything fails the session ends, calls waiting on
//! its reply queue fail at once, and [`run`] reconnects with back-off and rebuilds everything
//! (lapin's own recovery is not relied on). A clean shutdown sends `NodeLeave` first.

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::Event as LinkEvent;
use lapin::{Connection, ConnectionProperties};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

use clacks_runtime::transport::RawEvent;

use super::direct_consumer::DirectConsumer;
use super::membership::{self, Reaction, MEMBERSHIP_EVENTS};
use super::shared::{Link, Shared};
use super::{caller, events, server, topology};

/// Why a session ended.
#[derive(Debug)]
pub enum SessionError {
    /// The broker or the connection failed.
    Amqp(lapin::Error),
    /// A consumer the session needs has ended.
    Ended(&'static str),
}

impl From<lapin::Error> for SessionError {
    fn from(e: lapin::Error) -> Self {
        SessionError::Amqp(e)
    }
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::Amqp(e) => write!(f, "{e}"),
            SessionError::Ended(what) => write!(f, "{what} ended"),
        }
    }
}

/// Runs sessions until the node leaves, reconnecting with back-off.
pub async fn run(shared: Arc<Shared>) {
    let config = shared.config.clone();
    let mut backoff = config.reconnect_min;
    let mut generation = 0u64;
    loop {
        generation += 1;
        let started = Instant::now();
        let outcome = session(&shared, generation).await;
        shared.link.send_replace(None);
        shared.joined.send_replace(0);
        caller::fail_pending(&shared, generation, "the connection to the broker was lost");
        if shared.leaving.load(Ordering::SeqCst) {
            tracing::info!(node = %config.node, "left the domain; AMQP session closed");
            return;
        }
        if started.elapsed() > Duration::from_secs(10) {
            backoff = config.reconnect_min;
        }
        match outcome {
            Ok(()) => tracing::warn!(node = %config.node, "AMQP session ended; reconnecting"),
            Err(e) => tracing::error!(node = %config.node, url = %config.redacted_url(),
                error = %e, retry_in_ms = backoff.as_millis() as u64,
                "AMQP connection failed; reconnecting"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(config.reconnect_max);
    }
}

async fn publish_membership(shared: &Shared, name: &str, xml: String) {
    if let Err(e) = events::publish(shared, name, &shared.config.node, &xml).await {
        tracing::warn!(node = %shared.config.node, event = name, error = %e, "membership event not sent");
    }
}

async fn session(shared: &Arc<Shared>, generation: u64) -> Result<(), SessionError> {
    let config = &shared.config;
    let props = ConnectionProperties::default()
        .with_connection_name(format!("clacks {} {}", config.domain, config.node).into());
    let connection = Arc::new(Connection::connect(&config.url, props).await?);
    let mut link_events = connection.events_listener();
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    topology::declare_domain(&channel, &shared.names).await?;
    let mut tasks: JoinSet<Result<(), SessionError>> = JoinSet::new();

    let reply_channel = connection.create_channel().await?;
    let reply_queue = shared.names.reply_queue(&config.node);
    topology::declare_exclusive(&reply_channel, &reply_queue).await?;
    let replies = reply_channel
        .basic_consume(
            reply_queue.as_str().into(),
            format!("{}.replies", config.node).as_str().into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    let for_replies = shared.clone();
    let mut replies = DirectConsumer::new(replies, move |delivery| {
        caller::on_reply(&for_replies, delivery)
    });
    tasks.spawn(async move {
        replies.ended().await?;
        Err(SessionError::Ended("the reply consumer"))
    });
    shared.link.send_replace(Some(Link {
        connection: connection.clone(),
        channel: channel.clone(),
        reply_to: reply_queue,
        generation,
        runtime: tokio::runtime::Handle::current(),
    }));

    // Membership: our queue for the four membership events.
    let member_channel = connection.create_channel().await?;
    let member_queue = shared.names.event_queue(&config.node);
    let member_names: Vec<String> = MEMBERSHIP_EVENTS.iter().map(|s| (*s).to_owned()).collect();
    topology::declare_event_queue(&member_channel, &shared.names, &member_queue, &member_names)
        .await?;
    let mut members = member_channel
        .basic_consume(
            member_queue.as_str().into(),
            format!("{}.membership", config.node).as_str().into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;

    // The local node attaches while the node starts; everything below serves it.
    let mut local_watch = shared.local.subscribe();
    let local = loop {
        if let Some(local) = local_watch.borrow_and_update().clone() {
            break local;
        }
        if local_watch.changed().await.is_err() {
            return Err(SessionError::Ended("the node"));
        }
    };
    // Queues exist before we announce, so a call_on right after our announce has a route.
    for plugin in local.plugins.keys() {
        topology::declare_plugin(&channel, &shared.names, plugin, &config.node).await?;
    }
    let mut opened = Vec::new();
    for (plugin, handle) in &local.plugins {
        let (ready, is_ready) = tokio::sync::oneshot::channel();
        let task = server::serve_plugin(
            shared.clone(),
            connection.clone(),
            plugin.clone(),
            handle.clone(),
            ready,
        );
        tasks.spawn(task);
        opened.push(is_ready);
    }
    for is_ready in opened {
        if is_ready.await.is_err() {
            // Its task ended before its consumers opened: the join below reports why.
            if let Some(Ok(Err(e))) = tasks.join_next().await {
                return Err(e);
            }
            return Err(SessionError::Ended("a plugin server"));
        }
    }
    let for_members = shared.clone();
    let members_local = local.clone();
    tasks.spawn(async move {
        while let Some(delivery) = members.next().await {
            let delivery = delivery?;
            match membership::apply(&for_members, &delivery.data) {
                Reaction::None => {}
                Reaction::SendCapabilities => {
                    let caps = membership::capabilities(&members_local);
                    publish_membership(&for_members, "NodeCapabilities", caps).await;
                }
                Reaction::Reannounce => {
                    let announce = membership::announce(&for_members.config.node);
                    publish_membership(&for_members, "NodeAnnounce", announce).await;
                }
            }
        }
        Err(SessionError::Ended("the membership consumer"))
    });
    publish_membership(shared, "NodeCapabilities", membership::capabilities(&local)).await;
    publish_membership(shared, "NodeAnnounce", membership::announce(&config.node)).await;
    // We heard nobody while we were disconnected: do not evict the others for our own outage.
    shared
        .membership
        .touch_all(clacks_runtime::call::unix_millis_now());
    let for_status = shared.clone();
    let status_local = local.clone();
    tasks.spawn(async move {
        let mut tick = tokio::time::interval(for_status.config.status_interval);
        loop {
            tick.tick().await;
            let status = membership::status(&for_status, &status_local);
            publish_membership(&for_status, "NodeStatus", status).await;
            membership::evict(&for_status);
        }
    });
    shared.joined.send_replace(generation);
    tracing::info!(node = %config.node, domain = %config.domain, url = %config.redacted_url(),
        generation, "joined the domain over AMQP");

    let mut subscribers_seen = 0usize;
    let mut new_subscribers = shared.new_subscribers.subscribe();
    loop {
        // Start consumers for subscribers added since we last looked (all, after a reconnect).
        type Fresh = (
            Vec<String>,
            tokio::sync::mpsc::Sender<RawEvent>,
            Option<tokio::sync::oneshot::Sender<()>>,
        );
        let fresh: Vec<Fresh> = shared
            .subscribers()
            .iter_mut()
            .skip(subscribers_seen)
            .map(|s| (s.names.clone(), s.tx.clone(), s.ready.take()))
            .collect();
        subscribers_seen += fresh.len();
        for (names, tx, ready) in fresh {
            if !tx.is_closed() {
                tasks.spawn(events::consume_for(
                    shared.clone(),
                    connection.clone(),
                    names,
                    tx,
                    ready,
                ));
            }
        }
        tokio::select! {
            event = link_events.next() => match event {
                Some(LinkEvent::Error(e)) => return Err(SessionError::Amqp(e)),
                Some(_) => {}
                None => return Err(SessionError::Ended("the connection")),
            },
            done = tasks.join_next() => match done {
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) if e.is_panic() => {
                    tracing::error!(node = %config.node, error = %e, "AMQP task panicked");
                    return Err(SessionError::Ended("a panicking task"));
                }
                _ => {}
            },
            _ = new_subscribers.changed() => {}
            _ = shared.leave.notified() => {
                publish_membership(shared, "NodeLeave", membership::leave(&config.node)).await;
                tasks.abort_all();
                let _ = connection.close(200, "node leaving".into()).await;
                return Ok(());
            }
        }
    }
}

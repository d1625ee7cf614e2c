//! One node's life on the broker: connect, declare the topology, start the reply consumer,
//! the membership consumer, one server per plugin and one consumer per event subscriber,
//! announce, then watch the connection. When anything fails the session ends, calls waiting on
//! its reply queue fail at once, and [`run`] reconnects with back-off and rebuilds everything
//! (lapin's own recovery is not relied on). A clean shutdown sends `NodeLeave` first.
//!
//! ```text
//! run: loop { session → on end: clear link, fail pending calls, back off }
//! session: connect → open_replies → open_membership → local_node → serve_plugins
//!          → start_membership → announce → start_status → joined → watch
//! ```

use futures_util::StreamExt;
use lapin::options::ConfirmSelectOptions;
use lapin::Event as LinkEvent;
use lapin::{Connection, ConnectionProperties, Consumer};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

use clacks_runtime::call::unix_millis_now;
use clacks_runtime::transport::LocalNode;

use super::announcements::{self, Reaction, MEMBERSHIP_EVENTS};
use super::consumers::consume_no_ack;
use super::error::{AmqpError, AmqpErrorKind};
use super::link::Link;
use super::properties;
use super::state::NodeState;
use super::{brokers, server, topology};

/// The tasks of one session; the first to end ends the session.
type Tasks = JoinSet<Result<(), AmqpError>>;

fn ended(what: &'static str) -> AmqpError {
    AmqpError::new(AmqpErrorKind::Ended(what))
}

/// Runs sessions until the node leaves, reconnecting with back-off.
pub async fn run(state: Arc<NodeState>) {
    let config = state.config.clone();
    let mut backoff = config.reconnect_min;
    let mut generation = 0u64;
    let mut joined_once = false;
    // The broker address the next session tries first (after the one it last reached).
    let mut next_address = 0usize;
    loop {
        generation += 1;
        let started = Instant::now();
        let outcome = session(&state, generation, &mut next_address).await;
        joined_once |= state.link.has_joined(generation);
        state.link.set(None);
        state
            .caller
            .fail_pending(generation, "the connection to the broker was lost");
        if state.link.leaving() {
            state.link.set_left();
            tracing::info!(node = %config.node, "left the domain; AMQP session closed");
            return;
        }
        if started.elapsed() > Duration::from_secs(10) {
            backoff = config.reconnect_min;
        }
        if let Err(e) = &outcome {
            // Credentials the broker refuses before the node ever joined are a configuration
            // error: retrying cannot help, and the operator must be told (exit 2). Once the
            // node has served, a refusal may be a rotation in progress: keep retrying.
            if !e.can_be_recovered() && !joined_once {
                tracing::error!(node = %config.node, url = %config.redacted_url(), error = %e,
                    "the broker refused this node; not retrying");
                state.link.set_refused(format!(
                    "the broker at {} refused the node: {e}",
                    config.redacted_url()
                ));
                state.link.set_left();
                return;
            }
        }
        match outcome {
            Ok(()) => tracing::warn!(node = %config.node, "AMQP session ended; reconnecting"),
            Err(e) => tracing::error!(node = %config.node, url = %config.redacted_url(),
                error = %e, retry_in_ms = backoff.as_millis() as u64,
                "AMQP connection failed; reconnecting"),
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = state.link.leave_requested() => {
                state.link.set_left();
                tracing::info!(node = %config.node, "left the domain while disconnected");
                return;
            }
        }
        backoff = (backoff * 2).min(config.reconnect_max);
    }
}

async fn publish_membership(state: &NodeState, name: &str, xml: String) {
    let node = &state.config.node;
    if let Err(e) = state.events.publish(name, node, &xml).await {
        tracing::warn!(node = %node, event = name, error = %e, "membership event not sent");
    }
}

async fn session(
    state: &Arc<NodeState>,
    generation: u64,
    next_address: &mut usize,
) -> Result<(), AmqpError> {
    let mut tasks = Tasks::new();
    let mut servers = Tasks::new();
    let (connection, at) = connect(state, *next_address).await?;
    *next_address = at + 1;
    let mut link_events = connection.events_listener();
    open_replies(state, &connection, generation, &mut tasks).await?;
    let members = open_membership(state, &connection).await?;
    let local = local_node(state).await?;
    serve_plugins(state, &connection, &local, &mut servers).await?;
    start_membership(state, members, local.clone(), &mut tasks);
    announce(state, &local).await;
    start_status(state, local, &mut tasks);
    state.link.set_joined(generation);
    let config = &state.config;
    tracing::info!(node = %config.node, domain = %config.domain,
        url = %super::config::redact(&config.urls[at]), generation, "joined the domain over AMQP");

    let mut subscribers_seen = 0usize;
    let mut added = state.events.watch_added();
    loop {
        // Start consumers for subscribers added since we last looked (all, after a reconnect).
        let (fresh, seen) = state.events.take_new(subscribers_seen);
        subscribers_seen = seen;
        for subscriber in fresh {
            tasks.spawn(
                state
                    .events
                    .clone()
                    .consume_for(connection.clone(), subscriber),
            );
        }
        tokio::select! {
            event = link_events.next() => match event {
                Some(LinkEvent::Error(e)) => return Err(e.into()),
                Some(_) => {}
                None => return Err(ended("the connection")),
            },
            done = tasks.join_next() => match done {
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) if e.is_panic() => {
                    tracing::error!(node = %config.node, error = %e, "AMQP task panicked");
                    return Err(ended("a panicking task"));
                }
                _ => {}
            },
            _ = added.changed() => {}
            () = state.link.leave_requested() => {
                drain(state, &mut servers).await;
                publish_membership(state, "NodeLeave", announcements::leave(&config.node)).await;
                tasks.abort_all();
                let _ = connection.close(200, "node leaving".into()).await;
                return Ok(());
            }
            done = servers.join_next(), if !servers.is_empty() => match done {
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) if e.is_panic() => return Err(ended("a panicking plugin server")),
                _ => {}
            },
        }
    }
}

/// A clean leave, before `NodeLeave`: the plugin servers cancel their consumers and take
/// what was already pushed to them (handing it back unprocessed), then calls in progress
/// finish and are acked; all within `amqp.shutdown_grace` (each call is also bounded by its
/// deadline). What is still unacked after that goes back to the broker when the connection
/// closes.
async fn drain(state: &NodeState, servers: &mut Tasks) {
    let grace = state.config.shutdown_grace;
    let started = Instant::now();
    let servers_done = async { while servers.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, servers_done).await.is_err() {
        tracing::warn!(node = %state.config.node, "plugin servers still draining at the end of the grace");
    }
    let left = grace.saturating_sub(started.elapsed());
    if !state.settle.idle(left).await {
        tracing::warn!(node = %state.config.node, "calls still in progress at the end of the grace; the broker delivers them again");
    }
}

/// Connects to the first broker address that answers, from address `start` on (see
/// [`brokers`]); returns the connection and its address's index.
async fn connect(state: &NodeState, start: usize) -> Result<(Arc<Connection>, usize), AmqpError> {
    let config = &state.config;
    let props = ConnectionProperties::default()
        .with_connection_name(format!("clacks {} {}", config.domain, config.node).into());
    let (connection, at) =
        brokers::connect_any(&config.urls, start, config.connect_timeout(), |url| {
            let props = props.clone();
            let security = &config.security;
            let url = config.connection_url(&url);
            async move { security.connect(&url, props).await }
        })
        .await?;
    Ok((Arc::new(connection), at))
}

/// The reply queue and its consumer (replies are routed by the calls waiting for them); once
/// it runs, the link is published for callers.
async fn open_replies(
    state: &Arc<NodeState>,
    connection: &Arc<Connection>,
    generation: u64,
    tasks: &mut Tasks,
) -> Result<(), AmqpError> {
    let node = &state.config.node;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    topology::declare_domain(&channel, &state.names, state.config.quorum).await?;
    let reply_channel = connection.create_channel().await?;
    let reply_queue = state.names.reply_queue(node);
    topology::declare_exclusive(&reply_channel, &reply_queue).await?;
    let replies = consume_no_ack(&reply_channel, &reply_queue, &format!("{node}.replies")).await?;
    let mut replies = state.caller.attach_replies(generation, replies);
    tasks.spawn(async move {
        replies.ended().await?;
        Err(ended("the reply consumer"))
    });
    state.link.set(Some(Link {
        connection: connection.clone(),
        channel,
        reply_to: reply_queue,
        generation,
        runtime: tokio::runtime::Handle::current(),
    }));
    Ok(())
}

/// Our queue for the four membership events, bound and consumed (applied later).
async fn open_membership(
    state: &NodeState,
    connection: &Connection,
) -> Result<Consumer, AmqpError> {
    let node = &state.config.node;
    let channel = connection.create_channel().await?;
    let queue = state.names.event_queue(node);
    let names: Vec<String> = MEMBERSHIP_EVENTS.iter().map(|s| (*s).to_owned()).collect();
    topology::declare_event_queue(&channel, &state.names, &queue, &names).await?;
    Ok(consume_no_ack(&channel, &queue, &format!("{node}.membership")).await?)
}

/// The local node: it attaches while the node starts; everything after this serves it.
async fn local_node(state: &NodeState) -> Result<LocalNode, AmqpError> {
    let mut local = state.local.subscribe();
    loop {
        if let Some(node) = local.borrow_and_update().clone() {
            return Ok(node);
        }
        if local.changed().await.is_err() {
            return Err(ended("the node"));
        }
    }
}

/// Declares every plugin's queues (before we announce, so a `call_on` right after the announce
/// has a route) and starts one server per plugin; returns once all consumers are open.
async fn serve_plugins(
    state: &Arc<NodeState>,
    connection: &Arc<Connection>,
    local: &LocalNode,
    tasks: &mut Tasks,
) -> Result<(), AmqpError> {
    let Some(link) = state.link.current() else {
        return Err(ended("the link"));
    };
    for plugin in local.plugins.keys() {
        let (node, quorum) = (&state.config.node, state.config.quorum);
        topology::declare_plugin(&link.channel, &state.names, plugin, node, quorum).await?;
    }
    let mut opened = Vec::new();
    for (plugin, handle) in &local.plugins {
        let (ready, is_ready) = tokio::sync::oneshot::channel();
        tasks.spawn(server::serve_plugin(
            state.clone(),
            connection.clone(),
            plugin.clone(),
            handle.clone(),
            ready,
        ));
        opened.push(is_ready);
    }
    for is_ready in opened {
        if is_ready.await.is_err() {
            // Its task ended before its consumers opened: the join says why.
            if let Some(Ok(Err(e))) = tasks.join_next().await {
                return Err(e);
            }
            return Err(ended("a plugin server"));
        }
    }
    Ok(())
}

/// Applies membership events as they come, answering newcomers with our capabilities.
fn start_membership(
    state: &Arc<NodeState>,
    mut members: Consumer,
    local: LocalNode,
    tasks: &mut Tasks,
) {
    let state = state.clone();
    tasks.spawn(async move {
        while let Some(delivery) = members.next().await {
            let delivery = delivery?;
            let publisher = properties::text(delivery.properties.user_id());
            if !state.config.may_publish_node_events(publisher) {
                tracing::warn!(node = %state.config.node, user = ?publisher,
                    event = %delivery.routing_key, "membership event from an account that is not a node's; ignored");
                continue;
            }
            match announcements::apply(&state, &delivery.data) {
                Reaction::None => {}
                Reaction::SendCapabilities => {
                    let caps = announcements::capabilities(&local);
                    publish_membership(&state, "NodeCapabilities", caps).await;
                    let plugins = announcements::plugins(&local, state.reports.next());
                    publish_membership(&state, "NodePlugins", plugins).await;
                }
                Reaction::Reannounce => {
                    let announce = announcements::announce(&state.config.node);
                    publish_membership(&state, "NodeAnnounce", announce).await;
                }
            }
        }
        Err(ended("the membership consumer"))
    });
}

/// Tells the domain who we are and what we serve.
async fn announce(state: &NodeState, local: &LocalNode) {
    let node = &state.config.node;
    publish_membership(
        state,
        "NodeCapabilities",
        announcements::capabilities(local),
    )
    .await;
    publish_membership(
        state,
        "NodePlugins",
        announcements::plugins(local, state.reports.next()),
    )
    .await;
    publish_membership(state, "NodeAnnounce", announcements::announce(node)).await;
    // We heard nobody while we were disconnected: do not evict the others for our own outage.
    state.membership.touch_all(unix_millis_now());
}

/// `NodeStatus` and `NodePlugins` every `amqp.status_interval` (a lost one is repaired by the
/// next), `NodePlugins` at once when a plugin's status changes, and eviction of silent nodes.
fn start_status(state: &Arc<NodeState>, local: LocalNode, tasks: &mut Tasks) {
    let state = state.clone();
    let (changed_tx, mut changed) = tokio::sync::mpsc::channel::<()>(1);
    for handle in local.plugins.values() {
        let (mut watch, tx) = (handle.watch_status(), changed_tx.clone());
        tasks.spawn(async move {
            while watch.changed().await.is_some() {
                let _ = tx.try_send(());
            }
            Ok(())
        });
    }
    tasks.spawn(async move {
        let mut tick = tokio::time::interval(state.config.status_interval);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let status = announcements::status(&state, &local);
                    publish_membership(&state, "NodeStatus", status).await;
                    announcements::evict(&state);
                }
                Some(()) = changed.recv() => {}
            }
            announcements::refresh_own(&state);
            publish_membership(
                &state,
                "NodePlugins",
                announcements::plugins(&local, state.reports.next()),
            )
            .await;
        }
    });
}

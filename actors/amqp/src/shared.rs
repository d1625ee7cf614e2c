//! State shared by the AMQP transport's front (the [`Transport`](clacks_runtime::transport::Transport)
//! methods, called from any thread) and its bridge (the session running on the bridge's
//! arbiter): the current link to the broker, the calls waiting for replies, the membership view,
//! the local node, and the event subscribers.

use clacks_runtime::codec::wire::{self, BodyCodec};
use clacks_runtime::config::Settings;
use clacks_runtime::membership::Membership;
use clacks_runtime::transport::{LocalNode, RawEvent};
use clacks_runtime::NodeHandle;
use lapin::{Channel, Connection};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

use super::caller::PendingReply;
use super::topology::Names;

/// AMQP settings of one node.
#[derive(Debug, Clone)]
pub struct AmqpConfig {
    /// Broker URL (the password is never logged).
    pub url: String,
    /// The user in the URL: every message's `user_id`.
    pub user: String,
    /// Domain.
    pub domain: String,
    /// This node.
    pub node: String,
    /// Prefetch per plugin queue.
    pub prefetch: u16,
    /// NodeStatus period.
    pub status_interval: Duration,
    /// Silence before eviction.
    pub eviction: Duration,
    /// Deliveries before dead-lettering.
    pub max_deliveries: u32,
    /// Reconnection back-off start.
    pub reconnect_min: Duration,
    /// Reconnection back-off cap.
    pub reconnect_max: Duration,
    /// Encoding of the calls this node sends (JSON or bincode); replies come in the
    /// request's, and both are read.
    pub codec: &'static dyn BodyCodec,
}

impl AmqpConfig {
    /// The AMQP settings of `settings` for node `node`; `None` when no broker is configured.
    pub fn from_settings(settings: &Settings, node: &str) -> Option<AmqpConfig> {
        let url = settings.amqp.url.trim();
        if url.is_empty() {
            return None;
        }
        Some(AmqpConfig {
            url: url.to_owned(),
            user: user_of(url),
            domain: settings.node.domain.clone(),
            node: node.to_owned(),
            prefetch: settings.amqp.prefetch,
            status_interval: Settings::seconds(settings.amqp.status_interval),
            eviction: Settings::seconds(settings.amqp.eviction),
            max_deliveries: settings.amqp.max_deliveries,
            reconnect_min: Settings::seconds(settings.amqp.reconnect_min),
            reconnect_max: Settings::seconds(settings.amqp.reconnect_max),
            codec: wire::by_name(&settings.amqp.codec).unwrap_or(&wire::JsonCodec),
        })
    }

    /// The URL with its password hidden, for logs and messages.
    pub fn redacted_url(&self) -> String {
        redact(&self.url)
    }
}

/// The user part of an AMQP URL (`guest` when absent, as the broker assumes).
pub fn user_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            percent_decode(user)
        }
        None => "guest".to_owned(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `amqp://user:***@host/vhost`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}/{path}")
        }
        None => url.to_owned(),
    }
}

/// The live connection of one session.
#[derive(Clone)]
pub struct Link {
    /// The connection (channels for new consumers come from here).
    pub connection: Arc<Connection>,
    /// The publishing channel, in confirm mode.
    pub channel: Channel,
    /// This connection's reply queue.
    pub reply_to: String,
    /// Which session (calls waiting on an older one's reply queue have failed).
    pub generation: u64,
    /// The session's runtime (the bridge's thread), where lapin runs its own work (acks go
    /// through it): confirm-then-ack tails run here, next to it.
    pub runtime: tokio::runtime::Handle,
}

/// One event subscriber.
pub struct Subscriber {
    /// Event names (every event when empty).
    pub names: Vec<String>,
    /// Where deliveries go.
    pub tx: mpsc::Sender<RawEvent>,
    /// Fired once its queue is bound and consumed, so `subscribe` can promise that nothing
    /// published after it returns is missed.
    pub ready: Option<tokio::sync::oneshot::Sender<()>>,
}

/// See the module docs.
pub struct Shared {
    /// Settings.
    pub config: AmqpConfig,
    /// Names of the domain.
    pub names: Names,
    /// The current link; `None` while (re)connecting.
    pub link: watch::Sender<Option<Link>>,
    /// The session that has announced itself with all consumers open (0: none yet).
    pub joined: watch::Sender<u64>,
    pending: Mutex<HashMap<String, PendingReply>>,
    /// The domain view (kept from membership events).
    pub membership: Membership,
    /// The local node, once attached.
    pub local: watch::Sender<Option<LocalNode>>,
    /// The node handle (for calls that fan out from a shared queue).
    pub node: OnceLock<NodeHandle>,
    subscribers: Mutex<Vec<Subscriber>>,
    /// Tells the session about subscribers added while it runs.
    pub new_subscribers: watch::Sender<u64>,
    /// Events dropped because a subscriber was full.
    pub dropped: AtomicU64,
    /// Set on clean shutdown: the session sends NodeLeave and does not reconnect.
    pub leaving: AtomicBool,
    /// Wakes the session to leave.
    pub leave: tokio::sync::Notify,
    latency_us: AtomicU64,
    served: AtomicU64,
}

impl Shared {
    /// Fresh state for `config`.
    pub fn new(config: AmqpConfig) -> Self {
        Shared {
            names: Names::new(&config.domain),
            config,
            link: watch::channel(None).0,
            joined: watch::channel(0).0,
            pending: Mutex::new(HashMap::new()),
            membership: Membership::default(),
            local: watch::channel(None).0,
            node: OnceLock::new(),
            subscribers: Mutex::new(Vec::new()),
            new_subscribers: watch::channel(0).0,
            dropped: AtomicU64::new(0),
            leaving: AtomicBool::new(false),
            leave: tokio::sync::Notify::new(),
            latency_us: AtomicU64::new(0),
            served: AtomicU64::new(0),
        }
    }

    // A poisoned lock only means a panic happened while it was held; the map stays usable.
    pub(crate) fn pending(&self) -> MutexGuard<'_, HashMap<String, PendingReply>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The subscriber list.
    pub fn subscribers(&self) -> MutexGuard<'_, Vec<Subscriber>> {
        self.subscribers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Folds one call's latency into the moving average NodeStatus reports.
    pub fn record_latency(&self, elapsed: Duration) {
        let sample = elapsed.as_micros().min(u128::from(u64::MAX)) as u64;
        let old = self.latency_us.load(Ordering::Relaxed);
        // Exponential moving average with weight 1/8: cheap, and stale values fade quickly.
        let new = if old == 0 {
            sample
        } else {
            old - old / 8 + sample / 8
        };
        self.latency_us.store(new, Ordering::Relaxed);
        self.served.fetch_add(1, Ordering::Relaxed);
    }

    /// The measured call latency (moving average).
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_us.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_comes_from_the_url_and_passwords_are_hidden() {
        assert_eq!(user_of("amqp://node1:s3cret@h:5672/dom"), "node1");
        assert_eq!(user_of("amqp://h:5672/%2f"), "guest");
        assert_eq!(user_of("amqp://us%40er:x@h/"), "us@er");
        assert_eq!(
            redact("amqp://node1:s3cret@h:5672/dom"),
            "amqp://node1:***@h:5672/dom"
        );
    }
}

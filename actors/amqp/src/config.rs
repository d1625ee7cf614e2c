//! The AMQP settings of one node ([`AmqpConfig`], read from `[amqp]` and `[calls]`), and the
//! broker URL's parts a node needs: the user (every message's `user_id`: the URL's, or the
//! client certificate's under SASL `external`) and a form safe to log (password hidden).

use clacks_runtime::codec::wire::{self, BodyCodec};
use clacks_runtime::config::{self, Settings};
use clacks_runtime::Error;
use std::time::Duration;

pub use super::security::user_of;
use super::security::{LinkSecurity, Mechanism};

/// The least a node gives one address to connect (TCP, TLS and the AMQP handshake), however
/// short its heartbeat: a TLS handshake on a loaded host may take a second.
pub const MIN_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// AMQP settings of one node.
#[derive(Debug, Clone)]
pub struct AmqpConfig {
    /// Broker URL (the password is never logged): the first of [`AmqpConfig::urls`].
    pub url: String,
    /// Every broker address, in the order they are tried (the nodes of one broker cluster).
    pub urls: Vec<String>,
    /// Shared command queues are quorum queues (`amqp.queue_type = "quorum"`).
    pub quorum: bool,
    /// The user the broker knows the link as (the URL's, or under SASL `external` the client
    /// certificate's common name): every message's `user_id`.
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
    /// Deliveries (crashed nodes) before dead-lettering.
    pub max_deliveries: u32,
    /// The deadline of a call that carries none and whose command has no timeout of its own
    /// (`[calls] timeout`).
    pub default_timeout: Duration,
    /// Reconnection back-off start.
    pub reconnect_min: Duration,
    /// Reconnection back-off cap.
    pub reconnect_max: Duration,
    /// The heartbeat interval asked of the broker, in seconds (`amqp.heartbeat`).
    pub heartbeat: u16,
    /// Encoding of the calls this node sends (JSON or bincode); replies come in the
    /// request's, and both are read.
    pub codec: &'static dyn BodyCodec,
    /// The domain's node accounts: only calls published under one of them may name their
    /// original caller in `x-clacks-caller`.
    pub node_users: Vec<String>,
    /// How long a confirm of a reply or a re-published call may take.
    pub confirm_timeout: Duration,
    /// Publish attempts of a reply the broker refuses before the call is dead-lettered.
    pub reply_attempts: u32,
    /// How long a clean shutdown waits for calls in progress.
    pub shutdown_grace: Duration,
    /// How long a departed node is named `missing`.
    pub departed_ttl: Duration,
    /// Largest call body accepted from a queue, in bytes.
    pub max_body: usize,
    /// TLS and SASL of the link (`amqp.ca_file`, `cert_file`, `key_file`, `mechanism`).
    pub security: LinkSecurity,
    /// The account reading the broker's log (`amqp.broker_log_url`), if any.
    pub broker_log: Option<BrokerLogAccount>,
}

/// The account a node reads the broker's log exchange with (`amqp.broker_log_url`): its URL
/// and security (SASL `PLAIN`; for `amqps://` the TLS files of `[amqp]`).
#[derive(Debug, Clone)]
pub struct BrokerLogAccount {
    /// The URL (default vhost).
    pub url: String,
    /// TLS and SASL of its link.
    pub security: LinkSecurity,
}

impl BrokerLogAccount {
    /// The account `url` names, with `security`'s TLS when it is `amqps://`; `None` when
    /// `url` is empty. Errors name `amqp.broker_log_url`.
    pub fn new(url: &str, security: &LinkSecurity) -> Result<Option<BrokerLogAccount>, Error> {
        let url = url.trim();
        config::broker_log_url(url)?;
        if url.is_empty() {
            return Ok(None);
        }
        let tls = if url.starts_with("amqps://") {
            if security.tls.is_none() {
                return Err(Error::config(
                    "amqp.broker_log_url",
                    format!(
                        "{} uses TLS: it is verified with amqp.ca_file, which is not set",
                        redact(url)
                    ),
                ));
            }
            security.tls.clone()
        } else {
            None
        };
        Ok(Some(BrokerLogAccount {
            url: url.to_owned(),
            security: LinkSecurity {
                tls,
                mechanism: Mechanism::Plain,
            },
        }))
    }
}

impl AmqpConfig {
    /// The AMQP settings of `settings` for node `node`; `None` when no broker is configured.
    /// The TLS files are read now: a wrong one (or a mechanism the files cannot serve) is a
    /// configuration error naming the key.
    pub fn from_settings(settings: &Settings, node: &str) -> Result<Option<AmqpConfig>, Error> {
        // Settings are validated when loaded; a list that does not split here is no broker.
        let Ok(urls) = config::broker_addresses(&settings.amqp.url) else {
            return Ok(None);
        };
        let Some(url) = urls.first().cloned() else {
            return Ok(None);
        };
        let security = LinkSecurity::from_settings(settings)?;
        let user = security.user(&url)?;
        let amqp = &settings.amqp;
        let broker_log = BrokerLogAccount::new(&amqp.broker_log_url, &security)?;
        let domain = settings.node.domain.clone();
        let node_users = if amqp.node_users.is_empty() {
            vec![format!("{domain}-node")]
        } else {
            amqp.node_users.clone()
        };
        Ok(Some(AmqpConfig {
            user,
            url,
            urls,
            quorum: amqp.queue_type == "quorum",
            domain,
            node: node.to_owned(),
            prefetch: amqp.prefetch,
            status_interval: Settings::seconds(amqp.status_interval),
            eviction: Settings::seconds(amqp.eviction),
            max_deliveries: amqp.max_deliveries,
            default_timeout: Settings::seconds(settings.calls.timeout),
            reconnect_min: Settings::seconds(amqp.reconnect_min),
            reconnect_max: Settings::seconds(amqp.reconnect_max),
            heartbeat: u16::try_from(amqp.heartbeat).unwrap_or(u16::MAX),
            codec: wire::by_name(&amqp.codec).unwrap_or(&wire::JsonCodec),
            node_users,
            confirm_timeout: Settings::seconds(amqp.confirm_timeout),
            reply_attempts: amqp.reply_attempts,
            shutdown_grace: Settings::seconds(amqp.shutdown_grace),
            departed_ttl: Settings::seconds(amqp.departed_ttl),
            max_body: amqp.max_body,
            security,
            broker_log,
        }))
    }

    /// Node `node` of `domain` on the broker at `url`, every other setting at its default
    /// (`config/clacks.toml`); tests and embedders adjust fields from there. A URL or domain
    /// the settings would refuse is refused here too.
    pub fn new(url: &str, domain: &str, node: &str) -> Result<AmqpConfig, Error> {
        let overrides = [
            ("amqp.url", url.to_owned()),
            ("node.domain", domain.to_owned()),
        ];
        let settings = config::load(None, std::iter::empty(), &overrides)?;
        Self::from_settings(&settings, node)?
            .ok_or_else(|| Error::config("amqp.url", "no broker URL given"))
    }

    /// True when `user` is one of the domain's node accounts.
    pub fn is_node_user(&self, user: &str) -> bool {
        self.node_users.iter().any(|u| u == user)
    }

    /// True when a message published under `user` may carry events only nodes emit
    /// (membership, statistics, supervision): a node account, or this node's own account
    /// (when nodes and callers share one, as with `guest`, that trust is shared too).
    pub fn may_publish_node_events(&self, user: Option<&str>) -> bool {
        user.is_some_and(|u| u == self.user || self.is_node_user(u))
    }

    /// The URL the node connects to broker address `url` with: `heartbeat=` set to
    /// [`heartbeat`](Self::heartbeat) (replacing one the URL may carry), which is how lapin
    /// negotiates it with the broker.
    pub fn connection_url(&self, url: &str) -> String {
        with_heartbeat(url, self.heartbeat)
    }

    /// How long the link may stay silent before either side gives it up: two heartbeat
    /// intervals (the broker closes the connection then, lapin too).
    pub fn silence_limit(&self) -> Duration {
        Duration::from_secs(2 * u64::from(self.heartbeat))
    }

    /// How long one broker address may take to take a connection (TCP, TLS, the AMQP
    /// handshake) before the next is tried: the [`silence_limit`](Self::silence_limit) of a
    /// link that is up, since a broker silent that long while connecting is as lost as one
    /// that goes silent later (a node behind a black hole moves on to the next address as
    /// soon as a running one would notice the hole), and never under
    /// [`MIN_CONNECT_TIMEOUT`].
    pub fn connect_timeout(&self) -> Duration {
        self.silence_limit().max(MIN_CONNECT_TIMEOUT)
    }

    /// The URL with its password hidden, for logs and messages (every address, separated by
    /// commas, when there are several).
    pub fn redacted_url(&self) -> String {
        let all: Vec<String> = self.urls.iter().map(|u| redact(u)).collect();
        all.join(",")
    }
}

/// `url` with its `heartbeat` query parameter set to `seconds` (any other parameter kept).
pub fn with_heartbeat(url: &str, seconds: u16) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("heartbeat="))
        .collect();
    let heartbeat = format!("heartbeat={seconds}");
    params.push(&heartbeat);
    format!("{base}?{}", params.join("&"))
}

/// `amqp://user:***@host/vhost`: the URL with its password hidden.
pub fn redact(url: &str) -> String {
    config::redact_url(url)
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

    #[test]
    fn the_heartbeat_setting_goes_into_the_connection_url_replacing_the_urls_own() {
        assert_eq!(
            with_heartbeat("amqp://u:p@h:5672/dom", 2),
            "amqp://u:p@h:5672/dom?heartbeat=2"
        );
        assert_eq!(
            with_heartbeat("amqp://h/%2f?heartbeat=60&frame_max=8192", 5),
            "amqp://h/%2f?frame_max=8192&heartbeat=5"
        );
        let mut config = AmqpConfig::new("amqp://u:p@h:5672/dom", "dom", "n1").unwrap();
        assert_eq!(config.heartbeat, 10, "the documented default");
        config.heartbeat = 1;
        let uri: lapin::uri::AMQPUri = config.connection_url(&config.url).parse().unwrap();
        assert_eq!(uri.query.heartbeat, Some(1));
        assert_eq!(config.silence_limit(), Duration::from_secs(2));
    }

    #[test]
    fn the_connect_timeout_follows_the_heartbeat_with_a_floor() {
        let mut config = AmqpConfig::new("amqp://u:p@h:5672/dom", "dom", "n1").unwrap();
        assert_eq!(
            config.connect_timeout(),
            Duration::from_secs(20),
            "default 10 s"
        );
        config.heartbeat = 3;
        assert_eq!(config.connect_timeout(), Duration::from_secs(6));
        config.heartbeat = 1;
        assert_eq!(config.connect_timeout(), MIN_CONNECT_TIMEOUT);
    }

    #[test]
    fn a_broker_log_url_is_read_and_checked_naming_its_key() {
        let config = AmqpConfig::new("amqp://u:p@h:5672/dom", "dom", "n1").unwrap();
        assert!(config.broker_log.is_none(), "off by default");
        let plain = LinkSecurity::default();
        let account = BrokerLogAccount::new("amqp://audit:pw@h:5672/%2f", &plain)
            .unwrap()
            .unwrap();
        assert_eq!(account.url, "amqp://audit:pw@h:5672/%2f");
        assert!(account.security.tls.is_none());
        let err = BrokerLogAccount::new("amqps://audit:secret@h:5671/%2f", &plain)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("amqp.broker_log_url") && err.contains("amqp.ca_file"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
        let err = BrokerLogAccount::new("amqp://audit:pw@h/dom", &plain)
            .unwrap_err()
            .to_string();
        assert!(err.contains("amqp.broker_log_url"), "{err}");
    }
}

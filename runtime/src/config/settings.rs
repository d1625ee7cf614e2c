//! The node's settings as typed structs, with the checks the type system cannot make (names,
//! addresses, ranges). Every failed check names the key, the value and what is allowed.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use super::values::{bad, positive_seconds};
use crate::supervision::{Intensity, Strategy, SupervisorConfig};
use crate::Error;

/// All settings of a node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `[node]`
    pub node: NodeSettings,
    /// `[amqp]`
    pub amqp: AmqpSettings,
    /// `[http]`
    pub http: HttpSettings,
    /// `[calls]`
    pub calls: CallSettings,
    /// `[supervision]`
    pub supervision: SupervisionSettings,
    /// `[log]`
    pub log: LogSettings,
    /// `[events]`
    pub events: EventSettings,
    /// `[stats]`
    pub stats: StatsSettings,
    /// `[objects]`
    #[serde(default)]
    pub objects: ObjectSettings,
    /// `[acl]`
    #[serde(default)]
    pub acl: AclSettings,
    /// `[auth]`
    #[serde(default)]
    pub auth: super::auth::AuthSettings,
    /// `[plugins.NAME]`
    #[serde(default)]
    pub plugins: BTreeMap<String, PluginSettings>,
}

/// `[node]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSettings {
    /// Node name; empty means the host name.
    pub name: String,
    /// Domain name.
    pub domain: String,
}

/// `[amqp]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmqpSettings {
    /// Broker URL, or several (the nodes of one broker cluster, tried in order) separated by
    /// commas or given as a TOML list; empty means the in-process transport.
    /// [`broker_addresses`](super::broker_addresses) splits and checks them.
    #[serde(deserialize_with = "super::brokers::string_or_list")]
    pub url: String,
    /// How shared command queues (`D.command.P`, `D.command.dead`) are declared: `classic`
    /// or `quorum` (replicated over a broker cluster's nodes).
    pub queue_type: String,
    /// Prefetch per plugin queue.
    pub prefetch: u16,
    /// Seconds between NodeStatus events.
    pub status_interval: f64,
    /// Seconds of silence before eviction.
    pub eviction: f64,
    /// Deliveries before dead-lettering.
    pub max_deliveries: u32,
    /// Reconnection back-off start, seconds.
    pub reconnect_min: f64,
    /// Reconnection back-off cap, seconds.
    pub reconnect_max: f64,
    /// AMQP heartbeat interval asked of the broker, whole seconds (1 to 3600): either side
    /// closes a connection it has heard nothing on for two intervals.
    pub heartbeat: u32,
    /// Body encoding of the calls this node sends: `json` or `bincode` (replies come in the
    /// request's encoding; every node reads both).
    pub codec: String,
    /// The broker accounts of the domain's nodes: a call whose `user_id` is one of them may
    /// name its original caller in `x-clacks-caller`. Empty: `DOMAIN-node` (deploy/ naming).
    pub node_users: Vec<String>,
    /// Seconds to wait for the broker's confirm of a reply or a re-published call.
    pub confirm_timeout: f64,
    /// Times a node tries to publish a reply the broker refuses before it dead-letters the call.
    pub reply_attempts: u32,
    /// Seconds a clean shutdown waits for calls in progress to finish and be acked.
    pub shutdown_grace: f64,
    /// Seconds a departed node is still named `missing` by CUMULATIVE calls.
    pub departed_ttl: f64,
    /// Largest call body a node accepts from its queues, in bytes.
    pub max_body: usize,
    /// PEM CA bundle the broker's certificate must chain to (`amqps://`); empty: no TLS.
    pub ca_file: String,
    /// PEM client certificate presented to the broker; empty: none.
    pub cert_file: String,
    /// PEM private key of `cert_file`.
    pub key_file: String,
    /// SASL mechanism: `plain` (the URL's user and password) or `external` (the client
    /// certificate's common name is the user).
    pub mechanism: String,
    /// An account on the broker's default vhost that reads the broker's log exchange
    /// (`amq.rabbitmq.log`): the broker's refusals of the domain's accounts become its `Audit`
    /// events. Empty: not relayed.
    pub broker_log_url: String,
}

/// `[http]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// `HOST:PORT` or `off`.
    pub listen: String,
    /// Body limit in bytes.
    pub max_body: usize,
    /// Worker threads.
    pub workers: usize,
    /// Allow non-loopback without authentication.
    pub insecure_public: bool,
    /// Identity of HTTP callers.
    pub user: String,
    /// Most requests in one JSON-RPC batch.
    pub max_batch: usize,
    /// Most open `GET /events` streams from one remote address.
    pub sse_per_address: usize,
    /// Most open `GET /events` streams on this node.
    pub sse_per_node: usize,
    /// Most JSON-RPC calls the gateway has in service at once.
    pub in_flight: usize,
    /// Seconds a client has to send a request's head (slow-loris guard).
    pub header_timeout: f64,
    /// Seconds a client has to send a request's body.
    pub body_timeout: f64,
    /// PEM certificate (chain) of the gateway: set, it serves HTTPS only.
    #[serde(default)]
    pub cert_file: String,
    /// PEM private key of `cert_file`.
    #[serde(default)]
    pub key_file: String,
    /// PEM CA bundle whose client certificates the gateway accepts (optional for clients);
    /// a client certificate's common name becomes the caller.
    #[serde(default)]
    pub client_ca_file: String,
}

/// `[calls]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSettings {
    /// Default deadline, seconds.
    pub timeout: f64,
    /// Per-plugin in-flight limit.
    pub in_flight: usize,
}

/// `[supervision]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionSettings {
    /// Restarts tolerated in the period.
    pub max_restarts: u32,
    /// The period, seconds.
    pub period: f64,
    /// Root strategy.
    pub strategy: String,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// Default filter.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

/// `[events]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    /// Folders of extra event schemas (`*.xsd`), loaded beside the built-in ones.
    pub schema_dirs: Vec<std::path::PathBuf>,
    /// XSD validation on publish and receipt; off only for measurements.
    pub validate: bool,
    /// Events at least this big (bytes) are validated on a worker thread.
    pub offload_bytes: usize,
    /// Stems of configured schema files that replace the built-in schema of that event.
    pub override_builtin: Vec<String>,
    /// Deepest element nesting of an event.
    pub max_depth: usize,
    /// Most attributes on one element of an event (namespace declarations included).
    pub max_attributes: usize,
    /// Longest element or attribute name in an event, in bytes.
    pub max_name_length: usize,
    /// Longest run of text or attribute value in an event, in bytes.
    pub max_text: usize,
    /// XPath evaluation steps a subscription filter may spend on one event.
    pub xpath_budget: u64,
}

impl EventSettings {
    /// The XML parse limits events are read under.
    pub fn limits(&self) -> clacks_xml::Limits {
        clacks_xml::Limits {
            max_depth: self.max_depth,
            max_attributes: self.max_attributes,
            max_name_length: self.max_name_length,
            max_text: self.max_text,
        }
    }
}

/// `[stats]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    /// Whether calls are counted and `NodeStatistics` events emitted.
    pub enabled: bool,
    /// Seconds between `NodeStatistics` events.
    pub interval: f64,
}

/// `[objects]`: where the object definitions are (read by clacks-objects) and where the
/// objects live (read by the `objects` plugin).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ObjectSettings {
    /// Folders of object definition files (`*.xml`, not recursive).
    pub definition_dirs: Vec<std::path::PathBuf>,
    /// The base DN every object lies under; seeded on first start (empty: no seeding).
    #[serde(default)]
    pub base: String,
    /// The SQL store: `sqlite::memory:`, `sqlite://PATH` or `postgres://…`.
    #[serde(default)]
    pub store: String,
    /// The PostgreSQL schema of the store's tables (empty: the server's default).
    #[serde(default)]
    pub store_schema: String,
    /// The directory server of the LDAP-backed parts of objects, `ldap://HOST:PORT/` or
    /// `ldaps://…` (empty: the embedded entry store).
    #[serde(default)]
    pub ldap_url: String,
    /// The DN the node binds as.
    #[serde(default)]
    pub ldap_bind_dn: String,
    /// Its password (or `ldap_bind_password_file`).
    #[serde(default)]
    pub ldap_bind_password: String,
    /// A file holding the password (its first line).
    #[serde(default)]
    pub ldap_bind_password_file: String,
    /// Directory connections kept at most.
    #[serde(default = "ldap_pool_size_default")]
    pub ldap_pool_size: u32,
    /// Seconds a connection attempt or one directory operation may take.
    #[serde(default = "ldap_timeout_default")]
    pub ldap_timeout: f64,
}

fn ldap_pool_size_default() -> u32 {
    4
}

fn ldap_timeout_default() -> f64 {
    5.0
}

/// `[acl]`: who may do what (the ACL set's file, root base, admins and groups).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclSettings {
    /// The ACL set in the original's JSON format: read at start, rewritten on every change.
    /// Empty: kept in memory only (a joining node still loads the domain's current set).
    #[serde(default)]
    pub file: String,
    /// The ACL root: the base commands are checked against and the top of every walk up.
    /// Empty: `objects.base`.
    #[serde(default)]
    pub base: String,
    /// Users allowed everything, whatever the set says.
    #[serde(default)]
    pub admins: Vec<String>,
    /// The embedded default (no broker, HTTP on loopback or off) treats `http.user`, its local
    /// caller, as an admin; a broker-backed node never does.
    #[serde(default = "enabled_by_default")]
    pub local_admin: bool,
    /// `%NAME` members: group name → user names.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
}

impl Default for AclSettings {
    fn default() -> Self {
        AclSettings {
            file: String::new(),
            base: String::new(),
            admins: Vec::new(),
            local_admin: true,
            groups: BTreeMap::new(),
        }
    }
}

/// `[plugins.NAME]`: the supervision keys, plus anything the plugin reads itself.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct PluginSettings {
    /// Whether the node runs the plugin.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Override of `supervision.max_restarts`.
    pub max_restarts: Option<u32>,
    /// Override of `supervision.period`.
    pub period: Option<f64>,
    /// Override of `calls.in_flight`.
    pub in_flight: Option<usize>,
    /// The plugin's own keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn enabled_by_default() -> bool {
    true
}

/// Where the HTTP gateway listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpListen {
    /// No gateway.
    Off,
    /// This address.
    At(SocketAddr),
}

/// True for names usable in queue names: letters, digits, `-`, `_` (and `.` when `dots`).
pub fn is_valid_name(name: &str, dots: bool) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || (dots && c == '.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
}

impl Settings {
    /// Checks every value; the first wrong one is the error.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.node.name.is_empty() && !is_valid_name(&self.node.name, false) {
            return Err(bad(
                "node.name",
                &self.node.name,
                "letters, digits, '-' and '_' (at most 64), or empty for the host name",
            ));
        }
        if !is_valid_name(&self.node.domain, true) {
            return Err(bad(
                "node.domain",
                &self.node.domain,
                "letters, digits, '.', '-' and '_' (at most 64), not starting or ending with '.'",
            ));
        }
        super::broker_addresses(&self.amqp.url)?;
        if !matches!(self.amqp.queue_type.as_str(), "classic" | "quorum") {
            return Err(bad(
                "amqp.queue_type",
                &self.amqp.queue_type,
                "\"classic\" or \"quorum\"",
            ));
        }
        positive_seconds("amqp.confirm_timeout", self.amqp.confirm_timeout)?;
        positive_seconds("amqp.shutdown_grace", self.amqp.shutdown_grace)?;
        positive_seconds("amqp.departed_ttl", self.amqp.departed_ttl)?;
        if self.amqp.reply_attempts == 0 {
            return Err(bad("amqp.reply_attempts", 0, "at least 1"));
        }
        if self.amqp.max_body < 1024 {
            return Err(bad(
                "amqp.max_body",
                self.amqp.max_body,
                "at least 1024 bytes",
            ));
        }
        if let Some(user) = self.amqp.node_users.iter().find(|u| u.trim().is_empty()) {
            return Err(bad("amqp.node_users", user, "broker user names, not empty"));
        }
        super::brokers::broker_log_url(&self.amqp.broker_log_url)?;
        if self.amqp.prefetch == 0 {
            return Err(bad("amqp.prefetch", 0, "1 to 65535"));
        }
        positive_seconds("amqp.status_interval", self.amqp.status_interval)?;
        positive_seconds("amqp.eviction", self.amqp.eviction)?;
        positive_seconds("amqp.reconnect_min", self.amqp.reconnect_min)?;
        positive_seconds("amqp.reconnect_max", self.amqp.reconnect_max)?;
        if !(1..=3600).contains(&self.amqp.heartbeat) {
            return Err(bad(
                "amqp.heartbeat",
                self.amqp.heartbeat,
                "whole seconds from 1 to 3600",
            ));
        }
        if self.amqp.max_deliveries == 0 {
            return Err(bad("amqp.max_deliveries", 0, "at least 1"));
        }
        if crate::codec::wire::by_name(&self.amqp.codec).is_none() {
            return Err(bad(
                "amqp.codec",
                &self.amqp.codec,
                "\"json\" or \"bincode\"",
            ));
        }
        self.http_listen()?;
        if self.http.max_body == 0 {
            return Err(bad("http.max_body", 0, "a number of bytes greater than 0"));
        }
        if !(1..=64).contains(&self.http.workers) {
            return Err(bad("http.workers", self.http.workers, "1 to 64"));
        }
        for (key, value) in [
            ("http.max_batch", self.http.max_batch),
            ("http.sse_per_address", self.http.sse_per_address),
            ("http.sse_per_node", self.http.sse_per_node),
            ("http.in_flight", self.http.in_flight),
            ("events.max_depth", self.events.max_depth),
            ("events.max_attributes", self.events.max_attributes),
            ("events.max_name_length", self.events.max_name_length),
            ("events.max_text", self.events.max_text),
        ] {
            if value == 0 {
                return Err(bad(key, 0, "at least 1"));
            }
        }
        if self.events.xpath_budget < 100 {
            return Err(bad(
                "events.xpath_budget",
                self.events.xpath_budget,
                "at least 100 evaluation steps",
            ));
        }
        positive_seconds("http.header_timeout", self.http.header_timeout)?;
        positive_seconds("http.body_timeout", self.http.body_timeout)?;
        self.http_tls_files()?;
        self.auth.validate()?;
        self.default_timeout()?;
        if self.calls.in_flight == 0 {
            return Err(bad("calls.in_flight", 0, "at least 1"));
        }
        self.root_supervision()?;
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(bad("log.format", &self.log.format, "\"text\" or \"json\""));
        }
        for dir in &self.events.schema_dirs {
            if !dir.is_dir() {
                return Err(bad(
                    "events.schema_dirs",
                    dir.display(),
                    "existing folders holding *.xsd files",
                ));
            }
        }
        self.stats_interval()?;
        if let Some(admin) = self.acl.admins.iter().find(|a| a.trim().is_empty()) {
            return Err(bad("acl.admins", admin, "user names, not empty"));
        }
        for (group, users) in &self.acl.groups {
            if group.is_empty() || users.iter().any(|u| u.trim().is_empty()) {
                return Err(bad(
                    &format!("acl.groups.{group}"),
                    users.join(","),
                    "a named group of non-empty user names",
                ));
            }
        }
        for (name, plugin) in &self.plugins {
            if !is_valid_name(name, false) {
                return Err(bad(
                    "plugins",
                    name,
                    "plugin names are letters, digits, '-' and '_'",
                ));
            }
            if let Some(period) = plugin.period {
                positive_seconds(&format!("plugins.{name}.period"), period)?;
            }
            if plugin.in_flight == Some(0) {
                return Err(bad(&format!("plugins.{name}.in_flight"), 0, "at least 1"));
            }
        }
        Ok(())
    }

    /// `http.listen` parsed.
    pub fn http_listen(&self) -> Result<HttpListen, Error> {
        let value = self.http.listen.trim();
        if value.eq_ignore_ascii_case("off") {
            return Ok(HttpListen::Off);
        }
        let value = value
            .strip_prefix("localhost:")
            .map_or(value.to_owned(), |port| format!("127.0.0.1:{port}"));
        value
            .parse::<SocketAddr>()
            .map(HttpListen::At)
            .map_err(|_| {
                bad(
                    "http.listen",
                    &self.http.listen,
                    "HOST:PORT with an IP address (e.g. 127.0.0.1:8080, [::1]:0) or \"off\"",
                )
            })
    }

    /// `[http]`'s TLS files come in pairs: a certificate needs its key, client certificates
    /// need HTTPS. (Their contents are read when the gateway starts: `clacks_tls`.)
    fn http_tls_files(&self) -> Result<(), Error> {
        let set = |v: &str| !v.trim().is_empty();
        match (
            set(&self.http.cert_file),
            set(&self.http.key_file),
            set(&self.http.client_ca_file),
        ) {
            (false, true, _) => Err(bad(
                "http.cert_file",
                "",
                "a PEM certificate file: http.key_file is set",
            )),
            (true, false, _) => Err(bad(
                "http.key_file",
                "",
                "the PEM private key of http.cert_file",
            )),
            (false, false, true) => Err(bad(
                "http.client_ca_file",
                &self.http.client_ca_file,
                "empty unless HTTPS is on (http.cert_file and http.key_file)",
            )),
            _ => Ok(()),
        }
    }

    /// True when the gateway serves HTTPS (`http.cert_file` is set).
    pub fn https(&self) -> bool {
        !self.http.cert_file.trim().is_empty()
    }

    /// A duration setting already checked by [`validate`](Self::validate).
    pub fn seconds(value: f64) -> Duration {
        Duration::from_secs_f64(if value.is_finite() && value > 0.0 {
            value
        } else {
            1.0
        })
    }

    /// True for the embedded default: no broker, and HTTP on loopback or off.
    pub fn is_embedded(&self) -> bool {
        self.amqp.url.trim().is_empty()
            && match self.http_listen() {
                Ok(HttpListen::Off) => true,
                Ok(HttpListen::At(addr)) => addr.ip().is_loopback(),
                Err(_) => false,
            }
    }

    /// The ACL engine's settings: domain, root (`acl.base`, else `objects.base`), admins
    /// (plus `http.user` on the embedded default with `acl.local_admin`) and groups.
    pub fn acl_config(&self) -> crate::acl::AclConfig {
        let root = if self.acl.base.trim().is_empty() {
            self.objects.base.clone()
        } else {
            self.acl.base.clone()
        };
        let mut admins: std::collections::BTreeSet<String> =
            self.acl.admins.iter().cloned().collect();
        if self.acl.local_admin && self.is_embedded() {
            admins.insert(self.http.user.clone());
        }
        crate::acl::AclConfig {
            domain: self.node.domain.clone(),
            root,
            admins,
            groups: self
                .acl
                .groups
                .iter()
                .map(|(g, users)| (g.clone(), users.iter().cloned().collect()))
                .collect(),
        }
    }

    /// `stats.interval` as a duration.
    pub fn stats_interval(&self) -> Result<Duration, Error> {
        positive_seconds("stats.interval", self.stats.interval)
    }

    /// `calls.timeout` as a duration.
    pub fn default_timeout(&self) -> Result<Duration, Error> {
        positive_seconds("calls.timeout", self.calls.timeout)
    }

    /// The root supervisor's policy.
    pub fn root_supervision(&self) -> Result<SupervisorConfig, Error> {
        let strategy: Strategy = self
            .supervision
            .strategy
            .parse()
            .map_err(|e: String| Error::config("supervision.strategy", e))?;
        Ok(SupervisorConfig {
            strategy,
            intensity: Intensity {
                max_restarts: self.supervision.max_restarts,
                period: positive_seconds("supervision.period", self.supervision.period)?,
            },
        })
    }

    /// The policy of plugin `name`'s supervisor.
    pub fn plugin_supervision(&self, name: &str) -> Result<SupervisorConfig, Error> {
        let root = self.root_supervision()?;
        let plugin = self.plugins.get(name);
        let max_restarts = plugin
            .and_then(|p| p.max_restarts)
            .unwrap_or(root.intensity.max_restarts);
        let period = match plugin.and_then(|p| p.period) {
            Some(p) => positive_seconds(&format!("plugins.{name}.period"), p)?,
            None => root.intensity.period,
        };
        Ok(SupervisorConfig {
            strategy: Strategy::OneForOne,
            intensity: Intensity {
                max_restarts,
                period,
            },
        })
    }

    /// The in-flight limit of plugin `name`.
    pub fn plugin_in_flight(&self, name: &str) -> usize {
        self.plugins
            .get(name)
            .and_then(|p| p.in_flight)
            .unwrap_or(self.calls.in_flight)
    }

    /// Whether plugin `name` runs.
    pub fn plugin_enabled(&self, name: &str) -> bool {
        self.plugins.get(name).is_none_or(|p| p.enabled)
    }

    /// The plugin's own keys as JSON (`null` when it has none).
    pub fn plugin_config(&self, name: &str) -> Value {
        self.plugins
            .get(name)
            .filter(|p| !p.extra.is_empty())
            .map_or(Value::Null, |p| Value::Object(p.extra.clone()))
    }

    /// The node name: `node.name`, or the host name's first label made name-safe.
    pub fn node_name(&self) -> String {
        if !self.node.name.is_empty() {
            return self.node.name.clone();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .unwrap_or_default();
        let label: String = host
            .trim()
            .split('.')
            .next()
            .unwrap_or("")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(64)
            .collect();
        if label.is_empty() {
            "node".to_owned()
        } else {
            label
        }
    }
}

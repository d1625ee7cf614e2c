//! The AMQP settings of one node ([`AmqpConfig`], read from `[amqp]` and `[calls]`), and the
//! broker URL's parts a node needs: the user (every message's `user_id`) and a form safe to
//! log (password hidden).

use clacks_runtime::codec::wire::{self, BodyCodec};
use clacks_runtime::config::Settings;
use std::time::Duration;

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
    /// The deadline of a call that carries none and whose command has no timeout of its own
    /// (`[calls] timeout`).
    pub default_timeout: Duration,
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
            default_timeout: Settings::seconds(settings.calls.timeout),
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

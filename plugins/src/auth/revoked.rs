//! Revoked tokens, the same on every node: `auth.revoke` publishes a `TokenRevoked` event
//! (node-only: callers cannot publish one, and over AMQP it is believed from node accounts
//! only) and every node's `auth` plugin adds the id to its list, kept until the token would
//! have expired anyway. A node that starts after a revocation does not learn of it: tokens
//! are short-lived (`[auth] token_ttl`) for that reason.

use clacks_runtime::call::unix_millis_now;
use clacks_runtime::events::Event;
use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

use super::token::Claims;

/// Token ids revoked, with their expiry (Unix ms).
#[derive(Default)]
pub struct Revoked {
    ids: Mutex<HashMap<String, u64>>,
}

impl Revoked {
    /// Adds `id`, dropping the revocations of tokens that have expired since.
    pub fn insert(&self, id: &str, expires_ms: u64) {
        let now = unix_millis_now();
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        ids.retain(|_, expires| *expires > now);
        ids.insert(id.to_owned(), expires_ms);
    }

    /// Whether `id` was revoked.
    pub fn contains(&self, id: &str) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(id)
    }
}

/// The `TokenRevoked` event of `claims`, revoked on `node`.
pub fn event_xml(node: &str, claims: &Claims) -> String {
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    w.start("TokenRevoked");
    w.leaf("Node", node)
        .leaf("Id", &claims.id)
        .leaf("User", &claims.user)
        .leaf("ExpiresMs", &claims.expires_ms.to_string())
        .leaf(
            "Timestamp",
            &timestamp::from_unix_millis(unix_millis_now() as i64),
        );
    w.finish()
}

/// The (id, expiry in Unix ms) a delivered `TokenRevoked` event names.
pub fn from_event(event: &Event) -> Option<(String, u64)> {
    let element = event.element()?;
    let text = |name: &str| {
        element
            .child_elements()
            .find(|c| c.local_name() == name)
            .map(|c| c.text().trim().to_owned())
    };
    let id = text("Id")?;
    let expires = text("ExpiresMs")?.parse().ok()?;
    Some((id, expires))
}

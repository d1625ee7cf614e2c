//! The `auth` plugin and the identity checks of HTTP callers ([`Auth`], which the node's
//! gateway asks). `auth.revoke(token)` revokes a bearer token on every node of the domain:
//! the node adds it to its list and publishes a `TokenRevoked` event, which every node's
//! `auth` plugin applies. The plugin runs only with `[auth] enabled`.
//!
//! Tokens are signed, not stored (see `token`): the domain's nodes share a key file, so a
//! token from `POST /login` on one node is good on all of them with no lookup and nothing
//! lost when a node restarts.
//!
//! Layout: `authenticator` ([`Auth`]), `token` (signing and checking), `password` (users
//! and their hashes in the object layer), `limiter` (failed logins per user and address),
//! `revoked` (the revocation list and its event).

mod authenticator;
mod limiter;
mod password;
mod revoked;
mod token;

pub use authenticator::Auth;
pub use token::{Claims, TokenError, TokenKey};

use clacks_runtime::call::CallError;
use clacks_runtime::events::Subscription;
use clacks_runtime::plugin::plugin;
use clacks_runtime::serde_json::{json, Value};
use clacks_runtime::{Error, PluginContext, PluginDef};
use clacks_xml::Namespaces;
use std::sync::Arc;

/// Bearer tokens of the domain.
pub struct AuthPlugin {
    auth: Arc<Auth>,
    node: Arc<str>,
    events: clacks_runtime::events::EventBus,
    _revocations: Subscription,
}

impl AuthPlugin {
    /// The plugin sharing `auth` with the node's gateway.
    pub fn definition(auth: &Arc<Auth>) -> PluginDef {
        let auth = auth.clone();
        PluginDef::new(move |ctx: &PluginContext| {
            let handler = auth.clone();
            let subscription = ctx
                .events
                .subscribe_detached(
                    vec!["TokenRevoked".to_owned()],
                    None,
                    &Namespaces::default(),
                    move |event| match revoked::from_event(event) {
                        Some((id, expires_ms)) => {
                            tracing::info!(token = %id, "token revoked");
                            handler.revoked.insert(&id, expires_ms);
                        }
                        None => tracing::warn!("a TokenRevoked event without id or expiry"),
                    },
                )
                .map_err(|e| {
                    Error::node(&*ctx.node, format!("cannot subscribe to TokenRevoked: {e}"))
                })?;
            Ok(AuthPlugin {
                auth: auth.clone(),
                node: ctx.node.clone(),
                events: ctx.events.clone(),
                _revocations: subscription,
            })
        })
    }
}

/// Bearer tokens: revocation.
#[plugin(name = "auth")]
impl AuthPlugin {
    /// Revokes `token` (from `POST /login`) on every node of the domain until it would have
    /// expired. Returns its `id`, `user` and `expires_ms`.
    #[command]
    fn revoke(&self, token: String) -> Result<Value, CallError> {
        // Expired tokens are revoked too: harmless, and the caller learns the id it had.
        let claims =
            self.auth.key.claims(token.trim()).map_err(|e| {
                CallError::invalid_params(format!("not a token of this domain: {e:?}"))
            })?;
        if claims.domain != self.auth.domain {
            return Err(CallError::invalid_params(format!(
                "the token is for domain {}, not {}",
                claims.domain, self.auth.domain
            )));
        }
        self.auth.revoked.insert(&claims.id, claims.expires_ms);
        let xml = revoked::event_xml(&self.node, &claims);
        self.events.publish_detached(&xml).map_err(|e| {
            CallError::internal(format!(
                "revoked on {} but not sent to the domain: {e}",
                self.node
            ))
        })?;
        tracing::info!(node = %self.node, token = %claims.id, user = %claims.user,
            "token revoked for the domain");
        Ok(json!({"id": claims.id, "user": claims.user, "expires_ms": claims.expires_ms}))
    }
}

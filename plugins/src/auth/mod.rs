//! The `auth` plugin and the identity checks of HTTP callers ([`Auth`], which the node's
//! gateway asks). `auth.revoke(token)` revokes a bearer token on every node of the domain:
//! the node adds it to its list and publishes a `TokenRevoked` event, which every node's
//! `auth` plugin applies; a node that starts later asks the others for their lists
//! (`TokenRevocations`, see `revoked`). The plugin runs only with `[auth] enabled`.
//!
//! Tokens are signed, not stored (see `token`): the domain's nodes share a key file, so a
//! token from `POST /login` on one node is good on all of them with no lookup and nothing
//! lost when a node restarts.
//!
//! `auth.set_password(user, password)` stores a new password hash through the object layer
//! as the caller (see `setting`).
//!
//! Layout: `authenticator` ([`Auth`]), `token` (signing and checking), `password` (users
//! and their hashes in the object layer), `limiter` (failed logins and tokens per user and
//! address), `revoked` (the revocation list and its events), `revocations_file` (the list on disk), `setting` (setting a password).

mod authenticator;
mod limiter;
mod password;
mod revocations_file;
mod revoked;
mod setting;
mod token;

pub use authenticator::Auth;
pub use token::{Claims, TokenError, TokenKey};

use clacks_runtime::call::{CallContext, CallError};
use clacks_runtime::dispatch::Dispatcher;
use clacks_runtime::events::{Event, EventBus, Subscription, WhenActive};
use clacks_runtime::plugin::plugin;
use clacks_runtime::serde_json::{json, Value};
use clacks_runtime::{Error, PluginContext, PluginDef};
use clacks_xml::Namespaces;
use std::sync::Arc;

/// Bearer tokens of the domain.
pub struct AuthPlugin {
    auth: Arc<Auth>,
    node: Arc<str>,
    events: EventBus,
    calls: Dispatcher,
    _revocations: Subscription,
    /// The starting node's request for the domain's revocations; stopped with the plugin.
    _join: WhenActive,
}

impl AuthPlugin {
    /// The plugin sharing `auth` with the node's gateway.
    pub fn definition(auth: &Arc<Auth>) -> PluginDef {
        let auth = auth.clone();
        PluginDef::new(move |ctx: &PluginContext| {
            let handler = auth.clone();
            let (node, bus) = (ctx.node.clone(), ctx.events.clone());
            let subscription = ctx
                .events
                .subscribe_detached(
                    vec!["TokenRevoked".to_owned(), "TokenRevocations".to_owned()],
                    None,
                    &Namespaces::default(),
                    move |event| receive(&handler, &node, &bus, event),
                )
                .map_err(|e| {
                    Error::node(&*ctx.node, format!("cannot subscribe to TokenRevoked: {e}"))
                })?;
            // Once the subscription receives, ask the domain for the revocations made before.
            let (node, bus) = (ctx.node.clone(), ctx.events.clone());
            let join =
                subscription.when_active("the revoked tokens were not requested", move || {
                    if let Err(e) = bus.publish_detached(&revoked::list_xml(&node, &[])) {
                        tracing::warn!(node = %node, error = %e,
                        "the domain's revoked tokens not requested");
                    }
                });
            Ok(AuthPlugin {
                auth: auth.clone(),
                node: ctx.node.clone(),
                events: ctx.events.clone(),
                calls: ctx.calls.clone(),
                _revocations: subscription,
                _join: join,
            })
        })
    }

    /// Sets passwords as the caller of `ctx`, reading and writing on this node when it runs
    /// the `objects` plugin (so a write just made is seen).
    fn setter<'a>(&'a self, ctx: &'a CallContext) -> setting::Setter<'a> {
        let local = self
            .calls
            .membership()
            .node(&self.node)
            .is_some_and(|n| n.plugins.contains_key("objects"))
            .then_some(&*self.node);
        setting::Setter {
            calls: &self.calls,
            local,
            base: &self.auth.lookup.base,
            caller: ctx.caller(),
        }
    }
}

/// Applies a delivered `TokenRevoked`, or a `TokenRevocations` from another node: adopts its
/// list, or answers its request with this node's list (when it holds any).
fn receive(auth: &Auth, node: &str, bus: &EventBus, event: &Event) {
    if event.name == "TokenRevoked" {
        match revoked::from_event(event) {
            Some((id, expires_ms)) => {
                tracing::info!(token = %id, "token revoked");
                if let Err(e) = auth.revoked.insert(&id, expires_ms) {
                    tracing::error!(node = %node, token = %id, error = %e,
                        "a revocation holds in memory but was not kept on disk");
                }
            }
            None => tracing::warn!("a TokenRevoked event without id or expiry"),
        }
        return;
    }
    let Some((from, tokens)) = revoked::list_from_event(event) else {
        tracing::warn!("a TokenRevocations event without a sender");
        return;
    };
    if from == node {
        return;
    }
    if !tokens.is_empty() {
        tracing::info!(node = %node, from = %from, tokens = tokens.len(),
            "revoked tokens adopted from the domain");
        if let Err(e) = auth.revoked.extend(&tokens) {
            tracing::error!(node = %node, error = %e,
                "adopted revocations hold in memory but were not kept on disk");
        }
        return;
    }
    let current = auth.revoked.current();
    if current.is_empty() {
        return;
    }
    if let Err(e) = bus.publish_detached(&revoked::list_xml(node, &current)) {
        tracing::warn!(node = %node, to = %from, error = %e,
            "the revoked tokens not sent to a starting node");
    }
}

/// Bearer tokens and passwords: revocation, setting a user's password.
#[plugin(name = "auth")]
impl AuthPlugin {
    /// Sets the password of `user` (a `uid` or the user's DN), hashed with the user's own
    /// method (its `passwordMethod`; `crypt/md5`, the original's default, when the caller may
    /// not read it or it cannot hash) and stored in `userPassword` through the object layer
    /// as the caller, whose ACLs decide (`w` on `userPassword`). Returns `{"dn", "method"}`.
    #[command]
    async fn set_password(
        &self,
        ctx: &CallContext,
        user: String,
        password: String,
    ) -> Result<Value, CallError> {
        self.setter(ctx).set(&user, &password, None).await
    }

    /// Sets the password of `user` as `set_password` does, but hashed with
    /// `method` (a `passwordMethod` value: `crypt/md5`, `crypt/sha-512`, `ssha`, …), which
    /// the user's later passwords keep. Returns `{"dn", "method"}`.
    #[command]
    async fn set_password_method(
        &self,
        ctx: &CallContext,
        user: String,
        method: String,
        password: String,
    ) -> Result<Value, CallError> {
        let method = setting::method_named(&method)?;
        self.setter(ctx).set(&user, &password, Some(method)).await
    }

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
        let kept = self.auth.revoked.insert(&claims.id, claims.expires_ms);
        let xml = revoked::event_xml(&self.node, &claims);
        self.events.publish_detached(&xml).map_err(|e| {
            CallError::internal(format!(
                "revoked on {} but not sent to the domain: {e}",
                self.node
            ))
        })?;
        if let Err(e) = kept {
            // The domain has it (the event went out), but this node would forget it on a
            // restart of every node: the operator must hear of it.
            tracing::error!(node = %self.node, token = %claims.id, error = %e,
                "a revocation holds for the domain but was not kept on disk");
            return Err(CallError::internal(format!(
                "revoked for the domain, but {} did not keep it on disk: {e}",
                self.node
            )));
        }
        tracing::info!(node = %self.node, token = %claims.id, user = %claims.user,
            "token revoked for the domain");
        Ok(json!({"id": claims.id, "user": claims.user, "expires_ms": claims.expires_ms}))
    }
}

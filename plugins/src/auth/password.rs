//! Checking a user's password against the object layer: the `User` whose `uid` is the name,
//! searched under `[objects] base` (on this node when it runs the `objects` plugin, so a
//! fresh write there is seen at once), its `userPassword` hash checked as the original stored
//! it (`{SSHA}`, `{CRYPT}$6$…`, …: `clacks_objects::password`). A locked hash (`{CRYPT}!…`)
//! never matches. The search runs as `[auth] lookup_user`, which the ACLs must let read
//! users' `userPassword`.

use clacks_runtime::call::{CallError, CallRequest, Params};
use clacks_runtime::NodeHandle;
use serde_json::{json, Map, Value};
use std::time::Duration;

/// How long a lookup may take before the login is answered 503.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Where users are looked up, and as whom.
#[derive(Debug, Clone)]
pub struct PasswordLookup {
    /// The search base (`[objects] base`).
    pub base: String,
    /// The identity of the search.
    pub caller: String,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The password is the user's.
    Matches,
    /// No such user, no hash, a locked one, or another password.
    Wrong(&'static str),
}

impl PasswordLookup {
    /// Whether `password` is `user`'s; an error when the object layer could not be asked.
    pub async fn check(
        &self,
        node: &NodeHandle,
        user: &str,
        password: &str,
    ) -> Result<Checked, CallError> {
        let Some(hash) = self.stored_hash(node, user).await? else {
            return Ok(Checked::Wrong("no such user, or no password set"));
        };
        if clacks_objects::password::is_locked(&hash) {
            return Ok(Checked::Wrong("the account is locked"));
        }
        // Hashing runs on a blocking worker: crypt-style methods are slow on purpose.
        let password = password.to_owned();
        let matched =
            tokio::task::spawn_blocking(move || clacks_objects::password::verify(&password, &hash))
                .await
                .map_err(|e| CallError::internal(format!("password check failed: {e}")))?;
        Ok(match matched {
            Ok(true) => Checked::Matches,
            Ok(false) => Checked::Wrong("wrong password"),
            Err(_) => Checked::Wrong("the stored hash uses a method that cannot be checked"),
        })
    }

    async fn stored_hash(
        &self,
        node: &NodeHandle,
        user: &str,
    ) -> Result<Option<String>, CallError> {
        let mut params = Map::new();
        params.insert("base".into(), json!(self.base));
        params.insert("scope".into(), json!("sub"));
        params.insert("query".into(), json!({"_type": "User", "uid": user}));
        params.insert("attrs".into(), json!(["userPassword"]));
        params.insert("limit".into(), json!(2));
        let mut request = CallRequest::new("objects.search", Params::Named(params))
            .with_caller(self.caller.clone())
            .with_timeout(LOOKUP_TIMEOUT);
        if node.plugins().contains_key("objects") {
            request = request.on_node(node.name());
        }
        let found = node.call(request).await?;
        let objects = found["objects"].as_array().cloned().unwrap_or_default();
        if objects.len() != 1 {
            // Two users with one uid: neither may log in by it (which one would it be?).
            if objects.len() > 1 {
                tracing::warn!(user = %user, "several users share this uid; refusing the login");
            }
            return Ok(None);
        }
        let hash = match &objects[0]["attrs"]["userPassword"] {
            Value::Array(values) => values.first().and_then(Value::as_str).map(str::to_owned),
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        Ok(hash.filter(|h| !h.is_empty()))
    }
}

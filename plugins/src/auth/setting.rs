//! Setting a user's password: `auth.set_password(user, password)`, the original's
//! `setUserPassword` (the command of the `User` method `changePassword`). The password is
//! hashed with the method new passwords get (the original's default, `crypt/md5`) and stored
//! in `userPassword` with `objects.update` as the calling user, so the ACLs decide: without
//! `w` on `D.objects.User.attributes.userPassword` the answer is `-32003`. `user` is a `uid`
//! (searched under `[objects] base` as the caller, so a caller who may not find the user
//! learns nothing the search would not tell) or the user's DN.

use clacks_objects::password;
use clacks_runtime::call::{CallError, CallRequest, Params};
use clacks_runtime::dispatch::Dispatcher;
use serde_json::{json, Map, Value};
use std::time::Duration;

use super::password::{find_user, NEW_PASSWORD_METHOD};

/// How long the store may take to write the hash.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom a password is set.
pub struct Setter<'a> {
    /// The node's dispatcher.
    pub calls: &'a Dispatcher,
    /// This node, when it runs the `objects` plugin (reads and writes go there).
    pub local: Option<&'a str>,
    /// `[objects] base`.
    pub base: &'a str,
    /// The calling user: the search and the write run as it.
    pub caller: &'a str,
}

impl Setter<'_> {
    /// Stores a new hash of `password` for `user` (a uid or a DN); returns `{"dn", "method"}`.
    pub async fn set(&self, user: &str, password: &str) -> Result<Value, CallError> {
        if password.is_empty() {
            return Err(CallError::invalid_params("a password may not be empty"));
        }
        let dn = self.dn_of(user).await?;
        let secret = password.to_owned();
        let hash =
            tokio::task::spawn_blocking(move || password::hash(&secret, NEW_PASSWORD_METHOD))
                .await
                .map_err(|e| CallError::internal(format!("hashing the password failed: {e}")))?
                .map_err(|e| CallError::internal(format!("the password cannot be hashed: {e}")))?;
        let mut params = Map::new();
        params.insert("ref".into(), json!(dn));
        params.insert("changes".into(), json!({"set": {"userPassword": hash}}));
        let mut request = CallRequest::new("objects.update", Params::Named(params))
            .with_caller(self.caller.to_owned())
            .with_timeout(WRITE_TIMEOUT);
        if let Some(node) = self.local {
            request = request.on_node(node);
        }
        self.calls.call(request).await?;
        tracing::info!(caller = %self.caller, dn = %dn, method = NEW_PASSWORD_METHOD.name(),
            "password set");
        Ok(json!({"dn": dn, "method": NEW_PASSWORD_METHOD.name()}))
    }

    /// The DN of `user`: itself when it is one, else the one `User` with that `uid`.
    async fn dn_of(&self, user: &str) -> Result<String, CallError> {
        if user.contains('=') {
            return Ok(user.to_owned());
        }
        let found = find_user(self.calls, self.local, self.base, self.caller, user, &[]).await?;
        match found.as_slice() {
            [one] => one["dn"].as_str().map(str::to_owned).ok_or_else(|| {
                CallError::internal(format!(
                    "objects.search answered a user without a DN: {one}"
                ))
            }),
            [] => Err(CallError::invalid_params(format!(
                "no user with uid {user:?} under {}",
                self.base
            ))),
            _ => Err(CallError::invalid_params(format!(
                "several users have uid {user:?}; name the one by its DN"
            ))),
        }
    }
}

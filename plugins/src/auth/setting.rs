//! Setting a user's password: `auth.set_password(user, password)`, the original's
//! `setUserPassword` (the command of the `User` method `changePassword`), and
//! `auth.set_password_method(user, method, password)`, its `setUserPasswordMethod`
//! (`changePasswordMethod`). As in the original, a new password keeps the user's hashing
//! method (the `User`'s `passwordMethod`, read from the stored hash); a user whose method the
//! caller may not read, or whose hash names no method that can hash (none, DES crypt), gets
//! the method new passwords get (the original's default, `crypt/md5`). The hash is stored in
//! `userPassword` with `objects.update` as the calling user, so the ACLs decide: without `w`
//! on `D.objects.User.attributes.userPassword` the answer is `-32003`. `user` is a `uid`
//! (searched under `[objects] base` as the caller, so a caller who may not find the user
//! learns nothing the search would not tell) or the user's DN.

use clacks_objects::password::{self, Method};
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

/// The method named `name` (`passwordMethod`'s values), when it can hash a new password.
pub fn method_named(name: &str) -> Result<Method, CallError> {
    let names = || {
        password::ALL_METHODS
            .iter()
            .filter(|m| can_hash(**m))
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match Method::from_name(name.trim()) {
        Some(method) if can_hash(method) => Ok(method),
        Some(_) => Err(CallError::invalid_params(format!(
            "password method {name:?} cannot hash a new password (DES crypt keeps only 8 \
             characters); use one of {}",
            names()
        ))),
        None => Err(CallError::invalid_params(format!(
            "unknown password method {name:?}; use one of {}",
            names()
        ))),
    }
}

/// Whether `method` makes new hashes (the DES crypts are recognised only).
fn can_hash(method: Method) -> bool {
    !matches!(method, Method::CryptStandardDes | Method::CryptEnhancedDes)
}

impl Setter<'_> {
    /// Stores a new hash of `password` for `user` (a uid or a DN) with the user's own method,
    /// or with `method` when given; returns `{"dn", "method"}`.
    pub async fn set(
        &self,
        user: &str,
        password: &str,
        method: Option<Method>,
    ) -> Result<Value, CallError> {
        if password.is_empty() {
            return Err(CallError::invalid_params("a password may not be empty"));
        }
        let (dn, current) = self.dn_of(user).await?;
        let method = method.unwrap_or_else(|| {
            current
                .as_deref()
                .and_then(Method::from_name)
                .filter(|m| can_hash(*m))
                .unwrap_or(NEW_PASSWORD_METHOD)
        });
        let secret = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || password::hash(&secret, method))
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
        tracing::info!(caller = %self.caller, dn = %dn, method = method.name(), "password set");
        Ok(json!({"dn": dn, "method": method.name()}))
    }

    /// The DN of `user` (itself when it is one, else the one `User` with that `uid`) and its
    /// `passwordMethod` when the caller may read it.
    async fn dn_of(&self, user: &str) -> Result<(String, Option<String>), CallError> {
        let method_of = |object: &Value| {
            let value = &object["attrs"]["passwordMethod"];
            value
                .as_str()
                .or_else(|| value[0].as_str())
                .map(str::to_owned)
        };
        if user.contains('=') {
            let get = Params::Positional(vec![json!(user), json!(["passwordMethod"])]);
            let get = CallRequest::new("objects.get", get)
                .with_caller(self.caller.to_owned())
                .with_timeout(WRITE_TIMEOUT);
            let get = match self.local {
                Some(node) => get.on_node(node),
                None => get,
            };
            // A caller who may not read the user still may be allowed to write its password.
            let method = self.calls.call(get).await.ok().and_then(|o| method_of(&o));
            return Ok((user.to_owned(), method));
        }
        let found = find_user(
            self.calls,
            self.local,
            self.base,
            self.caller,
            user,
            &["passwordMethod"],
        )
        .await?;
        match found.as_slice() {
            [one] => match one["dn"].as_str() {
                Some(dn) => Ok((dn.to_owned(), method_of(one))),
                None => Err(CallError::internal(format!(
                    "objects.search answered a user without a DN: {one}"
                ))),
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_is_taken_by_its_name_and_one_that_cannot_hash_is_refused_saying_why() {
        assert_eq!(
            method_named("crypt/sha-512").ok(),
            Some(Method::CryptSha512)
        );
        assert_eq!(method_named(" ssha ").ok(), Some(Method::Ssha));
        let des = method_named("crypt/standard-des").unwrap_err().to_string();
        assert!(
            des.contains("cannot hash") && des.contains("crypt/md5"),
            "{des}"
        );
        let unknown = method_named("rot13").unwrap_err().to_string();
        assert!(
            unknown.contains("unknown password method") && unknown.contains("ssha"),
            "{unknown}"
        );
    }
}

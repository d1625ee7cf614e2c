//! Checking a user's password against the object layer: the `User` whose `uid` is the name,
//! searched under `[objects] base` (on this node when it runs the `objects` plugin, so a
//! fresh write there is seen at once), its `userPassword` hash checked as the original stored
//! it (`{SSHA}`, `{CRYPT}$6$…`, …: `clacks_objects::password`). The search runs as `[auth]
//! lookup_user`, which the ACLs must let read users' `userPassword`.
//!
//! Every login costs one hash verification, whatever it finds: when there is no such user,
//! no hash, a locked one (`{CRYPT}!…`, never matching) or one of a method that cannot be
//! checked, the password is verified against a [`Decoy`] instead (a hash of the method the
//! domain's users have, as the last checked hash showed, else the method new passwords get)
//! and the login fails; so the answer's timing does not tell which users exist.

use clacks_objects::password::{self, Method};
use clacks_runtime::call::{CallError, CallRequest, Params};
use clacks_runtime::dispatch::Dispatcher;
use clacks_runtime::NodeHandle;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a lookup may take before the login is answered 503.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// The method new passwords get: the original's `passwordMethod` default (`crypt/md5`).
pub const NEW_PASSWORD_METHOD: Method = Method::CryptMd5;

/// A `crypt/md5` hash of a password no user has (`openssl passwd -1 -salt clacksDC`): the
/// decoy when no random salt can be had for a fresh one.
const FIXED_DECOY: &str = "{CRYPT}$1$clacksDC$8IlcY97ppqTxXdjpLsXUy.";

/// Where users are looked up, and as whom.
#[derive(Debug, Clone)]
pub struct PasswordLookup {
    /// The search base (`[objects] base`).
    pub base: String,
    /// The identity of the search.
    pub caller: String,
    /// What a login without a usable hash is checked against.
    pub decoy: Decoy,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The password is the user's.
    Matches,
    /// No such user, no hash, a locked one, or another password.
    Wrong(&'static str),
}

/// Hashes of a password nobody has, one per method, each made once: what a password is
/// verified against when the user has no usable hash, so that such a login costs what
/// checking a real one costs.
#[derive(Debug, Clone, Default)]
pub struct Decoy {
    state: Arc<Mutex<DecoyState>>,
}

#[derive(Debug, Default)]
struct DecoyState {
    /// The method of the last usable hash checked (the domain's).
    method: Option<Method>,
    hashes: HashMap<Method, String>,
}

impl Decoy {
    /// Notes the method of a usable hash just checked.
    fn note(&self, method: Method) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).method = Some(method);
    }

    /// The decoy hash of the domain's method (the last noted, else [`NEW_PASSWORD_METHOD`]).
    pub fn hash(&self) -> String {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let method = state.method.unwrap_or(NEW_PASSWORD_METHOD);
        if let Some(hash) = state.hashes.get(&method) {
            return hash.clone();
        }
        let hash = match password::hash("no user has this password", method) {
            Ok(hash) => hash,
            Err(e) => {
                tracing::warn!(method = method.name(), error = %e,
                    "no decoy hash of the domain's method; using a fixed crypt/md5 one");
                FIXED_DECOY.to_owned()
            }
        };
        state.hashes.insert(method, hash.clone());
        hash
    }
}

/// The method of `stored` when a password can be checked against it, else why not.
fn usable(stored: &str) -> Result<Method, &'static str> {
    if password::is_locked(stored) {
        return Err("the account is locked");
    }
    match password::detect(stored) {
        Some(Method::CryptStandardDes | Method::CryptEnhancedDes) | None => {
            Err("the stored hash uses a method that cannot be checked")
        }
        Some(method) => Ok(method),
    }
}

/// Whether `password` matches `stored` (the user's hash, `None` when there is no user or no
/// hash), calling `verify(password, hash)` exactly once on every path: against the user's
/// hash when it is usable, else against the decoy, whose outcome is ignored.
pub fn judge<E>(
    stored: Option<&str>,
    password: &str,
    decoy: &Decoy,
    verify: impl FnOnce(&str, &str) -> Result<bool, E>,
) -> Checked {
    let user_hash = match stored.map(|h| (h, usable(h))) {
        Some((hash, Ok(method))) => {
            decoy.note(method);
            Ok(hash)
        }
        Some((_, Err(why))) => Err(why),
        None => Err("no such user, or no password set"),
    };
    match user_hash {
        Ok(hash) => match verify(password, hash) {
            Ok(true) => Checked::Matches,
            Ok(false) => Checked::Wrong("wrong password"),
            Err(_) => Checked::Wrong("the stored hash cannot be checked"),
        },
        Err(why) => {
            let _ = verify(password, &decoy.hash());
            Checked::Wrong(why)
        }
    }
}

impl PasswordLookup {
    /// Whether `password` is `user`'s; an error when the object layer could not be asked.
    pub async fn check(
        &self,
        node: &NodeHandle,
        user: &str,
        password: &str,
    ) -> Result<Checked, CallError> {
        let stored = self.stored_hash(node, user).await?;
        // Hashing runs on a blocking worker: crypt-style methods are slow on purpose.
        let (password, decoy) = (password.to_owned(), self.decoy.clone());
        tokio::task::spawn_blocking(move || {
            judge(stored.as_deref(), &password, &decoy, password::verify)
        })
        .await
        .map_err(|e| CallError::internal(format!("password check failed: {e}")))
    }

    async fn stored_hash(
        &self,
        node: &NodeHandle,
        user: &str,
    ) -> Result<Option<String>, CallError> {
        let local = node.plugins().contains_key("objects").then(|| node.name());
        let objects = find_user(
            node.dispatcher(),
            local,
            &self.base,
            &self.caller,
            user,
            &["userPassword"],
        )
        .await?;
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

/// The `User` objects whose `uid` is `uid` under `base` (at most two: more than one is
/// already too many), with `attrs`, searched as `caller`; on node `local` when given (this
/// node, running the `objects` plugin, so that a write it just made is seen).
pub async fn find_user(
    calls: &Dispatcher,
    local: Option<&str>,
    base: &str,
    caller: &str,
    uid: &str,
    attrs: &[&str],
) -> Result<Vec<Value>, CallError> {
    let mut params = Map::new();
    params.insert("base".into(), json!(base));
    params.insert("scope".into(), json!("sub"));
    params.insert("query".into(), json!({"_type": "User", "uid": uid}));
    params.insert("attrs".into(), json!(attrs));
    params.insert("limit".into(), json!(2));
    let mut request = CallRequest::new("objects.search", Params::Named(params))
        .with_caller(caller.to_owned())
        .with_timeout(LOOKUP_TIMEOUT);
    if let Some(node) = local {
        request = request.on_node(node);
    }
    let found = calls.call(request).await?;
    Ok(found["objects"].as_array().cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// `judge` with a verification that records what it was asked to check against.
    fn judged(stored: Option<&str>, password: &str, decoy: &Decoy) -> (Checked, Vec<String>) {
        let against = RefCell::new(Vec::new());
        let checked = judge(stored, password, decoy, |p, h| {
            against.borrow_mut().push(h.to_owned());
            password::verify(p, h)
        });
        (checked, against.into_inner())
    }

    #[test]
    fn every_path_verifies_one_hash_so_unknown_users_cost_what_wrong_passwords_do() {
        let decoy = Decoy::default();
        let real = password::hash("s3cret", Method::Ssha).expect("hash");
        let locked = password::lock(&real);
        let des = "{CRYPT}abJnggxhB/yWI";
        let cases: [(Option<&str>, &str, Checked); 6] = [
            (Some(&real), "s3cret", Checked::Matches),
            (Some(&real), "guess", Checked::Wrong("wrong password")),
            (
                None,
                "guess",
                Checked::Wrong("no such user, or no password set"),
            ),
            (
                Some(&locked),
                "s3cret",
                Checked::Wrong("the account is locked"),
            ),
            (
                Some(des),
                "guess",
                Checked::Wrong("the stored hash uses a method that cannot be checked"),
            ),
            (
                Some("{ROT13}nyvpr"),
                "guess",
                Checked::Wrong("the stored hash uses a method that cannot be checked"),
            ),
        ];
        for (stored, given, expected) in cases {
            let (checked, against) = judged(stored, given, &decoy);
            assert_eq!(checked, expected, "{stored:?}");
            assert_eq!(against.len(), 1, "{stored:?}: verified against {against:?}");
            // Without a usable hash, the decoy: of the method the domain's users have ({SSHA},
            // seen in the first case), never the unusable hash itself.
            if stored.is_none_or(|s| usable(s).is_err()) {
                assert_eq!(
                    password::detect(&against[0]),
                    Some(Method::Ssha),
                    "{stored:?}"
                );
                assert!(!password::is_locked(&against[0]));
            }
        }
    }

    #[test]
    fn the_decoy_is_of_the_new_password_method_until_a_users_hash_is_seen() {
        let decoy = Decoy::default();
        let (checked, against) = judged(None, "guess", &decoy);
        assert_eq!(checked, Checked::Wrong("no such user, or no password set"));
        assert_eq!(password::detect(&against[0]), Some(NEW_PASSWORD_METHOD));
        // A decoy never lets a login in, even with the password it was made of.
        let (checked, _) = judged(None, "no user has this password", &decoy);
        assert_ne!(checked, Checked::Matches);
        assert_eq!(password::detect(FIXED_DECOY), Some(NEW_PASSWORD_METHOD));
        assert_eq!(
            password::verify("no-user-has-this-password", FIXED_DECOY).ok(),
            Some(true)
        );
        let sha512 = password::hash("pw", Method::CryptSha512).expect("hash");
        let _ = judged(Some(&sha512), "other", &decoy);
        let (_, against) = judged(None, "guess", &decoy);
        assert_eq!(password::detect(&against[0]), Some(Method::CryptSha512));
    }
}

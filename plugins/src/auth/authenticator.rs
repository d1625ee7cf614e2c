//! [`Auth`]: the gateway's [`Authenticator`] of a node with `[auth]` on. Passwords are checked
//! against the object layer ([`PasswordLookup`]) behind the failure limits ([`Limiter`]),
//! tokens are signed and checked with the domain's key ([`TokenKey`]) and the revocations the
//! `auth` plugin keeps ([`Revoked`]). A bearer token that fails (forged, expired, revoked)
//! counts as a failure of its address like a wrong password: an address guessing tokens is
//! answered 429 as soon as one guessing passwords would be.

use clacks_gateway::auth::{AuthRefusal, Authenticator, Issued, Reason};
use clacks_runtime::call::unix_millis_now;
use clacks_runtime::config::Settings;
use clacks_runtime::{Error, NodeHandle};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::limiter::Limiter;
use super::password::{Checked, Decoy, PasswordLookup};
use super::revoked::Revoked;
use super::token::{Claims, TokenError, TokenKey};

/// The identity checks of one node, shared by its gateway and its `auth` plugin.
pub struct Auth {
    pub(super) domain: String,
    pub(super) key: TokenKey,
    ttl: Duration,
    limiter: Limiter,
    pub(super) revoked: Revoked,
    pub(super) lookup: PasswordLookup,
}

impl Auth {
    /// The checks of `settings` when `[auth] enabled`, else `None`; a key file that cannot be
    /// used is a configuration error.
    pub fn from_settings(settings: &Settings) -> Result<Option<Arc<Auth>>, Error> {
        let auth = &settings.auth;
        if !auth.enabled {
            return Ok(None);
        }
        let key = auth.token_key()?;
        Ok(Some(Arc::new(Auth {
            domain: settings.node.domain.clone(),
            key: TokenKey::new(&key),
            ttl: Settings::seconds(auth.token_ttl),
            limiter: Limiter::new(auth.max_failures, Settings::seconds(auth.failure_window)),
            revoked: Revoked::open(&auth.revocations_file)?,
            lookup: PasswordLookup {
                base: settings.objects.base.clone(),
                caller: auth.lookup_user(&settings.node.domain),
                decoy: Decoy::default(),
            },
        })))
    }

    /// The claims of a token of this domain's key that is neither expired nor revoked.
    pub fn valid_claims(&self, token: &str) -> Result<Claims, AuthRefusal> {
        let claims = self
            .key
            .verify(token, &self.domain, unix_millis_now())
            .map_err(|e| match e {
                TokenError::Invalid(why) => AuthRefusal::new(Reason::InvalidToken, "", why),
                TokenError::OtherDomain(d) => AuthRefusal::new(
                    Reason::InvalidToken,
                    "",
                    format!("the token is for domain {d}"),
                ),
                TokenError::Expired(c) => AuthRefusal::new(
                    Reason::ExpiredToken,
                    &c.user,
                    format!(
                        "the token expired at {}",
                        clacks_xml::events::timestamp::from_unix_millis(c.expires_ms as i64)
                    ),
                ),
            })?;
        if self.revoked.contains(&claims.id) {
            return Err(AuthRefusal::new(
                Reason::RevokedToken,
                &claims.user,
                "the token was revoked (auth.revoke)",
            ));
        }
        Ok(claims)
    }
}

/// The limiter's keys of a login: the user's, and the address's when known.
fn keys(user: &str, peer: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("user:{user}")];
    keys.extend(address_key(peer));
    keys
}

fn address_key(peer: Option<IpAddr>) -> Option<String> {
    peer.map(|peer| format!("address:{peer}"))
}

/// The 429 refusal of `user` (empty when unknown) while a key is blocked for `wait`.
fn too_many(user: &str, wait: Duration) -> AuthRefusal {
    AuthRefusal::new(
        Reason::TooMany,
        user,
        format!(
            "too many failed logins or tokens for this user or address; retry in {} s",
            wait.as_secs().max(1)
        ),
    )
    .retry_after(wait)
}

impl Authenticator for Auth {
    fn check_password<'a>(
        &'a self,
        node: &'a NodeHandle,
        user: &'a str,
        password: &'a str,
        peer: Option<IpAddr>,
    ) -> BoxFuture<'a, Result<(), AuthRefusal>> {
        async move {
            let keys = keys(user, peer);
            if let Some(wait) = self.limiter.blocked(&keys, Instant::now()) {
                return Err(too_many(user, wait));
            }
            match self.lookup.check(node, user, password).await {
                Ok(Checked::Matches) => {
                    self.limiter.succeeded(&keys[0]);
                    Ok(())
                }
                Ok(Checked::Wrong(why)) => {
                    self.limiter.failed(&keys, Instant::now());
                    // The caller hears "wrong user or password" only; the log and the audit
                    // record keep the reason.
                    Err(AuthRefusal::new(
                        Reason::WrongPassword,
                        user,
                        format!("wrong user or password ({why})"),
                    ))
                }
                Err(e) => Err(AuthRefusal::new(
                    Reason::Unavailable,
                    user,
                    format!("the users cannot be looked up: {e}"),
                )),
            }
        }
        .boxed()
    }

    fn issue(&self, user: &str) -> Result<Issued, AuthRefusal> {
        let expires_ms = unix_millis_now() + self.ttl.as_millis() as u64;
        let (token, _) = self
            .key
            .issue(user, &self.domain, expires_ms)
            .ok_or_else(|| {
                AuthRefusal::new(Reason::Unavailable, user, "no randomness for a token id")
            })?;
        Ok(Issued { token, expires_ms })
    }

    fn bearer(&self, token: &str, peer: Option<IpAddr>) -> Result<String, AuthRefusal> {
        // Only the address counts: a token names its user only once it checks out, and a
        // stolen, revoked token replayed must not lock its user out.
        let keys: Vec<String> = address_key(peer).into_iter().collect();
        if let Some(wait) = self.limiter.blocked(&keys, Instant::now()) {
            return Err(too_many("", wait));
        }
        self.valid_claims(token).map(|c| c.user).inspect_err(|_| {
            self.limiter.failed(&keys, Instant::now());
        })
    }
}

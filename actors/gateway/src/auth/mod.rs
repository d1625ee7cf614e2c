//! Who an HTTP caller is. In order: the common name of a verified client certificate (HTTPS
//! with `http.client_ca_file`); with `[auth]` on, the `Authorization` header, HTTP Basic
//! (checked against the users of the object layer) or a bearer token from `POST /login`,
//! and nothing else (HTTP 401); without `[auth]`, `http.user`. The checks themselves
//! (password hashes, token signatures, revocations, failure counts) belong to an
//! [`Authenticator`] the node gives the gateway (the `auth` plugin's); the gateway maps
//! them to HTTP, and logs every refusal and publishes it as an `Audit` event.
//!
//! Layout: `credentials` (reading the header), `refusal` (the 401/429/503 answers),
//! `login` (`POST /login`).

mod credentials;
mod login;
mod refusal;

pub use credentials::Credentials;
pub use refusal::{AuthRefusal, Reason};

pub(crate) use login::login;

use actix_web::{HttpRequest, HttpResponse};
use clacks_runtime::acl::Rights;
use clacks_runtime::events::audit_sink;
use clacks_runtime::plugin::AuditRecord;
use clacks_runtime::NodeHandle;
use futures_util::future::BoxFuture;
use std::net::IpAddr;

use crate::client_cert::PeerUser;

/// A token handed out by `POST /login`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The bearer token.
    pub token: String,
    /// When it expires, Unix milliseconds.
    pub expires_ms: u64,
}

/// The identity checks of a node whose HTTP callers must authenticate.
pub trait Authenticator: Send + Sync {
    /// Whether `password` is `user`'s (HTTP Basic and `/login`), counting failures per user
    /// and per `peer` address: past the limit, a refusal with [`Reason::TooMany`] before
    /// any password is checked.
    fn check_password<'a>(
        &'a self,
        node: &'a NodeHandle,
        user: &'a str,
        password: &'a str,
        peer: Option<IpAddr>,
    ) -> BoxFuture<'a, Result<(), AuthRefusal>>;

    /// A new token for `user`, who just proved its password.
    fn issue(&self, user: &str) -> Result<Issued, AuthRefusal>;

    /// The user of a bearer token: signed with the domain's key, not expired, not revoked.
    /// A token that fails counts as a failure of `peer`'s address; past the limit, a refusal
    /// with [`Reason::TooMany`] before the token is checked.
    fn bearer(&self, token: &str, peer: Option<IpAddr>) -> Result<String, AuthRefusal>;
}

/// The caller of `req` on `node`, or the answer refusing it (already logged and audited):
/// a client certificate's user, else without `auth` the gateway's configured `user`, else
/// the user Basic or a bearer token proves.
pub(crate) async fn caller(
    req: &HttpRequest,
    node: &NodeHandle,
    auth: Option<&dyn Authenticator>,
    user: &str,
) -> Result<String, HttpResponse> {
    if let Some(user) = req.conn_data::<PeerUser>() {
        return Ok(user.0.clone());
    }
    let Some(auth) = auth else {
        return Ok(user.to_owned());
    };
    let peer = req.peer_addr().map(|a| a.ip());
    let outcome = match Credentials::of(req) {
        Err(refusal) => Err(refusal),
        Ok(Credentials::None) => Err(AuthRefusal::new(
            Reason::Missing,
            "",
            "this node requires HTTP Basic, a bearer token from POST /login, or a client certificate",
        )),
        Ok(Credentials::Basic { user, password }) => auth
            .check_password(node, &user, &password, peer)
            .await
            .map(|()| user),
        Ok(Credentials::Bearer(token)) => auth.bearer(&token, peer),
    };
    outcome.map_err(|refusal| refused(node, req.path(), peer, &refusal))
}

/// Where the TLS layer reports a client certificate it refused (one not from
/// `http.client_ca_file`'s CA): logged and audited like any other refused caller, under the
/// user the certificate names. The handshake has failed by then; no request is ever read.
pub(crate) fn certificate_refusals(node: &NodeHandle) -> clacks_tls::Refusals {
    let node = node.clone();
    std::sync::Arc::new(move |refused: &clacks_tls::CertRefusal| {
        let user = refused.user.clone().unwrap_or_default();
        let refusal = AuthRefusal::new(
            Reason::BadCertificate,
            &user,
            format!("client certificate refused: {}", refused.problem),
        );
        log_and_audit(&node, "(TLS handshake)", None, &refusal);
    })
}

/// Logs and audits `refusal` of a request for `path` from `peer`, and makes its answer.
pub(crate) fn refused(
    node: &NodeHandle,
    path: &str,
    peer: Option<IpAddr>,
    refusal: &AuthRefusal,
) -> HttpResponse {
    log_and_audit(node, path, peer, refusal);
    refusal.response(node.name())
}

/// The log line and the `Audit` event of a refused caller.
fn log_and_audit(node: &NodeHandle, path: &str, peer: Option<IpAddr>, refusal: &AuthRefusal) {
    let address = peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string());
    tracing::warn!(node = %node.name(), user = %refusal.user, address = %address, path = %path,
        reason = refusal.reason.word(), detail = %refusal.detail, "HTTP caller refused");
    let record = AuditRecord {
        user: if refusal.user.is_empty() {
            "-".to_owned()
        } else {
            refusal.user.clone()
        },
        topic: format!("{}.auth.http", node.domain()),
        rights: Rights::EXECUTE,
        allowed: false,
        entry: Some(format!(
            "{} from {address} on {path}: {}",
            refusal.reason.word(),
            refusal.detail
        )),
    };
    audit_sink(node.event_bus())(record);
}

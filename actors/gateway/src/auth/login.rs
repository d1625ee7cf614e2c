//! `POST /login` with `{"user": …, "password": …}`: answers `{"token": …, "expires": …}`
//! (`expires` in RFC 3339 and `expires_ms` in Unix milliseconds), a bearer token valid on
//! every node of the domain until then. A wrong password is HTTP 401 and counts towards the
//! failure limit like a wrong Basic password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{refused, AuthRefusal, Reason};
use clacks_runtime::NodeHandle;

use super::Authenticator;

/// The body of `POST /login`.
#[derive(Deserialize)]
struct LoginBody {
    user: String,
    password: String,
}

/// The body limit of `/login`: a user and a password, no more.
const MAX_LOGIN_BODY: usize = 4096;

/// `POST /login` on `node`, with the node's authenticator when `[auth]` is on (the route in
/// `routes` hands over the pieces of the gateway's state this needs, so that `auth` does not
/// depend on `routes`).
pub(crate) async fn login(
    req: &HttpRequest,
    body: web::Bytes,
    node: &NodeHandle,
    auth: Option<&dyn Authenticator>,
) -> HttpResponse {
    let peer = req.peer_addr().map(|a| a.ip());
    let Some(auth) = auth else {
        return HttpResponse::build(StatusCode::NOT_FOUND)
            .content_type("application/json")
            .body(
                json!({"error": "authentication is not configured on this node ([auth] enabled)",
                "node": node.name()})
                .to_string(),
            );
    };
    let parsed = if body.len() > MAX_LOGIN_BODY {
        None
    } else {
        serde_json::from_slice::<LoginBody>(&body).ok()
    };
    let Some(LoginBody { user, password }) = parsed else {
        return HttpResponse::build(StatusCode::BAD_REQUEST)
            .content_type("application/json")
            .body(
                json!({"error": "the body must be {\"user\": …, \"password\": …}",
                "node": node.name()})
                .to_string(),
            );
    };
    if user.is_empty() {
        let refusal = AuthRefusal::new(Reason::WrongPassword, "", "no user named");
        return refused(node, req.path(), peer, &refusal);
    }
    if let Err(refusal) = auth.check_password(node, &user, &password, peer).await {
        return refused(node, req.path(), peer, &refusal);
    }
    match auth.issue(&user) {
        Ok(issued) => {
            tracing::info!(node = %node.name(), user = %user, "token issued");
            let expires = clacks_xml::events::timestamp::from_unix_millis(issued.expires_ms as i64);
            HttpResponse::Ok()
                .content_type("application/json")
                .insert_header(("cache-control", "no-store"))
                .body(
                    json!({"token": issued.token, "expires": expires,
                        "expires_ms": issued.expires_ms, "user": user})
                    .to_string(),
                )
        }
        Err(refusal) => refused(node, req.path(), peer, &refusal),
    }
}

//! An HTTP caller the gateway does not let in, and the answer it gets: HTTP 401 with a
//! `WWW-Authenticate` challenge, 429 with `Retry-After` once a user or an address has failed
//! too often, 503 when the users cannot be looked up. The body is a JSON-RPC error (`-32003`,
//! `data.reason` saying which refusal), so `clacks call` and scripts read it like any other.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use clacks_runtime::call::{CallError, RpcErrorKind};
use clacks_runtime::codec::json_rpc;
use serde_json::Value;
use std::time::Duration;

/// Why a caller was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No credentials, and the node requires them.
    Missing,
    /// An `Authorization` header that cannot be read.
    Malformed,
    /// An unknown user or a wrong password (not told apart, so users cannot be probed).
    WrongPassword,
    /// A token whose signature, format or domain is wrong.
    InvalidToken,
    /// A token past its expiry.
    ExpiredToken,
    /// A token revoked with `auth.revoke`.
    RevokedToken,
    /// Too many failures for this user or address (HTTP 429).
    TooMany,
    /// The user store could not be asked (HTTP 503).
    Unavailable,
    /// A client certificate not from the client CA (the TLS handshake failed; no answer).
    BadCertificate,
}

impl Reason {
    /// The `data.reason` word.
    pub fn word(self) -> &'static str {
        match self {
            Reason::Missing => "missing_credentials",
            Reason::Malformed => "malformed_credentials",
            Reason::WrongPassword => "wrong_password",
            Reason::InvalidToken => "invalid_token",
            Reason::ExpiredToken => "expired_token",
            Reason::RevokedToken => "revoked_token",
            Reason::TooMany => "too_many_failures",
            Reason::Unavailable => "unavailable",
            Reason::BadCertificate => "bad_client_certificate",
        }
    }
}

/// A refusal, with the user it concerned (empty when none was named) and the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRefusal {
    /// Why.
    pub reason: Reason,
    /// The user named by the credentials, if any.
    pub user: String,
    /// What went wrong, in words.
    pub detail: String,
    /// For [`Reason::TooMany`]: when to try again.
    pub retry_after: Option<Duration>,
}

impl AuthRefusal {
    /// A refusal for `reason` of `user`.
    pub fn new(reason: Reason, user: &str, detail: impl Into<String>) -> AuthRefusal {
        AuthRefusal {
            reason,
            user: user.to_owned(),
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// The same, telling the caller when to retry.
    pub fn retry_after(mut self, after: Duration) -> AuthRefusal {
        self.retry_after = Some(after);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self.reason {
            Reason::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Reason::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The HTTP answer from `node`.
    pub fn response(&self, node: &str) -> HttpResponse {
        let kind = match self.reason {
            Reason::Unavailable => RpcErrorKind::Unavailable,
            _ => RpcErrorKind::Forbidden,
        };
        let mut error = CallError::new(kind, format!("not authenticated: {}", self.detail))
            .with("reason", self.reason.word());
        if let Some(after) = self.retry_after {
            error = error.with("retry_after", after.as_secs().max(1));
        }
        let mut answer = HttpResponse::build(self.status());
        answer.insert_header((header::CONTENT_TYPE, "application/json"));
        match self.reason {
            Reason::TooMany => {
                let secs = self.retry_after.map_or(1, |a| a.as_secs().max(1));
                answer.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            Reason::InvalidToken | Reason::ExpiredToken | Reason::RevokedToken => {
                answer.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"clacks\", error=\"invalid_token\"",
                ));
            }
            Reason::Unavailable => {}
            _ => {
                answer.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"clacks\""));
            }
        }
        answer.body(json_rpc::response(Value::Null, Err(error), node).to_string())
    }
}

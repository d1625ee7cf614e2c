//! The HTTP routes of PROTOCOL.md: `POST /rpc`, `GET /health`, `GET /ready`. Content type and
//! body size are checked before any parsing, and the body is read incrementally so an
//! oversized upload is cut off at the limit instead of being buffered whole.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use clacks_runtime::call::{CallError, RpcErrorKind};
use clacks_runtime::codec::json_rpc;
use clacks_runtime::NodeHandle;
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::rpc::serve_body;

/// What every route needs.
pub struct GatewayState {
    /// The node served.
    pub node: NodeHandle,
    /// Body limit in bytes.
    pub max_body: usize,
    /// Most requests in one batch (`http.max_batch`).
    pub max_batch: usize,
    /// One permit per call in service (`http.in_flight`).
    pub calls: std::sync::Arc<tokio::sync::Semaphore>,
    /// Time a client has to send the body (`http.body_timeout`).
    pub body_timeout: std::time::Duration,
    /// The identity of HTTP callers.
    pub user: String,
    /// Turns true when the gateway stops, so long-lived responses (`/events`) end at once
    /// instead of holding up the graceful shutdown.
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// Open `GET /events` streams and their caps.
    pub streams: std::sync::Arc<super::streams::StreamCaps>,
    /// With `[auth]` on: the identity checks every caller must pass.
    pub auth: Option<std::sync::Arc<dyn super::auth::Authenticator>>,
}

fn json_response(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
        .body(body.to_string())
}

fn too_large(max_body: usize, node: &str) -> HttpResponse {
    let error = CallError::new(
        RpcErrorKind::InvalidRequest,
        format!("invalid request: body larger than {max_body} bytes"),
    )
    .with(
        "detail",
        format!("the limit is {max_body} bytes (http.max_body)"),
    );
    json_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        &json_rpc::response(Value::Null, Err(error), node),
    )
}

fn too_slow(timeout: std::time::Duration, node: &str) -> HttpResponse {
    let error = CallError::new(
        RpcErrorKind::InvalidRequest,
        format!(
            "invalid request: the body did not arrive within {:.1} s (http.body_timeout)",
            timeout.as_secs_f64()
        ),
    )
    .with("detail", "the limit is http.body_timeout")
    .with("setting", "http.body_timeout");
    json_response(
        StatusCode::REQUEST_TIMEOUT,
        &json_rpc::response(Value::Null, Err(error), node),
    )
}

/// HTTP 403 for a call a browser sent from another site (see `page::origin`).
fn cross_site(refused: super::page::origin::CrossSite, node: &str) -> HttpResponse {
    tracing::warn!(node = %node, origin = %refused.origin, host = %refused.host,
        "cross-site JSON-RPC request refused");
    let error = CallError::new(RpcErrorKind::InvalidRequest, refused.to_string())
        .with("reason", "cross_site")
        .with("origin", refused.origin);
    json_response(
        StatusCode::FORBIDDEN,
        &json_rpc::response(Value::Null, Err(error), node),
    )
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// `POST /rpc`
pub async fn rpc(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    if let Err(refused) = super::page::origin::check_same_origin(&req) {
        return cross_site(refused, state.node.name());
    }
    // Who is calling, before the body is read: a refused caller costs no body buffer.
    let user =
        match super::auth::caller(&req, &state.node, state.auth.as_deref(), &state.user).await {
            Ok(user) => user,
            Err(refused) => return refused,
        };
    if !is_json(&req) {
        let got = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        let error = CallError::new(
            RpcErrorKind::Parse,
            format!("parse error: Content-Type must be application/json, not {got}"),
        );
        return json_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &json_rpc::response(Value::Null, Err(error), state.node.name()),
        );
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > state.max_body) {
        return too_large(state.max_body, state.node.name());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(state.max_body));
    // Slow-loris on the body: the whole body must arrive within http.body_timeout.
    let deadline = tokio::time::Instant::now() + state.body_timeout;
    loop {
        let chunk = match tokio::time::timeout_at(deadline, payload.next()).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(_) => return too_slow(state.body_timeout, state.node.name()),
        };
        let Ok(chunk) = chunk else {
            let error = json_rpc::parse_error("the body could not be read");
            return json_response(
                StatusCode::BAD_REQUEST,
                &json_rpc::response(Value::Null, Err(error), state.node.name()),
            );
        };
        if body.len() + chunk.len() > state.max_body {
            return too_large(state.max_body, state.node.name());
        }
        body.extend_from_slice(&chunk);
    }
    let deadline_ms = req
        .headers()
        .get("x-deadline")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limits = super::rpc::BodyLimits {
        max_batch: state.max_batch,
        calls: &state.calls,
    };
    match serve_body(&state.node, &user, deadline_ms, &body, limits).await {
        Some(answer) => json_response(StatusCode::OK, &answer),
        None => HttpResponse::NoContent().finish(),
    }
}

/// `GET /health`: 200 while the node runs.
pub async fn health(state: web::Data<GatewayState>) -> HttpResponse {
    let node = &state.node;
    json_response(
        StatusCode::OK,
        &json!({"status": "ok", "node": node.name(), "domain": node.domain()}),
    )
}

/// `GET /ready`: 200 when every plugin runs, else 503 listing the others.
pub async fn ready(state: web::Data<GatewayState>) -> HttpResponse {
    let not_ready = state.node.not_ready();
    if not_ready.is_empty() {
        json_response(
            StatusCode::OK,
            &json!({"ready": true, "node": state.node.name()}),
        )
    } else {
        json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"ready": false, "node": state.node.name(), "not_ready": not_ready}),
        )
    }
}

/// `POST /login`: the bearer tokens of `[auth]` (see `auth::login`).
pub(crate) async fn login(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    super::auth::login(&req, body, &state.node, state.auth.as_deref()).await
}

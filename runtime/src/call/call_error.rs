//! The error a caller receives: a JSON-RPC 2.0 error object with the codes and `data.kind`
//! values fixed by PROTOCOL.md. Every layer that answers a call (argument parsing, the plugin
//! actor, the dispatcher, the gateway) produces this one type, so the wire form stays uniform.

use serde_json::{json, Map, Value};
use std::fmt;

/// The kinds of call failure, each with its JSON-RPC code and `data.kind` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RpcErrorKind {
    /// -32700: the body is not JSON.
    Parse,
    /// -32600: not a JSON-RPC 2.0 request.
    InvalidRequest,
    /// -32601: no such command in the domain.
    MethodNotFound,
    /// -32602: wrong argument count, names or types.
    InvalidParams,
    /// -32603: the handler returned an error.
    Internal,
    /// -32603: the handler panicked.
    Panic,
    /// -32000: the deadline passed before a reply.
    Timeout,
    /// -32001: mailbox or in-flight limit full.
    Busy,
    /// -32002: plugin failed, restarting, or nobody provides it.
    Unavailable,
    /// -32003: ACL denied.
    Forbidden,
    /// -32004: an object backend is unavailable.
    Backend,
    /// -32005: an event failed schema validation.
    InvalidEvent,
}

impl RpcErrorKind {
    /// Every kind, for tables and tests.
    pub const ALL: [RpcErrorKind; 12] = [
        Self::Parse,
        Self::InvalidRequest,
        Self::MethodNotFound,
        Self::InvalidParams,
        Self::Internal,
        Self::Panic,
        Self::Timeout,
        Self::Busy,
        Self::Unavailable,
        Self::Forbidden,
        Self::Backend,
        Self::InvalidEvent,
    ];

    /// The JSON-RPC error code.
    pub fn code(self) -> i64 {
        match self {
            Self::Parse => -32700,
            Self::InvalidRequest => -32600,
            Self::MethodNotFound => -32601,
            Self::InvalidParams => -32602,
            Self::Internal | Self::Panic => -32603,
            Self::Timeout => -32000,
            Self::Busy => -32001,
            Self::Unavailable => -32002,
            Self::Forbidden => -32003,
            Self::Backend => -32004,
            Self::InvalidEvent => -32005,
        }
    }

    /// The `data.kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parse => "parse",
            Self::InvalidRequest => "invalid_request",
            Self::MethodNotFound => "method_not_found",
            Self::InvalidParams => "invalid_params",
            Self::Internal => "internal",
            Self::Panic => "panic",
            Self::Timeout => "timeout",
            Self::Busy => "busy",
            Self::Unavailable => "unavailable",
            Self::Forbidden => "forbidden",
            Self::Backend => "backend",
            Self::InvalidEvent => "invalid_event",
        }
    }

    /// Parses a `data.kind` string back (client side).
    pub fn from_kind_str(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// The kind a bare code most likely means, when `data.kind` is absent.
    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A JSON-RPC error: kind, human message and structured `data` (always holding `kind`).
#[derive(Debug, Clone, PartialEq)]
pub struct CallError {
    kind: RpcErrorKind,
    message: String,
    data: Map<String, Value>,
}

impl CallError {
    /// A new error of `kind` with a message.
    pub fn new(kind: RpcErrorKind, message: impl Into<String>) -> Self {
        CallError {
            kind,
            message: message.into(),
            data: Map::new(),
        }
    }

    /// Adds a `data` field (`node`, `plugin`, `reason`, `detail`, `path`, `right`, …).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }

    /// Sets `data.node` unless an inner layer already named the node that answered.
    pub fn with_node_default(mut self, node: &str) -> Self {
        self.data
            .entry("node")
            .or_insert_with(|| Value::String(node.to_owned()));
        self
    }

    /// -32602 with `data.detail`.
    pub fn invalid_params(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::new(
            RpcErrorKind::InvalidParams,
            format!("invalid params: {detail}"),
        )
        .with("detail", detail)
    }

    /// -32601 for `method`.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            RpcErrorKind::MethodNotFound,
            format!("method not found: no command '{method}' in the domain"),
        )
        .with("method", method)
    }

    /// -32603 `internal`: the handler returned an error.
    pub fn internal(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self::new(RpcErrorKind::Internal, format!("internal error: {reason}"))
            .with("reason", reason)
    }

    /// -32603 `panic`: the handler of `plugin` panicked with `reason`.
    pub fn panic(plugin: &str, reason: &str) -> Self {
        Self::new(
            RpcErrorKind::Panic,
            format!("plugin '{plugin}' panicked: {reason}"),
        )
        .with("plugin", plugin)
        .with("reason", reason)
    }

    /// -32000: the deadline passed.
    pub fn timeout(method: &str) -> Self {
        Self::new(
            RpcErrorKind::Timeout,
            format!("timeout: no reply to '{method}' before its deadline"),
        )
        .with("method", method)
    }

    /// -32001: in-flight limit full.
    pub fn busy(plugin: &str, limit: usize) -> Self {
        Self::new(
            RpcErrorKind::Busy,
            format!("busy: plugin '{plugin}' already has {limit} calls in flight; retry later"),
        )
        .with("plugin", plugin)
        .with("limit", limit)
    }

    /// -32002: the plugin cannot serve now.
    pub fn unavailable(plugin: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self::new(
            RpcErrorKind::Unavailable,
            format!("plugin '{plugin}' is unavailable: {reason}"),
        )
        .with("plugin", plugin)
        .with("reason", reason)
    }

    /// `-32003 forbidden`: the ACLs refuse `right` on topic `path` (`data.path`, `data.right`).
    pub fn forbidden(path: &str, right: &str) -> Self {
        CallError::new(
            RpcErrorKind::Forbidden,
            format!("forbidden: the ACLs do not grant {right:?} on {path}"),
        )
        .with("path", path)
        .with("right", right)
    }

    /// The kind.
    pub fn kind(&self) -> RpcErrorKind {
        self.kind
    }

    /// The JSON-RPC code.
    pub fn code(&self) -> i64 {
        self.kind.code()
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// One `data` field.
    pub fn data(&self, key: &str) -> Option<&Value> {
        self.data.get(key)
    }

    /// The JSON-RPC error object: `{"code", "message", "data": {"kind", …}}`.
    pub fn to_json(&self) -> Value {
        let mut data = self.data.clone();
        data.insert("kind".into(), Value::String(self.kind.as_str().into()));
        json!({"code": self.code(), "message": self.message, "data": data})
    }

    /// Reads a JSON-RPC error object (client side). Unknown codes become `internal`.
    pub fn from_json(value: &Value) -> Self {
        let code = value.get("code").and_then(Value::as_i64).unwrap_or(-32603);
        let message = value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("error without message")
            .to_owned();
        let mut data = value
            .get("data")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let kind = data
            .remove("kind")
            .and_then(|k| k.as_str().and_then(RpcErrorKind::from_kind_str))
            .or_else(|| RpcErrorKind::from_code(code))
            .unwrap_or(RpcErrorKind::Internal);
        CallError {
            kind,
            message,
            data,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code())
    }
}

impl std::error::Error for CallError {}

impl From<String> for CallError {
    fn from(reason: String) -> Self {
        CallError::internal(reason)
    }
}

impl From<&str> for CallError {
    fn from(reason: &str) -> Self {
        CallError::internal(reason)
    }
}

impl From<std::io::Error> for CallError {
    fn from(err: std::io::Error) -> Self {
        CallError::internal(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_json() {
        for kind in RpcErrorKind::ALL {
            let err = CallError::new(kind, "m").with("node", "n1");
            let back = CallError::from_json(&err.to_json());
            assert_eq!(back, err, "{kind:?}");
        }
    }

    #[test]
    fn codes_match_protocol_table() {
        assert_eq!(RpcErrorKind::Parse.code(), -32700);
        assert_eq!(RpcErrorKind::Panic.code(), -32603);
        assert_eq!(RpcErrorKind::Unavailable.code(), -32002);
        assert_eq!(RpcErrorKind::InvalidEvent.code(), -32005);
    }

    #[test]
    fn inner_node_is_kept_over_default() {
        let err = CallError::internal("x")
            .with("node", "inner")
            .with_node_default("outer");
        assert_eq!(err.data("node"), Some(&Value::from("inner")));
    }
}

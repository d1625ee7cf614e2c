//! A call on its way to a handler: the method, its arguments (by position or by name), the
//! optional target node, the caller's identity and the absolute deadline. Transports carry this
//! struct (as JSON-RPC or bincode) and handlers read it through [`CallContext`](super::CallContext).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::CallError;

/// Arguments of a call: JSON-RPC allows an array (by position) or an object (by name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Params {
    /// `[a, b, …]`
    Positional(Vec<Value>),
    /// `{"name": value, …}`
    Named(Map<String, Value>),
}

impl Default for Params {
    fn default() -> Self {
        Params::Positional(Vec::new())
    }
}

impl Params {
    /// Reads JSON-RPC `params`: absent or null means no arguments; anything but an array or an
    /// object is an invalid request.
    pub fn from_json(value: Option<Value>) -> Result<Params, CallError> {
        match value {
            None | Some(Value::Null) => Ok(Params::default()),
            Some(Value::Array(items)) => Ok(Params::Positional(items)),
            Some(Value::Object(map)) => Ok(Params::Named(map)),
            Some(other) => Err(CallError::new(
                super::RpcErrorKind::InvalidRequest,
                format!("invalid request: params must be an array or an object, not {other}"),
            )),
        }
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            Params::Positional(items) => Value::Array(items.clone()),
            Params::Named(map) => Value::Object(map.clone()),
        }
    }

    /// Number of arguments given.
    pub fn len(&self) -> usize {
        match self {
            Params::Positional(items) => items.len(),
            Params::Named(map) => map.len(),
        }
    }

    /// True when no argument was given.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Milliseconds since the Unix epoch: the wire form of deadlines (`x-deadline`).
pub fn unix_millis_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    /// `plugin.command`.
    pub method: String,
    /// The arguments.
    pub params: Params,
    /// `call_on`: the one node that must serve it; `None` lets the domain choose.
    pub node: Option<String>,
    /// Who is calling (the AMQP `user_id`, or the gateway's user).
    pub caller: String,
    /// Absolute deadline in Unix milliseconds; `None` takes the command's default when dispatched.
    pub deadline_ms: Option<u64>,
    /// True when the transport delivers this call a second time (at-least-once delivery).
    pub redelivered: bool,
}

impl CallRequest {
    /// A call of `method` with `params`, by the anonymous caller, on any node.
    pub fn new(method: impl Into<String>, params: Params) -> Self {
        CallRequest {
            method: method.into(),
            params,
            node: None,
            caller: "anonymous".into(),
            deadline_ms: None,
            redelivered: false,
        }
    }

    /// Targets one node (`call_on`).
    pub fn on_node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }

    /// Sets the deadline to `timeout` from now.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.deadline_ms = Some(unix_millis_now() + timeout.as_millis() as u64);
        self
    }

    /// Sets the caller identity.
    pub fn with_caller(mut self, caller: impl Into<String>) -> Self {
        self.caller = caller.into();
        self
    }

    /// `(plugin, command)` of `plugin.command`; a method without a dot names no command.
    pub fn split_method(&self) -> Result<(&str, &str), CallError> {
        match self.method.split_once('.') {
            Some((plugin, command)) if !plugin.is_empty() && !command.is_empty() => {
                Ok((plugin, command))
            }
            _ => Err(CallError::method_not_found(&self.method)
                .with("detail", "a method is named 'plugin.command'")),
        }
    }

    /// Time left until the deadline (zero when passed); `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline_ms
            .map(|d| Duration::from_millis(d.saturating_sub(unix_millis_now())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_accept_array_object_and_absent() {
        assert_eq!(Params::from_json(None).unwrap(), Params::default());
        assert_eq!(
            Params::from_json(Some(json!([1]))).unwrap(),
            Params::Positional(vec![json!(1)])
        );
        assert!(matches!(
            Params::from_json(Some(json!({"a": 1}))).unwrap(),
            Params::Named(_)
        ));
    }

    #[test]
    fn params_reject_scalars_as_invalid_request() {
        let err = Params::from_json(Some(json!(5))).unwrap_err();
        assert_eq!(err.code(), -32600);
    }

    #[test]
    fn method_without_dot_is_method_not_found() {
        let req = CallRequest::new("ping", Params::default());
        assert_eq!(req.split_method().unwrap_err().code(), -32601);
        let req = CallRequest::new("core.ping", Params::default());
        assert_eq!(req.split_method().unwrap(), ("core", "ping"));
    }
}

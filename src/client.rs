//! The JSON-RPC client used by `call`, `describe` and `tree`: one request to the node's HTTP
//! gateway, or over AMQP straight into the domain when `--amqp` is given, with failures sorted
//! into the exit codes scripts rely on.

use clacks_runtime::call::{CallError, CallRequest, RpcErrorKind};
use clacks_runtime::codec::json_rpc;
use serde_json::{json, Value};
use std::time::Duration;

use crate::exit::Exit;
use clacks_amqp::AmqpClient;

/// Where and how to call.
#[derive(Debug, Clone)]
pub struct Client {
    /// `http://HOST:PORT/rpc`.
    pub url: String,
    /// The broker, when calling over AMQP.
    pub amqp: Option<String>,
    /// The domain (AMQP).
    pub domain: String,
    /// Call deadline.
    pub timeout: Duration,
}

/// What can go wrong, with the exit code it maps to.
#[derive(Debug)]
pub enum ClientError {
    /// The node answered with a JSON-RPC error.
    Call(CallError, Value),
    /// Anything else, already worded.
    Other(Exit, String),
}

impl ClientError {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            ClientError::Call(err, _) if err.kind() == RpcErrorKind::Timeout => Exit::Timeout,
            ClientError::Call(..) => Exit::CallFailed,
            ClientError::Other(exit, _) => *exit,
        }
    }
}

impl Client {
    /// Sends `call` and returns the result with the whole response object.
    pub async fn call(&self, call: &CallRequest) -> Result<(Value, Value), ClientError> {
        match &self.amqp {
            Some(url) => self.call_amqp(url, call).await,
            None => self.call_http(call).await,
        }
    }

    async fn call_amqp(
        &self,
        url: &str,
        call: &CallRequest,
    ) -> Result<(Value, Value), ClientError> {
        let mut client = AmqpClient::connect(url, &self.domain)
            .await
            .map_err(|e| ClientError::Other(Exit::Unreachable, e.to_string()))?;
        let outcome = client.call(call, self.timeout).await;
        client.close().await;
        match outcome {
            Ok(result) => {
                let response = json_rpc::result_response(json!(1), result.clone());
                Ok((result, response))
            }
            Err(err) => {
                let response = json_rpc::error_response(json!(1), &err);
                Err(ClientError::Call(err, response))
            }
        }
    }

    async fn call_http(&self, call: &CallRequest) -> Result<(Value, Value), ClientError> {
        let body = json_rpc::request_object(json!(1), call);
        // Give the node the deadline, and ourselves a little longer, so a node-side timeout
        // arrives as a typed error instead of a cut connection.
        let deadline = clacks_runtime::call::unix_millis_now() + self.timeout.as_millis() as u64;
        let client = awc::Client::builder()
            .timeout(self.timeout + Duration::from_secs(2))
            .finish();
        let sent = client
            .post(&self.url)
            .insert_header(("content-type", "application/json"))
            .insert_header(("x-deadline", deadline.to_string()))
            .send_body(body.to_string())
            .await;
        let mut response = sent.map_err(|e| match e {
            awc::error::SendRequestError::Timeout => ClientError::Other(
                Exit::Timeout,
                format!(
                    "timeout: no answer from {} within {:?}",
                    self.url, self.timeout
                ),
            ),
            other => ClientError::Other(
                Exit::Unreachable,
                format!("cannot reach the node at {}: {other}", self.url),
            ),
        })?;
        let status = response.status();
        let bytes = response.body().limit(256 << 20).await.map_err(|e| {
            ClientError::Other(
                Exit::Unreachable,
                format!("reading the answer of {} failed: {e}", self.url),
            )
        })?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            ClientError::Other(
                Exit::Unreachable,
                format!(
                    "{} answered HTTP {status} without JSON-RPC: {}",
                    self.url,
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            )
        })?;
        match json_rpc::read_response(&value) {
            Ok(result) => Ok((result, value)),
            Err(err) => Err(ClientError::Call(err, value)),
        }
    }
}

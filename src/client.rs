//! The JSON-RPC client used by `call`, `describe`, `tree`, `ping` and `shell`: one request to the
//! node's HTTP gateway, or over AMQP straight into the domain when `--amqp` is given, with
//! failures sorted into the exit codes scripts rely on. A [`Session`] keeps its broker
//! connection between calls.

use clacks_runtime::call::{CallError, CallRequest, RpcErrorKind};
use clacks_runtime::codec::json_rpc;
use serde_json::{json, Value};
use std::time::Duration;

use crate::exit::Exit;
use clacks_amqp::{AmqpClient, LinkSecurity, Mechanism};
use clacks_tls::ClientTls;

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
    /// TLS: the CA file servers must chain to, a client certificate (https://, amqps://).
    pub tls: Option<ClientTls>,
    /// SASL mechanism over AMQP.
    pub mechanism: Mechanism,
    /// A bearer token for the HTTP gateway (`--token`).
    pub token: Option<String>,
}

/// `URL` without its `user:password@`, and that user and password (HTTP Basic).
fn split_userinfo(url: &str) -> (String, Option<(String, String)>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            (
                format!("{scheme}://{host}{path}"),
                Some((user.to_owned(), password.to_owned())),
            )
        }
        None => (url.to_owned(), None),
    }
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
    /// Sends `call` and returns the result with the whole response object (over AMQP on a
    /// connection of its own, closed afterwards).
    pub async fn call(&self, call: &CallRequest) -> Result<(Value, Value), ClientError> {
        let mut session = self.session();
        let outcome = session.call(call).await;
        session.close().await;
        outcome
    }

    /// A session that keeps its connection between calls (the shell, fleet runs).
    pub fn session(&self) -> Session {
        Session {
            client: self.clone(),
            amqp: None,
        }
    }

    async fn call_amqp(
        &self,
        client: &mut AmqpClient,
        call: &CallRequest,
    ) -> Result<(Value, Value), ClientError> {
        match client.call(call, self.timeout).await {
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
        let client = self.http_client()?;
        let (url, basic) = split_userinfo(&self.url);
        let mut request = client
            .post(&url)
            .insert_header(("content-type", "application/json"))
            .insert_header(("x-deadline", deadline.to_string()));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        } else if let Some((user, password)) = basic {
            request = request.basic_auth(user, password);
        }
        let sent = request.send_body(body.to_string()).await;
        // Messages show the URL without its password (a URL may carry user:password@).
        let shown = clacks_runtime::config::redact_url(&self.url);
        let mut response = sent.map_err(|e| match e {
            awc::error::SendRequestError::Timeout => ClientError::Other(
                Exit::Timeout,
                format!("timeout: no answer from {shown} within {:?}", self.timeout),
            ),
            other => ClientError::Other(
                Exit::Unreachable,
                format!("cannot reach the node at {shown}: {other}"),
            ),
        })?;
        let status = response.status();
        let bytes = response.body().limit(256 << 20).await.map_err(|e| {
            ClientError::Other(
                Exit::Unreachable,
                format!("reading the answer of {shown} failed: {e}"),
            )
        })?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            ClientError::Other(
                Exit::Unreachable,
                format!(
                    "{shown} answered HTTP {status} without JSON-RPC: {}",
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

impl Client {
    /// The HTTP client: over https:// it trusts the CA file of `--ca` only (and presents
    /// `--cert`); `--ca` with http:// is refused rather than ignored.
    fn http_client(&self) -> Result<awc::Client, ClientError> {
        let usage = |m: String| ClientError::Other(Exit::Usage, m);
        let https = self.url.starts_with("https://");
        let builder = awc::Client::builder().timeout(self.timeout + Duration::from_secs(2));
        match (&self.tls, https) {
            (None, false) => Ok(builder.finish()),
            (None, true) => Err(usage(format!(
                "{} uses TLS: give the CA file its certificate chains to with --ca",
                clacks_runtime::config::redact_url(&self.url)
            ))),
            (Some(_), false) => Err(usage(format!(
                "--ca is for https:// (or amqps://) URLs; {} is not",
                clacks_runtime::config::redact_url(&self.url)
            ))),
            (Some(tls), true) => {
                let config = tls.rustls_config().map_err(|e| usage(e.to_string()))?;
                let connector = awc::Connector::new().rustls_0_23(std::sync::Arc::new(config));
                Ok(builder.connector(connector).finish())
            }
        }
    }

    /// TLS and SASL of the AMQP link.
    fn link_security(&self) -> LinkSecurity {
        LinkSecurity {
            tls: self.tls.clone(),
            mechanism: self.mechanism,
        }
    }
}

/// A [`Client`] that stays connected: over AMQP the broker connection is opened on the first
/// call and kept (and opened anew after it broke); over HTTP each call is one request.
pub struct Session {
    client: Client,
    amqp: Option<AmqpClient>,
}

impl Session {
    /// Connects now (AMQP) rather than on the first call, so that a timed call measures the
    /// call alone.
    pub async fn connect(&mut self) -> Result<(), ClientError> {
        let Some(url) = &self.client.amqp else {
            return Ok(());
        };
        if self.amqp.is_none() {
            let security = self.client.link_security();
            // A wrong file or flag is a usage error, not an unreachable broker.
            if let Err(e) = security.check(url, "--amqp") {
                return Err(ClientError::Other(Exit::Usage, e.to_string()));
            }
            let connected = AmqpClient::connect_secured(url, &self.client.domain, &security)
                .await
                .map_err(|e| ClientError::Other(Exit::Unreachable, e.to_string()))?;
            self.amqp = Some(connected);
        }
        Ok(())
    }

    /// Sends `call` and returns the result with the whole response object.
    pub async fn call(&mut self, call: &CallRequest) -> Result<(Value, Value), ClientError> {
        if self.client.amqp.is_none() {
            return self.client.call_http(call).await;
        }
        self.connect().await?;
        let Some(amqp) = self.amqp.as_mut() else {
            return Err(ClientError::Other(
                Exit::Unreachable,
                "not connected".into(),
            ));
        };
        let outcome = self.client.call_amqp(amqp, call).await;
        // A lost reply channel means a broken connection: the next call connects anew.
        if let Err(ClientError::Call(err, _)) = &outcome {
            if err.kind() == RpcErrorKind::Unavailable && err.message().contains("reply channel") {
                if let Some(old) = self.amqp.take() {
                    old.close().await;
                }
            }
        }
        outcome
    }

    /// Closes the broker connection, if any.
    pub async fn close(self) {
        if let Some(amqp) = self.amqp {
            amqp.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_userinfo;

    #[test]
    fn basic_credentials_come_out_of_the_url() {
        assert_eq!(
            split_userinfo("https://alice:p%40ss:x@10.0.0.1:8443/rpc"),
            (
                "https://10.0.0.1:8443/rpc".to_owned(),
                Some(("alice".to_owned(), "p%40ss:x".to_owned()))
            )
        );
        assert_eq!(
            split_userinfo("http://127.0.0.1:8080/rpc"),
            ("http://127.0.0.1:8080/rpc".to_owned(), None)
        );
    }
}

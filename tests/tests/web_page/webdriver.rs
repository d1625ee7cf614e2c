//! The few W3C WebDriver commands the page tests use, over the HTTP client the tests already
//! have (`awc`): open a session, navigate, run a script, take a screenshot, end the session.
//! WebDriver is JSON over HTTP; a full client library would add a second HTTP stack and a
//! Unicode segmentation database to the build for these five requests.

use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;

/// One WebDriver session.
pub struct Session {
    http: awc::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    url: String,
}

/// A WebDriver error: the command, and the driver's `error` and `message` (or why the request
/// failed).
#[derive(Debug)]
pub struct DriverError(pub String);

impl std::fmt::Display for DriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish()
}

/// Sends one command; the `value` of the answer.
async fn command(
    http: &awc::Client,
    method: awc::http::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, DriverError> {
    let request = http.request(method.clone(), url);
    let sent = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    };
    let mut response = sent.map_err(|e| DriverError(format!("{method} {url}: {e}")))?;
    let bytes = response
        .body()
        .limit(64 << 20)
        .await
        .map_err(|e| DriverError(format!("{method} {url}: reading the answer: {e}")))?;
    let answer: Value = serde_json::from_slice(&bytes)
        .map_err(|e| DriverError(format!("{method} {url}: not JSON ({e})")))?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    if response.status().is_success() {
        Ok(value)
    } else {
        Err(DriverError(format!(
            "{method} {url}: HTTP {}: {} {}",
            response.status(),
            value["error"].as_str().unwrap_or("?"),
            value["message"].as_str().unwrap_or("")
        )))
    }
}

impl Session {
    /// Opens a session on the driver at `driver` (`http://127.0.0.1:PORT`) with these
    /// capabilities (`alwaysMatch`).
    pub async fn open(driver: &str, capabilities: Value) -> Result<Session, DriverError> {
        let http = client();
        let value = command(
            &http,
            awc::http::Method::POST,
            &format!("{driver}/session"),
            Some(json!({"capabilities": {"alwaysMatch": capabilities}})),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| DriverError(format!("no sessionId in {value}")))?;
        Ok(Session {
            http,
            url: format!("{driver}/session/{id}"),
        })
    }

    /// Navigates to `url` and waits for its document to load.
    pub async fn goto(&self, url: &str) -> Result<(), DriverError> {
        command(
            &self.http,
            awc::http::Method::POST,
            &format!("{}/url", self.url),
            Some(json!({"url": url})),
        )
        .await
        .map(drop)
    }

    /// Runs `script` (a function body; `arguments` are `args`); what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, DriverError> {
        command(
            &self.http,
            awc::http::Method::POST,
            &format!("{}/execute/sync", self.url),
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>, DriverError> {
        let value = command(
            &self.http,
            awc::http::Method::GET,
            &format!("{}/screenshot", self.url),
            None,
        )
        .await?;
        let text = value
            .as_str()
            .ok_or_else(|| DriverError(format!("screenshot is not text: {value}")))?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| DriverError(format!("screenshot is not base64: {e}")))
    }

    /// Ends the session: the browser quits.
    pub async fn close(&self) -> Result<(), DriverError> {
        command(&self.http, awc::http::Method::DELETE, &self.url, None)
            .await
            .map(drop)
    }
}

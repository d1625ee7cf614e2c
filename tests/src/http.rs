//! A minimal HTTP client for gateway tests: POST a body with a content type, read status,
//! headers and JSON.

use serde_json::Value;

/// What came back.
pub struct HttpAnswer {
    /// HTTP status.
    pub status: u16,
    /// The `x-clacks-node` header, if present.
    pub node_header: Option<String>,
    /// The body as JSON (`Null` when empty).
    pub body: Value,
}

async fn answer<S>(mut response: awc::ClientResponse<S>) -> HttpAnswer
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
{
    let status = response.status().as_u16();
    let node_header = response
        .headers()
        .get("x-clacks-node")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.body().limit(64 << 20).await.unwrap_or_default();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    HttpAnswer {
        status,
        node_header,
        body,
    }
}

/// `POST url` with `content_type` and `body`.
pub async fn post(url: &str, content_type: &str, body: impl Into<Vec<u8>>) -> HttpAnswer {
    let response = awc::Client::new()
        .post(url)
        .insert_header(("content-type", content_type))
        .send_body(body.into())
        .await
        .unwrap_or_else(|e| panic!("POST {url} failed: {e}"));
    answer(response).await
}

/// `GET url`.
pub async fn get(url: &str) -> HttpAnswer {
    let response = awc::Client::new()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url} failed: {e}"));
    answer(response).await
}

//! A call a browser sends from another site (`Origin` not the node's, or `Sec-Fetch-Site:
//! cross-site`) is refused with HTTP 403 before it runs; the same call from the node's own
//! origin or from a client that is not a browser runs.

use super::page::{Page, NODE};
use serde_json::{json, Value};

async fn post_with(
    page: &Page,
    headers: &[(&str, &str)],
    method: &str,
    params: Value,
) -> (u16, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let mut request = awc::Client::new()
        .post(&page.rpc_url)
        .insert_header(("content-type", "application/json"));
    for header in headers {
        request = request.insert_header(*header);
    }
    let mut response = request
        .send_body(body.to_string())
        .await
        .unwrap_or_else(|e| panic!("POST {} failed: {e}", page.rpc_url));
    let bytes = response.body().await.unwrap_or_default();
    (
        response.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn probe_state(page: &Page) -> Value {
    let tree = page.call("core.actor_tree", json!([])).await;
    tree["result"]["results"][NODE]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["path"] == json!("node/plugins/probe"))
                .cloned()
        })
        .map(|e| e["state"].clone())
        .unwrap_or(Value::Null)
}

pub async fn a_call_from_another_site_is_refused_and_runs_nothing(page: &Page) {
    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
    ] {
        let (status, body) =
            post_with(page, &headers, "core.stop", json!(["node/plugins/probe"])).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert_eq!(body["error"]["code"], json!(-32600), "{body}");
        assert_eq!(
            body["error"]["data"]["reason"],
            json!("cross_site"),
            "{body}"
        );
        assert_eq!(
            probe_state(page).await,
            json!("running"),
            "nothing ran for {headers:?}"
        );
    }
    let own = page.base.clone();
    let (status, body) = post_with(
        page,
        &[("origin", own.as_str()), ("sec-fetch-site", "same-origin")],
        "probe.add",
        json!([1, 2]),
    )
    .await;
    assert_eq!((status, body["result"].clone()), (200, json!(3)), "{body}");
}

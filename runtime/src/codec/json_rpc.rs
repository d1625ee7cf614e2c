//! JSON-RPC 2.0 envelopes: reading requests (single or batch) into [`CallRequest`]s and writing
//! responses. The HTTP gateway uses it today; the AMQP bridge reads the same envelope. Extension
//! member: `"node": "NAME"` targets one node (`call_on`), which JSON-RPC itself cannot express.

use serde_json::{json, Map, Value};

use crate::call::{CallError, CallRequest, Params, RpcErrorKind};

/// One parsed request: its id (`None` for a notification) and the call.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    /// The id to answer with; `None` means notification (no response).
    pub id: Option<Value>,
    /// The call.
    pub call: CallRequest,
}

/// A request body: one message or a batch; each element parsed or refused on its own.
#[derive(Debug)]
pub enum Incoming {
    /// A single message.
    Single(Result<RpcRequest, Value>),
    /// A non-empty batch.
    Batch(Vec<Result<RpcRequest, Value>>),
}

/// Parses a body. `Err` is a complete error response (parse error, empty batch).
pub fn parse_body(body: &[u8]) -> Result<Incoming, Value> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        error_response(
            Value::Null,
            &CallError::new(RpcErrorKind::Parse, format!("parse error: {e}"))
                .with("detail", e.to_string()),
        )
    })?;
    match value {
        Value::Array(items) if items.is_empty() => Err(error_response(
            Value::Null,
            &invalid_request("an empty batch is not a request"),
        )),
        Value::Array(items) => Ok(Incoming::Batch(
            items.into_iter().map(parse_message).collect(),
        )),
        other => Ok(Incoming::Single(parse_message(other))),
    }
}

fn invalid_request(detail: &str) -> CallError {
    CallError::new(
        RpcErrorKind::InvalidRequest,
        format!("invalid request: {detail}"),
    )
    .with("detail", detail)
}

/// Parses one message; `Err` is the error response to send for it.
pub fn parse_message(value: Value) -> Result<RpcRequest, Value> {
    let Value::Object(mut obj) = value else {
        return Err(error_response(
            Value::Null,
            &invalid_request("a request must be a JSON object"),
        ));
    };
    // The id decides whether an error can be answered at all, so read it first.
    let id = match obj.remove("id") {
        None => None,
        Some(id @ (Value::Null | Value::String(_) | Value::Number(_))) => Some(id),
        Some(_) => {
            return Err(error_response(
                Value::Null,
                &invalid_request("\"id\" must be a string, a number or null"),
            ))
        }
    };
    let answer_id = id.clone().unwrap_or(Value::Null);
    let fail = |detail: &str| Err(error_response(answer_id.clone(), &invalid_request(detail)));
    match obj.remove("jsonrpc") {
        Some(Value::String(v)) if v == "2.0" => {}
        Some(other) => return fail(&format!("\"jsonrpc\" must be \"2.0\", not {other}")),
        None => return fail("\"jsonrpc\": \"2.0\" is missing"),
    }
    let method = match obj.remove("method") {
        Some(Value::String(m)) if !m.is_empty() => m,
        Some(_) => return fail("\"method\" must be a non-empty string"),
        None => return fail("\"method\" is missing"),
    };
    let params = match Params::from_json(obj.remove("params")) {
        Ok(p) => p,
        Err(e) => return Err(error_response(answer_id, &e)),
    };
    let mut call = CallRequest::new(method, params);
    match obj.remove("node") {
        None | Some(Value::Null) => {}
        Some(Value::String(node)) => call.node = Some(node),
        Some(_) => return fail("\"node\" must be a node name"),
    }
    if let Some(key) = obj.keys().next() {
        return fail(&format!("unknown member \"{key}\""));
    }
    Ok(RpcRequest { id, call })
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`
pub fn result_response(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// `{"jsonrpc":"2.0","id":…,"error":{…}}`
pub fn error_response(id: Value, error: &CallError) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": error.to_json()})
}

/// Sets `error.data.node` to `node` in a response (or in each response of a batch) whose
/// error does not name a node yet: every error says who answered (PROTOCOL.md).
pub fn name_node(response: &mut Value, node: &str) {
    match response {
        Value::Array(items) => items.iter_mut().for_each(|r| name_node(r, node)),
        Value::Object(obj) => {
            if let Some(Value::Object(data)) = obj
                .get_mut("error")
                .and_then(|e| e.as_object_mut())
                .and_then(|e| e.get_mut("data"))
            {
                data.entry("node")
                    .or_insert_with(|| Value::String(node.to_owned()));
            }
        }
        _ => {}
    }
}

/// A request object for `call` with `id` (client side).
pub fn request_object(id: Value, call: &CallRequest) -> Value {
    let mut obj = Map::new();
    obj.insert("jsonrpc".into(), json!("2.0"));
    obj.insert("id".into(), id);
    obj.insert("method".into(), json!(call.method));
    obj.insert("params".into(), call.params.to_json());
    if let Some(node) = &call.node {
        obj.insert("node".into(), json!(node));
    }
    Value::Object(obj)
}

/// Reads a response object (client side): the result or the error.
pub fn read_response(value: &Value) -> Result<Value, CallError> {
    if let Some(error) = value.get("error") {
        return Err(CallError::from_json(error));
    }
    value.get("result").cloned().ok_or_else(|| {
        CallError::new(
            RpcErrorKind::Parse,
            format!("response has neither result nor error: {value}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(body: &str) -> Result<RpcRequest, Value> {
        match parse_body(body.as_bytes()) {
            Ok(Incoming::Single(r)) => r,
            other => panic!("not single: {other:?}"),
        }
    }

    fn code(v: &Value) -> i64 {
        v["error"]["code"].as_i64().unwrap()
    }

    #[test]
    fn reads_request_notification_and_call_on() {
        let r = single(r#"{"jsonrpc":"2.0","id":7,"method":"core.ping","node":"n2"}"#).unwrap();
        assert_eq!(r.id, Some(json!(7)));
        assert_eq!(r.call.node.as_deref(), Some("n2"));
        let r = single(r#"{"jsonrpc":"2.0","method":"core.ping","params":[1]}"#).unwrap();
        assert_eq!(r.id, None);
    }

    #[test]
    fn refuses_non_json_with_parse_error() {
        let err = parse_body(b"{nope").unwrap_err();
        assert_eq!(code(&err), -32700);
        assert_eq!(err["id"], Value::Null);
    }

    #[test]
    fn refuses_bad_envelopes_with_invalid_request_keeping_the_id() {
        for body in [
            r#"{"jsonrpc":"1.0","id":1,"method":"a.b"}"#,
            r#"{"id":1,"method":"a.b"}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"a.b","params":3}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"a.b","extra":true}"#,
        ] {
            let err = single(body).unwrap_err();
            assert_eq!(code(&err), -32600, "{body}");
            assert_eq!(err["id"], json!(1), "{body}");
        }
        let err = single("5").unwrap_err();
        assert_eq!(code(&err), -32600);
    }

    #[test]
    fn empty_batch_is_one_invalid_request() {
        assert_eq!(code(&parse_body(b"[]").unwrap_err()), -32600);
    }

    #[test]
    fn batch_parses_each_element() {
        let Ok(Incoming::Batch(items)) =
            parse_body(br#"[{"jsonrpc":"2.0","id":1,"method":"a.b"}, 1]"#)
        else {
            panic!("batch expected")
        };
        assert!(items[0].is_ok() && items[1].is_err());
    }

    #[test]
    fn name_node_fills_missing_nodes_in_singles_and_batches() {
        let mut single = parse_body(b"{nope").unwrap_err();
        name_node(&mut single, "n1");
        assert_eq!(single["error"]["data"]["node"], json!("n1"));
        let inner = error_response(json!(2), &CallError::internal("x").with("node", "n2"));
        let mut batch = json!([single.clone(), inner, result_response(json!(3), json!(0))]);
        name_node(&mut batch, "n9");
        assert_eq!(batch[0]["error"]["data"]["node"], json!("n1"));
        assert_eq!(batch[1]["error"]["data"]["node"], json!("n2"), "kept");
        assert!(batch[2].get("error").is_none());
    }

    #[test]
    fn client_side_round_trip() {
        let call = CallRequest::new("a.b", Params::Positional(vec![json!(1)])).on_node("n");
        let back = parse_message(request_object(json!(1), &call)).unwrap();
        assert_eq!(back.call.node.as_deref(), Some("n"));
        assert_eq!(
            read_response(&result_response(json!(1), json!(2))).unwrap(),
            json!(2)
        );
        let err = read_response(&error_response(json!(1), &CallError::internal("x"))).unwrap_err();
        assert_eq!(err.code(), -32603);
    }
}

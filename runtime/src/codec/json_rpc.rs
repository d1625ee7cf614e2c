//! JSON-RPC 2.0 envelopes: reading requests (single or batch) into [`CallRequest`]s and writing
//! responses. The HTTP gateway and the AMQP transport both read requests here, and both answer
//! through [`response`], the one place where a typed [`CallError`] becomes JSON and names the
//! node that answered. Extension member: `"node": "NAME"` targets one node (`call_on`), which
//! JSON-RPC itself cannot express.

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

/// A message that is not a valid request: the id to answer with (null when unknown) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    /// The id to answer with.
    pub id: Value,
    /// What is wrong with the message.
    pub error: CallError,
}

impl Refused {
    fn new(id: Value, error: CallError) -> Self {
        Refused { id, error }
    }

    /// The error response to send for it, naming `node`.
    pub fn response(self, node: &str) -> Value {
        response(self.id, Err(self.error), node)
    }
}

/// A request body: one message or a batch; each element parsed or refused on its own.
#[derive(Debug)]
pub enum Incoming {
    /// A single message.
    Single(Result<RpcRequest, Refused>),
    /// A non-empty batch.
    Batch(Vec<Result<RpcRequest, Refused>>),
}

/// The `-32700` error for a body that is not JSON (or not decodable at all).
pub fn parse_error(detail: impl std::fmt::Display) -> CallError {
    CallError::new(RpcErrorKind::Parse, format!("parse error: {detail}"))
        .with("detail", detail.to_string())
}

/// Parses a body. `Err` refuses the whole body (parse error, empty batch); it is answered
/// with id null.
pub fn parse_body(body: &[u8]) -> Result<Incoming, CallError> {
    let value: Value = serde_json::from_slice(body).map_err(parse_error)?;
    parse_value(value)
}

/// Parses a body already decoded (e.g. from bincode) into one message or a batch.
pub fn parse_value(value: Value) -> Result<Incoming, CallError> {
    match value {
        Value::Array(items) if items.is_empty() => {
            Err(invalid_request("an empty batch is not a request"))
        }
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

/// Parses one message; `Err` says what to answer it with.
pub fn parse_message(value: Value) -> Result<RpcRequest, Refused> {
    let Value::Object(mut obj) = value else {
        return Err(Refused::new(
            Value::Null,
            invalid_request("a request must be a JSON object"),
        ));
    };
    // The id decides whether an error can be answered at all, so read it first.
    let id = match obj.remove("id") {
        None => None,
        Some(id @ (Value::Null | Value::String(_) | Value::Number(_))) => Some(id),
        Some(_) => {
            return Err(Refused::new(
                Value::Null,
                invalid_request("\"id\" must be a string, a number or null"),
            ))
        }
    };
    let answer_id = id.clone().unwrap_or(Value::Null);
    let fail = |detail: &str| Err(Refused::new(answer_id.clone(), invalid_request(detail)));
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
        Err(e) => return Err(Refused::new(answer_id, e)),
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

/// The response to a call with `id` that ended with `outcome`, answered by `node`: an error
/// names `node` in `data.node` unless a node further in (the one that served the call) is
/// named already. Every error says who answered (PROTOCOL.md); this is the one place that
/// makes it so, for the gateway and the AMQP transport alike.
pub fn response(id: Value, outcome: Result<Value, CallError>, node: &str) -> Value {
    match outcome {
        Ok(result) => result_response(id, result),
        Err(error) => error_response(id, &error.with_node_default(node)),
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

    fn single(body: &str) -> Result<RpcRequest, Refused> {
        match parse_body(body.as_bytes()) {
            Ok(Incoming::Single(r)) => r,
            other => panic!("not single: {other:?}"),
        }
    }

    fn code(refused: &Refused) -> i64 {
        refused.error.code()
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
        assert_eq!(err.code(), -32700);
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
            assert_eq!(err.id, json!(1), "{body}");
        }
        let err = single("5").unwrap_err();
        assert_eq!(code(&err), -32600);
    }

    #[test]
    fn empty_batch_is_one_invalid_request() {
        assert_eq!(parse_body(b"[]").unwrap_err().code(), -32600);
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
    fn a_response_names_the_answering_node_unless_an_inner_node_is_named() {
        let refused = single("5").unwrap_err().response("n1");
        assert_eq!(refused["error"]["data"]["node"], json!("n1"));
        let inner = response(
            json!(2),
            Err(CallError::internal("x").with("node", "n2")),
            "n9",
        );
        assert_eq!(inner["error"]["data"]["node"], json!("n2"), "kept");
        let ok = response(json!(3), Ok(json!(0)), "n9");
        assert!(ok.get("error").is_none());
        assert_eq!(ok["result"], json!(0));
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

//! The body encodings of a JSON-RPC message on AMQP (PROTOCOL.md "AMQP"): JSON
//! (`application/json`, what every outside caller uses) and bincode (`application/x-bincode`,
//! which nodes may use between themselves). Both carry the same JSON-RPC object, and a node
//! reads both whatever it sends itself.
//!
//! bincode 1.3 is unmaintained (RUSTSEC-2025-0141), so it stays behind [`BodyCodec`]: nothing
//! else in the project names it. bincode cannot carry a self-describing `serde_json::Value`,
//! so the message travels as a flat list of `Token`s in pre-order. Being flat, decoding
//! never recurses; the tree is rebuilt with an explicit stack and a depth limit, so a hostile
//! body can neither blow the stack nor make the decoder allocate beyond its own length.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// `Content-Type` of JSON bodies.
pub const JSON: &str = "application/json";
/// `Content-Type` of bincode bodies.
pub const BINCODE: &str = "application/x-bincode";
/// Deepest nesting a decoded message may have (serde_json's own limit).
pub const MAX_DEPTH: usize = 128;

/// One body encoding.
pub trait BodyCodec: Sync + std::fmt::Debug {
    /// Its `Content-Type`.
    fn content_type(&self) -> &'static str;
    /// `message` as body bytes.
    fn encode(&self, message: &Value) -> Vec<u8>;
    /// The message in `body`, or what is wrong with it.
    fn decode(&self, body: &[u8]) -> Result<Value, String>;
}

/// JSON bodies.
#[derive(Debug)]
pub struct JsonCodec;

/// bincode bodies.
#[derive(Debug)]
pub struct BincodeCodec;

impl BodyCodec for JsonCodec {
    fn content_type(&self) -> &'static str {
        JSON
    }

    fn encode(&self, message: &Value) -> Vec<u8> {
        message.to_string().into_bytes()
    }

    fn decode(&self, body: &[u8]) -> Result<Value, String> {
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))
    }
}

/// A JSON value as a pre-order token: containers give their length, their items follow.
#[derive(Debug, Serialize, Deserialize)]
enum Token {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(String),
    List(u32),
    Map(u32),
    Key(String),
}

fn options() -> impl bincode::Options {
    bincode::DefaultOptions::new()
}

fn flatten(value: &Value, out: &mut Vec<Token>) {
    match value {
        Value::Null => out.push(Token::Null),
        Value::Bool(b) => out.push(Token::Bool(*b)),
        Value::Number(n) => out.push(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Token::Int(i),
            (None, Some(u)) => Token::UInt(u),
            _ => Token::Float(n.as_f64().unwrap_or(0.0)),
        }),
        Value::String(s) => out.push(Token::Text(s.clone())),
        Value::Array(items) => {
            out.push(Token::List(items.len() as u32));
            items.iter().for_each(|item| flatten(item, out));
        }
        Value::Object(map) => {
            out.push(Token::Map(map.len() as u32));
            for (key, item) in map {
                out.push(Token::Key(key.clone()));
                flatten(item, out);
            }
        }
    }
}

/// A container being rebuilt: its items so far and how many are still to come.
enum Open {
    List(Vec<Value>, u32),
    Map(Map<String, Value>, Option<String>, u32),
}

/// Rebuilds the value `tokens` describe, checking every count and the depth.
fn rebuild(tokens: Vec<Token>) -> Result<Value, String> {
    let mut stack: Vec<Open> = Vec::new();
    let mut tokens = tokens.into_iter();
    loop {
        let Some(token) = tokens.next() else {
            return Err("the message ends inside a list or map".to_owned());
        };
        let mut done = match token {
            Token::List(0) => Value::Array(Vec::new()),
            Token::Map(0) => Value::Object(Map::new()),
            Token::List(n) | Token::Map(n) if stack.len() >= MAX_DEPTH => {
                return Err(format!(
                    "nested deeper than {MAX_DEPTH} levels (a container of {n})"
                ))
            }
            Token::List(n) => {
                stack.push(Open::List(Vec::new(), n));
                continue;
            }
            Token::Map(n) => {
                stack.push(Open::Map(Map::new(), None, n));
                continue;
            }
            Token::Key(key) => match stack.last_mut() {
                Some(Open::Map(_, slot @ None, _)) => {
                    *slot = Some(key);
                    continue;
                }
                _ => return Err(format!("key '{key}' outside a map")),
            },
            Token::Null => Value::Null,
            Token::Bool(b) => Value::Bool(b),
            Token::Int(i) => Value::from(i),
            Token::UInt(u) => Value::from(u),
            Token::Float(f) => Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| format!("{f} is not a JSON number"))?,
            Token::Text(s) => Value::String(s),
        };
        // Hand the finished value to its container, closing every container it completes.
        loop {
            match stack.last_mut() {
                None => {
                    return match tokens.next() {
                        None => Ok(done),
                        Some(extra) => Err(format!("unexpected {extra:?} after the message")),
                    }
                }
                Some(Open::List(items, left)) => {
                    items.push(done);
                    *left -= 1;
                    if *left > 0 {
                        break;
                    }
                }
                Some(Open::Map(map, slot, left)) => {
                    let Some(key) = slot.take() else {
                        return Err("a map value without its key".to_owned());
                    };
                    map.insert(key, done);
                    *left -= 1;
                    if *left > 0 {
                        break;
                    }
                }
            }
            done = match stack.pop() {
                Some(Open::List(items, _)) => Value::Array(items),
                Some(Open::Map(map, _, _)) => Value::Object(map),
                None => unreachable!("the stack was not empty"),
            };
        }
    }
}

impl BodyCodec for BincodeCodec {
    fn content_type(&self) -> &'static str {
        BINCODE
    }

    fn encode(&self, message: &Value) -> Vec<u8> {
        use bincode::Options;
        let mut tokens = Vec::new();
        flatten(message, &mut tokens);
        // Serializing plain enums into a Vec cannot fail.
        options().serialize(&tokens).unwrap_or_default()
    }

    fn decode(&self, body: &[u8]) -> Result<Value, String> {
        use bincode::Options;
        // The limit keeps a forged length from making the decoder allocate more than the body.
        let tokens: Vec<Token> = options()
            .with_limit(body.len() as u64)
            .deserialize(body)
            .map_err(|e| format!("body is not a bincode message: {e}"))?;
        rebuild(tokens).map_err(|e| format!("body is not a bincode message: {e}"))
    }
}

/// The codec for a `Content-Type` (parameters and case ignored); `None` for any other type.
pub fn for_content_type(content_type: &str) -> Option<&'static dyn BodyCodec> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case(JSON) {
        Some(&JsonCodec)
    } else if essence.eq_ignore_ascii_case(BINCODE) {
        Some(&BincodeCodec)
    } else {
        None
    }
}

/// The codec named by the `amqp.codec` setting: `json` or `bincode`.
pub fn by_name(name: &str) -> Option<&'static dyn BodyCodec> {
    match name {
        "json" => Some(&JsonCodec),
        "bincode" => Some(&BincodeCodec),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "jsonrpc": "2.0",
            "id": "c0ffee",
            "method": "stats.query",
            "params": {
                "window": 300, "negative": -7, "big": u64::MAX, "ratio": 0.25,
                "name": "Grüße, 世界", "flags": [true, false, null], "empty": [], "none": {},
                "nested": {"a": [1, [2, [3, {"b": "c"}]]]}
            }
        })
    }

    #[test]
    fn both_codecs_round_trip_a_message() {
        for codec in [&JsonCodec as &dyn BodyCodec, &BincodeCodec] {
            let body = codec.encode(&sample());
            assert_eq!(codec.decode(&body).expect("decodes"), sample());
        }
    }

    #[test]
    fn content_types_pick_their_codec_and_refuse_others() {
        let pick = |ct| for_content_type(ct).map(|c| c.content_type());
        assert_eq!(pick("application/json"), Some(JSON));
        assert_eq!(pick("Application/JSON; charset=utf-8"), Some(JSON));
        assert_eq!(pick("application/x-bincode"), Some(BINCODE));
        assert_eq!(pick("text/plain"), None);
        assert!(by_name("bincode").is_some() && by_name("yaml").is_none());
    }

    #[test]
    fn garbage_truncated_and_trailing_bincode_are_errors() {
        let body = BincodeCodec.encode(&sample());
        for bad in [&b"\xff\xff\xff\xff\xff"[..], &body[..body.len() / 2], b""] {
            let err = BincodeCodec.decode(bad).expect_err("refused");
            assert!(err.starts_with("body is not a bincode message"), "{err}");
        }
        // A list that claims more items than follow.
        let short = options_serialize(&[Token::List(3), Token::Null]);
        assert!(BincodeCodec.decode(&short).is_err());
        // Items beyond the message.
        let extra = options_serialize(&[Token::Null, Token::Null]);
        assert!(BincodeCodec.decode(&extra).is_err());
        // A key where a value belongs, and a value where a key belongs.
        let stray = options_serialize(&[Token::Key("k".into())]);
        assert!(BincodeCodec.decode(&stray).is_err());
        let keyless = options_serialize(&[Token::Map(1), Token::Null]);
        assert!(BincodeCodec.decode(&keyless).is_err());
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_without_recursion() {
        let deep: Vec<Token> = std::iter::repeat_with(|| Token::List(1))
            .take(100_000)
            .chain([Token::Null])
            .collect();
        let err = BincodeCodec
            .decode(&options_serialize(&deep))
            .expect_err("too deep");
        assert!(err.contains("nested deeper than 128"), "{err}");
    }

    #[test]
    fn a_forged_length_cannot_allocate_beyond_the_body() {
        // A Vec<Token> header claiming 2^60 tokens, then nothing.
        let mut forged = vec![0xfd];
        forged.extend_from_slice(&(1u64 << 60).to_le_bytes());
        assert!(BincodeCodec.decode(&forged).is_err());
    }

    fn options_serialize(tokens: &[Token]) -> Vec<u8> {
        use bincode::Options;
        options().serialize(tokens).expect("serializes")
    }
}

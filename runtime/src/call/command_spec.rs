//! The description of one command, as the `#[plugin]` macro records it from the method's
//! signature and doc comment. The registry, `core.describe` (OpenRPC) and the membership
//! announcements all read this one struct.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::CallType;

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArgSpec {
    /// The argument name (for calls by name).
    pub name: String,
    /// The Rust type as written in the signature.
    pub rust_type: String,
    /// A JSON Schema for the value.
    pub schema: Value,
    /// True when a call must give it (no default, not an `Option`).
    pub required: bool,
    /// The default value used when the argument is absent.
    pub default: Option<Value>,
}

/// One command: `plugin.command` with signature, docs, call type, timeout and ACL right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSpec {
    /// The plugin name.
    pub plugin: String,
    /// The command name inside the plugin.
    pub command: String,
    /// The doc comment.
    pub doc: String,
    /// Arguments, in positional order.
    pub args: Vec<ArgSpec>,
    /// The return type as written (without `Result`).
    pub returns: String,
    /// A JSON Schema for the result.
    pub returns_schema: Value,
    /// How many providers answer.
    pub call_type: CallType,
    /// Per-command deadline override in milliseconds.
    pub timeout_ms: Option<u64>,
    /// ACL right needed (`r w c d m s x`), if any.
    pub right: Option<String>,
}

impl CommandSpec {
    /// `plugin.command`.
    pub fn method(&self) -> String {
        format!("{}.{}", self.plugin, self.command)
    }

    /// The OpenRPC method object for this command.
    pub fn to_openrpc(&self) -> Value {
        let params: Vec<Value> = self
            .args
            .iter()
            .map(|a| {
                let mut p = json!({
                    "name": a.name,
                    "required": a.required,
                    "schema": a.schema,
                    "x-rust-type": a.rust_type,
                });
                if let Some(default) = &a.default {
                    p["schema"]["default"] = default.clone();
                }
                p
            })
            .collect();
        // The first paragraph, unwrapped: doc comments wrap at ~100 columns.
        let summary = self
            .doc
            .split("\n\n")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        json!({
            "name": self.method(),
            "summary": summary,
            "description": self.doc,
            "params": params,
            "paramStructure": "either",
            "result": {"name": "result", "schema": self.returns_schema, "x-rust-type": self.returns},
            "x-call-type": self.call_type,
            "x-timeout-ms": self.timeout_ms,
            "x-right": self.right,
        })
    }
}

/// A JSON Schema for a Rust type written in a signature, read from its last path segment. Types
/// the table does not know get the empty schema (anything), which is honest rather than wrong.
pub fn schema_for_rust_type(rust_type: &str) -> Value {
    let t = rust_type.replace(' ', "");
    let (outer, inner) = match t.split_once('<') {
        Some((o, rest)) => (o.rsplit("::").next().unwrap_or(o), rest.strip_suffix('>')),
        None => (t.rsplit("::").next().unwrap_or(&t), None),
    };
    match (outer, inner) {
        ("bool", _) => json!({"type": "boolean"}),
        ("u8" | "u16" | "u32" | "u64" | "usize", _) => json!({"type": "integer", "minimum": 0}),
        ("i8" | "i16" | "i32" | "i64" | "isize", _) => json!({"type": "integer"}),
        ("f32" | "f64", _) => json!({"type": "number"}),
        ("String" | "str" | "&str" | "char", _) => json!({"type": "string"}),
        ("()", _) => json!({"type": "null"}),
        ("Option", Some(inner)) => {
            let mut s = schema_for_rust_type(inner);
            if let Some(ty) = s.get("type").cloned() {
                s["type"] = json!([ty, "null"]);
            }
            s
        }
        ("Vec" | "VecDeque" | "BTreeSet" | "HashSet", Some(inner)) => {
            json!({"type": "array", "items": schema_for_rust_type(inner)})
        }
        ("HashMap" | "BTreeMap" | "Map", _) => json!({"type": "object"}),
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_table_maps_common_types() {
        assert_eq!(schema_for_rust_type("u32")["type"], "integer");
        assert_eq!(
            schema_for_rust_type("Option<String>")["type"],
            json!(["string", "null"])
        );
        assert_eq!(
            schema_for_rust_type("Vec < i64 >")["items"]["type"],
            "integer"
        );
        assert_eq!(schema_for_rust_type("serde_json::Value"), json!({}));
    }
}

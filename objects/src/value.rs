//! Attribute values: [`Value`], one value of an attribute (attributes hold lists of them, as
//! in the original, single-value attributes a list of at most one).
//!
//! The original kept Python objects (`str`, `unicode`, `int`, `bool`, `datetime`, `Binary`,
//! dictionaries for ACL sets); here each becomes one variant. Text is rendered the way the
//! original's `str()` did where scripts may depend on it (`True`/`False` for booleans).

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value as Json;

/// Format of a timestamp rendered as text (the original's `%Y-%m-%dT%H:%M:%S`, without zone:
/// timestamps here are UTC).
pub const TIMESTAMP_TEXT: &str = "%Y-%m-%dT%H:%M:%S";
/// Format of a date rendered as text.
pub const DATE_TEXT: &str = "%Y-%m-%d";

/// One value of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (`String` and `UnicodeString` attributes).
    Text(String),
    /// A whole number (`Integer`).
    Integer(i64),
    /// A truth value (`Boolean`).
    Boolean(bool),
    /// Bytes (`Binary`: photos, certificates).
    Binary(Vec<u8>),
    /// A point in time, UTC (`Timestamp`).
    Timestamp(NaiveDateTime),
    /// A calendar day (`Date`).
    Date(NaiveDate),
    /// A structured value (`AnyType`, `AclSet`, `AclRole`).
    Json(Json),
}

impl Value {
    /// The value as a whole number: an integer as is, anything else read from its text.
    pub fn as_whole_number(&self) -> Result<i64, String> {
        match self {
            Value::Integer(i) => Ok(*i),
            other => other
                .to_text()
                .trim()
                .parse()
                .map_err(|_| format!("'{}' is not a whole number", other.to_text())),
        }
    }

    /// Shorthand for a text value.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    /// The value as text, as the original's `str()` rendered it (binary as base64).
    pub fn to_text(&self) -> String {
        use base64::Engine;
        match self {
            Value::Text(s) => s.clone(),
            Value::Integer(i) => i.to_string(),
            Value::Boolean(true) => "True".to_string(),
            Value::Boolean(false) => "False".to_string(),
            Value::Binary(b) => base64::engine::general_purpose::STANDARD.encode(b),
            Value::Timestamp(t) => t.format(TIMESTAMP_TEXT).to_string(),
            Value::Date(d) => d.format(DATE_TEXT).to_string(),
            Value::Json(j) => j.to_string(),
        }
    }

    /// The text, when this is a text value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value as JSON (for `--json` output and RPC replies): text, number, boolean, JSON;
    /// binary as base64 text, dates and timestamps as text.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Text(s) => Json::String(s.clone()),
            Value::Integer(i) => Json::from(*i),
            Value::Boolean(b) => Json::Bool(*b),
            Value::Json(j) => j.clone(),
            other => Json::String(other.to_text()),
        }
    }

    /// What kind of value this is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Text(_) => "text",
            Value::Integer(_) => "integer",
            Value::Boolean(_) => "boolean",
            Value::Binary(_) => "binary",
            Value::Timestamp(_) => "timestamp",
            Value::Date(_) => "date",
            Value::Json(_) => "structured value",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_render_like_python() {
        assert_eq!(Value::Boolean(true).to_text(), "True");
        assert_eq!(Value::Boolean(false).to_text(), "False");
    }

    #[test]
    fn binary_renders_as_base64() {
        assert_eq!(Value::Binary(b"hi".to_vec()).to_text(), "aGk=");
        assert_eq!(
            Value::Binary(b"hi".to_vec()).to_json(),
            Json::String("aGk=".into())
        );
    }

    #[test]
    fn timestamps_render_in_iso_form() {
        let t = NaiveDate::from_ymd_opt(2012, 3, 4)
            .and_then(|d| d.and_hms_opt(5, 6, 7))
            .map(Value::Timestamp);
        assert_eq!(
            t.map(|v| v.to_text()).as_deref(),
            Some("2012-03-04T05:06:07")
        );
    }
}

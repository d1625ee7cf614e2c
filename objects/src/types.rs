//! Attribute types ([`AttrType`]): which values an attribute accepts and how values convert
//! between the attribute's type and its backend type.
//!
//! The names are the original's (`String`, `UnicodeString`, `Integer`, `Boolean`, `Binary`,
//! `Date`, `Timestamp`, `AnyType`, and the ACL plugin's `AclSet` and `AclRole`). Conversions
//! follow the original's `convert_to`/`convert_from`: text to boolean is false only for
//! `""`, `"0"`, `"false"` and `"False"`; dates render as `%Y-%m-%d`.

use crate::value::{Value, DATE_TEXT, TIMESTAMP_TEXT};
use chrono::{NaiveDate, NaiveDateTime};

/// An attribute's type (`<Type>`) or backend type (`<BackendType>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttrType {
    /// Text (originally a byte string).
    String,
    /// Text (originally a unicode string).
    UnicodeString,
    /// A whole number.
    Integer,
    /// A truth value.
    Boolean,
    /// Bytes.
    Binary,
    /// A calendar day.
    Date,
    /// A point in time (UTC).
    Timestamp,
    /// Anything (kept as given).
    AnyType,
    /// An ACL set (a structured value, checked by `IsAclSet`).
    AclSet,
    /// An ACL role (a structured value, checked by `IsAclRole`).
    AclRole,
}

/// Every type, for listing.
pub const ALL_TYPES: [AttrType; 10] = [
    AttrType::String,
    AttrType::UnicodeString,
    AttrType::Integer,
    AttrType::Boolean,
    AttrType::Binary,
    AttrType::Date,
    AttrType::Timestamp,
    AttrType::AnyType,
    AttrType::AclSet,
    AttrType::AclRole,
];

impl AttrType {
    /// The type's name as definitions spell it.
    pub fn name(self) -> &'static str {
        match self {
            AttrType::String => "String",
            AttrType::UnicodeString => "UnicodeString",
            AttrType::Integer => "Integer",
            AttrType::Boolean => "Boolean",
            AttrType::Binary => "Binary",
            AttrType::Date => "Date",
            AttrType::Timestamp => "Timestamp",
            AttrType::AnyType => "AnyType",
            AttrType::AclSet => "AclSet",
            AttrType::AclRole => "AclRole",
        }
    }

    /// The type of a name, if there is one.
    pub fn from_name(name: &str) -> Option<AttrType> {
        ALL_TYPES.into_iter().find(|t| t.name() == name)
    }

    /// Whether a text type (`String`, `UnicodeString`).
    pub fn is_text(self) -> bool {
        matches!(self, AttrType::String | AttrType::UnicodeString)
    }

    /// Whether `value` is a value of this type.
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (AttrType::AnyType, _) => true,
            (t, Value::Text(_)) => t.is_text(),
            (AttrType::Integer, Value::Integer(_)) => true,
            (AttrType::Boolean, Value::Boolean(_)) => true,
            (AttrType::Binary, Value::Binary(_)) => true,
            (AttrType::Date, Value::Date(_)) => true,
            (AttrType::Timestamp, Value::Timestamp(_)) => true,
            (AttrType::AclSet | AttrType::AclRole, Value::Json(_)) => true,
            _ => false,
        }
    }

    /// Whether every value is of this type.
    pub fn accepts_all(self, values: &[Value]) -> bool {
        values.iter().all(|v| self.accepts(v))
    }

    /// Reads a value of this type from definition text (`<Default>`, `BlockedBy` values,
    /// `<Values>` keys, `SetValue`).
    pub fn parse(self, text: &str) -> Result<Value, String> {
        convert_one(&Value::Text(text.to_string()), self)
    }

    /// Reads a value of this type from JSON, as change sets arrive over RPC: text types take
    /// strings (numbers and booleans become their text, as the original's `fixup` did),
    /// `Integer` whole numbers, `Boolean` booleans, `Binary` base64 text, `Date` and
    /// `Timestamp` ISO text; `AnyType`, `AclSet` and `AclRole` take any JSON.
    pub fn from_json(self, json: &serde_json::Value) -> Result<Value, String> {
        use base64::Engine;
        use serde_json::Value as Json;
        let wrong = || format!("{json} is no {}", self.name());
        match (self, json) {
            (t, Json::String(s)) if t.is_text() => Ok(Value::Text(s.clone())),
            (t, Json::Number(_) | Json::Bool(_)) if t.is_text() => {
                Ok(Value::Text(json.to_string()))
            }
            (AttrType::Integer, Json::Number(n)) => {
                n.as_i64().map(Value::Integer).ok_or_else(wrong)
            }
            (AttrType::Boolean, Json::Bool(b)) => Ok(Value::Boolean(*b)),
            (AttrType::Binary, Json::String(s)) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(Value::Binary)
                .map_err(|e| format!("{} (base64: {e})", wrong())),
            (AttrType::Date | AttrType::Timestamp, Json::String(s)) => self.parse(s),
            (AttrType::AnyType, Json::String(s)) => Ok(Value::Text(s.clone())),
            (AttrType::AnyType | AttrType::AclSet | AttrType::AclRole, j) => {
                Ok(Value::Json(j.clone()))
            }
            _ => Err(wrong()),
        }
    }

    /// Converts values to type `target` (for the backend type on write, the attribute type on
    /// read); values already of `target` stay as they are.
    pub fn convert(values: &[Value], target: AttrType) -> Result<Vec<Value>, String> {
        values.iter().map(|v| convert_one(v, target)).collect()
    }
}

fn parse_timestamp(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, TIMESTAMP_TEXT)
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok())
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%SZ").ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, DATE_TEXT)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

fn convert_one(value: &Value, target: AttrType) -> Result<Value, String> {
    if target.accepts(value) {
        return Ok(value.clone());
    }
    let fail = || {
        format!(
            "cannot convert {} '{}' to {}",
            value.kind_name(),
            value.to_text(),
            target.name()
        )
    };
    let converted = match (value, target) {
        (v, t) if t.is_text() => Some(Value::Text(v.to_text())),
        (Value::Text(s), AttrType::Boolean) => Some(Value::Boolean(!matches!(
            s.as_str(),
            "" | "false" | "0" | "False"
        ))),
        (Value::Text(s), AttrType::Integer) => s.trim().parse().ok().map(Value::Integer),
        (Value::Text(s), AttrType::Timestamp) => parse_timestamp(s).map(Value::Timestamp),
        (Value::Text(s), AttrType::Date) => NaiveDate::parse_from_str(s, DATE_TEXT)
            .ok()
            .map(Value::Date),
        (Value::Text(s), AttrType::Binary) => Some(Value::Binary(s.as_bytes().to_vec())),
        (Value::Text(s), AttrType::AclSet | AttrType::AclRole) => {
            serde_json::from_str(s).ok().map(Value::Json)
        }
        (Value::Integer(i), AttrType::Boolean) => Some(Value::Boolean(*i != 0)),
        (Value::Boolean(b), AttrType::Integer) => Some(Value::Integer(i64::from(*b))),
        (Value::Timestamp(t), AttrType::Integer) => Some(Value::Integer(t.and_utc().timestamp())),
        (Value::Timestamp(t), AttrType::Date) => Some(Value::Date(t.date())),
        (Value::Date(d), AttrType::Timestamp) => d.and_hms_opt(0, 0, 0).map(Value::Timestamp),
        (Value::Integer(i), AttrType::Timestamp) => {
            chrono::DateTime::from_timestamp(*i, 0).map(|t| Value::Timestamp(t.naive_utc()))
        }
        _ => None,
    };
    converted.ok_or_else(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in ALL_TYPES {
            assert_eq!(AttrType::from_name(t.name()), Some(t));
        }
        assert_eq!(AttrType::from_name("Bogus"), None);
    }

    #[test]
    fn text_to_boolean_follows_the_original() {
        for (s, b) in [
            ("", false),
            ("0", false),
            ("false", false),
            ("False", false),
        ] {
            assert_eq!(AttrType::Boolean.parse(s), Ok(Value::Boolean(b)));
        }
        assert_eq!(AttrType::Boolean.parse("true"), Ok(Value::Boolean(true)));
        assert_eq!(AttrType::Boolean.parse("yes"), Ok(Value::Boolean(true)));
    }

    #[test]
    fn integers_parse_and_refuse_garbage() {
        assert_eq!(AttrType::Integer.parse("60"), Ok(Value::Integer(60)));
        assert!(AttrType::Integer.parse("sixty").is_err());
    }

    #[test]
    fn timestamps_convert_to_epoch_seconds() {
        let t = AttrType::Timestamp.parse("1970-01-02T00:00:00");
        let t = t.map(|v| AttrType::convert(&[v], AttrType::Integer));
        assert_eq!(t, Ok(Ok(vec![Value::Integer(86400)])));
    }

    #[test]
    fn structured_values_travel_as_json_text() {
        let v = AttrType::AclSet.parse(r#"[{"priority":0}]"#);
        assert!(matches!(v, Ok(Value::Json(_))));
        let text = v.map(|v| AttrType::convert(&[v], AttrType::UnicodeString));
        assert_eq!(text, Ok(Ok(vec![Value::text(r#"[{"priority":0}]"#)])));
    }

    #[test]
    fn accepts_checks_the_variant() {
        assert!(AttrType::UnicodeString.accepts(&Value::text("x")));
        assert!(!AttrType::Integer.accepts(&Value::text("1")));
        assert!(AttrType::AnyType.accepts(&Value::Integer(1)));
    }

    #[test]
    fn json_values_take_the_attribute_type() {
        use serde_json::json;
        assert_eq!(
            AttrType::String.from_json(&json!("jd")),
            Ok(Value::text("jd"))
        );
        assert_eq!(
            AttrType::String.from_json(&json!(42)),
            Ok(Value::text("42"))
        );
        assert_eq!(
            AttrType::Integer.from_json(&json!(42)),
            Ok(Value::Integer(42))
        );
        assert!(AttrType::Integer.from_json(&json!("42")).is_err());
        assert!(AttrType::Integer.from_json(&json!(4.2)).is_err());
        assert_eq!(
            AttrType::Boolean.from_json(&json!(true)),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            AttrType::Binary.from_json(&json!("aGk=")),
            Ok(Value::Binary(b"hi".to_vec()))
        );
        assert!(AttrType::Binary.from_json(&json!("not base64!")).is_err());
        assert!(matches!(
            AttrType::Timestamp.from_json(&json!("2012-03-04T05:06:07")),
            Ok(Value::Timestamp(_))
        ));
        assert!(matches!(
            AttrType::AclSet.from_json(&json!([{"priority": 0}])),
            Ok(Value::Json(_))
        ));
    }
}

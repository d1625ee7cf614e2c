//! Attribute values in their LDAP form. Written: text as UTF-8, integers in decimal,
//! booleans as `TRUE`/`FALSE` (the Boolean syntax), bytes as they are, timestamps and days
//! as GeneralizedTime (`YYYYMMDDHHMMSSZ`), structured values as JSON text. Read: the same
//! back, as the JSON the store hands the model in the attribute's backend type (bytes as
//! base64, times as ISO text), exactly what the embedded entry store keeps.

use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use clacks_objects::types::AttrType;
use clacks_objects::value::{Value, DATE_TEXT, TIMESTAMP_TEXT};
use serde_json::Value as Json;

const GENERALIZED_TIME: &str = "%Y%m%d%H%M%SZ";

/// `value` as the directory stores it.
pub fn to_ldap(value: &Value) -> Vec<u8> {
    match value {
        Value::Text(s) => s.as_bytes().to_vec(),
        Value::Integer(i) => i.to_string().into_bytes(),
        Value::Boolean(true) => b"TRUE".to_vec(),
        Value::Boolean(false) => b"FALSE".to_vec(),
        Value::Binary(b) => b.clone(),
        Value::Timestamp(t) => t.format(GENERALIZED_TIME).to_string().into_bytes(),
        Value::Date(d) => d.format("%Y%m%d000000Z").to_string().into_bytes(),
        Value::Json(Json::String(s)) => s.as_bytes().to_vec(),
        Value::Json(j) => j.to_string().into_bytes(),
    }
}

fn generalized_time(text: &str) -> Option<NaiveDateTime> {
    // GeneralizedTime may carry fractions or an offset; the store writes the plain UTC form.
    let plain = text.trim_end_matches('Z');
    let digits: String = plain.chars().take_while(char::is_ascii_digit).collect();
    match digits.len() {
        14 => NaiveDateTime::parse_from_str(&digits, "%Y%m%d%H%M%S").ok(),
        12 => NaiveDateTime::parse_from_str(&format!("{digits}00"), "%Y%m%d%H%M%S").ok(),
        10 => NaiveDateTime::parse_from_str(&format!("{digits}0000"), "%Y%m%d%H%M%S").ok(),
        _ => None,
    }
}

/// A value read from the directory, as JSON in `backend_type` (what
/// [`AttrType::from_json`] reads back). A value that does not fit stays text, for the
/// model to report.
pub fn from_ldap(bytes: &[u8], backend_type: AttrType) -> Json {
    let text = || String::from_utf8_lossy(bytes).into_owned();
    match backend_type {
        AttrType::String | AttrType::UnicodeString => Json::String(text()),
        AttrType::Integer => text()
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Json::String(text()), Json::from),
        AttrType::Boolean => match text().as_str() {
            "TRUE" => Json::Bool(true),
            "FALSE" => Json::Bool(false),
            // The original's rule for text: false only for these.
            t => Json::Bool(!matches!(t, "" | "0" | "false" | "False")),
        },
        AttrType::Binary => Json::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
        AttrType::Timestamp => match generalized_time(&text()) {
            Some(t) => Json::String(t.format(TIMESTAMP_TEXT).to_string()),
            None => Json::String(text()),
        },
        AttrType::Date => match generalized_time(&text()) {
            Some(t) => Json::String(t.date().format(DATE_TEXT).to_string()),
            None => match NaiveDate::parse_from_str(&text(), DATE_TEXT) {
                Ok(d) => Json::String(d.format(DATE_TEXT).to_string()),
                Err(_) => Json::String(text()),
            },
        },
        AttrType::AnyType | AttrType::AclSet | AttrType::AclRole => {
            serde_json::from_slice(bytes).unwrap_or_else(|_| Json::String(text()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: Value, t: AttrType) -> Value {
        let json = from_ldap(&to_ldap(&value), t);
        t.from_json(&json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_type_survives_the_directory() {
        let ts = NaiveDateTime::parse_from_str("2026-12-01T10:20:30", TIMESTAMP_TEXT).expect("ts");
        let cases = [
            (Value::Text("Smith (IT)* ü".into()), AttrType::UnicodeString),
            (Value::Integer(-42), AttrType::Integer),
            (Value::Boolean(true), AttrType::Boolean),
            (Value::Boolean(false), AttrType::Boolean),
            (Value::Binary(vec![0, 255, 10]), AttrType::Binary),
            (Value::Timestamp(ts), AttrType::Timestamp),
            (
                Value::Json(serde_json::json!({"a": [1]})),
                AttrType::AnyType,
            ),
        ];
        for (value, t) in cases {
            assert_eq!(round_trip(value.clone(), t), value, "{t:?}");
        }
        assert_eq!(to_ldap(&Value::Boolean(true)), b"TRUE");
        assert_eq!(to_ldap(&Value::Timestamp(ts)), b"20261201102030Z");
    }

    #[test]
    fn values_written_by_other_clients_are_read_in_the_backend_type() {
        assert_eq!(from_ldap(b"2000", AttrType::Integer), Json::from(2000));
        assert_eq!(
            from_ldap(b"x1", AttrType::Integer),
            Json::String("x1".into())
        );
        assert_eq!(
            from_ldap(b"20261201102030.5Z", AttrType::Timestamp),
            Json::String("2026-12-01T10:20:30".into())
        );
    }
}

//! Date and time filters: text ↔ timestamps and dates with strftime formats, epoch seconds ↔
//! timestamps, and shadow days (days since 1970-01-01, `shadowLastChange`, `shadowExpire`)
//! ↔ timestamps (filter/basic.py, filter/strings.py, posix/shadow.py).
//!
//! Timestamps are UTC. The original converted shadow days in the server's local time zone and
//! added one day on the way back to make up for it; in UTC the conversion is exact both ways.

use crate::props::Prop;
use crate::types::AttrType;
use crate::value::Value;
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use std::fmt::Write;

const DAY: i64 = 86_400;

/// Whether `fmt` is a strftime format chrono understands.
pub(super) fn check_format(fmt: &str) -> Result<(), String> {
    if StrftimeItems::new(fmt).any(|i| matches!(i, Item::Error)) {
        Err("is no valid date format".into())
    } else {
        Ok(())
    }
}

fn parse_one(text: &str, fmt: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(text, fmt)
        .or_else(|_| {
            NaiveDate::parse_from_str(text, fmt).map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .map_err(|e| format!("'{text}' does not match '{fmt}': {e}"))
}

/// Text → timestamps (with `backend_type`: the backend now delivers timestamps).
pub(super) fn parse_timestamps(
    prop: &mut Prop,
    fmt: &str,
    set_backend_type: bool,
) -> Result<(), String> {
    let values = prop
        .value
        .iter()
        .map(|v| match v {
            Value::Timestamp(_) => Ok(v.clone()),
            other => parse_one(&other.to_text(), fmt).map(Value::Timestamp),
        })
        .collect::<Result<Vec<_>, _>>()?;
    prop.value = values;
    if set_backend_type {
        prop.backend_type = AttrType::Timestamp;
    }
    Ok(())
}

/// Text → dates.
pub(super) fn parse_dates(prop: &mut Prop, fmt: &str) -> Result<(), String> {
    let values = prop
        .value
        .iter()
        .map(|v| match v {
            Value::Date(_) => Ok(v.clone()),
            other => parse_one(&other.to_text(), fmt).map(|t| Value::Date(t.date())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    prop.value = values;
    Ok(())
}

fn as_timestamp(v: &Value) -> Result<NaiveDateTime, String> {
    match v {
        Value::Timestamp(t) => Ok(*t),
        Value::Date(d) => Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default()),
        other => Err(format!("'{}' is no date or timestamp", other.to_text())),
    }
}

/// Timestamps and dates → text (with `backend_type`: the backend now stores text).
pub(super) fn format(prop: &mut Prop, fmt: &str, set_backend_type: bool) -> Result<(), String> {
    check_format(fmt).map_err(|e| format!("'{fmt}' {e}"))?;
    let mut out = Vec::with_capacity(prop.value.len());
    for v in &prop.value {
        let t = as_timestamp(v)?.and_utc();
        let mut s = String::new();
        write!(s, "{}", t.format(fmt)).map_err(|_| format!("cannot format '{t}' with '{fmt}'"))?;
        out.push(Value::Text(s));
    }
    prop.value = out;
    if set_backend_type {
        prop.backend_type = AttrType::String;
    }
    Ok(())
}

fn from_seconds(s: i64) -> Result<Value, String> {
    DateTime::from_timestamp(s, 0)
        .map(|t| Value::Timestamp(t.naive_utc()))
        .ok_or_else(|| format!("{s} seconds is out of range"))
}

/// Epoch seconds → timestamps; the backend delivers timestamps now.
pub(super) fn from_epoch(prop: &mut Prop) -> Result<(), String> {
    prop.value = prop
        .value
        .iter()
        .map(|v| from_seconds(v.as_whole_number()?))
        .collect::<Result<_, _>>()?;
    prop.backend_type = AttrType::Timestamp;
    Ok(())
}

/// Timestamps → epoch seconds; the backend stores integers.
pub(super) fn to_epoch(prop: &mut Prop) -> Result<(), String> {
    prop.value = prop
        .value
        .iter()
        .map(|v| Ok(Value::Integer(as_timestamp(v)?.and_utc().timestamp())))
        .collect::<Result<_, String>>()?;
    prop.backend_type = AttrType::Integer;
    Ok(())
}

/// Shadow days → timestamps (midnight UTC of that day). The backend type stays `Integer`,
/// so that writing converts back.
pub(super) fn from_shadow_days(prop: &mut Prop) -> Result<(), String> {
    prop.value = prop
        .value
        .iter()
        .map(|v| {
            let days = v.as_whole_number()?;
            from_seconds(days.checked_mul(DAY).ok_or("day count out of range")?)
        })
        .collect::<Result<_, _>>()?;
    prop.backend_type = AttrType::Integer;
    Ok(())
}

/// Timestamps → shadow days (the day they fall on, UTC).
pub(super) fn to_shadow_days(prop: &mut Prop) -> Result<(), String> {
    prop.value = prop
        .value
        .iter()
        .map(|v| {
            Ok(Value::Integer(
                as_timestamp(v)?.and_utc().timestamp().div_euclid(DAY),
            ))
        })
        .collect::<Result<_, String>>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(y: i32, m: u32, d: u32, h: u32) -> Value {
        Value::Timestamp(
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default(),
        )
    }

    fn prop(values: Vec<Value>) -> Prop {
        Prop::new(AttrType::Timestamp, "LDAP").with_values(values)
    }

    #[test]
    fn date_of_birth_round_trip_with_the_user_xml_format() {
        // user.xml: StringToDatetime('%Y-%m-%d') in, DatetimeToString('%Y-%m-%d') out.
        let mut p = prop(vec![Value::text("1975-04-30")]);
        assert!(parse_timestamps(&mut p, "%Y-%m-%d", true).is_ok());
        assert_eq!(p.value, vec![ts(1975, 4, 30, 0)]);
        assert_eq!(p.backend_type, AttrType::Timestamp);
        assert!(format(&mut p, "%Y-%m-%d", true).is_ok());
        assert_eq!(p.value, vec![Value::text("1975-04-30")]);
        assert_eq!(p.backend_type, AttrType::String);
    }

    #[test]
    fn ldap_generalized_time_is_the_default_format() {
        let mut p = prop(vec![Value::text("20120304050607Z")]);
        assert!(parse_timestamps(&mut p, "%Y%m%d%H%M%SZ", false).is_ok());
        assert!(format(&mut p, "%Y%m%d%H%M%SZ", false).is_ok());
        assert_eq!(p.value, vec![Value::text("20120304050607Z")]);
    }

    #[test]
    fn unparsable_dates_are_errors_not_panics() {
        let mut p = prop(vec![Value::text("yesterday")]);
        assert!(parse_timestamps(&mut p, "%Y-%m-%d", true).is_err());
        assert!(check_format("%Y-%Q").is_err());
        let mut d = prop(vec![Value::text("2012-01-01")]);
        assert!(format(&mut d, "%Y", false).is_err());
    }

    #[test]
    fn shadow_days_round_trip() {
        // Day 15000 after 1970-01-01 is 2011-01-26.
        let mut p = prop(vec![Value::Integer(15000)]);
        assert!(from_shadow_days(&mut p).is_ok());
        assert_eq!(p.value, vec![ts(2011, 1, 26, 0)]);
        assert!(to_shadow_days(&mut p).is_ok());
        assert_eq!(p.value, vec![Value::Integer(15000)]);
    }

    #[test]
    fn any_time_of_day_counts_as_that_day() {
        let mut p = prop(vec![ts(2011, 1, 26, 23)]);
        assert!(to_shadow_days(&mut p).is_ok());
        assert_eq!(p.value, vec![Value::Integer(15000)]);
    }

    #[test]
    fn epoch_seconds_round_trip() {
        let mut p = prop(vec![Value::Integer(86_400)]);
        assert!(from_epoch(&mut p).is_ok());
        assert_eq!(p.value, vec![ts(1970, 1, 2, 0)]);
        assert!(to_epoch(&mut p).is_ok());
        assert_eq!(p.value, vec![Value::Integer(86_400)]);
        assert_eq!(p.backend_type, AttrType::Integer);
    }
}

//! `xs:dateTime` timestamps for event fields, without a date-time dependency.
//!
//! Events carry times as `xs:dateTime` strings in UTC (`2026-11-03T14:05:09.123Z`); these
//! helpers format a [`SystemTime`] that way, using the proleptic Gregorian calendar.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as an `xs:dateTime` in UTC with milliseconds.
pub fn now() -> String {
    format(SystemTime::now())
}

/// `t` as an `xs:dateTime` in UTC with milliseconds (times before 1970 clamp to the epoch).
pub fn format(t: SystemTime) -> String {
    let millis = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    from_unix_millis(millis as i64)
}

/// Milliseconds since the Unix epoch as an `xs:dateTime` in UTC.
pub fn from_unix_millis(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        assert_eq!(from_unix_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            from_unix_millis(951_782_400_123),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(
            from_unix_millis(1_790_000_000_000),
            "2026-09-21T14:13:20.000Z"
        );
    }

    #[test]
    fn output_is_a_valid_xsd_date_time() {
        assert!(crate::schema::is_date_time(&now()));
    }
}

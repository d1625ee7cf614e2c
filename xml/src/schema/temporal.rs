//! Dates, times and durations: lexical checks for `dateTime`, `date`, `time`, the `g*` types
//! and `duration`, plus an ordering key for the range facets.
//!
//! Checks are semantic, not just shape: months 01–12, days within the month (29 February only
//! in leap years), hours 00–23 (or `24:00:00`), timezones within ±14:00, year 0000 refused (as
//! XSD 1.0 does). The ordering key is nanoseconds on a proleptic Gregorian time line after
//! applying the timezone; values without a timezone are placed as if in UTC, which is the
//! usual practical reading of XSD's partial order.

use super::primitive::Primitive;

/// A parsed temporal value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Temporal {
    /// Position on the time line in nanoseconds (`None` for the `g*` types, which we do not
    /// order).
    pub(crate) key: Option<i128>,
    pub(crate) has_timezone: bool,
}

/// Which duration subtype is being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DurationKind {
    Any,
    DayTime,
    YearMonth,
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn digits(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// Exactly `n` digits as a number.
    fn fixed(&mut self, n: usize) -> Option<u32> {
        let d = self.s.get(self.i..self.i + n)?;
        if !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(d.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
    }

    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: Option<i64>, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y) if !is_leap(y) => 28,
            _ => 29,
        },
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn year(c: &mut Cursor<'_>) -> Option<i64> {
    let negative = c.eat(b'-');
    let digits = c.digits();
    if digits.len() < 4 || (digits.len() > 4 && digits[0] == b'0') || digits.len() > 15 {
        return None;
    }
    let value = std::str::from_utf8(digits).ok()?.parse::<i64>().ok()?;
    if value == 0 {
        return None;
    }
    Some(if negative { -value } else { value })
}

fn month(c: &mut Cursor<'_>) -> Option<u32> {
    c.fixed(2).filter(|m| (1..=12).contains(m))
}

/// `hh:mm:ss(.s+)?` as nanoseconds of the day.
fn time_of_day(c: &mut Cursor<'_>) -> Option<i128> {
    let h = c.fixed(2)?;
    let ok = c.eat(b':');
    let m = c.fixed(2)?;
    let ok = ok && c.eat(b':');
    let s = c.fixed(2)?;
    let mut nanos: i128 = 0;
    let mut any_fraction = false;
    if c.eat(b'.') {
        let frac = c.digits();
        if frac.is_empty() {
            return None;
        }
        for (i, d) in frac.iter().take(9).enumerate() {
            nanos += i128::from(d - b'0') * 10i128.pow(8 - i as u32);
        }
        any_fraction = frac.iter().any(|&d| d != b'0');
    }
    let valid =
        ok && m <= 59 && s <= 59 && (h <= 23 || (h == 24 && m == 0 && s == 0 && !any_fraction));
    valid.then(|| {
        (i128::from(h) * 3600 + i128::from(m) * 60 + i128::from(s)) * 1_000_000_000 + nanos
    })
}

/// Optional timezone; returns (present, offset in minutes).
fn timezone(c: &mut Cursor<'_>) -> Option<(bool, i64)> {
    if c.eat(b'Z') {
        return Some((true, 0));
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return Some((false, 0));
    };
    let h = c.fixed(2)?;
    if !c.eat(b':') {
        return None;
    }
    let m = c.fixed(2)?;
    if h > 14 || m > 59 || (h == 14 && m != 0) {
        return None;
    }
    Some((true, sign * (i64::from(h) * 60 + i64::from(m))))
}

/// Parses a value of one of the date/time primitives; `None` if it is not valid.
pub(crate) fn parse(p: Primitive, v: &str) -> Option<Temporal> {
    let mut c = Cursor {
        s: v.as_bytes(),
        i: 0,
    };
    const DAY: i128 = 86_400 * 1_000_000_000;
    let key = match p {
        Primitive::DateTime | Primitive::Date => {
            let y = year(&mut c)?;
            let ok = c.eat(b'-');
            let m = month(&mut c)?;
            let ok = ok && c.eat(b'-');
            let d = c.fixed(2)?;
            if !ok || d == 0 || d > days_in_month(Some(y), m) {
                return None;
            }
            let days = i128::from(days_from_civil(y, m, d));
            if p == Primitive::DateTime {
                if !c.eat(b'T') {
                    return None;
                }
                Some(days * DAY + time_of_day(&mut c)?)
            } else {
                Some(days * DAY)
            }
        }
        Primitive::Time => Some(time_of_day(&mut c)?),
        Primitive::GYearMonth => {
            year(&mut c)?;
            if !c.eat(b'-') {
                return None;
            }
            month(&mut c)?;
            None
        }
        Primitive::GYear => {
            year(&mut c)?;
            None
        }
        Primitive::GMonthDay => {
            if !(c.eat(b'-') && c.eat(b'-')) {
                return None;
            }
            let m = month(&mut c)?;
            if !c.eat(b'-') {
                return None;
            }
            let d = c.fixed(2)?;
            if d == 0 || d > days_in_month(None, m) {
                return None;
            }
            None
        }
        Primitive::GDay => {
            if !(c.eat(b'-') && c.eat(b'-') && c.eat(b'-')) {
                return None;
            }
            let d = c.fixed(2)?;
            if !(1..=31).contains(&d) {
                return None;
            }
            None
        }
        Primitive::GMonth => {
            if !(c.eat(b'-') && c.eat(b'-')) {
                return None;
            }
            month(&mut c)?;
            None
        }
        _ => return None,
    };
    let (has_timezone, offset) = timezone(&mut c)?;
    if !c.done() {
        return None;
    }
    Some(Temporal {
        key: key.map(|k| k - i128::from(offset) * 60 * 1_000_000_000),
        has_timezone,
    })
}

/// `-?P(nY)?(nM)?(nD)?(T(nH)?(nM)?(n(.n)?S)?)?` with at least one part, and `T` only when a
/// time part follows; the subtypes allow only their own parts.
pub(crate) fn is_duration(v: &str, kind: DurationKind) -> bool {
    let body = v.strip_prefix('-').unwrap_or(v);
    let Some(body) = body.strip_prefix('P') else {
        return false;
    };
    let (date, time) = match body.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let mut parts = 0;
    let date_ok = parts_in_order(date, &["Y", "M", "D"], false, &mut parts);
    let date_parts = parts;
    let time_ok = match time {
        Some(t) => {
            let before = parts;
            parts_in_order(t, &["H", "M", "S"], true, &mut parts) && parts > before
        }
        None => true,
    };
    let has_year_month = date.contains(['Y', 'M']);
    let has_day_time = date.contains('D') || time.is_some();
    let kind_ok = match kind {
        DurationKind::Any => true,
        DurationKind::DayTime => !has_year_month,
        DurationKind::YearMonth => !has_day_time,
    };
    date_ok && time_ok && parts > 0 && kind_ok && (date_parts > 0 || time.is_some())
}

/// Checks `(digits designator)*` with designators in the given order; only the last (seconds)
/// may carry a fraction when `fraction_last` is set.
fn parts_in_order(s: &str, designators: &[&str], fraction_last: bool, count: &mut usize) -> bool {
    let mut rest = s;
    let mut next = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let Some(pos) = designators[next..]
            .iter()
            .position(|d| tail.starts_with(d))
            .map(|p| p + next)
        else {
            return false;
        };
        let allow_fraction = fraction_last && pos == designators.len() - 1;
        let valid_number = if allow_fraction {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            match num.split_once('.') {
                Some((int, frac)) => digits(int) && digits(frac),
                None => digits(num),
            }
        } else {
            !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit())
        };
        if !valid_number {
            return false;
        }
        *count += 1;
        next = pos + 1;
        rest = &tail[designators[pos].len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(p: Primitive, v: &str) -> bool {
        parse(p, v).is_some()
    }

    #[test]
    fn date_time_forms() {
        assert!(valid(Primitive::DateTime, "2011-10-27T16:23:21"));
        assert!(valid(Primitive::DateTime, "2011-10-27T16:23:21.125Z"));
        assert!(valid(Primitive::DateTime, "-0044-03-15T12:00:00+01:00"));
        assert!(valid(Primitive::DateTime, "2024-02-29T24:00:00"));
        for bad in [
            "2011-10-27",
            "2011-13-01T00:00:00",
            "2023-02-29T00:00:00",
            "2011-10-27T25:00:00",
            "2011-10-27T10:60:00",
            "0000-01-01T00:00:00",
            "2011-10-27T10:00:00+15:00",
            "2011-10-27T10:00:00.",
            "11-10-27T10:00:00",
            "2011-10-27 10:00:00",
        ] {
            assert!(!valid(Primitive::DateTime, bad), "{bad}");
        }
    }

    #[test]
    fn other_date_types() {
        assert!(valid(Primitive::Date, "2011-10-27Z"));
        assert!(valid(Primitive::Time, "16:23:21.5-05:00"));
        assert!(valid(Primitive::GYearMonth, "2011-10"));
        assert!(valid(Primitive::GYear, "12011"));
        assert!(!valid(Primitive::GYear, "02011"));
        assert!(valid(Primitive::GMonthDay, "--02-29"));
        assert!(!valid(Primitive::GMonthDay, "--02-30"));
        assert!(valid(Primitive::GDay, "---31"));
        assert!(valid(Primitive::GMonth, "--12"));
    }

    #[test]
    fn ordering_key_applies_timezones() {
        let a = parse(Primitive::DateTime, "2020-01-01T12:00:00+02:00").unwrap();
        let b = parse(Primitive::DateTime, "2020-01-01T10:00:00Z").unwrap();
        assert_eq!(a.key, b.key);
        let c = parse(Primitive::DateTime, "1969-12-31T23:59:59Z").unwrap();
        assert_eq!(c.key, Some(-1_000_000_000));
    }

    #[test]
    fn durations() {
        for ok in ["P1Y", "P1Y2M3DT4H5M6.5S", "-PT0S", "P0D", "PT1M"] {
            assert!(is_duration(ok, DurationKind::Any), "{ok}");
        }
        for bad in ["P", "PT", "P1S", "P1M1Y", "1Y", "P1.5Y", "PT1.S5"] {
            assert!(!is_duration(bad, DurationKind::Any), "{bad}");
        }
        assert!(is_duration("P1DT2H", DurationKind::DayTime));
        assert!(!is_duration("P1M", DurationKind::DayTime));
        assert!(is_duration("P1Y2M", DurationKind::YearMonth));
        assert!(!is_duration("P1Y2D", DurationKind::YearMonth));
    }
}

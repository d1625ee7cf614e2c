//! Value-space comparisons for facets: exact decimals, floats and instants.
//!
//! XSD compares enumeration, fixed values and range bounds in the value space, not as text:
//! `1.0` equals `1` for a decimal, `true` equals `1` for a boolean, and `minInclusive` on an
//! `unsignedLong` must be exact beyond 2^53. Decimals are therefore compared digit by digit
//! (never through `f64`), floats as `f64`, and date/time values on their time-line key.

use super::builtin_types::{is_decimal, parse_float, Primitive};
use super::temporal;
use std::cmp::Ordering;

/// An exact decimal: sign, integer digits without leading zeros, fraction digits without
/// trailing zeros. Zero is never negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    int: Box<str>,
    frac: Box<str>,
}

impl Decimal {
    pub(crate) fn parse(v: &str) -> Option<Decimal> {
        if !is_decimal(v) {
            return None;
        }
        let negative = v.starts_with('-');
        let body = v.trim_start_matches(['+', '-']);
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        Some(Decimal {
            negative: negative && !(int.is_empty() && frac.is_empty()),
            int: int.into(),
            frac: frac.into(),
        })
    }

    /// Significant digits, as the totalDigits facet counts them.
    pub(crate) fn total_digits(&self) -> usize {
        (self.int.len() + self.frac.len()).max(1)
    }

    /// Digits after the point, as the fractionDigits facet counts them.
    pub(crate) fn fraction_digits(&self) -> usize {
        self.frac.len()
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A value that range facets can order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OrdValue {
    Decimal(Decimal),
    Float(f64),
    Instant(i128),
}

impl OrdValue {
    /// Parses `v` (already whitespace-processed and lexically valid) for ordering; `None`
    /// if the primitive has no order we implement.
    pub(crate) fn parse(primitive: Primitive, v: &str) -> Option<OrdValue> {
        match primitive {
            Primitive::Decimal => Decimal::parse(v).map(OrdValue::Decimal),
            Primitive::Float | Primitive::Double => parse_float(v).map(OrdValue::Float),
            Primitive::DateTime | Primitive::Date | Primitive::Time => {
                temporal::parse(primitive, v)?.key.map(OrdValue::Instant)
            }
            _ => None,
        }
    }

    /// Whether the primitive supports range facets here.
    pub(crate) fn is_ordered(primitive: Primitive) -> bool {
        matches!(
            primitive,
            Primitive::Decimal
                | Primitive::Float
                | Primitive::Double
                | Primitive::DateTime
                | Primitive::Date
                | Primitive::Time
        )
    }

    /// `None` when incomparable (NaN, or different kinds).
    pub(crate) fn compare(&self, other: &OrdValue) -> Option<Ordering> {
        match (self, other) {
            (OrdValue::Decimal(a), OrdValue::Decimal(b)) => Some(a.cmp(b)),
            (OrdValue::Float(a), OrdValue::Float(b)) => a.partial_cmp(b),
            (OrdValue::Instant(a), OrdValue::Instant(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Whether two lexically valid, whitespace-processed values are equal in the value space.
pub(crate) fn same_value(primitive: Primitive, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match primitive {
        Primitive::Boolean => {
            let truth = |v: &str| matches!(v, "true" | "1");
            truth(a) == truth(b)
        }
        Primitive::Decimal => Decimal::parse(a).is_some() && Decimal::parse(a) == Decimal::parse(b),
        Primitive::Float | Primitive::Double => match (parse_float(a), parse_float(b)) {
            (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
            _ => false,
        },
        Primitive::DateTime | Primitive::Date | Primitive::Time => {
            match (temporal::parse(primitive, a), temporal::parse(primitive, b)) {
                (Some(x), Some(y)) => {
                    x.key.is_some() && x.key == y.key && x.has_timezone == y.has_timezone
                }
                _ => false,
            }
        }
        Primitive::HexBinary => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(v: &str) -> Decimal {
        Decimal::parse(v).unwrap()
    }

    #[test]
    fn decimals_compare_exactly() {
        assert!(dec("18446744073709551616") > dec("18446744073709551615"));
        assert!(dec("-2") < dec("-1.5"));
        assert!(dec("0.10") == dec("+.1"));
        assert!(dec("-0") == dec("0"));
        assert!(dec("9.99") < dec("10"));
    }

    #[test]
    fn digit_counts_ignore_insignificant_zeros() {
        assert_eq!(dec("00123.4500").total_digits(), 5);
        assert_eq!(dec("00123.4500").fraction_digits(), 2);
        assert_eq!(dec("0").total_digits(), 1);
    }

    #[test]
    fn value_space_equality() {
        assert!(same_value(Primitive::Decimal, "1.0", "1"));
        assert!(same_value(Primitive::Boolean, "1", "true"));
        assert!(!same_value(Primitive::Boolean, "0", "true"));
        assert!(same_value(Primitive::Double, "1e2", "100"));
        assert!(!same_value(Primitive::String, "a", "A"));
        assert!(same_value(
            Primitive::DateTime,
            "2020-01-01T12:00:00+02:00",
            "2020-01-01T10:00:00Z"
        ));
    }
}

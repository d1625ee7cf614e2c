//! The XSD built-in simple types: their names, derivation hierarchy, whitespace handling and
//! lexical checks.
//!
//! Each built-in is checked on its whitespace-processed value (string keeps it, normalizedString
//! replaces, everything else collapses). Integer subtypes are range-checked exactly (the bounded
//! ones fit an `i128`), so `unsignedLong`'s upper end is right without floating point. Dates,
//! times and durations are delegated to [`super::temporal`]. NOTATION is refused when a schema
//! names it (see the loader), so it has no variant here.

pub(crate) use super::primitive::Primitive;
use super::temporal;
use std::borrow::Cow;

/// Whitespace facet: what happens to tabs, line breaks and runs of spaces before checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ws {
    Preserve,
    Replace,
    Collapse,
}

impl Ws {
    pub(crate) fn apply(self, value: &str) -> Cow<'_, str> {
        match self {
            Ws::Preserve => Cow::Borrowed(value),
            Ws::Replace => {
                if value.contains(['\t', '\n', '\r']) {
                    Cow::Owned(value.replace(['\t', '\n', '\r'], " "))
                } else {
                    Cow::Borrowed(value)
                }
            }
            Ws::Collapse => {
                let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
                let trimmed = value.trim_matches(is_ws);
                let needs_work = trimmed
                    .as_bytes()
                    .windows(2)
                    .any(|w| w[0].is_ascii_whitespace() && w[1].is_ascii_whitespace())
                    || trimmed.contains(['\t', '\n', '\r']);
                if !needs_work {
                    return Cow::Borrowed(trimmed);
                }
                let mut out = String::with_capacity(trimmed.len());
                for word in trimmed.split(is_ws).filter(|w| !w.is_empty()) {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(word);
                }
                Cow::Owned(out)
            }
        }
    }
}

macro_rules! builtins {
    ($($variant:ident = $name:literal : $base:ident, $prim:ident, $ws:ident;)*) => {
        /// An XSD built-in simple type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum Builtin { $($variant,)* }

        impl Builtin {
            /// All built-ins, for registering them in a schema set.
            pub(crate) const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];

            /// The local name in the XSD namespace.
            pub(crate) fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name,)* }
            }

            /// The built-in this one restricts (`None` for anySimpleType).
            pub(crate) fn base(self) -> Option<Builtin> {
                let base = match self { $(Builtin::$variant => Builtin::$base,)* };
                (base != self).then_some(base)
            }

            pub(crate) fn primitive(self) -> Primitive {
                match self { $(Builtin::$variant => Primitive::$prim,)* }
            }

            pub(crate) fn whitespace(self) -> Ws {
                match self { $(Builtin::$variant => Ws::$ws,)* }
            }
        }
    };
}

builtins! {
    AnySimpleType = "anySimpleType": AnySimpleType, AnySimple, Preserve;
    String = "string": AnySimpleType, String, Preserve;
    NormalizedString = "normalizedString": String, String, Replace;
    Token = "token": NormalizedString, String, Collapse;
    Language = "language": Token, String, Collapse;
    Name = "Name": Token, String, Collapse;
    NCName = "NCName": Name, String, Collapse;
    Id = "ID": NCName, String, Collapse;
    IdRef = "IDREF": NCName, String, Collapse;
    Entity = "ENTITY": NCName, String, Collapse;
    NmToken = "NMTOKEN": Token, String, Collapse;
    IdRefs = "IDREFS": AnySimpleType, String, Collapse;
    Entities = "ENTITIES": AnySimpleType, String, Collapse;
    NmTokens = "NMTOKENS": AnySimpleType, String, Collapse;
    Boolean = "boolean": AnySimpleType, Boolean, Collapse;
    Decimal = "decimal": AnySimpleType, Decimal, Collapse;
    Integer = "integer": Decimal, Decimal, Collapse;
    NonPositiveInteger = "nonPositiveInteger": Integer, Decimal, Collapse;
    NegativeInteger = "negativeInteger": NonPositiveInteger, Decimal, Collapse;
    Long = "long": Integer, Decimal, Collapse;
    Int = "int": Long, Decimal, Collapse;
    Short = "short": Int, Decimal, Collapse;
    Byte = "byte": Short, Decimal, Collapse;
    NonNegativeInteger = "nonNegativeInteger": Integer, Decimal, Collapse;
    UnsignedLong = "unsignedLong": NonNegativeInteger, Decimal, Collapse;
    UnsignedInt = "unsignedInt": UnsignedLong, Decimal, Collapse;
    UnsignedShort = "unsignedShort": UnsignedInt, Decimal, Collapse;
    UnsignedByte = "unsignedByte": UnsignedShort, Decimal, Collapse;
    PositiveInteger = "positiveInteger": NonNegativeInteger, Decimal, Collapse;
    Float = "float": AnySimpleType, Float, Collapse;
    Double = "double": AnySimpleType, Double, Collapse;
    Duration = "duration": AnySimpleType, Duration, Collapse;
    DayTimeDuration = "dayTimeDuration": Duration, Duration, Collapse;
    YearMonthDuration = "yearMonthDuration": Duration, Duration, Collapse;
    DateTime = "dateTime": AnySimpleType, DateTime, Collapse;
    DateTimeStamp = "dateTimeStamp": DateTime, DateTime, Collapse;
    Time = "time": AnySimpleType, Time, Collapse;
    Date = "date": AnySimpleType, Date, Collapse;
    GYearMonth = "gYearMonth": AnySimpleType, GYearMonth, Collapse;
    GYear = "gYear": AnySimpleType, GYear, Collapse;
    GMonthDay = "gMonthDay": AnySimpleType, GMonthDay, Collapse;
    GDay = "gDay": AnySimpleType, GDay, Collapse;
    GMonth = "gMonth": AnySimpleType, GMonth, Collapse;
    HexBinary = "hexBinary": AnySimpleType, HexBinary, Collapse;
    Base64Binary = "base64Binary": AnySimpleType, Base64Binary, Collapse;
    AnyUri = "anyURI": AnySimpleType, AnyUri, Collapse;
    QName = "QName": AnySimpleType, QName, Collapse;
}

impl Builtin {
    /// For the built-in list types, their item type.
    pub(crate) fn list_item(self) -> Option<Builtin> {
        match self {
            Builtin::IdRefs => Some(Builtin::IdRef),
            Builtin::Entities => Some(Builtin::Entity),
            Builtin::NmTokens => Some(Builtin::NmToken),
            _ => None,
        }
    }

    /// Whether `self` is `other` or derives from it.
    pub(crate) fn derives_from(self, other: Builtin) -> bool {
        let mut current = Some(self);
        while let Some(b) = current {
            if b == other {
                return true;
            }
            current = b.base();
        }
        false
    }

    /// Inclusive bounds of the bounded integer types.
    fn integer_bounds(self) -> (Option<i128>, Option<i128>) {
        match self {
            Builtin::NonPositiveInteger => (None, Some(0)),
            Builtin::NegativeInteger => (None, Some(-1)),
            Builtin::Long => (Some(i64::MIN as i128), Some(i64::MAX as i128)),
            Builtin::Int => (Some(i32::MIN as i128), Some(i32::MAX as i128)),
            Builtin::Short => (Some(i16::MIN as i128), Some(i16::MAX as i128)),
            Builtin::Byte => (Some(i8::MIN as i128), Some(i8::MAX as i128)),
            Builtin::NonNegativeInteger => (Some(0), None),
            Builtin::UnsignedLong => (Some(0), Some(u64::MAX as i128)),
            Builtin::UnsignedInt => (Some(0), Some(u32::MAX as i128)),
            Builtin::UnsignedShort => (Some(0), Some(u16::MAX as i128)),
            Builtin::UnsignedByte => (Some(0), Some(u8::MAX as i128)),
            Builtin::PositiveInteger => (Some(1), None),
            _ => (None, None),
        }
    }
}

/// Checks a whitespace-processed value against a built-in's lexical space (and, for the
/// integer subtypes, its range). The error says what was expected.
pub(crate) fn check_lexical(b: Builtin, v: &str) -> Result<(), String> {
    let ok = match b {
        Builtin::AnySimpleType | Builtin::String | Builtin::NormalizedString | Builtin::Token => {
            true
        }
        Builtin::Language => is_language(v),
        Builtin::Name => is_name(v),
        Builtin::NCName | Builtin::Id | Builtin::IdRef | Builtin::Entity => is_ncname(v),
        Builtin::NmToken => !v.is_empty() && v.chars().all(is_name_char),
        Builtin::IdRefs | Builtin::Entities => !v.is_empty() && v.split(' ').all(is_ncname),
        Builtin::NmTokens => {
            !v.is_empty()
                && v.split(' ')
                    .all(|t| !t.is_empty() && t.chars().all(is_name_char))
        }
        Builtin::Boolean => matches!(v, "true" | "false" | "1" | "0"),
        Builtin::Decimal => is_decimal(v),
        Builtin::Float | Builtin::Double => parse_float(v).is_some(),
        Builtin::Duration => temporal::is_duration(v, temporal::DurationKind::Any),
        Builtin::DayTimeDuration => temporal::is_duration(v, temporal::DurationKind::DayTime),
        Builtin::YearMonthDuration => temporal::is_duration(v, temporal::DurationKind::YearMonth),
        Builtin::DateTime => temporal::parse(Primitive::DateTime, v).is_some(),
        Builtin::DateTimeStamp => {
            temporal::parse(Primitive::DateTime, v).is_some_and(|t| t.has_timezone)
        }
        Builtin::Time => temporal::parse(Primitive::Time, v).is_some(),
        Builtin::Date => temporal::parse(Primitive::Date, v).is_some(),
        Builtin::GYearMonth => temporal::parse(Primitive::GYearMonth, v).is_some(),
        Builtin::GYear => temporal::parse(Primitive::GYear, v).is_some(),
        Builtin::GMonthDay => temporal::parse(Primitive::GMonthDay, v).is_some(),
        Builtin::GDay => temporal::parse(Primitive::GDay, v).is_some(),
        Builtin::GMonth => temporal::parse(Primitive::GMonth, v).is_some(),
        Builtin::HexBinary => v.len() % 2 == 0 && v.bytes().all(|b| b.is_ascii_hexdigit()),
        Builtin::Base64Binary => base64_octets(v).is_some(),
        Builtin::AnyUri => is_any_uri(v),
        Builtin::QName => split_qname(v).is_some(),
        Builtin::Integer
        | Builtin::NonPositiveInteger
        | Builtin::NegativeInteger
        | Builtin::Long
        | Builtin::Int
        | Builtin::Short
        | Builtin::Byte
        | Builtin::NonNegativeInteger
        | Builtin::UnsignedLong
        | Builtin::UnsignedInt
        | Builtin::UnsignedShort
        | Builtin::UnsignedByte
        | Builtin::PositiveInteger => return check_integer(b, v),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'{v}' is not a valid xs:{}", b.name()))
    }
}

fn check_integer(b: Builtin, v: &str) -> Result<(), String> {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("'{v}' is not a valid xs:{}", b.name()));
    }
    let (min, max) = b.integer_bounds();
    if min.is_none() && max.is_none() {
        return Ok(());
    }
    let significant = digits.trim_start_matches('0');
    let negative = v.starts_with('-') && !significant.is_empty();
    // More than 38 significant digits is beyond every bounded type (and beyond i128).
    let value = if significant.len() > 38 {
        None
    } else {
        significant
            .parse::<i128>()
            .ok()
            .or(significant.is_empty().then_some(0))
            .map(|n| if negative { -n } else { n })
    };
    let in_range = match value {
        Some(n) => min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m),
        // Huge magnitude: only acceptable where that side is unbounded.
        None => (negative && min.is_none()) || (!negative && max.is_none()),
    };
    if in_range {
        Ok(())
    } else {
        let range = match (min, max) {
            (Some(a), Some(b)) => format!("{a}..={b}"),
            (Some(a), None) => format!(">= {a}"),
            (None, Some(b)) => format!("<= {b}"),
            (None, None) => String::new(),
        };
        Err(format!(
            "'{v}' is out of range for xs:{} ({range})",
            b.name()
        ))
    }
}

/// `[+-]?(\d+(\.\d*)?|\.\d+)`
pub(crate) fn is_decimal(v: &str) -> bool {
    let body = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()))
}

/// Parses an xs:float / xs:double lexical form (`INF`, `-INF`, `NaN`, or a decimal with an
/// optional exponent).
pub(crate) fn parse_float(v: &str) -> Option<f64> {
    match v {
        "INF" | "+INF" => return Some(f64::INFINITY),
        "-INF" => return Some(f64::NEG_INFINITY),
        "NaN" => return Some(f64::NAN),
        _ => {}
    }
    let (mantissa, exponent) = match v.find(['e', 'E']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    if !is_decimal(mantissa) {
        return None;
    }
    if let Some(exp) = exponent {
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    v.parse::<f64>().ok()
}

/// Number of octets a valid base64Binary value encodes, `None` if it is not valid
/// (XSD's grammar: groups of four, single spaces allowed between characters, strict padding).
pub(crate) fn base64_octets(v: &str) -> Option<usize> {
    let compact: Vec<u8> = v.bytes().filter(|&b| b != b' ').collect();
    if v.contains("  ") || compact.len() % 4 != 0 {
        return None;
    }
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let pads = compact.iter().rev().take_while(|&&b| b == b'=').count();
    if pads > 2 {
        return None;
    }
    let body = &compact[..compact.len() - pads];
    if !body.iter().all(|&b| is_b64(b)) {
        return None;
    }
    // The last data character before padding may only carry bits that fit the octets.
    match (pads, body.last()) {
        (1, Some(c)) if !b"AEIMQUYcgkosw048".contains(c) => return None,
        (2, Some(c)) if !b"AQgw".contains(c) => return None,
        _ => {}
    }
    Some(compact.len() / 4 * 3 - pads)
}

/// XSD 1.0 anyURI is deliberately lax; we only insist that `%` escapes are well formed and
/// that there is at most one fragment marker.
fn is_any_uri(v: &str) -> bool {
    let bytes = v.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%' {
            let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return false;
            }
        }
    }
    v.matches('#').count() <= 1
}

fn is_language(v: &str) -> bool {
    let mut parts = v.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// XML 1.0 (5th edition) NameStartChar.
pub(crate) fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (5th edition) NameChar.
pub(crate) fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

pub(crate) fn is_name(v: &str) -> bool {
    let mut chars = v.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

pub(crate) fn is_ncname(v: &str) -> bool {
    is_name(v) && !v.contains(':')
}

/// Splits `prefix:local` (or `local`) if both parts are NCNames.
pub(crate) fn split_qname(v: &str) -> Option<(Option<&str>, &str)> {
    match v.split_once(':') {
        Some((p, l)) if is_ncname(p) && is_ncname(l) => Some((Some(p), l)),
        Some(_) => None,
        None => is_ncname(v).then_some((None, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(b: Builtin, v: &str) -> bool {
        check_lexical(b, &b.whitespace().apply(v)).is_ok()
    }

    #[test]
    fn integer_subtypes_are_range_checked_exactly() {
        assert!(ok(Builtin::Int, "2147483647"));
        assert!(!ok(Builtin::Int, "2147483648"));
        assert!(ok(Builtin::UnsignedLong, "18446744073709551615"));
        assert!(!ok(Builtin::UnsignedLong, "18446744073709551616"));
        assert!(ok(Builtin::Byte, "-128"));
        assert!(!ok(Builtin::UnsignedByte, "-1"));
        assert!(ok(Builtin::UnsignedByte, "-0"));
        assert!(!ok(Builtin::PositiveInteger, "0"));
        assert!(ok(
            Builtin::Integer,
            "123456789012345678901234567890123456789012"
        ));
        assert!(!ok(Builtin::Int, "1.0"));
        assert!(ok(Builtin::Int, " +007 "));
    }

    #[test]
    fn float_and_decimal_lexical_forms() {
        for v in [
            "1", "-1.5", ".5", "5.", "1e10", "1.5E-3", "INF", "-INF", "NaN",
        ] {
            assert!(ok(Builtin::Float, v), "{v}");
        }
        for v in ["high", "1e", "e5", "inf", "nan", "1.2.3", ""] {
            assert!(!ok(Builtin::Double, v), "{v}");
        }
        assert!(ok(Builtin::Decimal, "-0.50"));
        assert!(!ok(Builtin::Decimal, "1e3"));
        assert!(!ok(Builtin::Decimal, "."));
    }

    #[test]
    fn names_and_tokens() {
        assert!(ok(Builtin::NCName, "abc-1.x"));
        assert!(!ok(Builtin::NCName, "a:b"));
        assert!(ok(Builtin::Name, "a:b"));
        assert!(!ok(Builtin::Name, "1a"));
        assert!(ok(Builtin::NmTokens, " 1a  b-c "));
        assert!(ok(Builtin::Language, "de-DE"));
        assert!(!ok(Builtin::Language, "toolonglanguage"));
        assert!(ok(Builtin::QName, "e:Foo"));
        assert!(!ok(Builtin::QName, "e:1"));
    }

    #[test]
    fn binary_types() {
        assert!(ok(Builtin::HexBinary, "0fA9"));
        assert!(!ok(Builtin::HexBinary, "0fA"));
        assert_eq!(base64_octets("aGVsbG8="), Some(5));
        assert_eq!(base64_octets("aGVs bG8="), Some(5));
        assert_eq!(base64_octets(""), Some(0));
        assert!(base64_octets("aGVsbG9=").is_none());
        assert!(base64_octets("abc").is_none());
    }

    #[test]
    fn boolean_and_uri() {
        assert!(ok(Builtin::Boolean, " true "));
        assert!(!ok(Builtin::Boolean, "yes"));
        assert!(ok(Builtin::AnyUri, "http://example.org/a%20b#frag"));
        assert!(!ok(Builtin::AnyUri, "a%2"));
        assert!(!ok(Builtin::AnyUri, "a#b#c"));
    }

    #[test]
    fn whitespace_collapse_only_allocates_when_needed() {
        assert!(matches!(Ws::Collapse.apply("  ab "), Cow::Borrowed("ab")));
        assert_eq!(Ws::Collapse.apply(" a \n\t b "), "a b");
        assert_eq!(Ws::Replace.apply("a\tb"), "a b");
    }
}

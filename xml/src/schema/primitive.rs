//! The XSD primitive types every built-in simple type derives from. A primitive decides a
//! value's space, ordering and length measure; the built-in table and the date/time parser
//! both start from it.

/// The primitive a built-in derives from; decides value space, ordering and length measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Primitive {
    AnySimple,
    String,
    Boolean,
    Decimal,
    Float,
    Double,
    Duration,
    DateTime,
    Time,
    Date,
    GYearMonth,
    GYear,
    GMonthDay,
    GDay,
    GMonth,
    HexBinary,
    Base64Binary,
    AnyUri,
    QName,
}

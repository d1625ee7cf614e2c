//! Reading and writing the AMQP message properties and headers of PROTOCOL.md: `x-deadline`
//! (absolute Unix ms), `x-clacks-deliveries` (our own delivery count, since classic queues keep
//! none), and the properties of requests and replies.

use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::BasicProperties;

/// The deadline header.
pub const DEADLINE: &str = "x-deadline";
/// How many times this call has been delivered to a node that then died.
pub const DELIVERIES: &str = "x-clacks-deliveries";
/// Why a dead-lettered call was given up.
pub const DEAD_REASON: &str = "x-clacks-error";

/// An integer header, whatever integer or string type the sender used.
pub fn header_u64(props: &BasicProperties, name: &str) -> Option<u64> {
    let value = props.headers().as_ref()?.inner().get(name)?;
    match value {
        AMQPValue::LongLongInt(v) => u64::try_from(*v).ok(),
        AMQPValue::LongInt(v) => u64::try_from(*v).ok(),
        AMQPValue::LongUInt(v) => Some(u64::from(*v)),
        AMQPValue::ShortInt(v) => u64::try_from(*v).ok(),
        AMQPValue::ShortUInt(v) => Some(u64::from(*v)),
        AMQPValue::ShortShortInt(v) => u64::try_from(*v).ok(),
        AMQPValue::ShortShortUInt(v) => Some(u64::from(*v)),
        AMQPValue::Timestamp(v) => Some(*v),
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).trim().parse().ok(),
        AMQPValue::ShortString(s) => s.as_str().trim().parse().ok(),
        _ => None,
    }
}

/// A short-string property as `&str`.
pub fn text(value: &Option<ShortString>) -> Option<&str> {
    value
        .as_ref()
        .map(ShortString::as_str)
        .filter(|s| !s.is_empty())
}

/// `headers` with `name` set to `value` (other headers kept).
pub fn with_header(headers: Option<&FieldTable>, name: &str, value: AMQPValue) -> FieldTable {
    let mut table = headers.cloned().unwrap_or_default();
    table.insert(name.into(), value);
    table
}

/// Properties of a request: reply address, correlation, identity, deadline (also as the
/// broker-side expiration, so a call nobody takes in time is dropped in the queue).
pub fn request(
    content_type: &str,
    reply_to: &str,
    correlation_id: &str,
    user_id: &str,
    deadline_ms: u64,
    remaining_ms: u64,
) -> BasicProperties {
    let headers = with_header(None, DEADLINE, AMQPValue::LongLongInt(deadline_ms as i64));
    BasicProperties::default()
        .with_content_type(content_type.into())
        .with_reply_to(reply_to.into())
        .with_correlation_id(correlation_id.into())
        .with_user_id(user_id.into())
        .with_delivery_mode(1)
        .with_expiration(remaining_ms.max(1).to_string().into())
        .with_headers(headers)
}

/// Properties of a reply: the request's correlation id and the serving node as `app_id`.
pub fn reply(
    content_type: &str,
    correlation_id: Option<&str>,
    node: &str,
    user_id: &str,
) -> BasicProperties {
    let props = BasicProperties::default()
        .with_content_type(content_type.into())
        .with_app_id(node.into())
        .with_user_id(user_id.into())
        .with_delivery_mode(1);
    match correlation_id {
        Some(id) => props.with_correlation_id(id.into()),
        None => props,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_deadline_in_any_integer_or_string_form() {
        for value in [
            AMQPValue::LongLongInt(42),
            AMQPValue::LongUInt(42),
            AMQPValue::Timestamp(42),
            AMQPValue::LongString("42".into()),
        ] {
            let props = BasicProperties::default().with_headers(with_header(None, DEADLINE, value));
            assert_eq!(header_u64(&props, DEADLINE), Some(42));
        }
        assert_eq!(header_u64(&BasicProperties::default(), DEADLINE), None);
    }

    #[test]
    fn request_carries_deadline_expiration_and_identity() {
        let props = request("application/json", "rq", "c1", "guest", 1_000, 250);
        assert_eq!(header_u64(&props, DEADLINE), Some(1_000));
        assert_eq!(text(props.expiration()), Some("250"));
        assert_eq!(text(props.user_id()), Some("guest"));
        assert_eq!(text(props.reply_to()), Some("rq"));
    }
}

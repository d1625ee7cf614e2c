//! Reading and writing the AMQP message properties and headers of PROTOCOL.md: `x-deadline`
//! (absolute Unix ms), `x-clacks-deliveries` (our own delivery count, since classic queues keep
//! none), `x-clacks-caller` (the caller a node acts for), the properties of requests and replies,
//! and of the copies a node publishes again (hand-back, redelivery count, dead letter).

use clacks_runtime::call::unix_millis_now;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::BasicProperties;

use super::config::AmqpConfig;

/// The deadline header.
pub const DEADLINE: &str = "x-deadline";
/// How many times this call has been delivered to a node that then died.
pub const DELIVERIES: &str = "x-clacks-deliveries";
/// Why a dead-lettered call was given up.
pub const DEAD_REASON: &str = "x-clacks-error";
/// The caller a node acts for; believed only from the domain's node accounts.
pub const CALLER: &str = "x-clacks-caller";
/// Where a dead-lettered call was published first (exchange and routing key), for replay.
pub const ORIGIN_EXCHANGE: &str = "x-clacks-exchange";
/// See [`ORIGIN_EXCHANGE`].
pub const ORIGIN_KEY: &str = "x-clacks-routing-key";
/// When a call was dead-lettered, Unix ms.
pub const DEAD_AT: &str = "x-clacks-dead-at";
/// A dead letter's id, to replay it by.
pub const DEAD_ID: &str = "x-clacks-dead-id";

/// A string header.
pub fn header_text<'a>(
    props: &'a BasicProperties,
    name: &str,
) -> Option<std::borrow::Cow<'a, str>> {
    match props.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes())),
        AMQPValue::ShortString(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        _ => None,
    }
}

/// A delivered call whose `x-clacks-caller` names someone its publisher may not speak for:
/// only the domain's node accounts act for other callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntrustedClaim {
    /// The account that published the call (`user_id`; `anonymous` without one).
    pub user: String,
    /// Whom the header named.
    pub claimed: String,
}

/// Who a delivered call is from: the message's `user_id` (the broker vouches for it), or the
/// caller it names in `x-clacks-caller` when that `user_id` is one of the domain's node
/// accounts (a node acting for its caller); `anonymous` without either. On this node's own
/// account, when that is not a node account (nodes and callers sharing `guest`), the header
/// is ignored and the account is the caller. A header naming
/// anyone else from any other account is an [`UntrustedClaim`], which the node refuses
/// rather than ignores, so that an attempt is seen (logged and audited) instead of served.
pub fn caller_of(props: &BasicProperties, config: &AmqpConfig) -> Result<String, UntrustedClaim> {
    let user = text(props.user_id());
    let claimed = header_text(props, CALLER).filter(|c| !c.is_empty());
    match (user, claimed) {
        (Some(user), Some(caller)) if config.is_node_user(user) => Ok(caller.into_owned()),
        // Naming oneself claims nothing.
        (Some(user), Some(caller)) if caller == user => Ok(user.to_owned()),
        // This node's own account, not a node account: nodes and callers share it (`guest`),
        // and this node's peers set the header on every hop. Neither believed nor refused:
        // the account is the caller, as the broker vouches.
        (Some(user), Some(_)) if user == config.user => Ok(user.to_owned()),
        (user, Some(caller)) => Err(UntrustedClaim {
            user: user.unwrap_or("anonymous").to_owned(),
            claimed: caller.into_owned(),
        }),
        (Some(user), None) => Ok(user.to_owned()),
        (None, None) => Ok("anonymous".to_owned()),
    }
}

/// What a copy this node publishes again is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// Back to a command queue (hand-back, redelivery count, reply retry): it expires with
    /// the call's deadline, as the original would have.
    Requeue,
    /// To `D.command.dead`: persistent, and it never expires there.
    DeadLetter,
}

/// The properties of a copy of `original` that this node publishes: under this node's own
/// `user_id` (the broker refuses any other), naming the original caller in `x-clacks-caller`,
/// with `headers` as given.
pub fn copy_of(
    original: &BasicProperties,
    config: &AmqpConfig,
    headers: FieldTable,
    copy: Copy,
) -> BasicProperties {
    // A call with an untrusted claim is refused before anything copies it; should one get
    // here, the copy names the account that really sent it, never the claim.
    let caller = caller_of(original, config).unwrap_or_else(|claim| claim.user);
    let mut headers = headers;
    headers.insert(CALLER.into(), AMQPValue::LongString(caller.as_str().into()));
    let props = original
        .clone()
        .with_user_id(config.user.as_str().into())
        .with_headers(headers);
    match copy {
        Copy::DeadLetter => {
            // Rebuilt rather than cloned: a copy of the original would keep its `expiration`,
            // and a dead letter must stay until an operator looks at it.
            let mut dead = BasicProperties::default()
                .with_user_id(config.user.as_str().into())
                .with_headers(props.headers().clone().unwrap_or_default())
                .with_delivery_mode(2);
            if let Some(v) = original.content_type() {
                dead = dead.with_content_type(v.clone());
            }
            if let Some(v) = original.reply_to() {
                dead = dead.with_reply_to(v.clone());
            }
            if let Some(v) = original.correlation_id() {
                dead = dead.with_correlation_id(v.clone());
            }
            dead
        }
        Copy::Requeue => match header_u64(original, DEADLINE) {
            Some(deadline) => {
                let left = deadline.saturating_sub(unix_millis_now()).max(1);
                props.with_expiration(left.to_string().into())
            }
            None => props,
        },
    }
}

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
    caller: Option<&str>,
    deadline_ms: u64,
    remaining_ms: u64,
) -> BasicProperties {
    let mut headers = with_header(None, DEADLINE, AMQPValue::LongLongInt(deadline_ms as i64));
    if let Some(caller) = caller {
        headers.insert(CALLER.into(), AMQPValue::LongString(caller.into()));
    }
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

    fn config_with_node_users(users: &[&str]) -> AmqpConfig {
        let mut config = AmqpConfig::new("amqp://127.0.0.1", "d", "n1").expect("default settings");
        config.node_users = users.iter().map(|u| (*u).to_owned()).collect();
        config
    }

    fn delivered(user: Option<&str>, claim: Option<&str>) -> BasicProperties {
        let mut props = BasicProperties::default();
        if let Some(user) = user {
            props = props.with_user_id(user.into());
        }
        if let Some(claim) = claim {
            props = props.with_headers(with_header(
                None,
                CALLER,
                AMQPValue::LongString(claim.into()),
            ));
        }
        props
    }

    #[test]
    fn a_node_account_acts_for_the_caller_it_names() {
        let config = config_with_node_users(&["d-node"]);
        let props = delivered(Some("d-node"), Some("alice"));
        assert_eq!(caller_of(&props, &config), Ok("alice".to_owned()));
    }

    #[test]
    fn on_this_nodes_own_shared_account_the_claim_is_ignored_not_refused() {
        // Nodes and callers on one account (guest), which is not listed as a node account:
        // every hop of this node's peers carries the header, so it cannot be refused, and
        // the broker vouches only for the account.
        let mut config = config_with_node_users(&["d-node"]);
        config.user = "guest".into();
        let props = delivered(Some("guest"), Some("alice"));
        assert_eq!(caller_of(&props, &config), Ok("guest".to_owned()));
        config.node_users = vec!["guest".into()];
        assert_eq!(
            caller_of(&props, &config),
            Ok("alice".to_owned()),
            "listed as a node account, it acts for its callers"
        );
    }

    #[test]
    fn a_caller_account_naming_someone_else_is_an_untrusted_claim() {
        let config = config_with_node_users(&["d-node"]);
        let props = delivered(Some("d-caller"), Some("root"));
        assert_eq!(
            caller_of(&props, &config),
            Err(UntrustedClaim {
                user: "d-caller".into(),
                claimed: "root".into()
            })
        );
        let anonymous = delivered(None, Some("root"));
        assert_eq!(
            caller_of(&anonymous, &config).map_err(|c| c.user),
            Err("anonymous".to_owned())
        );
    }

    #[test]
    fn without_a_claim_or_naming_oneself_the_caller_is_the_user_id() {
        let config = config_with_node_users(&["d-node"]);
        assert_eq!(
            caller_of(&delivered(Some("d-caller"), None), &config),
            Ok("d-caller".to_owned())
        );
        assert_eq!(
            caller_of(&delivered(Some("d-caller"), Some("d-caller")), &config),
            Ok("d-caller".to_owned())
        );
        assert_eq!(
            caller_of(&delivered(None, None), &config),
            Ok("anonymous".to_owned())
        );
    }

    #[test]
    fn a_copy_of_an_untrusted_claim_names_the_real_sender() {
        let mut config = config_with_node_users(&["d-node"]);
        config.user = "d-node".into();
        let copy = copy_of(
            &delivered(Some("d-caller"), Some("root")),
            &config,
            FieldTable::default(),
            Copy::Requeue,
        );
        assert_eq!(header_text(&copy, CALLER).as_deref(), Some("d-caller"));
    }

    #[test]
    fn request_carries_deadline_expiration_and_identity() {
        let props = request("application/json", "rq", "c1", "guest", None, 1_000, 250);
        assert_eq!(header_u64(&props, DEADLINE), Some(1_000));
        assert_eq!(text(props.expiration()), Some("250"));
        assert_eq!(text(props.user_id()), Some("guest"));
        assert_eq!(text(props.reply_to()), Some("rq"));
    }
}

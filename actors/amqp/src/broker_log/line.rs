//! Reading one message of RabbitMQ's log exchange (`amq.rabbitmq.log`, 3.10) as a refusal:
//! which account the broker refused, in which vhost, why. Measured on 3.10.8, one message is
//! one log event, one or more lines each carrying the same prefix
//! (`2026-12-01 17:07:05.244673+00:00 [error] <0.858.0> `):
//!
//! ```text
//! Error on AMQP connection <0.840.0> (127.0.0.1:35646 -> 127.0.0.1:27311, user: 'B-caller', state: opening):
//! access to vhost 'A' refused for user 'B-caller'
//!
//! Error on AMQP connection <0.846.0> (127.0.0.1:35654 -> 127.0.0.1:27311, state: starting):
//! PLAIN login refused: user 'A-caller' - invalid credentials
//!
//! Channel error on connection <0.851.0> (127.0.0.1:35662 -> 127.0.0.1:27311, vhost: 'A', user: 'A-caller'), channel 1:
//! operation basic.publish caused a channel exception access_refused: access to exchange 'B.command' in vhost 'A' refused for user 'A-caller'
//!
//! Channel error on connection <0.912.0> (127.0.0.1:35700 -> 127.0.0.1:27311, vhost: 'A', user: 'A-caller'), channel 1:
//! operation basic.publish caused a channel exception precondition_failed: user_id property set to 'A-node' but authenticated user was 'A-caller'
//! ```
//!
//! Everything else (a client closing its socket, a TLS alert, which names no account) is not a
//! refusal this reads. The input is the broker's text but its names are not the broker's: a
//! login names whatever user the client sent, so a message is read only when it is short, every
//! line has the first line's prefix (a user name holding a newline cannot start a line of its
//! own) and every name read is free of control characters and quotes.

use std::fmt;

/// The largest message read, in bytes; longer ones are no refusal this knows.
pub const MAX_MESSAGE: usize = 8 * 1024;

/// The most of the broker's text an audit entry carries, in characters.
pub const MAX_TEXT: usize = 1024;

/// Why the broker refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A publish whose `user_id` is not the publisher's account.
    ForgedUserId,
    /// An account denied a vhost, exchange or queue by its permissions.
    AccessRefused,
    /// A login with a wrong password or certificate, or for an unknown user.
    AuthenticationFailed,
}

impl Reason {
    /// The word an audit entry starts with.
    pub fn word(self) -> &'static str {
        match self {
            Reason::ForgedUserId => "forged_user_id",
            Reason::AccessRefused => "access_refused",
            Reason::AuthenticationFailed => "authentication_failed",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One refusal the broker logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Why.
    pub reason: Reason,
    /// The account refused (for a login, the user the client named).
    pub user: Option<String>,
    /// The vhost it was refused in or refused access to, when the broker names one.
    pub vhost: Option<String>,
    /// The AMQP method refused (`basic.publish`), when the broker names one.
    pub operation: Option<String>,
    /// The broker's words, prefixes removed, lines joined, at most [`MAX_TEXT`] characters.
    pub text: String,
}

impl Refusal {
    /// True when this refusal concerns a domain whose vhost is `vhost` and whose accounts are
    /// `users`: names are compared whole, so domain `a` takes nothing of domain `ab`.
    pub fn concerns(&self, vhost: &str, users: &[String]) -> bool {
        self.vhost.as_deref() == Some(vhost)
            || self
                .user
                .as_deref()
                .is_some_and(|user| users.iter().any(|u| u == user))
    }

    /// The ACL rights letter of what was refused: `w` publish or bind, `c` declare, `d`
    /// delete, `r` consume or get, `x` a login or vhost (and anything else).
    pub fn right(&self) -> &'static str {
        match self.operation.as_deref() {
            Some("basic.publish" | "queue.bind" | "queue.unbind" | "exchange.bind") => "w",
            Some("exchange.unbind" | "queue.purge") => "w",
            Some("queue.declare" | "exchange.declare") => "c",
            Some("queue.delete" | "exchange.delete") => "d",
            Some("basic.consume" | "basic.get") => "r",
            _ => "x",
        }
    }
}

/// The refusal `message` (the body of one log exchange message) reports, if it is one.
pub fn parse(message: &[u8]) -> Option<Refusal> {
    if message.len() > MAX_MESSAGE {
        return None;
    }
    let message = String::from_utf8_lossy(message);
    let mut lines = message.lines();
    let first = lines.next()?;
    let prefix = prefix_of(first)?;
    let header = &first[prefix.len()..];
    // The broker prefixes every line of an event, also those a newline in a client's name
    // starts: the body is the rest rejoined, and is read from its fixed start and end only.
    let mut rest = Vec::new();
    for line in lines {
        // An empty line of the event may come without the prefix's trailing space.
        let empty = (line == prefix.trim_end()).then_some("");
        rest.push(line.strip_prefix(prefix).or(empty)?);
    }
    let body = rest.join("\n");
    let body = body.trim_end();
    let (reason, user, vhost, operation) = refusal_in(header, body)?;
    let text: String = format!("{header} {body}")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_TEXT)
        .collect();
    Some(Refusal {
        reason,
        user: Some(user),
        vhost,
        operation,
        text,
    })
}

type Found = (Reason, String, Option<String>, Option<String>);

/// The refusal `body` states after `header`. Names a client chooses (a login's user, the
/// vhost it asks for, the `user_id` it claims, the exchange it names) may hold anything, so
/// each name is cut from the fixed end of the text the broker wrote around it: the account
/// the broker authenticated comes last and cannot be shifted by what precedes it.
fn refusal_in(header: &str, body: &str) -> Option<Found> {
    let connection_error = header.starts_with("Error on AMQP connection ");
    let channel_error = header.starts_with("Channel error on connection ");
    if connection_error {
        if let Some(rest) = body.strip_prefix("access to vhost '") {
            // access to vhost 'V' refused for user 'U' (V is the client's, U authenticated)
            let (vhost, user) = rest
                .strip_suffix('\'')?
                .rsplit_once("' refused for user '")?;
            return Some((Reason::AccessRefused, name(user)?, name(vhost), None));
        }
        // PLAIN login refused: user 'U' - invalid credentials (U is the client's word)
        let (mechanism, rest) = body.split_once(" login refused: user '")?;
        if mechanism.is_empty() || !mechanism.chars().all(|c| c.is_ascii_uppercase()) {
            return None;
        }
        let (user, _why) = rest.rsplit_once("' - ")?;
        return Some((Reason::AuthenticationFailed, name(user)?, None, None));
    }
    if !channel_error {
        return None;
    }
    let rest = body.strip_prefix("operation ")?;
    let (operation, exception) = rest.split_once(" caused a channel exception ")?;
    let operation = Some(name(operation)?);
    let header_vhost = header_field(header, ", vhost: '", "', user: '");
    if let Some(rest) = exception.strip_prefix("precondition_failed: user_id property set to '") {
        // … set to 'X' but authenticated user was 'U' (X is the client's)
        let (_claimed, user) = rest
            .strip_suffix('\'')?
            .rsplit_once("' but authenticated user was '")?;
        return Some((Reason::ForgedUserId, name(user)?, header_vhost, operation));
    }
    // access to exchange 'E' in vhost 'V' refused for user 'U' (E is the client's)
    let rest = exception.strip_prefix("access_refused: access to ")?;
    let (rest, user) = rest
        .strip_suffix('\'')?
        .rsplit_once("' refused for user '")?;
    let (_resource, vhost) = rest.rsplit_once("' in vhost '")?;
    Some((Reason::AccessRefused, name(user)?, name(vhost), operation))
}

/// A field of the header line between `start` and `end` (`vhost: 'V', user: 'U'`).
fn header_field(header: &str, start: &str, end: &str) -> Option<String> {
    let (_, rest) = header.split_once(start)?;
    let (value, _) = rest.split_once(end)?;
    name(value)
}

/// A name the broker quoted, when it is a plausible one: not empty, no quote, no control
/// character (else the message is not read, rather than read wrongly).
fn name(text: &str) -> Option<String> {
    let plausible =
        !text.is_empty() && text.len() <= 255 && !text.chars().any(|c| c == '\'' || c.is_control());
    plausible.then(|| text.to_owned())
}

/// `2026-12-01 17:07:05.244673+00:00 [error] <0.858.0> `: the date, time, level and process
/// of a log line, which every line of one message repeats.
fn prefix_of(line: &str) -> Option<&str> {
    let mut fields = line.splitn(5, ' ');
    let date = fields.next()?;
    let time = fields.next()?;
    let level = fields.next()?;
    let process = fields.next()?;
    let well_formed = date.len() == 10
        && date.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && time.starts_with(|c: char| c.is_ascii_digit())
        && level.starts_with('[')
        && level.ends_with(']')
        && process.starts_with('<')
        && process.ends_with('>');
    let length = date.len() + time.len() + level.len() + process.len() + 4;
    (well_formed && line.len() >= length).then(|| &line[..length])
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "2026-12-01 17:07:05.244673+00:00 [error] <0.858.0> ";

    fn message(lines: &[&str]) -> Vec<u8> {
        let lines: Vec<String> = lines.iter().map(|l| format!("{P}{l}")).collect();
        lines.join("\n").into_bytes()
    }

    fn users(domain: &str) -> Vec<String> {
        vec![format!("{domain}-node"), format!("{domain}-caller")]
    }

    const FORGED: [&str; 2] = [
        "Channel error on connection <0.851.0> (127.0.0.1:35662 -> 127.0.0.1:27311, vhost: 'a', user: 'a-caller'), channel 1:",
        "operation basic.publish caused a channel exception precondition_failed: user_id property set to 'a-node' but authenticated user was 'a-caller'",
    ];

    #[test]
    fn a_forged_user_id_names_the_publisher_and_its_vhost() {
        let refusal = parse(&message(&FORGED)).unwrap();
        assert_eq!(refusal.reason, Reason::ForgedUserId);
        assert_eq!(refusal.user.as_deref(), Some("a-caller"));
        assert_eq!(refusal.vhost.as_deref(), Some("a"));
        assert_eq!(refusal.right(), "w");
        assert!(refusal.text.starts_with("Channel error on connection"));
        assert!(refusal.text.contains("user_id property set to 'a-node'"));
        assert!(refusal.concerns("a", &users("a")));
    }

    #[test]
    fn another_domains_caller_refused_a_vhost_concerns_both_domains() {
        let refusal = parse(&message(&[
            "Error on AMQP connection <0.840.0> (127.0.0.1:35646 -> 127.0.0.1:27311, user: 'b-caller', state: opening):",
            "access to vhost 'a' refused for user 'b-caller'",
        ]))
        .unwrap();
        assert_eq!(refusal.reason, Reason::AccessRefused);
        assert_eq!(refusal.user.as_deref(), Some("b-caller"));
        assert_eq!(refusal.vhost.as_deref(), Some("a"));
        assert_eq!(refusal.right(), "x");
        assert!(refusal.concerns("a", &users("a")), "its vhost");
        assert!(refusal.concerns("b", &users("b")), "its user");
        assert!(!refusal.concerns("c", &users("c")));
    }

    #[test]
    fn a_publish_to_another_domains_exchange_belongs_to_the_publishers_domain_only() {
        let refusal = parse(&message(&[
            "Channel error on connection <0.851.0> (127.0.0.1:35662 -> 127.0.0.1:27311, vhost: 'a', user: 'a-caller'), channel 1:",
            "operation basic.publish caused a channel exception access_refused: access to exchange 'ab.command' in vhost 'a' refused for user 'a-caller'",
        ]))
        .unwrap();
        assert_eq!(refusal.reason, Reason::AccessRefused);
        assert_eq!(refusal.operation.as_deref(), Some("basic.publish"));
        assert!(refusal.concerns("a", &users("a")));
        assert!(
            !refusal.concerns("ab", &users("ab")),
            "naming ab's exchange does not make it ab's"
        );
    }

    #[test]
    fn a_refused_login_names_the_user_the_client_sent() {
        let refusal = parse(&message(&[
            "Error on AMQP connection <0.846.0> (127.0.0.1:35654 -> 127.0.0.1:27311, state: starting):",
            "PLAIN login refused: user 'a-caller' - invalid credentials",
        ]))
        .unwrap();
        assert_eq!(refusal.reason, Reason::AuthenticationFailed);
        assert_eq!(refusal.user.as_deref(), Some("a-caller"));
        assert_eq!(refusal.vhost, None);
        assert!(refusal.concerns("a", &users("a")));
        assert!(!refusal.concerns("ab", &users("ab")));
    }

    #[test]
    fn domain_a_takes_no_line_of_domain_ab() {
        for lines in [
            [
                "Channel error on connection <0.8.0> (127.0.0.1:1 -> 127.0.0.1:2, vhost: 'ab', user: 'ab-caller'), channel 1:",
                "operation basic.publish caused a channel exception precondition_failed: user_id property set to 'ab-node' but authenticated user was 'ab-caller'",
            ],
            [
                "Error on AMQP connection <0.8.0> (127.0.0.1:1 -> 127.0.0.1:2, user: 'ab-caller', state: opening):",
                "access to vhost 'ab' refused for user 'ab-caller'",
            ],
            [
                "Error on AMQP connection <0.8.0> (127.0.0.1:1 -> 127.0.0.1:2, state: starting):",
                "PLAIN login refused: user 'a-callerx' - invalid credentials",
            ],
        ] {
            let refusal = parse(&message(&lines)).unwrap();
            assert!(!refusal.concerns("a", &users("a")), "{refusal:?}");
        }
    }

    #[test]
    fn lines_that_are_no_refusal_are_not_read() {
        for lines in [
            &[
                "closing AMQP connection <0.851.0> (127.0.0.1:35662 -> 127.0.0.1:27311, vhost: 'a', user: 'a-caller'):",
                "client unexpectedly closed TCP connection",
            ][..],
            &["TLS server: In state certify at ssl_handshake.erl:2111 generated SERVER ALERT: Fatal - Unknown CA"][..],
            &["access to vhost 'a' refused for user 'b-caller'"][..],
            &[][..],
        ] {
            assert_eq!(parse(&message(lines)), None, "{lines:?}");
        }
        assert_eq!(parse(b""), None);
        assert_eq!(
            parse(b"access to vhost 'a' refused for user 'b'"),
            None,
            "no prefix"
        );
    }

    #[test]
    fn over_long_messages_are_not_read_and_entries_are_bounded() {
        let long_user = "u".repeat(MAX_MESSAGE);
        let body = message(&[
            "Error on AMQP connection <0.1.0> (x, state: starting):",
            &format!("PLAIN login refused: user '{long_user}' - invalid credentials"),
        ]);
        assert_eq!(parse(&body), None);
        let padded = format!(
            "{} {}",
            FORGED[0],
            "p".repeat(MAX_MESSAGE - 2 * P.len() - FORGED[0].len() - FORGED[1].len() - 8)
        );
        let refusal = parse(&message(&[&padded, FORGED[1]])).unwrap();
        assert_eq!(refusal.text.chars().count(), MAX_TEXT);
    }

    #[test]
    fn non_utf8_bytes_do_not_break_the_reader() {
        let mut body = message(&FORGED);
        body.extend_from_slice(b"\n\xff\xfe\x00 garbage");
        assert_eq!(
            parse(&body),
            None,
            "a line without the prefix spoils the message"
        );
        let mut body = P.as_bytes().to_vec();
        body.extend_from_slice(b"Error on AMQP connection <0.1.0> (x, state: starting):\n");
        body.extend_from_slice(P.as_bytes());
        body.extend_from_slice(b"PLAIN login refused: user 'a-\xffcaller' - invalid credentials");
        let refusal = parse(&body).unwrap();
        assert!(!refusal.concerns("a", &users("a")));
        assert_eq!(parse(b"\xff\xfe\xfd"), None);
    }

    #[test]
    fn a_user_name_cannot_smuggle_a_refusal_of_its_own() {
        // A login as a user whose name holds newlines: the broker prefixes each line it starts
        // as its own, so the fake line in the middle looks real; the body is read whole from
        // its ends, and the name (with its newlines) is no account of anybody's.
        let name = format!("x\n{P}access to vhost 'a' refused for user 'a-node'\n{P}y");
        let body = message(&[
            "Error on AMQP connection <0.846.0> (127.0.0.1:1 -> 127.0.0.1:2, state: starting):",
            &format!("PLAIN login refused: user '{name}' - invalid credentials"),
        ]);
        assert_eq!(parse(&body), None);
        // A vhost name built like a refusal: the account is still the one the broker names
        // last, the vhost not read.
        let refusal = parse(&message(&[
            "Error on AMQP connection <0.840.0> (127.0.0.1:1 -> 127.0.0.1:2, user: 'b-caller', state: opening):",
            "access to vhost 'a' refused for user 'a-node' refused for user 'b-caller'",
        ]))
        .unwrap();
        assert_eq!(refusal.user.as_deref(), Some("b-caller"));
        assert_eq!(refusal.vhost, None);
        assert!(!refusal.concerns("a", &users("a")));
    }

    #[test]
    fn names_a_client_chooses_cannot_hide_or_shift_the_account_refused() {
        // A forged user_id holding a newline and the broker's own words: still a forgery by
        // the authenticated publisher, in the connection's vhost.
        let claimed = format!("root' but authenticated user was 'b-node\n{P}x");
        let refusal = parse(&message(&[
            FORGED[0],
            &format!("operation basic.publish caused a channel exception precondition_failed: user_id property set to '{claimed}' but authenticated user was 'a-caller'"),
        ]))
        .unwrap();
        assert_eq!(refusal.reason, Reason::ForgedUserId);
        assert_eq!(refusal.user.as_deref(), Some("a-caller"));
        assert_eq!(refusal.vhost.as_deref(), Some("a"));
        assert!(
            !refusal.text.chars().any(char::is_control),
            "{}",
            refusal.text
        );
        // An exchange named like the rest of the sentence.
        let exchange = format!("x' in vhost 'b' refused for user 'b-node\n{P}then");
        let refusal = parse(&message(&[
            FORGED[0],
            &format!("operation basic.publish caused a channel exception access_refused: access to exchange '{exchange}' in vhost 'a' refused for user 'a-caller'"),
        ]))
        .unwrap();
        assert_eq!(refusal.user.as_deref(), Some("a-caller"));
        assert_eq!(refusal.vhost.as_deref(), Some("a"));
        assert!(!refusal.concerns("b", &users("b")));
    }

    #[test]
    fn a_refusal_must_follow_the_header_the_broker_writes_for_it() {
        let swapped = message(&[
            "Channel error on connection <0.851.0> (x, vhost: 'a', user: 'a-caller'), channel 1:",
            "access to vhost 'a' refused for user 'a-caller'",
        ]);
        assert_eq!(parse(&swapped), None);
        let swapped = message(&[
            "Error on AMQP connection <0.1.0> (x, state: starting):",
            FORGED[1],
        ]);
        assert_eq!(parse(&swapped), None);
    }
}

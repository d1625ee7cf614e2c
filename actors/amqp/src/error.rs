//! The AMQP crate's one error type, lapin-style: an [`AmqpError`] wrapping a
//! `#[non_exhaustive]` [`AmqpErrorKind`], with [`can_be_recovered`](AmqpError::can_be_recovered)
//! telling a broker that is away (retry) from one that refused us (a configuration error).
//! Broker errors are classified by lapin's typed error kinds, never by their text.

use lapin::protocol::{AMQPErrorKind, AMQPHardError, AMQPSoftError};
use std::fmt;

/// What went wrong between a node (or a CLI caller) and the broker.
#[derive(Debug)]
#[non_exhaustive]
pub enum AmqpErrorKind {
    /// The broker refused the login or the permission (`ACCESS_REFUSED`, or a SASL failure):
    /// retrying with the same credentials cannot help.
    AccessRefused(lapin::Error),
    /// A TLS certificate was not trusted: the broker's by us (not from the CA file), or ours
    /// by the broker (from another CA, or none): retrying cannot help either.
    Certificate(lapin::Error),
    /// The broker could not be reached, or the connection or a channel failed.
    Broker(lapin::Error),
    /// A consumer or task the session needs ended (the broker cancelled it, or it panicked).
    Ended(&'static str),
}

/// An AMQP error, with what the caller was doing.
#[derive(Debug)]
pub struct AmqpError {
    kind: AmqpErrorKind,
    context: Option<String>,
}

impl AmqpError {
    /// An error of `kind`.
    pub fn new(kind: AmqpErrorKind) -> Self {
        AmqpError {
            kind,
            context: None,
        }
    }

    /// Says what was being done (`cannot reach the broker at amqp://u:***@h/v`).
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// The kind.
    pub fn kind(&self) -> &AmqpErrorKind {
        &self.kind
    }

    /// True when trying again later may succeed (the broker is away or restarting); false
    /// when the broker refused our credentials or permissions.
    pub fn can_be_recovered(&self) -> bool {
        !matches!(
            self.kind,
            AmqpErrorKind::AccessRefused(_) | AmqpErrorKind::Certificate(_)
        )
    }
}

/// True when the broker refused access (login, vhost or resource permission).
pub fn is_access_refused(error: &lapin::Error) -> bool {
    match error.kind() {
        lapin::ErrorKind::ProtocolError(e) => matches!(
            e.kind(),
            AMQPErrorKind::Soft(AMQPSoftError::ACCESSREFUSED)
                | AMQPErrorKind::Hard(AMQPHardError::NOTALLOWED)
        ),
        lapin::ErrorKind::AuthProviderError(_) => true,
        _ => false,
    }
}

impl From<lapin::Error> for AmqpError {
    fn from(error: lapin::Error) -> Self {
        let kind = if is_access_refused(&error) {
            AmqpErrorKind::AccessRefused(error)
        } else if clacks_tls::is_certificate_error(&error) {
            AmqpErrorKind::Certificate(error)
        } else {
            AmqpErrorKind::Broker(error)
        };
        AmqpError::new(kind)
    }
}

impl fmt::Display for AmqpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(context) = &self.context {
            write!(f, "{context}: ")?;
        }
        match &self.kind {
            AmqpErrorKind::AccessRefused(e) => write!(f, "access refused by the broker: {e}"),
            AmqpErrorKind::Certificate(e) => write!(f, "TLS certificate not trusted: {e}"),
            AmqpErrorKind::Broker(e) => write!(f, "{e}"),
            AmqpErrorKind::Ended(what) => write!(f, "{what} ended"),
        }
    }
}

impl std::error::Error for AmqpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            AmqpErrorKind::AccessRefused(e)
            | AmqpErrorKind::Certificate(e)
            | AmqpErrorKind::Broker(e) => Some(e),
            AmqpErrorKind::Ended(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refused_login_is_final() {
        let ended = AmqpError::new(AmqpErrorKind::Ended("the reply consumer"));
        assert!(ended.can_be_recovered());
        assert_eq!(ended.to_string(), "the reply consumer ended");
        let io = lapin::Error::from(std::io::Error::other("connection reset"));
        assert!(!is_access_refused(&io));
        assert!(AmqpError::from(io).context("x").can_be_recovered());
    }
}

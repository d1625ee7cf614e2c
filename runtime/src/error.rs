//! The runtime's one error type, lapin-style: an [`Error`] wrapping a `#[non_exhaustive]`
//! [`ErrorKind`] that carries the context (config key, node, transport, actor path) and says
//! whether retrying can help. Call failures seen by callers are [`CallError`](crate::call::CallError)
//! instead: they travel on the wire.

use std::fmt;

/// What went wrong, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration value or file is wrong.
    Config {
        /// The key (`http.listen`) or file.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A node could not start or run.
    Node {
        /// The node name.
        node: String,
        /// What happened.
        message: String,
    },
    /// An actor could not be started, restarted or stopped (a start function failed, a
    /// supervisor refused an admin request).
    Actor {
        /// The actor's path (`node/plugins/core`).
        path: String,
        /// What happened.
        message: String,
    },
    /// A transport refused or lost something.
    Transport {
        /// `local` or `amqp`.
        transport: String,
        /// What happened.
        message: String,
    },
    /// An ACL definition is wrong (a bad regular expression, right letter, scope, an unknown
    /// or circular role) or an ACL change cannot be made.
    Acl {
        /// Where: the file path and entry (`acl["dc=example,dc=net"][0].acls[1].scope`), the
        /// role or the entry id.
        path: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// The runtime error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// A config error about `key`.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorKind::Config {
            key: key.into(),
            message: message.into(),
        }
        .into()
    }

    /// A node error.
    pub fn node(node: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorKind::Node {
            node: node.into(),
            message: message.into(),
        }
        .into()
    }

    /// An actor error about the actor at `path`.
    pub fn actor(path: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorKind::Actor {
            path: path.into(),
            message: message.into(),
        }
        .into()
    }

    /// A transport error.
    pub fn transport(transport: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorKind::Transport {
            transport: transport.into(),
            message: message.into(),
        }
        .into()
    }

    /// An ACL error about the definition at `path`.
    pub fn acl(path: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorKind::Acl {
            path: path.into(),
            message: message.into(),
        }
        .into()
    }

    /// The kind.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// True when trying again later may succeed (a transport hiccup); config, node and actor
    /// errors need a change first.
    pub fn can_be_recovered(&self) -> bool {
        matches!(self.kind, ErrorKind::Transport { .. })
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Config { key, message } => write!(f, "config `{key}`: {message}"),
            ErrorKind::Node { node, message } => write!(f, "node {node}: {message}"),
            ErrorKind::Actor { path, message } => write!(f, "{path}: {message}"),
            ErrorKind::Transport { transport, message } => {
                write!(f, "{transport} transport: {message}")
            }
            ErrorKind::Acl { path, message } => write!(f, "acl {path}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_key_and_only_transport_errors_recover() {
        let err = Error::config("http.listen", "bad");
        assert_eq!(err.to_string(), "config `http.listen`: bad");
        assert!(!err.can_be_recovered());
        assert!(Error::transport("amqp", "closed").can_be_recovered());
    }
}

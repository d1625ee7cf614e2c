//! The crate's one error type: [`Error`], with its [`ErrorKind`] and the context a caller
//! needs (the backend that failed, the attribute and rule that refused a change).

use std::fmt;

/// What went wrong, broadly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A backend cannot be reached or failed a statement; `backend` names it.
    Backend,
    /// The object model refused the change (attribute, rule).
    Refused,
    /// No object has this DN or UUID.
    NotFound,
    /// The object changed since the revision the caller gave, or the DN is taken.
    Conflict,
    /// The request itself is wrong (a parent outside the base, a bad query …).
    Invalid,
    /// The caller may not do this ([`crate::access::ObjectAccess`] said no).
    Forbidden,
}

impl ErrorKind {
    /// The kind's name for `data.reason` in replies.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Backend => "backend",
            ErrorKind::Refused => "refused",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Forbidden => "forbidden",
        }
    }
}

/// An error of the object store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// The kind.
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
    /// The backend concerned (`SQL`, `LDAP`), for [`ErrorKind::Backend`].
    pub backend: Option<String>,
    /// The attribute or extension that was refused.
    pub attribute: Option<String>,
    /// The model rule that refused it (`mandatory`, `read-only` …).
    pub rule: Option<String>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Some(b) if self.kind == ErrorKind::Backend => {
                write!(f, "backend {b}: {}", self.message)
            }
            _ => f.write_str(&self.message),
        }
    }
}

impl Error {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            backend: None,
            attribute: None,
            rule: None,
        }
    }

    /// A backend failure of `backend`, with `context` (what was being done).
    pub fn backend(backend: &str, context: impl fmt::Display) -> Self {
        let mut e = Error::new(ErrorKind::Backend, context.to_string());
        e.backend = Some(backend.to_owned());
        e
    }

    /// No object `reference`.
    pub fn not_found(reference: &str) -> Self {
        Error::new(ErrorKind::NotFound, format!("no object '{reference}'"))
    }

    /// The request is wrong.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Invalid, message)
    }
}

impl From<clacks_objects::Error> for Error {
    fn from(e: clacks_objects::Error) -> Self {
        let kind = match e.kind() {
            clacks_objects::ErrorKind::Refused => ErrorKind::Refused,
            _ => ErrorKind::Invalid,
        };
        let mut out = Error::new(kind, e.to_string());
        out.attribute = e.attribute().map(str::to_owned);
        out.rule = e.rule().map(|r| r.name().to_owned());
        out
    }
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Backend names. DESIGN §6: attributes live in `LDAP`, `SQL` or nowhere (`NULL`, values
//! computed from others); `ObjectHandler` keeps attributes that are stored in *other*
//! objects (a user's `groupMembership` is the groups' `memberUid`). The original's
//! `MongoDB` and `JSON` backends map onto `SQL`.

/// A backend an attribute is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// The directory.
    Ldap,
    /// The relational store (also the original's `MongoDB` and `JSON`).
    Sql,
    /// Nowhere: computed attributes.
    Null,
    /// Values stored in other objects' attributes.
    ObjectHandler,
}

impl Backend {
    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ldap => "LDAP",
            Backend::Sql => "SQL",
            Backend::Null => "NULL",
            Backend::ObjectHandler => "ObjectHandler",
        }
    }

    /// The backend of a name as definitions write it (`MongoDB` and `JSON` are `SQL`).
    pub fn from_name(name: &str) -> Option<Backend> {
        Some(match name {
            "LDAP" => Backend::Ldap,
            "SQL" | "MongoDB" | "JSON" => Backend::Sql,
            "NULL" => Backend::Null,
            "ObjectHandler" => Backend::ObjectHandler,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_document_stores_map_to_sql() {
        assert_eq!(Backend::from_name("MongoDB"), Some(Backend::Sql));
        assert_eq!(Backend::from_name("JSON"), Some(Backend::Sql));
        assert_eq!(Backend::from_name("LDAP").map(Backend::name), Some("LDAP"));
        assert_eq!(Backend::from_name("Oracle"), None);
    }
}

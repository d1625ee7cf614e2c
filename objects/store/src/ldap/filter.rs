//! LDAP search filters built from values (RFC 4515): every value is escaped (`*`, `(`, `)`,
//! `\` and NUL as `\2a`, `\28`, `\29`, `\5c`, `\00`), so `Smith (IT)*` is matched as those
//! eleven characters and never as a wildcard or a nested filter; attribute names are checked
//! (letters, digits, `-`, and `;` options), since a filter has no escaping for them.

use crate::error::{Error, Result};

/// `value` escaped for use inside a filter.
pub fn escape(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for chunk in value.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '*' | '(' | ')' | '\\' | '\0' => out.push_str(&format!("\\{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\{b:02x}"));
        }
    }
    out
}

/// Whether `name` may stand in a filter as an attribute description.
pub fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';')
}

/// `(attribute=value)`, the value matched literally.
pub fn equals(attribute: &str, value: &[u8]) -> Result<String> {
    if !is_attribute_name(attribute) {
        return Err(Error::invalid(format!(
            "'{attribute}' is no LDAP attribute name"
        )));
    }
    Ok(format!("({attribute}={})", escape(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metacharacters_are_escaped_so_values_match_literally() {
        assert_eq!(escape(b"Smith (IT)*"), "Smith \\28IT\\29\\2a");
        assert_eq!(escape(b"a\\b\0"), "a\\5cb\\00");
        assert_eq!(escape("Müller".as_bytes()), "Müller");
        assert_eq!(escape(&[0xff, b'x']), "\\ffx");
        assert_eq!(
            equals("sn", b"*)(uid=*").as_deref(),
            Ok("(sn=\\2a\\29\\28uid=\\2a)")
        );
    }

    #[test]
    fn attribute_names_cannot_carry_a_filter() {
        assert!(equals("sn)(uid=*", b"x").is_err());
        assert!(equals("", b"x").is_err());
        assert!(is_attribute_name("userCertificate;binary"));
    }
}

//! Distinguished names, as far as the store needs them: escaping an RDN value (RFC 4514),
//! the parent of a DN, and whether a DN lies in a subtree or directly below another.
//! DNs are compared case-insensitively, as LDAP compares the usual attribute types.

/// Escapes `value` for use in an RDN (`cn=Smith\, John`).
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
            continue;
        }
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The value of an RDN with its escapes (`\,`, `\2C`) undone.
pub fn unescape_value(value: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(value.len());
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(bytes[i + 1]);
                    i += 2;
                }
            }
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The position of the first unescaped `,` in `dn`.
fn first_separator(dn: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The parent of `dn` (empty for a one-RDN DN).
pub fn parent(dn: &str) -> &str {
    first_separator(dn).map_or("", |i| dn[i + 1..].trim_start())
}

/// The first RDN of `dn`.
pub fn rdn(dn: &str) -> &str {
    first_separator(dn).map_or(dn, |i| &dn[..i])
}

/// Whether `a` and `b` name the same entry.
pub fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Whether `dn` is `base` or lies below it.
pub fn in_subtree(dn: &str, base: &str) -> bool {
    if base.is_empty() || same(dn, base) {
        return true;
    }
    let mut cur = dn;
    while !cur.is_empty() {
        cur = parent(cur);
        if same(cur, base) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_separators_out_of_the_rdn() {
        assert_eq!(escape_value("Smith, John"), "Smith\\, John");
        assert_eq!(escape_value(" a+b "), "\\ a\\+b\\ ");
        let dn = format!("cn={},ou=people", escape_value("a,b"));
        assert_eq!(parent(&dn), "ou=people");
        assert_eq!(rdn(&dn), "cn=a\\,b");
        assert_eq!(unescape_value("a\\,b\\2Cc"), "a,b,c");
    }

    #[test]
    fn subtree_is_case_insensitive_and_includes_the_base() {
        assert!(in_subtree("uid=x,ou=People,dc=ex", "dc=EX"));
        assert!(in_subtree("dc=ex", "dc=ex"));
        assert!(!in_subtree("dc=other", "dc=ex"));
        assert!(!in_subtree("dc=xdc=ex", "dc=ex"));
    }
}

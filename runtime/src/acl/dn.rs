//! Distinguished names as the resolver walks them: from the checked DN up to the ACL root one
//! RDN at a time (`cn=a,ou=people,dc=example,dc=net` → `ou=people,dc=example,dc=net` → …).
//! Commas escaped with a backslash stay inside their RDN; blanks around RDNs are dropped so
//! `ou=a, dc=b` and `ou=a,dc=b` name the same ACL base (the original compared the strings
//! python-ldap rebuilt, which drops them too).

/// The DN with blanks around each RDN removed.
pub fn normalize(dn: &str) -> String {
    split(dn).join(",")
}

/// The RDNs of `dn`, outermost last, blanks trimmed; a trailing comma keeps its empty RDN.
fn split(dn: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, ch) in dn.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' => escaped = true,
            ',' => {
                parts.push(dn[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    // The empty DN gives one empty RDN, which joins back to the empty DN.
    parts.push(dn[start..].trim());
    parts
}

/// The parent of a normalized DN (`None` for a single RDN or the empty DN).
pub fn parent(dn: &str) -> Option<&str> {
    let mut escaped = false;
    for (i, ch) in dn.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' => escaped = true,
            ',' => return Some(&dn[i + 1..]),
            _ => {}
        }
    }
    None
}

/// True when normalized `dn` is `root` or lies below it (RDN-wise, not by substring).
pub fn is_within(dn: &str, root: &str) -> bool {
    if root.is_empty() || dn == root {
        return true;
    }
    // Below it: `…,ROOT`, where that comma is not an escaped one inside the last RDN.
    dn.strip_suffix(root)
        .and_then(|rest| rest.strip_suffix(','))
        .is_some_and(|rdns| !rdns.ends_with('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_drops_blanks_around_rdns_but_keeps_escaped_commas() {
        assert_eq!(normalize(" ou=a , dc=b "), "ou=a,dc=b");
        assert_eq!(normalize(r"cn=Doe\, John,dc=b"), r"cn=Doe\, John,dc=b");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" dc=b "), "dc=b", "a single RDN is kept");
        assert_eq!(normalize("ou=a, "), "ou=a,", "a trailing comma is kept");
    }

    #[test]
    fn parent_walks_up_one_rdn_at_a_time() {
        assert_eq!(parent("cn=a,ou=p,dc=b"), Some("ou=p,dc=b"));
        assert_eq!(parent(r"cn=Doe\, John,dc=b"), Some("dc=b"));
        assert_eq!(parent("dc=b"), None);
    }

    #[test]
    fn within_compares_whole_rdns_not_substrings() {
        assert!(is_within("ou=p,dc=example,dc=net", "dc=example,dc=net"));
        assert!(is_within("dc=example,dc=net", "dc=example,dc=net"));
        assert!(!is_within("dc=myexample,dc=net", "example,dc=net"));
        assert!(!is_within("dc=net", "dc=example,dc=net"));
        assert!(is_within("dc=anything", ""));
        assert!(
            !is_within(r"cn=a\,dc=net", "dc=net"),
            "an escaped comma stays inside its RDN"
        );
        assert!(is_within(r"cn=a\,b,dc=net", "dc=net"));
    }
}

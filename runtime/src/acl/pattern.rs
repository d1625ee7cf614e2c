//! A regular expression as the original ACLs used them: Python's `re.match`, anchored at the
//! start of the text but not at its end (`tester1` matches `tester10`; write `^tester1$` for one
//! name). Topics, members and string options are all such patterns. The source text is kept so
//! an ACL set is written back exactly as it was read.

use regex::Regex;
use std::fmt;

use crate::Error;

/// A start-anchored regular expression with its source.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    /// Compiles `source`; `what` names the place for the error (Python-only syntax such as
    /// look-around or back-references is refused here, not at check time).
    pub fn new(source: &str, what: &str) -> Result<Pattern, Error> {
        let regex = Regex::new(&format!(r"\A(?:{source})"))
            .map_err(|e| Error::acl(what, format!("invalid regular expression {source:?}: {e}")))?;
        Ok(Pattern {
            source: source.to_owned(),
            regex,
        })
    }

    /// True when the pattern matches at the start of `text` (`re.match`).
    pub fn matches(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_at_the_start_only_like_python_re_match() {
        let p = Pattern::new("tester1", "t").unwrap();
        assert!(p.matches("tester1"));
        assert!(p.matches("tester10"), "re.match is not anchored at the end");
        assert!(!p.matches("a-tester1"), "re.match is anchored at the start");
        let exact = Pattern::new("^tester1$", "t").unwrap();
        assert!(!exact.matches("tester10"));
    }

    #[test]
    fn alternation_stays_inside_the_anchor() {
        // Without the group `\Aa|b` would match "xb".
        let p = Pattern::new("a|b", "t").unwrap();
        assert!(p.matches("b"));
        assert!(!p.matches("xb"));
    }

    #[test]
    fn a_bad_pattern_is_refused_naming_the_place_and_the_source() {
        let err = Pattern::new("(unclosed", "acl.members[0]").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("acl.members[0]") && text.contains("(unclosed"),
            "{text}"
        );
    }
}

//! Python regular expressions for the `regex` crate: definitions carry patterns and
//! replacements written for Python's `re` (`RegEx` conditions, `Replace` filters).
//!
//! Python accepts escapes of any character (`\_` in user.xml's telephone pattern); the regex
//! crate refuses escaping word characters that mean nothing, so `\_` loses its backslash.
//! Replacement strings use `\1` and `\g<name>`; the regex crate uses `${1}` and `${name}`
//! and reads a bare `$` as the start of a group reference.

use regex::Regex;

/// Whether `body` (what stands between `{` and `}`) makes a Python repetition count.
fn is_count(body: &str) -> bool {
    let (a, b) = body.split_once(',').unwrap_or((body, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    digits(a) && digits(b) && (!a.is_empty() || (body.contains(',') && !b.is_empty()))
}

/// The pattern in the regex crate's syntax: `\_` loses its backslash, and braces that are no
/// repetition count (Python reads `^{(…)}` literally) are escaped.
pub(crate) fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let chars: Vec<char> = pattern.chars().collect();
    let mut in_class = false;
    let mut open_counts = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                match chars.get(i + 1) {
                    Some('_') => out.push('_'),
                    Some(n) => {
                        out.push('\\');
                        out.push(*n);
                    }
                    None => out.push('\\'),
                }
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => {
                let rest: String = chars[i + 1..].iter().collect();
                let counts = rest.find('}').is_some_and(|end| is_count(&rest[..end]));
                if counts {
                    open_counts += 1;
                } else {
                    out.push('\\');
                }
            }
            '}' if !in_class => {
                if open_counts > 0 {
                    open_counts -= 1;
                } else {
                    out.push('\\');
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Compiles a pattern for `re.match`: anchored at the start, not at the end.
pub(crate) fn compile_match(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{})", translate(pattern)))
}

/// Compiles a pattern for `re.sub`: anywhere.
pub(crate) fn compile_search(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&translate(pattern))
}

/// A Python replacement string in the regex crate's syntax.
pub(crate) fn replacement(python: &str) -> String {
    let mut out = String::with_capacity(python.len());
    let mut chars = python.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        n.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{n}}}"));
                }
                Some('g') => {
                    chars.next();
                    let mut name = String::new();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        for d in chars.by_ref() {
                            if d == '>' {
                                break;
                            }
                            name.push(d);
                        }
                    }
                    out.push_str(&format!("${{{name}}}"));
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meaningless_underscore_escape_is_dropped() {
        assert_eq!(translate(r"^[0-9\_ \/]*$"), r"^[0-9_ \/]*$");
        assert!(compile_match(r"^[0-9\_ \/ \(\)\+\-]*$").is_ok());
    }

    #[test]
    fn braces_that_count_repeat_others_are_literal() {
        assert_eq!(translate(r"^{([^}]*)}.*$"), r"^\{([^}]*)\}.*$");
        assert_eq!(translate("a{2,3}b{,4}"), "a{2,3}b{,4}");
        assert!(compile_search(r"^{([^}]*)}.*$").is_ok_and(|re| re.is_match("{CRYPT}x")));
    }

    #[test]
    fn match_is_anchored_at_the_start_only() {
        let re = compile_match("ab");
        assert!(re
            .as_ref()
            .is_ok_and(|re| re.is_match("abc") && !re.is_match("cab")));
    }

    #[test]
    fn python_group_references_become_regex_ones() {
        assert_eq!(replacement(r"Result: \1"), "Result: ${1}");
        assert_eq!(replacement(r"\g<name>-$"), "${name}-$$");
    }
}

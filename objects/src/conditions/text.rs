//! Conditions on text: `RegEx` (Python `re.match` semantics), `Like` (difflib's similarity
//! ratio), `stringLength` and `IsValidHostName`.

use crate::value::Value;
use regex::Regex;
use std::sync::OnceLock;

/// Compiles a Python regular expression for `re.match` (see [`crate::pyre`]).
pub(super) fn compile_python_match(pattern: &str) -> Result<Regex, regex::Error> {
    crate::pyre::compile_match(pattern)
}

/// Every value matches `re` (at its start).
pub(super) fn regex(values: &[Value], re: &Regex) -> Result<(), String> {
    for v in values {
        let t = v.to_text();
        if !re.is_match(&t) {
            return Err(format!("'{t}' has a syntax error"));
        }
    }
    Ok(())
}

/// Python difflib's `SequenceMatcher(None, a, b).ratio()`: twice the matched characters over
/// the total, where matches are found by recursively taking the longest common block.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    2.0 * matched(&a, &b) as f64 / total as f64
}

fn matched(a: &[char], b: &[char]) -> usize {
    // The longest common block, leftmost in `a` then in `b`, as difflib picks it.
    let (mut best, mut bi, mut bj) = (0, 0, 0);
    let mut prev = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            if ca == cb {
                cur[j + 1] = prev[j] + 1;
                if cur[j + 1] > best {
                    best = cur[j + 1];
                    bi = i + 1 - best;
                    bj = j + 1 - best;
                }
            }
        }
        prev = cur;
    }
    if best == 0 {
        return 0;
    }
    best + matched(&a[..bi], &b[..bj]) + matched(&a[bi + best..], &b[bj + best..])
}

/// Every value is like `other` (similarity at least 0.75).
pub(super) fn like(values: &[Value], other: &str) -> Result<(), String> {
    for v in values {
        if similarity(&v.to_text(), other) < 0.75 {
            return Err(format!("value is not like '{other}'"));
        }
    }
    Ok(())
}

/// Every value has at least `min` and at most `max` characters (negative: no bound).
pub(super) fn string_length(values: &[Value], min: i64, max: i64) -> Result<(), String> {
    for v in values {
        let n = v.to_text().chars().count() as i64;
        if min >= 0 && n < min {
            return Err(format!(
                "value is short, at least {min} characters required"
            ));
        }
        if max >= 0 && n > max {
            return Err(format!("value is long, at most {max} characters allowed"));
        }
    }
    Ok(())
}

fn host_pattern() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(([a-zA-Z]|[a-zA-Z][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*([A-Za-z]|[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9])$",
        )
        .ok()
    })
    .as_ref()
}

/// Every value is a host name (labels of letters, digits and inner hyphens).
pub(super) fn host_name(values: &[Value]) -> Result<(), String> {
    let re = host_pattern().ok_or("the host name pattern does not compile")?;
    for v in values {
        let t = v.to_text();
        if !re.is_match(&t) {
            return Err(format!("invalid hostname '{t}'"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[&str]) -> Vec<Value> {
        v.iter().map(|s| Value::text(*s)).collect()
    }

    #[test]
    fn user_xml_telephone_pattern_compiles_and_matches() {
        // user.xml's telephoneNumber validator, escapes as Python wrote them.
        let re = compile_python_match(r"^[0-9\_ \/ \(\)\+\-]*$");
        let re = match re {
            Ok(re) => re,
            Err(e) => panic!("{e}"),
        };
        assert!(regex(&texts(&["+49 (0)2932 916-0"]), &re).is_ok());
        assert!(regex(&texts(&["0800_123/45"]), &re).is_ok());
        assert!(regex(&texts(&["call me"]), &re).is_err());
    }

    #[test]
    fn regex_anchors_at_the_start_only_like_re_match() {
        let re = compile_python_match("ab").map_err(|e| e.to_string());
        let re = re.as_ref().map_err(String::as_str);
        assert!(re.is_ok_and(|re| regex(&texts(&["abc"]), re).is_ok()));
        let re = compile_python_match("ab").map_err(|e| e.to_string());
        assert!(re.is_ok_and(|re| regex(&texts(&["cab"]), &re).is_err()));
    }

    #[test]
    fn similarity_matches_difflib() {
        // difflib.SequenceMatcher(None, "abcd", "bcde").ratio() == 0.75
        assert!((similarity("abcd", "bcde") - 0.75).abs() < 1e-9);
        // SequenceMatcher(None, "tide", "diet").ratio() == 0.25: the leftmost block "t" wins.
        assert!((similarity("tide", "diet") - 0.25).abs() < 1e-9);
        assert!((similarity("same", "same") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn like_uses_the_three_quarter_threshold() {
        assert!(like(&texts(&["abcd"]), "bcde").is_ok());
        assert!(like(&texts(&["abcd"]), "wxyz").is_err());
    }

    #[test]
    fn string_length_bounds() {
        assert!(string_length(&texts(&["abc"]), 2, 4).is_ok());
        assert_eq!(
            string_length(&texts(&["a"]), 2, 4),
            Err("value is short, at least 2 characters required".into())
        );
        assert!(string_length(&texts(&["abcde"]), 2, 4).is_err());
        assert!(string_length(&texts(&["abcdefgh"]), 2, -1).is_ok());
    }

    #[test]
    fn host_names() {
        assert!(host_name(&texts(&["www.example.org", "a", "a-1.b"])).is_ok());
        assert_eq!(
            host_name(&texts(&["-bad.example"])),
            Err("invalid hostname '-bad.example'".into())
        );
    }
}

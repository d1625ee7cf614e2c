//! Conditions: the checks validators and filter choices are built of.
//!
//! A definition names a condition (`<Condition><Name>RegEx</Name><Param>…</Param>`); the
//! names are the original's comparator classes ([`ConditionKind`]). [`ConditionCall::new`]
//! checks the parameters when the definition loads (their number, numbers that must be
//! numbers, regular expressions that must compile), so a faulty definition fails at load, not
//! at the first change. A validator is a [`ConditionExpr`]: one condition, or two joined by
//! `and`/`or`. Evaluating it gives an [`Outcome`]: passed or not, with the conditions'
//! messages.
//!
//! Layout: `compare` (Equals, Greater, Smaller), `text` (Like, RegEx, stringLength,
//! IsValidHostName), `lookup` (IsExistingDN, IsExistingDnOfType, ObjectWithPropertyExists —
//! asking the [`Directory`]), `acl` (IsAclSet, IsAclRole).

mod acl;
mod compare;
mod lookup;
mod text;

use crate::directory::Directory;
use crate::value::Value;

/// The conditions this crate implements, named as definitions name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKind {
    /// `Equals(match, case_ignore=False)`: every value equals `match`.
    Equals,
    /// `Greater(match)`: every value is a number greater than `match`.
    Greater,
    /// `Smaller(match)`: every value is a number smaller than `match`.
    Smaller,
    /// `Like(match)`: every value is similar to `match` (difflib ratio ≥ 0.75).
    Like,
    /// `RegEx(pattern)`: every value matches `pattern` at its start (Python `re.match`).
    RegEx,
    /// `stringLength(minSize, maxSize)`: every value's length is within the bounds (a
    /// negative bound is no bound).
    StringLength,
    /// `IsValidHostName()`: every value is a host name.
    IsValidHostName,
    /// `IsExistingDN()`: every value is the DN of an existing object.
    IsExistingDn,
    /// `IsExistingDnOfType(type)`: every value is the DN of an existing object of `type`.
    IsExistingDnOfType,
    /// `ObjectWithPropertyExists(type, attribute)`: for every value an object of `type` has it
    /// as a value of `attribute`.
    ObjectWithPropertyExists,
    /// `IsAclSet()`: every value is a well-formed ACL set.
    IsAclSet,
    /// `IsAclRole()`: every value is a well-formed ACL role entry.
    IsAclRole,
}

/// Every condition, for listing.
pub const ALL_CONDITIONS: [ConditionKind; 12] = [
    ConditionKind::Equals,
    ConditionKind::Greater,
    ConditionKind::Smaller,
    ConditionKind::Like,
    ConditionKind::RegEx,
    ConditionKind::StringLength,
    ConditionKind::IsValidHostName,
    ConditionKind::IsExistingDn,
    ConditionKind::IsExistingDnOfType,
    ConditionKind::ObjectWithPropertyExists,
    ConditionKind::IsAclSet,
    ConditionKind::IsAclRole,
];

impl ConditionKind {
    /// The name definitions use.
    pub fn name(self) -> &'static str {
        match self {
            ConditionKind::Equals => "Equals",
            ConditionKind::Greater => "Greater",
            ConditionKind::Smaller => "Smaller",
            ConditionKind::Like => "Like",
            ConditionKind::RegEx => "RegEx",
            ConditionKind::StringLength => "stringLength",
            ConditionKind::IsValidHostName => "IsValidHostName",
            ConditionKind::IsExistingDn => "IsExistingDN",
            ConditionKind::IsExistingDnOfType => "IsExistingDnOfType",
            ConditionKind::ObjectWithPropertyExists => "ObjectWithPropertyExists",
            ConditionKind::IsAclSet => "IsAclSet",
            ConditionKind::IsAclRole => "IsAclRole",
        }
    }

    /// The condition a name stands for.
    pub fn from_name(name: &str) -> Option<ConditionKind> {
        ALL_CONDITIONS.into_iter().find(|c| c.name() == name)
    }

    /// How many parameters it takes: at least, at most.
    fn arity(self) -> (usize, usize) {
        match self {
            ConditionKind::Equals => (1, 2),
            ConditionKind::Greater | ConditionKind::Smaller | ConditionKind::Like => (1, 1),
            ConditionKind::RegEx | ConditionKind::IsExistingDnOfType => (1, 1),
            ConditionKind::StringLength | ConditionKind::ObjectWithPropertyExists => (2, 2),
            ConditionKind::IsValidHostName
            | ConditionKind::IsExistingDn
            | ConditionKind::IsAclSet
            | ConditionKind::IsAclRole => (0, 0),
        }
    }
}

/// What a condition needs prepared once, at load.
#[derive(Debug, Clone)]
enum Prepared {
    None,
    Number(i64),
    Bounds(i64, i64),
    Pattern(regex::Regex),
}

/// One condition with its parameters, checked at load.
#[derive(Debug, Clone)]
pub struct ConditionCall {
    kind: ConditionKind,
    params: Vec<String>,
    line: u32,
    prepared: Prepared,
}

impl ConditionCall {
    /// Checks `params` for `kind`; the error says what is wrong with them.
    pub fn new(kind: ConditionKind, params: Vec<String>, line: u32) -> Result<Self, String> {
        let (min, max) = kind.arity();
        if params.len() < min || params.len() > max {
            let wanted = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(format!(
                "condition '{}' takes {wanted} parameter(s), {} given",
                kind.name(),
                params.len()
            ));
        }
        let number = |i: usize| -> Result<i64, String> {
            let p = params.get(i).map(String::as_str).unwrap_or_default();
            p.trim().parse().map_err(|_| {
                format!(
                    "condition '{}': parameter {} must be a whole number, got '{p}'",
                    kind.name(),
                    i + 1
                )
            })
        };
        let prepared =
            match kind {
                ConditionKind::Greater | ConditionKind::Smaller => Prepared::Number(number(0)?),
                ConditionKind::StringLength => Prepared::Bounds(number(0)?, number(1)?),
                ConditionKind::RegEx => {
                    let p = params.first().map(String::as_str).unwrap_or_default();
                    Prepared::Pattern(text::compile_python_match(p).map_err(|e| {
                        format!("condition 'RegEx': the pattern does not compile: {e}")
                    })?)
                }
                _ => Prepared::None,
            };
        Ok(ConditionCall {
            kind,
            params,
            line,
            prepared,
        })
    }

    /// Which condition.
    pub fn kind(&self) -> ConditionKind {
        self.kind
    }

    /// Its parameters as written.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// The definition line it was written on.
    pub fn line(&self) -> u32 {
        self.line
    }

    fn param(&self, i: usize) -> &str {
        self.params.get(i).map(String::as_str).unwrap_or_default()
    }

    /// Checks `values` (the values proposed for an attribute).
    pub fn check(&self, values: &[Value], dir: &dyn Directory) -> Outcome {
        let result = match (&self.kind, &self.prepared) {
            (ConditionKind::Equals, _) => {
                let ignore_case = self.params.get(1).is_some_and(|p| truthy(p));
                compare::equals(values, self.param(0), ignore_case)
            }
            (ConditionKind::Greater, Prepared::Number(n)) => compare::greater(values, *n),
            (ConditionKind::Smaller, Prepared::Number(n)) => compare::smaller(values, *n),
            (ConditionKind::Like, _) => text::like(values, self.param(0)),
            (ConditionKind::RegEx, Prepared::Pattern(re)) => text::regex(values, re),
            (ConditionKind::StringLength, Prepared::Bounds(min, max)) => {
                text::string_length(values, *min, *max)
            }
            (ConditionKind::IsValidHostName, _) => text::host_name(values),
            (ConditionKind::IsExistingDn, _) => lookup::existing_dn(values, dir),
            (ConditionKind::IsExistingDnOfType, _) => {
                lookup::existing_dn_of_type(values, self.param(0), dir)
            }
            (ConditionKind::ObjectWithPropertyExists, _) => {
                lookup::object_with_property(values, self.param(0), self.param(1), dir)
            }
            (ConditionKind::IsAclSet, _) => acl::check(values, true, &dir.acl_role_names()),
            (ConditionKind::IsAclRole, _) => acl::check(values, false, &dir.acl_role_names()),
            // `new` prepares every parameterised kind; a mismatch cannot be built.
            (kind, _) => Err(format!("condition '{}' was not prepared", kind.name())),
        };
        match result {
            Ok(()) => Outcome::pass(),
            Err(message) => Outcome::fail(format!("{}: {message}", self.kind.name())),
        }
    }
}

/// How the original read a flag parameter, but with `"False"` and `"0"` false (Python took
/// any non-empty string as true).
fn truthy(p: &str) -> bool {
    !matches!(p.trim(), "" | "0" | "false" | "False")
}

/// A condition chain: one condition, or two chains joined by `and` / `or`.
#[derive(Debug, Clone)]
pub enum ConditionExpr {
    /// One condition.
    Call(ConditionCall),
    /// Both must pass.
    And(Box<ConditionExpr>, Box<ConditionExpr>),
    /// One must pass.
    Or(Box<ConditionExpr>, Box<ConditionExpr>),
}

impl ConditionExpr {
    /// Evaluates the chain for the values proposed for an attribute.
    pub fn check(&self, values: &[Value], dir: &dyn Directory) -> Outcome {
        match self {
            ConditionExpr::Call(c) => c.check(values, dir),
            ConditionExpr::And(l, r) => {
                let (l, r) = (l.check(values, dir), r.check(values, dir));
                Outcome::join(l.passed && r.passed, l, r)
            }
            ConditionExpr::Or(l, r) => {
                let (l, r) = (l.check(values, dir), r.check(values, dir));
                Outcome::join(l.passed || r.passed, l, r)
            }
        }
    }

    /// Every condition in the chain, left to right.
    pub fn calls(&self) -> Vec<&ConditionCall> {
        match self {
            ConditionExpr::Call(c) => vec![c],
            ConditionExpr::And(l, r) | ConditionExpr::Or(l, r) => {
                let mut v = l.calls();
                v.extend(r.calls());
                v
            }
        }
    }
}

/// The result of a condition chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the chain passed.
    pub passed: bool,
    /// Why it did not (the failing conditions' messages); empty when it passed.
    pub errors: Vec<String>,
}

impl Outcome {
    fn pass() -> Outcome {
        Outcome {
            passed: true,
            errors: Vec::new(),
        }
    }

    fn fail(message: String) -> Outcome {
        Outcome {
            passed: false,
            errors: vec![message],
        }
    }

    fn join(passed: bool, l: Outcome, r: Outcome) -> Outcome {
        let errors = if passed {
            Vec::new()
        } else {
            l.errors.into_iter().chain(r.errors).collect()
        };
        Outcome { passed, errors }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::MemoryDirectory;

    fn call(kind: ConditionKind, params: &[&str]) -> ConditionCall {
        let params = params.iter().map(|s| s.to_string()).collect();
        match ConditionCall::new(kind, params, 1) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    fn texts(v: &[&str]) -> Vec<Value> {
        v.iter().map(|s| Value::text(*s)).collect()
    }

    #[test]
    fn names_round_trip() {
        for c in ALL_CONDITIONS {
            assert_eq!(ConditionKind::from_name(c.name()), Some(c));
        }
        assert_eq!(ConditionKind::from_name("DnExists"), None);
    }

    #[test]
    fn wrong_parameter_count_is_refused_at_load() {
        let e = ConditionCall::new(ConditionKind::Smaller, vec![], 3);
        assert_eq!(
            e.err().as_deref(),
            Some("condition 'Smaller' takes 1 parameter(s), 0 given")
        );
    }

    #[test]
    fn non_numeric_bound_is_refused_at_load() {
        let e = ConditionCall::new(ConditionKind::Smaller, vec!["lots".into()], 3);
        assert!(e.err().is_some_and(|m| m.contains("whole number")));
    }

    #[test]
    fn bad_regex_is_refused_at_load() {
        assert!(ConditionCall::new(ConditionKind::RegEx, vec!["(".into()], 3).is_err());
    }

    #[test]
    fn and_needs_both_or_needs_one() {
        let dir = MemoryDirectory::new();
        let long = ConditionExpr::Call(call(ConditionKind::StringLength, &["3", "-1"]));
        let digits = ConditionExpr::Call(call(ConditionKind::RegEx, &["^[0-9]+$"]));
        let and = ConditionExpr::And(Box::new(long.clone()), Box::new(digits.clone()));
        let or = ConditionExpr::Or(Box::new(long), Box::new(digits));
        assert!(and.check(&texts(&["1234"]), &dir).passed);
        let out = and.check(&texts(&["12"]), &dir);
        assert!(!out.passed);
        assert_eq!(out.errors.len(), 1);
        assert!(or.check(&texts(&["12"]), &dir).passed);
        assert!(!or.check(&texts(&["ab"]), &dir).passed);
        assert_eq!(or.calls().len(), 2);
    }

    #[test]
    fn equals_case_flag_reads_false_as_false() {
        let dir = MemoryDirectory::new();
        let strict = call(ConditionKind::Equals, &["Yes", "False"]);
        assert!(!strict.check(&texts(&["yes"]), &dir).passed);
        let relaxed = call(ConditionKind::Equals, &["Yes", "True"]);
        assert!(relaxed.check(&texts(&["yes"]), &dir).passed);
    }
}

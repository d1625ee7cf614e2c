//! Filter chains as definitions write them (`FilterChain` of `FilterEntry`s, each a `Filter`
//! or a `Choice` of `When`s with an optional `Else`), and running them.
//!
//! The original compiled chains into a numbered process list with jumps; here the tree is
//! kept and walked. Every `When` of a choice is tried in turn (the original did the same: a
//! choice is not an if/else-if).

use super::{FilterCall, FilterEnv};
use crate::conditions::ConditionExpr;
use crate::error::Result;
use crate::props::Props;

/// A `<FilterChain>`: entries run in order.
#[derive(Debug, Clone, Default)]
pub struct FilterChain {
    /// The entries.
    pub entries: Vec<FilterEntry>,
}

/// A `<FilterEntry>`.
#[derive(Debug, Clone)]
pub enum FilterEntry {
    /// One filter.
    Filter(FilterCall),
    /// A `<Choice>`: its `When`s.
    Choice(Vec<When>),
}

/// A `<When>`: chains run if the condition chain passes on the key's values, else `otherwise`.
#[derive(Debug, Clone)]
pub struct When {
    /// The `<ConditionChain>`.
    pub condition: ConditionExpr,
    /// The `<FilterChain>`s run when it passes.
    pub then: Vec<FilterChain>,
    /// The `<Else>` chains run when it does not.
    pub otherwise: Vec<FilterChain>,
}

impl FilterChain {
    /// Runs the chain for attribute `key` (filters may rename it).
    pub fn run(&self, key: &mut String, props: &mut Props, env: &mut FilterEnv<'_>) -> Result<()> {
        for entry in &self.entries {
            match entry {
                FilterEntry::Filter(call) => call.run(key, props, env)?,
                FilterEntry::Choice(whens) => {
                    for when in whens {
                        let values = props
                            .get(key.as_str())
                            .map(|p| p.value.clone())
                            .unwrap_or_default();
                        let passed = when.condition.check(&values, env.directory).passed;
                        let chains = if passed { &when.then } else { &when.otherwise };
                        for chain in chains {
                            chain.run(key, props, env)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Every filter call in the chain, nested ones included.
    pub fn calls(&self) -> Vec<&FilterCall> {
        let mut out = Vec::new();
        for entry in &self.entries {
            match entry {
                FilterEntry::Filter(c) => out.push(c),
                FilterEntry::Choice(whens) => {
                    for w in whens {
                        for chain in w.then.iter().chain(&w.otherwise) {
                            out.extend(chain.calls());
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conditions::{ConditionCall, ConditionKind};
    use crate::directory::MemoryDirectory;
    use crate::filters::FilterKind;
    use crate::props::Prop;
    use crate::types::AttrType;
    use crate::value::Value;

    fn filter(kind: FilterKind, params: &[&str]) -> FilterEntry {
        let params = params.iter().map(|s| s.to_string()).collect();
        match FilterCall::new(kind, params, 1) {
            Ok(c) => FilterEntry::Filter(c),
            Err(e) => panic!("{e}"),
        }
    }

    fn choice() -> FilterChain {
        let cond = match ConditionCall::new(ConditionKind::Equals, vec!["x".into()], 1) {
            Ok(c) => ConditionExpr::Call(c),
            Err(e) => panic!("{e}"),
        };
        FilterChain {
            entries: vec![FilterEntry::Choice(vec![When {
                condition: cond,
                then: vec![FilterChain {
                    entries: vec![filter(FilterKind::ConcatString, &["yes-", "left"])],
                }],
                otherwise: vec![FilterChain {
                    entries: vec![filter(FilterKind::ConcatString, &["no-", "left"])],
                }],
            }])],
        }
    }

    fn run(chain: &FilterChain, value: &str) -> Vec<Value> {
        let mut props = Props::new();
        props.insert(
            "a".into(),
            Prop::new(AttrType::String, "LDAP").with_values(vec![Value::text(value)]),
        );
        let dir = MemoryDirectory::new();
        let mut env = FilterEnv::new(&dir);
        let mut key = "a".to_string();
        assert!(chain.run(&mut key, &mut props, &mut env).is_ok());
        props.get("a").map(|p| p.value.clone()).unwrap_or_default()
    }

    #[test]
    fn choice_runs_then_when_the_condition_passes() {
        assert_eq!(run(&choice(), "x"), vec![Value::text("yes-x")]);
    }

    #[test]
    fn choice_runs_else_when_it_fails() {
        assert_eq!(run(&choice(), "y"), vec![Value::text("no-y")]);
        assert_eq!(choice().calls().len(), 2);
    }

    #[test]
    fn entries_run_in_order() {
        let chain = FilterChain {
            entries: vec![
                filter(FilterKind::Clear, &[]),
                filter(FilterKind::ConcatString, &["b", "right"]),
                filter(FilterKind::ConcatString, &["a", "left"]),
            ],
        };
        assert_eq!(run(&chain, "zzz"), vec![Value::text("ab")]);
    }
}

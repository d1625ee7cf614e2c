//! XPath filters for event subscriptions: compile once with [`Filter::compile`], then test
//! each received event with [`Filter::matches`].
//!
//! `lex` splits the text into tokens and `parse` builds the `ast`, resolving prefixes through
//! [`Namespaces`] (where `e` is bound to the events namespace by default) and refusing what
//! it does not support with the character position; `eval` evaluates the tree over a
//! [`Document`] with XPath 1.0 semantics. The context node is the document element — the
//! `<Event>` envelope for wrapped events, as the original's lxml-based filters saw it — so both
//! `//e:NodeStatus[e:Load > 2]` and `e:NodeStatus[e:Load > 2]` select from an envelope.

mod ast;
mod eval;
mod lex;
mod parse;

use crate::document::{Document, Element};
use crate::error::Result;
use crate::EVENTS_NS;
use eval::{Evaluator, NodeRef};
use std::collections::BTreeMap;

/// Prefix bindings for filters. [`Namespaces::default`] binds `e` to the events namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespaces {
    map: BTreeMap<String, String>,
}

impl Default for Namespaces {
    fn default() -> Self {
        let mut map = BTreeMap::new();
        map.insert("e".to_string(), EVENTS_NS.to_string());
        Namespaces { map }
    }
}

impl Namespaces {
    /// No bindings at all (not even `e`).
    pub fn empty() -> Self {
        Namespaces {
            map: BTreeMap::new(),
        }
    }

    /// Binds (or rebinds) `prefix` to `uri`.
    pub fn bind(&mut self, prefix: impl Into<String>, uri: impl Into<String>) -> &mut Self {
        self.map.insert(prefix.into(), uri.into());
        self
    }

    /// The same bindings plus one more, for chaining.
    pub fn with(mut self, prefix: impl Into<String>, uri: impl Into<String>) -> Self {
        self.bind(prefix, uri);
        self
    }

    /// Parses a `prefix=URI` binding as given on a command line (`--ns p=URI`).
    pub fn bind_spec(&mut self, spec: &str) -> Result<&mut Self> {
        match spec.split_once('=') {
            Some((p, uri)) if crate::schema::is_ncname(p.trim()) && !uri.trim().is_empty() => {
                Ok(self.bind(p.trim(), uri.trim()))
            }
            _ => Err(crate::Error::new(
                crate::ErrorKind::XPath,
                format!("bad namespace binding '{spec}': expected prefix=URI"),
            )),
        }
    }

    /// The URI bound to `prefix`.
    pub fn get(&self, prefix: &str) -> Option<&str> {
        self.map.get(prefix).map(String::as_str)
    }
}

/// The evaluation budget of [`Filter::matches`], [`Filter::select`] and
/// [`Filter::select_strings`]: ample for any event a node accepts, and it bounds a filter built
/// to explode (`//*[//*[//*[…]]]`) to a fraction of a second.
pub const DEFAULT_BUDGET: u64 = 200_000;

/// A compiled filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    source: String,
    expr: ast::Expr,
}

impl Filter {
    /// Compiles a filter; a syntax error, unbound prefix, unknown function or unsupported
    /// construct is an [`crate::ErrorKind::XPath`] error naming the character position.
    pub fn compile(source: &str, namespaces: &Namespaces) -> Result<Filter> {
        Ok(Filter {
            source: source.to_string(),
            expr: parse::parse(source, namespaces)?,
        })
    }

    /// The filter as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the document matches: the expression, evaluated with the document element as
    /// context, is true (a non-empty node-set, a non-zero number, a non-empty string). A
    /// filter that spends [`DEFAULT_BUDGET`] steps on the document does not match.
    pub fn matches(&self, doc: &Document) -> bool {
        self.matches_at(doc.root())
    }

    /// Like [`Filter::matches`] with another context element.
    pub fn matches_at(&self, context: Element<'_>) -> bool {
        self.matches_within(context, DEFAULT_BUDGET)
            .unwrap_or(false)
    }

    /// Like [`Filter::matches_at`] within `budget` evaluation steps (every expression
    /// evaluated and every node an axis visits costs one); running out is an
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) error naming the `xpath_budget` limit.
    pub fn matches_within(&self, context: Element<'_>, budget: u64) -> Result<bool> {
        let ev = Evaluator::new(context.document(), budget);
        let value = ev.eval_at(&self.expr, NodeRef::Node(context.id()));
        let matched = ev.truth(value);
        if ev.exhausted() {
            return Err(crate::Error::over_limit(
                crate::Limit::XPathBudget,
                format!(
                    "filter '{}' needs more than {budget} evaluation steps on this event (limit xpath_budget)",
                    self.source
                ),
            ));
        }
        Ok(matched)
    }

    /// The elements a path filter selects (in document order); empty for non-path filters.
    pub fn select<'d>(&self, doc: &'d Document) -> Vec<Element<'d>> {
        let ev = Evaluator::new(doc, DEFAULT_BUDGET);
        let value = ev.eval_at(&self.expr, NodeRef::Node(doc.root().id()));
        ev.nodes(value)
            .into_iter()
            .filter_map(|n| match n {
                NodeRef::Node(id) => doc.element(id),
                NodeRef::Root | NodeRef::Attr(..) => None,
            })
            .collect()
    }

    /// The string-values of what the filter selects (elements, attributes or text), or the
    /// value itself converted to a string for non-path filters.
    pub fn select_strings(&self, doc: &Document) -> Vec<String> {
        let ev = Evaluator::new(doc, DEFAULT_BUDGET);
        match ev.eval_at(&self.expr, NodeRef::Node(doc.root().id())) {
            eval::Value::Nodes(nodes) => nodes
                .into_iter()
                .map(|n| ev.string_value(n).into_owned())
                .collect(),
            eval::Value::Str(s) => vec![s.into_owned()],
            eval::Value::Number(n) => vec![n.to_string()],
            eval::Value::Bool(b) => vec![b.to_string()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::wrap;

    fn status(load: &str) -> Document {
        Document::parse(&wrap(&format!(
            "<NodeStatus><Id>n</Id><Load>{load}</Load><Latency>0.1</Latency><Workers>4</Workers></NodeStatus>"
        )))
        .unwrap()
    }

    fn filter(s: &str) -> Filter {
        Filter::compile(s, &Namespaces::default()).unwrap()
    }

    #[test]
    fn exploding_filter_runs_out_of_budget_instead_of_hanging() {
        let many: String = (0..200).map(|i| format!("<x{i}/>")).collect();
        let doc = Document::parse(&format!("<r>{many}</r>")).unwrap();
        let nested = "//*[".repeat(12) + "1" + &"]".repeat(12);
        let f = filter(&nested);
        let err = f.matches_within(doc.root(), 10_000).unwrap_err();
        assert_eq!(err.limit(), Some(crate::Limit::XPathBudget), "{err}");
        assert!(err.message().contains("xpath_budget"), "{err}");
        assert!(!f.matches(&doc));
        // A plain filter fits easily.
        assert_eq!(filter("//*").matches_within(doc.root(), 10_000), Ok(true));
    }

    #[test]
    fn load_filter_matches_exactly_the_busy_nodes() {
        let f = filter("//e:NodeStatus[e:Load > 2]");
        assert!(f.matches(&status("2.5")));
        assert!(f.matches(&status(" 3 ")));
        assert!(!f.matches(&status("2")));
        assert!(!f.matches(&status("0.75")));
        assert!(!f.matches(&status("high")));
        let leave = Document::parse(&wrap("<NodeLeave><Id>n</Id></NodeLeave>")).unwrap();
        assert!(!f.matches(&leave));
    }

    #[test]
    fn relative_paths_start_at_the_envelope() {
        assert!(filter("e:NodeStatus[e:Load > 2]").matches(&status("5")));
        assert!(filter("/e:Event/e:NodeStatus/e:Id = 'n'").matches(&status("5")));
        assert!(!filter("/e:NodeStatus").matches(&status("5")));
    }

    #[test]
    fn node_set_comparisons_are_existential() {
        let d = Document::parse(&wrap("<X><V>1</V><V>5</V><V>abc</V></X>")).unwrap();
        assert!(filter("//e:V > 4").matches(&d));
        assert!(filter("//e:V < 2").matches(&d));
        assert!(filter("//e:V = 'abc'").matches(&d));
        assert!(filter("//e:V != 1").matches(&d));
        assert!(!filter("//e:V > 5").matches(&d));
        assert!(filter("//e:V = //e:V[2]").matches(&d));
        assert!(!filter("//e:Missing = //e:Missing").matches(&d));
    }

    #[test]
    fn functions_and_boolean_logic() {
        let d = Document::parse(&wrap(
            "<Notification><Target>admin</Target><Body>disk full on /var</Body></Notification>",
        ))
        .unwrap();
        assert!(
            filter("contains(//e:Body, 'disk') and starts-with(//e:Target, 'adm')").matches(&d)
        );
        assert!(filter("not(//e:Title)").matches(&d));
        assert!(filter("//e:Title or //e:Body").matches(&d));
        assert!(!filter("//e:Title and //e:Body").matches(&d));
        assert!(filter("count(//e:Notification/*) = 2").matches(&d));
        assert!(filter("string-length(//e:Target) = 5").matches(&d));
        assert!(filter("local-name(/*/*) = 'Notification'").matches(&d));
    }

    #[test]
    fn attributes_text_wildcards_and_positions() {
        let d = Document::parse(
            r#"<r xmlns:p="urn:p"><i n="1">a</i><i n="2">b</i><p:i n="3">c</p:i></r>"#,
        )
        .unwrap();
        let ns = Namespaces::default().with("p", "urn:p");
        let f = |s: &str| Filter::compile(s, &ns).unwrap();
        assert!(f("/r/i[@n = 2]").matches(&d));
        assert!(f("i[1]/text() = 'a'").matches(&d));
        assert!(f("i[last()] = 'b'").matches(&d));
        assert!(f("count(*) = 3").matches(&d));
        assert!(f("count(p:*) = 1").matches(&d));
        assert!(f("//p:i/@n = 3").matches(&d));
        assert!(f("//@n[. = 3]/..").matches(&d));
        assert!(!f("i[3]").matches(&d));
        assert_eq!(f("//i/@n").select_strings(&d), ["1", "2"]);
        assert_eq!(f("//*[@n > 1]").select(&d).len(), 2);
    }

    #[test]
    fn bind_spec_parses_command_line_bindings() {
        let mut ns = Namespaces::empty();
        ns.bind_spec("inv=http://www.gonicus.de/Events/Inventory")
            .unwrap();
        assert_eq!(
            ns.get("inv"),
            Some("http://www.gonicus.de/Events/Inventory")
        );
        assert!(ns.bind_spec("no-equals").is_err());
        assert!(Filter::compile("e:X", &ns).is_err());
    }
}

//! Evaluating compiled XPath expressions over a [`Document`], with XPath 1.0 semantics.
//!
//! Values are node-sets, numbers, strings and booleans; comparisons follow XPath 1.0 §3.4:
//! a node-set compared with a number is true if *any* node's string-value, converted to a
//! number, satisfies the comparison (so `e:Load > 2` works on text like `2.5`), with a string
//! if any node's string-value matches, and two node-sets if any pair does. Node-sets are kept
//! in document order without duplicates, which the arena's node numbering gives for free.
//! Evaluation cannot fail: type errors were refused when the filter was compiled.

use super::ast::{Axis, CmpOp, Expr, Func, NodeTest, Step};
use crate::document::{Document, NodeData, NodeId};
use std::borrow::Cow;
use std::cell::Cell;

/// A node: the document node, an element or text node, or an attribute (element, index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeRef {
    Root,
    Node(NodeId),
    Attr(NodeId, usize),
}

impl NodeRef {
    /// Document-order key: attributes come after their element and before its children.
    fn key(self) -> (u64, u64) {
        match self {
            NodeRef::Root => (0, 0),
            NodeRef::Node(id) => (u64::from(id.0) + 1, 0),
            NodeRef::Attr(id, i) => (u64::from(id.0) + 1, i as u64 + 1),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Value<'d> {
    Nodes(Vec<NodeRef>),
    Number(f64),
    Str(Cow<'d, str>),
    Bool(bool),
}

#[derive(Clone, Copy)]
struct Ctx {
    node: NodeRef,
    position: usize,
    size: usize,
}

pub(crate) struct Evaluator<'d> {
    pub(crate) doc: &'d Document,
    /// Steps left: every expression evaluated and every node an axis visits costs one, a
    /// string value its length / 64. Nesting (`//*[//*[…]]`) multiplies the work, so without
    /// a budget a filter could hold a subscriber for hours.
    budget: Cell<u64>,
    exhausted: Cell<bool>,
}

impl<'d> Evaluator<'d> {
    /// An evaluator over `doc` that stops after `budget` steps.
    pub(crate) fn new(doc: &'d Document, budget: u64) -> Self {
        Evaluator {
            doc,
            budget: Cell::new(budget),
            exhausted: Cell::new(false),
        }
    }

    /// Whether the budget ran out (the result is then meaningless).
    pub(crate) fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Spends `steps`; false (and exhausted from then on) when the budget does not cover them.
    fn charge(&self, steps: u64) -> bool {
        let left = self.budget.get();
        if self.exhausted.get() || left < steps {
            self.exhausted.set(true);
            self.budget.set(0);
            return false;
        }
        self.budget.set(left - steps);
        true
    }

    /// Evaluates `expr` with `node` as the context node.
    pub(crate) fn eval_at(&self, expr: &Expr, node: NodeRef) -> Value<'d> {
        self.eval(
            expr,
            Ctx {
                node,
                position: 1,
                size: 1,
            },
        )
    }

    fn eval(&self, expr: &Expr, ctx: Ctx) -> Value<'d> {
        if !self.charge(1) {
            return Value::Nodes(Vec::new());
        }
        match expr {
            Expr::Or(a, b) => {
                Value::Bool(self.truth(self.eval(a, ctx)) || self.truth(self.eval(b, ctx)))
            }
            Expr::And(a, b) => {
                Value::Bool(self.truth(self.eval(a, ctx)) && self.truth(self.eval(b, ctx)))
            }
            Expr::Compare(op, a, b) => {
                Value::Bool(self.compare(*op, self.eval(a, ctx), self.eval(b, ctx)))
            }
            Expr::Union(a, b) => {
                let mut nodes = self.nodes(self.eval(a, ctx));
                nodes.extend(self.nodes(self.eval(b, ctx)));
                Value::Nodes(normalise(nodes))
            }
            Expr::Negate(e) => Value::Number(-self.number(self.eval(e, ctx))),
            Expr::Number(n) => Value::Number(*n),
            Expr::Literal(s) => Value::Str(Cow::Owned(s.clone())),
            Expr::Call(f, args) => self.call(*f, args, ctx),
            Expr::Path(p) => {
                let start = if p.absolute {
                    vec![NodeRef::Root]
                } else {
                    vec![ctx.node]
                };
                Value::Nodes(self.steps(start, &p.steps))
            }
            Expr::Filter(primary, predicates, steps) => {
                let mut nodes = self.nodes(self.eval(primary, ctx));
                for pred in predicates {
                    nodes = self.filter(nodes, pred);
                }
                Value::Nodes(self.steps(nodes, steps))
            }
        }
    }

    fn steps(&self, mut nodes: Vec<NodeRef>, steps: &[Step]) -> Vec<NodeRef> {
        for step in steps {
            let mut next = Vec::new();
            for &n in &nodes {
                if self.exhausted() {
                    return Vec::new();
                }
                let mut selected = self.axis(n, step);
                for pred in &step.predicates {
                    selected = self.filter(selected, pred);
                }
                next.extend(selected);
            }
            nodes = normalise(next);
        }
        nodes
    }

    /// Nodes on `step`'s axis from `n` that pass its node test, in axis order.
    fn axis(&self, n: NodeRef, step: &Step) -> Vec<NodeRef> {
        let mut out = Vec::new();
        let test = |r: NodeRef| self.charge(1) && self.test(r, &step.test, step.axis);
        match step.axis {
            Axis::Child => self.children(n, &mut |c| {
                if test(c) {
                    out.push(c)
                }
            }),
            Axis::Descendant | Axis::DescendantOrSelf => {
                if step.axis == Axis::DescendantOrSelf && test(n) {
                    out.push(n);
                }
                self.descendants(n, &mut |c| {
                    if test(c) {
                        out.push(c)
                    }
                });
            }
            Axis::Itself => {
                if test(n) {
                    out.push(n)
                }
            }
            Axis::Parent => {
                if let Some(p) = self.parent(n).filter(|&p| test(p)) {
                    out.push(p)
                }
            }
            Axis::Ancestor => {
                let mut current = self.parent(n);
                while let Some(p) = current {
                    if test(p) {
                        out.push(p);
                    }
                    current = self.parent(p);
                }
            }
            Axis::Attribute => {
                if let NodeRef::Node(id) = n {
                    if let Some(el) = self.doc.element(id) {
                        for i in 0..el.attribute_count() {
                            let a = NodeRef::Attr(id, i);
                            if test(a) {
                                out.push(a);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn children(&self, n: NodeRef, f: &mut dyn FnMut(NodeRef)) {
        match n {
            NodeRef::Root => f(NodeRef::Node(self.doc.root().id())),
            NodeRef::Node(id) => {
                if let Some(el) = self.doc.element(id) {
                    for &c in el.child_ids() {
                        f(NodeRef::Node(c));
                    }
                }
            }
            NodeRef::Attr(..) => {}
        }
    }

    fn descendants(&self, n: NodeRef, f: &mut dyn FnMut(NodeRef)) {
        let mut stack = Vec::new();
        self.children(n, &mut |c| stack.push(c));
        stack.reverse();
        while let Some(c) = stack.pop() {
            if self.exhausted() {
                return;
            }
            f(c);
            let before = stack.len();
            self.children(c, &mut |g| stack.push(g));
            stack[before..].reverse();
        }
    }

    fn parent(&self, n: NodeRef) -> Option<NodeRef> {
        match n {
            NodeRef::Root => None,
            NodeRef::Attr(id, _) => Some(NodeRef::Node(id)),
            NodeRef::Node(id) => Some(match self.doc.node(id)?.parent {
                Some(p) => NodeRef::Node(p),
                None => NodeRef::Root,
            }),
        }
    }

    fn test(&self, n: NodeRef, test: &NodeTest, axis: Axis) -> bool {
        let principal_attr = axis == Axis::Attribute;
        let (ns, local) = match n {
            NodeRef::Root => return matches!(test, NodeTest::Node),
            NodeRef::Node(id) => match self.doc.node(id).map(|x| &x.data) {
                Some(NodeData::Text(_)) => return matches!(test, NodeTest::Node | NodeTest::Text),
                Some(NodeData::Element(_)) if principal_attr => return false,
                Some(NodeData::Element(_)) => match self.doc.element(id) {
                    Some(el) => (el.namespace(), el.local_name()),
                    None => return false,
                },
                None => return false,
            },
            NodeRef::Attr(_, _) if matches!(test, NodeTest::Node) => return true,
            NodeRef::Attr(id, i) => match self.doc.element(id).and_then(|e| e.attribute_at(i)) {
                Some(a) if principal_attr => (a.namespace(), a.local_name()),
                _ => return false,
            },
        };
        match test {
            NodeTest::Node | NodeTest::Any => true,
            NodeTest::Text => false,
            NodeTest::Namespace(uri) => ns == uri,
            NodeTest::Name(uri, name) => local == name && ns == uri,
        }
    }

    fn filter(&self, nodes: Vec<NodeRef>, pred: &Expr) -> Vec<NodeRef> {
        let size = nodes.len();
        nodes
            .into_iter()
            .enumerate()
            .filter(|&(i, node)| {
                let ctx = Ctx {
                    node,
                    position: i + 1,
                    size,
                };
                match self.eval(pred, ctx) {
                    Value::Number(n) => n == (i + 1) as f64,
                    other => self.truth(other),
                }
            })
            .map(|(_, n)| n)
            .collect()
    }

    pub(crate) fn string_value(&self, n: NodeRef) -> Cow<'d, str> {
        if self.exhausted() {
            return Cow::Borrowed("");
        }
        let value = self.string_value_unbudgeted(n);
        // An element's string value walks its subtree: charge for what it gathered.
        if !self.charge(value.len() as u64 / 64) {
            return Cow::Borrowed("");
        }
        value
    }

    fn string_value_unbudgeted(&self, n: NodeRef) -> Cow<'d, str> {
        match n {
            NodeRef::Root => self.doc.root().string_value(),
            NodeRef::Node(id) => match self.doc.node(id).map(|x| &x.data) {
                Some(NodeData::Text(t)) => Cow::Borrowed(t),
                Some(NodeData::Element(_)) => self
                    .doc
                    .element(id)
                    .map_or(Cow::Borrowed(""), |e| e.string_value()),
                None => Cow::Borrowed(""),
            },
            NodeRef::Attr(id, i) => self
                .doc
                .element(id)
                .and_then(|e| e.attribute_at(i))
                .map_or(Cow::Borrowed(""), |a| Cow::Borrowed(a.value())),
        }
    }

    pub(crate) fn nodes(&self, v: Value<'d>) -> Vec<NodeRef> {
        match v {
            Value::Nodes(n) => n,
            _ => Vec::new(),
        }
    }

    pub(crate) fn truth(&self, v: Value<'d>) -> bool {
        match v {
            Value::Nodes(n) => !n.is_empty(),
            Value::Number(n) => n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Bool(b) => b,
        }
    }

    fn number(&self, v: Value<'d>) -> f64 {
        match v {
            Value::Number(n) => n,
            Value::Bool(b) => f64::from(u8::from(b)),
            Value::Str(s) => str_to_number(&s),
            Value::Nodes(n) => n
                .first()
                .map_or(f64::NAN, |&x| str_to_number(&self.string_value(x))),
        }
    }

    fn string(&self, v: Value<'d>) -> Cow<'d, str> {
        match v {
            Value::Str(s) => s,
            Value::Number(n) => Cow::Owned(number_to_string(n)),
            Value::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
            Value::Nodes(n) => n
                .first()
                .map_or(Cow::Borrowed(""), |&x| self.string_value(x)),
        }
    }

    fn compare(&self, op: CmpOp, a: Value<'d>, b: Value<'d>) -> bool {
        match (a, b) {
            (Value::Nodes(x), Value::Nodes(y)) => {
                let ys: Vec<Cow<'d, str>> = y.iter().map(|&n| self.string_value(n)).collect();
                x.iter().any(|&n| {
                    let sx = self.string_value(n);
                    ys.iter()
                        .any(|sy| compare_atoms(op, Value::Str(sx.clone()), Value::Str(sy.clone())))
                })
            }
            (Value::Nodes(x), other) => self.any_node(op, &x, other, false),
            (other, Value::Nodes(y)) => self.any_node(op, &y, other, true),
            (a, b) => compare_atoms(op, a, b),
        }
    }

    /// Node-set against an atomic value (`swapped` when the node-set is on the right).
    fn any_node(&self, op: CmpOp, nodes: &[NodeRef], other: Value<'d>, swapped: bool) -> bool {
        if let Value::Bool(b) = other {
            let left = Value::Bool(!nodes.is_empty());
            return if swapped {
                compare_atoms(op, Value::Bool(b), left)
            } else {
                compare_atoms(op, left, Value::Bool(b))
            };
        }
        nodes.iter().any(|&n| {
            let s = self.string_value(n);
            let node_value = match other {
                Value::Number(_) => Value::Number(str_to_number(&s)),
                _ => Value::Str(s),
            };
            if swapped {
                compare_atoms(op, other.clone(), node_value)
            } else {
                compare_atoms(op, node_value, other.clone())
            }
        })
    }

    fn call(&self, f: Func, args: &[Expr], ctx: Ctx) -> Value<'d> {
        let arg = |i: usize| self.eval(&args[i], ctx);
        let string_arg = |i: usize| -> Cow<'d, str> {
            if args.len() > i {
                self.string(arg(i))
            } else {
                self.string_value(ctx.node)
            }
        };
        let node_arg = |i: usize| -> Option<NodeRef> {
            if args.len() > i {
                self.nodes(arg(i)).first().copied()
            } else {
                Some(ctx.node)
            }
        };
        match f {
            Func::Not => Value::Bool(!self.truth(arg(0))),
            Func::True => Value::Bool(true),
            Func::False => Value::Bool(false),
            Func::Boolean => Value::Bool(self.truth(arg(0))),
            Func::Contains => Value::Bool(self.string(arg(0)).contains(&*self.string(arg(1)))),
            Func::StartsWith => Value::Bool(self.string(arg(0)).starts_with(&*self.string(arg(1)))),
            Func::String => Value::Str(string_arg(0)),
            Func::Number => Value::Number(if args.is_empty() {
                str_to_number(&self.string_value(ctx.node))
            } else {
                self.number(arg(0))
            }),
            Func::StringLength => Value::Number(string_arg(0).chars().count() as f64),
            Func::NormalizeSpace => Value::Str(Cow::Owned(
                string_arg(0)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            Func::Concat => Value::Str(Cow::Owned(
                (0..args.len()).map(|i| self.string(arg(i))).collect(),
            )),
            Func::Count => Value::Number(self.nodes(arg(0)).len() as f64),
            Func::Sum => Value::Number(
                self.nodes(arg(0))
                    .iter()
                    .map(|&n| str_to_number(&self.string_value(n)))
                    .sum(),
            ),
            Func::LocalName | Func::NamespaceUri => {
                let name = match node_arg(0) {
                    Some(NodeRef::Node(id)) => self.doc.element(id).map(|e| {
                        if f == Func::LocalName {
                            e.local_name()
                        } else {
                            e.namespace()
                        }
                    }),
                    Some(NodeRef::Attr(id, i)) => self
                        .doc
                        .element(id)
                        .and_then(|e| e.attribute_at(i))
                        .map(|a| {
                            if f == Func::LocalName {
                                a.local_name()
                            } else {
                                a.namespace()
                            }
                        }),
                    _ => None,
                };
                Value::Str(Cow::Borrowed(name.unwrap_or("")))
            }
            Func::Position => Value::Number(ctx.position as f64),
            Func::Last => Value::Number(ctx.size as f64),
        }
    }
}

/// Sorts into document order and removes duplicates.
fn normalise(mut nodes: Vec<NodeRef>) -> Vec<NodeRef> {
    nodes.sort_by_key(|n| n.key());
    nodes.dedup();
    nodes
}

fn compare_atoms(op: CmpOp, a: Value<'_>, b: Value<'_>) -> bool {
    let to_num = |v: &Value<'_>| match v {
        Value::Number(n) => *n,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => str_to_number(s),
        Value::Nodes(_) => f64::NAN,
    };
    match op {
        CmpOp::Eq | CmpOp::Ne => {
            let equal = match (&a, &b) {
                (Value::Bool(_), _) | (_, Value::Bool(_)) => {
                    let truth = |v: &Value<'_>| match v {
                        Value::Bool(b) => *b,
                        Value::Number(n) => *n != 0.0 && !n.is_nan(),
                        Value::Str(s) => !s.is_empty(),
                        Value::Nodes(n) => !n.is_empty(),
                    };
                    truth(&a) == truth(&b)
                }
                (Value::Number(_), _) | (_, Value::Number(_)) => to_num(&a) == to_num(&b),
                (Value::Str(x), Value::Str(y)) => x == y,
                _ => false,
            };
            equal == (op == CmpOp::Eq)
        }
        CmpOp::Lt => to_num(&a) < to_num(&b),
        CmpOp::Le => to_num(&a) <= to_num(&b),
        CmpOp::Gt => to_num(&a) > to_num(&b),
        CmpOp::Ge => to_num(&a) >= to_num(&b),
    }
}

/// XPath 1.0 `number()` of a string: optional whitespace, optional minus, digits with an
/// optional fraction; anything else is NaN (no exponents, no `+`).
pub(crate) fn str_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let body = t.strip_prefix('-').unwrap_or(t);
    let valid = !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|&b| b == b'.').count() <= 1
        && body != ".";
    if valid {
        t.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// XPath 1.0 `string()` of a number.
fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if n == 0.0 {
        "0".into()
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_xpath_1() {
        assert_eq!(str_to_number(" 2.5 "), 2.5);
        assert_eq!(str_to_number("-1"), -1.0);
        assert!(str_to_number("1e3").is_nan());
        assert!(str_to_number("+1").is_nan());
        assert!(str_to_number("high").is_nan());
        assert_eq!(number_to_string(2.0), "2");
        assert_eq!(number_to_string(-0.0), "0");
        assert_eq!(number_to_string(0.5), "0.5");
    }
}

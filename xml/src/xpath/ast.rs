//! The expression tree of a compiled filter: what `parse` produces and `eval` walks.
//!
//! Names in node tests are already resolved to namespace URIs and functions to [`Func`], so
//! the tree needs nothing else to evaluate.

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    Union(Box<Expr>, Box<Expr>),
    Negate(Box<Expr>),
    Number(f64),
    Literal(String),
    Call(Func, Vec<Expr>),
    Path(Path),
    /// `primary[predicates]/steps`
    Filter(Box<Expr>, Vec<Expr>, Vec<Step>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    pub(crate) absolute: bool,
    pub(crate) steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub(crate) axis: Axis,
    pub(crate) test: NodeTest,
    pub(crate) predicates: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Axis {
    Child,
    Descendant,
    DescendantOrSelf,
    Itself,
    Parent,
    Ancestor,
    Attribute,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeTest {
    /// A name in a namespace (`""` = none).
    Name(String, String),
    /// `prefix:*`
    Namespace(String),
    /// `*`
    Any,
    Text,
    Node,
}

/// The supported functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Not,
    True,
    False,
    Boolean,
    Contains,
    StartsWith,
    String,
    Number,
    StringLength,
    NormalizeSpace,
    Concat,
    Count,
    Sum,
    LocalName,
    NamespaceUri,
    Position,
    Last,
}

impl Func {
    pub(crate) fn lookup(name: &str) -> Option<(Func, usize, Option<usize>)> {
        Some(match name {
            "not" => (Func::Not, 1, Some(1)),
            "true" => (Func::True, 0, Some(0)),
            "false" => (Func::False, 0, Some(0)),
            "boolean" => (Func::Boolean, 1, Some(1)),
            "contains" => (Func::Contains, 2, Some(2)),
            "starts-with" => (Func::StartsWith, 2, Some(2)),
            "string" => (Func::String, 0, Some(1)),
            "number" => (Func::Number, 0, Some(1)),
            "string-length" => (Func::StringLength, 0, Some(1)),
            "normalize-space" => (Func::NormalizeSpace, 0, Some(1)),
            "concat" => (Func::Concat, 2, None),
            "count" => (Func::Count, 1, Some(1)),
            "sum" => (Func::Sum, 1, Some(1)),
            "local-name" => (Func::LocalName, 0, Some(1)),
            "namespace-uri" => (Func::NamespaceUri, 0, Some(1)),
            "position" => (Func::Position, 0, Some(0)),
            "last" => (Func::Last, 0, Some(0)),
            _ => return None,
        })
    }

    /// Functions whose argument must be a node-set.
    pub(crate) fn needs_nodes(self) -> bool {
        matches!(
            self,
            Func::Count | Func::Sum | Func::LocalName | Func::NamespaceUri
        )
    }
}

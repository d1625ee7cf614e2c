//! Parsing the XPath subset into an expression tree, with namespace prefixes resolved and
//! function names and arities checked, so evaluation cannot fail later.
//!
//! Grammar (XPath 1.0 minus arithmetic other than unary minus):
//! `or`, `and`, `=`, `!=`, `<`, `<=`, `>`, `>=`, `|` (union), location paths (absolute,
//! relative, `//`, `.`, `..`, `@name`, `*`, `prefix:*`, `text()`, `node()`, the axes `child`,
//! `descendant`, `descendant-or-self`, `self`, `parent`, `ancestor`, `attribute`), predicates
//! (boolean or positional), parenthesised expressions, number and string literals, and the
//! core functions listed in [`Func`]. An unprefixed name test means "no namespace", as in
//! XPath 1.0; the caller's [`Namespaces`] resolve prefixes. Errors name the character
//! position.

use super::ast::{Axis, CmpOp, Expr, Func, NodeTest, Path, Step};
use super::lex::{describe, error, lex, symbol, Tok};
use super::Namespaces;
use crate::error::Result;

/// Deepest nesting of sub-expressions accepted in a filter.
const MAX_NESTING: usize = 64;

/// Parses `source` into an expression.
pub(crate) fn parse(source: &str, namespaces: &Namespaces) -> Result<Expr> {
    let tokens = lex(source)?;
    if tokens.is_empty() {
        return Err(error(1, "the filter is empty".into()));
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        namespaces,
        end: source.chars().count() + 1,
        depth: 0,
    };
    let expr = p.or_expr()?;
    if let Some((t, at)) = p.tokens.get(p.pos) {
        return Err(error(
            *at,
            format!("unexpected {} after a complete expression", describe(t)),
        ));
    }
    Ok(expr)
}

struct Parser<'n> {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    namespaces: &'n Namespaces,
    end: usize,
    depth: usize,
}

impl<'n> Parser<'n> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + k).map(|(t, _)| t)
    }

    fn here(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, at)| *at)
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok) -> Result<()> {
        if self.eat(t) {
            return Ok(());
        }
        let found = match self.peek() {
            Some(f) => describe(f),
            None => "the end".into(),
        };
        Err(error(
            self.here(),
            format!("expected '{}', found {found}", symbol(t)),
        ))
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == word)
    }

    fn or_expr(&mut self) -> Result<Expr> {
        // Every nesting (parentheses, predicates, arguments) comes through here; bounding it
        // keeps a hostile filter from exhausting the stack of this parser or the evaluator.
        if self.depth >= MAX_NESTING {
            return Err(error(
                self.here(),
                format!("nested deeper than {MAX_NESTING} levels"),
            ));
        }
        self.depth += 1;
        let result = self.or_chain();
        self.depth -= 1;
        result
    }

    /// `operand (keyword operand)*`, folded to the left with `join`.
    fn keyword_chain(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Result<Expr>,
        join: fn(Box<Expr>, Box<Expr>) -> Expr,
    ) -> Result<Expr> {
        let mut left = operand(self)?;
        while self.is_keyword(keyword) {
            self.pos += 1;
            left = join(Box::new(left), Box::new(operand(self)?));
        }
        Ok(left)
    }

    fn or_chain(&mut self) -> Result<Expr> {
        self.keyword_chain("or", Self::and_expr, Expr::Or)
    }

    fn and_expr(&mut self) -> Result<Expr> {
        self.keyword_chain("and", Self::equality, Expr::And)
    }

    fn equality(&mut self) -> Result<Expr> {
        let mut left = self.relational()?;
        while let Some(Tok::Op(op @ (CmpOp::Eq | CmpOp::Ne))) = self.peek().cloned() {
            self.pos += 1;
            left = Expr::Compare(op, Box::new(left), Box::new(self.relational()?));
        }
        Ok(left)
    }

    fn relational(&mut self) -> Result<Expr> {
        let mut left = self.unary()?;
        while let Some(Tok::Op(op @ (CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge))) =
            self.peek().cloned()
        {
            self.pos += 1;
            left = Expr::Compare(op, Box::new(left), Box::new(self.unary()?));
        }
        if let Some(t @ (Tok::Plus | Tok::Minus | Tok::Star)) = self.peek() {
            let what = describe(t);
            return Err(error(
                self.here(),
                format!("arithmetic ({what}) is not supported in filters"),
            ));
        }
        if self.is_keyword("div") || self.is_keyword("mod") {
            return Err(error(
                self.here(),
                "arithmetic (div, mod) is not supported in filters".into(),
            ));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr> {
        // Count the minus signs instead of recursing on each: `--x` is `x`, `---x` is `-x`.
        let mut negations = 0usize;
        while self.eat(&Tok::Minus) {
            negations += 1;
        }
        let operand = self.union()?;
        Ok(if negations % 2 == 1 {
            Expr::Negate(Box::new(operand))
        } else if negations > 0 {
            Expr::Negate(Box::new(Expr::Negate(Box::new(operand))))
        } else {
            operand
        })
    }

    fn union(&mut self) -> Result<Expr> {
        let at = self.here();
        let mut left = self.path_expr()?;
        while self.eat(&Tok::Pipe) {
            let right_at = self.here();
            let right = self.path_expr()?;
            check_nodes(&left, at)?;
            check_nodes(&right, right_at)?;
            left = Expr::Union(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn path_expr(&mut self) -> Result<Expr> {
        match self.peek() {
            Some(Tok::Number(_) | Tok::Literal(_) | Tok::LParen) => self.filter_expr(),
            Some(Tok::Name(_)) if self.peek_at(1) == Some(&Tok::LParen) && !self.is_node_type() => {
                self.filter_expr()
            }
            Some(Tok::Slash) => {
                self.pos += 1;
                let steps = if self.starts_step() {
                    self.relative_steps()?
                } else {
                    Vec::new()
                };
                Ok(Expr::Path(Path {
                    absolute: true,
                    steps,
                }))
            }
            Some(Tok::DoubleSlash) => {
                self.pos += 1;
                let mut steps = vec![descendant_or_self()];
                steps.extend(self.relative_steps()?);
                Ok(Expr::Path(Path {
                    absolute: true,
                    steps,
                }))
            }
            _ if self.starts_step() => Ok(Expr::Path(Path {
                absolute: false,
                steps: self.relative_steps()?,
            })),
            Some(t) => Err(error(
                self.here(),
                format!("expected an expression, found {}", describe(t)),
            )),
            None => Err(error(
                self.here(),
                "expected an expression, found the end".into(),
            )),
        }
    }

    fn is_node_type(&self) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == "text" || n == "node")
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::Name(_) | Tok::Star | Tok::At | Tok::Dot | Tok::DotDot)
        )
    }

    fn filter_expr(&mut self) -> Result<Expr> {
        let at = self.here();
        let primary = self.primary()?;
        let mut predicates = Vec::new();
        while self.peek() == Some(&Tok::LBracket) {
            predicates.push(self.predicate()?);
        }
        let mut steps = Vec::new();
        loop {
            if self.eat(&Tok::Slash) {
                steps.push(self.step()?);
            } else if self.eat(&Tok::DoubleSlash) {
                steps.push(descendant_or_self());
                steps.push(self.step()?);
            } else {
                break;
            }
        }
        if predicates.is_empty() && steps.is_empty() {
            return Ok(primary);
        }
        check_nodes(&primary, at)?;
        Ok(Expr::Filter(Box::new(primary), predicates, steps))
    }

    fn primary(&mut self) -> Result<Expr> {
        let at = self.here();
        match self.peek().cloned() {
            Some(Tok::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Tok::Literal(s)) => {
                self.pos += 1;
                Ok(Expr::Literal(s))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or_expr()?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            Some(Tok::Name(name)) => {
                self.pos += 1;
                self.expect(&Tok::LParen)?;
                let Some((func, min, max)) = Func::lookup(&name) else {
                    return Err(error(at, format!("unknown function '{name}()'")));
                };
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) {
                    loop {
                        let arg_at = self.here();
                        let arg = self.or_expr()?;
                        if func.needs_nodes() {
                            check_nodes(&arg, arg_at)?;
                        }
                        args.push(arg);
                        if self.eat(&Tok::RParen) {
                            break;
                        }
                        self.expect(&Tok::Comma)?;
                    }
                }
                if args.len() < min || max.is_some_and(|m| args.len() > m) {
                    let wanted = match max {
                        Some(m) if m == min => format!("{min}"),
                        Some(m) => format!("{min} to {m}"),
                        None => format!("at least {min}"),
                    };
                    return Err(error(
                        at,
                        format!("{name}() takes {wanted} argument(s), got {}", args.len()),
                    ));
                }
                Ok(Expr::Call(func, args))
            }
            _ => Err(error(at, "expected an expression".into())),
        }
    }

    fn predicate(&mut self) -> Result<Expr> {
        self.expect(&Tok::LBracket)?;
        if self.peek() == Some(&Tok::RBracket) {
            return Err(error(self.here(), "empty predicate '[]'".into()));
        }
        let e = self.or_expr()?;
        self.expect(&Tok::RBracket)?;
        Ok(e)
    }

    fn relative_steps(&mut self) -> Result<Vec<Step>> {
        let mut steps = vec![self.step()?];
        loop {
            if self.eat(&Tok::Slash) {
                steps.push(self.step()?);
            } else if self.eat(&Tok::DoubleSlash) {
                steps.push(descendant_or_self());
                steps.push(self.step()?);
            } else {
                return Ok(steps);
            }
        }
    }

    fn step(&mut self) -> Result<Step> {
        let at = self.here();
        if self.eat(&Tok::Dot) {
            return Ok(Step {
                axis: Axis::Itself,
                test: NodeTest::Node,
                predicates: Vec::new(),
            });
        }
        if self.eat(&Tok::DotDot) {
            return Ok(Step {
                axis: Axis::Parent,
                test: NodeTest::Node,
                predicates: Vec::new(),
            });
        }
        let mut axis = Axis::Child;
        if self.eat(&Tok::At) {
            axis = Axis::Attribute;
        } else if let (Some(Tok::Name(name)), Some(Tok::ColonColon)) =
            (self.peek().cloned(), self.peek_at(1))
        {
            axis = match name.as_str() {
                "child" => Axis::Child,
                "descendant" => Axis::Descendant,
                "descendant-or-self" => Axis::DescendantOrSelf,
                "self" => Axis::Itself,
                "parent" => Axis::Parent,
                "ancestor" => Axis::Ancestor,
                "attribute" => Axis::Attribute,
                other => return Err(error(at, format!("axis '{other}' is not supported"))),
            };
            self.pos += 2;
        }
        let test_at = self.here();
        let test = match self.peek().cloned() {
            Some(Tok::Star) => {
                self.pos += 1;
                NodeTest::Any
            }
            Some(Tok::Name(name)) => {
                self.pos += 1;
                if self.peek() == Some(&Tok::LParen) && (name == "text" || name == "node") {
                    self.pos += 1;
                    self.expect(&Tok::RParen)?;
                    if name == "text" {
                        NodeTest::Text
                    } else {
                        NodeTest::Node
                    }
                } else if self.peek() == Some(&Tok::LParen) {
                    return Err(error(
                        test_at,
                        format!("'{name}()' is not a node test (only text() and node())"),
                    ));
                } else {
                    self.name_test(&name, test_at)?
                }
            }
            Some(t) => {
                return Err(error(
                    test_at,
                    format!("expected a name test, found {}", describe(&t)),
                ))
            }
            None => return Err(error(test_at, "expected a name test, found the end".into())),
        };
        let mut predicates = Vec::new();
        while self.peek() == Some(&Tok::LBracket) {
            predicates.push(self.predicate()?);
        }
        Ok(Step {
            axis,
            test,
            predicates,
        })
    }

    fn name_test(&self, name: &str, at: usize) -> Result<NodeTest> {
        let Some((prefix, local)) = name.split_once(':') else {
            return Ok(NodeTest::Name(String::new(), name.to_string()));
        };
        let Some(uri) = self.namespaces.get(prefix) else {
            return Err(error(
                at,
                format!(
                    "namespace prefix '{prefix}' is not bound (bind it in the filter's namespaces)"
                ),
            ));
        };
        Ok(if local == "*" {
            NodeTest::Namespace(uri.to_string())
        } else {
            NodeTest::Name(uri.to_string(), local.to_string())
        })
    }
}

fn descendant_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: NodeTest::Node,
        predicates: Vec::new(),
    }
}

/// Refuses, at compile time, operations that need a node-set on something that is not one.
fn check_nodes(e: &Expr, at: usize) -> Result<()> {
    match e {
        Expr::Path(_) | Expr::Filter(..) | Expr::Union(..) => Ok(()),
        _ => Err(error(at, "expected a node-set (a path) here".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    fn ok(s: &str) -> Expr {
        parse(s, &Namespaces::default()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> Error {
        let e = parse(s, &Namespaces::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::XPath);
        e
    }

    #[test]
    fn parses_the_supported_forms() {
        for s in [
            "//e:NodeStatus[e:Load > 2]",
            "/e:Event/e:NodeStatus/e:Id = 'a'",
            "e:NodeStatus[not(e:Indexed = 'true') and e:Workers >= 4 or e:Load <= 0.5]",
            "//*[@id != \"x\"]/text()",
            "count(//e:NodeMethod) > 3",
            "//e:NodeMethod[1]/e:Name",
            "contains(//e:Body, 'disk') or starts-with(//e:Target, 'adm')",
            "(//e:A | //e:B)[last()]",
            "descendant::e:Id/parent::node()/self::e:NodeStatus",
            "e:*[. = -1.5]",
            "../@x",
        ] {
            ok(s);
        }
    }

    #[test]
    fn resolves_prefixes_at_compile_time() {
        let Expr::Path(p) = ok("e:Foo") else { panic!() };
        assert_eq!(
            p.steps[0].test,
            NodeTest::Name(crate::EVENTS_NS.into(), "Foo".into())
        );
        let Expr::Path(p) = ok("Foo") else { panic!() };
        assert_eq!(p.steps[0].test, NodeTest::Name(String::new(), "Foo".into()));
    }

    #[test]
    fn rejects_bad_filters_naming_the_position() {
        let e = err("//e:NodeStatus[e:Load > ]");
        assert!(e.message().contains("character 25"), "{e}");
        let e = err("//x:Foo");
        assert!(
            e.message().contains("prefix 'x'") && e.message().contains("character 3"),
            "{e}"
        );
        assert!(err("//e:A[").message().contains("expected"));
        assert!(err("frobnicate(1)")
            .message()
            .contains("unknown function 'frobnicate()'"));
        assert!(err("contains('a')").message().contains("takes 2"));
        assert!(err("count(1)").message().contains("node-set"));
        assert!(err("e:A + 1").message().contains("arithmetic"));
        assert!(err("'open").message().contains("unterminated"));
        assert!(err("").message().contains("empty"));
        assert!(err("following::x").message().contains("axis 'following'"));
        assert!(err("e:A e:B")
            .message()
            .contains("after a complete expression"));
        assert!(err("//e:A[]").message().contains("empty predicate"));
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(err(&deep).message().contains("nested deeper"));
    }
}

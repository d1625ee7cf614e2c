//! Splitting filter text into tokens, each with its 1-based character position so every
//! compile error can say where it is.
//!
//! Names may contain `-` and `.` as in XPath (so `starts-with` is one name and `a-1` too);
//! `prefix:local` and `prefix:*` are single tokens, while `::` separates an axis.

use super::ast::CmpOp;
use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Slash,
    DoubleSlash,
    LBracket,
    RBracket,
    LParen,
    RParen,
    At,
    Comma,
    Pipe,
    Dot,
    DotDot,
    ColonColon,
    Star,
    Op(CmpOp),
    Minus,
    Plus,
    Number(f64),
    Literal(String),
    /// An NCName, `prefix:local` or `prefix:*`.
    Name(String),
}

pub(crate) fn error(at: usize, message: String) -> Error {
    Error::new(
        ErrorKind::XPath,
        format!("bad XPath at character {at}: {message}"),
    )
    .at(1, at as u32)
}

pub(crate) fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) => format!("name '{n}'"),
        Tok::Number(n) => format!("number {n}"),
        Tok::Literal(s) => format!("string '{s}'"),
        other => format!("'{}'", symbol(other)),
    }
}

pub(crate) fn symbol(t: &Tok) -> &'static str {
    match t {
        Tok::Slash => "/",
        Tok::DoubleSlash => "//",
        Tok::LBracket => "[",
        Tok::RBracket => "]",
        Tok::LParen => "(",
        Tok::RParen => ")",
        Tok::At => "@",
        Tok::Comma => ",",
        Tok::Pipe => "|",
        Tok::Dot => ".",
        Tok::DotDot => "..",
        Tok::ColonColon => "::",
        Tok::Star => "*",
        Tok::Op(CmpOp::Eq) => "=",
        Tok::Op(CmpOp::Ne) => "!=",
        Tok::Op(CmpOp::Lt) => "<",
        Tok::Op(CmpOp::Le) => "<=",
        Tok::Op(CmpOp::Gt) => ">",
        Tok::Op(CmpOp::Ge) => ">=",
        Tok::Minus => "-",
        Tok::Plus => "+",
        Tok::Number(_) | Tok::Literal(_) | Tok::Name(_) => "token",
    }
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '\u{B7}')
}

/// Splits the source into tokens with their 1-based character positions.
pub(crate) fn lex(source: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        let next = chars.get(i + 1).copied();
        let (tok, len) = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '/' if next == Some('/') => (Tok::DoubleSlash, 2),
            '/' => (Tok::Slash, 1),
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '@' => (Tok::At, 1),
            ',' => (Tok::Comma, 1),
            '|' => (Tok::Pipe, 1),
            ':' if next == Some(':') => (Tok::ColonColon, 2),
            '*' => (Tok::Star, 1),
            '=' => (Tok::Op(CmpOp::Eq), 1),
            '!' if next == Some('=') => (Tok::Op(CmpOp::Ne), 2),
            '<' if next == Some('=') => (Tok::Op(CmpOp::Le), 2),
            '<' => (Tok::Op(CmpOp::Lt), 1),
            '>' if next == Some('=') => (Tok::Op(CmpOp::Ge), 2),
            '>' => (Tok::Op(CmpOp::Gt), 1),
            '-' => (Tok::Minus, 1),
            '+' => (Tok::Plus, 1),
            '.' if next == Some('.') => (Tok::DotDot, 2),
            '.' if !next.is_some_and(|n| n.is_ascii_digit()) => (Tok::Dot, 1),
            '"' | '\'' => {
                let Some(end) = chars[i + 1..].iter().position(|&x| x == c) else {
                    return Err(error(at, "unterminated string literal".into()));
                };
                let s: String = chars[i + 1..i + 1 + end].iter().collect();
                (Tok::Literal(s), end + 2)
            }
            d if d.is_ascii_digit() || d == '.' => {
                let mut j = i;
                let mut seen_dot = false;
                while j < chars.len()
                    && (chars[j].is_ascii_digit() || (chars[j] == '.' && !seen_dot))
                {
                    seen_dot |= chars[j] == '.';
                    j += 1;
                }
                let text: String = chars[i..j].iter().collect();
                let n = text
                    .parse::<f64>()
                    .map_err(|_| error(at, format!("bad number '{text}'")))?;
                (Tok::Number(n), j - i)
            }
            n if is_name_start(n) => {
                let mut j = i + 1;
                while j < chars.len() && is_name_char(chars[j]) {
                    j += 1;
                }
                // One ':' joins a prefix to a local name or '*' (but '::' is an axis).
                if chars.get(j) == Some(&':') && chars.get(j + 1) != Some(&':') {
                    match chars.get(j + 1) {
                        Some('*') => j += 2,
                        Some(&c2) if is_name_start(c2) => {
                            j += 2;
                            while j < chars.len() && is_name_char(chars[j]) {
                                j += 1;
                            }
                        }
                        _ => {
                            return Err(error(
                                j + 1,
                                "expected a local name or '*' after ':'".into(),
                            ))
                        }
                    }
                }
                (Tok::Name(chars[i..j].iter().collect()), j - i)
            }
            other => return Err(error(at, format!("unexpected character '{other}'"))),
        };
        out.push((tok, at));
        i += len;
    }
    Ok(out)
}

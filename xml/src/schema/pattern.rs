//! XSD `pattern` facets: translating XML Schema regular expressions into the `regex` crate's
//! syntax, compiled once when the schema loads.
//!
//! The dialects differ in ways that matter: an XSD pattern is implicitly anchored and has no
//! `^`/`$` anchors (both are ordinary characters), `.` excludes `\r` as well as `\n`, it has
//! the name-character escapes `\i`/`\c`, block escapes `\p{IsBasicLatin}`, and class
//! subtraction `[a-z-[aeiou]]`. We parse the XSD syntax and emit an equivalent expression,
//! escaping every literal as `\x{…}` so no character can change meaning in the target syntax.
//! Several patterns on one derivation step are alternatives (one of them must match); patterns
//! from different steps must all match, which the caller handles by keeping one regex per step.

use regex::Regex;

/// Compiles the patterns of one derivation step into one anchored regex.
pub(crate) fn compile_step(patterns: &[String]) -> Result<Regex, String> {
    let mut alternatives = Vec::with_capacity(patterns.len());
    for p in patterns {
        alternatives.push(format!("(?:{})", translate(p)?));
    }
    let source = format!("^(?:{})$", alternatives.join("|"));
    Regex::new(&source).map_err(|e| format!("pattern cannot be compiled: {e}"))
}

/// Translates one XSD regular expression (without anchors) into `regex` syntax.
pub(crate) fn translate(pattern: &str) -> Result<String, String> {
    let mut t = Translator {
        chars: pattern.chars().collect(),
        pos: 0,
        out: String::with_capacity(pattern.len() * 2),
        depth: 0,
    };
    t.reg_exp()?;
    if t.pos < t.chars.len() {
        return Err(t.error("unbalanced ')'"));
    }
    Ok(t.out)
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    depth: usize,
}

fn literal(c: char, out: &mut String) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn error(&self, what: &str) -> String {
        format!("bad pattern at character {}: {what}", self.pos + 1)
    }

    fn reg_exp(&mut self) -> Result<(), String> {
        self.branch()?;
        while self.peek() == Some('|') {
            self.pos += 1;
            self.out.push('|');
            self.branch()?;
        }
        Ok(())
    }

    fn branch(&mut self) -> Result<(), String> {
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            self.piece()?;
        }
        Ok(())
    }

    fn piece(&mut self) -> Result<(), String> {
        self.atom()?;
        match self.peek() {
            Some(q @ ('?' | '*' | '+')) => {
                self.pos += 1;
                self.out.push(q);
            }
            Some('{') => self.quantity()?,
            _ => {}
        }
        if matches!(self.peek(), Some('?' | '*' | '+' | '{')) {
            return Err(self.error("a quantifier cannot follow a quantifier"));
        }
        Ok(())
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        digits.parse().ok()
    }

    fn quantity(&mut self) -> Result<(), String> {
        self.pos += 1; // '{'
        let min = self
            .number()
            .ok_or_else(|| self.error("expected a number after '{'"))?;
        let max = if self.peek() == Some(',') {
            self.pos += 1;
            if self.peek() == Some('}') {
                None
            } else {
                Some(
                    self.number()
                        .ok_or_else(|| self.error("expected a number after ','"))?,
                )
            }
        } else {
            Some(min)
        };
        if self.peek() != Some('}') {
            return Err(self.error("expected '}'"));
        }
        self.pos += 1;
        match max {
            Some(m) if m < min => return Err(self.error("quantifier maximum below minimum")),
            Some(m) if m == min => self.out.push_str(&format!("{{{min}}}")),
            Some(m) => self.out.push_str(&format!("{{{min},{m}}}")),
            None => self.out.push_str(&format!("{{{min},}}")),
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<(), String> {
        let Some(c) = self.peek() else {
            return Err(self.error("unexpected end"));
        };
        match c {
            '(' => {
                self.pos += 1;
                self.depth += 1;
                self.out.push_str("(?:");
                self.reg_exp()?;
                if self.peek() != Some(')') {
                    return Err(self.error("missing ')'"));
                }
                self.pos += 1;
                self.depth -= 1;
                self.out.push(')');
            }
            '[' => {
                let class = self.class_expr()?;
                self.out.push_str(&class);
            }
            '.' => {
                self.pos += 1;
                self.out.push_str("[^\\n\\r]");
            }
            '\\' => {
                let class = self.escape()?;
                match class {
                    Escape::Char(ch) => literal(ch, &mut self.out),
                    Escape::Class(cls) => self.out.push_str(&cls),
                }
            }
            '?' | '*' | '+' | '{' => {
                return Err(self.error("quantifier without anything to repeat"))
            }
            ')' | '|' => return Err(self.error("unexpected character")),
            ']' | '}' => return Err(self.error(&format!("'{c}' must be escaped"))),
            _ => {
                self.pos += 1;
                literal(c, &mut self.out);
            }
        }
        Ok(())
    }

    /// Parses `\…` at the cursor.
    fn escape(&mut self) -> Result<Escape, String> {
        self.pos += 1; // '\'
        let Some(c) = self.peek() else {
            return Err(self.error("pattern ends with '\\'"));
        };
        self.pos += 1;
        Ok(match c {
            'n' => Escape::Char('\n'),
            'r' => Escape::Char('\r'),
            't' => Escape::Char('\t'),
            '\\' | '|' | '.' | '-' | '^' | '?' | '*' | '+' | '{' | '}' | '(' | ')' | '[' | ']' => {
                Escape::Char(c)
            }
            's' => Escape::Class("[\\x{20}\\t\\n\\r]".into()),
            'S' => Escape::Class("[^\\x{20}\\t\\n\\r]".into()),
            'd' => Escape::Class("\\p{Nd}".into()),
            'D' => Escape::Class("\\P{Nd}".into()),
            'w' => Escape::Class("[^\\p{P}\\p{Z}\\p{C}]".into()),
            'W' => Escape::Class("[\\p{P}\\p{Z}\\p{C}]".into()),
            'i' => Escape::Class(format!("[{NAME_START}]")),
            'I' => Escape::Class(format!("[^{NAME_START}]")),
            'c' => Escape::Class(format!("[{NAME_START}{NAME_EXTRA}]")),
            'C' => Escape::Class(format!("[^{NAME_START}{NAME_EXTRA}]")),
            'p' | 'P' => {
                if self.peek() != Some('{') {
                    return Err(self.error("expected '{' after \\p"));
                }
                self.pos += 1;
                let start = self.pos;
                while self.peek().is_some_and(|c| c != '}') {
                    self.pos += 1;
                }
                if self.peek() != Some('}') {
                    return Err(self.error("unterminated \\p{…}"));
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                self.pos += 1;
                let positive = c == 'p';
                Escape::Class(property(&name, positive).ok_or_else(|| {
                    format!("unsupported character property \\{c}{{{name}}} in pattern")
                })?)
            }
            other => return Err(self.error(&format!("unknown escape '\\{other}'"))),
        })
    }

    /// `[` group (`-` class)? `]`, emitted as a `regex` class (possibly nested).
    fn class_expr(&mut self) -> Result<String, String> {
        self.pos += 1; // '['
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut items = String::new();
        let mut first = true;
        let mut subtraction = None;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated character class"));
            };
            match c {
                ']' if !first => {
                    self.pos += 1;
                    break;
                }
                '-' if self.peek_at(1) == Some('[') && !first => {
                    self.pos += 1;
                    subtraction = Some(self.class_expr()?);
                    if self.peek() != Some(']') {
                        return Err(self.error("a class subtraction must end the class"));
                    }
                    self.pos += 1;
                    break;
                }
                '[' => return Err(self.error("'[' inside a class must be escaped")),
                _ => {}
            }
            first = false;
            let start = match self.class_char()? {
                Escape::Class(cls) => {
                    items.push_str(&cls);
                    continue;
                }
                Escape::Char(ch) => ch,
            };
            if self.peek() == Some('-') && !matches!(self.peek_at(1), Some(']' | '[') | None) {
                self.pos += 1;
                let end = match self.class_char()? {
                    Escape::Char(ch) => ch,
                    Escape::Class(_) => {
                        return Err(self.error("a range cannot end in a class escape"))
                    }
                };
                if end < start {
                    return Err(self.error("range out of order"));
                }
                literal(start, &mut items);
                items.push('-');
                literal(end, &mut items);
            } else {
                literal(start, &mut items);
            }
        }
        if items.is_empty() {
            return Err(self.error("empty character class"));
        }
        let base = format!("[{}{items}]", if negated { "^" } else { "" });
        Ok(match subtraction {
            Some(sub) => format!("[{base}--{sub}]"),
            None => base,
        })
    }

    fn class_char(&mut self) -> Result<Escape, String> {
        match self.peek() {
            Some('\\') => self.escape(),
            Some(c) => {
                self.pos += 1;
                Ok(Escape::Char(c))
            }
            None => Err(self.error("unterminated character class")),
        }
    }
}

enum Escape {
    Char(char),
    Class(String),
}

/// XML NameStartChar ranges in `regex` class syntax (for `\i`).
const NAME_START: &str = ":A-Z_a-z\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{2FF}\\x{370}-\\x{37D}\\x{37F}-\\x{1FFF}\\x{200C}-\\x{200D}\\x{2070}-\\x{218F}\\x{2C00}-\\x{2FEF}\\x{3001}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFFD}\\x{10000}-\\x{EFFFF}";
/// The extra NameChar ranges (for `\c`).
const NAME_EXTRA: &str = "\\-.0-9\\x{B7}\\x{300}-\\x{36F}\\x{203F}-\\x{2040}";

/// `\p{…}` / `\P{…}`: general categories map directly; `Is…` blocks through a table.
fn property(name: &str, positive: bool) -> Option<String> {
    const CATEGORIES: &[&str] = &[
        "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
        "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Z", "Zs", "Zl", "Zp", "S", "Sm", "Sc", "Sk", "So",
        "C", "Cc", "Cf", "Co", "Cn",
    ];
    if CATEGORIES.contains(&name) {
        return Some(format!("\\{}{{{name}}}", if positive { 'p' } else { 'P' }));
    }
    let block = name.strip_prefix("Is")?;
    let (lo, hi) = BLOCKS
        .iter()
        .find(|(n, _, _)| *n == block)
        .map(|&(_, a, b)| (a, b))?;
    Some(format!(
        "[{}\\x{{{lo:X}}}-\\x{{{hi:X}}}]",
        if positive { "" } else { "^" }
    ))
}

/// Unicode blocks usable as `\p{IsName}` (the commonly used part of XSD 1.0's list).
const BLOCKS: &[(&str, u32, u32)] = &[
    ("BasicLatin", 0x0000, 0x007F),
    ("Latin-1Supplement", 0x0080, 0x00FF),
    ("LatinExtended-A", 0x0100, 0x017F),
    ("LatinExtended-B", 0x0180, 0x024F),
    ("IPAExtensions", 0x0250, 0x02AF),
    ("SpacingModifierLetters", 0x02B0, 0x02FF),
    ("CombiningDiacriticalMarks", 0x0300, 0x036F),
    ("Greek", 0x0370, 0x03FF),
    ("Cyrillic", 0x0400, 0x04FF),
    ("Armenian", 0x0530, 0x058F),
    ("Hebrew", 0x0590, 0x05FF),
    ("Arabic", 0x0600, 0x06FF),
    ("Devanagari", 0x0900, 0x097F),
    ("Thai", 0x0E00, 0x0E7F),
    ("HangulJamo", 0x1100, 0x11FF),
    ("LatinExtendedAdditional", 0x1E00, 0x1EFF),
    ("GreekExtended", 0x1F00, 0x1FFF),
    ("GeneralPunctuation", 0x2000, 0x206F),
    ("SuperscriptsandSubscripts", 0x2070, 0x209F),
    ("CurrencySymbols", 0x20A0, 0x20CF),
    ("LetterlikeSymbols", 0x2100, 0x214F),
    ("NumberForms", 0x2150, 0x218F),
    ("Arrows", 0x2190, 0x21FF),
    ("MathematicalOperators", 0x2200, 0x22FF),
    ("BoxDrawing", 0x2500, 0x257F),
    ("GeometricShapes", 0x25A0, 0x25FF),
    ("MiscellaneousSymbols", 0x2600, 0x26FF),
    ("Dingbats", 0x2700, 0x27BF),
    ("CJKSymbolsandPunctuation", 0x3000, 0x303F),
    ("Hiragana", 0x3040, 0x309F),
    ("Katakana", 0x30A0, 0x30FF),
    ("CJKUnifiedIdeographs", 0x4E00, 0x9FFF),
    ("HangulSyllables", 0xAC00, 0xD7A3),
    ("PrivateUse", 0xE000, 0xF8FF),
    ("AlphabeticPresentationForms", 0xFB00, 0xFB4F),
    ("HalfwidthandFullwidthForms", 0xFF00, 0xFFEF),
    ("Specials", 0xFFF0, 0xFFFD),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, value: &str) -> bool {
        compile_step(&[pattern.to_string()])
            .unwrap()
            .is_match(value)
    }

    #[test]
    fn patterns_are_implicitly_anchored() {
        assert!(matches("[0-9]{3}", "123"));
        assert!(!matches("[0-9]{3}", "1234"));
        assert!(!matches("b", "abc"));
    }

    #[test]
    fn caret_and_dollar_are_ordinary_characters() {
        assert!(matches("^a$", "^a$"));
        assert!(!matches("^a$", "a"));
    }

    #[test]
    fn dot_excludes_carriage_return_and_newline() {
        assert!(matches("a.c", "abc"));
        assert!(!matches("a.c", "a\rc"));
        assert!(!matches("a.c", "a\nc"));
    }

    #[test]
    fn class_subtraction_and_negation() {
        assert!(matches("[a-z-[aeiou]]+", "bcd"));
        assert!(!matches("[a-z-[aeiou]]+", "bad"));
        assert!(matches("[^0-9]", "x"));
        assert!(matches("[-a]", "-"));
        assert!(matches("[a-]", "-"));
    }

    #[test]
    fn xsd_escapes() {
        assert!(matches("\\i\\c*", "_x-1.y"));
        assert!(!matches("\\i\\c*", "1x"));
        assert!(matches("\\d+", "\u{0663}1"));
        assert!(matches("\\p{Lu}\\p{Ll}+", "Hello"));
        assert!(matches("\\p{IsBasicLatin}+", "abc"));
        assert!(!matches("\\p{IsBasicLatin}", "\u{e9}"));
        assert!(matches("[\\s\\d]+", " 1 2"));
        assert!(matches("a\\.b", "a.b"));
        assert!(!matches("a\\.b", "axb"));
    }

    #[test]
    fn alternatives_within_one_step() {
        let re = compile_step(&["a+".into(), "b+".into()]).unwrap();
        assert!(re.is_match("aa") && re.is_match("bb") && !re.is_match("ab"));
    }

    #[test]
    fn rejects_bad_patterns_with_a_position() {
        for (bad, what) in [
            ("a{2,1}", "below minimum"),
            ("(a", "missing ')'"),
            ("a)", "unbalanced"),
            ("[b-a]", "out of order"),
            ("*a", "anything to repeat"),
            ("\\q", "unknown escape"),
            ("\\p{IsKlingon}", "unsupported character property"),
            ("[a", "unterminated"),
        ] {
            let err = translate(bad).unwrap_err();
            assert!(err.contains(what), "{bad}: {err}");
        }
    }
}

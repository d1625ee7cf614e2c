//! The module dependency rule of issue 9, checked over the sources of every crate of the
//! workspace (each folder with a `Cargo.toml` holding `[package]` and a `src/`):
//!
//! - no import loop between the top-level modules of a crate, nor between the sibling files of
//!   one folder module (`amqp/caller.rs` ↔ `amqp/shared.rs`), at any depth;
//! - no module of `clacks-runtime` other than `node` imports `node` (directly, or through a
//!   re-export such as `crate::NodeHandle`).
//!
//! An arrow is any path into the crate in non-test code: `use crate::…`, `use super::…`,
//! `use self::…`, a `use` of a child module, and inline `crate::a::f()` / `super::x::Y` paths.
//! Paths through a `use` (a re-export like `pub use node::NodeHandle` in `lib.rs`, or a
//! private import in a folder's `mod.rs`) count as arrows to the module the item comes from.
//! Arrows from a module to its parent or its children are not loops between siblings and are
//! not counted; neither is code under `#[cfg(test)]` (or `#[test]`), which may import anything.
//! Comments and string literals are skipped, so doc examples never count. Not followed: names
//! brought in by a glob (`pub use x::*`; the tree has none) and `#[path]` attributes.
//!
//! The checker reads source text only (no build needed) and uses nothing beyond `std`; the
//! tests at the bottom run it on small synthetic crates as well as on the real tree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Input

/// One crate: its package name and its `src/` files (path relative to `src/`, text).
struct Crate {
    name: String,
    /// Where the crate lives, for messages (`runtime/src`).
    src_dir: String,
    files: Vec<(String, String)>,
}

/// The module path of a file relative to `src/`: `lib.rs` → `[]`, `a/mod.rs` and `a.rs` → `[a]`,
/// `a/b.rs` → `[a, b]`. `None` for files that are not modules of the library or binary root
/// (`src/bin/…`).
fn module_of_file(rel: &str) -> Option<Vec<String>> {
    let rel = rel.strip_suffix(".rs")?;
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if parts.first().is_some_and(|p| p == "bin") && parts.len() > 1 {
        return None;
    }
    match parts.last().map(String::as_str) {
        Some("mod") => {
            parts.pop();
        }
        Some("lib" | "main") if parts.len() == 1 => parts.clear(),
        _ => {}
    }
    Some(parts)
}

// ---------------------------------------------------------------------------------------------
// Lexing: identifiers and punctuation with line numbers; comments and literals dropped.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    /// A literal (string, char, number): kept as one token so neighbours do not join.
    Lit,
}

struct Token {
    tok: Tok,
    line: usize,
}

fn lex(text: &str) -> Vec<Token> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1usize);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let is_ident_start = |ch: char| ch == '_' || ch.is_alphabetic();
    let is_ident = |ch: char| ch == '_' || ch.is_alphanumeric();
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            let start_line = line;
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(Token {
                tok: Tok::Lit,
                line: start_line,
            });
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(Token {
                    tok: Tok::Lit,
                    line,
                });
            } else if at(i + 2) == '\'' {
                i += 3;
                out.push(Token {
                    tok: Tok::Lit,
                    line,
                });
            } else {
                i += 1;
                while i < c.len() && is_ident(c[i]) {
                    i += 1;
                }
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Lit,
                line,
            });
        } else if is_ident_start(ch) {
            let start = i;
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // Raw strings and byte/C strings: r"…", r#"…"#, b"…", br#"…"#, c"…".
            let raw = matches!(word.as_str(), "r" | "br" | "cr");
            if raw && (at(i) == '"' || (at(i) == '#' && (at(i + 1) == '"' || at(i + 1) == '#'))) {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // the opening quote
                let start_line = line;
                loop {
                    if i >= c.len() {
                        break;
                    }
                    if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                        i += 1 + hashes;
                        break;
                    }
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Lit,
                    line: start_line,
                });
            } else if matches!(word.as_str(), "b" | "c") && (at(i) == '"' || at(i) == '\'') {
                // The quote is lexed next as an ordinary literal.
            } else if word == "r" && at(i) == '#' && is_ident_start(at(i + 1)) {
                // A raw identifier: r#type.
                i += 1;
                let start = i;
                while i < c.len() && is_ident(c[i]) {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(c[start..i].iter().collect()),
                    line,
                });
            } else {
                out.push(Token {
                    tok: Tok::Ident(word),
                    line,
                });
            }
        } else {
            out.push(Token {
                tok: Tok::Punct(ch),
                line,
            });
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Parsing: the paths a file names, the modules it declares inline, and its test-only children.

/// A path as written, in the module that wrote it.
#[derive(Debug, Clone)]
struct RawPath {
    /// The module the path appears in (the file's module plus inline `mod x { }` blocks).
    context: Vec<String>,
    segments: Vec<String>,
    line: usize,
    /// For a `use` leaf: the name it brings into `context` (alias or last segment).
    binds: Option<String>,
}

#[derive(Default)]
struct ParsedFile {
    paths: Vec<RawPath>,
    inline_modules: Vec<Vec<String>>,
    /// `#[cfg(test)] mod x;`: the file module `x` (and all below it) is test code.
    test_children: Vec<Vec<String>>,
    /// `#![cfg(test)]` at the top: the whole file is test code.
    test_only: bool,
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn punct(t: Option<&Token>, p: char) -> bool {
    matches!(t.map(|t| &t.tok), Some(Tok::Punct(q)) if *q == p)
}

fn path_sep(toks: &[Token], i: usize) -> bool {
    punct(toks.get(i), ':') && punct(toks.get(i + 1), ':')
}

/// The index after the bracket group opening at `i` (`(`, `[` or `{`).
fn skip_group(toks: &[Token], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < toks.len() {
        match toks[i].tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The index after the item (or field, or statement) starting at `i`: after its `;`, its
/// closing `}`, or its `,`; never past a bracket that closes an enclosing group.
fn skip_item(toks: &[Token], mut i: usize) -> usize {
    while i < toks.len() {
        match toks[i].tok {
            Tok::Punct(';' | ',') => return i + 1,
            Tok::Punct('{') => return skip_group(toks, i),
            Tok::Punct('(' | '[') => i = skip_group(toks, i),
            Tok::Punct(')' | ']' | '}') => return i,
            _ => i += 1,
        }
    }
    i
}

/// Whether attribute tokens (between `[` and `]`) make the item test-only.
fn is_test_attr(attr: &[Token]) -> bool {
    let words: Vec<&str> = attr
        .iter()
        .map(|t| match &t.tok {
            Tok::Ident(s) => s.as_str(),
            Tok::Punct(p) => match p {
                '(' => "(",
                ')' => ")",
                ',' => ",",
                _ => "?",
            },
            Tok::Lit => "?",
        })
        .collect();
    match words.as_slice() {
        ["test"] | ["cfg", "(", "test", ")"] => true,
        ["cfg", "(", "all", "(", rest @ ..] => rest.contains(&"test"),
        _ => false,
    }
}

/// Reads a `use` tree starting at `i` (after `use`) into `out`; returns the index after `;`.
fn parse_use(toks: &[Token], i: usize, context: &[String], out: &mut Vec<RawPath>) -> usize {
    let line = toks.get(i).map_or(0, |t| t.line);
    let mut leaves = Vec::new();
    let end = use_tree(toks, i, Vec::new(), &mut leaves);
    for (mut segments, alias) in leaves {
        if segments.last().is_some_and(|s| s == "self") {
            segments.pop();
        }
        let binds = match alias {
            Some(a) if a == "_" => None,
            Some(a) => Some(a),
            None if segments.last().is_some_and(|s| s == "*") => None,
            None => segments.last().cloned(),
        };
        if segments.last().is_some_and(|s| s == "*") {
            segments.pop();
        }
        if !segments.is_empty() {
            out.push(RawPath {
                context: context.to_vec(),
                segments,
                line,
                binds,
            });
        }
    }
    let mut j = end;
    while j < toks.len() && !punct(toks.get(j), ';') {
        j += 1;
    }
    j + 1
}

/// One use tree at `i` under `prefix`; leaves are (segments, alias). Returns the index after it.
fn use_tree(
    toks: &[Token],
    mut i: usize,
    mut prefix: Vec<String>,
    leaves: &mut Vec<(Vec<String>, Option<String>)>,
) -> usize {
    if path_sep(toks, i) {
        // `use ::x` names an external crate.
        prefix.push("::".to_owned());
        i += 2;
    }
    loop {
        if let Some(word) = ident(toks.get(i)) {
            prefix.push(word.to_owned());
            i += 1;
            if path_sep(toks, i) {
                i += 2;
                continue;
            }
            if ident(toks.get(i)) == Some("as") {
                let alias = ident(toks.get(i + 1)).map(str::to_owned);
                leaves.push((prefix, alias));
                return i + 2;
            }
            leaves.push((prefix, None));
            return i;
        }
        if punct(toks.get(i), '*') {
            prefix.push("*".to_owned());
            leaves.push((prefix, None));
            return i + 1;
        }
        if punct(toks.get(i), '{') {
            i += 1;
            loop {
                if punct(toks.get(i), '}') || i >= toks.len() {
                    return i + 1;
                }
                i = use_tree(toks, i, prefix.clone(), leaves);
                if punct(toks.get(i), ',') {
                    i += 1;
                }
            }
        }
        return i;
    }
}

fn parse_file(text: &str, module: &[String]) -> ParsedFile {
    let toks = lex(text);
    let mut parsed = ParsedFile::default();
    // Inline modules open at a brace depth: (name, depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut test_item = false;
    let context = |inline: &Vec<(String, usize)>| {
        let mut m = module.to_vec();
        m.extend(inline.iter().map(|(n, _)| n.clone()));
        m
    };
    let mut i = 0;
    while i < toks.len() {
        // Attributes: `#[…]` / `#![…]`.
        if punct(toks.get(i), '#') {
            let inner = punct(toks.get(i + 1), '!');
            let open = if inner { i + 2 } else { i + 1 };
            if punct(toks.get(open), '[') {
                let end = skip_group(&toks, open);
                if is_test_attr(&toks[open + 1..end.saturating_sub(1)]) {
                    if inner && depth == 0 && inline.is_empty() {
                        parsed.test_only = true;
                        return parsed;
                    }
                    test_item = !inner;
                }
                i = end;
                continue;
            }
        }
        if test_item {
            test_item = false;
            // `#[cfg(test)] [pub] mod x;` makes the file module x test code.
            let mut k = i;
            if ident(toks.get(k)) == Some("pub") {
                k += 1;
                if punct(toks.get(k), '(') {
                    k = skip_group(&toks, k);
                }
            }
            if ident(toks.get(k)) == Some("mod") && punct(toks.get(k + 2), ';') {
                if let Some(name) = ident(toks.get(k + 1)) {
                    let mut child = context(&inline);
                    child.push(name.to_owned());
                    parsed.test_children.push(child);
                }
            }
            i = skip_item(&toks, i);
            continue;
        }
        match &toks[i].tok {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(name), true) = (ident(toks.get(i + 1)), punct(toks.get(i + 2), '{')) {
                    inline.push((name.to_owned(), depth + 1));
                    parsed.inline_modules.push(context(&inline));
                    depth += 1;
                    i += 3;
                } else {
                    i += 1;
                }
            }
            Tok::Ident(w) if w == "use" => {
                i = parse_use(&toks, i + 1, &context(&inline), &mut parsed.paths);
            }
            Tok::Ident(w) if matches!(w.as_str(), "crate" | "super" | "self") => {
                let after_dollar = i > 0 && punct(toks.get(i - 1), '$');
                // `pub(in crate::a)` is a visibility, not an arrow.
                let visibility = i >= 3
                    && ident(toks.get(i - 1)) == Some("in")
                    && punct(toks.get(i - 2), '(')
                    && ident(toks.get(i - 3)) == Some("pub");
                let line = toks[i].line;
                let mut segments = vec![w.clone()];
                let mut j = i + 1;
                while path_sep(&toks, j) {
                    match ident(toks.get(j + 2)) {
                        Some(word) => {
                            segments.push(word.to_owned());
                            j += 3;
                        }
                        None => break,
                    }
                }
                if segments.len() > 1 && !after_dollar && !visibility {
                    parsed.paths.push(RawPath {
                        context: context(&inline),
                        segments,
                        line,
                        binds: None,
                    });
                }
                i = j.max(i + 1);
            }
            _ => i += 1,
        }
    }
    parsed
}

// ---------------------------------------------------------------------------------------------
// The crate's graph

/// An arrow between modules, with where it was written.
#[derive(Debug, Clone)]
struct Arrow {
    from: Vec<String>,
    to: Vec<String>,
    at: String,
}

struct CrateGraph {
    arrows: Vec<Arrow>,
}

fn build_graph(krate: &Crate) -> CrateGraph {
    let mut modules: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut test_roots: Vec<Vec<String>> = Vec::new();
    let mut parsed = Vec::new();
    for (rel, text) in &krate.files {
        let Some(module) = module_of_file(rel) else {
            continue;
        };
        let file = parse_file(text, &module);
        if file.test_only {
            test_roots.push(module.clone());
        }
        test_roots.extend(file.test_children.iter().cloned());
        modules.insert(module.clone());
        modules.extend(file.inline_modules.iter().cloned());
        parsed.push((rel.clone(), module, file));
    }
    let is_test = |m: &[String]| test_roots.iter().any(|t| m.starts_with(t));

    // Make a written path absolute (crate-relative segments), or None when it leaves the crate.
    let absolute = |p: &RawPath| -> Option<Vec<String>> {
        let segs = &p.segments;
        let mut base = p.context.clone();
        let mut k = 0;
        match segs[0].as_str() {
            "crate" => {
                base.clear();
                k = 1;
            }
            "self" => k = 1,
            "super" => {
                while segs.get(k).is_some_and(|s| s == "super") {
                    base.pop()?;
                    k += 1;
                }
            }
            first => {
                let mut child = base.clone();
                child.push(first.to_owned());
                if !modules.contains(&child) {
                    return None;
                }
            }
        }
        base.extend(segs[k..].iter().cloned());
        Some(base)
    };

    // Names `use` brings into a module: (module, name) → absolute path.
    let mut bound: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    for (_, _, file) in &parsed {
        for p in &file.paths {
            if let (Some(name), Some(abs)) = (&p.binds, absolute(p)) {
                bound.insert((p.context.clone(), name.clone()), abs);
            }
        }
    }

    // The module an absolute path ends in, following `use`d names (re-exports).
    fn resolve(
        path: &[String],
        modules: &BTreeSet<Vec<String>>,
        bound: &BTreeMap<(Vec<String>, String), Vec<String>>,
        hops: usize,
    ) -> Vec<String> {
        let mut current: Vec<String> = Vec::new();
        for (k, seg) in path.iter().enumerate() {
            let mut next = current.clone();
            next.push(seg.clone());
            if modules.contains(&next) {
                current = next;
                continue;
            }
            if let Some(target) = bound.get(&(current.clone(), seg.clone())) {
                if hops < 16 && target.as_slice() != &path[..=k] {
                    let mut via = target.clone();
                    via.extend(path[k + 1..].iter().cloned());
                    return resolve(&via, modules, bound, hops + 1);
                }
            }
            break;
        }
        current
    }

    let mut arrows = Vec::new();
    for (rel, module, file) in &parsed {
        if is_test(module) {
            continue;
        }
        for p in &file.paths {
            if is_test(&p.context) {
                continue;
            }
            let Some(abs) = absolute(p) else {
                continue;
            };
            let to = resolve(&abs, &modules, &bound, 0);
            arrows.push(Arrow {
                from: p.context.clone(),
                to,
                at: format!("{}/{rel}:{}", krate.src_dir, p.line),
            });
        }
    }
    CrateGraph { arrows }
}

/// The arrows between the children of `folder` (the crate root: `[]`): child → (child → where).
type Level = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn levels(graph: &CrateGraph) -> BTreeMap<Vec<String>, Level> {
    let mut levels: BTreeMap<Vec<String>, Level> = BTreeMap::new();
    for arrow in &graph.arrows {
        // The deepest folder holding both ends: its children at which the two paths part.
        let common = arrow
            .from
            .iter()
            .zip(&arrow.to)
            .take_while(|(a, b)| a == b)
            .count();
        let (Some(from), Some(to)) = (arrow.from.get(common), arrow.to.get(common)) else {
            continue; // an arrow to an ancestor or a descendant
        };
        let places = levels
            .entry(arrow.from[..common].to_vec())
            .or_default()
            .entry(from.clone())
            .or_default()
            .entry(to.clone())
            .or_default();
        if !places.contains(&arrow.at) {
            places.push(arrow.at.clone());
        }
    }
    levels
}

/// Every elementary cycle of a level (up to a cap), each as its node list, smallest first.
fn cycles(level: &Level) -> Vec<Vec<String>> {
    const CAP: usize = 200;
    let nodes: Vec<&String> = level.keys().collect();
    let mut found = Vec::new();
    for start in &nodes {
        // Cycles whose smallest node is `start`: search through larger nodes only.
        let mut stack: Vec<(String, Vec<String>)> =
            vec![((*start).clone(), vec![(*start).clone()])];
        while let Some((node, path)) = stack.pop() {
            for next in level.get(&node).map(|m| m.keys()).into_iter().flatten() {
                if next == *start {
                    found.push(path.clone());
                    if found.len() >= CAP {
                        return found;
                    }
                } else if next > *start && !path.contains(next) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    found
}

fn where_of(level: &Level, from: &str, to: &str) -> String {
    let places = &level[from][to];
    let mut text = places
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if places.len() > 3 {
        text.push_str(&format!(" and {} more", places.len() - 3));
    }
    text
}

/// The rule's violations in `krate`, one message each (empty: the crate keeps the rule).
fn check_crate(krate: &Crate) -> Vec<String> {
    let graph = build_graph(krate);
    let levels = levels(&graph);
    let mut problems = Vec::new();
    for (folder, level) in &levels {
        let scope = if folder.is_empty() {
            "top-level modules".to_owned()
        } else {
            format!("files of folder module {}", folder.join("::"))
        };
        let found = cycles(level);
        if found.is_empty() {
            continue;
        }
        let caught: BTreeSet<&String> = found.iter().flatten().collect();
        problems.push(format!(
            "{}: {} import loop(s) between {scope}, among: {}",
            krate.name,
            found.len(),
            caught.into_iter().cloned().collect::<Vec<_>>().join(", ")
        ));
        for cycle in found {
            let mut text = format!(
                "{}: import loop between {scope}: {} → {}",
                krate.name,
                cycle.join(" → "),
                cycle[0]
            );
            for (k, from) in cycle.iter().enumerate() {
                let to = &cycle[(k + 1) % cycle.len()];
                text.push_str(&format!(
                    "\n    {from} → {to}: {}",
                    where_of(level, from, to)
                ));
            }
            problems.push(text);
        }
    }
    if krate.name == "clacks-runtime" {
        if let Some(top) = levels.get(&Vec::new()) {
            for (from, targets) in top {
                if from != "node" && targets.contains_key("node") {
                    problems.push(format!(
                        "{}: module {from} imports node (only node/ may): {}",
                        krate.name,
                        where_of(top, from, "node")
                    ));
                }
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// The real tree

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("clacks-tests lives in a folder of the workspace")
        .to_path_buf()
}

fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("name") {
                let value = value.trim_start().strip_prefix('=')?.trim();
                return Some(value.trim_matches('"').to_owned());
            }
        }
    }
    None
}

fn rust_files(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((rel, text));
        }
    }
}

fn find_crates(dir: &Path, root: &Path, out: &mut Vec<Crate>) {
    let manifest = dir.join("Cargo.toml");
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        if let (Some(name), true) = (package_name(&text), dir.join("src").is_dir()) {
            let src = dir.join("src");
            let mut files = Vec::new();
            rust_files(&src, &src, &mut files);
            out.push(Crate {
                name,
                src_dir: src.strip_prefix(root).unwrap().display().to_string(),
                files,
            });
        }
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.starts_with('.') && name != "target" && name != "src"
        })
        .collect();
    subdirs.sort();
    for sub in subdirs {
        find_crates(&sub, root, out);
    }
}

fn workspace_crates() -> Vec<Crate> {
    let root = workspace_root();
    let mut crates = Vec::new();
    find_crates(&root, &root, &mut crates);
    crates
}

/// The rule on the real tree: prints every loop and every arrow back to `node`, then fails.
/// Run it alone with `cargo test -p clacks-tests --test module_graph`.
#[test]
fn workspace_modules_have_no_import_loops() {
    let crates = workspace_crates();
    assert!(
        crates.iter().any(|c| c.name == "clacks-runtime"),
        "clacks-runtime not found under {}",
        workspace_root().display()
    );
    let problems: Vec<String> = crates.iter().flat_map(check_crate).collect();
    for p in &problems {
        eprintln!("{p}");
    }
    assert!(
        problems.is_empty(),
        "the module dependency rule of issue 9 is broken: every loop and arrow is listed above"
    );
}

// ---------------------------------------------------------------------------------------------
// The checker on synthetic crates

fn synthetic(name: &str, files: &[(&str, &str)]) -> Crate {
    Crate {
        name: name.to_owned(),
        src_dir: "x/src".to_owned(),
        files: files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect(),
    }
}

#[test]
fn finds_a_loop_between_top_level_modules() {
    let krate = synthetic(
        "demo",
        &[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::b::B;\npub struct A;\n"),
            ("b/mod.rs", "mod inner;\npub struct B;\n"),
            ("b/inner.rs", "fn f() { let _ = crate::c::C; }\n"),
            ("c.rs", "use crate::{a::{self, A}};\npub struct C;\n"),
        ],
    );
    let problems = check_crate(&krate);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(
        problems[0],
        "demo: 1 import loop(s) between top-level modules, among: a, b, c"
    );
    assert!(
        problems[1].starts_with("demo: import loop between top-level modules: a → b → c → a"),
        "{}",
        problems[1]
    );
    assert!(
        problems[1].contains("b → c: x/src/b/inner.rs:1"),
        "{}",
        problems[1]
    );
    assert!(
        problems[1].contains("c → a: x/src/c.rs:1"),
        "{}",
        problems[1]
    );
}

#[test]
fn finds_a_loop_between_files_of_a_folder_module() {
    let krate = synthetic(
        "demo",
        &[
            ("lib.rs", "pub mod amqp;\n"),
            (
                "amqp/mod.rs",
                "mod caller;\nmod shared;\npub use shared::Shared;\n",
            ),
            (
                "amqp/caller.rs",
                "use super::Shared;\npub struct Pending;\n",
            ),
            (
                "amqp/shared.rs",
                "pub struct Shared { p: super::caller::Pending }\n",
            ),
        ],
    );
    let problems = check_crate(&krate);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[1].starts_with(
            "demo: import loop between files of folder module amqp: caller → shared → caller"
        ),
        "{}",
        problems[1]
    );
}

#[test]
fn an_acyclic_crate_passes() {
    let krate = synthetic(
        "demo",
        &[
            (
                "lib.rs",
                "pub mod a;\npub mod b;\npub mod c;\npub use a::A;\nuse c::C;\n",
            ),
            (
                "a.rs",
                "use crate::b::B;\nuse super::c;\npub struct A(B, c::C);\n",
            ),
            ("b.rs", "use crate::c::{self, C};\npub struct B(C);\n"),
            (
                "c.rs",
                "use std::fmt;\nuse serde::Serialize;\npub struct C;\n",
            ),
            // A child using its parent's items and the parent using the child are no loop.
            ("a/x.rs", "use super::A;\n"),
        ],
    );
    assert_eq!(check_crate(&krate), Vec::<String>::new());
}

#[test]
fn test_code_comments_and_strings_are_not_arrows() {
    let krate = synthetic(
        "demo",
        &[
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::b::B;\npub struct A;\n"),
            (
                "b.rs",
                r##"//! `use crate::a::A;` in a doc comment
/* crate::a::A */
pub struct B;
const S: &str = "crate::a::A";
const R: &str = r#"use crate::a::A;"#;
const L: char = '"';
fn f<'a>(x: &'a str) -> &'a str { x }
#[cfg(test)]
mod tests {
    use crate::a::A;
    #[test]
    fn t() { let _ = super::super::a::A; }
}
#[cfg(test)]
mod more;
#[cfg(test)]
use crate::a::A;
#[cfg(test)]
fn helper() -> crate::a::A { crate::a::A }
"##,
            ),
            ("b/more.rs", "use crate::a::A;\n"),
        ],
    );
    assert_eq!(check_crate(&krate), Vec::<String>::new());
}

#[test]
fn runtime_modules_may_not_import_node_even_through_a_reexport() {
    let krate = synthetic(
        "clacks-runtime",
        &[
            (
                "lib.rs",
                "pub mod node;\npub mod events;\npub use node::{NodeBuilder, NodeHandle};\n",
            ),
            (
                "node/mod.rs",
                "mod handle;\npub use handle::NodeHandle;\npub struct NodeBuilder;\n",
            ),
            (
                "node/handle.rs",
                "use crate::events::Bus;\npub struct NodeHandle;\n",
            ),
            (
                "events.rs",
                "pub struct Bus;\nfn f(_: &crate::NodeHandle) {}\n",
            ),
        ],
    );
    let problems = check_crate(&krate);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[1].contains("events → node → events"),
        "{}",
        problems[1]
    );
    assert_eq!(
        problems[2],
        "clacks-runtime: module events imports node (only node/ may): x/src/events.rs:2"
    );
    // node itself may import anything below it, and other crates have no such rule.
    let krate = synthetic(
        "other",
        &[
            ("lib.rs", "pub mod node;\npub mod e;\n"),
            ("e.rs", "use crate::node::X;\n"),
            ("node.rs", "pub struct X;\n"),
        ],
    );
    assert_eq!(check_crate(&krate), Vec::<String>::new());
}

#[test]
fn module_paths_follow_the_file_layout() {
    let m = |p: &str| module_of_file(p).map(|v| v.join("::"));
    assert_eq!(m("lib.rs").as_deref(), Some(""));
    assert_eq!(m("main.rs").as_deref(), Some(""));
    assert_eq!(m("amqp/mod.rs").as_deref(), Some("amqp"));
    assert_eq!(m("amqp/caller.rs").as_deref(), Some("amqp::caller"));
    assert_eq!(m("a/lib.rs").as_deref(), Some("a::lib"));
    assert_eq!(m("bin/tool.rs"), None);
}

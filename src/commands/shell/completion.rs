//! Tab completion: the first word completes to a command name (or a shell command, or an
//! option), then each argument to `name=` of the command's arguments from `core.describe`;
//! `help` completes command names, `:node` and `--node` node names.

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use std::cell::RefCell;
use std::rc::Rc;

use super::catalog::Catalog;
use super::line::{COMMANDS, OPTIONS};

/// The editor's helper: completion from the shared catalog, nothing else.
pub struct ShellHelper {
    /// What the shell knows of the domain; `:refresh` replaces it.
    pub catalog: Rc<RefCell<Catalog>>,
}

impl Helper for ShellHelper {}
impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let catalog = self.catalog.borrow();
        let (start, words) = candidates(&catalog, line, pos);
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.trim_end().to_owned(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}

/// Where the word under the cursor starts, and what it may become.
pub fn candidates(catalog: &Catalog, line: &str, pos: usize) -> (usize, Vec<String>) {
    let before = line.get(..pos).unwrap_or(line);
    let start = before
        .rfind(char::is_whitespace)
        .map(|i| i + 1)
        .unwrap_or(0);
    let word = &before[start..];
    let done: Vec<&str> = before[..start].split_whitespace().collect();
    let with_space = |names: Vec<String>| names.into_iter().map(|n| n + " ").collect();
    let starting = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| n.starts_with(word))
            .map(|n| n.to_string())
            .collect()
    };
    match done.last().copied() {
        Some(":node" | "--node") => return (start, with_space(catalog.nodes_starting(word))),
        Some("help" | "?") if done.len() == 1 => {
            return (start, with_space(catalog.methods_starting(word)))
        }
        Some("--where" | "--batch") => return (start, Vec::new()),
        _ => {}
    }
    let method = method_of(&done);
    match method {
        None if word.starts_with("--") => (start, with_space(starting(&OPTIONS))),
        None if word.starts_with(':') || done.is_empty() && !word.contains('.') => {
            let mut all = starting(&COMMANDS);
            all.extend(catalog.methods_starting(word));
            (start, with_space(all))
        }
        None => (start, with_space(catalog.methods_starting(word))),
        Some(_) if word.contains('=') => (start, Vec::new()),
        Some(method) => {
            let given: Vec<&str> = done
                .iter()
                .filter_map(|w| w.split_once('=').map(|(name, _)| name))
                .collect();
            let names = catalog
                .params(method)
                .into_iter()
                .filter(|p| p.starts_with(word) && !given.contains(&p.as_str()))
                .map(|p| p + "=")
                .collect();
            (start, names)
        }
    }
}

/// The command of a line whose finished words are `done`: the first word that is neither an
/// option nor an option's value.
fn method_of<'w>(done: &[&'w str]) -> Option<&'w str> {
    let mut words = done.iter();
    while let Some(word) = words.next() {
        match *word {
            "--node" | "--where" | "--batch" => {
                words.next();
            }
            w if w.starts_with("--") => {}
            w => return Some(w),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Catalog {
        Catalog::new(
            &json!({"methods": [
                {"name": "core.ping", "params": []},
                {"name": "core.nodes", "params": []},
                {"name": "core.restart", "params": [{"name": "path"}]},
                {"name": "stats.query", "params": [{"name": "window"}, {"name": "group_by"}]}
            ]}),
            &json!([{"name": "n1"}, {"name": "n2"}]),
        )
    }

    fn complete(line: &str) -> (usize, Vec<String>) {
        candidates(&catalog(), line, line.len())
    }

    #[test]
    fn the_first_word_completes_to_command_names() {
        assert_eq!(complete("core.pi"), (0, vec!["core.ping ".to_owned()]));
        assert_eq!(complete("core.").1.len(), 3);
        assert!(complete("he").1.contains(&"help ".to_owned()));
    }

    #[test]
    fn arguments_complete_to_names_not_yet_given() {
        assert_eq!(
            complete("stats.query "),
            (12, vec!["window=".into(), "group_by=".into()])
        );
        assert_eq!(complete("stats.query window=60 g").1, ["group_by="]);
        assert!(complete("stats.query window=6").1.is_empty());
        assert_eq!(complete("--all core.restart p").1, ["path="]);
    }

    #[test]
    fn help_and_node_complete_names() {
        assert_eq!(complete("help core.re").1, ["core.restart "]);
        assert_eq!(complete(":node n").1, ["n1 ", "n2 "]);
        assert_eq!(complete("--node n2 core.p").1, ["core.ping "]);
        assert_eq!(complete("--a").1, ["--all "]);
    }
}

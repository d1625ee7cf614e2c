//! One line of the shell, read into what it asks for: a call (`[OPTION…] METHOD ARG…`, the
//! arguments as `clacks call` takes them), or a shell command (`help`, `:node`, `:json`,
//! `:refresh`, `quit`). Words split as a POSIX shell splits them, so `'{"a": 1}'` and
//! `path="node/plugins/host"` are one word each.

use crate::fleet::{parse_batch, FleetArgs, Where};

/// What a line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A blank line or a `#` comment.
    Nothing,
    /// `help`, `help METHOD` or `help PLUGIN`.
    Help(Option<String>),
    /// `:node N` pins calls to a node; `:node` alone unpins.
    Node(Option<String>),
    /// `:json on|off` (alone: on): raw JSON-RPC responses.
    Json(bool),
    /// `:refresh`: read `core.describe` and `core.nodes` again (completion, help).
    Refresh,
    /// `quit`, `exit`, `:q`.
    Quit,
    /// A call.
    Call(CallLine),
}

/// A call and how it is targeted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallLine {
    /// `plugin.command`.
    pub method: String,
    /// The argument words, as `clacks call` reads them.
    pub args: Vec<String>,
    /// `--node N` for this line (wins over `:node`).
    pub node: Option<String>,
    /// `--all`, `--where`, `--batch` for this line.
    pub fleet: FleetArgs,
    /// `--json` for this line.
    pub json: bool,
}

/// The options a call line may start with.
pub const OPTIONS: [&str; 5] = ["--node", "--all", "--where", "--batch", "--json"];

/// The shell's own commands (completion and `help` list them).
pub const COMMANDS: [&str; 6] = ["help", ":node", ":json", ":refresh", "quit", "exit"];

/// Reads one line; `Err` is a usage error worth showing as it is.
pub fn parse(text: &str) -> Result<Line, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(Line::Nothing);
    }
    let words = shlex::split(trimmed).ok_or("unbalanced quotes")?;
    let (first, rest) = match words.split_first() {
        Some((first, rest)) => (first.as_str(), rest),
        None => return Ok(Line::Nothing),
    };
    match (first, rest) {
        ("help" | "?", []) => Ok(Line::Help(None)),
        ("help" | "?", [what]) => Ok(Line::Help(Some(what.clone()))),
        ("help" | "?", _) => Err("help takes one METHOD or PLUGIN".into()),
        (":node", []) => Ok(Line::Node(None)),
        (":node", [node]) => Ok(Line::Node(Some(node.clone()))),
        (":node", _) => Err(":node takes one node name (none: any node)".into()),
        (":json", []) => Ok(Line::Json(true)),
        (":json", [on]) if on == "on" => Ok(Line::Json(true)),
        (":json", [off]) if off == "off" => Ok(Line::Json(false)),
        (":json", _) => Err(":json takes on or off".into()),
        (":refresh", []) => Ok(Line::Refresh),
        ("quit" | "exit" | ":q" | ":quit", []) => Ok(Line::Quit),
        _ if first.starts_with(':') => Err(format!("unknown shell command {first} (try help)")),
        _ => call_line(&words).map(Line::Call),
    }
}

/// `[--node N | --all | --where F=V | --batch N | --json]… METHOD ARG…`.
fn call_line(words: &[String]) -> Result<CallLine, String> {
    let mut call = CallLine::default();
    let mut rest = words.iter();
    let value = |rest: &mut std::slice::Iter<String>, option: &str| {
        rest.next()
            .cloned()
            .ok_or_else(|| format!("{option} needs a value"))
    };
    loop {
        let Some(word) = rest.next() else {
            return Err("no METHOD after the options".into());
        };
        match word.as_str() {
            "--node" => call.node = Some(value(&mut rest, "--node")?),
            "--all" => call.fleet.all = true,
            "--where" => call
                .fleet
                .wheres
                .push(Where::parse(&value(&mut rest, "--where")?)?),
            "--batch" => call.fleet.batch = Some(parse_batch(&value(&mut rest, "--batch")?)?),
            "--json" => call.json = true,
            option if option.starts_with("--") => {
                return Err(format!(
                    "unknown option {option} (before METHOD: {})",
                    OPTIONS.join(", ")
                ))
            }
            method => {
                call.method = method.to_owned();
                break;
            }
        }
    }
    if call.node.is_some() && call.fleet.active() {
        return Err("--node and --all/--where/--batch exclude each other".into());
    }
    if !call.method.contains('.') {
        return Err(format!(
            "'{}' is not a command: METHOD is plugin.command (try help)",
            call.method
        ));
    }
    call.args = rest.cloned().collect();
    Ok(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(text: &str) -> CallLine {
        match parse(text) {
            Ok(Line::Call(call)) => call,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn a_call_line_splits_like_a_shell_and_keeps_the_argument_words() {
        let c = call(r#"core.restart path="node/plugins/host""#);
        assert_eq!(c.method, "core.restart");
        assert_eq!(c.args, ["path=node/plugins/host"]);
        let c = call(r#"events.publish '{"a": 1}' two"#);
        assert_eq!(c.args, [r#"{"a": 1}"#, "two"]);
    }

    #[test]
    fn options_before_the_method_target_the_call() {
        let c = call("--where os=debian --where role=db --batch 2 host.load");
        assert_eq!(c.fleet.wheres.len(), 2);
        assert_eq!(c.fleet.batch, Some(2));
        assert!(call("--all --json host.load").fleet.all);
        assert_eq!(call("--node n1 core.ping").node.as_deref(), Some("n1"));
        assert_eq!(
            call("core.ping --all").args,
            ["--all"],
            "after METHOD a word is an argument"
        );
    }

    #[test]
    fn shell_commands_and_blank_lines() {
        assert_eq!(parse("  # note").unwrap(), Line::Nothing);
        assert_eq!(parse("").unwrap(), Line::Nothing);
        assert_eq!(
            parse("help core.ping").unwrap(),
            Line::Help(Some("core.ping".into()))
        );
        assert_eq!(parse(":node n2").unwrap(), Line::Node(Some("n2".into())));
        assert_eq!(parse(":node").unwrap(), Line::Node(None));
        assert_eq!(parse(":json off").unwrap(), Line::Json(false));
        assert_eq!(parse("quit").unwrap(), Line::Quit);
    }

    #[test]
    fn malformed_lines_are_usage_errors() {
        for bad in [
            "core.ping 'open",
            "--node",
            "--node n1 --all core.ping",
            "--bogus core.ping",
            "ping",
            ":nope",
            "--batch 0 host.load",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}

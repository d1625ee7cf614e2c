//! The shell without a terminal: `-c LINE` runs one line, `clacks shell FILE` (or `-`, or a
//! pipe on standard input) runs a script line by line and stops at the first line that fails
//! unless `--keep-going`. The exit code is that of the first failure, as `clacks call` gives
//! it (1 call error, 2 usage, 3 unreachable, 4 timeout), or 0.

use std::io::BufRead;

use super::state::{Shell, Step};
use crate::exit::{fail, Exit};

/// Runs the one line of `-c`.
pub fn run_one(mut shell: Shell, line: &str) -> Exit {
    let exit = match shell.run_line(line) {
        Step::Done(exit) => exit,
        Step::Quit => Exit::Ok,
    };
    shell.close();
    exit
}

/// Runs a script read from `input`, called `source` in messages.
pub fn run_lines(mut shell: Shell, input: impl BufRead, source: &str, keep_going: bool) -> Exit {
    let mut first_failure = None;
    for (index, text) in input.lines().enumerate() {
        let number = index + 1;
        let text = match text {
            Ok(text) => text,
            Err(e) => {
                shell.close();
                return fail(Exit::Usage, format!("{source}:{number}: cannot read: {e}"));
            }
        };
        match shell.run_line(&text) {
            Step::Quit => break,
            Step::Done(Exit::Ok) => {}
            Step::Done(exit) => {
                first_failure.get_or_insert(exit);
                if !keep_going {
                    eprintln!("clacks: {source}:{number}: stopped here (--keep-going goes on)");
                    break;
                }
                eprintln!("clacks: {source}:{number}: failed, going on");
            }
        }
    }
    shell.close();
    first_failure.unwrap_or(Exit::Ok)
}

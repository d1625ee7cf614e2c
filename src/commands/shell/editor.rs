//! The interactive loop on rustyline: the prompt, completion (`completion.rs`), the history
//! file in the user's data folder (`$XDG_DATA_HOME/clacks/history`, else
//! `~/.local/share/clacks/history`), Ctrl-C to drop the line being typed, Ctrl-D to leave.

use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Editor};
use std::path::PathBuf;

use super::completion::ShellHelper;
use super::state::{Shell, Step};
use crate::exit::{fail, Exit};

/// Where the history is kept; `None` when the user has no data folder.
pub fn history_file() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("clacks").join("history"))
}

/// Runs the shell on the terminal until `quit` or Ctrl-D; exits 0 then.
pub fn run(mut shell: Shell) -> Exit {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(2000)
        .and_then(|c| c.history_ignore_dups(true))
        .map(|c| c.build());
    let config = match config {
        Ok(config) => config,
        Err(e) => return fail(Exit::Usage, format!("line editor settings: {e}")),
    };
    let mut editor: Editor<ShellHelper, FileHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(e) => return fail(Exit::Usage, format!("cannot start the line editor: {e}")),
    };
    editor.set_helper(Some(ShellHelper {
        catalog: shell.catalog.clone(),
    }));
    let history = history_file();
    if let Some(path) = &history {
        if let Some(folder) = path.parent() {
            let _ = std::fs::create_dir_all(folder);
        }
        // A first session has no history yet.
        let _ = editor.load_history(path);
    }
    if let Err(message) = shell.refresh() {
        eprintln!("clacks: {message}; completion and help wait for :refresh");
    }
    eprintln!("Clacks shell: METHOD ARG…, help, Tab completes, Ctrl-D leaves.");
    loop {
        match editor.readline(&shell.prompt()) {
            Ok(text) => {
                if !text.trim().is_empty() {
                    let _ = editor.add_history_entry(text.as_str());
                    if let Some(path) = &history {
                        if let Err(e) = editor.append_history(path) {
                            eprintln!("clacks: cannot write the history {}: {e}", path.display());
                        }
                    }
                }
                if shell.run_line(&text) == Step::Quit {
                    break;
                }
            }
            // Ctrl-C drops the line being typed.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                shell.close();
                return fail(Exit::Usage, format!("reading the terminal failed: {e}"));
            }
        }
    }
    shell.close();
    Exit::Ok
}

//! Exit codes that mean something (PROTOCOL.md, CLI): scripts branch on them.

use std::process::ExitCode;

/// Why the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Ok,
    /// 1: the call returned an error (or the node ended with a failure).
    CallFailed,
    /// 2: usage or configuration error.
    Usage,
    /// 3: cannot reach the node or broker.
    Unreachable,
    /// 4: timeout.
    Timeout,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(match exit {
            Exit::Ok => 0,
            Exit::CallFailed => 1,
            Exit::Usage => 2,
            Exit::Unreachable => 3,
            Exit::Timeout => 4,
        })
    }
}

/// Prints `clacks: MESSAGE` on stderr and returns `exit`.
pub fn fail(exit: Exit, message: impl std::fmt::Display) -> Exit {
    eprintln!("clacks: {message}");
    exit
}

/// Prints what clap has to say (help, version, or the usage error) and returns the matching
/// exit: 0 for help and version, 2 for a usage error.
pub fn from_clap(err: &clap::Error) -> Exit {
    let _ = err.print();
    match err.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => Exit::Ok,
        _ => Exit::Usage,
    }
}

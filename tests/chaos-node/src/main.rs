//! `clacks-chaos-node`: the node the multi-process tests run. It is `clacks node` (the same
//! flags, ready line, signals and exit codes, through `clacks::NodeRunner`) with the
//! fault-injection plugin [`chaos`] added beside the standard plugins. It lives in a test-only
//! crate of its own (`publish = false`), so no feature of a shipped crate can compile `chaos`
//! into the `clacks` binary, whatever a workspace build unifies; `.ci/run` checks that.

#![warn(missing_docs)]

mod chaos;

use clacks::NodeRunner;
use std::process::ExitCode;

fn main() -> ExitCode {
    let runner = match NodeRunner::from_args(std::env::args_os()) {
        Ok(runner) => runner,
        Err(exit) => return exit.into(),
    };
    let standard = clacks_plugins::standard(runner.settings());
    runner
        .plugins(standard)
        .plugin(chaos::Chaos::definition())
        .run()
        .into()
}

//! `clacks node`: a [`NodeRunner`] with the standard plugins (`clacks_plugins::standard`),
//! which loads the settings, binds the gateway, starts the supervision tree, prints the ready
//! line, and runs until Ctrl-C / SIGTERM (clean shutdown, exit 0) or until the root supervisor
//! gives up (exit 1).

use clacks::{Exit, NodeArgs, NodeRunner};

/// Runs `clacks node`.
pub fn run(args: NodeArgs) -> Exit {
    let runner = match NodeRunner::from_options(args) {
        Ok(runner) => runner,
        Err(exit) => return exit,
    };
    let plugins = clacks_plugins::standard(runner.settings());
    runner.plugins(plugins).run()
}

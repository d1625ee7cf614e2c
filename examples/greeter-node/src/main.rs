//! `greeter-node`: a node binary of its own, built outside the standard plugin set. It runs
//! the standard plugins of `clacks node` and the README's greeter plugin ([`greeter`]), and
//! takes the same flags as `clacks node` (`--config`, `--name`, `--domain`, `--http`,
//! `--amqp`, `--insecure-public`, `--log`), with the same ready line, signals and exit codes:
//!
//! ```sh
//! cargo run -p clacks-example-greeter -- --http 127.0.0.1:8080
//! clacks call greeter.hello Ada times=2
//! ```

#![warn(missing_docs)]

mod greeter;

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
        .plugin(greeter::Greeter::definition())
        .run()
        .into()
}

//! Logging through tracing-subscriber on stderr: `RUST_LOG` wins, then `--log`, then the
//! config's `log.level`; `log.format = "json"` gives one JSON object per line for collectors.
//! A program that embeds a node and installed a subscriber of its own keeps it.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber unless one is installed already; a bad filter is a usage
/// error naming it.
pub fn init(flag: Option<&str>, configured: &str, json: bool) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(env) if !env.is_empty() => EnvFilter::try_new(&env)
            .map_err(|e| format!("RUST_LOG=\"{env}\" is not a valid log filter: {e}"))?,
        _ => {
            let wanted = flag.unwrap_or(configured);
            EnvFilter::try_new(wanted).map_err(|e| {
                format!("log filter \"{wanted}\" is not valid (e.g. info, debug, warn,clacks_runtime=debug): {e}")
            })?
        }
    };
    if tracing::dispatcher::has_been_set() {
        return Ok(());
    }
    use std::io::IsTerminal;
    // Colours only for a person at a terminal, never in files or pipes.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let installed = if json {
        builder.json().try_init()
    } else {
        builder.with_target(false).try_init()
    };
    installed.map_err(|e| format!("cannot install the logger: {e}"))
}

//! Configuration with the `config` crate: the documented defaults in `config/clacks.toml` are
//! compiled in, then a file (`--config` / `CLACKS_CONFIG`), then `CLACKS_SECTION__KEY`
//! environment variables and short forms, then explicit overrides (command-line flags). An
//! error about a value set by an environment variable names the variable.

mod auth;
mod brokers;
mod loader;
mod settings;
mod values;

pub use auth::AuthSettings;
pub use brokers::{broker_addresses, broker_log_url, redact_url};
pub use loader::{load, name_env_variable, DEFAULTS};
pub use settings::{
    is_valid_name, AmqpSettings, CallSettings, EventSettings, HttpListen, HttpSettings,
    LogSettings, NodeSettings, PluginSettings, Settings, StatsSettings, SupervisionSettings,
};

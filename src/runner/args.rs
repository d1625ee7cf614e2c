//! The flags of a node (`clacks node`, or any program built on [`NodeRunner`]) and the
//! configuration layers they make: the shipped defaults, the file, the `CLACKS_…` environment
//! variables, then the flags. The layers are kept with the settings so that an error found
//! later (a plugin's `[plugins.NAME]` table) can still name the variable that set the key.
//!
//! [`NodeRunner`]: super::NodeRunner

use clacks_runtime::config::{self, Settings};
use clacks_runtime::Error;
use clap::Args;
use std::path::PathBuf;

/// The flags of a node. `clacks node` takes them, [`NodeRunner::from_args`] parses them, and
/// a program may fill them itself for [`NodeRunner::from_options`].
///
/// [`NodeRunner::from_args`]: super::NodeRunner::from_args
/// [`NodeRunner::from_options`]: super::NodeRunner::from_options
#[derive(Args, Debug, Clone, Default)]
pub struct NodeArgs {
    /// Configuration file (TOML; see config/clacks.toml for every key).
    #[arg(long, env = "CLACKS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Node name, unique in the domain (default: the host name).
    #[arg(long)]
    pub name: Option<String>,
    /// Domain to join (default org.clacks).
    #[arg(long)]
    pub domain: Option<String>,
    /// HTTP JSON-RPC address, HOST:PORT (port 0: any free port) or "off".
    #[arg(long)]
    pub http: Option<String>,
    /// Join the domain through this AMQP broker (amqp://USER:PASS@HOST:PORT/VHOST); without it
    /// (and without amqp.url / CLACKS_AMQP_URL) the node uses the in-process transport.
    #[arg(long)]
    pub amqp: Option<String>,
    /// Allow the gateway to listen beyond loopback without authentication.
    #[arg(long)]
    pub insecure_public: bool,
    /// Log filter (overrides log.level; RUST_LOG overrides both).
    #[arg(long)]
    pub log: Option<String>,
}

impl NodeArgs {
    /// The flags as dotted config keys: the last layer, over the file and the environment.
    fn overrides(&self) -> Vec<(&'static str, String)> {
        let flags = [
            ("node.name", self.name.clone()),
            ("node.domain", self.domain.clone()),
            ("amqp.url", self.amqp.clone()),
            ("http.listen", self.http.clone()),
            (
                "http.insecure_public",
                self.insecure_public.then(|| "true".to_owned()),
            ),
        ];
        flags
            .into_iter()
            .filter_map(|(key, value)| value.map(|value| (key, value)))
            .collect()
    }
}

/// The environment and the flags the settings were loaded from.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    env: Vec<(String, String)>,
    overrides: Vec<(&'static str, String)>,
}

impl Sources {
    /// `err` naming the environment variable behind its key, when one set it.
    pub(crate) fn name_env_variable(&self, err: Error) -> Error {
        config::name_env_variable(err, &self.env, &self.overrides)
    }
}

/// Loads the settings for `args` from the process environment.
pub(crate) fn load(args: &NodeArgs) -> Result<(Settings, Sources), Error> {
    // Variables that are not Unicode cannot be settings (every key and value is text); they
    // are skipped instead of aborting, as `std::env::vars` would.
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    let overrides = args.overrides();
    let settings = config::load(args.config.as_deref(), env.clone(), &overrides)?;
    Ok((settings, Sources { env, overrides }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_flags_given_become_overrides() {
        let args = NodeArgs {
            name: Some("n1".into()),
            http: Some("off".into()),
            ..NodeArgs::default()
        };
        assert_eq!(
            args.overrides(),
            [
                ("node.name", "n1".to_owned()),
                ("http.listen", "off".to_owned())
            ]
        );
        let public = NodeArgs {
            insecure_public: true,
            ..NodeArgs::default()
        };
        assert_eq!(
            public.overrides(),
            [("http.insecure_public", "true".to_owned())]
        );
    }

    #[test]
    fn a_flag_beats_the_environment_and_keeps_its_variable_unnamed() {
        let sources = Sources {
            env: vec![("CLACKS_HTTP__WORKERS".into(), "abc".into())],
            overrides: vec![("http.workers", "0".into())],
        };
        let refused = Error::config("http.workers", "value 0 is not allowed");
        assert_eq!(sources.name_env_variable(refused.clone()), refused);
        let from_env = Sources {
            overrides: Vec::new(),
            ..sources
        };
        let named = from_env.name_env_variable(refused).to_string();
        assert!(named.contains("CLACKS_HTTP__WORKERS"), "{named}");
    }
}

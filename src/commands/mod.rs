//! One file per subcommand, plus the options every client command shares.

pub mod acl;
pub mod call;
pub mod dead_letters;
pub mod describe;
pub mod domain;
pub mod emit;
pub mod generate;
pub mod listen;
pub mod node;
pub mod objects;
pub mod ping;
pub mod shell;
pub mod tree;
pub mod validate;

use clap::Args;
use std::time::Duration;

use crate::client::Client;
use clacks_amqp::Mechanism;
use clacks_tls::ClientTls;

/// How client commands reach a node.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// The node's JSON-RPC endpoint.
    #[arg(long, env = "CLACKS_URL", default_value = "http://127.0.0.1:8080/rpc")]
    pub url: String,
    /// Call through this AMQP broker instead of HTTP (wins over --url).
    #[arg(long, env = "CLACKS_AMQP_URL")]
    pub amqp: Option<String>,
    /// The domain to call into over AMQP.
    #[arg(long, env = "CLACKS_DOMAIN", default_value = "org.clacks")]
    pub domain: String,
    /// Give up after this many seconds (exit code 4).
    #[arg(long, default_value_t = 30.0, value_parser = parse_timeout)]
    pub timeout: f64,
    /// The CA file (PEM) the server's certificate must chain to: for https:// and amqps://
    /// (the only trust anchor; no system store).
    #[arg(
        long,
        visible_alias = "ca-file",
        env = "CLACKS_CA",
        value_name = "FILE"
    )]
    pub ca: Option<std::path::PathBuf>,
    /// A bearer token from the node's `POST /login` (HTTP Basic: put `USER:PASSWORD@` in
    /// the --url instead).
    #[arg(
        long,
        env = "CLACKS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// A client certificate (PEM) to present, with --key.
    #[arg(long, env = "CLACKS_CERT", value_name = "FILE", requires = "key")]
    pub cert: Option<std::path::PathBuf>,
    /// The private key (PEM) of --cert.
    #[arg(long, env = "CLACKS_KEY", value_name = "FILE", requires = "cert")]
    pub key: Option<std::path::PathBuf>,
    /// SASL mechanism over AMQP: plain (the URL's user and password) or external (the
    /// client certificate's common name is the user).
    #[arg(long, default_value = "plain", value_parser = ["plain", "external"])]
    pub mechanism: String,
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && t > 0.0 && t < 1e6 => Ok(t),
        _ => Err(format!("'{s}' is not a number of seconds greater than 0")),
    }
}

impl Target {
    /// The client for these options.
    pub fn client(&self) -> Client {
        Client {
            url: self.url.clone(),
            amqp: self.amqp.clone().filter(|u| !u.trim().is_empty()),
            domain: self.domain.clone(),
            timeout: Duration::from_secs_f64(self.timeout),
            tls: self.ca.as_ref().map(|ca| {
                let tls = ClientTls::new(ca, "--ca");
                match (&self.cert, &self.key) {
                    (Some(cert), Some(key)) => tls.with_identity((cert, "--cert"), (key, "--key")),
                    _ => tls,
                }
            }),
            mechanism: Mechanism::parse(&self.mechanism).unwrap_or_default(),
            token: self.token.clone().filter(|t| !t.trim().is_empty()),
        }
    }
}

//! One file per subcommand, plus the options every client command shares.

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
        }
    }
}

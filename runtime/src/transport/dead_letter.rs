//! Calls a transport gave up on (the AMQP transport's `D.command.dead`), as operators see
//! them through `core.dead_letters` and bring them back with `core.replay_dead_letters`.

use serde::Serialize;
use serde_json::Value;

/// One dead-lettered call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetter {
    /// Its id, to replay it by.
    pub id: String,
    /// `plugin.command`, when the body could be read.
    pub method: Option<String>,
    /// The JSON-RPC request as it was sent (or its text, when it is not JSON).
    pub request: Value,
    /// Who called.
    pub caller: Option<String>,
    /// Why it was given up.
    pub reason: String,
    /// Where it was published (the routing key: `plugin` or `plugin.NODE`).
    pub routing_key: Option<String>,
    /// When it was dead-lettered, Unix ms.
    pub dead_at_ms: Option<u64>,
}

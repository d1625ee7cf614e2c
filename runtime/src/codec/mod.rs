//! Wire codecs. JSON-RPC 2.0 is the external form everywhere (HTTP and AMQP).

pub mod json_rpc;

//! Wire codecs. JSON-RPC 2.0 is the external form everywhere (HTTP and AMQP): [`json_rpc`]
//! reads and writes its objects; [`wire`] turns them into message bodies, as JSON or (between
//! nodes) bincode.

pub mod json_rpc;
pub mod wire;

//! Calls: the request that travels, the call type that decides how many providers answer, the
//! context a handler sees, the error a caller gets, and the call once resolved (plugin,
//! command, call type, deadline).

mod call_error;
mod call_type;
mod command_spec;
mod context;
mod request;
mod resolved;

pub use call_error::{CallError, RpcErrorKind};
pub use call_type::CallType;
pub use command_spec::{schema_for_rust_type, ArgSpec, CommandSpec};
pub use context::CallContext;
pub use request::{unix_millis_now, CallRequest, Params};
pub use resolved::ResolvedCall;

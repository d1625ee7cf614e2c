//! Calls: the request that travels, the call type that decides how many providers answer, the
//! context a handler sees, the error a caller gets, and the merge of fanned-out replies.

mod call_error;
mod call_type;
mod context;
mod fan_out;
mod request;

pub use call_error::{CallError, RpcErrorKind};
pub use call_type::CallType;
pub use context::CallContext;
pub use fan_out::{cumulative, first_result, CumulativeResult};
pub use request::{unix_millis_now, CallRequest, Params};

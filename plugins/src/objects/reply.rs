//! Store results as call results: the store's errors become the JSON-RPC errors of
//! PROTOCOL.md (`-32004 backend` with `data.backend`; `-32003` when access is denied; refusals `-32602`
//! with `data.reason`,
//! `data.attribute`, `data.rule`), and store work runs on a blocking worker.

use clacks_object_store::{Error, ErrorKind};
use clacks_runtime::call::{CallError, RpcErrorKind};

/// The call error for a store error.
pub fn store_error(e: Error) -> CallError {
    if e.kind == ErrorKind::Backend {
        let backend = e.backend.clone().unwrap_or_default();
        return CallError::new(RpcErrorKind::Backend, e.to_string()).with("backend", backend);
    }
    let mut out = match e.kind {
        ErrorKind::Forbidden => CallError::new(RpcErrorKind::Forbidden, e.to_string()),
        _ => CallError::invalid_params(e.to_string()).with("reason", e.kind.name()),
    };
    if let Some(a) = e.attribute {
        out = out.with("attribute", a);
    }
    if let Some(r) = e.rule {
        out = out.with("rule", r);
    }
    out
}

/// Runs `work` on a blocking worker (diesel is synchronous).
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> clacks_object_store::Result<T> + Send + 'static,
) -> Result<T, CallError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CallError::internal(format!("object store worker: {e}")))?
        .map_err(store_error)
}

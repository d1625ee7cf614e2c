//! `GET /metrics`: the node's statistics in the Prometheus text format (rendered by
//! `clacks_runtime::telemetry::prometheus` from lock-free counters).

use actix_web::{web, HttpResponse};
use clacks_runtime::telemetry::prometheus::CONTENT_TYPE;

use super::GatewayState;

/// `GET /metrics`
pub async fn metrics(state: web::Data<GatewayState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(state.node.metrics_text())
}

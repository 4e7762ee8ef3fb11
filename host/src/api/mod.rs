//! The HTTP API (DESIGN.md §4): JSON, camelCase, `/api/v1`, Bearer keys.

mod answers;
mod connections;
mod error;
mod events;
mod extract;
mod openapi;
mod routes;

pub use openapi::ApiDoc;

use crate::app::App;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::sync::Arc;

/// Largest request body accepted (sales with many lines fit easily).
pub const MAX_BODY_BYTES: usize = 1 << 20;

pub fn router(app: Arc<App>) -> Router {
    let v1 = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/sandbox", get(routes::sandbox))
        .route(
            "/stores",
            post(routes::create_store).get(routes::list_stores),
        )
        .route("/stores/{store_id}", get(routes::get_store))
        .route("/syncPOS", post(routes::sync_pos))
        .route("/pushToPOS", post(routes::push_pos))
        .route("/syncERP", post(routes::sync_erp))
        .route("/pushToERP", post(routes::push_erp))
        .route("/configurePSP", post(routes::configure_psp))
        .route("/processPayment", post(routes::process_payment))
        .route("/refundPayment", post(routes::refund_payment))
        .route("/capturePayment", post(routes::capture_payment))
        .route("/cancelPayment", post(routes::cancel_payment))
        .route("/sales", post(routes::create_sale).get(routes::list_sales))
        .route("/products", get(routes::list_products))
        .route("/categories", get(routes::list_categories))
        .route("/inventory", get(routes::list_inventory))
        .route("/orders", get(routes::list_orders))
        .route("/suppliers", get(routes::list_suppliers))
        .route("/syncRuns", get(routes::list_sync_runs))
        .route("/syncRuns/{run_id}", get(routes::get_sync_run))
        .route("/syncRuns/{run_id}/logs", get(routes::sync_run_logs))
        .route("/payments", get(routes::list_payments))
        .route("/disputes", get(routes::list_disputes))
        .route("/payouts", get(routes::list_payouts))
        .route("/syncPayouts", post(routes::sync_payouts))
        .route("/payments/{payment_id}", get(routes::get_payment))
        .route("/payments/{payment_id}/logs", get(routes::payment_logs))
        .route("/audit/egress", get(routes::egress_audit))
        .route(
            "/connectors",
            get(routes::list_connectors)
                .post(routes::upload_connector)
                .layer(DefaultBodyLimit::max(
                    crate::uploads::MAX_COMPONENT_BYTES + (1 << 20),
                )),
        )
        .route(
            "/connectors/{connector_id}",
            get(routes::get_connector).delete(routes::delete_connector),
        )
        .route(
            "/connectors/{connector_id}/grants",
            post(routes::connector_grants),
        )
        .route("/webhooks/{provider}/{store_id}", post(routes::webhook))
        .route(
            "/connections",
            post(connections::create_connection).get(connections::list_connections),
        )
        .route(
            "/connections/{connection_id}",
            get(connections::get_connection)
                .patch(connections::patch_connection)
                .delete(connections::delete_connection),
        )
        .route(
            "/eventEndpoints",
            post(events::create_endpoint).get(events::list_endpoints),
        )
        .route(
            "/eventEndpoints/{endpoint_id}",
            axum::routing::delete(events::delete_endpoint),
        )
        .route("/events", get(events::list_events))
        .route("/events/{event_id}", get(events::get_event))
        .route("/events/{event_id}/redeliver", post(events::redeliver))
        .route("/jobs", get(connections::list_jobs))
        .route("/jobs/{job_id}", get(connections::get_job))
        .route("/keys/rotate", post(routes::rotate_key))
        .fallback(routes::not_found);
    Router::new()
        .route("/health", get(routes::health))
        .route("/metrics", get(routes::metrics))
        .nest("/api/v1", v1)
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            count_requests,
        ))
        .with_state(app)
}

/// Counts and times every answer by its route template (never the raw path: ids would
/// explode the label set), and error answers by their code; each request is one trace
/// (or a child of the caller's `traceparent`).
async fn count_requests(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    matched: Option<axum::extract::MatchedPath>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method().clone();
    let route = matched
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let span = crate::telemetry::request_span(&method, &route, request.headers());
    let started = std::time::Instant::now();
    let response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    span.record(
        "http.response.status_code",
        i64::from(response.status().as_u16()),
    );
    let error_code = response.extensions().get::<error::AnswerCode>();
    app.metrics.http(crate::metrics::HttpFigures {
        method: &method,
        route: &route,
        status: response.status().as_u16(),
        elapsed: started.elapsed(),
        error_code: error_code.map(|c| c.0.as_str()),
    });
    response
}

//! `GET /api/v1/openapi.json`: the API described from the handlers' own types and
//! `#[utoipa::path]` annotations, so it cannot drift from what the code answers.

use super::{connections, events, routes};
use crate::error::answer::{ErrorBody, ErrorDetail};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "BEEP! Connect",
        description = "One API for every POS, ERP and payment provider. Errors are \
            `{\"success\":false,\"error\":{\"code\",\"message\"}}`; keys are \
            `Authorization: Bearer beep_test_…` (Test Mode) or `beep_live_…`."
    ),
    paths(
        routes::health,
        routes::metrics,
        routes::sandbox,
        routes::create_store,
        routes::list_stores,
        routes::get_store,
        routes::sync_pos,
        routes::push_pos,
        routes::sync_erp,
        routes::push_erp,
        routes::configure_psp,
        routes::process_payment,
        routes::refund_payment,
        routes::capture_payment,
        routes::cancel_payment,
        routes::webhook,
        routes::create_sale,
        routes::list_sales,
        routes::list_products,
        routes::list_categories,
        routes::list_inventory,
        routes::list_orders,
        routes::list_suppliers,
        routes::list_sync_runs,
        routes::get_sync_run,
        routes::sync_run_logs,
        routes::list_payments,
        routes::list_disputes,
        routes::list_payouts,
        routes::sync_payouts,
        routes::get_payment,
        routes::payment_logs,
        routes::egress_audit,
        routes::list_connectors,
        routes::upload_connector,
        routes::get_connector,
        routes::delete_connector,
        routes::connector_grants,
        routes::rotate_key,
        connections::create_connection,
        connections::list_connections,
        connections::get_connection,
        connections::patch_connection,
        connections::delete_connection,
        connections::list_jobs,
        connections::get_job,
        events::create_endpoint,
        events::list_endpoints,
        events::delete_endpoint,
        events::list_events,
        events::get_event,
        events::redeliver,
        document,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Failures),
    security(("apiKey" = []))
)]
pub struct ApiDoc;

/// The document itself.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "This document", body = Object)))]
pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// Adds the key scheme and every operation's failure answers (one shape, listed by
/// status), so the handlers' annotations only name their successes.
struct Failures;

impl Modify for Failures {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("beep_test_… or beep_live_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "operatorToken",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for op in operations.into_iter().flatten() {
                for (status, why) in failures(path, op) {
                    let response = ResponseBuilder::new()
                        .description(why)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build();
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert(response.into());
                }
            }
        }
    }
}

/// Which failures an operation can answer.
fn failures(path: &str, op: &Operation) -> Vec<(u16, &'static str)> {
    if matches!(path, "/health" | "/api/v1/openapi.json") {
        return Vec::new();
    }
    if path == "/metrics" {
        return vec![
            (401, "No operator token, or the wrong one"),
            (403, "The server has no operator token configured"),
        ];
    }
    let public = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| r == &Default::default()));
    let mut out = vec![
        (400, "Bad input, named in the message"),
        (404, "Unknown store, system, connector or record"),
    ];
    if !public {
        out.extend([
            (401, "No key, or an unknown one"),
            (
                403,
                "Another merchant's store, the other mode, or a plan without sync",
            ),
            (429, "Too many requests for this key; see Retry-After"),
        ]);
    }
    if op.request_body.is_some() {
        out.push((413, "The body is too large"));
    }
    let calls_connector = op
        .tags
        .as_ref()
        .is_some_and(|t| t.iter().any(|t| t == "sync" || t == "payments"))
        // Creating a connection or changing its credentials asks the vendor.
        || (path.starts_with("/api/v1/connections") && op.request_body.is_some());
    if calls_connector || path.starts_with("/api/v1/connectors") || path == "/api/v1/sales" {
        out.push((
            409,
            "Conflict: idempotency key, duplicate, run or connector in use",
        ));
    }
    if path.ends_with("/redeliver") {
        out.push((422, "No event endpoint takes this event"));
    }
    if calls_connector {
        out.extend([
            (422, "The vendor rejected the configuration or request"),
            (429, "The vendor is rate limiting; see Retry-After"),
            (502, "The vendor or the connector failed"),
            (504, "The connector ran out of time"),
        ]);
    }
    out
}

//! Event endpoints (`/eventEndpoints`) and events (`/events`).

use super::extract::{Body, Params};
use crate::app::App;
use crate::db::{self, merchants::Caller};
use crate::error::Failure;
use crate::events;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type Result<T> = std::result::Result<T, Failure>;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateEndpoint {
    /// Live mode: a public https URL. Test Mode also allows http and loopback.
    url: String,
    /// Event types (sync.completed, sync.failed, push.completed, push.failed,
    /// payment.updated, payment.authorization_expired, refund.updated, dispute.updated,
    /// connection.disabled) or `*`.
    events: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    endpoint_id: String,
    url: String,
    events: Vec<String>,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointCreated {
    success: bool,
    endpoint_id: String,
    /// Signs every delivery (`Beep-Signature`); shown once.
    secret: String,
    endpoint: EndpointView,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    success: bool,
    endpoints: Vec<EndpointView>,
}

fn endpoint_view(e: db::events::Endpoint) -> EndpointView {
    EndpointView {
        endpoint_id: e.endpoint_id,
        url: e.url,
        events: e.events,
        created_at: db::rfc3339(e.created_at),
    }
}

#[utoipa::path(post, path = "/api/v1/eventEndpoints", tag = "events", request_body = CreateEndpoint,
    responses((status = 201, description = "Subscribed; the secret is shown once", body = EndpointCreated)))]
pub async fn create_endpoint(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<CreateEndpoint>,
) -> Result<Response> {
    events::check_url(&body.url, caller.mode).map_err(|e| Failure::invalid("invalid_url", e))?;
    if body.events.is_empty() {
        return Err(Failure::invalid(
            "invalid_request",
            "events must name at least one type",
        ));
    }
    if let Some(unknown) = body
        .events
        .iter()
        .find(|t| t.as_str() != "*" && !events::TYPES.contains(&t.as_str()))
    {
        return Err(Failure::invalid(
            "unknown_event_type",
            format!(
                "{unknown:?} is not an event type; use {}",
                events::TYPES.join(", ")
            ),
        ));
    }
    let id = db::events::new_endpoint_id();
    let secret = events::new_secret();
    let sealed = app
        .sealer
        .seal(secret.as_bytes(), &events::secret_context(&id));
    db::events::add_endpoint(&app.db, &caller, &id, &body.url, &body.events, &sealed).await?;
    let endpoint = db::events::endpoint_by_id(&app.db, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the endpoint was just written"))?;
    Ok((
        StatusCode::CREATED,
        Json(EndpointCreated {
            success: true,
            endpoint_id: id,
            secret,
            endpoint: endpoint_view(endpoint),
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/eventEndpoints", tag = "events",
    responses((status = 200, description = "This merchant's endpoints in this mode", body = Endpoints)))]
pub async fn list_endpoints(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<Endpoints>> {
    let endpoints = db::events::endpoints(&app.db, &caller.merchant_id, caller.mode).await?;
    Ok(Json(Endpoints {
        success: true,
        endpoints: endpoints.into_iter().map(endpoint_view).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointDeleted {
    success: bool,
    deleted: String,
}

#[utoipa::path(delete, path = "/api/v1/eventEndpoints/{endpoint_id}", tag = "events",
    params(("endpoint_id" = String, Path)),
    responses((status = 200, description = "Unsubscribed; its pending deliveries stop", body = EndpointDeleted)))]
pub async fn delete_endpoint(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<EndpointDeleted>> {
    if !db::events::delete_endpoint(&app.db, &caller, &id).await? {
        return Err(Failure::not_found(
            "unknown_endpoint",
            format!("no event endpoint {id}"),
        ));
    }
    Ok(Json(EndpointDeleted {
        success: true,
        deleted: id,
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created_at: String,
    #[schema(value_type = Object)]
    data: Value,
    /// Each endpoint's delivery with every attempt.
    #[schema(value_type = Vec<Object>)]
    deliveries: Vec<db::events::Delivery>,
}

async fn event_view(app: &App, e: db::events::Event) -> Result<EventView> {
    let deliveries = db::events::deliveries(&app.db, &e.event_id).await?;
    Ok(EventView {
        data: serde_json::from_str(&e.data).unwrap_or_default(),
        created_at: db::rfc3339(e.created_at),
        id: e.event_id,
        kind: e.kind,
        deliveries,
    })
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Events {
    success: bool,
    events: Vec<EventView>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventFound {
    success: bool,
    event: EventView,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events of this type.
    #[serde(rename = "type")]
    kind: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery),
    responses((status = 200, description = "Latest events with their deliveries", body = Events)))]
pub async fn list_events(
    State(app): State<Arc<App>>,
    caller: Caller,
    Params(q): Params<EventQuery>,
) -> Result<Json<Events>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let rows = db::events::list(&app.db, &caller, q.kind.as_deref(), limit).await?;
    let mut events = Vec::with_capacity(rows.len());
    for e in rows {
        events.push(event_view(&app, e).await?);
    }
    Ok(Json(Events {
        success: true,
        events,
    }))
}

async fn own_event(app: &App, caller: &Caller, id: &str) -> Result<db::events::Event> {
    db::events::event_by_id(&app.db, id)
        .await?
        .filter(|e| e.merchant_id == caller.merchant_id && e.mode == caller.mode.as_str())
        .ok_or_else(|| Failure::not_found("unknown_event", format!("no event {id}")))
}

#[utoipa::path(get, path = "/api/v1/events/{event_id}", tag = "events",
    params(("event_id" = String, Path)),
    responses((status = 200, description = "The event with its deliveries", body = EventFound)))]
pub async fn get_event(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<EventFound>> {
    let event = own_event(&app, &caller, &id).await?;
    Ok(Json(EventFound {
        success: true,
        event: event_view(&app, event).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/events/{event_id}/redeliver", tag = "events",
    params(("event_id" = String, Path)),
    responses((status = 202, description = "Sent again (same id) to its endpoints", body = EventFound)))]
pub async fn redeliver(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let event = own_event(&app, &caller, &id).await?;
    if db::events::redeliver(&app.db, &event).await? == 0 {
        return Err(Failure::rejected(
            "no_endpoint",
            "no event endpoint of this merchant takes this event",
        ));
    }
    app.wake_deliveries.notify_waiters();
    Ok((
        StatusCode::ACCEPTED,
        Json(EventFound {
            success: true,
            event: event_view(&app, event).await?,
        }),
    )
        .into_response())
}

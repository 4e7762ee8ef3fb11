//! Extractors that answer bad input in the API's error shape: the caller (from the
//! Bearer key), JSON bodies, query strings, the Idempotency-Key header.

use crate::app::App;
use crate::db;
use crate::db::merchants::{Caller, Mode};
use crate::error::Failure;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Caller, Failure> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unauthorized("missing Authorization: Bearer <API key>"))?;
        let key = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|k| well_formed(k))
            .ok_or_else(|| {
                unauthorized("the Authorization header must be Bearer beep_test_… or beep_live_…")
            })?;
        // An address that tried too many unknown keys is refused before the database
        // is asked again; buckets exist only for real keys and for such addresses.
        let address = client_address(&parts.extensions);
        if let Some(retry_after) = app.limiter.address_blocked(address) {
            return Err(Failure::TooMany { retry_after });
        }
        let Some(caller) = db::merchants::authenticate(&app.db, key).await? else {
            app.limiter.unknown_key(address);
            return Err(unauthorized("unknown API key"));
        };
        app.limiter
            .check(caller.key_hash.as_deref().unwrap_or_default())
            .map_err(|retry_after| Failure::TooMany { retry_after })?;
        if caller.mode == Mode::Live && !app.settings.live {
            return Err(Failure::forbidden(
                "live_mode_disabled",
                "this server runs Test Mode only; use a beep_test_ key",
            ));
        }
        Ok(caller)
    }
}

/// The client's IP address, as the listener recorded it (unspecified if the router is
/// served some other way).
pub fn client_address(extensions: &axum::http::Extensions) -> std::net::IpAddr {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// `beep_test_` or `beep_live_` and 32 letters or digits, exactly as keys are made.
fn well_formed(key: &str) -> bool {
    let secret = key
        .strip_prefix("beep_test_")
        .or_else(|| key.strip_prefix("beep_live_"));
    secret.is_some_and(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn unauthorized(message: &str) -> Failure {
    Failure::Unauthenticated(message.to_string())
}

/// A JSON body; malformed JSON or a wrong field is a 400 naming the problem.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Failure::invalid(
                "invalid_request",
                "expected Content-Type: application/json",
            )),
            Err(JsonRejection::BytesRejection(_)) => Err(Failure::TooLarge(format!(
                "request bodies are limited to {} bytes",
                super::MAX_BODY_BYTES
            ))),
            Err(e) => Err(Failure::invalid("invalid_request", e.body_text())),
        }
    }
}

/// A query string; a wrong parameter is a 400.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|e: QueryRejection| Failure::invalid("invalid_query", e.body_text()))
    }
}

/// The `Idempotency-Key` header, required for money-moving requests.
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Failure> {
        let key = parts
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or("");
        if key.is_empty() || key.len() > 255 {
            return Err(Failure::invalid(
                "idempotency_key_required",
                "send an Idempotency-Key header (1 to 255 characters) with every payment, capture, cancellation and refund",
            ));
        }
        Ok(IdempotencyKey(key.to_string()))
    }
}

//! The HTTP layer shared by the handlers: the auth and failure gate, query strings,
//! JSON bodies and JSON answers.

use super::auth::{Instance, instance};
use super::errors::{Bad, failure_response, unauthorized};
use super::{SimState, XentralSim};
use crate::kit::fault::Stage;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;

impl XentralSim {
    /// Auth, then an injected failure, then `f`.
    pub(super) fn api(
        &self,
        headers: &HeaderMap,
        f: impl FnOnce(&mut SimState, Instance) -> Response,
    ) -> Response {
        let mut state = self.lock();
        let Some(inst) = instance(headers) else {
            return unauthorized();
        };
        if let Some(fault) = state.failure.take_at(Stage::BeforeRequest) {
            return failure_response(fault.status);
        }
        f(&mut state, inst)
    }
}

pub(super) fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The query string as a map (`page[number]` → "2").
pub(super) fn query(raw: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

pub(super) fn parse_json(body: &Bytes) -> Result<Value, Bad> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| Bad("the body must be a JSON object".into()))
}

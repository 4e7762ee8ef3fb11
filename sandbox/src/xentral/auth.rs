//! Bearer token authentication: which instance (demo or `gen-N`) a token opens.

use super::{DEMO_TOKEN, MAX_GENERATED};
use axum::http::{HeaderMap, header};

/// Which instance a token opens.
pub(super) enum Instance {
    Demo,
    Generated(usize),
}

pub(super) fn instance(headers: &HeaderMap) -> Option<Instance> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    if token == DEMO_TOKEN {
        return Some(Instance::Demo);
    }
    let n: usize = token.strip_prefix("gen-")?.parse().ok()?;
    (1..=MAX_GENERATED)
        .contains(&n)
        .then_some(Instance::Generated(n))
}

//! Exactly-once `PUT`s of pushed items.

use super::{Config, check};
use crate::http::{Request, Response};
use crate::types::{ConnectorError, PushOutcome, PushResult};
use serde_json::Value;

// ---- pushes ----------------------------------------------------------------------------------

/// `PUT {base}{collection}/{id}` per item, the protocol's exactly-once write: `201` is a
/// new item, `200` (or `409`) one the server already had. An authentication failure
/// fails the whole call; a transient failure (429, 5xx, network) leaves this and the
/// remaining items to the next push.
pub fn put_each(
    cfg: &Config,
    collection: &str,
    items: Vec<(String, Value)>,
    send: &mut dyn FnMut(Request) -> Result<Response, ConnectorError>,
) -> Result<Vec<PushResult>, ConnectorError> {
    let mut results = Vec::with_capacity(items.len());
    let mut halted: Option<ConnectorError> = None;
    for (id, body) in items {
        if let Some(e) = &halted {
            results.push(PushResult {
                id,
                outcome: PushOutcome::Rejected(e.clone()),
            });
            continue;
        }
        let url = format!("{}{collection}/{}", cfg.base(), encode_segment(&id));
        let outcome = match send(cfg.authorize(Request::put(url)).json(&body)?) {
            Err(e) => {
                halted = Some(e.clone());
                PushOutcome::Rejected(e)
            }
            Ok(resp) => {
                let external = || {
                    serde_json::from_slice::<Value>(&resp.body)
                        .ok()
                        .and_then(|v| v["externalId"].as_str().map(str::to_string))
                };
                match resp.status {
                    201 => PushOutcome::Created(external()),
                    200 | 409 => PushOutcome::Duplicate(external()),
                    _ => match check(resp) {
                        Err(
                            e @ (ConnectorError::Unauthorized(_) | ConnectorError::Forbidden(_)),
                        ) => {
                            return Err(e);
                        }
                        Err(e) => {
                            let transient = matches!(
                                &e,
                                ConnectorError::RateLimited(_) | ConnectorError::Network(_)
                            ) || matches!(&e, ConnectorError::Upstream(u) if u.status >= 500);
                            if transient {
                                halted = Some(e.clone());
                            }
                            PushOutcome::Rejected(e)
                        }
                        // Another 2xx (202, 204): accepted, nothing to tell.
                        Ok(_) => PushOutcome::Created(None),
                    },
                }
            }
        };
        results.push(PushResult { id, outcome });
    }
    Ok(results)
}

/// Percent-encodes an id for one path segment.
pub fn encode_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

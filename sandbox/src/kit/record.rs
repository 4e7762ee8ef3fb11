//! Recording: every request a simulator receives, as the connector sent it, so tests
//! can hold connectors' requests against the vendor's published API description.

use super::fault::Outage;
use axum::Router;
use std::sync::{Arc, Mutex};

/// One request that reached a vendor's simulator, as the connector sent it: lets tests
/// check connectors' requests against the vendor's published API description.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// Relative to the vendor's mount: `/v1/payment_intents`, not `/stripe/v1/…`.
    pub path: String,
    /// The raw query string, without `?` (empty when none).
    pub query: String,
    pub content_type: Option<String>,
    /// The body as sent (lossy UTF-8: every simulated API speaks text).
    pub body: String,
}

/// Every request a vendor's simulator received, in order (`/_sim/` hooks excepted).
pub type Recorder = Arc<Mutex<Vec<RecordedRequest>>>;

/// The largest body recorded (and passed on) for a simulator request.
const RECORD_LIMIT: usize = 16 << 20;

/// Wraps a simulator's router so that what reaches it is recorded (and an armed outage
/// answers instead).
pub fn recording(name: &str, recorder: &Recorder, outage: &Outage, router: Router) -> Router {
    let state = (format!("/{name}"), recorder.clone(), outage.clone());
    router.layer(axum::middleware::from_fn_with_state(state, record))
}

async fn record(
    axum::extract::State((mount, recorder, outage)): axum::extract::State<(
        String,
        Recorder,
        Outage,
    )>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    let path = path
        .strip_prefix(mount.as_str())
        .unwrap_or(path)
        .to_string();
    if path.contains("/_sim/") {
        return next.run(req).await;
    }
    {
        let target = format!("{path}?{}", req.uri().query().unwrap_or_default());
        let stage = super::fault::Stage::BeforeRequest;
        let taken = outage.lock().unwrap().take(stage, req.method(), &target);
        if let Some(fault) = taken {
            return (fault.status, "simulated outage").into_response();
        }
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, RECORD_LIMIT).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, e.to_string()).into_response();
        }
    };
    recorder.lock().unwrap().push(RecordedRequest {
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().unwrap_or_default().to_string(),
        content_type: parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

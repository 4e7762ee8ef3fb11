//! Recording: the requests a simulator receives, as the connector sent them, so tests
//! can hold connectors' requests against the vendor's published API description.
//!
//! Nothing is recorded until a test asks for it ([`crate::Sandbox::record`]): a Test
//! Mode server holds no merchant's request bodies. What is recorded is a bounded ring
//! (count and bytes); the oldest requests give way.

use super::fault::Outage;
use axum::Router;
use std::collections::VecDeque;
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
    /// The body as sent (lossy UTF-8: every simulated API speaks text), cut at
    /// [`RECORDED_BODY_LIMIT`].
    pub body: String,
}

/// The requests a vendor's simulator received while recording, oldest first (`/_sim/`
/// hooks excepted).
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Ring>>);

#[derive(Default)]
struct Ring {
    on: bool,
    requests: VecDeque<RecordedRequest>,
    bytes: usize,
}

/// The most requests one vendor's recording keeps.
pub const RECORDED_REQUESTS: usize = 20_000;
/// The most body bytes one vendor's recording keeps, together.
pub const RECORDED_BYTES: usize = 64 << 20;
/// The most of one body recorded.
pub const RECORDED_BODY_LIMIT: usize = 1 << 20;

impl Recorder {
    /// Starts (or stops) recording; stopping forgets what was recorded.
    pub fn set(&self, on: bool) {
        let mut ring = self.0.lock().unwrap();
        ring.on = on;
        if !on {
            ring.requests.clear();
            ring.bytes = 0;
        }
    }

    fn on(&self) -> bool {
        self.0.lock().unwrap().on
    }

    fn push(&self, mut request: RecordedRequest) {
        if request.body.len() > RECORDED_BODY_LIMIT {
            let mut cut = RECORDED_BODY_LIMIT;
            while !request.body.is_char_boundary(cut) {
                cut -= 1;
            }
            request.body.truncate(cut);
        }
        let mut ring = self.0.lock().unwrap();
        if !ring.on {
            return;
        }
        ring.bytes += request.body.len();
        ring.requests.push_back(request);
        while ring.requests.len() > RECORDED_REQUESTS || ring.bytes > RECORDED_BYTES {
            let Some(old) = ring.requests.pop_front() else {
                break;
            };
            ring.bytes -= old.body.len();
        }
    }

    /// What was recorded, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.0.lock().unwrap().requests.iter().cloned().collect()
    }
}

/// The largest body passed on to a simulator.
const BODY_LIMIT: usize = 16 << 20;

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
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, e.to_string()).into_response();
        }
    };
    if recorder.on() {
        recorder.push(RecordedRequest {
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
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &str) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: "/v1/x".into(),
            query: String::new(),
            content_type: None,
            body: body.into(),
        }
    }

    #[test]
    fn nothing_is_recorded_unless_asked_and_the_ring_is_bounded() {
        let recorder = Recorder::default();
        recorder.push(request("unasked"));
        assert!(recorder.requests().is_empty());

        recorder.set(true);
        for i in 0..RECORDED_REQUESTS + 5 {
            recorder.push(request(&i.to_string()));
        }
        let kept = recorder.requests();
        assert_eq!(kept.len(), RECORDED_REQUESTS);
        assert_eq!(kept[0].body, "5", "the oldest gave way");

        let big = "x".repeat(RECORDED_BODY_LIMIT + 10);
        for _ in 0..RECORDED_BYTES / RECORDED_BODY_LIMIT + 3 {
            recorder.push(request(&big));
        }
        let kept = recorder.requests();
        let bytes: usize = kept.iter().map(|r| r.body.len()).sum();
        assert!(bytes <= RECORDED_BYTES, "{bytes}");
        assert_eq!(kept.last().unwrap().body.len(), RECORDED_BODY_LIMIT);

        recorder.set(false);
        assert!(recorder.requests().is_empty(), "stopping forgets");
    }
}

//! Traces over OTLP: the real `beep serve` exports to a receiver in this test (OTLP/HTTP
//! with JSON bodies). A sync sent with a W3C `traceparent` is one tree under the
//! caller's span: the request, a span per connector call, a span per vendor request
//! (host, path, status); a queued sync is a trace of its own under its job. No
//! credential appears in anything exported.

use crate::crash::{create_merchant, free_port, spawn, wait_healthy};
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every span the receiver got, flattened, plus the raw bodies.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Value>>>);

impl Received {
    async fn start(&self) -> String {
        let bodies = self.0.clone();
        let app = axum::Router::new().route(
            "/v1/traces",
            post(move |body: axum::body::Bytes| {
                let bodies = bodies.clone();
                async move {
                    let parsed: Value = serde_json::from_slice(&body).expect("OTLP JSON");
                    bodies.lock().unwrap().push(parsed);
                    axum::Json(json!({}))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn spans(&self) -> Vec<Value> {
        let bodies = self.0.lock().unwrap();
        let mut spans = Vec::new();
        for body in bodies.iter() {
            for rs in body["resourceSpans"].as_array().into_iter().flatten() {
                assert_eq!(
                    attribute(&rs["resource"], "service.name"),
                    Some(json!("beep-connect"))
                );
                for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                    spans.extend(ss["spans"].as_array().into_iter().flatten().cloned());
                }
            }
        }
        spans
    }

    fn raw(&self) -> String {
        serde_json::to_string(&*self.0.lock().unwrap()).unwrap()
    }

    /// Waits until `done` holds of the spans received so far.
    async fn until(&self, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let spans = self.spans();
            if done(&spans) {
                return spans;
            }
            assert!(Instant::now() < deadline, "{what}; got {spans:#?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// An attribute's value (`{"stringValue": …}` or `{"intValue": …}`) as JSON.
fn attribute(item: &Value, key: &str) -> Option<Value> {
    let found = item["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)?;
    let value = &found["value"];
    value
        .get("stringValue")
        .cloned()
        .or_else(|| {
            value
                .get("intValue")
                .map(|v| json!(v.as_i64().or_else(|| v.as_str()?.parse().ok())))
        })
        .or_else(|| value.as_object()?.values().next().cloned())
}

fn named<'a>(spans: &'a [Value], name: &str) -> Vec<&'a Value> {
    spans.iter().filter(|s| s["name"] == name).collect()
}

fn children<'a>(spans: &'a [Value], parent: &Value) -> Vec<&'a Value> {
    spans
        .iter()
        .filter(|s| s["parentSpanId"] == parent["spanId"] && s["traceId"] == parent["traceId"])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_is_one_trace_from_the_request_to_each_vendor_request() {
    let received = Received::default();
    let collector = received.start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("traces.db").display());
    let key = create_merchant(&db, "Traces")["testKey"]
        .as_str()
        .unwrap()
        .to_string();
    let (port, sandbox) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{port}");
    let master = beep_host::crypto::generate_key();
    let listen = format!("127.0.0.1:{port}");
    let sandbox_listen = format!("127.0.0.1:{sandbox}");
    let _server = spawn(
        &[
            "serve",
            "--listen",
            &listen,
            "--db",
            &db,
            "--sandbox-listen",
            &sandbox_listen,
        ],
        &[
            ("BEEP_MASTER_KEY", master.as_str()),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
        dir.path(),
    );
    let http = reqwest::Client::new();
    wait_healthy(&http, &base).await;
    let call = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{base}{path}"))
            .bearer_auth(&key)
    };
    let answer = |req: reqwest::RequestBuilder| async move {
        req.send().await.unwrap().json::<Value>().await.unwrap()
    };
    let store =
        answer(call(reqwest::Method::POST, "/api/v1/stores").json(&json!({"name": "Filiale"})))
            .await;
    let store = store["storeId"].as_str().unwrap().to_string();
    let sandbox = answer(call(reqwest::Method::GET, "/api/v1/sandbox")).await;
    let credentials = sandbox["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["system"] == "korona")
        .unwrap()["credentials"]
        .clone();

    // The caller's own trace: BEEP!'s request span is a child of the caller's span.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let resp = call(reqwest::Method::POST, "/api/v1/syncPOS")
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .json(&json!({"system": "korona", "storeId": store, "credentials": credentials, "full": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let synced: Value = resp.json().await.unwrap();
    assert_eq!(synced["synced"]["products"], 42, "{synced}");

    let in_trace = |spans: &[Value]| -> Vec<Value> {
        spans
            .iter()
            .filter(|s| s["traceId"] == trace_id)
            .cloned()
            .collect()
    };
    let spans = received
        .until("the request span of the sync", |spans| {
            named(&in_trace(spans), "POST /api/v1/syncPOS").len() == 1
        })
        .await;
    let spans = in_trace(&spans);
    let request = named(&spans, "POST /api/v1/syncPOS")[0];
    assert_eq!(request["parentSpanId"], caller_span, "{request:#}");
    assert_eq!(
        attribute(request, "http.route"),
        Some(json!("/api/v1/syncPOS"))
    );
    assert_eq!(
        attribute(request, "http.response.status_code"),
        Some(json!(200))
    );
    let calls = children(&spans, request);
    let catalog: Vec<_> = calls
        .iter()
        .filter(|s| s["name"] == "connector fetch-catalog")
        .collect();
    assert!(!catalog.is_empty(), "{calls:#?}");
    for call in &catalog {
        assert_eq!(attribute(call, "connector"), Some(json!("korona")));
        let outbound = children(&spans, call);
        assert!(
            !outbound.is_empty(),
            "a catalogue page asks Korona: {call:#}"
        );
        for o in outbound {
            assert_eq!(o["name"], "GET 127.0.0.1", "{o:#}");
            assert_eq!(attribute(o, "server.address"), Some(json!("127.0.0.1")));
            let path = attribute(o, "url.path").unwrap();
            assert!(
                path.as_str().unwrap().contains("/korona/web/api/v3/"),
                "{path}"
            );
            assert_eq!(attribute(o, "http.response.status_code"), Some(json!(200)));
        }
    }

    // A queued sync: its own trace, rooted at the job, the connector calls under it.
    let resp = call(reqwest::Method::POST, "/api/v1/syncPOS?async=true")
        .json(&json!({"system": "korona", "storeId": store, "credentials": credentials}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let spans = received
        .until("the job's connector calls", |spans| {
            named(spans, "job syncPOS")
                .iter()
                .any(|job| !children(spans, job).is_empty())
        })
        .await;
    let job = named(&spans, "job syncPOS")[0];
    assert_ne!(job["traceId"], trace_id);
    assert!(
        job.get("parentSpanId")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty),
        "{job:#}"
    );
    assert!(
        children(&spans, job)
            .iter()
            .all(|c| c["name"].as_str().unwrap().starts_with("connector ")),
        "{spans:#?}"
    );

    // Nothing secret left the server: not the API key, not Korona's Basic credentials,
    // no credential long enough to be told apart from ordinary words ("sandbox" is the
    // simulator's password and also a route).
    let raw = received.raw();
    let basic = {
        use base64::Engine as _;
        let pair = format!(
            "{}:{}",
            credentials["username"].as_str().unwrap(),
            credentials["password"].as_str().unwrap()
        );
        base64::engine::general_purpose::STANDARD.encode(pair)
    };
    assert!(
        !raw.contains(&basic),
        "the Authorization header was exported"
    );
    assert!(!raw.contains(&key), "the API key was exported");
    for (field, value) in credentials.as_object().unwrap() {
        if let Some(value) = value
            .as_str()
            .filter(|v| v.len() >= 12 && !v.starts_with("http"))
        {
            assert!(!raw.contains(value), "{field} was exported");
        }
    }
}

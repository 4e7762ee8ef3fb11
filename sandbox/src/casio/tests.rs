use super::*;
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt as _;

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = match body {
        Some(b) => Body::from(b.to_string()),
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

const T: (&str, &str) = ("x-bridge-token", SANDBOX_TOKEN);

fn entry(id: &str) -> Value {
    json!({"saleId": id, "receiptNumber": "R-1", "createdAt": "2026-11-28T10:00:00Z",
               "currency": "EUR", "decimals": 2, "total": 500,
               "lines": [{"plu": "1", "descriptor": "ESPRESSO", "quantity": 2, "price": 250, "amount": 500, "taxTable": 1}],
               "payments": [{"media": "CHARGE", "amount": 500}]})
}

#[tokio::test]
async fn plu_file_generations_and_deltas() {
    let app = router(CasioSim::new());
    let (s, _, body) = call(&app, "GET", "/plu", &[], None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("\"unauthorized\""));
    let (s, h, file) = call(&app, "GET", "/plu", &[T], None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["etag"], "\"plu-1\"");
    assert_eq!(h["x-plu-generation"], "1");
    let records = file
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .skip(1)
        .count();
    assert_eq!(records, SEEDED_PLUS);
    assert!(file.contains("#DEPT,04,\"SNACKS, SUESSES\""));
    assert!(
        file.contains("202,\"\"\"BIO\"\" KEKSE\",155,04,2,A"),
        "{file}"
    );
    let (s, _, _) = call(
        &app,
        "GET",
        "/plu",
        &[T, ("if-none-match", "\"plu-1\"")],
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);

    let sim = CasioSim::new();
    let app = router(sim.clone());
    call(
        &app,
        "POST",
        "/_sim/plu/1",
        &[("content-type", "application/json")],
        Some(json!({"price": 260})),
    )
    .await;
    call(&app, "POST", "/_sim/plu/101/delete", &[], None).await;
    let (s, h, delta) = call(
        &app,
        "GET",
        "/plu?since=1",
        &[T, ("if-none-match", "\"plu-1\"")],
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["etag"], "\"plu-3\"");
    assert!(delta.contains("#DELTA,1"));
    assert!(!delta.contains("#DEPT"));
    assert!(delta.contains("1,ESPRESSO,260,01,1,A"));
    assert!(delta.contains("101,BREZEL,95,03,2,D"));
    assert_eq!(delta.lines().filter(|l| !l.starts_with('#')).count(), 3);
    // The full file leaves deleted PLUs out.
    let (_, _, full) = call(&app, "GET", "/plu", &[T], None).await;
    assert!(!full.contains("BREZEL"));
    let (s, _, _) = call(&app, "GET", "/plu?since=9", &[T], None).await;
    assert_eq!(s, StatusCode::GONE);
    let (s, _, _) = call(&app, "GET", "/plu?since=x", &[T], None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, _, reg) = call(&app, "GET", "/register", &[T], None).await;
    let reg: Value = serde_json::from_str(&reg).unwrap();
    assert_eq!(reg["pluGeneration"], 3);
    assert_eq!(
        reg["taxTables"][0],
        json!({"table": 1, "ratePercent": "19.00"})
    );
}

#[tokio::test]
async fn journal_entries_are_taken_once() {
    let sim = CasioSim::new();
    let app = router(sim.clone());
    let ct = ("content-type", "application/json");
    let (s, _, body) = call(
        &app,
        "PUT",
        "/journal/sale_1",
        &[T, ct],
        Some(entry("sale_1")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, _, body) = call(
        &app,
        "PUT",
        "/journal/sale_1",
        &[T, ct],
        Some(entry("sale_1")),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("already_delivered") && body.contains("EJ_sale_1.json"));
    let (s, _, _) = call(
        &app,
        "PUT",
        "/journal/sale_2",
        &[T, ct],
        Some(entry("other")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut bad = entry("sale_3");
    bad["lines"][0]["taxTable"] = json!(7);
    let (s, _, _) = call(&app, "PUT", "/journal/sale_3", &[T, ct], Some(bad)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The answer is lost after the entry is stored: the resend is a 409.
    call(
        &app,
        "POST",
        "/_sim/fail",
        &[ct],
        Some(json!({"status": 500, "after": true, "method": "PUT"})),
    )
    .await;
    let (s, _, _) = call(
        &app,
        "PUT",
        "/journal/sale_4",
        &[T, ct],
        Some(entry("sale_4")),
    )
    .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (s, _, _) = call(
        &app,
        "PUT",
        "/journal/sale_4",
        &[T, ct],
        Some(entry("sale_4")),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    call(
        &app,
        "POST",
        "/_sim/fail",
        &[ct],
        Some(json!({"status": 429, "retryAfter": 2})),
    )
    .await;
    let (s, h, _) = call(&app, "GET", "/register", &[T], None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h["retry-after"], "2");
    let (_, _, list) = call(&app, "GET", "/_sim/journal", &[], None).await;
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

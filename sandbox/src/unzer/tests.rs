use super::*;
use axum::body::Body;
use axum::http::Request;
use axum::http::StatusCode;
use base64::Engine as _;
use tower::ServiceExt;

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "sim.test");
    if let Some(k) = key {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{k}:"));
        req = req.header("authorization", format!("Basic {token}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

const K: Option<&str> = Some(SANDBOX_PRIVATE_KEY);

fn app() -> (Arc<UnzerSim>, Router) {
    let sim = UnzerSim::new();
    (sim.clone(), router(sim))
}

fn charge(amount: Value, currency: &str, type_id: &str, order: &str) -> Value {
    json!({"amount": amount, "currency": currency, "orderId": order,
            "returnUrl": "https://shop.example/back", "resources": {"typeId": type_id}})
}

#[tokio::test]
async fn authentication_is_basic_with_the_private_key() {
    let (_, app) = app();
    let (s, b) = call(&app, "GET", "/v1/keypair", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(b["isError"], true);
    assert!(
        b["errors"][0]["merchantMessage"]
            .as_str()
            .unwrap()
            .contains("private key")
    );
    let (s, _) = call(&app, "GET", "/v1/keypair", Some("s-priv-wrong"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, b) = call(&app, "GET", "/v1/keypair", K, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["publicKey"], SANDBOX_PUBLIC_KEY);
    // A password is not part of Unzer's scheme.
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{SANDBOX_PRIVATE_KEY}:x"));
    let req = Request::builder()
        .uri("/v1/keypair")
        .header("authorization", format!("Basic {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // The public key creates types but does not charge.
    let (s, t) = call(
        &app,
        "POST",
        "/v1/types/card",
        Some(SANDBOX_PUBLIC_KEY),
        Some(json!({"number": "4711100000000000", "expiryDate": "12/2030", "cvc": "123"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let type_id = t["id"].as_str().unwrap();
    assert!(type_id.starts_with("s-crd-"));
    let (s, _) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        Some(SANDBOX_PUBLIC_KEY),
        Some(charge(json!(1), "EUR", type_id, "o1")),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, c) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(1), "EUR", type_id, "o1")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["isSuccess"], true);
}

#[tokio::test]
async fn outcomes_follow_the_type_id() {
    let (sim, app) = app();
    let (s, c) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(12.34), "EUR", "s-crd-success", "o-1")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (
            c["isSuccess"].clone(),
            c["isPending"].clone(),
            c["isError"].clone()
        ),
        (json!(true), json!(false), json!(false))
    );
    assert_eq!(c["id"], "s-chg-1");
    assert_eq!(c["amount"], "12.3400");
    let pid = c["resources"]["paymentId"].as_str().unwrap().to_string();
    assert!(pid.starts_with("s-pay-"));
    let (s, p) = call(&app, "GET", &format!("/v1/payments/{pid}"), K, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["state"], json!({"id": 1, "name": "completed"}));
    assert_eq!(p["amount"]["charged"], "12.3400");
    assert_eq!(p["transactions"][0]["type"], "charge");
    assert_eq!(
        p["transactions"][0]["url"],
        format!("http://sim.test/v1/payments/{pid}/charges/s-chg-1")
    );
    // The orderId finds the payment too, and cannot be used twice.
    let (s, by_order) = call(&app, "GET", "/v1/payments/o-1", K, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_order["id"], pid.as_str());
    let (s, e) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(12.34), "EUR", "s-crd-success", "o-1")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["errors"][0]["code"], "API.320.200.145");

    let (s, d) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(5), "EUR", "s-crd-declined", "o-2")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["isError"], true);
    assert_eq!(d["errors"][0]["code"], DECLINED_CODE);
    let pid2 = d["resources"]["paymentId"].as_str().unwrap();
    let (_, p) = call(&app, "GET", &format!("/v1/payments/{pid2}"), K, None).await;
    assert_eq!(p["state"]["name"], "canceled");
    assert_eq!(p["transactions"][0]["status"], "error");

    let (_, t) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(5), "EUR", "s-crd-3ds", "o-3")),
    )
    .await;
    assert_eq!(t["isPending"], true);
    let pid3 = t["resources"]["paymentId"].as_str().unwrap().to_string();
    assert_eq!(t["redirectUrl"], format!("http://sim.test/_sim/3ds/{pid3}"));
    let (_, pe) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(5), "EUR", "s-crd-pending", "o-4")),
    )
    .await;
    assert_eq!(pe["isPending"], true);
    assert_eq!(pe["redirectUrl"], "");
    let (s, u) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(5), "EUR", "s-xyz-1", "o-5")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(u["errors"][0]["code"], "API.320.200.138");

    // 3-D Secure completes through the hook, which records the webhook.
    let (s, done) = call(
        &app,
        "POST",
        &format!("/_sim/payments/{pid3}/complete"),
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["state"]["name"], "completed");
    let (s, _) = call(
        &app,
        "POST",
        &format!("/_sim/payments/{pid3}/complete"),
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, evs) = call(
        &app,
        "GET",
        &format!("/_sim/events?paymentId={pid3}"),
        None,
        None,
    )
    .await;
    let last = evs.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"], "payment.completed");
    let body: Value = serde_json::from_str(last["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["retrieveUrl"],
        format!("http://sim.test/v1/payments/{pid3}")
    );
    assert_eq!(sim.payments("http://sim.test").len(), 4);
    // The 3-D Secure page fails a payment and redirects.
    let pid4 = pe["resources"]["paymentId"].as_str().unwrap();
    let req = Request::builder()
        .uri(format!("/_sim/3ds/{pid4}?result=error"))
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, p) = call(&app, "GET", &format!("/v1/payments/{pid4}"), K, None).await;
    assert_eq!(p["state"]["name"], "canceled");
}

#[tokio::test]
async fn amounts_are_exact() {
    let (_, app) = app();
    for (amount, currency, stored, ok) in [
        (json!(1000), "JPY", "1000.0000", true),
        (json!(1.234), "KWD", "1.2340", true),
        (json!("19.99"), "EUR", "19.9900", true),
        (json!(1.5), "JPY", "", false),
        (json!(1.005), "EUR", "", false),
        (json!(0), "EUR", "", false),
        (json!(1), "XXX", "", false),
    ] {
        let order = format!("o-{currency}-{amount}");
        let (s, c) = call(
            &app,
            "POST",
            "/v1/payments/charges",
            K,
            Some(charge(amount.clone(), currency, "s-crd-success", &order)),
        )
        .await;
        if ok {
            assert_eq!(s, StatusCode::OK, "{c}");
            assert_eq!(c["amount"], stored);
        } else {
            assert_eq!(s, StatusCode::BAD_REQUEST, "{amount} {currency}: {c}");
        }
    }
    assert_eq!(amount4(1, "EUR"), "0.0100");
    assert_eq!(amount4(0, "JPY"), "0.0000");
}

#[tokio::test]
async fn cancels_never_exceed_the_charge() {
    let (sim, app) = app();
    let (_, c) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(10), "EUR", "s-crd-success", "o-1")),
    )
    .await;
    let pid = c["resources"]["paymentId"].as_str().unwrap().to_string();
    let path = format!("/v1/payments/{pid}/charges/s-chg-1/cancels");
    let (s, r1) = call(&app, "POST", &path, K, Some(json!({"amount": 4}))).await;
    assert_eq!(s, StatusCode::OK, "{r1}");
    assert_eq!(r1["id"], "s-cnl-1");
    assert_eq!(r1["isSuccess"], true);
    assert_eq!(r1["amount"], "4.0000");
    let (s, e) = call(&app, "POST", &path, K, Some(json!({"amount": 6.01}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        e["errors"][0]["merchantMessage"]
            .as_str()
            .unwrap()
            .contains("6.0000 EUR remaining"),
        "{e}"
    );
    let (s, r2) = call(&app, "POST", &path, K, Some(json!({}))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r2["amount"], "6.0000");
    let (s, _) = call(&app, "POST", &path, K, Some(json!({"amount": 1}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, p) = call(&app, "GET", &format!("/v1/payments/{pid}"), K, None).await;
    assert_eq!(p["state"]["name"], "canceled");
    assert_eq!(p["amount"]["canceled"], "10.0000");
    assert_eq!(p["transactions"].as_array().unwrap().len(), 3);
    assert_eq!(sim.cancels("http://sim.test").len(), 2);
    let (s, _) = call(
        &app,
        "GET",
        &format!("/v1/payments/{pid}/charges/s-chg-1/cancels/s-cnl-2"),
        K,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(
        &app,
        "POST",
        "/v1/payments/s-pay-nope/charges/s-chg-1/cancels",
        K,
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A pending charge cannot be canceled.
    let (_, t) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(10), "EUR", "s-crd-3ds", "o-2")),
    )
    .await;
    let pid = t["resources"]["paymentId"].as_str().unwrap();
    let (s, _) = call(
        &app,
        "POST",
        &format!("/v1/payments/{pid}/charges/s-chg-1/cancels"),
        K,
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn injected_failures() {
    let (sim, app) = app();
    let (s, _) = call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        Some(json!({"status": 503, "times": 2})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for _ in 0..2 {
        let (s, b) = call(&app, "GET", "/v1/keypair", K, None).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(b["isError"], true);
    }
    let (s, _) = call(&app, "GET", "/v1/keypair", K, None).await;
    assert_eq!(s, StatusCode::OK);
    // After: the charge happens, the answer is lost.
    call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        Some(json!({"status": 502, "after": true})),
    )
    .await;
    let (s, _) = call(
        &app,
        "POST",
        "/v1/payments/charges",
        K,
        Some(charge(json!(1), "EUR", "s-crd-success", "lost")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    assert_eq!(sim.payments("http://sim.test").len(), 1);
    let (s, p) = call(&app, "GET", "/v1/payments/lost", K, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["state"]["name"], "completed");
    let (s, _) = call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        Some(json!({"status": 200})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[test]
fn dates_look_like_unzer() {
    assert_eq!(date(0), "1970-01-01 00:00:00");
    assert_eq!(date(1_710_926_017), "2024-03-20 09:13:37");
}

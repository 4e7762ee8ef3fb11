use super::auth::mask_key;
use super::params::parse_form;
use super::search::{Cmp, QValue, parse_query};
use super::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    idem: Option<&str>,
    body: &str,
) -> Answer {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    if let Some(i) = idem {
        req = req.header("idempotency-key", i);
    }
    if method == "POST" && !path.starts_with("/_sim/") {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    } else if method == "POST" {
        req = req.header("content-type", "application/json");
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

const K: Option<&str> = Some(SANDBOX_SECRET_KEY);
const PAY: &str = "amount=1000&currency=EUR&payment_method=pm_card_visa&confirm=true\
        &automatic_payment_methods[enabled]=true&automatic_payment_methods[allow_redirects]=never\
        &metadata[beep_payment_id]=pay_1&metadata[beep_reference]=order-1&description=Order+1";

fn app() -> (Arc<StripeSim>, Router) {
    let sim = StripeSim::new();
    (sim.clone(), router(sim))
}

#[tokio::test]
async fn happy_path_create_get_search() {
    let (sim, app) = app();
    let a = call(&app, "POST", "/v1/payment_intents", K, Some("k1"), PAY).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let pi = &a.body;
    assert!(pi["id"].as_str().unwrap().starts_with("pi_"));
    assert_eq!(pi["object"], "payment_intent");
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(pi["amount"], 1000);
    assert_eq!(pi["amount_received"], 1000);
    assert_eq!(pi["currency"], "eur");
    assert_eq!(pi["metadata"]["beep_payment_id"], "pay_1");
    assert_eq!(pi["description"], "Order 1");
    assert!(pi["latest_charge"].as_str().unwrap().starts_with("ch_"));
    assert!(pi["payment_method"].as_str().unwrap().starts_with("pm_"));
    assert_ne!(pi["payment_method"], "pm_card_visa");
    assert!(pi["next_action"].is_null() && pi["last_payment_error"].is_null());
    assert!(a.headers.get("request-id").is_some());
    assert_eq!(a.headers.get("idempotency-key").unwrap(), "k1");

    let id = pi["id"].as_str().unwrap();
    let g = call(
        &app,
        "GET",
        &format!("/v1/payment_intents/{id}"),
        K,
        None,
        "",
    )
    .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body, a.body);

    let q = "query=metadata%5B%27beep_payment_id%27%5D%3A%27pay_1%27";
    let s = call(
        &app,
        "GET",
        &format!("/v1/payment_intents/search?{q}"),
        K,
        None,
        "",
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.body);
    assert_eq!(s.body["object"], "search_result");
    assert_eq!(s.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(s.body["data"][0]["id"], id);
    let q = "query=metadata%5B%27beep_payment_id%27%5D%3A%27nope%27";
    let s = call(
        &app,
        "GET",
        &format!("/v1/payment_intents/search?{q}"),
        K,
        None,
        "",
    )
    .await;
    assert_eq!(s.body["data"].as_array().unwrap().len(), 0);

    let m = call(&app, "GET", "/v1/payment_intents/pi_missing", K, None, "").await;
    assert_eq!(m.status, 404);
    assert_eq!(m.body["error"]["code"], "resource_missing");

    let b = call(&app, "GET", "/v1/balance", K, None, "").await;
    assert_eq!(b.status, 200);
    assert_eq!(b.body["object"], "balance");
    assert_eq!(b.body["available"][0]["amount"], 1000);

    let events: Vec<String> = sim
        .events()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        events.contains(&"payment_intent.succeeded".to_string()),
        "{events:?}"
    );
    let hook = call(&app, "GET", "/_sim/payment_intents", None, None, "").await;
    assert_eq!(hook.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn decline_is_402_and_intent_requires_payment_method() {
    let (_sim, app) = app();
    let body = PAY.replace("pm_card_visa", "pm_card_chargeDeclined");
    let a = call(&app, "POST", "/v1/payment_intents", K, Some("d1"), &body).await;
    assert_eq!(a.status, 402, "{}", a.body);
    let e = &a.body["error"];
    assert_eq!(e["type"], "card_error");
    assert_eq!(e["code"], "card_declined");
    assert_eq!(e["decline_code"], "generic_decline");
    assert_eq!(e["message"], "Your card was declined.");
    assert!(e["charge"].as_str().unwrap().starts_with("ch_"));
    let pi = &e["payment_intent"];
    assert_eq!(pi["status"], "requires_payment_method");
    assert_eq!(pi["last_payment_error"]["decline_code"], "generic_decline");
    assert_eq!(pi["amount_received"], 0);
    let id = pi["id"].as_str().unwrap();
    let g = call(
        &app,
        "GET",
        &format!("/v1/payment_intents/{id}"),
        K,
        None,
        "",
    )
    .await;
    assert_eq!(g.body["status"], "requires_payment_method");
    assert_eq!(g.body["last_payment_error"]["code"], "card_declined");

    // The decline is saved under the key: a retry replays the 402.
    let r = call(&app, "POST", "/v1/payment_intents", K, Some("d1"), &body).await;
    assert_eq!(r.status, 402);
    assert_eq!(r.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(r.body, a.body);

    let body = PAY.replace("pm_card_visa", "pm_card_chargeDeclinedInsufficientFunds");
    let a = call(&app, "POST", "/v1/payment_intents", K, None, &body).await;
    assert_eq!(a.body["error"]["decline_code"], "insufficient_funds");

    let body = PAY.replace("pm_card_visa", "pm_does_not_exist");
    let a = call(&app, "POST", "/v1/payment_intents", K, None, &body).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["error"]["code"], "resource_missing");
    assert_eq!(a.body["error"]["param"], "payment_method");
}

#[tokio::test]
async fn idempotent_replay_charges_once() {
    let (sim, app) = app();
    let a = call(&app, "POST", "/v1/payment_intents", K, Some("same"), PAY).await;
    // Same parameters in another order are the same request.
    let reordered = PAY.split('&').rev().collect::<Vec<_>>().join("&");
    let b = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        Some("same"),
        &reordered,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(b.status, 200);
    assert_eq!(a.body["id"], b.body["id"]);
    assert!(a.headers.get("idempotent-replayed").is_none());
    assert_eq!(b.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(
        b.headers.get("original-request").unwrap(),
        a.headers.get("request-id").unwrap()
    );
    assert_eq!(sim.payment_intents().len(), 1);

    // Keys are scoped per API key.
    sim.add_api_key("sk_test_second");
    let c = call(
        &app,
        "POST",
        "/v1/payment_intents",
        Some("sk_test_second"),
        Some("same"),
        PAY,
    )
    .await;
    assert_eq!(c.status, 200);
    assert_ne!(c.body["id"], a.body["id"]);
    assert!(c.headers.get("idempotent-replayed").is_none());

    // Without a key every request creates a new intent.
    call(&app, "POST", "/v1/payment_intents", K, None, PAY).await;
    call(&app, "POST", "/v1/payment_intents", K, None, PAY).await;
    assert_eq!(sim.payment_intents().len(), 4);
}

#[tokio::test]
async fn idempotency_mismatch_is_400() {
    let (sim, app) = app();
    call(&app, "POST", "/v1/payment_intents", K, Some("m1"), PAY).await;
    let other = PAY.replace("amount=1000", "amount=2000");
    let b = call(&app, "POST", "/v1/payment_intents", K, Some("m1"), &other).await;
    assert_eq!(b.status, 400);
    assert_eq!(b.body["error"]["type"], "idempotency_error");
    assert!(
        b.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("same parameters")
    );
    // Another endpoint with the same key.
    let c = call(
        &app,
        "POST",
        "/v1/refunds",
        K,
        Some("m1"),
        "payment_intent=pi_x",
    )
    .await;
    assert_eq!(c.status, 400);
    assert_eq!(c.body["error"]["type"], "idempotency_error");
    assert_eq!(sim.payment_intents().len(), 1);

    // A request that failed validation saves nothing: the key stays usable.
    let bad = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        Some("v1"),
        "currency=eur",
    )
    .await;
    assert_eq!(bad.status, 400);
    let ok = call(&app, "POST", "/v1/payment_intents", K, Some("v1"), PAY).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn concurrent_request_with_key_in_flight_is_409() {
    let (sim, app) = app();
    let d = call(
        &app,
        "POST",
        "/_sim/delay",
        None,
        None,
        r#"{"ms":300,"times":1,"stage":"processing"}"#,
    )
    .await;
    assert_eq!(d.status, 200);
    let app2 = app.clone();
    let first = tokio::spawn(async move {
        call(&app2, "POST", "/v1/payment_intents", K, Some("f1"), PAY).await
    });
    tokio::time::sleep(Duration::from_millis(80)).await;
    let second = call(&app, "POST", "/v1/payment_intents", K, Some("f1"), PAY).await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert_eq!(second.body["error"]["code"], "idempotency_key_in_use");
    let first = first.await.unwrap();
    assert_eq!(first.status, 200);
    let third = call(&app, "POST", "/v1/payment_intents", K, Some("f1"), PAY).await;
    assert_eq!(third.body["id"], first.body["id"]);
    assert_eq!(sim.payment_intents().len(), 1);
}

#[tokio::test]
async fn delayed_answer_after_state_changed() {
    let (sim, app) = app();
    call(
        &app,
        "POST",
        "/_sim/delay",
        None,
        None,
        r#"{"ms":300,"times":1}"#,
    )
    .await;
    let app2 = app.clone();
    let first = tokio::spawn(async move {
        call(&app2, "POST", "/v1/payment_intents", K, Some("t1"), PAY).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Charged before the answer arrives; a retry with the key replays it.
    assert_eq!(sim.payment_intents().len(), 1);
    let retry = call(&app, "POST", "/v1/payment_intents", K, Some("t1"), PAY).await;
    assert_eq!(retry.headers.get("idempotent-replayed").unwrap(), "true");
    let first = first.await.unwrap();
    assert_eq!(first.body["id"], retry.body["id"]);
    assert_eq!(sim.payment_intents().len(), 1);
}

#[tokio::test]
async fn refunds_never_exceed_the_captured_amount() {
    let (sim, app) = app();
    let pi = call(&app, "POST", "/v1/payment_intents", K, None, PAY)
        .await
        .body;
    let id = pi["id"].as_str().unwrap();
    let r1 = call(
            &app,
            "POST",
            "/v1/refunds",
            K,
            Some("r1"),
            &format!("payment_intent={id}&amount=600&reason=requested_by_customer&metadata[beep_refund_id]=rf_1"),
        )
        .await;
    assert_eq!(r1.status, 200, "{}", r1.body);
    assert!(r1.body["id"].as_str().unwrap().starts_with("re_"));
    assert_eq!(r1.body["object"], "refund");
    assert_eq!(r1.body["status"], "succeeded");
    assert_eq!(r1.body["amount"], 600);
    assert_eq!(r1.body["payment_intent"], id);
    assert_eq!(r1.body["metadata"]["beep_refund_id"], "rf_1");

    let r2 = call(
        &app,
        "POST",
        "/v1/refunds",
        K,
        None,
        &format!("payment_intent={id}&amount=500"),
    )
    .await;
    assert_eq!(r2.status, 400);
    assert_eq!(r2.body["error"]["code"], "amount_too_large");
    assert_eq!(r2.body["error"]["param"], "amount");
    assert_eq!(
        r2.body["error"]["message"],
        "Refund amount (€5.00) is greater than unrefunded amount on charge (€4.00)"
    );

    let r3 = call(
        &app,
        "POST",
        "/v1/refunds",
        K,
        None,
        &format!("payment_intent={id}"),
    )
    .await;
    assert_eq!(r3.status, 200);
    assert_eq!(r3.body["amount"], 400);

    let r4 = call(
        &app,
        "POST",
        "/v1/refunds",
        K,
        None,
        &format!("payment_intent={id}&amount=1"),
    )
    .await;
    assert_eq!(r4.status, 400);
    assert_eq!(r4.body["error"]["code"], "charge_already_refunded");

    let rid = r1.body["id"].as_str().unwrap();
    let g = call(&app, "GET", &format!("/v1/refunds/{rid}"), K, None, "").await;
    assert_eq!(g.body, r1.body);
    assert_eq!(sim.refunds().len(), 2);

    // Refunding a declined intent.
    let body = PAY.replace("pm_card_visa", "pm_card_chargeDeclined");
    let d = call(&app, "POST", "/v1/payment_intents", K, None, &body).await;
    let did = d.body["error"]["payment_intent"]["id"].as_str().unwrap();
    let r5 = call(
        &app,
        "POST",
        "/v1/refunds",
        K,
        None,
        &format!("payment_intent={did}"),
    )
    .await;
    assert_eq!(r5.status, 400);
    let r6 = call(
        &app,
        "POST",
        "/v1/refunds",
        K,
        None,
        "payment_intent=pi_nope",
    )
    .await;
    assert_eq!(r6.body["error"]["code"], "resource_missing");
}

#[tokio::test]
async fn authentication_and_validation() {
    let (_sim, app) = app();
    let a = call(&app, "GET", "/v1/balance", None, None, "").await;
    assert_eq!(a.status, 401);
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("You did not provide an API key")
    );
    let a = call(
        &app,
        "GET",
        "/v1/balance",
        Some("sk_test_wrongkey1234abcd"),
        None,
        "",
    )
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["error"]["type"], "invalid_request_error");
    assert_eq!(
        a.body["error"]["message"],
        "Invalid API Key provided: sk_test_************abcd"
    );

    let v = call(&app, "POST", "/v1/payment_intents", K, None, "currency=eur").await;
    assert_eq!(v.status, 400);
    assert_eq!(v.body["error"]["code"], "parameter_missing");
    assert_eq!(v.body["error"]["param"], "amount");
    let v = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        None,
        "amount=0&currency=eur",
    )
    .await;
    assert_eq!(v.body["error"]["param"], "amount");
    let v = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        None,
        "amount=10&currency=eur",
    )
    .await;
    assert_eq!(v.body["error"]["code"], "amount_too_small");
    let v = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        None,
        "amount=100&currency=xyz",
    )
    .await;
    assert_eq!(v.body["error"]["param"], "currency");
    let v = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        None,
        "amount=abc&currency=eur",
    )
    .await;
    assert_eq!(v.body["error"]["code"], "parameter_invalid_integer");
    let v = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        None,
        "amount=100&currency=eur&bogus=1",
    )
    .await;
    assert_eq!(v.body["error"]["code"], "parameter_unknown");
    // Automatic payment methods (the 2023-08-16 default) need a return_url to confirm.
    let v = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        None,
        "amount=100&currency=eur&confirm=true&payment_method=pm_card_visa",
    )
    .await;
    assert_eq!(v.body["error"]["param"], "return_url");
    // Zero-decimal currencies take the amount as is.
    let v = call(
            &app,
            "POST",
            "/v1/payment_intents",
            K,
            None,
            "amount=500&currency=jpy&confirm=true&payment_method=pm_card_visa&payment_method_types[]=card",
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.body["amount"], 500);
    assert_eq!(v.body["payment_method_types"], json!(["card"]));

    let u = call(&app, "GET", "/v1/nothing", K, None, "").await;
    assert_eq!(u.status, 404);
    assert!(
        u.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unrecognized request URL")
    );
}

#[tokio::test]
async fn three_d_secure_requires_action() {
    let (_sim, app) = app();
    let body = "amount=1000&currency=eur&confirm=true&payment_method=pm_card_threeDSecure2Required\
            &return_url=https%3A%2F%2Fshop.example%2Fdone";
    let a = call(&app, "POST", "/v1/payment_intents", K, None, body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "requires_action");
    assert_eq!(a.body["next_action"]["type"], "redirect_to_url");
    let url = a.body["next_action"]["redirect_to_url"]["url"]
        .as_str()
        .unwrap();
    assert!(url.contains("/_sim/authenticate/"), "{url}");
    let path = &url[url.find("/_sim/").unwrap()..];
    let done = call(&app, "GET", path, None, None, "").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let loc = done.headers.get("location").unwrap().to_str().unwrap();
    assert!(
        loc.starts_with("https://shop.example/done?payment_intent=pi_"),
        "{loc}"
    );
    assert!(loc.ends_with("redirect_status=succeeded"));
    let id = a.body["id"].as_str().unwrap();
    let g = call(
        &app,
        "GET",
        &format!("/v1/payment_intents/{id}"),
        K,
        None,
        "",
    )
    .await;
    assert_eq!(g.body["status"], "succeeded");

    // Without a return_url (redirects off) Stripe answers use_stripe_sdk.
    let body = "amount=1000&currency=eur&confirm=true&payment_method=pm_card_authenticationRequired\
            &automatic_payment_methods[enabled]=true&automatic_payment_methods[allow_redirects]=never";
    let a = call(&app, "POST", "/v1/payment_intents", K, None, body).await;
    assert_eq!(a.body["status"], "requires_action");
    assert_eq!(a.body["next_action"]["type"], "use_stripe_sdk");
    // Off-session it is declined instead.
    let a = call(
        &app,
        "POST",
        "/v1/payment_intents",
        K,
        None,
        &format!("{body}&off_session=true"),
    )
    .await;
    assert_eq!(a.status, 402);
    assert_eq!(a.body["error"]["code"], "authentication_required");
}

#[tokio::test]
async fn injected_failures() {
    let (sim, app) = app();
    let f = call(
        &app,
        "POST",
        "/_sim/fail",
        None,
        None,
        r#"{"status":429,"times":2}"#,
    )
    .await;
    assert_eq!(f.status, 200);
    for _ in 0..2 {
        let a = call(&app, "POST", "/v1/payment_intents", K, Some("x"), PAY).await;
        assert_eq!(a.status, 429);
        assert_eq!(a.body["error"]["code"], "rate_limit");
    }
    let a = call(&app, "POST", "/v1/payment_intents", K, Some("x"), PAY).await;
    assert_eq!(a.status, 200);
    call(&app, "POST", "/_sim/fail", None, None, r#"{"status":500}"#).await;
    let a = call(&app, "GET", "/v1/balance", K, None, "").await;
    assert_eq!(a.status, 500);
    assert_eq!(a.body["error"]["type"], "api_error");
    assert_eq!(sim.payment_intents().len(), 1);
    let r = call(&app, "POST", "/_sim/reset", None, None, "{}").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(sim.payment_intents().is_empty());
}

#[test]
fn forms_nest_like_stripe() {
    let p = parse_form(
        b"amount=100&metadata%5Ba%5D=1&metadata[b]=x+y&types[]=card&types[]=sepa&o[0]=z",
    )
    .unwrap();
    assert_eq!(
        Value::Object(p),
        json!({"amount":"100","metadata":{"a":"1","b":"x y"},"types":["card","sepa"],"o":["z"]})
    );
    assert!(parse_form(b"a=1&a[b]=2").is_err());
    assert!(parse_form(b"a[b=2").is_err());
}

#[test]
fn queries_parse() {
    let q =
        parse_query("metadata['beep_payment_id']:'p 1' AND status:\"succeeded\" AND amount>=100")
            .unwrap();
    assert_eq!(q.clauses.len(), 3);
    assert_eq!(q.clauses[0].meta_key.as_deref(), Some("beep_payment_id"));
    assert_eq!(q.clauses[0].value, QValue::Str("p 1".into()));
    assert_eq!(q.clauses[2].cmp, Cmp::Ge);
    assert!(!q.any);
    assert!(parse_query("status:'a' AND status:'b' OR status:'c'").is_err());
    assert!(parse_query("status").is_err());
    assert!(parse_query("").is_err());
}

#[test]
fn keys_are_masked_and_webhooks_signed() {
    assert_eq!(mask_key("sk_test_abcdefgh1234"), "sk_test_********1234");
    assert_eq!(mask_key("nonsense"), "****ense");
    // Reference value: python3 -c "import hmac,hashlib;print(hmac.new(b'whsec_test',
    // b'1700000000.{\"id\":\"evt_1\"}',hashlib.sha256).hexdigest())"
    assert_eq!(
        sign_webhook("whsec_test", 1_700_000_000, r#"{"id":"evt_1"}"#),
        "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"
    );
}

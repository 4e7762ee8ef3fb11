use super::*;
use axum::body::Body;
use axum::http::Request;
use axum::http::StatusCode;
use tower::ServiceExt;

fn app() -> (Arc<PayablSim>, Router) {
    let sim = PayablSim::new();
    (sim.clone(), router(sim))
}

fn signed(pairs: &[(&str, &str)], secret: &str) -> String {
    let mut p: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let sig = signature(&p, secret);
    p.insert("signature".into(), sig);
    encode_form(p.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

async fn raw(app: &Router, method: &str, path: &str, body: String) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "sim.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.iter().map(|b| *b as char).collect())
}

async fn op(app: &Router, operation: &str, pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let (status, text) = raw(
        app,
        "POST",
        &format!("/pay/backoffice/{operation}"),
        signed(pairs, SANDBOX_SECRET),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    parse_form(text.as_bytes())
}

async fn json_get(app: &Router, path: &str) -> Value {
    let req = Request::builder().uri(path).body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn json_post(app: &Router, path: &str, body: Value) -> StatusCode {
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.clone().oneshot(req).await.unwrap().status()
}

fn sale<'a>(
    orderid: &'a str,
    token: &'a str,
    amount: &'a str,
    currency: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("merchantid", SANDBOX_MERCHANT_ID),
        ("amount", amount),
        ("currency", currency),
        ("orderid", orderid),
        ("payment_method", "1"),
        ("token", token),
        (
            "notification_url",
            "https://beep.example/api/v1/webhooks/payabl/st_1",
        ),
    ]
}

#[test]
fn sha1_and_signature_match_independent_vectors() {
    let hex = |d: [u8; 20]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(sha1(b"abc")),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_eq!(
        hex(sha1(&[b'a'; 1000])),
        "291e9a6c66994949b57ba5e650361e98fc36b1ba"
    );
    // python3: hashlib.sha1("10.00EURCafé Müllerbeep_sandboxpay_1231payabl_test_ok"
    //   "payabl_sandbox_secret_0001".encode("latin-1")).hexdigest()
    let p: BTreeMap<String, String> = [
        ("amount", "10.00"),
        ("currency", "EUR"),
        ("description", "Café Müller"),
        ("merchantid", "beep_sandbox"),
        ("orderid", "pay_123"),
        ("payment_method", "1"),
        ("token", "payabl_test_ok"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        signature(&p, SANDBOX_SECRET),
        "ae578b2f6995c5d1dab3207b730e98a0a11affae"
    );
    assert_eq!(encode_form([("d", "Café Müller")]), "d=Caf%E9+M%FCller");
    assert_eq!(parse_form(b"d=Caf%E9+M%FCller")["d"], "Café Müller");
}

#[tokio::test]
async fn outcomes_follow_the_token() {
    let (_, app) = app();
    let a = op(
        &app,
        "payment_authorize",
        &sale("o1", TOKEN_OK, "10.00", "EUR"),
    )
    .await;
    assert_eq!(a["errorcode"], "0");
    assert_eq!(a["status"], "captured");
    assert_eq!(a["transactionid"], "100001");
    assert_eq!(a["amount"], "10.00");
    let a = op(
        &app,
        "payment_authorize",
        &sale("o2", TOKEN_DECLINED, "5.00", "EUR"),
    )
    .await;
    assert_eq!(
        (a["errorcode"].as_str(), a["status"].as_str()),
        ("2005", "declined")
    );
    assert_eq!(a["errormessage"], "Transaction declined");
    let a = op(
        &app,
        "payment_authorize",
        &sale("o3", TOKEN_3DS, "5.00", "EUR"),
    )
    .await;
    assert_eq!(a["status"], "pending_3ds");
    assert_eq!(
        a["url_3ds"],
        format!("http://sim.test/_sim/3ds/{}", a["transactionid"])
    );
    let a = op(
        &app,
        "payment_authorize",
        &sale("o4", TOKEN_PENDING, "5.00", "EUR"),
    )
    .await;
    assert_eq!(a["status"], "pending");
    let a = op(
        &app,
        "payment_preauthorize",
        &sale("o5", TOKEN_OK, "1000", "JPY"),
    )
    .await;
    assert_eq!(
        (a["status"].as_str(), a["amount"].as_str()),
        ("authorized", "1000")
    );
    let a = op(
        &app,
        "payment_authorize",
        &sale("o6", "tok_unknown", "5.00", "EUR"),
    )
    .await;
    assert_eq!(
        (a["errorcode"].as_str(), a["errormessage"].as_str()),
        ("2003", "Invalid token")
    );
    let a = op(
        &app,
        "payment_authorize",
        &sale("o7", TOKEN_OK, "1.5", "JPY"),
    )
    .await;
    assert_eq!(a["errorcode"], "2003");
    let a = op(
        &app,
        "payment_authorize",
        &sale("o8", TOKEN_OK, "1.234", "KWD"),
    )
    .await;
    assert_eq!(a["amount"], "1.234");
    let a = op(&app, "payment_authorize", &sale("o9", TOKEN_OK, "1", "XYZ")).await;
    assert_eq!(a["errorcode"], "2009");
}

#[tokio::test]
async fn signatures_and_merchants_are_checked() {
    let (sim, app) = app();
    let (status, text) = raw(
        &app,
        "POST",
        "/pay/backoffice/payment_authorize",
        signed(&sale("o1", TOKEN_OK, "10.00", "EUR"), "wrong"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let a = parse_form(text.as_bytes());
    assert_eq!(
        (a["errorcode"].as_str(), a["errormessage"].as_str()),
        ("2001", "Invalid signature")
    );
    let mut other = sale("o1", TOKEN_OK, "10.00", "EUR");
    other[0] = ("merchantid", "nobody");
    let a = op(&app, "payment_authorize", &other).await;
    assert_eq!(a["errorcode"], "2002");
    // A tampered value breaks the signature.
    let body =
        signed(&sale("o1", TOKEN_OK, "10.00", "EUR"), SANDBOX_SECRET).replace("10.00", "1.00");
    let (_, text) = raw(&app, "POST", "/pay/backoffice/payment_authorize", body).await;
    assert_eq!(parse_form(text.as_bytes())["errorcode"], "2001");
    assert!(sim.lock().transactions.is_empty());
    let (status, _) = raw(
        &app,
        "POST",
        "/pay/backoffice/payment_teleport",
        String::new(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn duplicate_orderids_are_refused_and_found_by_query() {
    let (_, app) = app();
    let a = op(
        &app,
        "payment_authorize",
        &sale("pay_1", TOKEN_OK, "10.00", "EUR"),
    )
    .await;
    let b = op(
        &app,
        "payment_authorize",
        &sale("pay_1", TOKEN_OK, "10.00", "EUR"),
    )
    .await;
    assert_eq!(
        (b["errorcode"].as_str(), b["errormessage"].as_str()),
        ("2004", "Duplicate orderid")
    );
    let q = op(
        &app,
        "payment_status",
        &[("merchantid", SANDBOX_MERCHANT_ID), ("orderid", "pay_1")],
    )
    .await;
    assert_eq!(q["transactionid"], a["transactionid"]);
    assert_eq!(q["status"], "captured");
    let q = op(
        &app,
        "payment_status",
        &[
            ("merchantid", SANDBOX_MERCHANT_ID),
            ("transactionid", a["transactionid"].as_str()),
        ],
    )
    .await;
    assert_eq!(q["orderid"], "pay_1");
    let q = op(
        &app,
        "payment_status",
        &[("merchantid", SANDBOX_MERCHANT_ID), ("orderid", "nope")],
    )
    .await;
    assert_eq!(
        (q["errorcode"].as_str(), q["errormessage"].as_str()),
        ("2007", "Transaction not found")
    );
}

async fn refund(app: &Router, t: &str, amount: &str, reference: &str) -> BTreeMap<String, String> {
    let pairs = [
        ("merchantid", SANDBOX_MERCHANT_ID),
        ("transactionid", t),
        ("amount", amount),
        ("currency", "EUR"),
        ("reference", reference),
    ];
    op(app, "payment_refund", &pairs).await
}

#[tokio::test]
async fn refunds_never_exceed_the_captured_amount() {
    let (_, app) = app();
    let a = op(
        &app,
        "payment_authorize",
        &sale("o1", TOKEN_OK, "10.00", "EUR"),
    )
    .await;
    let t = a["transactionid"].clone();
    let r1 = refund(&app, &t, "4.00", "re_1").await;
    assert_eq!(
        (r1["errorcode"].as_str(), r1["status"].as_str()),
        ("0", "refunded")
    );
    assert_eq!(r1["base_transactionid"], t);
    let r2 = refund(&app, &t, "5.00", "re_2").await;
    assert_eq!(r2["errorcode"], "0");
    let r3 = refund(&app, &t, "1.01", "re_3").await;
    assert_eq!(r3["errorcode"], "2006");
    assert!(r3["errormessage"].contains("1.00 EUR left"), "{r3:?}");
    // The same reference answers the first refund, nothing new.
    let again = refund(&app, &t, "4.00", "re_1").await;
    assert_eq!(again["transactionid"], r1["transactionid"]);
    let r4 = refund(&app, &t, "1.00", "re_4").await;
    assert_eq!(r4["errorcode"], "0");
    let refunds = json_get(&app, "/_sim/refunds").await;
    assert_eq!(refunds.as_array().unwrap().len(), 3);
    // Declined or pending transactions are not refundable.
    let d = op(
        &app,
        "payment_authorize",
        &sale("o2", TOKEN_DECLINED, "10.00", "EUR"),
    )
    .await;
    let r = refund(&app, &d["transactionid"], "1.00", "re_5").await;
    assert_eq!(r["errorcode"], "2008");
    let r = refund(&app, "999", "1.00", "re_6").await;
    assert_eq!(r["errorcode"], "2007");
}

#[tokio::test]
async fn capture_and_reversal_of_holds() {
    let (_, app) = app();
    let a = op(
        &app,
        "payment_preauthorize",
        &sale("o1", TOKEN_OK, "10.00", "EUR"),
    )
    .await;
    let t = a["transactionid"].as_str();
    let base = [("merchantid", SANDBOX_MERCHANT_ID), ("transactionid", t)];
    let mut too_much = base.to_vec();
    too_much.extend([("amount", "10.01"), ("currency", "EUR")]);
    assert_eq!(
        op(&app, "payment_capture", &too_much).await["errorcode"],
        "2006"
    );
    let mut ok = base.to_vec();
    ok.extend([("amount", "8.00"), ("currency", "EUR")]);
    let c = op(&app, "payment_capture", &ok).await;
    assert_eq!(
        (c["status"].as_str(), c["captured_amount"].as_str()),
        ("captured", "8.00")
    );
    assert_eq!(
        op(&app, "payment_reversal", &base).await["errorcode"],
        "2008"
    );
    let b = op(
        &app,
        "payment_preauthorize",
        &sale("o2", TOKEN_OK, "3.00", "EUR"),
    )
    .await;
    let r = op(
        &app,
        "payment_reversal",
        &[
            ("merchantid", SANDBOX_MERCHANT_ID),
            ("transactionid", b["transactionid"].as_str()),
        ],
    )
    .await;
    assert_eq!(r["status"], "voided");
}

#[tokio::test]
async fn callbacks_are_signed_and_3ds_completes() {
    let (_, app) = app();
    let a = op(
        &app,
        "payment_authorize",
        &sale("o1", TOKEN_3DS, "25.00", "EUR"),
    )
    .await;
    let t = a["transactionid"].clone();
    let req = Request::builder()
        .uri(format!("/_sim/3ds/{t}?result=ok"))
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let callbacks = json_get(&app, &format!("/_sim/callbacks?transactionid={t}")).await;
    let callbacks = callbacks.as_array().unwrap();
    assert_eq!(callbacks.len(), 2);
    assert_eq!(callbacks[0]["status"], "pending_3ds");
    assert_eq!(callbacks[1]["status"], "captured");
    assert_eq!(
        callbacks[1]["notificationUrl"],
        "https://beep.example/api/v1/webhooks/payabl/st_1"
    );
    let body = parse_form(callbacks[1]["body"].as_str().unwrap().as_bytes());
    assert_eq!(body["signature"], signature(&body, SANDBOX_SECRET));
    assert_eq!(body["type"], "payment");
    assert_eq!(body["amount"], "25.00");
    // A pending payment settles through the hook.
    let p = op(
        &app,
        "payment_authorize",
        &sale("o2", TOKEN_PENDING, "5.00", "EUR"),
    )
    .await;
    let status = json_post(
        &app,
        &format!("/_sim/transactions/{}/status", p["transactionid"]),
        json!({"status": "declined"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let q = op(
        &app,
        "payment_status",
        &[("merchantid", SANDBOX_MERCHANT_ID), ("orderid", "o2")],
    )
    .await;
    assert_eq!(
        (q["status"].as_str(), q["errorcode"].as_str()),
        ("declined", "2005")
    );
}

#[tokio::test]
async fn injected_failures() {
    let (sim, app) = app();
    assert!(
        json_post(&app, "/_sim/fail", json!({"status": 503, "times": 1}))
            .await
            .is_success()
    );
    let (status, _) = raw(
        &app,
        "POST",
        "/pay/backoffice/payment_authorize",
        signed(&sale("o1", TOKEN_OK, "10.00", "EUR"), SANDBOX_SECRET),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(sim.lock().transactions.is_empty());
    // "after": it happened, but the answer is lost.
    json_post(
        &app,
        "/_sim/fail",
        json!({"status": 502, "times": 1, "after": true}),
    )
    .await;
    let (status, _) = raw(
        &app,
        "POST",
        "/pay/backoffice/payment_authorize",
        signed(&sale("o1", TOKEN_OK, "10.00", "EUR"), SANDBOX_SECRET),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        json_get(&app, "/_sim/transactions")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let a = op(
        &app,
        "payment_authorize",
        &sale("o1", TOKEN_OK, "10.00", "EUR"),
    )
    .await;
    assert_eq!(a["errorcode"], "2004");
    assert_eq!(
        json_post(&app, "/_sim/reset", json!({})).await,
        StatusCode::NO_CONTENT
    );
    assert!(
        json_get(&app, "/_sim/transactions")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

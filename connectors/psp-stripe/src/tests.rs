use super::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

fn money(amount: i64, currency: &str) -> Money {
    beep_sdk::money::money(amount, currency)
}

/// `Money` (generated) has no `PartialEq`.
fn mm(m: &Money) -> (i64, String) {
    (m.amount, m.currency.clone())
}

fn sign(secret: &str, t: u64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

#[test]
fn describes_itself() {
    use beep_sdk::psp::Describe;
    let info = Stripe::describe();
    assert_eq!(info.name, "stripe");
    assert!(matches!(info.kind, ConnectorKind::Psp));
    assert_eq!(info.hosts, vec!["https://api.stripe.com".to_string()]);
    let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(schema["required"], json!(["secretKey"]));
}

#[test]
fn statuses_map_to_the_contract() {
    use PaymentStatus as P;
    let table = [
        ("succeeded", P::Succeeded),
        ("requires_capture", P::Authorized),
        ("requires_action", P::RequiresAction),
        ("processing", P::Pending),
        ("requires_confirmation", P::Pending),
        ("requires_payment_method", P::Failed),
        ("canceled", P::Canceled),
        ("something_new", P::Pending),
    ];
    for (stripe, beep) in table {
        let s: StripeStatus = serde_json::from_value(json!(stripe)).unwrap();
        assert_eq!(PaymentStatus::from(s), beep, "{stripe}");
    }
    use RefundStatus as R;
    let table = [
        ("succeeded", R::Succeeded),
        ("pending", R::Pending),
        ("requires_action", R::Pending),
        ("failed", R::Failed),
        ("canceled", R::Failed),
    ];
    for (stripe, beep) in table {
        let s: StripeRefundStatus = serde_json::from_value(json!(stripe)).unwrap();
        assert_eq!(RefundStatus::from(s), beep, "{stripe}");
    }
}

#[test]
fn amounts_follow_stripe_exponents() {
    assert_eq!(to_stripe_amount(&money(1050, "EUR")).unwrap(), 1050);
    assert_eq!(to_stripe_amount(&money(500, "JPY")).unwrap(), 500);
    assert_eq!(to_stripe_amount(&money(1234, "KWD")).unwrap(), 1234);
    assert_eq!(to_stripe_amount(&money(5, "ISK")).unwrap(), 500);
    assert_eq!(to_stripe_amount(&money(1500, "MGA")).unwrap(), 15);
    assert!(to_stripe_amount(&money(1550, "MGA")).is_err());
    assert!(to_stripe_amount(&money(1, "XXX")).is_err());
    assert_eq!(mm(&from_stripe_amount(500, "isk")), mm(&money(5, "ISK")));
    assert_eq!(mm(&from_stripe_amount(15, "mga")), mm(&money(1500, "MGA")));
    assert_eq!(
        mm(&from_stripe_amount(1050, "eur")),
        mm(&money(1050, "EUR"))
    );
    assert_eq!(mm(&from_stripe_amount(500, "jpy")), mm(&money(500, "JPY")));
}

fn payment_request(return_url: Option<&str>) -> PaymentRequest {
    PaymentRequest {
        id: "pay_123".into(),
        amount: money(1999, "EUR"),
        reference: "order-9".into(),
        payment_method: "pm_card_visa".into(),
        description: Some("Scan & Go".into()),
        return_url: return_url.map(String::from),
    }
}

#[test]
fn payment_intent_form() {
    let req = payment_request(None);
    let mut pairs = beep_sdk::form::to_pairs(
        &PaymentIntentRequest::from_request(&req, Capture::Automatic).unwrap(),
    )
    .unwrap();
    pairs.sort();
    let expected: Vec<(String, String)> = [
        ("amount", "1999"),
        ("automatic_payment_methods[allow_redirects]", "never"),
        ("automatic_payment_methods[enabled]", "true"),
        ("confirm", "true"),
        ("currency", "eur"),
        ("description", "Scan & Go"),
        ("metadata[beep_payment_id]", "pay_123"),
        ("metadata[beep_reference]", "order-9"),
        ("payment_method", "pm_card_visa"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(pairs, expected);

    let req = payment_request(Some("https://shop.example/back"));
    let pairs = beep_sdk::form::to_pairs(
        &PaymentIntentRequest::from_request(&req, Capture::Automatic).unwrap(),
    )
    .unwrap();
    assert!(pairs.contains(&("return_url".into(), "https://shop.example/back".into())));
    assert!(
        !pairs
            .iter()
            .any(|(k, _)| k.starts_with("automatic_payment_methods"))
    );
    assert_eq!(payment_idempotency_key("pay_123"), "beep-payment-pay_123");
    assert_eq!(refund_idempotency_key("rf_1"), "beep-refund-rf_1");
}

#[test]
fn refund_form() {
    let req = RefundRequest {
        id: "rf_1".into(),
        payment_provider_reference: "pi_1".into(),
        amount: money(500, "EUR"),
        reason: Some("Requested by customer".into()),
    };
    let mut pairs =
        beep_sdk::form::to_pairs(&RefundRequestBody::from_request(&req).unwrap()).unwrap();
    pairs.sort();
    let expected: Vec<(String, String)> = [
        ("amount", "500"),
        ("metadata[beep_reason]", "Requested by customer"),
        ("metadata[beep_refund_id]", "rf_1"),
        ("payment_intent", "pi_1"),
        ("reason", "requested_by_customer"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(pairs, expected);
    let req = RefundRequest {
        reason: Some("damaged item".into()),
        ..req
    };
    let body = RefundRequestBody::from_request(&req).unwrap();
    assert_eq!(body.reason, None);
}

#[test]
fn succeeded_intent_maps() {
    let pi: StripePaymentIntent = serde_json::from_value(json!({
        "id": "pi_1", "object": "payment_intent", "amount": 1999, "amount_received": 1999,
        "currency": "eur", "status": "succeeded", "metadata": {"beep_payment_id": "pay_123"},
        "latest_charge": "ch_1", "last_payment_error": null, "next_action": null
    }))
    .unwrap();
    let p = payment_from(pi, None);
    assert_eq!(p.provider_reference, "pi_1");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(mm(&p.amount), mm(&money(1999, "EUR")));
    assert_eq!(p.captured.as_ref().map(mm), Some(mm(&money(1999, "EUR"))));
    assert_eq!(p.failure_code, None);
    assert_eq!(p.action_url, None);
}

#[test]
fn decline_error_maps_to_failed_payment() {
    let body = json!({"error": {
        "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.", "charge": "ch_2",
        "payment_intent": {
            "id": "pi_2", "object": "payment_intent", "amount": 1000, "amount_received": 0,
            "currency": "eur", "status": "requires_payment_method",
            "last_payment_error": {"type": "card_error", "code": "card_declined",
                "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."},
            "next_action": null
        }
    }});
    let StripeErrorBody { mut error } = serde_json::from_value(body).unwrap();
    let pi = error.payment_intent.take().unwrap();
    let p = payment_from(*pi, Some(&error));
    assert_eq!(p.status, PaymentStatus::Failed);
    assert_eq!(p.provider_reference, "pi_2");
    assert_eq!(p.failure_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(
        p.failure_message.as_deref(),
        Some("Your card has insufficient funds.")
    );
    assert_eq!(p.captured.as_ref().map(mm), Some(mm(&money(0, "EUR"))));
}

#[test]
fn requires_action_carries_the_redirect() {
    let pi: StripePaymentIntent = serde_json::from_value(json!({
        "id": "pi_3", "amount": 1000, "currency": "eur", "status": "requires_action",
        "next_action": {"type": "redirect_to_url",
            "redirect_to_url": {"url": "https://hooks.stripe.com/3ds", "return_url": "https://x"}}
    }))
    .unwrap();
    let p = payment_from(pi, None);
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(
        p.action_url.as_deref(),
        Some("https://hooks.stripe.com/3ds")
    );
    let pi: StripePaymentIntent = serde_json::from_value(json!({
        "id": "pi_4", "amount": 1000, "currency": "eur", "status": "requires_action",
        "next_action": {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
    }))
    .unwrap();
    assert_eq!(payment_from(pi, None).action_url, None);
}

#[test]
fn refunds_map() {
    let r: StripeRefund = serde_json::from_value(json!({
        "id": "re_1", "object": "refund", "amount": 600, "currency": "eur",
        "payment_intent": "pi_1", "status": "succeeded", "charge": "ch_1"
    }))
    .unwrap();
    let r = refund_from(r);
    assert_eq!(r.provider_reference, "re_1");
    assert_eq!(r.payment_provider_reference.as_deref(), Some("pi_1"));
    assert_eq!(r.status, RefundStatus::Succeeded);
    assert_eq!(mm(&r.amount), mm(&money(600, "EUR")));
}

#[test]
fn errors_carry_stripes_message() {
    let resp = Response {
        status: 401,
        headers: vec![],
        body: br#"{"error":{"type":"invalid_request_error","code":"api_key_invalid","message":"Invalid API Key provided: sk_test_****abcd"}}"#.to_vec(),
    };
    match check(resp) {
        Err(ConnectorError::Unauthorized(m)) => {
            assert_eq!(m, "Invalid API Key provided: sk_test_****abcd")
        }
        other => panic!("{other:?}"),
    }
    let resp = Response {
        status: 400,
        headers: vec![],
        body: br#"{"error":{"type":"invalid_request_error","code":"amount_too_large","message":"Refund amount too large"}}"#.to_vec(),
    };
    match check(resp) {
        Err(ConnectorError::Upstream(e)) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.message, "Refund amount too large (amount_too_large)");
        }
        other => panic!("{other:?}"),
    }
    let resp = Response {
        status: 429,
        headers: vec![],
        body: br#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"slow"}}"#
            .to_vec(),
    };
    assert!(matches!(
        check(resp),
        Err(ConnectorError::RateLimited(None))
    ));
}

#[test]
fn config_is_checked() {
    let cfg = StripeConfig::parse(
        r#"{"secretKey":"sk_test_abc","baseUrl":"http://127.0.0.1:9/stripe/"}"#,
    )
    .unwrap();
    assert_eq!(
        cfg.url("/v1/balance"),
        "http://127.0.0.1:9/stripe/v1/balance"
    );
    let cfg = StripeConfig::parse(r#"{"secretKey":"sk_live_abc"}"#).unwrap();
    assert_eq!(cfg.url("/v1/refunds"), "https://api.stripe.com/v1/refunds");
    for bad in [
        r#"{}"#,
        r#"{"secretKey":"pk_test_abc"}"#,
        r#"{"secretKey":"sk_test_abc","webhookSecret":"nope"}"#,
        r#"{"secretKey":"sk_test_abc","baseUrl":"ftp://x"}"#,
    ] {
        assert!(
            matches!(
                StripeConfig::parse(bad),
                Err(ConnectorError::InvalidConfig(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn search_queries_escape_quotes() {
    assert_eq!(search_query("pay_1"), "metadata['beep_payment_id']:'pay_1'");
    assert_eq!(
        search_query("it's\\"),
        r"metadata['beep_payment_id']:'it\'s\\'"
    );
    assert_eq!(segment("pi_1"), "pi_1");
    assert_eq!(segment("a/b c"), "a%2Fb%20c");
}

#[test]
fn webhook_signatures_are_verified() {
    let secret = "whsec_test";
    let payload = br#"{"id":"evt_1"}"#;
    let t = 1_700_000_000u64;
    let good = sign(secret, t, payload);
    // Known answer (Python's hmac over the same input).
    assert_eq!(
        good,
        "c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"
    );
    let header = format!("t={t},v1={good}");
    assert!(verify_signature(secret, &header, payload, t + 10, 300).is_ok());
    // Several signatures (secret rolling) and a v0 are fine if one v1 matches.
    let header2 = format!("t={t},v1={},v1={good},v0=abc", "00".repeat(32));
    assert!(verify_signature(secret, &header2, payload, t, 300).is_ok());
    let tampered = br#"{"id":"evt_2"}"#;
    let unauthorized_err =
        |r: Result<(), ConnectorError>| matches!(r, Err(ConnectorError::Unauthorized(_)));
    assert!(unauthorized_err(verify_signature(
        secret, &header, tampered, t, 300
    )));
    assert!(unauthorized_err(verify_signature(
        "whsec_other",
        &header,
        payload,
        t,
        300
    )));
    assert!(unauthorized_err(verify_signature(
        secret,
        &header,
        payload,
        t + 301,
        300
    )));
    assert!(unauthorized_err(verify_signature(
        secret, "v1=abc", payload, t, 300
    )));
    assert!(unauthorized_err(verify_signature(
        secret,
        &format!("t={t}"),
        payload,
        t,
        300
    )));
    assert!(unauthorized_err(verify_signature(
        secret,
        &format!("t={t},v1=zz"),
        payload,
        t,
        300
    )));
}

#[test]
fn events_map() {
    let event: StripeEvent = serde_json::from_value(json!({
        "id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_1", "amount": 1000, "amount_received": 1000,
                            "currency": "eur", "status": "succeeded"}}
    }))
    .unwrap();
    let e = webhook_event_from(event).unwrap();
    assert_eq!(e.id, "evt_1");
    assert_eq!(e.event_type, "payment_intent.succeeded");
    assert_eq!(e.payment.unwrap().status, PaymentStatus::Succeeded);

    let event: StripeEvent = serde_json::from_value(json!({
        "id": "evt_2", "type": "refund.created",
        "data": {"object": {"id": "re_1", "amount": 300, "currency": "eur",
                            "payment_intent": "pi_1", "status": "succeeded"}}
    }))
    .unwrap();
    let e = webhook_event_from(event).unwrap();
    assert_eq!(mm(&e.refund.unwrap().amount), mm(&money(300, "EUR")));

    let event: StripeEvent = serde_json::from_value(json!({
        "id": "evt_3", "type": "charge.refunded",
        "data": {"object": {"id": "ch_1", "amount": 1000, "amount_captured": 1000,
            "amount_refunded": 1000, "captured": true, "currency": "eur",
            "payment_intent": "pi_1", "status": "succeeded"}}
    }))
    .unwrap();
    let e = webhook_event_from(event).unwrap();
    let p = e.payment.unwrap();
    assert_eq!(p.provider_reference, "pi_1");
    assert_eq!(p.status, PaymentStatus::Succeeded);

    let event: StripeEvent = serde_json::from_value(json!({
        "id": "evt_4", "type": "customer.created", "data": {"object": {"id": "cus_1"}}
    }))
    .unwrap();
    let e = webhook_event_from(event).unwrap();
    assert!(e.payment.is_none() && e.refund.is_none());
}

#[test]
fn a_manual_capture_only_authorises() {
    let req = PaymentRequest {
        id: "p-1".into(),
        amount: Money {
            amount: 1000,
            currency: "EUR".into(),
        },
        reference: "basket-1".into(),
        payment_method: "pm_card_visa".into(),
        description: None,
        return_url: None,
    };
    let manual = beep_sdk::form::to_pairs(
        &PaymentIntentRequest::from_request(&req, Capture::Manual).unwrap(),
    )
    .unwrap();
    assert!(
        manual
            .iter()
            .any(|(k, v)| k == "capture_method" && v == "manual"),
        "{manual:?}"
    );
    let automatic = beep_sdk::form::to_pairs(
        &PaymentIntentRequest::from_request(&req, Capture::Automatic).unwrap(),
    )
    .unwrap();
    assert!(
        !automatic.iter().any(|(k, _)| k == "capture_method"),
        "{automatic:?}"
    );
    assert_eq!(capture_idempotency_key("c-1"), "beep-capture-c-1");
    assert_eq!(cancel_idempotency_key("x-1"), "beep-cancel-x-1");
}

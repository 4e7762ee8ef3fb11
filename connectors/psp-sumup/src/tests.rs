use super::*;
use beep_sdk::http::segment;
use beep_sdk::money::money;
use serde_json::json;

fn mm(m: &Money) -> (i64, String) {
    (m.amount, m.currency.clone())
}

fn cfg() -> SumupConfig {
    SumupConfig::parse(r#"{"apiKey":"sup_sk_abc","merchantCode":"MH4H92C7"}"#).unwrap()
}

fn checkout(v: serde_json::Value) -> SumupCheckout {
    serde_json::from_value(v).unwrap()
}

fn resp(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn describe_names_sumup() {
    use beep_sdk::psp::Describe;
    let info = Sumup::describe();
    assert_eq!(info.name, "sumup");
    assert_eq!(info.kind, ConnectorKind::Psp);
    assert_eq!(info.systems, vec!["sumup".to_string()]);
    assert_eq!(info.hosts, vec!["https://api.sumup.com".to_string()]);
    let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(schema["required"], json!(["apiKey", "merchantCode"]));
}

#[test]
fn config_is_checked() {
    let c = SumupConfig::parse(
        r#"{"apiKey":"sup_sk_x","merchantCode":"MC1","baseUrl":"http://127.0.0.1:9/sumup/"}"#,
    )
    .unwrap();
    assert_eq!(
        c.url("/v0.1/checkouts"),
        "http://127.0.0.1:9/sumup/v0.1/checkouts"
    );
    assert_eq!(cfg().url("/v1/x"), "https://api.sumup.com/v1/x");
    for bad in [
        r#"{}"#,
        r#"{"apiKey":"sup_sk_x"}"#,
        r#"{"apiKey":"","merchantCode":"MC1"}"#,
        r#"{"apiKey":"a b","merchantCode":"MC1"}"#,
        r#"{"apiKey":"k","merchantCode":"MC/1"}"#,
        r#"{"apiKey":"k","merchantCode":"MC1","baseUrl":"ftp://x"}"#,
        r#"{"apiKey":"k","merchantCode":"MC1","returnUrl":"hook"}"#,
    ] {
        assert!(
            matches!(
                SumupConfig::parse(bad),
                Err(ConnectorError::InvalidConfig(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn status_mapping() {
    use CheckoutStatus as C;
    use PaymentStatus as P;
    use TransactionStatus as T;
    let table = [
        (C::Pending, None, false, P::Pending),
        (C::Pending, Some(T::Pending), false, P::Pending),
        (C::Pending, Some(T::Pending), true, P::RequiresAction),
        (C::Paid, Some(T::Successful), false, P::Succeeded),
        (C::Paid, Some(T::Refunded), false, P::Succeeded),
        (C::Pending, Some(T::Successful), false, P::Succeeded),
        (C::Failed, Some(T::Failed), false, P::Failed),
        (C::Failed, Some(T::Cancelled), false, P::Canceled),
        (C::Pending, Some(T::Cancelled), false, P::Canceled),
        (C::Expired, None, false, P::Failed),
        (C::Unknown, None, false, P::Pending),
    ];
    for (checkout, transaction, next_step, beep) in table {
        assert_eq!(
            PaymentStatus::from(SumupState {
                checkout,
                transaction,
                next_step
            }),
            beep,
            "{checkout:?} {transaction:?} {next_step}"
        );
    }
    let s: CheckoutStatus = serde_json::from_value(json!("SOMETHING_NEW")).unwrap();
    assert_eq!(s, C::Unknown);
    let t: TransactionStatus = serde_json::from_value(json!("SUCCESSFUL")).unwrap();
    assert_eq!(t, T::Successful);
}

#[test]
fn amounts_are_exact_major_numbers() {
    let cases = [
        (1999, "EUR", 19.99),
        (5, "EUR", 0.05),
        (1010, "EUR", 10.1),
        (1000, "CLP", 1000.0),
        (1000, "JPY", 1000.0),
        // SumUp takes no three-decimal currency; the conversion is exact all the same.
        (1234, "KWD", 1.234),
        (1, "KWD", 0.001),
        (12_345_678_901, "EUR", 123_456_789.01),
    ];
    for (minor, currency, major) in cases {
        let m = money(minor, currency);
        assert_eq!(to_sumup_amount(&m).unwrap(), major, "{minor} {currency}");
        assert_eq!(
            mm(&from_sumup_amount(major, currency).unwrap()),
            (minor, currency.to_string())
        );
    }
    // The JSON number SumUp sees is the plain decimal.
    assert_eq!(
        serde_json::to_string(&CreateRefund { amount: 10.1 }).unwrap(),
        r#"{"amount":10.1}"#
    );
    assert!(to_sumup_amount(&money(1, "XXX")).is_err());
    assert!(matches!(
        from_sumup_amount(1.0, "XXX"),
        Err(ConnectorError::Internal(_))
    ));
}

#[test]
fn create_checkout_body() {
    let cfg = SumupConfig::parse(
        r#"{"apiKey":"k","merchantCode":"MH4H92C7","returnUrl":"https://beep.example/api/v1/webhooks/sumup/s1"}"#,
    )
    .unwrap();
    let req = PaymentRequest {
        id: "pay_123".into(),
        amount: money(1010, "EUR"),
        reference: "order-9".into(),
        payment_method: "sumup_test_paid".into(),
        description: Some("Scan & Go".into()),
        return_url: Some("https://shop.example/back".into()),
    };
    let body = serde_json::to_value(CreateCheckout::from_request(&cfg, &req).unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "checkout_reference": "pay_123",
            "amount": 10.1,
            "currency": "EUR",
            "merchant_code": "MH4H92C7",
            "description": "order-9 Scan & Go",
            "return_url": "https://beep.example/api/v1/webhooks/sumup/s1",
            "redirect_url": "https://shop.example/back",
        })
    );
    let req = PaymentRequest {
        description: None,
        return_url: None,
        amount: money(1000, "CLP"),
        ..req
    };
    let body =
        serde_json::to_value(CreateCheckout::from_request(&self::cfg(), &req).unwrap()).unwrap();
    assert_eq!(body["amount"], json!(1000.0));
    assert_eq!(body["description"], "order-9");
    assert!(body.get("return_url").is_none() && body.get("redirect_url").is_none());
    let process = ProcessCheckout {
        payment_type: "card",
        token: "tok",
    };
    assert_eq!(
        serde_json::to_value(&process).unwrap(),
        json!({"payment_type": "card", "token": "tok"})
    );
}

#[test]
fn checkouts_map() {
    let c = checkout(json!({
        "checkout_reference": "pay_1", "amount": 10.1, "currency": "EUR",
        "merchant_code": "MH4H92C7", "id": "88fc", "status": "PAID",
        "date": "2020-02-29T10:56:56+00:00", "transaction_id": "410f",
        "transactions": [{"id": "410f", "transaction_code": "TEENSK4W2K", "amount": 10.1,
            "currency": "EUR", "status": "SUCCESSFUL", "payment_type": "ECOM"}]
    }));
    assert!(!c.unprocessed());
    assert_eq!(c.paid_transaction(), Some("410f"));
    let p = payment_from(&c, None).unwrap();
    assert_eq!(p.provider_reference, "88fc");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(mm(&p.amount), mm(&money(1010, "EUR")));
    assert_eq!(p.captured.as_ref().map(mm), Some(mm(&money(1010, "EUR"))));
    assert!(p.failure_code.is_none() && p.action_url.is_none());

    let c = checkout(json!({"id": "a", "amount": 5, "currency": "EUR", "status": "PENDING"}));
    assert!(c.unprocessed());
    assert_eq!(c.paid_transaction(), None);
    let p = payment_from(&c, Some("https://3ds.example/x".into())).unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(p.action_url.as_deref(), Some("https://3ds.example/x"));
    assert!(p.captured.is_none());

    let c = checkout(
        json!({"id": "b", "amount": 5, "currency": "EUR", "status": "FAILED",
        "transactions": [{"id": "t", "status": "FAILED"}]}),
    );
    let p = payment_from(&c, None).unwrap();
    assert_eq!(p.status, PaymentStatus::Failed);
    assert_eq!(p.failure_code.as_deref(), Some("failed"));
    let c = checkout(json!({"id": "b", "amount": 5, "currency": "EUR", "status": "EXPIRED"}));
    assert_eq!(
        payment_from(&c, None).unwrap().failure_code.as_deref(),
        Some("expired")
    );
    let c = checkout(
        json!({"id": "b", "amount": 5, "currency": "EUR", "status": "FAILED",
        "transactions": [{"id": "t", "status": "CANCELLED"}]}),
    );
    let p = payment_from(&c, None).unwrap();
    assert_eq!(p.status, PaymentStatus::Canceled);
    assert_eq!(p.failure_code.as_deref(), Some("cancelled"));
    // A 3-D Secure URL only matters while action is required.
    let c = checkout(
        json!({"id": "c", "amount": 5, "currency": "EUR", "status": "PAID",
        "transactions": [{"id": "t", "status": "REFUNDED"}]}),
    );
    assert_eq!(c.paid_transaction(), Some("t"));
    assert_eq!(refund_reference("t", "rf_1"), "t:rf_1");
}

#[test]
fn errors_carry_sumups_words() {
    let r = resp(
        401,
        r#"{"detail":"Unauthorized.","status":401,"title":"Unauthorized","type":"https://developer.sumup.com/problem/unauthorized"}"#,
    );
    match check(r) {
        Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Unauthorized."),
        other => panic!("{other:?}"),
    }
    let r = resp(
        400,
        r#"{"message":"Validation error","error_code":"MISSING","param":"merchant_code"}"#,
    );
    match check(r) {
        Err(ConnectorError::Upstream(e)) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.message, "Validation error (MISSING: merchant_code)");
        }
        other => panic!("{other:?}"),
    }
    let r = resp(
        422,
        r#"{"type":"https://developer.sumup.com/problem/unprocessable-entity","title":"Unprocessable Entity","status":422,"detail":"Refund failed.","errors":[{"code":"INVALID_AMOUNT","detail":"Amount exceeds the refundable amount"}]}"#,
    );
    match check(r) {
        Err(ConnectorError::Upstream(e)) => {
            assert_eq!(
                e.message,
                "Refund failed. Amount exceeds the refundable amount"
            )
        }
        other => panic!("{other:?}"),
    }
    let dup = resp(
        409,
        r#"{"error_code":"DUPLICATED_CHECKOUT","message":"Checkout with this checkout reference and pay to email already exists"}"#,
    );
    assert!(is_duplicate(&dup));
    assert!(!is_duplicate(&resp(409, r#"{"title":"Conflict"}"#)));
    let r = resp(
        404,
        r#"{"error_code":"NOT_FOUND","message":"Resource not found"}"#,
    );
    assert!(matches!(check(r), Err(ConnectorError::NotFound(_))));
    assert!(matches!(
        check(resp(503, "<html>")),
        Err(ConnectorError::Upstream(ref e)) if e.status == 503
    ));
}

#[test]
fn webhooks_carry_the_checkout_id() {
    assert_eq!(
        webhook_checkout_id(br#"{"event_type":"CHECKOUT_STATUS_CHANGED","id":"88fc-1"}"#).unwrap(),
        "88fc-1"
    );
    for bad in [
        &b""[..],
        b"id=x",
        br#"{"event_type":"X","id":""}"#,
        br#"{"event_type":"X","id":"a/b"}"#,
        br#"{"id":"abc"}"#,
    ] {
        assert!(
            matches!(
                webhook_checkout_id(bad),
                Err(ConnectorError::Unauthorized(_))
            ),
            "{bad:?}"
        );
    }
    let c = checkout(
        json!({"id": "88fc", "amount": 5, "currency": "EUR", "status": "PAID",
        "transactions": [{"id": "t", "status": "SUCCESSFUL"}]}),
    );
    let e = webhook_event_from(&c).unwrap();
    assert_eq!(e.id, "88fc:PAID");
    assert_eq!(e.event_type, "checkout.paid");
    assert_eq!(e.payment.unwrap().status, PaymentStatus::Succeeded);
    assert_eq!(segment("a/b c"), "a%2Fb%20c");
}

use super::*;
use beep_sdk::money::money;
use beep_sdk::prelude::{
    ConnectorError, ConnectorKind, PaymentRequest, PaymentStatus, RefundStatus,
};
use serde_json::{Value, json};

fn cfg() -> UnzerConfig {
    UnzerConfig::parse(r#"{"privateKey":"s-priv-2a10BeepSandbox"}"#).unwrap()
}

#[test]
fn describe_names_unzer() {
    use beep_sdk::psp::Describe;
    let info = Unzer::describe();
    assert_eq!(info.name, "unzer");
    assert_eq!(info.kind, ConnectorKind::Psp);
    assert_eq!(info.systems, vec!["unzer".to_string()]);
    assert_eq!(info.hosts, vec!["https://api.unzer.com".to_string()]);
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(schema["required"], json!(["privateKey"]));
}

#[test]
fn config_checks_the_key() {
    assert!(UnzerConfig::parse(r#"{"privateKey":"p-priv-abc"}"#).is_ok());
    for bad in [
        r#"{"privateKey":"s-pub-abc"}"#,
        r#"{"privateKey":"sk_test_1"}"#,
        r#"{"privateKey":"s-priv-"}"#,
        r#"{"privateKey":"s-priv-a:b"}"#,
        r#"{"privateKey":"s-priv-a","baseUrl":"ftp://x"}"#,
        r#"{}"#,
    ] {
        assert!(
            matches!(
                UnzerConfig::parse(bad),
                Err(ConnectorError::InvalidConfig(_))
            ),
            "{bad}"
        );
    }
    assert_eq!(cfg().base(), "https://api.unzer.com/v1");
    let c =
        UnzerConfig::parse(r#"{"privateKey":"s-priv-a","baseUrl":"http://h/unzer/v1/"}"#).unwrap();
    assert_eq!(c.base(), "http://h/unzer/v1");
}

#[test]
fn amounts_are_exact_decimal_numbers() {
    let cases = [
        (1999, "EUR", "19.99"),
        (1000, "EUR", "10"),
        (5, "EUR", "0.05"),
        (1, "EUR", "0.01"),
        (123456789012, "EUR", "1234567890.12"),
        (1000, "JPY", "1000"),
        (1, "JPY", "1"),
        (1234, "KWD", "1.234"),
        (1, "KWD", "0.001"),
        (1000, "KWD", "1"),
        (10, "KWD", "0.01"),
    ];
    for (minor, currency, text) in cases {
        let n = amount_number(&money(minor, currency)).unwrap();
        assert_eq!(n.to_string(), text, "{minor} {currency}");
        // Read back from the number and from Unzer's four-decimal strings.
        assert_eq!(parse_amount(&n, currency).unwrap(), minor);
        let four = format!(
            "{}{}",
            beep_sdk::money::to_major_string(&money(minor, currency)).unwrap(),
            match beep_sdk::money::exponent(currency).unwrap() {
                0 => ".0000",
                2 => "00",
                3 => "0",
                _ => "",
            }
        );
        assert_eq!(
            parse_amount(&json!(four), currency).unwrap(),
            minor,
            "{four}"
        );
    }
    // Every cent of a range round-trips through the JSON number text.
    for minor in 0..3000 {
        let m = money(minor, "EUR");
        let text = amount_number(&m).unwrap().to_string();
        assert_eq!(
            beep_sdk::money::from_major_str(&text, "EUR").unwrap(),
            minor
        );
    }
    assert!(amount_number(&money(1, "XXX")).is_err());
    assert!(parse_amount(&json!("1.5"), "JPY").is_err());
    assert!(parse_amount(&json!(true), "EUR").is_err());
}

#[test]
fn status_mapping() {
    use PaymentState as S;
    use PaymentStatus as P;
    use TxStatus as T;
    let table = [
        (Some(S::Completed), Some(T::Success), false, P::Succeeded),
        (Some(S::Pending), Some(T::Pending), true, P::RequiresAction),
        (Some(S::Pending), Some(T::Pending), false, P::Pending),
        (Some(S::Pending), None, false, P::Pending),
        (Some(S::Pending), Some(T::Error), false, P::Failed),
        (Some(S::Canceled), Some(T::Error), false, P::Failed),
        (Some(S::Canceled), Some(T::Success), false, P::Canceled),
        (Some(S::Canceled), None, false, P::Canceled),
        (Some(S::Partly), Some(T::Success), false, P::Authorized),
        (Some(S::PaymentReview), Some(T::Pending), false, P::Pending),
        (Some(S::Chargeback), Some(T::Success), false, P::Failed),
        (Some(S::Unknown), None, false, P::Pending),
        (None, Some(T::Success), false, P::Succeeded),
        (None, Some(T::Pending), true, P::RequiresAction),
        (None, Some(T::Pending), false, P::Pending),
        (None, Some(T::Error), true, P::Failed),
    ];
    for (payment, charge, redirect, want) in table {
        assert_eq!(
            PaymentStatus::from(UnzerState {
                payment,
                charge,
                redirect,
                held: false,
            }),
            want,
            "{payment:?} {charge:?} {redirect}"
        );
    }
    for (name, state) in [
        ("pending", S::Pending),
        ("completed", S::Completed),
        ("canceled", S::Canceled),
        ("partly", S::Partly),
        ("payment_review", S::PaymentReview),
        ("chargeback", S::Chargeback),
        ("create", S::Unknown),
    ] {
        assert_eq!(serde_json::from_value::<S>(json!(name)).unwrap(), state);
    }
    assert_eq!(RefundStatus::from(T::Success), RefundStatus::Succeeded);
    assert_eq!(RefundStatus::from(T::Pending), RefundStatus::Pending);
    assert_eq!(RefundStatus::from(T::Error), RefundStatus::Failed);
}

fn request(method: &str) -> PaymentRequest {
    PaymentRequest {
        id: "pay_123".into(),
        amount: money(1234, "EUR"),
        reference: "order-9".into(),
        payment_method: method.into(),
        description: None,
        return_url: None,
    }
}

#[test]
fn charge_body_uses_the_type_id_and_orderid() {
    let body = charge_body(&cfg(), &request("s-crd-abc")).unwrap();
    assert_eq!(
        body,
        json!({"amount": 12.34, "currency": "EUR", "orderId": "pay_123",
            "returnUrl": FALLBACK_RETURN_URL, "paymentReference": "order-9",
            "resources": {"typeId": "s-crd-abc"}})
    );
    assert_eq!(
        serde_json::to_string(&body["amount"]).unwrap(),
        "12.34",
        "a JSON number, not a string"
    );
    let mut r = request("s-crd-abc");
    r.return_url = Some("https://shop.example/back".into());
    assert_eq!(
        charge_body(&cfg(), &r).unwrap()["returnUrl"],
        "https://shop.example/back"
    );
    assert!(charge_body(&cfg(), &request(" ")).is_err());
    let refund = RefundRequest {
        id: "ref_1".into(),
        payment_provider_reference: "s-pay-1/s-chg-1".into(),
        amount: money(1000, "JPY"),
        reason: Some("requested_by_customer".into()),
    };
    assert_eq!(
        cancel_body(&refund).unwrap(),
        json!({"amount": 1000, "paymentReference": "ref_1", "reasonCode": "CANCEL"})
    );
}

#[test]
fn references_split() {
    assert_eq!(
        split_reference("s-pay-1/s-chg-1").unwrap(),
        ("s-pay-1", Some("s-chg-1"))
    );
    assert_eq!(split_reference("s-pay-1").unwrap(), ("s-pay-1", None));
    assert!(split_reference("s-pay-1/../x").is_err());
    assert!(split_reference("").is_err());
}

#[test]
fn charges_map_to_payments() {
    let ok: Transaction = serde_json::from_value(json!({
        "id": "s-chg-1", "isSuccess": true, "isPending": false, "isError": false,
        "amount": "12.3400", "currency": "EUR",
        "resources": {"paymentId": "s-pay-7", "typeId": "s-crd-success"}
    }))
    .unwrap();
    let p = payment_from_charge(&ok, &money(1234, "EUR")).unwrap();
    assert_eq!(p.provider_reference, "s-pay-7/s-chg-1");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!((p.amount.amount, p.captured.unwrap().amount), (1234, 1234));

    let tds: Transaction = serde_json::from_value(json!({
        "id": "s-chg-1", "isSuccess": false, "isPending": true, "isError": false,
        "redirectUrl": "https://sim/3ds", "amount": "12.3400", "currency": "EUR",
        "resources": {"paymentId": "s-pay-8"}
    }))
    .unwrap();
    let p = payment_from_charge(&tds, &money(1234, "EUR")).unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(p.action_url.as_deref(), Some("https://sim/3ds"));

    let declined: Transaction = serde_json::from_value(json!({
        "id": "s-chg-1", "isSuccess": false, "isPending": false, "isError": true,
        "resources": {"paymentId": "s-pay-9"},
        "errors": [{"code": "COR.100.100.101", "merchantMessage": "card declined",
            "customerMessage": "Please use another card"}]
    }))
    .unwrap();
    let p = payment_from_charge(&declined, &money(1234, "EUR")).unwrap();
    assert_eq!(p.status, PaymentStatus::Failed);
    assert_eq!(p.failure_code.as_deref(), Some("COR.100.100.101"));
    assert_eq!(p.failure_message.as_deref(), Some("card declined"));
    assert!(p.captured.is_none());
}

fn unzer_payment(state: &str, charge: &str, cancels: &[(&str, &str)]) -> UnzerPayment {
    let mut txs = vec![json!({"type": "charge", "status": charge,
        "url": "https://api.unzer.com/v1/payments/s-pay-1/charges/s-chg-1", "amount": "10.0000"})];
    for (id, status) in cancels {
        txs.push(json!({"type": "cancel-charge", "status": status,
            "url": format!("https://api.unzer.com/v1/payments/s-pay-1/charges/s-chg-1/cancels/{id}"),
            "amount": "2.5000"}));
    }
    serde_json::from_value(json!({
        "id": "s-pay-1", "state": {"id": 1, "name": state},
        "amount": {"total": "10.0000", "charged": "10.0000", "canceled": "0.0000", "remaining": "0.0000"},
        "currency": "EUR", "orderId": "pay_1", "transactions": txs
    }))
    .unwrap()
}

#[test]
fn payments_and_webhooks_map() {
    let p = payment_from(&unzer_payment("completed", "success", &[]), None).unwrap();
    assert_eq!(p.provider_reference, "s-pay-1/s-chg-1");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(p.captured.unwrap().amount, 1000);

    let ev = webhook_event_from(
        "payment.completed",
        &unzer_payment("completed", "success", &[("s-cnl-1", "success")]),
        None,
    )
    .unwrap();
    assert_eq!(ev.id, "s-pay-1:completed:success:s-cnl-1:success");
    assert_eq!(ev.event_type, "payment.completed");
    let r = ev.refund.unwrap();
    assert_eq!(r.provider_reference, "s-pay-1/s-chg-1/s-cnl-1");
    assert_eq!(r.status, RefundStatus::Succeeded);
    assert_eq!(r.amount.amount, 250);
}

#[test]
fn retrieve_urls_stay_under_the_base() {
    let base = "http://127.0.0.1:9/unzer/v1";
    assert_eq!(
        retrieve_payment_id(base, "http://127.0.0.1:9/unzer/v1/payments/s-pay-1").unwrap(),
        "s-pay-1"
    );
    assert_eq!(
        retrieve_payment_id(
            base,
            "http://127.0.0.1:9/unzer/v1/payments/s-pay-1/charges/s-chg-1"
        )
        .unwrap(),
        "s-pay-1"
    );
    for bad in [
        "https://evil.example/v1/payments/s-pay-1",
        "http://127.0.0.1:9/unzer/v1/payments/",
        "http://127.0.0.1:9/unzer/v1/payments/../keypair",
        "http://127.0.0.1:9/unzer/v1/payments/s-pay-1/../../x",
        "http://127.0.0.1:9/unzer/v1/payments/s-pay-1?x=1",
        "http://127.0.0.1:9/unzer/v1/payments/s-pay-1%2F..",
        "http://127.0.0.1:9/unzer/v1/keypair",
        "http://127.0.0.1:9/unzer/v1/paymentsX/s-pay-1",
        "http://127.0.0.1:9.evil.example/unzer/v1/payments/s-pay-1",
    ] {
        assert!(
            matches!(
                retrieve_payment_id(base, bad),
                Err(ConnectorError::Unauthorized(_))
            ),
            "{bad}"
        );
    }
    assert!(parse_webhook_body(b"id=tr_1").is_err());
    let hook = parse_webhook_body(
        br#"{"event":"payment.completed","publicKey":"s-pub-1","retrieveUrl":"u","paymentId":"s-pay-1"}"#,
    )
    .unwrap();
    assert_eq!(hook.retrieve_url, "u");
}

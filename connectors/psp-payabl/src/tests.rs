use super::*;
use beep_sdk::money::money;
use beep_sdk::prelude::*;
use beep_sdk::psp::Describe;

fn cfg() -> PayablConfig {
    PayablConfig::parse(
        r#"{"merchantId":"beep_sandbox","secret":"payabl_sandbox_secret_0001","notificationUrl":"https://beep.example/api/v1/webhooks/payabl/st_1"}"#,
    )
    .unwrap()
}

fn request(amount: i64, currency: &str) -> PaymentRequest {
    PaymentRequest {
        id: "pay_123".into(),
        amount: money(amount, currency),
        reference: "order-1".into(),
        payment_method: "payabl_test_ok".into(),
        description: Some("Café Müller".into()),
        return_url: None,
    }
}

#[test]
fn describe_names_payabl() {
    let info = Payabl::describe();
    assert_eq!(info.name, "payabl");
    assert_eq!(info.kind, ConnectorKind::Psp);
    assert_eq!(info.systems, vec!["payabl"]);
    assert_eq!(
        info.hosts,
        vec!["https://sandbox.payabl.com", "https://pay.payabl.com"]
    );
    serde_json::from_str::<serde_json::Value>(&info.config_schema).unwrap();
}

/// Vector computed independently with Python:
/// `hashlib.sha1("10.00EURCafé Müllerbeep_sandboxpay_1231payabl_test_okpayabl_sandbox_secret_0001".encode("latin-1")).hexdigest()`
/// (values in the order amount, currency, description, merchantid, orderid,
/// payment_method, token).
#[test]
fn signature_matches_an_independent_vector() {
    let mut cfg = cfg();
    cfg.notification_url = None;
    let params = payment_params(&cfg, &request(1000, "EUR")).unwrap();
    let sig = signature(
        params.iter().map(|(k, v)| (*k, v.as_str())),
        "payabl_sandbox_secret_0001",
    )
    .unwrap();
    assert_eq!(sig, "ae578b2f6995c5d1dab3207b730e98a0a11affae");
    // The order is the NAMES' order, whatever order they come in.
    let shuffled = [("b", "2"), ("signature", "ignored"), ("a", "1")];
    let sorted = [("a", "1"), ("b", "2")];
    assert_eq!(
        signature(shuffled, "s").unwrap(),
        signature(sorted, "s").unwrap()
    );
    // SHA-1("abc") with an empty secret: the FIPS 180 test vector.
    assert_eq!(
        signature([("x", "abc")], "").unwrap(),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
}

#[test]
fn bodies_are_latin1_and_signed() {
    let mut cfg = cfg();
    cfg.notification_url = None;
    let params = payment_params(&cfg, &request(1000, "EUR")).unwrap();
    let body = String::from_utf8(signed_body(params, &cfg.secret).unwrap()).unwrap();
    assert_eq!(
        body,
        "amount=10.00&currency=EUR&description=Caf%E9+M%FCller&merchantid=beep_sandbox\
         &orderid=pay_123&payment_method=1&signature=ae578b2f6995c5d1dab3207b730e98a0a11affae\
         &token=payabl_test_ok"
    );
    // What payabl receives decodes back to the same Latin-1 text.
    let a = Answer::parse(body.as_bytes());
    assert_eq!(a.get("description"), Some("Café Müller"));
    assert_eq!(
        signature(
            a.0.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &cfg.secret
        )
        .unwrap(),
        a.get("signature").unwrap()
    );
}

#[test]
fn latin1_only() {
    assert_eq!(
        to_latin1_lossy("Café – 5 € „gut“ 😀"),
        "Café - 5 EUR \"gut\" ?"
    );
    assert_eq!(to_latin1_lossy("Łódź"), "Lódz");
    let mut r = request(100, "EUR");
    r.description = Some("Kaffee ☕".into());
    let p = payment_params(&cfg(), &r).unwrap();
    assert_eq!(p["description"], "Kaffee ?");
    r.payment_method = "tok_☕".into();
    assert!(matches!(
        payment_params(&cfg(), &r),
        Err(ConnectorError::InvalidConfig(m)) if m.contains("Latin-1")
    ));
    assert!(matches!(
        PayablConfig::parse(r#"{"merchantId":"m","secret":"geheim€"}"#),
        Err(ConnectorError::InvalidConfig(m)) if m.contains("secret")
    ));
    assert!(signature([("a", "€")], "s").is_err());
}

#[test]
fn config_is_checked() {
    assert!(PayablConfig::parse(r#"{"merchantId":"m"}"#).is_err());
    assert!(PayablConfig::parse(r#"{"merchantId":"","secret":"s"}"#).is_err());
    assert!(PayablConfig::parse(r#"{"merchantId":"m","secret":"s","baseUrl":"ftp://x"}"#).is_err());
    let c = PayablConfig::parse(r#"{"merchantId":"m","secret":"s"}"#).unwrap();
    assert_eq!(
        c.url("payment_authorize"),
        "https://sandbox.payabl.com/pay/backoffice/payment_authorize"
    );
    let c = PayablConfig::parse(
        r#"{"merchantId":"m","secret":"s","baseUrl":"http://127.0.0.1:9/payabl/"}"#,
    )
    .unwrap();
    assert_eq!(
        c.url("payment_status"),
        "http://127.0.0.1:9/payabl/pay/backoffice/payment_status"
    );
}

#[test]
fn amounts_use_the_currency_exponent() {
    let p = payment_params(&cfg(), &request(1000, "JPY")).unwrap();
    assert_eq!(p["amount"], "1000");
    let p = payment_params(&cfg(), &request(1234, "KWD")).unwrap();
    assert_eq!(p["amount"], "1.234");
    let p = payment_params(&cfg(), &request(1999, "eur")).unwrap();
    assert_eq!(
        (p["amount"].as_str(), p["currency"].as_str()),
        ("19.99", "EUR")
    );
    assert!(payment_params(&cfg(), &request(100, "XYZ")).is_err());
    assert!(payment_params(&cfg(), &request(0, "EUR")).is_err());
    let a = Answer::parse(b"errorcode=0&transactionid=7&status=captured&amount=1.234&currency=KWD");
    let p = payment_from(&a).unwrap();
    assert_eq!((p.amount.amount, p.amount.currency.as_str()), (1234, "KWD"));
    let a = Answer::parse(b"errorcode=0&transactionid=7&status=captured&amount=1000&currency=JPY");
    assert_eq!(payment_from(&a).unwrap().amount.amount, 1000);
}

#[test]
fn status_mapping() {
    let cases = [
        ("pending", PaymentStatus::Pending),
        ("pending_3ds", PaymentStatus::RequiresAction),
        ("authorized", PaymentStatus::Authorized),
        ("captured", PaymentStatus::Succeeded),
        ("declined", PaymentStatus::Failed),
        ("error", PaymentStatus::Failed),
        ("voided", PaymentStatus::Canceled),
        ("something_new", PaymentStatus::Pending),
    ];
    for (s, expected) in cases {
        assert_eq!(PaymentStatus::from(PayablStatus::parse(s)), expected, "{s}");
    }
    for (s, expected) in [
        ("refunded", RefundStatus::Succeeded),
        ("pending", RefundStatus::Pending),
        ("failed", RefundStatus::Failed),
    ] {
        assert_eq!(RefundStatus::from(PayablRefundStatus::parse(s)), expected);
    }
}

#[test]
fn answers_map() {
    let a = Answer::parse(
        b"transactionid=100001&orderid=pay_1&errorcode=0&errormessage=&status=pending_3ds\
          &amount=10.00&currency=EUR&url_3ds=https%3A%2F%2Fsandbox.payabl.com%2F3ds%2F100001",
    );
    let p = payment_from(&a).unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(
        p.action_url.as_deref(),
        Some("https://sandbox.payabl.com/3ds/100001")
    );
    assert_eq!(p.provider_reference, "100001");

    let a = Answer::parse(
        b"transactionid=100002&errorcode=2005&errormessage=Transaction+declined&status=declined&amount=5.00&currency=EUR",
    );
    assert!(a.error().is_none());
    let p = payment_from(&a).unwrap();
    assert_eq!(p.status, PaymentStatus::Failed);
    assert_eq!(p.failure_code.as_deref(), Some("2005"));
    assert_eq!(p.failure_message.as_deref(), Some("Transaction declined"));

    let a = Answer::parse(b"errorcode=2001&errormessage=Invalid+signature");
    assert!(matches!(a.error(), Some(ConnectorError::Unauthorized(m)) if m == "Invalid signature"));
    let a = Answer::parse(b"errorcode=2007&errormessage=Transaction+not+found");
    assert!(matches!(a.error(), Some(ConnectorError::NotFound(_))));
    let a = Answer::parse(b"errorcode=2006&errormessage=Amount+exceeds+the+refundable+amount");
    assert!(matches!(a.error(), Some(ConnectorError::Upstream(u)) if u.status == 422));

    let a = Answer::parse(
        b"transactionid=100003&base_transactionid=100001&errorcode=0&status=refunded&amount=2.50&currency=EUR",
    );
    let r = refund_from(&a, Some("100001")).unwrap();
    assert_eq!(r.status, RefundStatus::Succeeded);
    assert_eq!(r.amount.amount, 250);
    assert_eq!(r.payment_provider_reference.as_deref(), Some("100001"));
}

#[test]
fn callbacks_are_verified() {
    let cfg = cfg();
    let mut p = Params::new();
    p.insert("merchantid", "beep_sandbox".into());
    p.insert("transactionid", "100001".into());
    p.insert("orderid", "pay_1".into());
    p.insert("status", "captured".into());
    p.insert("errorcode", "0".into());
    p.insert("amount", "10.00".into());
    p.insert("currency", "EUR".into());
    p.insert("type", "payment".into());
    let body = signed_body(p.clone(), &cfg.secret).unwrap();
    let e = webhook_event_from(&cfg, &body).unwrap();
    assert_eq!(e.id, "100001:captured");
    assert_eq!(e.payment.unwrap().status, PaymentStatus::Succeeded);

    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("10.00", "99.00");
    assert!(matches!(
        webhook_event_from(&cfg, tampered.as_bytes()),
        Err(ConnectorError::Unauthorized(_))
    ));
    let wrong_secret = signed_body(p.clone(), "other").unwrap();
    assert!(webhook_event_from(&cfg, &wrong_secret).is_err());
    assert!(webhook_event_from(&cfg, b"transactionid=1&status=captured").is_err());

    p.insert("type", "refund".into());
    p.insert("status", "refunded".into());
    p.insert("transactionid", "100002".into());
    p.insert("base_transactionid", "100001".into());
    let e = webhook_event_from(&cfg, &signed_body(p, &cfg.secret).unwrap()).unwrap();
    let r = e.refund.unwrap();
    assert_eq!(e.id, "100002:refunded");
    assert_eq!(r.status, RefundStatus::Succeeded);
    assert_eq!(r.payment_provider_reference.as_deref(), Some("100001"));
}

#[test]
fn lookups_use_orderid_without_a_reference() {
    let p = status_params(
        &cfg(),
        &PaymentLookup {
            payment_id: "pay_9".into(),
            provider_reference: None,
        },
    );
    assert_eq!(p.get("orderid").map(String::as_str), Some("pay_9"));
    assert!(!p.contains_key("transactionid"));
    let p = status_params(
        &cfg(),
        &PaymentLookup {
            payment_id: "pay_9".into(),
            provider_reference: Some("100001".into()),
        },
    );
    assert_eq!(p.get("transactionid").map(String::as_str), Some("100001"));
}

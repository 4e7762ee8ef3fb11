use super::*;
use base64::Engine as _;
use beep_sdk::http::segment;
use hmac::{Hmac, Mac};
use serde_json::Value;
use serde_json::json;
use sha2::Sha256;

fn money(amount: i64, currency: &str) -> Money {
    beep_sdk::money::money(amount, currency)
}

/// `Money` (generated) has no `PartialEq`.
fn mm(m: &Money) -> (i64, String) {
    (m.amount, m.currency.clone())
}

fn cfg() -> AdyenConfig {
    AdyenConfig::parse(
        r#"{"apiKey":"AQE_test","merchantAccount":"BeepECOM","hmacKey":"44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"}"#,
    )
    .unwrap()
}

/// Adyen's published HMAC example (docs and every Adyen library's tests).
const DOC_KEY: &str = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";

fn doc_item() -> Value {
    json!({
        "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="},
        "amount": {"value": 1130, "currency": "EUR"},
        "pspReference": "7914073381342284",
        "eventCode": "AUTHORISATION",
        "eventDate": "2019-05-06T17:15:34.121+02:00",
        "merchantAccountCode": "TestMerchant",
        "merchantReference": "TestPayment-1407325143704",
        "operations": ["CANCEL", "CAPTURE", "REFUND"],
        "paymentMethod": "visa",
        "success": "true"
    })
}

fn sign(key: &str, item: &Value) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&hex::decode(key).unwrap()).unwrap();
    mac.update(signing_string(item).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[test]
fn describes_itself() {
    use beep_sdk::psp::Describe;
    let info = Adyen::describe();
    assert_eq!(info.name, "adyen");
    assert!(matches!(info.kind, ConnectorKind::Psp));
    assert_eq!(info.systems, vec!["adyen".to_string()]);
    assert_eq!(
        info.hosts,
        vec![
            "https://checkout-test.adyen.com".to_string(),
            "https://*.adyenpayments.com".to_string(),
            "https://ca-test.adyen.com".to_string(),
            "https://ca-live.adyen.com".to_string(),
        ]
    );
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(schema["required"], json!(["apiKey", "merchantAccount"]));
}

#[test]
fn config_and_urls() {
    assert_eq!(
        cfg().url("/payments"),
        "https://checkout-test.adyen.com/v71/payments"
    );
    let live = AdyenConfig::parse(
        r#"{"apiKey":"k","merchantAccount":"m","livePrefix":"1797a841fbb37ca7-AdyenDemo"}"#,
    )
    .unwrap();
    assert_eq!(
        live.url("/payments"),
        "https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71/payments"
    );
    let sim = AdyenConfig::parse(
        r#"{"apiKey":"k","merchantAccount":"m","livePrefix":"x","baseUrl":"http://127.0.0.1:9/adyen/v71/"}"#,
    )
    .unwrap();
    assert_eq!(
        sim.url("/payments"),
        "http://127.0.0.1:9/adyen/v71/payments"
    );
    for bad in [
        r#"{}"#,
        r#"{"apiKey":"k"}"#,
        r#"{"apiKey":"","merchantAccount":"m"}"#,
        r#"{"apiKey":"k","merchantAccount":" "}"#,
        r#"{"apiKey":"k","merchantAccount":"m","hmacKey":"xyz"}"#,
        r#"{"apiKey":"k","merchantAccount":"m","hmacKey":""}"#,
        r#"{"apiKey":"k","merchantAccount":"m","baseUrl":"ftp://x"}"#,
        r#"{"apiKey":"k","merchantAccount":"m","livePrefix":"a.evil.com/"}"#,
    ] {
        assert!(
            matches!(
                AdyenConfig::parse(bad),
                Err(ConnectorError::InvalidConfig(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn result_codes_map_to_the_contract() {
    use PaymentStatus as P;
    let table = [
        ("Authorised", P::Succeeded),
        ("Pending", P::Pending),
        ("Received", P::Pending),
        ("RedirectShopper", P::RequiresAction),
        ("IdentifyShopper", P::RequiresAction),
        ("ChallengeShopper", P::RequiresAction),
        ("PresentToShopper", P::RequiresAction),
        ("Refused", P::Failed),
        ("Error", P::Failed),
        ("Cancelled", P::Canceled),
        ("PartiallyAuthorised", P::Pending),
        ("AuthenticationFinished", P::Pending),
        ("SomethingNew", P::Pending),
    ];
    for (adyen, beep) in table {
        let code: AdyenResultCode = serde_json::from_value(json!(adyen)).unwrap();
        assert_eq!(PaymentStatus::from(code), beep, "{adyen}");
    }
}

#[test]
fn amounts_follow_adyen_decimals() {
    let a = |m: i64, c: &str| to_adyen_amount(&money(m, c)).unwrap();
    assert_eq!(
        a(1999, "EUR"),
        AdyenAmount {
            currency: "EUR".into(),
            value: 1999
        }
    );
    // JPY has no decimals: ¥1000 is 1000.
    assert_eq!(a(1000, "JPY").value, 1000);
    // KWD and BHD have three: 1.000 KWD is 1000, 12.345 BHD is 12345.
    assert_eq!(
        a(1000, "KWD"),
        AdyenAmount {
            currency: "KWD".into(),
            value: 1000
        }
    );
    assert_eq!(
        a(12345, "bhd"),
        AdyenAmount {
            currency: "BHD".into(),
            value: 12345
        }
    );
    // Where Adyen differs from ISO 4217.
    assert_eq!(a(5, "ISK").value, 500);
    assert_eq!(a(700, "CLP").value, 70000);
    assert_eq!(a(150000, "IDR").value, 1500);
    assert!(to_adyen_amount(&money(150050, "IDR")).is_err());
    assert!(to_adyen_amount(&money(1, "XXX")).is_err());
    let back = |v: i64, c: &str| {
        mm(&from_adyen_amount(&AdyenAmount {
            currency: c.into(),
            value: v,
        }))
    };
    assert_eq!(back(1000, "KWD"), (1000, "KWD".into()));
    assert_eq!(back(1000, "JPY"), (1000, "JPY".into()));
    assert_eq!(back(500, "ISK"), (5, "ISK".into()));
    assert_eq!(back(1500, "IDR"), (150000, "IDR".into()));
    assert_eq!(back(1999, "eur"), (1999, "EUR".into()));
}

fn request(token: &str, return_url: Option<&str>) -> PaymentRequest {
    PaymentRequest {
        id: "0190c2a4-5b8e-7c3d-9f00-112233445566".into(),
        amount: money(1999, "EUR"),
        reference: "order-9".into(),
        payment_method: token.into(),
        description: Some("Scan & Go".into()),
        return_url: return_url.map(String::from),
    }
}

#[test]
fn payment_body_for_a_stored_token() {
    let body = PaymentRequestBody::new(&cfg(), &request("8416038790273850", None), false).unwrap();
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({
            "amount": {"currency": "EUR", "value": 1999},
            "merchantAccount": "BeepECOM",
            "reference": "0190c2a4-5b8e-7c3d-9f00-112233445566",
            "merchantOrderReference": "order-9",
            "paymentMethod": {"type": "scheme", "storedPaymentMethodId": "8416038790273850"},
            "returnUrl": FALLBACK_RETURN_URL,
            "shopperInteraction": "ContAuth",
            "recurringProcessingModel": "CardOnFile",
            "captureDelayHours": 0,
            "metadata": {
                "beepDescription": "Scan & Go",
                "beepPaymentId": "0190c2a4-5b8e-7c3d-9f00-112233445566",
                "beepReference": "order-9"
            }
        })
    );
    let mut c = cfg();
    c.return_url = Some("https://shop.example/back".into());
    let body = PaymentRequestBody::new(&c, &request("t", None), false).unwrap();
    assert_eq!(body.return_url, "https://shop.example/back");
    let body =
        PaymentRequestBody::new(&c, &request("t", Some("https://app.example/r")), false).unwrap();
    assert_eq!(body.return_url, "https://app.example/r");
}

#[test]
fn payment_methods_from_json_tokens() {
    let card = r#"{"type":"scheme","encryptedCardNumber":"test_4111111111111111","encryptedExpiryMonth":"test_03","encryptedExpiryYear":"test_2030","encryptedSecurityCode":"test_737"}"#;
    let m = payment_method_of(card).unwrap();
    assert_eq!(
        m.payment_method["encryptedCardNumber"],
        "test_4111111111111111"
    );
    assert!(!m.stored && m.shopper_reference.is_none());
    let body = PaymentRequestBody::new(&cfg(), &request(card, None), false).unwrap();
    let v = serde_json::to_value(&body).unwrap();
    assert!(v.get("shopperInteraction").is_none());
    assert!(v.get("recurringProcessingModel").is_none());

    let wrapped = r#"{"paymentMethod":{"type":"scheme","storedPaymentMethodId":"841"},"shopperReference":"shopper-7"}"#;
    let m = payment_method_of(wrapped).unwrap();
    assert_eq!(
        m.payment_method,
        json!({"type":"scheme","storedPaymentMethodId":"841"})
    );
    assert_eq!(m.shopper_reference.as_deref(), Some("shopper-7"));
    assert!(m.stored);
    let v = serde_json::to_value(
        PaymentRequestBody::new(&cfg(), &request(wrapped, None), false).unwrap(),
    )
    .unwrap();
    assert_eq!(v["shopperReference"], "shopper-7");
    assert_eq!(v["shopperInteraction"], "ContAuth");

    assert_eq!(
        payment_method_of(" adyen_test_authorised ")
            .unwrap()
            .payment_method,
        json!({"type": "scheme", "storedPaymentMethodId": "adyen_test_authorised"})
    );
    for bad in [
        r#"{"#,
        r#"{"foo":1}"#,
        r#"{"paymentMethod":"x"}"#,
        r#"{"paymentMethod":{"type":"scheme"},"shopperReference":5}"#,
    ] {
        assert!(
            matches!(payment_method_of(bad), Err(ConnectorError::Unsupported(_))),
            "{bad}"
        );
    }
}

#[test]
fn idempotency_keys_derive_from_our_ids() {
    assert_eq!(payment_idempotency_key("pay_1"), "beep-payment-pay_1");
    assert_eq!(refund_idempotency_key("rf_1"), "beep-refund-rf_1");
    let uuid = "0190c2a4-5b8e-7c3d-9f00-112233445566";
    assert_eq!(
        payment_idempotency_key(uuid),
        format!("beep-payment-{uuid}")
    );
    let long = "x".repeat(80);
    let k = payment_idempotency_key(&long);
    assert_eq!(k.len(), 64);
    assert!(k.starts_with("beep-payment-"));
    assert_eq!(k, payment_idempotency_key(&long), "deterministic");
    assert_ne!(k, payment_idempotency_key(&"y".repeat(80)));
}

#[test]
fn refund_body_and_reasons() {
    let req = RefundRequest {
        id: "rf_1".into(),
        payment_provider_reference: "993617894903480A".into(),
        amount: money(2500, "EUR"),
        reason: Some("requested_by_customer".into()),
    };
    assert_eq!(
        serde_json::to_value(RefundRequestBody::new(&cfg(), &req).unwrap()).unwrap(),
        json!({"amount": {"currency": "EUR", "value": 2500}, "merchantAccount": "BeepECOM",
               "reference": "rf_1", "merchantRefundReason": "CUSTOMER REQUEST"})
    );
    assert_eq!(refund_reason(Some("fraudulent")), Some("FRAUD"));
    assert_eq!(refund_reason(Some("Returned goods")), Some("RETURN"));
    assert_eq!(refund_reason(Some("duplicate")), Some("DUPLICATE"));
    assert_eq!(refund_reason(Some("damaged item")), Some("OTHER"));
    assert_eq!(refund_reason(Some("  ")), None);
    assert_eq!(refund_reason(None), None);
    let v = serde_json::to_value(
        RefundRequestBody::new(
            &cfg(),
            &RefundRequest {
                reason: None,
                ..req
            },
        )
        .unwrap(),
    )
    .unwrap();
    assert!(v.get("merchantRefundReason").is_none());

    // The spec's example answer.
    let resp: AdyenRefundResponse = serde_json::from_value(json!({
        "merchantAccount": "YOUR_MERCHANT_ACCOUNT", "paymentPspReference": "993617894903480A",
        "reference": "YOUR_UNIQUE_REFERENCE", "pspReference": "993617894906488A",
        "status": "received", "amount": {"currency": "EUR", "value": 2500}
    }))
    .unwrap();
    let req = RefundRequest {
        id: "rf_1".into(),
        payment_provider_reference: "993617894903480A".into(),
        amount: money(2500, "EUR"),
        reason: None,
    };
    let r = refund_from(resp, &req);
    assert_eq!(r.provider_reference, "993617894906488A");
    assert_eq!(
        r.payment_provider_reference.as_deref(),
        Some("993617894903480A")
    );
    assert_eq!(r.status, RefundStatus::Pending);
    assert_eq!(mm(&r.amount), (2500, "EUR".into()));
}

#[test]
fn payment_answers_map() {
    // The spec's `card-direct-200` example.
    let resp: AdyenPaymentResponse = serde_json::from_value(json!({
        "additionalData": {"authCode": "044925"}, "pspReference": "993617895204576J",
        "resultCode": "Authorised", "merchantReference": "string"
    }))
    .unwrap();
    let p = payment_from(resp, &money(1000, "USD"), "pay_1");
    assert_eq!(p.provider_reference, "993617895204576J");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(mm(&p.amount), (1000, "USD".into()));
    assert_eq!(p.captured.as_ref().map(mm), Some((1000, "USD".into())));
    assert_eq!(
        (p.failure_code, p.failure_message, p.action_url),
        (None, None, None)
    );

    let resp: AdyenPaymentResponse = serde_json::from_value(json!({
        "pspReference": "8816", "resultCode": "Refused", "refusalReason": "Not enough balance",
        "refusalReasonCode": "12", "amount": {"currency": "EUR", "value": 500}
    }))
    .unwrap();
    let p = payment_from(resp, &money(500, "EUR"), "pay_1");
    assert_eq!(p.status, PaymentStatus::Failed);
    assert_eq!(p.failure_code.as_deref(), Some("12"));
    assert_eq!(p.failure_message.as_deref(), Some("Not enough balance"));
    assert_eq!(p.captured.as_ref().map(mm), Some((0, "EUR".into())));

    let resp: AdyenPaymentResponse = serde_json::from_value(json!({
        "pspReference": "8817", "resultCode": "Error", "refusalReason": "Acquirer Error"
    }))
    .unwrap();
    let p = payment_from(resp, &money(500, "EUR"), "pay_1");
    assert_eq!(p.failure_code.as_deref(), Some("error"));
    assert_eq!(p.failure_message.as_deref(), Some("Acquirer Error"));

    // The spec's `card-3d-secure-redirect-200` example.
    let resp: AdyenPaymentResponse = serde_json::from_value(json!({
        "pspReference": "JLCMPCQ8HXSKGK82", "resultCode": "RedirectShopper",
        "action": {"paymentMethodType": "scheme", "url": "https://checkoutshopper-test.adyen.com/checkoutshopper/threeDS/redirect...",
                   "method": "GET", "type": "redirect"}
    }))
    .unwrap();
    let p = payment_from(resp, &money(500, "EUR"), "pay_1");
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert!(
        p.action_url
            .unwrap()
            .starts_with("https://checkoutshopper-test.adyen.com/")
    );
    assert!(p.captured.is_none());

    // The spec's `card-3d-secure-2-web-200` example: no url, no pspReference yet.
    let resp: AdyenPaymentResponse = serde_json::from_value(json!({
        "resultCode": "IdentifyShopper",
        "action": {"paymentData": "Ab02b4c0!…", "paymentMethodType": "scheme", "subtype": "fingerprint",
                   "token": "eyJ0…", "type": "threeDS2"}
    }))
    .unwrap();
    let p = payment_from(resp, &money(500, "EUR"), "pay_1");
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(p.action_url, None);
    assert_eq!(p.provider_reference, "pay_1");

    let resp: AdyenPaymentResponse =
        serde_json::from_value(json!({"pspReference": "1", "resultCode": "Cancelled"})).unwrap();
    let p = payment_from(resp, &money(500, "EUR"), "pay_1");
    assert_eq!(p.status, PaymentStatus::Canceled);
    assert_eq!(p.failure_code, None);
}

fn response(status: u16, headers: Vec<(&str, &str)>, body: Value) -> Response {
    Response {
        status,
        headers: headers
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string().into_bytes(),
    }
}

#[test]
fn errors_carry_adyens_words() {
    let r = response(
        401,
        vec![],
        json!({"status": 401, "errorCode": "000",
        "message": "HTTP Status Response - Unauthorized", "errorType": "security"}),
    );
    match check(r) {
        Err(ConnectorError::Unauthorized(m)) => {
            assert_eq!(m, "HTTP Status Response - Unauthorized")
        }
        other => panic!("{other:?}"),
    }
    let r = response(
        403,
        vec![],
        json!({"status": 403, "errorCode": "901",
        "message": "Invalid Merchant Account", "errorType": "security", "pspReference": "881611827877203B"}),
    );
    match check(r) {
        Err(ConnectorError::Forbidden(m)) => assert_eq!(m, "Invalid Merchant Account (901)"),
        other => panic!("{other:?}"),
    }
    let r = response(
        422,
        vec![],
        json!({"status": 422, "errorCode": "14_030",
        "message": "Return URL is missing.", "errorType": "validation"}),
    );
    match check(r) {
        Err(ConnectorError::Upstream(e)) => {
            assert_eq!(e.status, 422);
            assert_eq!(e.message, "Return URL is missing. (14_030)");
        }
        other => panic!("{other:?}"),
    }
    let r = response(
        422,
        vec![("Transient-Error", "true")],
        json!({"status": 422,
        "errorCode": "704", "message": "request already processed or in progress", "errorType": "validation"}),
    );
    assert!(matches!(
        check(r),
        Err(ConnectorError::RateLimited(Some(1)))
    ));
    let r = response(429, vec![("Retry-After", "7")], json!({}));
    assert!(matches!(
        check(r),
        Err(ConnectorError::RateLimited(Some(7)))
    ));
    let r = response(
        500,
        vec![],
        json!({"status": 500, "errorCode": "905",
        "message": "Payment details are not supported", "errorType": "configuration"}),
    );
    match check(r) {
        Err(ConnectorError::Upstream(e)) => assert_eq!(
            (e.status, e.message.as_str()),
            (500, "Payment details are not supported (905)")
        ),
        other => panic!("{other:?}"),
    }
    let r = Response {
        status: 502,
        headers: vec![],
        body: b"Bad gateway".to_vec(),
    };
    assert!(
        matches!(check(r), Err(ConnectorError::Upstream(e)) if e.status == 502 && e.message == "Bad gateway")
    );
    assert!(check(response(200, vec![], json!({}))).is_ok());
}

#[test]
fn webhook_signatures_are_verified() {
    let item = doc_item();
    assert_eq!(
        signing_string(&item),
        "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
    );
    assert_eq!(
        sign(DOC_KEY, &item),
        "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
    );
    assert!(verify_item(DOC_KEY, &item).is_ok());
    // Lower-case hex is the same key.
    assert!(verify_item(&DOC_KEY.to_ascii_lowercase(), &item).is_ok());
    let unauthorized = |r: Result<(), ConnectorError>| matches!(r, Err(ConnectorError::Unauthorized(m)) if m == "invalid webhook signature");
    for (field, value) in [
        ("amount", json!({"value": 1131, "currency": "EUR"})),
        ("success", json!("false")),
        ("eventCode", json!("REFUND")),
        ("originalReference", json!("1")),
        ("pspReference", json!("7914073381342285")),
    ] {
        let mut tampered = item.clone();
        tampered[field] = value;
        assert!(unauthorized(verify_item(DOC_KEY, &tampered)), "{field}");
    }
    let other_key = "00".repeat(32);
    assert!(unauthorized(verify_item(&other_key, &item)));
    let mut unsigned = item.clone();
    unsigned["additionalData"] = json!({});
    assert!(unauthorized(verify_item(DOC_KEY, &unsigned)));
    let mut garbage = item.clone();
    garbage["additionalData"]["hmacSignature"] = json!("not base64!");
    assert!(unauthorized(verify_item(DOC_KEY, &garbage)));
}

fn body_of(items: &[Value]) -> Vec<u8> {
    let items: Vec<Value> = items
        .iter()
        .map(|i| json!({"NotificationRequestItem": i}))
        .collect();
    json!({"live": "false", "notificationItems": items})
        .to_string()
        .into_bytes()
}

fn webhook(cfg: &str, body: Vec<u8>) -> Result<WebhookEvent, ConnectorError> {
    <Adyen as beep_sdk::psp::Psp>::parse_webhook(
        cfg.to_string(),
        WebhookRequest {
            headers: vec![],
            body,
            received_at: 0,
        },
    )
}

const WEBHOOK_CFG: &str = r#"{"apiKey":"k","merchantAccount":"TestMerchant","hmacKey":"44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"}"#;

#[test]
fn webhook_bodies_are_parsed_and_verified() {
    let e = webhook(WEBHOOK_CFG, body_of(&[doc_item()])).unwrap();
    assert_eq!(e.id, "7914073381342284:AUTHORISATION:true");
    assert_eq!(e.event_type, "AUTHORISATION");
    let p = e.payment.unwrap();
    assert_eq!(p.provider_reference, "7914073381342284");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(mm(&p.amount), (1130, "EUR".into()));

    // One forged item spoils the whole notification.
    let mut forged = doc_item();
    forged["pspReference"] = json!("9999999999999999");
    assert!(matches!(
        webhook(WEBHOOK_CFG, body_of(&[doc_item(), forged])),
        Err(ConnectorError::Unauthorized(_))
    ));
    assert!(matches!(
        webhook(WEBHOOK_CFG, b"not json".to_vec()),
        Err(ConnectorError::Internal(_))
    ));
    assert!(matches!(
        webhook(WEBHOOK_CFG, br#"{"notificationItems":[]}"#.to_vec()),
        Err(ConnectorError::Internal(_))
    ));
    let no_key = r#"{"apiKey":"k","merchantAccount":"TestMerchant"}"#;
    assert!(matches!(
        webhook(no_key, body_of(&[doc_item()])),
        Err(ConnectorError::InvalidConfig(_))
    ));
}

fn signed(mut item: Value) -> Value {
    item["additionalData"] = json!({});
    let sig = sign(DOC_KEY, &item);
    item["additionalData"]["hmacSignature"] = json!(sig);
    item
}

#[test]
fn notifications_map_to_events() {
    let refund = |success: &str, code: &str| {
        signed(json!({
            "amount": {"currency": "KWD", "value": 1500}, "eventCode": code,
            "merchantAccountCode": "TestMerchant", "merchantReference": "rf_1",
            "originalReference": "8816178952045761", "pspReference": "8826178952045762",
            "reason": if success == "true" { "" } else { "Insufficient balance on payment" },
            "success": success
        }))
    };
    let e = webhook(WEBHOOK_CFG, body_of(&[refund("true", "REFUND")])).unwrap();
    assert_eq!(e.id, "8826178952045762:REFUND:true");
    let r = e.refund.unwrap();
    assert_eq!(r.provider_reference, "8826178952045762");
    assert_eq!(
        r.payment_provider_reference.as_deref(),
        Some("8816178952045761")
    );
    assert_eq!(r.status, RefundStatus::Succeeded);
    assert_eq!(mm(&r.amount), (1500, "KWD".into()));
    assert_eq!(r.failure_message, None);

    let e = webhook(WEBHOOK_CFG, body_of(&[refund("false", "REFUND")])).unwrap();
    assert_eq!(e.id, "8826178952045762:REFUND:false");
    let r = e.refund.unwrap();
    assert_eq!(r.status, RefundStatus::Failed);
    assert_eq!(
        r.failure_message.as_deref(),
        Some("Insufficient balance on payment")
    );

    let e = webhook(WEBHOOK_CFG, body_of(&[refund("true", "REFUND_FAILED")])).unwrap();
    assert_eq!(e.refund.unwrap().status, RefundStatus::Failed);

    let refused = signed(json!({
        "amount": {"currency": "JPY", "value": 1000}, "eventCode": "AUTHORISATION",
        "merchantAccountCode": "TestMerchant", "merchantReference": "pay_1",
        "pspReference": "8836178952045763", "reason": "Refused", "success": "false"
    }));
    let p = webhook(WEBHOOK_CFG, body_of(&[refused]))
        .unwrap()
        .payment
        .unwrap();
    assert_eq!(p.status, PaymentStatus::Failed);
    assert_eq!(p.failure_message.as_deref(), Some("Refused"));
    assert_eq!(mm(&p.amount), (1000, "JPY".into()));

    let cancel = signed(json!({
        "amount": {"currency": "EUR", "value": 1000}, "eventCode": "CANCELLATION",
        "merchantAccountCode": "TestMerchant", "merchantReference": "pay_1",
        "originalReference": "8846178952045764", "pspReference": "8856178952045765", "success": "true"
    }));
    let p = webhook(WEBHOOK_CFG, body_of(std::slice::from_ref(&cancel)))
        .unwrap()
        .payment
        .unwrap();
    assert_eq!(p.provider_reference, "8846178952045764");
    assert_eq!(p.status, PaymentStatus::Canceled);

    let mut failed_cancel = cancel.clone();
    failed_cancel["success"] = json!("false");
    let failed_cancel = signed(failed_cancel);
    let e = webhook(WEBHOOK_CFG, body_of(&[failed_cancel])).unwrap();
    assert!(e.payment.is_none() && e.refund.is_none());

    // Other merchant accounts and event types are acknowledged and change nothing.
    let mut foreign = cancel;
    foreign["merchantAccountCode"] = json!("SomeoneElse");
    let e = webhook(WEBHOOK_CFG, body_of(&[signed(foreign)])).unwrap();
    assert!(e.payment.is_none() && e.refund.is_none());
    let report = signed(json!({
        "amount": {"currency": "EUR", "value": 0}, "eventCode": "REPORT_AVAILABLE",
        "merchantAccountCode": "TestMerchant", "merchantReference": "",
        "pspReference": "settlement_detail_report_2026_07_01.csv", "success": "true"
    }));
    let e = webhook(WEBHOOK_CFG, body_of(&[report])).unwrap();
    assert_eq!(e.event_type, "REPORT_AVAILABLE");
    assert!(e.payment.is_none() && e.refund.is_none());
}

#[test]
fn lookups_are_not_found() {
    let lookup = PaymentLookup {
        payment_id: "pay_1".into(),
        provider_reference: None,
    };
    assert!(matches!(
        <Adyen as beep_sdk::psp::Psp>::get_payment(WEBHOOK_CFG.into(), lookup),
        Err(ConnectorError::NotFound(_))
    ));
    assert_eq!(segment("8816/1"), "8816%2F1");
}

#[test]
fn a_manual_capture_asks_adyen_to_hold_and_says_so_in_metadata() {
    let body =
        PaymentRequestBody::new(&cfg(), &request("adyen_test_authorised", None), true).unwrap();
    let v = serde_json::to_value(&body).unwrap();
    assert_eq!(v["additionalData"], json!({"manualCapture": "true"}));
    assert!(v.get("captureDelayHours").is_none(), "{v}");
    assert_eq!(v["metadata"][MANUAL_CAPTURE_KEY], "manual");
}

#[test]
fn an_authorisation_webhook_is_a_hold_only_for_manual_capture() {
    let item = |metadata: Option<&str>| {
        let mut additional = serde_json::Map::new();
        if let Some(m) = metadata {
            additional.insert(format!("metadata.{MANUAL_CAPTURE_KEY}"), json!(m));
        }
        serde_json::from_value::<NotificationItem>(json!({
            "amount": {"currency": "EUR", "value": 1000},
            "eventCode": "AUTHORISATION",
            "merchantAccountCode": "BeepECOM",
            "merchantReference": "p-1",
            "pspReference": "PSP1",
            "success": "true",
            "additionalData": additional,
        }))
        .unwrap()
    };
    let held = webhook_event_from(item(Some("manual")), "BeepECOM")
        .payment
        .unwrap();
    assert_eq!(held.status, PaymentStatus::Authorized);
    assert!(held.captured.is_none());
    let paid = webhook_event_from(item(None), "BeepECOM").payment.unwrap();
    assert_eq!(paid.status, PaymentStatus::Succeeded);

    let mut capture = item(None);
    capture.event_code = "CAPTURE".into();
    capture.original_reference = Some("PSP1".into());
    capture.psp_reference = "CAP1".into();
    let captured = webhook_event_from(capture, "BeepECOM").payment.unwrap();
    assert_eq!(captured.provider_reference, "PSP1");
    assert_eq!(captured.status, PaymentStatus::Succeeded);
}

use super::*;
use crate::client::check;
use beep_sdk::money::money;
use beep_sdk::prelude::*;
use serde_json::json;

fn mm(m: &Money) -> (i64, String) {
    (m.amount, m.currency.clone())
}

#[test]
fn signature_matches_an_independent_vector() {
    // Computed with Python's hmac/hashlib/base64, not with this code.
    let s = string_to_sign(
        "POST",
        "application/json",
        "Tue, 15 Nov 1994 08:12:31 GMT",
        "/v1/M1/commerce-cases",
    );
    assert_eq!(
        s,
        "POST\napplication/json\nTue, 15 Nov 1994 08:12:31 GMT\n/v1/M1/commerce-cases\n"
    );
    assert_eq!(
        signature("sim-secret", &s),
        "txMsNQTKcAUC1PamwEmeeRmNe+yXlWsuVoJsubXO/e4="
    );
    // A GET: empty content type, the base URL's prefix and the query are signed.
    let cfg = PayoneConfig::parse(
        r#"{"apiKey":"K1","apiSecret":"sim-secret","merchantId":"M1","baseUrl":"http://127.0.0.1:9/payone/"}"#,
    )
    .unwrap();
    let req = Request::get(cfg.url("/commerce-cases")).query(&[("merchantReference", "abc")]);
    let signed = cfg.sign(req, "Tue, 15 Nov 1994 08:12:31 GMT");
    let auth = signed
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap();
    assert_eq!(
        auth.1,
        "GCS v1HMAC:K1:Ej3fDhETWCaAuFK5kO7K1K7knS46KmAecLG9rI7Q5uE="
    );
    assert!(
        signed
            .headers
            .contains(&("date".into(), "Tue, 15 Nov 1994 08:12:31 GMT".into()))
    );
    assert_eq!(path_and_query("https://h.example"), "/");
    assert_eq!(path_and_query("https://h.example?a=1"), "/?a=1");
}

#[test]
fn amounts_have_two_implied_decimals() {
    let a = AmountOfMoney::from_money(&money(1999, "EUR")).unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        json!({"amount": 1999, "currencyCode": "EUR"})
    );
    let a = AmountOfMoney::from_money(&money(1000, "JPY")).unwrap();
    assert_eq!(a.amount, 100000);
    assert_eq!(mm(&a.to_money().unwrap()), (1000, "JPY".into()));
    let a = AmountOfMoney::from_money(&money(1230, "KWD")).unwrap();
    assert_eq!(a.amount, 123);
    assert_eq!(mm(&a.to_money().unwrap()), (1230, "KWD".into()));
    assert!(matches!(
        AmountOfMoney::from_money(&money(1234, "KWD")),
        Err(ConnectorError::InvalidConfig(_))
    ));
    assert!(AmountOfMoney::from_money(&money(1, "XXX")).is_err());
    assert!(
        AmountOfMoney {
            amount: 150,
            currency_code: "JPY".into()
        }
        .to_money()
        .is_err()
    );
}

#[test]
fn statuses_map() {
    let p = |s: &str| {
        PaymentStatus::from(PcpState {
            status: serde_json::from_value(json!(s)).ok(),
            category: None,
        })
    };
    assert_eq!(p("CAPTURED"), PaymentStatus::Succeeded);
    assert_eq!(p("REFUNDED"), PaymentStatus::Succeeded);
    assert_eq!(p("PENDING_CAPTURE"), PaymentStatus::Authorized);
    assert_eq!(p("REDIRECTED"), PaymentStatus::RequiresAction);
    assert_eq!(p("AUTHORIZATION_REQUESTED"), PaymentStatus::Pending);
    assert_eq!(p("CREATED"), PaymentStatus::Pending);
    assert_eq!(p("REJECTED"), PaymentStatus::Failed);
    assert_eq!(p("CANCELLED"), PaymentStatus::Canceled);
    assert_eq!(p("REVERSED"), PaymentStatus::Canceled);
    let c = |s: &str| {
        PaymentStatus::from(PcpState {
            status: Some(PcpStatus::Other),
            category: serde_json::from_value(json!(s)).ok(),
        })
    };
    assert_eq!(c("COMPLETED"), PaymentStatus::Succeeded);
    assert_eq!(c("PENDING_MERCHANT"), PaymentStatus::Authorized);
    assert_eq!(c("UNSUCCESSFUL"), PaymentStatus::Failed);
    assert_eq!(c("PENDING_CONNECT_OR_3RD_PARTY"), PaymentStatus::Pending);
    let r = |s: PcpStatus| {
        RefundStatus::from(PcpState {
            status: Some(s),
            category: None,
        })
    };
    assert_eq!(r(PcpStatus::Refunded), RefundStatus::Succeeded);
    assert_eq!(r(PcpStatus::RefundRequested), RefundStatus::Pending);
    assert_eq!(r(PcpStatus::RejectedRefund), RefundStatus::Failed);
}

fn payment_request(token: &str) -> PaymentRequest {
    PaymentRequest {
        id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
        amount: money(1000, "JPY"),
        reference: "order-1".into(),
        payment_method: token.into(),
        description: None,
        return_url: Some("https://shop.example/r".into()),
    }
}

#[test]
fn request_bodies() {
    let req = payment_request("payone_test_ok");
    assert_eq!(
        create_case_body(&req).unwrap(),
        json!({"merchantReference": req.id, "checkout": {
            "amountOfMoney": {"amount": 100000, "currencyCode": "JPY"},
            "references": {"merchantReference": req.id}}})
    );
    let body = execution_body(&req, false).unwrap();
    assert_eq!(
        body["paymentMethodSpecificInput"]["cardPaymentMethodSpecificInput"],
        json!({"paymentProcessingToken": "payone_test_ok", "authorizationMode": "SALE", "returnUrl": "https://shop.example/r"})
    );
    assert_eq!(
        body["paymentExecutionSpecificInput"]["paymentReferences"]["merchantReference"],
        "774bbcceb302099a8057"
    );
    assert_eq!(short_reference("abc"), "abc");
    let refund = refund_body(&RefundRequest {
        id: "rf-1".into(),
        payment_provider_reference: "a/b/c".into(),
        amount: money(500, "EUR"),
        reason: Some(" damaged ".into()),
    })
    .unwrap();
    assert_eq!(
        refund,
        json!({"amountOfMoney": {"amount": 500, "currencyCode": "EUR"},
               "references": {"merchantReference": "rf1"},
               "return": {"returnReason": "damaged"}})
    );
}

#[test]
fn created_payments_map() {
    let r = Reference::parse("cc1/co1").unwrap();
    let resp: CreatePaymentResponse = serde_json::from_value(json!({
        "paymentExecutionId": "pe1",
        "payment": {"id": "PP1", "status": "CAPTURED",
            "statusOutput": {"statusCategory": "COMPLETED", "isAuthorized": true},
            "paymentOutput": {"amountOfMoney": {"amount": 100000, "currencyCode": "JPY"}}}
    }))
    .unwrap();
    let p = payment_from_created(&r, &resp, &money(1, "EUR")).unwrap();
    assert_eq!(p.provider_reference, "cc1/co1/pe1");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(mm(&p.amount), (1000, "JPY".into()));
    assert_eq!(p.captured.as_ref().map(mm), Some((1000, "JPY".into())));
    let resp: CreatePaymentResponse = serde_json::from_value(json!({
        "paymentExecutionId": "pe2",
        "payment": {"id": "PP2", "status": "REDIRECTED", "statusOutput": {"statusCategory": "PENDING_PAYMENT"}},
        "merchantAction": {"actionType": "REDIRECT", "redirectData": {"redirectURL": "https://acs.example/3ds"}}
    }))
    .unwrap();
    let p = payment_from_created(&r, &resp, &money(500, "EUR")).unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(p.action_url.as_deref(), Some("https://acs.example/3ds"));
    assert_eq!(mm(&p.amount), (500, "EUR".into()));
    assert!(p.captured.is_none());
}

#[test]
fn executions_and_refunds_map() {
    let checkout: CheckoutResponse = serde_json::from_value(json!({
        "commerceCaseId": "cc1", "checkoutId": "co1",
        "amountOfMoney": {"amount": 1999, "currencyCode": "EUR"},
        "paymentExecutions": [{"paymentExecutionId": "pe1", "events": [
            {"type": "SALE", "amountOfMoney": {"amount": 1999, "currencyCode": "EUR"}, "paymentStatus": "CAPTURED", "paymentEventId": "ev1"},
            {"type": "REFUND", "amountOfMoney": {"amount": 500, "currencyCode": "EUR"}, "paymentStatus": "REFUNDED", "merchantReference": "rf1", "paymentEventId": "ev2"}
        ]}]
    }))
    .unwrap();
    let pe = &checkout.payment_executions[0];
    let p = payment_from_execution("cc1", &checkout, pe, None).unwrap();
    assert_eq!(p.provider_reference, "cc1/co1/pe1");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(p.captured.as_ref().map(mm), Some((1999, "EUR".into())));
    let e = webhook_event_from("cc1", &checkout, pe).unwrap();
    assert_eq!(e.id, "pe1:succeeded:ev2:succeeded");
    assert_eq!(e.event_type, "refund.succeeded");
    assert_eq!(e.refund.unwrap().amount.amount, 500);

    let resp: RefundPaymentResponse = serde_json::from_value(json!({
        "id": "PP1_1", "status": "REFUNDED", "statusOutput": {"statusCategory": "REFUNDED"},
        "refundOutput": {"amountOfMoney": {"amount": 1230, "currencyCode": "KWD"}}
    }))
    .unwrap();
    let r = refund_from_response(&resp, "cc1/co1/pe1", &money(1, "EUR")).unwrap();
    assert_eq!(r.provider_reference, "PP1_1");
    assert_eq!(r.status, RefundStatus::Succeeded);
    assert_eq!(mm(&r.amount), (12300, "KWD".into()));
}

#[test]
fn references_and_webhooks() {
    assert_eq!(Reference::parse("a/b/c").unwrap().to_text(), "a/b/c");
    assert!(Reference::parse("a").is_err());
    assert!(Reference::parse("a/../c").is_ok());
    assert!(Reference::parse("a/b c/d").is_err());
    assert!(Reference::parse("a//d").is_err());
    let r = webhook_reference(
        br#"{"payment":{"commerceCaseId":"cc","checkoutId":"co","paymentExecutionId":"pe"}}"#,
    )
    .unwrap();
    assert_eq!(r.to_text(), "cc/co/pe");
    assert!(matches!(
        webhook_reference(b"id=1"),
        Err(ConnectorError::Unauthorized(_))
    ));
}

#[test]
fn errors_carry_payones_words() {
    let resp = Response {
        status: 401,
        headers: vec![],
        body: br#"{"errorId":"x","errors":[{"errorCode":"40100001","category":"DIRECT_PLATFORM_ERROR","httpStatusCode":401,"id":"AUTHENTICATION_FAILED","message":"Authentication failed: signature mismatch"}]}"#.to_vec(),
    };
    match check(resp) {
        Err(ConnectorError::Unauthorized(m)) => {
            assert_eq!(m, "Authentication failed: signature mismatch")
        }
        other => panic!("{other:?}"),
    }
    let resp = Response {
        status: 400,
        headers: vec![],
        body: br#"{"errors":[{"id":"INVALID_VALUE","message":"amount too high","propertyName":"amountOfMoney.amount"}]}"#.to_vec(),
    };
    match check(resp) {
        Err(ConnectorError::Upstream(e)) => {
            assert_eq!(e.status, 400);
            assert_eq!(
                e.message,
                "amount too high (property: amountOfMoney.amount)"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn config_is_checked() {
    for bad in [
        r#"{}"#,
        r#"{"apiKey":"k","apiSecret":"","merchantId":"m"}"#,
        r#"{"apiKey":"k:x","apiSecret":"s","merchantId":"m"}"#,
        r#"{"apiKey":"k","apiSecret":"s","merchantId":"m/x"}"#,
        r#"{"apiKey":"k","apiSecret":"s","merchantId":"m","baseUrl":"ftp://x"}"#,
    ] {
        assert!(
            matches!(
                PayoneConfig::parse(bad),
                Err(ConnectorError::InvalidConfig(_))
            ),
            "{bad}"
        );
    }
    let cfg = PayoneConfig::parse(r#"{"apiKey":"k","apiSecret":"s","merchantId":"m"}"#).unwrap();
    assert_eq!(
        cfg.url("/commerce-cases"),
        "https://api.commerce.payone.com/v1/m/commerce-cases"
    );
}

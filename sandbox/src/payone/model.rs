//! The stored commerce cases, checkouts and payment executions, and their JSON views.

use super::{now_rfc3339, uuid};
use serde_json::{Value, json};

pub(super) struct Case {
    pub(super) id: String,
    pub(super) merchant_reference: Option<String>,
    pub(super) created: String,
    pub(super) checkouts: Vec<Checkout>,
}

pub(super) struct Checkout {
    pub(super) id: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) merchant_reference: Option<String>,
    pub(super) created: String,
    pub(super) executions: Vec<Execution>,
}

pub(super) struct Execution {
    pub(super) id: String,
    pub(super) payment_id: String,
    pub(super) token: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) merchant_reference: Option<String>,
    pub(super) status: &'static str,
    pub(super) category: &'static str,
    pub(super) captured: i64,
    pub(super) refunded: i64,
    pub(super) return_url: Option<String>,
    pub(super) events: Vec<Value>,
    pub(super) created: String,
}

// ---- JSON views ---------------------------------------------------------------------------

pub(super) fn amount_json(amount: i64, currency: &str) -> Value {
    json!({"amount": amount, "currencyCode": currency})
}

fn execution_json(e: &Execution) -> Value {
    json!({
        "paymentExecutionId": e.id,
        "paymentId": e.payment_id,
        "cardPaymentMethodSpecificInput": {"paymentProcessingToken": e.token},
        "references": {"merchantReference": e.merchant_reference},
        "creationDateTime": e.created,
        "lastUpdated": now_rfc3339(),
        "events": e.events,
    })
}

pub(super) fn checkout_json(case: &Case, c: &Checkout) -> Value {
    let collected: i64 = c.executions.iter().map(|e| e.captured).sum();
    let refunded: i64 = c.executions.iter().map(|e| e.refunded).sum();
    let cancelled: i64 = c
        .executions
        .iter()
        .filter(|e| e.status == "CANCELLED")
        .map(|e| e.amount)
        .sum();
    let payment_status = if c.executions.is_empty() {
        "WAITING_FOR_PAYMENT"
    } else if collected >= c.amount {
        "PAYMENT_COMPLETED"
    } else {
        "PAYMENT_NOT_COMPLETED"
    };
    let checkout_status = if collected >= c.amount && collected > 0 {
        "BILLED"
    } else if c.executions.iter().any(|e| e.status == "PENDING_CAPTURE") {
        "COMPLETED"
    } else {
        "OPEN"
    };
    json!({
        "commerceCaseId": case.id,
        "checkoutId": c.id,
        "amountOfMoney": amount_json(c.amount, &c.currency),
        "references": {"merchantReference": c.merchant_reference},
        "paymentExecutions": c.executions.iter().map(execution_json).collect::<Vec<_>>(),
        "checkoutStatus": checkout_status,
        "statusOutput": {
            "paymentStatus": payment_status,
            "isModifiable": c.executions.is_empty(),
            "openAmount": (c.amount - collected).max(0),
            "collectedAmount": collected,
            "cancelledAmount": cancelled,
            "refundedAmount": refunded,
            "chargebackAmount": 0,
        },
        "creationDateTime": c.created,
        "allowedPaymentActions": ["PAYMENT_EXECUTION"],
    })
}

pub(super) fn case_json(case: &Case) -> Value {
    json!({
        "commerceCaseId": case.id,
        "merchantReference": case.merchant_reference,
        "checkouts": case.checkouts.iter().map(|c| checkout_json(case, c)).collect::<Vec<_>>(),
        "creationDateTime": case.created,
    })
}

pub(super) fn payment_response_json(e: &Execution) -> Value {
    json!({
        "id": e.payment_id,
        "status": e.status,
        "statusOutput": {
            "statusCategory": e.category,
            "isAuthorized": matches!(e.status, "CAPTURED" | "PENDING_CAPTURE"),
            "isCancellable": matches!(e.status, "PENDING_CAPTURE" | "REDIRECTED" | "AUTHORIZATION_REQUESTED"),
            "isRefundable": e.captured > e.refunded,
        },
        "paymentOutput": {
            "amountOfMoney": amount_json(e.amount, &e.currency),
            "references": {"merchantReference": e.merchant_reference},
            "paymentMethod": "card",
        },
    })
}

pub(super) fn event(
    kind: &str,
    amount: i64,
    currency: &str,
    status: &str,
    reference: Option<&str>,
) -> Value {
    json!({
        "type": kind,
        "amountOfMoney": amount_json(amount, currency),
        "paymentStatus": status,
        "paymentEventId": uuid(),
        "creationDateTime": now_rfc3339(),
        "merchantReference": reference,
    })
}

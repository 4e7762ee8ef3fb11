//! The stored objects (payments, refunds), their statuses and their Mollie JSON shapes.

use super::errors::ApiError;
use super::{
    SANDBOX_PROFILE_ID, SimState, amount_json, card_details, checkout_url, doc_link,
    failure_message, iso, link, new_id,
};
use crate::kit::time::now_secs as now;
use serde_json::{Map, Value, json};
use std::time::Instant;

/// `components.schemas.payment-status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Open,
    Pending,
    Authorized,
    Paid,
    Canceled,
    Expired,
    Failed,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Authorized => "authorized",
            Status::Paid => "paid",
            Status::Canceled => "canceled",
            Status::Expired => "expired",
            Status::Failed => "failed",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "open" => Status::Open,
            "pending" => Status::Pending,
            "authorized" => Status::Authorized,
            "paid" => Status::Paid,
            "canceled" => Status::Canceled,
            "expired" => Status::Expired,
            "failed" => Status::Failed,
            _ => return None,
        })
    }

    /// Statuses a payment never leaves.
    pub(super) fn is_final(self) -> bool {
        matches!(
            self,
            Status::Paid | Status::Canceled | Status::Expired | Status::Failed
        )
    }
}

/// `components.schemas.refund-status`.
pub(super) const REFUND_STATUSES: &[&str] = &[
    "queued",
    "pending",
    "processing",
    "refunded",
    "failed",
    "canceled",
];

#[derive(Clone)]
pub(super) struct PaymentObj {
    pub(super) id: String,
    pub(super) created_at: i64,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) description: String,
    /// The method used (shown); `None` while the shopper has not chosen.
    pub(super) method: Option<String>,
    pub(super) status: Status,
    pub(super) redirect_url: Option<String>,
    pub(super) cancel_url: Option<String>,
    pub(super) webhook_url: Option<String>,
    pub(super) metadata: Value,
    pub(super) locale: Option<String>,
    pub(super) capture_mode: Option<String>,
    pub(super) details: Option<Value>,
    /// Whether the hosted checkout waits for the shopper (`_links.checkout`).
    pub(super) checkout: bool,
    pub(super) expires_at: Option<i64>,
    pub(super) authorized_at: Option<i64>,
    pub(super) paid_at: Option<i64>,
    pub(super) canceled_at: Option<i64>,
    pub(super) expired_at: Option<i64>,
    pub(super) failed_at: Option<i64>,
    /// What a manual capture took (the rest released); `None`: all of it.
    pub(super) captured: Option<i64>,
}

#[derive(Clone)]
pub(super) struct RefundObj {
    pub(super) id: String,
    pub(super) payment_id: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) description: String,
    pub(super) metadata: Value,
    pub(super) status: &'static str,
    pub(super) created_at: i64,
    /// For duplicate detection of refunds sent without an idempotency key.
    pub(super) created: Instant,
    pub(super) had_idempotency_key: bool,
}

impl PaymentObj {
    /// What the payment has captured (all of it unless a manual capture took less).
    pub(super) fn captured(&self) -> i64 {
        self.captured.unwrap_or(self.amount)
    }
}

impl RefundObj {
    /// Counts against what is left to refund.
    fn counts(&self) -> bool {
        !matches!(self.status, "failed" | "canceled")
    }
}

// ---- objects ------------------------------------------------------------------------------

impl SimState {
    pub(super) fn refunded(&self, payment_id: &str) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.payment_id == payment_id && r.counts())
            .map(|r| r.amount)
            .sum()
    }

    fn has_refunds(&self, payment_id: &str) -> bool {
        self.refunds.iter().any(|r| r.payment_id == payment_id)
    }

    /// The payment object (`components.schemas.payment-response`).
    pub(super) fn payment_json(&self, p: &PaymentObj, base: &str) -> Value {
        let mut o = Map::new();
        o.insert("resource".into(), json!("payment"));
        o.insert("id".into(), json!(p.id));
        o.insert("mode".into(), json!("test"));
        o.insert("createdAt".into(), json!(iso(p.created_at)));
        o.insert("amount".into(), amount_json(p.amount, &p.currency));
        if p.status == Status::Paid {
            let refunded = self.refunded(&p.id);
            let captured = p.captured();
            o.insert("amountRefunded".into(), amount_json(refunded, &p.currency));
            o.insert(
                "amountRemaining".into(),
                amount_json(captured - refunded, &p.currency),
            );
            o.insert("amountCaptured".into(), amount_json(captured, &p.currency));
            let charged_back = self.charged_back(&p.id);
            if charged_back > 0 {
                o.insert(
                    "amountChargedBack".into(),
                    amount_json(charged_back, &p.currency),
                );
            }
        }
        o.insert("description".into(), json!(p.description));
        o.insert("method".into(), json!(p.method));
        o.insert("metadata".into(), p.metadata.clone());
        o.insert("status".into(), json!(p.status.as_str()));
        if !p.status.is_final() {
            o.insert(
                "isCancelable".into(),
                json!(matches!(p.status, Status::Open | Status::Authorized)),
            );
        }
        let times = [
            ("expiresAt", p.expires_at.filter(|_| !p.status.is_final())),
            ("authorizedAt", p.authorized_at),
            ("paidAt", p.paid_at),
            ("canceledAt", p.canceled_at),
            ("expiredAt", p.expired_at),
            ("failedAt", p.failed_at),
        ];
        for (name, t) in times {
            if let Some(t) = t {
                o.insert(name.into(), json!(iso(t)));
            }
        }
        if let Some(l) = &p.locale {
            o.insert("locale".into(), json!(l));
        }
        o.insert("profileId".into(), json!(SANDBOX_PROFILE_ID));
        o.insert("sequenceType".into(), json!("oneoff"));
        if let Some(u) = &p.redirect_url {
            o.insert("redirectUrl".into(), json!(u));
        }
        if let Some(u) = &p.cancel_url {
            o.insert("cancelUrl".into(), json!(u));
        }
        if let Some(u) = &p.webhook_url {
            o.insert("webhookUrl".into(), json!(u));
        }
        if let Some(m) = &p.capture_mode {
            o.insert("captureMode".into(), json!(m));
        }
        o.insert("details".into(), p.details.clone().unwrap_or(Value::Null));

        let self_href = format!("{base}/v2/payments/{}", p.id);
        let mut links = Map::new();
        links.insert(
            "self".into(),
            link(self_href.clone(), "application/hal+json"),
        );
        if p.checkout && p.status == Status::Open {
            links.insert(
                "checkout".into(),
                link(checkout_url(base, &p.id), "text/html"),
            );
        }
        links.insert(
            "dashboard".into(),
            link(
                format!(
                    "https://my.mollie.com/dashboard/org_BeepSandbox/payments/{}",
                    p.id
                ),
                "text/html",
            ),
        );
        if self.has_refunds(&p.id) {
            links.insert(
                "refunds".into(),
                link(format!("{self_href}/refunds"), "application/hal+json"),
            );
        }
        links.insert("documentation".into(), doc_link("get-payment"));
        o.insert("_links".into(), Value::Object(links));
        Value::Object(o)
    }

    /// The refund object (`components.schemas.entity-refund-response`).
    pub(super) fn refund_json(&self, r: &RefundObj, base: &str) -> Value {
        let payment_href = format!("{base}/v2/payments/{}", r.payment_id);
        json!({
            "resource": "refund",
            "id": r.id,
            "mode": "test",
            "description": r.description,
            "amount": amount_json(r.amount, &r.currency),
            "metadata": r.metadata,
            "paymentId": r.payment_id,
            "status": r.status,
            "createdAt": iso(r.created_at),
            "_links": {
                "self": link(format!("{payment_href}/refunds/{}", r.id), "application/hal+json"),
                "payment": link(payment_href, "application/hal+json"),
                "documentation": doc_link("get-refund"),
            }
        })
    }

    pub(super) fn payment_mut(&mut self, id: &str) -> Option<&mut PaymentObj> {
        let i = *self.payment_index.get(id)?;
        self.payments.get_mut(i)
    }

    pub(super) fn payment(&self, id: &str) -> Result<&PaymentObj, ApiError> {
        self.payment_index
            .get(id)
            .and_then(|i| self.payments.get(*i))
            .ok_or_else(|| ApiError::new(404, format!("No payment exists with token {id}.")))
    }

    /// Records a change Mollie would call the payment's `webhookUrl` for (refund changes
    /// go to the payment's webhook too, carrying the payment id).
    pub(super) fn record_event(&mut self, payment_id: &str, refund_id: Option<&str>, status: &str) {
        let webhook_url = self
            .payment_index
            .get(payment_id)
            .and_then(|i| self.payments.get(*i))
            .and_then(|p| p.webhook_url.clone());
        self.events.push(json!({
            "id": new_id("evt_", 12),
            "resource": if refund_id.is_some() { "refund" } else { "payment" },
            "paymentId": payment_id,
            "refundId": refund_id,
            "status": status,
            "webhookUrl": webhook_url,
            "body": format!("id={payment_id}"),
            "createdAt": iso(now()),
        }));
    }

    /// Moves a payment to `status` (the shopper, the bank or a test), with its timestamps.
    pub(super) fn set_status(
        &mut self,
        id: &str,
        status: Status,
        failure_reason: Option<&str>,
    ) -> Result<(), String> {
        let t = now();
        let p = self
            .payment_mut(id)
            .ok_or_else(|| format!("no payment {id}"))?;
        if p.status.is_final() {
            return Err(format!(
                "payment {id} is {} already, a final status",
                p.status.as_str()
            ));
        }
        if status == p.status {
            return Ok(());
        }
        p.status = status;
        match status {
            Status::Authorized => p.authorized_at = Some(t),
            Status::Paid => p.paid_at = Some(t),
            Status::Canceled => p.canceled_at = Some(t),
            Status::Expired => p.expired_at = Some(t),
            Status::Failed => p.failed_at = Some(t),
            Status::Open | Status::Pending => {}
        }
        if status != Status::Open {
            p.checkout = false;
        }
        if matches!(status, Status::Paid | Status::Authorized | Status::Failed)
            && p.method.is_none()
        {
            // The shopper chose a card on the checkout page.
            p.method = Some("creditcard".into());
            p.details = Some(card_details());
        }
        if status == Status::Failed {
            let reason = failure_reason.unwrap_or("card_declined");
            let details = p.details.get_or_insert_with(|| json!({}));
            details["failureReason"] = json!(reason);
            details["failureMessage"] = json!(failure_message(reason));
        }
        self.record_event(id, None, status.as_str());
        Ok(())
    }

    // ---- endpoints ----------------------------------------------------------------------
}

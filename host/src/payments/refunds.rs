//! Refunds: partial and several, never past what was captured (a reservation on the
//! payment, taken before the vendor is asked), once per Idempotency-Key.

use super::{
    Answer, Claim, claim, json_of, keep_answer, outcome_unknown, psp_target, refund_status, refuse,
    request_hash,
};
use crate::app::App;
use crate::calls;
use crate::db::{
    self,
    merchants::Caller,
    payments::{PaymentRow, RefundRow},
};
use crate::error::Failure;
use crate::runtime::CallError;
use crate::runtime::bindings::types::{ConnectorError, Money, Refund, RefundRequest, RefundStatus};
use serde_json::{Value, json};

/// `refund.updated`, with the refund as `refundPayment` answers it.
pub(crate) async fn announce_refund(app: &App, caller: &Caller, row: &RefundRow) {
    let Ok(Some(payment)) = db::payments::payment(&app.db, &row.payment_id).await else {
        return;
    };
    let data = refund_body(row, &payment);
    crate::events::emit(
        app,
        &caller.merchant_id,
        caller.mode,
        "refund.updated",
        data,
    )
    .await;
}

pub struct RefundInput {
    pub store_id: String,
    pub payment_id: String,
    pub amount: Option<i64>,
    pub reason: Option<String>,
}

/// What `refundPayment` answers (and replays for the same Idempotency-Key).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundAnswer {
    pub success: bool,
    pub refund_id: String,
    pub payment_id: String,
    /// pending, succeeded or failed.
    pub status: String,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub provider_reference: Option<String>,
    pub failure_message: Option<String>,
    /// The payment's refunded total after this refund.
    pub refunded_amount: i64,
}

fn refund_body(r: &RefundRow, payment: &PaymentRow) -> Value {
    json_of(RefundAnswer {
        success: true,
        refund_id: r.refund_id.clone(),
        payment_id: r.payment_id.clone(),
        status: r.status.clone(),
        amount: r.amount,
        currency: r.currency.clone(),
        reason: r.reason.clone(),
        provider_reference: r.provider_reference.clone(),
        failure_message: r.failure_message.clone(),
        refunded_amount: payment.refunded_amount,
    })
}

pub async fn refund(
    app: &App,
    caller: &Caller,
    key: &str,
    input: RefundInput,
) -> Result<Answer, Failure> {
    let payment = super::store_payment(app, &input.store_id, &input.payment_id).await?;
    let (_, target) = psp_target(app, caller, &input.store_id).await?;
    let hash = request_hash(&json!([
        input.store_id,
        input.payment_id,
        input.amount,
        input.reason
    ]));
    let scope = format!("refund:{}", caller.mode.as_str());
    // An attempt that died between claiming the key and writing its refund sent nothing
    // to the vendor: this one starts it, under the id the key names. (If it died after
    // reserving the amount, the reservation is counted twice: a later refund may be
    // refused, never one paid twice.)
    let claim = match claim(app, caller, &scope, key, &hash).await? {
        Claim::Resume(id) if db::payments::refund(&app.db, &id).await?.is_none() => {
            Claim::Fresh(id)
        }
        claim => claim,
    };
    let mut row = match claim {
        Claim::Replay(answer) => return Ok(answer),
        Claim::Resume(resource_id) => db::payments::refund(&app.db, &resource_id)
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!("refund {resource_id} of an idempotency key is missing")
            })?,
        Claim::Fresh(fresh_id) => {
            if payment.status != "succeeded" {
                let message = format!(
                    "payment {} is {}, only succeeded payments can be refunded",
                    payment.payment_id, payment.status
                );
                return Err(refuse(
                    app,
                    caller,
                    &scope,
                    key,
                    Failure::rejected("payment_not_refundable", message),
                )
                .await);
            }
            let amount = input
                .amount
                .unwrap_or(payment.captured_amount - payment.refunded_amount);
            if amount <= 0 {
                return Err(refuse(
                    app,
                    caller,
                    &scope,
                    key,
                    Failure::rejected("nothing_to_refund", "the payment is already fully refunded"),
                )
                .await);
            }
            if !db::payments::reserve_refund(&app.db, &payment.payment_id, amount).await? {
                let current = db::payments::payment(&app.db, &payment.payment_id)
                    .await?
                    .unwrap_or(payment.clone());
                let message = format!(
                    "refund of {amount} exceeds what is left to refund ({} of {} {} captured)",
                    current.captured_amount - current.refunded_amount,
                    current.captured_amount,
                    current.currency
                );
                return Err(refuse(
                    app,
                    caller,
                    &scope,
                    key,
                    Failure::rejected("refund_exceeds_captured", message),
                )
                .await);
            }
            let now = db::now_ms();
            let row = RefundRow {
                refund_id: fresh_id,
                payment_id: payment.payment_id.clone(),
                store_id: input.store_id.clone(),
                amount,
                currency: payment.currency.clone(),
                reason: input.reason.clone(),
                status: "pending".into(),
                provider_reference: None,
                failure_message: None,
                created_at: now,
                updated_at: now,
            };
            db::payments::insert_refund(&app.db, &row).await?;
            row
        }
    };

    let Some(psp_ref) = payment.provider_reference.clone() else {
        return Err(Failure::rejected(
            "payment_not_refundable",
            "the payment has no provider reference",
        ));
    };
    // Same refund id on a retry, so the vendor's idempotency key is the same too.
    let request = RefundRequest {
        id: row.refund_id.clone(),
        payment_provider_reference: psp_ref,
        amount: Money {
            amount: row.amount,
            currency: row.currency.clone(),
        },
        reason: row.reason.clone(),
    };
    let (result, report) = app
        .runtime
        .refund_payment(
            &target.entry.connector,
            &target.ctx,
            &target.config,
            &request,
        )
        .await;
    calls::record_about(
        app,
        caller,
        Some(&input.store_id),
        &target,
        "refund-payment",
        &report,
        Some(db::call_logs::About::Payment(&row.payment_id)),
    )
    .await;
    match result {
        Ok(refund) => settle_refund(app, caller, &scope, key, row, &refund).await,
        Err(e)
            if outcome_unknown(&e)
                || matches!(e, CallError::Connector(ConnectorError::RateLimited(_))) =>
        {
            // Keep the reservation: the refund may have happened. A retry resumes it.
            db::payments::release_key(&app.db, &caller.merchant_id, &scope, key).await?;
            Err(calls::call_failure(&target, e))
        }
        Err(e) => {
            row.status = "failed".into();
            row.failure_message = Some(e.to_string());
            db::payments::update_refund(&app.db, &row).await?;
            db::payments::release_refund(&app.db, &row.payment_id, row.amount).await?;
            Err(refuse(app, caller, &scope, key, calls::call_failure(&target, e)).await)
        }
    }
}

async fn settle_refund(
    app: &App,
    caller: &Caller,
    scope: &str,
    key: &str,
    mut row: RefundRow,
    refund: &Refund,
) -> Result<Answer, Failure> {
    row.status = refund_status(refund.status).to_string();
    row.provider_reference = Some(refund.provider_reference.clone());
    row.failure_message = refund.failure_message.clone();
    db::payments::update_refund(&app.db, &row).await?;
    if refund.status == RefundStatus::Failed {
        db::payments::release_refund(&app.db, &row.payment_id, row.amount).await?;
    }
    let payment = db::payments::payment(&app.db, &row.payment_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("payment vanished"))?;
    announce_refund(app, caller, &row).await;
    keep_answer(app, caller, scope, key, refund_body(&row, &payment)).await
}

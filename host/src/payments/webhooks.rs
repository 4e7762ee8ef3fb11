//! Vendor webhooks: verified by the connector's `parse-webhook` (a signature, or a
//! re-fetch of the object for vendors whose notifications carry only an id), then
//! applied once per event id. An unverifiable webhook changes nothing.

use super::{configured_psp, payment_status, refund_status};
use crate::app::App;
use crate::calls;
use crate::db::{self, merchants::Caller};
use crate::error::Failure;
use crate::runtime::bindings::types::{Dispute, DisputeStatus, RefundStatus, WebhookRequest};
use serde_json::{Value, json};

/// Payment statuses that no later event may move (refunds are their own objects).
fn is_final(status: &str) -> bool {
    matches!(status, "succeeded" | "failed" | "canceled")
}

pub async fn receive(
    app: &App,
    provider: &str,
    store_id: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> Result<Received, Failure> {
    // An anonymous caller learns nothing: an unknown store, a store without a PSP and
    // another provider than the store's all get the same answer.
    let nowhere = || {
        Failure::not_found(
            "unknown_webhook",
            "no payment provider takes webhooks at this address",
        )
    };
    let caller = db::merchants::store_owner(&app.db, store_id)
        .await?
        .ok_or_else(nowhere)?;
    app.limiter
        .webhook_for(store_id)
        .map_err(|retry_after| Failure::TooMany { retry_after })?;
    let (_, target) = configured_psp(app, &caller, store_id)
        .await?
        .filter(|(configured, _)| configured == provider)
        .ok_or_else(nowhere)?;
    let request = WebhookRequest {
        headers,
        body,
        received_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    let (result, report) = app
        .runtime
        .parse_webhook(
            &target.entry.connector,
            &target.ctx,
            &target.config,
            &request,
        )
        .await;
    calls::record(
        app,
        &caller,
        Some(store_id),
        &target,
        "parse-webhook",
        &report,
    )
    .await;
    let event = match result {
        Ok(event) => event,
        Err(e) => {
            tracing::warn!(provider, store_id, "webhook not verified: {e}");
            return Err(Failure::invalid(
                "webhook_unverified",
                format!(
                    "the webhook could not be verified ({}); nothing was changed",
                    e.code()
                ),
            ));
        }
    };
    if !db::payments::record_event(&app.db, store_id, provider, &event.id, &event.event_type)
        .await?
    {
        return Ok(Received {
            success: true,
            event_id: event.id,
            duplicate: Some(true),
            applied: None,
        });
    }

    let mut applied = Vec::new();
    let payment_row = match &event.payment {
        Some(p) => {
            db::payments::payment_by_reference(&app.db, store_id, &p.provider_reference).await?
        }
        None => None,
    };
    if let (Some(payment), Some(mut row)) = (&event.payment, payment_row) {
        let status = payment_status(payment.status);
        if !is_final(&row.status) && row.status != status {
            row.captured_amount = super::captured_after(&row, payment);
            row.status = status.to_string();
            row.failure_code = payment.failure_code.clone().or(row.failure_code);
            row.failure_message = payment.failure_message.clone().or(row.failure_message);
            db::payments::update_payment(&app.db, &row).await?;
            super::capture::watch_hold(app, &caller, &row).await;
            super::announce_payment(app, &caller, &row).await;
            applied.push(json!({"paymentId": row.payment_id, "status": status}));
        }
    }
    let refund_row = match &event.refund {
        Some(r) if r.status != RefundStatus::Pending => {
            db::payments::refund_by_reference(&app.db, store_id, &r.provider_reference).await?
        }
        _ => None,
    };
    if let (Some(refund), Some(row)) = (&event.refund, refund_row) {
        let status = refund_status(refund.status);
        // A failed refund (also one that had succeeded) gives its reservation back once.
        if db::payments::finalize_refund(
            &app.db,
            &row.refund_id,
            status,
            refund.failure_message.as_deref(),
        )
        .await?
        {
            if refund.status == RefundStatus::Failed {
                db::payments::release_refund(&app.db, &row.payment_id, row.amount).await?;
            }
            if let Some(updated) = db::payments::refund(&app.db, &row.refund_id).await? {
                super::announce_refund(app, &caller, &updated).await;
            }
            applied.push(json!({"refundId": row.refund_id, "status": status}));
        }
    }
    if let Some(payout) = &event.payout {
        use super::payouts::{Recorded, record};
        let keep = db::payouts::CursorChange::Keep;
        match record(
            app,
            &caller,
            store_id,
            provider,
            std::slice::from_ref(payout),
            keep,
        )
        .await
        {
            Ok(changed) => applied.extend(
                changed
                    .iter()
                    .map(|row| json!({"payoutId": row.payout_id, "status": row.status})),
            ),
            Err(Recorded::Odd(m)) => tracing::warn!(provider, "a webhook's payout is dropped: {m}"),
            Err(Recorded::Failed(f)) => return Err(f),
        }
    }
    if let Some(dispute) = &event.dispute
        && let Some(applied_dispute) =
            apply_dispute(app, &caller, store_id, provider, dispute).await?
    {
        applied.push(applied_dispute);
    }
    Ok(Received {
        success: true,
        event_id: event.id,
        duplicate: None,
        applied: Some(applied),
    })
}

pub fn dispute_status(s: DisputeStatus) -> &'static str {
    match s {
        DisputeStatus::Warning => "warning",
        DisputeStatus::NeedsResponse => "needs_response",
        DisputeStatus::UnderReview => "under_review",
        DisputeStatus::Won => "won",
        DisputeStatus::Lost => "lost",
    }
}

/// Records what the vendor says of a dispute on one of this store's payments, and says
/// `dispute.updated` when that is news.
async fn apply_dispute(
    app: &App,
    caller: &Caller,
    store_id: &str,
    provider: &str,
    dispute: &Dispute,
) -> anyhow::Result<Option<Value>> {
    let reference = &dispute.payment_provider_reference;
    let Some(payment) = db::payments::payment_by_reference(&app.db, store_id, reference).await?
    else {
        tracing::warn!(
            store_id,
            "a dispute on a payment BEEP! does not know: {reference}"
        );
        return Ok(None);
    };
    let status = dispute_status(dispute.status);
    let reported = db::disputes::Reported {
        store_id,
        payment_id: &payment.payment_id,
        provider,
        provider_reference: &dispute.provider_reference,
        status,
        amount: dispute.amount.amount,
        currency: &dispute.amount.currency,
        reason: dispute.reason.as_deref(),
        respond_by: dispute.respond_by.as_deref(),
    };
    let (row, changed) = db::disputes::record(&app.db, &reported).await?;
    if !changed {
        return Ok(None);
    }
    let data = serde_json::to_value(&row)?;
    crate::events::emit(
        app,
        &caller.merchant_id,
        caller.mode,
        "dispute.updated",
        data,
    )
    .await;
    Ok(Some(json!({"disputeId": row.dispute_id, "status": status})))
}

/// What a vendor's webhook call is answered.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub success: bool,
    pub event_id: String,
    /// Set when the event had been applied before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
    /// The payments and refunds whose status changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub applied: Option<Vec<Value>>,
}

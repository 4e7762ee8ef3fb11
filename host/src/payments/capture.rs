//! Manual capture: an authorisation held at the basket is captured (wholly or in part)
//! once the exit check has passed, or voided when the basket is abandoned. Each runs once
//! per Idempotency-Key, and a payment moves through `capturing` / `canceling` so that two
//! requests with different keys never both reach the vendor.

use super::{Answer, apply_payment, finish, outcome_unknown, psp_target, refuse, request_hash};
use crate::app::App;
use crate::calls::{self, Target};
use crate::db::{self, merchants::Caller, payments::PaymentRow};
use crate::error::Failure;
use crate::runtime::CallError;
use crate::runtime::bindings::types::{
    CancelRequest, CaptureRequest, ConnectorError, Money, Payment, PaymentStatus,
};
use serde_json::json;

/// How long an authorisation is held when the store sets no window: a day, well inside
/// every provider's own validity (Stripe voids uncaptured payments after 7 days).
pub const DEFAULT_HOLD_SECONDS: i64 = 86_400;
/// The longest window a store may set (Stripe's validity).
pub const MAX_HOLD_SECONDS: i64 = 7 * 86_400;

pub struct CaptureInput {
    pub store_id: String,
    pub payment_id: String,
    /// Minor units; the whole authorisation when absent.
    pub amount: Option<i64>,
}

/// Capture or void: the two ways an authorisation ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Capture,
    Cancel,
}

impl Ending {
    fn scope(self, caller: &Caller) -> String {
        match self {
            Ending::Capture => format!("capture:{}", caller.mode.as_str()),
            Ending::Cancel => format!("cancel:{}", caller.mode.as_str()),
        }
    }
    /// The status a payment holds while the vendor is asked.
    fn transient(self) -> &'static str {
        match self {
            Ending::Capture => "capturing",
            Ending::Cancel => "canceling",
        }
    }
    /// The status it ends in.
    fn done(self) -> &'static str {
        match self {
            Ending::Capture => "succeeded",
            Ending::Cancel => "canceled",
        }
    }
    fn operation(self) -> &'static str {
        match self {
            Ending::Capture => "capture-payment",
            Ending::Cancel => "cancel-payment",
        }
    }
}

pub async fn capture(
    app: &App,
    caller: &Caller,
    key: &str,
    input: CaptureInput,
) -> Result<Answer, Failure> {
    end(app, caller, key, Ending::Capture, input).await
}

pub async fn cancel(
    app: &App,
    caller: &Caller,
    key: &str,
    store_id: String,
    payment_id: String,
) -> Result<Answer, Failure> {
    let input = CaptureInput {
        store_id,
        payment_id,
        amount: None,
    };
    end(app, caller, key, Ending::Cancel, input).await
}

async fn end(
    app: &App,
    caller: &Caller,
    key: &str,
    ending: Ending,
    input: CaptureInput,
) -> Result<Answer, Failure> {
    let mut row = super::store_payment(app, &input.store_id, &input.payment_id).await?;
    let (_, target) = psp_target(app, caller, &input.store_id).await?;
    let scope = ending.scope(caller);
    let hash = request_hash(&json!([input.store_id, input.payment_id, input.amount]));
    let (id, resumed) = match super::claim(app, caller, &scope, key, &hash).await? {
        super::Claim::Replay(answer) => return Ok(answer),
        super::Claim::Fresh(id) => (id, false),
        super::Claim::Resume(id) => (id, true),
    };

    // A payment left `capturing`/`canceling` by a request whose answer was lost: the
    // vendor says where it stands before anything else is decided.
    if matches!(row.status.as_str(), "capturing" | "canceling") {
        if let Some(payment) = lookup(app, caller, &target, &row).await {
            let before = row.status.clone();
            apply_payment(&mut row, &payment);
            if row.status == before {
                // The vendor still holds it as it was: authorised.
                row.status = "authorized".into();
            }
            db::payments::update_payment(&app.db, &row).await?;
        } else if row.status != ending.transient() {
            let message = format!(
                "payment {} is being {}; retry with that request's Idempotency-Key",
                row.payment_id,
                if row.status == "capturing" {
                    "captured"
                } else {
                    "cancelled"
                }
            );
            db::payments::release_key(&app.db, &caller.merchant_id, &scope, key).await?;
            return Err(Failure::Conflict {
                code: "payment_in_progress",
                message,
                retry_after: Some(1),
            });
        }
    }
    if resumed && row.status == ending.done() {
        // This key's earlier attempt ended it; only its answer was lost.
        return finish(app, caller, &scope, key, &row).await;
    }
    let amount = match ending {
        Ending::Capture => input.amount.unwrap_or(row.amount),
        Ending::Cancel => row.amount,
    };
    if row.status != ending.transient() {
        if row.status != "authorized" {
            let message = format!(
                "payment {} is {}; only authorized payments can be {}",
                row.payment_id,
                row.status,
                if ending == Ending::Capture {
                    "captured"
                } else {
                    "cancelled"
                }
            );
            let code = match ending {
                Ending::Capture => "payment_not_capturable",
                Ending::Cancel => "payment_not_cancelable",
            };
            return Err(refuse(app, caller, &scope, key, Failure::rejected(code, message)).await);
        }
        if amount > row.amount {
            let message = format!(
                "capture of {amount} exceeds the authorised {} {}",
                row.amount, row.currency
            );
            let failure = Failure::rejected("capture_exceeds_authorized", message);
            return Err(refuse(app, caller, &scope, key, failure).await);
        }
        if !db::payments::transition(&app.db, &row.payment_id, "authorized", ending.transient())
            .await?
        {
            db::payments::release_key(&app.db, &caller.merchant_id, &scope, key).await?;
            return Err(Failure::Conflict {
                code: "payment_in_progress",
                message: format!("payment {} changed meanwhile; retry", row.payment_id),
                retry_after: Some(1),
            });
        }
    }

    let Some(reference) = row.provider_reference.clone() else {
        return Err(Failure::rejected(
            "payment_not_capturable",
            "the payment has no provider reference",
        ));
    };
    let money = |amount| Money {
        amount,
        currency: row.currency.clone(),
    };
    let (result, report) = match ending {
        Ending::Capture => {
            let request = CaptureRequest {
                id: id.clone(),
                payment_id: row.payment_id.clone(),
                payment_provider_reference: reference,
                amount: money(amount),
                authorized: money(row.amount),
            };
            let c = &target.entry.connector;
            app.runtime
                .capture_payment(c, &target.ctx, &target.config, &request)
                .await
        }
        Ending::Cancel => {
            let request = CancelRequest {
                id: id.clone(),
                payment_id: row.payment_id.clone(),
                payment_provider_reference: reference,
                authorized: money(row.amount),
            };
            let c = &target.entry.connector;
            app.runtime
                .cancel_payment(c, &target.ctx, &target.config, &request)
                .await
        }
    };
    calls::record_about(
        app,
        caller,
        Some(&row.store_id),
        &target,
        ending.operation(),
        &report,
        Some(db::call_logs::About::Payment(&row.payment_id)),
    )
    .await;
    match result {
        Ok(payment) => settle(app, caller, &scope, key, ending, row, amount, &payment).await,
        Err(e) if outcome_unknown(&e) => {
            // The vendor may have acted: ask it, never guess.
            match lookup(app, caller, &target, &row).await {
                Some(payment) if payment.status != PaymentStatus::Authorized => {
                    settle(app, caller, &scope, key, ending, row, amount, &payment).await
                }
                _ => {
                    // Still `capturing`: a retry with this key resumes it.
                    db::payments::release_key(&app.db, &caller.merchant_id, &scope, key).await?;
                    Err(calls::call_failure(&target, e))
                }
            }
        }
        Err(e) => {
            // Refused by the vendor (or unsupported): the authorisation stands.
            db::payments::transition(&app.db, &row.payment_id, ending.transient(), "authorized")
                .await?;
            let failure = calls::call_failure(&target, e);
            if matches!(
                failure,
                Failure::Call {
                    error: CallError::Connector(ConnectorError::RateLimited(_)),
                    ..
                }
            ) {
                db::payments::release_key(&app.db, &caller.merchant_id, &scope, key).await?;
                return Err(failure);
            }
            Err(refuse(app, caller, &scope, key, failure).await)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn settle(
    app: &App,
    caller: &Caller,
    scope: &str,
    key: &str,
    ending: Ending,
    mut row: PaymentRow,
    amount: i64,
    payment: &Payment,
) -> Result<Answer, Failure> {
    if ending == Ending::Capture {
        // What was asked for, unless the vendor says what it captured.
        row.captured_amount = amount;
    }
    apply_payment(&mut row, payment);
    db::payments::update_payment(&app.db, &row).await?;
    super::announce_payment(app, caller, &row).await;
    finish(app, caller, scope, key, &row).await
}

async fn lookup(app: &App, caller: &Caller, target: &Target, row: &PaymentRow) -> Option<Payment> {
    let reference = row.provider_reference.as_deref();
    super::look_up(app, caller, target, row, reference)
        .await
        .ok()
}

// ---- the hold window ----------------------------------------------------------------------

/// Queues the void of a manual-capture payment now `authorized`, due when its store's
/// hold window (counted from the payment's creation) ends. A payment captured or
/// cancelled by then is left as it is.
pub(crate) async fn watch_hold(app: &App, caller: &Caller, row: &PaymentRow) {
    if row.status != "authorized" || row.capture_mode != "manual" {
        return;
    }
    let hold = match db::payments::config(&app.db, &row.store_id).await {
        Ok(cfg) => cfg
            .and_then(|c| c.hold_seconds)
            .unwrap_or(DEFAULT_HOLD_SECONDS),
        Err(e) => {
            tracing::error!(
                payment_id = row.payment_id,
                "reading the hold window: {e:#}"
            );
            DEFAULT_HOLD_SECONDS
        }
    };
    let due = row.created_at + hold * 1000;
    if let Err(e) =
        crate::jobs::enqueue_hold_expiry(app, caller, &row.store_id, &row.payment_id, due).await
    {
        tracing::error!(
            payment_id = row.payment_id,
            "queueing the hold's expiry failed: {e:#}"
        );
    }
}

/// The `expireAuthorization` job: voids the payment if it is still only authorised, and
/// says so with a `payment.authorization_expired` event. A vendor that cannot be reached
/// is asked again (five attempts, a minute apart).
pub(crate) async fn expire(
    app: &App,
    caller: &Caller,
    job: &crate::db::jobs::Job,
    payload: crate::jobs::Payload,
) {
    let owner = &app.instance;
    let payment_id = payload.payment_id.clone().unwrap_or_default();
    let outcome = async {
        let Some(row) = db::payments::payment(&app.db, &payment_id).await? else {
            return Ok::<_, Failure>((200, json!({"skipped": "no such payment"})));
        };
        if row.status != "authorized" {
            let why = format!("the payment is {}", row.status);
            return Ok((200, json!({"skipped": why})));
        }
        let key = format!("hold-expired-{payment_id}");
        let answer = cancel(app, caller, &key, row.store_id.clone(), payment_id.clone()).await?;
        if answer.status == 200 {
            let held = (db::now_ms() - row.created_at) / 1000;
            let data = json!({
                "paymentId": row.payment_id,
                "storeId": row.store_id,
                "heldSeconds": held,
                "payment": answer.body,
            });
            let kind = "payment.authorization_expired";
            crate::events::emit(app, &caller.merchant_id, caller.mode, kind, data).await;
        }
        Ok((answer.status, answer.body))
    }
    .await;
    let payload_text = serde_json::to_string(&payload).expect("a payload serialises");
    let result = match outcome {
        Ok((status, body)) => {
            let state = if status == 200 { "succeeded" } else { "failed" };
            db::jobs::finish(
                &app.db,
                &job.job_id,
                owner,
                state,
                status,
                &body,
                &payload_text,
            )
            .await
        }
        Err(f) if retryable(&f) && job.attempts < 5 => {
            let due = db::now_ms() + 60_000;
            db::jobs::requeue(&app.db, &job.job_id, owner, due, &payload_text)
                .await
                .map(|_| true)
        }
        Err(f) => {
            let (status, body) = crate::error::answer::error_answer(&f);
            db::jobs::finish(
                &app.db,
                &job.job_id,
                owner,
                "failed",
                status,
                &body,
                &payload_text,
            )
            .await
        }
    };
    if let Err(e) = result {
        tracing::error!(
            job_id = job.job_id,
            "settling the hold's expiry failed: {e:#}"
        );
    }
}

/// A failure a later attempt may not meet: the vendor unreachable or busy, another
/// request on the payment.
fn retryable(f: &Failure) -> bool {
    match f {
        Failure::Call { error, .. } => {
            super::outcome_unknown(error)
                || matches!(error, CallError::Connector(ConnectorError::RateLimited(_)))
        }
        Failure::Conflict { .. } => true,
        _ => false,
    }
}

//! Pending payments are asked about again (Hyperswitch's process tracker): a job per
//! pending or `requires_action` payment, with exponential backoff, until the vendor
//! says how it ended or the bound is reached and the payment ends `failed`.

use super::{apply_payment, configured_psp, payment_body};
use crate::app::App;
use crate::calls;
use crate::db::{self, jobs::Job, merchants::Caller};
use crate::jobs::Payload;
use serde_json::json;

fn is_open(status: &str) -> bool {
    matches!(status, "pending" | "requires_action" | "processing")
}

/// The wait before check number `checks` (0-based): base, 2×base, 4×base, … ≤ 1 h.
pub fn backoff_ms(base_ms: i64, checks: u32) -> i64 {
    base_ms
        .saturating_mul(1i64 << checks.min(20))
        .min(3_600_000)
}

/// Queues the first check of a payment that is not final yet.
pub async fn watch(app: &App, caller: &Caller, store_id: &str, payment_id: &str, status: &str) {
    if !is_open(status) {
        return;
    }
    let delay = backoff_ms(app.settings.payment_check_base_ms, 0);
    if let Err(e) =
        crate::jobs::enqueue_payment_check(app, caller, store_id, payment_id, 0, delay).await
    {
        tracing::error!(payment_id, "queueing the payment's re-check failed: {e:#}");
    }
}

pub(crate) async fn run(app: &App, caller: &Caller, job: &Job, payload: Payload) {
    let owner = &app.instance;
    let outcome = check(app, caller, job, &payload).await;
    let result = match outcome {
        Ok(Check::Final(body)) => {
            db::jobs::finish(
                &app.db,
                &job.job_id,
                owner,
                "succeeded",
                200,
                &body,
                &job.payload,
            )
            .await
        }
        Ok(Check::Again) => {
            let next = Payload {
                checks: payload.checks + 1,
                ..payload.clone()
            };
            let due = db::now_ms() + backoff_ms(app.settings.payment_check_base_ms, next.checks);
            let encoded = serde_json::to_string(&next).expect("a payload serialises");
            db::jobs::requeue(&app.db, &job.job_id, owner, due, &encoded).await
        }
        Err(e) => {
            let body =
                json!({"success": false, "error": {"code": "internal", "message": e.to_string()}});
            db::jobs::finish(
                &app.db,
                &job.job_id,
                owner,
                "failed",
                500,
                &body,
                &job.payload,
            )
            .await
        }
    };
    if let Err(e) = result {
        tracing::error!(
            job_id = job.job_id,
            "settling the payment check failed: {e:#}"
        );
    }
}

enum Check {
    Final(serde_json::Value),
    Again,
}

async fn check(app: &App, caller: &Caller, job: &Job, payload: &Payload) -> anyhow::Result<Check> {
    let payment_id = payload.payment_id.as_deref().unwrap_or_default();
    let Some(mut row) = db::payments::payment(&app.db, payment_id).await? else {
        anyhow::bail!("payment {payment_id} is gone");
    };
    if !is_open(&row.status) {
        return Ok(Check::Final(payment_body(&row)));
    }
    let configured = configured_psp(app, caller, &job.store_id)
        .await
        .map_err(|f| anyhow::anyhow!("{}", crate::error::answer::error_answer(&f).1))?;
    if let Some((_, target)) = configured {
        ask_vendor(app, caller, &target, &mut row, None).await?;
    }
    if !is_open(&row.status) {
        return Ok(Check::Final(payment_body(&row)));
    }
    if payload.checks + 1 >= app.settings.payment_checks {
        let open = row.status.clone();
        row.status = "failed".into();
        row.failure_code = Some("pending_expired".into());
        row.failure_message = Some(format!(
            "the provider had not confirmed the payment after {} checks",
            payload.checks + 1
        ));
        row.action_url = None;
        if !db::payments::update_payment_if(&app.db, &row, &open).await? {
            // A read learnt how it ended meanwhile.
            let now = db::payments::payment(&app.db, payment_id)
                .await?
                .unwrap_or(row);
            return Ok(Check::Final(payment_body(&now)));
        }
        super::announce_payment(app, caller, &row).await;
        return Ok(Check::Final(payment_body(&row)));
    }
    Ok(Check::Again)
}

/// Asks the vendor how `row` stands (within `within`, if given) and applies the answer;
/// the payment's `updated_at` moves either way, so that reads ask at most once per
/// re-check period.
async fn ask_vendor(
    app: &App,
    caller: &Caller,
    target: &calls::Target,
    row: &mut crate::db::payments::PaymentRow,
    within: Option<std::time::Duration>,
) -> anyhow::Result<()> {
    let call = super::look_up(app, caller, target, row, row.provider_reference.as_deref());
    let found = match within {
        Some(limit) => match tokio::time::timeout(limit, call).await {
            Ok(answer) => answer,
            Err(_) => return Ok(()),
        },
        None => call.await,
    };
    let before = row.status.clone();
    if let Ok(payment) = found {
        apply_payment(row, &payment);
    }
    if !db::payments::update_payment_if(&app.db, row, &before).await? {
        // Someone else (a read, the re-check job) moved it meanwhile: theirs stands.
        if let Some(now) = db::payments::payment(&app.db, &row.payment_id).await? {
            *row = now;
        }
        return Ok(());
    }
    if row.status != before {
        super::capture::watch_hold(app, caller, row).await;
        super::announce_payment(app, caller, row).await;
    }
    Ok(())
}

/// How long a read waits for the vendor before it answers what BEEP! knows.
const REFRESH_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// A payment read back (`GET /payments/{id}`): one still open and not asked about for a
/// re-check period is asked about now (bounded by [`REFRESH_WITHIN`]), so a status is
/// never older than that period while someone looks.
pub async fn refresh(
    app: &App,
    caller: &Caller,
    mut row: crate::db::payments::PaymentRow,
) -> crate::db::payments::PaymentRow {
    if !is_open(&row.status) || db::now_ms() - row.updated_at < app.settings.payment_check_base_ms {
        return row;
    }
    let Ok(Some((_, target))) = configured_psp(app, caller, &row.store_id).await else {
        return row;
    };
    if let Err(e) = ask_vendor(app, caller, &target, &mut row, Some(REFRESH_WITHIN)).await {
        tracing::warn!(
            payment_id = row.payment_id,
            "refreshing the payment failed: {e:#}"
        );
    }
    row
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(super::backoff_ms(5_000, 0), 5_000);
        assert_eq!(super::backoff_ms(5_000, 3), 40_000);
        assert_eq!(super::backoff_ms(5_000, 40), 3_600_000);
    }
}

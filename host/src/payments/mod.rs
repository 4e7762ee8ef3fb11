//! Payments through the store's PSP connector: configuration (validated by the vendor,
//! sealed at rest), payments and refunds exactly once per Idempotency-Key.
//!
//! The idempotency record replays the HTTP answer as it was given (as Stripe does), so
//! this module produces [`Answer`]s: a status and a JSON body.

pub mod capture;
pub mod payouts;
pub mod recheck;
mod refunds;
pub mod webhooks;

pub(crate) use refunds::announce_refund;
pub use refunds::{RefundAnswer, RefundInput, refund};

use crate::app::App;
use crate::calls::{self, Target};
use crate::db::{
    self,
    merchants::Caller,
    payments::{Idempotency, PaymentRow},
};
use crate::error::Failure;
use crate::runtime::CallError;
use crate::runtime::bindings::types::{
    ConnectorError, ConnectorKind, Money, Payment, PaymentLookup, PaymentRequest, PaymentStatus,
    RefundStatus,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How long one request holds an idempotency key before another may take it over: as
/// long as a payment may take (its create call and two reconciling lookups, each up to
/// the call deadline, and the wait for a call slot), plus a margin. A shorter lease
/// would let a retry run the same payment while the first request still does.
fn key_lease_ms(app: &App) -> i64 {
    let deadline = app.settings.budgets.deadline.as_millis() as i64;
    3 * deadline + calls::SLOT_WAIT.as_millis() as i64 + 10_000
}

/// An answer that can be replayed byte for byte.
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

fn config_context(store_id: &str) -> String {
    format!("psp-config:{store_id}")
}

pub fn payment_status(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Pending => "pending",
        PaymentStatus::RequiresAction => "requires_action",
        PaymentStatus::Authorized => "authorized",
        PaymentStatus::Succeeded => "succeeded",
        PaymentStatus::Failed => "failed",
        PaymentStatus::Canceled => "canceled",
    }
}

pub fn refund_status(s: RefundStatus) -> &'static str {
    match s {
        RefundStatus::Pending => "pending",
        RefundStatus::Succeeded => "succeeded",
        RefundStatus::Failed => "failed",
    }
}

/// Validates the configuration with the vendor, then stores it sealed.
pub async fn configure(
    app: &App,
    caller: &Caller,
    store_id: &str,
    provider: &str,
    connector_id: Option<&str>,
    config: &Value,
    hold_seconds: Option<i64>,
) -> Result<Configured, Failure> {
    let target = calls::prepare(
        app,
        caller,
        ConnectorKind::Psp,
        provider,
        connector_id,
        config,
    )
    .await?;
    let (result, report) = app
        .runtime
        .validate_config(&target.entry.connector, &target.ctx, &target.config)
        .await;
    calls::record(
        app,
        caller,
        Some(store_id),
        &target,
        "validate-config",
        &report,
    )
    .await;
    result.map_err(|e| calls::call_failure(&target, e))?;
    let sealed = app
        .sealer
        .seal(config.to_string().as_bytes(), &config_context(store_id));
    // The configuration pins exactly this connector: a later upload (of any mode)
    // never takes over a store; changing connector is another configurePSP.
    db::payments::save_config(&app.db, store_id, provider, &target.entry.pin, &sealed).await?;
    db::payments::set_hold(&app.db, store_id, hold_seconds).await?;
    Ok(Configured {
        success: true,
        store_id: store_id.to_string(),
        provider: provider.to_string(),
        connector_id: target.entry.id.clone(),
        configured: true,
        hold_seconds: hold_seconds.unwrap_or(capture::DEFAULT_HOLD_SECONDS),
    })
}

/// What `configurePSP` answers: never the configuration itself.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Configured {
    pub success: bool,
    pub store_id: String,
    pub provider: String,
    pub connector_id: String,
    pub configured: bool,
    /// How long a manual-capture authorisation is held before it is voided.
    pub hold_seconds: i64,
}

/// The store's PSP, ready to call.
pub(crate) async fn psp_target(
    app: &App,
    caller: &Caller,
    store_id: &str,
) -> Result<(String, Target), Failure> {
    configured_psp(app, caller, store_id).await?.ok_or_else(|| {
        Failure::invalid(
            "psp_not_configured",
            "this store has no payment provider: call configurePSP first",
        )
    })
}

/// The store's PSP and its provider, or none if the store has no PSP configured.
pub(crate) async fn configured_psp(
    app: &App,
    caller: &Caller,
    store_id: &str,
) -> Result<Option<(String, Target)>, Failure> {
    let Some(stored) = stored_psp(app, store_id).await? else {
        return Ok(None);
    };
    let target = calls::prepare_pinned(
        app,
        caller,
        ConnectorKind::Psp,
        &stored.provider,
        stored.custom_connector(),
        &stored.config,
    )
    .await?;
    Ok(Some((stored.provider, target)))
}

/// What `configurePSP` kept for a store, opened.
pub(crate) struct StoredPsp {
    pub provider: String,
    pub connector_id: String,
    pub config: Value,
}

impl StoredPsp {
    /// The uploaded connector a `custom` provider names.
    pub fn custom_connector(&self) -> Option<&str> {
        (self.provider == "custom").then_some(self.connector_id.as_str())
    }
}

pub(crate) async fn stored_psp(app: &App, store_id: &str) -> Result<Option<StoredPsp>, Failure> {
    let Some(cfg) = db::payments::config(&app.db, store_id).await? else {
        return Ok(None);
    };
    let plain = app
        .sealer
        .open(&cfg.sealed_config, &config_context(store_id))?;
    // Re-seal under the current key after a rotation.
    if app.sealer.is_stale(&cfg.sealed_config) {
        let sealed = app.sealer.seal(&plain, &config_context(store_id));
        db::payments::save_config(&app.db, store_id, &cfg.provider, &cfg.connector_id, &sealed)
            .await?;
    }
    let config: Value = serde_json::from_slice(&plain)
        .map_err(|e| anyhow::anyhow!("stored PSP config unreadable: {e}"))?;
    Ok(Some(StoredPsp {
        provider: cfg.provider,
        connector_id: cfg.connector_id,
        config,
    }))
}

fn request_hash(fields: &Value) -> String {
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

pub struct PaymentInput {
    pub store_id: String,
    pub amount: i64,
    pub currency: String,
    pub reference: String,
    pub payment_method: String,
    pub description: Option<String>,
    pub return_url: Option<String>,
    /// Authorise only; `capturePayment` captures later.
    pub manual_capture: bool,
}

/// What `processPayment` answers (and replays for the same Idempotency-Key).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAnswer {
    pub success: bool,
    pub payment_id: String,
    pub store_id: String,
    /// pending, requires_action, authorized (manual capture), succeeded, failed or
    /// canceled.
    pub status: String,
    pub provider: String,
    pub provider_reference: Option<String>,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
    pub reference: String,
    pub refunded_amount: i64,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// Where the shopper completes an action (3-D Secure), while `requires_action`.
    pub action_url: Option<String>,
    /// `automatic` or `manual`.
    pub capture_mode: String,
    /// Minor units captured; refunds never exceed it.
    pub captured_amount: i64,
}

fn payment_body(p: &PaymentRow) -> Value {
    json_of(PaymentAnswer {
        success: true,
        payment_id: p.payment_id.clone(),
        store_id: p.store_id.clone(),
        status: p.status.clone(),
        provider: p.provider.clone(),
        provider_reference: p.provider_reference.clone(),
        amount: p.amount,
        currency: p.currency.clone(),
        reference: p.reference.clone(),
        refunded_amount: p.refunded_amount,
        failure_code: p.failure_code.clone(),
        failure_message: p.failure_message.clone(),
        action_url: p.action_url.clone(),
        capture_mode: p.capture_mode.clone(),
        captured_amount: p.captured_amount,
    })
}

/// Answers are stored as JSON for idempotent replays.
/// `payment.updated`, with the payment as `GET /payments/{id}` shows it.
pub(crate) async fn announce_payment(app: &App, caller: &Caller, row: &PaymentRow) {
    let data = payment_body(row);
    crate::events::emit(
        app,
        &caller.merchant_id,
        caller.mode,
        "payment.updated",
        data,
    )
    .await;
}

fn json_of(answer: impl serde::Serialize) -> Value {
    serde_json::to_value(answer).expect("answers serialize")
}

fn apply_payment(row: &mut PaymentRow, payment: &Payment) {
    row.captured_amount = captured_after(row, payment);
    row.status = payment_status(payment.status).to_string();
    row.provider_reference = Some(payment.provider_reference.clone());
    row.failure_code = payment.failure_code.clone();
    row.failure_message = payment.failure_message.clone();
    row.action_url = payment.action_url.clone();
}

/// What a payment has captured once the vendor says `payment`: the vendor's figure when
/// it gives one; else, for a captured payment, what was asked for (a manual capture sets
/// it before the call) or the whole amount.
pub(crate) fn captured_after(row: &PaymentRow, payment: &Payment) -> i64 {
    match (payment.status, &payment.captured) {
        (PaymentStatus::Succeeded, Some(c)) if c.amount > 0 => c.amount.min(row.amount),
        (PaymentStatus::Succeeded, _) if row.captured_amount > 0 => row.captured_amount,
        (PaymentStatus::Succeeded, _) => row.amount,
        _ => row.captured_amount,
    }
}

/// What an Idempotency-Key claim leaves to do.
pub(crate) enum Claim {
    /// A first attempt, under this new id.
    Fresh(String),
    /// An earlier attempt under this id ended without an answer: resume it.
    Resume(String),
    /// The key's answer, replayed byte for byte.
    Replay(Answer),
}

/// Claims `key` in `scope` for a request of this `hash`; a reuse with another request or
/// one still running is refused here.
pub(crate) async fn claim(
    app: &App,
    caller: &Caller,
    scope: &str,
    key: &str,
    hash: &str,
) -> Result<Claim, Failure> {
    let fresh_id = db::new_id();
    let claim = db::payments::claim_key(
        &app.db,
        &caller.merchant_id,
        scope,
        key,
        hash,
        &fresh_id,
        key_lease_ms(app),
    )
    .await?;
    match claim {
        Idempotency::Fresh => Ok(Claim::Fresh(fresh_id)),
        Idempotency::Resume { resource_id } => Ok(Claim::Resume(resource_id)),
        Idempotency::Replay { status, body } => Ok(Claim::Replay(Answer {
            status,
            body: serde_json::from_str(&body).map_err(anyhow::Error::from)?,
        })),
        Idempotency::Mismatch => Err(Failure::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
        )),
        Idempotency::InFlight => Err(Failure::Conflict {
            code: "idempotency_key_in_use",
            message: "a request with this Idempotency-Key is being processed".into(),
            retry_after: Some(1),
        }),
    }
}

/// One of the store's payments (another store's is not found, as an unknown one).
pub(crate) async fn store_payment(
    app: &App,
    store_id: &str,
    payment_id: &str,
) -> Result<PaymentRow, Failure> {
    db::payments::payment(&app.db, payment_id)
        .await?
        .filter(|p| p.store_id == store_id)
        .ok_or_else(|| {
            Failure::not_found(
                "unknown_payment",
                format!("no payment {payment_id} in this store"),
            )
        })
}

/// Asks the vendor how a payment stands: by `reference`, or (none yet) by BEEP!'s id.
pub(crate) async fn look_up(
    app: &App,
    caller: &Caller,
    target: &Target,
    row: &PaymentRow,
    reference: Option<&str>,
) -> Result<Payment, CallError> {
    let lookup = PaymentLookup {
        payment_id: row.payment_id.clone(),
        provider_reference: reference.map(str::to_string),
    };
    let c = &target.entry.connector;
    let (found, report) = app
        .runtime
        .get_payment(c, &target.ctx, &target.config, &lookup)
        .await;
    let store = Some(row.store_id.as_str());
    let about = Some(db::call_logs::About::Payment(&row.payment_id));
    calls::record_about(app, caller, store, target, "get-payment", &report, about).await;
    found
}

/// Answers with the payment as it stands and keeps that as the key's answer.
pub(crate) async fn finish(
    app: &App,
    caller: &Caller,
    scope: &str,
    key: &str,
    row: &PaymentRow,
) -> Result<Answer, Failure> {
    keep_answer(app, caller, scope, key, payment_body(row)).await
}

/// Keeps `body` as the key's answer (200) and answers it.
async fn keep_answer(
    app: &App,
    caller: &Caller,
    scope: &str,
    key: &str,
    body: Value,
) -> Result<Answer, Failure> {
    db::payments::finish_key(
        &app.db,
        &caller.merchant_id,
        scope,
        key,
        200,
        &body.to_string(),
    )
    .await?;
    Ok(Answer { status: 200, body })
}

/// Whether the vendor may have acted although the call failed (so we must not guess).
fn outcome_unknown(e: &CallError) -> bool {
    match e {
        CallError::Connector(ConnectorError::Network(_)) => true,
        CallError::Connector(ConnectorError::Upstream(u)) => u.status >= 500,
        CallError::Connector(_) => false,
        CallError::EgressDenied(_) => false,
        _ => true,
    }
}

pub async fn process(
    app: &App,
    caller: &Caller,
    key: &str,
    input: PaymentInput,
) -> Result<Answer, Failure> {
    let (provider, target) = psp_target(app, caller, &input.store_id).await?;
    let mut fields = json!([
        input.store_id,
        input.amount,
        input.currency,
        input.reference,
        input.payment_method,
        input.description,
        input.return_url
    ]);
    if input.manual_capture {
        fields
            .as_array_mut()
            .expect("an array")
            .push(json!("manual"));
    }
    let hash = request_hash(&fields);
    let scope = format!("payment:{}", caller.mode.as_str());
    // An attempt that died between claiming the key and writing its payment sent
    // nothing to the vendor (the payment row is written before the vendor is called):
    // this one starts it, under the id the key names.
    let claim = match claim(app, caller, &scope, key, &hash).await? {
        Claim::Resume(id) if db::payments::payment(&app.db, &id).await?.is_none() => {
            Claim::Fresh(id)
        }
        claim => claim,
    };
    let mut row = match claim {
        Claim::Replay(answer) => return Ok(answer),
        Claim::Fresh(fresh_id) => {
            let now = db::now_ms();
            let row = PaymentRow {
                payment_id: fresh_id,
                store_id: input.store_id.clone(),
                provider: provider.clone(),
                amount: input.amount,
                currency: input.currency.clone(),
                reference: input.reference.clone(),
                status: "processing".into(),
                provider_reference: None,
                failure_code: None,
                failure_message: None,
                action_url: None,
                refunded_amount: 0,
                created_at: now,
                updated_at: now,
                capture_mode: if input.manual_capture {
                    "manual".into()
                } else {
                    "automatic".into()
                },
                captured_amount: 0,
            };
            db::payments::insert_payment(&app.db, &row).await?;
            row
        }
        Claim::Resume(resource_id) => {
            let row = db::payments::payment(&app.db, &resource_id)
                .await?
                .ok_or_else(|| {
                    anyhow::anyhow!("payment {resource_id} of an idempotency key is missing")
                })?;
            // The earlier attempt's outcome is unknown: ask the vendor before acting.
            let reference = row.provider_reference.as_deref();
            let found = look_up(app, caller, &target, &row, reference).await;
            if let Ok(payment) = found {
                return settle_payment(app, caller, &scope, key, row, &payment).await;
            }
            row
        }
    };

    let request = PaymentRequest {
        id: row.payment_id.clone(),
        amount: Money {
            amount: input.amount,
            currency: input.currency.clone(),
        },
        reference: input.reference.clone(),
        payment_method: input.payment_method.clone(),
        description: input.description.clone(),
        return_url: input.return_url.clone(),
    };
    let (operation, (result, report)) = if input.manual_capture {
        let c = &target.entry.connector;
        let call = app
            .runtime
            .authorize_payment(c, &target.ctx, &target.config, &request);
        ("authorize-payment", call.await)
    } else {
        let c = &target.entry.connector;
        let call = app
            .runtime
            .create_payment(c, &target.ctx, &target.config, &request);
        ("create-payment", call.await)
    };
    calls::record_about(
        app,
        caller,
        Some(&input.store_id),
        &target,
        operation,
        &report,
        Some(db::call_logs::About::Payment(&row.payment_id)),
    )
    .await;
    match result {
        Ok(payment) => settle_payment(app, caller, &scope, key, row, &payment).await,
        Err(e) if outcome_unknown(&e) => {
            // The vendor may have charged: reconcile by asking, never by charging again.
            match look_up(app, caller, &target, &row, None).await {
                Ok(payment) => settle_payment(app, caller, &scope, key, row, &payment).await,
                Err(_) => {
                    db::payments::release_key(&app.db, &caller.merchant_id, &scope, key).await?;
                    Err(calls::call_failure(&target, e))
                }
            }
        }
        Err(CallError::Connector(ConnectorError::RateLimited(after))) => {
            db::payments::release_key(&app.db, &caller.merchant_id, &scope, key).await?;
            Err(calls::call_failure(
                &target,
                CallError::Connector(ConnectorError::RateLimited(after)),
            ))
        }
        Err(e) => {
            // The vendor refused the request itself: nothing was charged. Final.
            row.status = "failed".into();
            row.failure_code = Some(e.code().to_string());
            row.failure_message = Some(e.to_string());
            db::payments::update_payment(&app.db, &row).await?;
            announce_payment(app, caller, &row).await;
            Err(refuse(app, caller, &scope, key, calls::call_failure(&target, e)).await)
        }
    }
}

async fn settle_payment(
    app: &App,
    caller: &Caller,
    scope: &str,
    key: &str,
    mut row: PaymentRow,
    payment: &Payment,
) -> Result<Answer, Failure> {
    apply_payment(&mut row, payment);
    db::payments::update_payment(&app.db, &row).await?;
    let row = db::payments::payment(&app.db, &row.payment_id)
        .await?
        .unwrap_or(row);
    recheck::watch(app, caller, &row.store_id, &row.payment_id, &row.status).await;
    capture::watch_hold(app, caller, &row).await;
    announce_payment(app, caller, &row).await;
    finish(app, caller, scope, key, &row).await
}

/// Records a final refusal as the key's answer, so a replay refuses the same way.
async fn refuse(app: &App, caller: &Caller, scope: &str, key: &str, failure: Failure) -> Failure {
    let (status, body) = crate::error::answer::error_answer(&failure);
    match db::payments::finish_key(
        &app.db,
        &caller.merchant_id,
        scope,
        key,
        status,
        &body.to_string(),
    )
    .await
    {
        Ok(()) => failure,
        Err(e) => Failure::Internal(e),
    }
}

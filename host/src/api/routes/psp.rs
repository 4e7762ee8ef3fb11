//! Payments: a store's PSP configuration, payments, refunds and the vendors' webhooks.

use super::*;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigureBody {
    /// stripe, payabl, adyen, mollie, sumup, payone, unzer or custom.
    #[schema(min_length = 1)]
    provider: String,
    #[schema(min_length = 1)]
    store_id: String,
    /// Provider-specific; validated with the provider, stored encrypted, never echoed.
    #[schema(value_type = Object)]
    config: Value,
    connector_id: Option<String>,
    /// How long a manual-capture authorisation is held before BEEP! voids it (seconds;
    /// default a day, at most 7 days; at least 60 s in live mode).
    #[schema(minimum = 1, maximum = 604800)]
    hold_seconds: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/configurePSP", tag = "payments", request_body = ConfigureBody,
    responses((status = 200, description = "Validated with the provider and stored encrypted", body = payments::Configured)))]
pub async fn configure_psp(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<ConfigureBody>,
) -> Result<Json<payments::Configured>> {
    store(&app, &caller, &body.store_id).await?;
    credentials_object(&body.config, "config")?;
    if let Some(hold) = body.hold_seconds {
        let least = if caller.mode == Mode::Live { 60 } else { 1 };
        let most = payments::capture::MAX_HOLD_SECONDS;
        if !(least..=most).contains(&hold) {
            return Err(Failure::invalid(
                "invalid_hold",
                format!("holdSeconds must be {least} to {most}"),
            ));
        }
    }
    let out = payments::configure(
        &app,
        &caller,
        &body.store_id,
        &body.provider,
        body.connector_id.as_deref(),
        &body.config,
        body.hold_seconds,
    )
    .await?;
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBody {
    #[schema(min_length = 1)]
    store_id: String,
    /// Minor units of `currency` (cents; yen; fils).
    #[schema(minimum = 1)]
    amount: i64,
    /// ISO 4217.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    currency: String,
    #[schema(min_length = 1, max_length = 200)]
    reference: String,
    /// A PSP token; never a card number.
    #[schema(min_length = 1)]
    payment_method: String,
    description: Option<String>,
    return_url: Option<String>,
    /// `automatic` (the default) captures at once; `manual` only authorises (the
    /// payment ends `authorized`) and `capturePayment` or `cancelPayment` ends it.
    #[schema(value_type = Option<String>, example = "manual")]
    capture: Option<CaptureMode>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CaptureMode {
    Automatic,
    Manual,
}

/// An optional amount (capture, refund) is positive minor units when given.
fn positive_amount(amount: Option<i64>) -> Result<()> {
    if amount.is_some_and(|a| a <= 0) {
        return Err(Failure::invalid(
            "invalid_amount",
            "amount must be a positive integer in minor units",
        ));
    }
    Ok(())
}

pub(super) fn looks_like_card_number(s: &str) -> bool {
    let digits: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (12..=19).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn valid_currency(code: &str) -> Result<String> {
    let upper = code.trim().to_ascii_uppercase();
    if upper.len() == 3 && beep_sdk::money::exponent(&upper).is_some() {
        Ok(upper)
    } else {
        Err(Failure::invalid(
            "invalid_currency",
            format!("{code:?} is not an ISO 4217 currency code"),
        ))
    }
}

#[utoipa::path(post, path = "/api/v1/processPayment", tag = "payments", request_body = PaymentBody,
    params(("Idempotency-Key" = String, Header, description = "Retries with the same key never pay twice")),
    responses((status = 200, description = "The payment (also a replay of the same key)", body = payments::PaymentAnswer)))]
pub async fn process_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    Body(body): Body<PaymentBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    let currency = valid_currency(&body.currency)?;
    positive_amount(Some(body.amount))?;
    if body.reference.trim().is_empty() || body.reference.len() > 200 {
        return Err(Failure::invalid(
            "invalid_reference",
            "reference must be 1 to 200 characters",
        ));
    }
    if body.payment_method.trim().is_empty() {
        return Err(Failure::invalid(
            "invalid_payment_method",
            "paymentMethod is required (a PSP token)",
        ));
    }
    if looks_like_card_number(&body.payment_method) {
        return Err(Failure::invalid(
            "card_number_not_allowed",
            "paymentMethod must be a PSP token; never send card numbers",
        ));
    }
    let input = PaymentInput {
        store_id: body.store_id,
        amount: body.amount,
        currency,
        reference: body.reference,
        payment_method: body.payment_method,
        description: body.description,
        return_url: body.return_url,
        manual_capture: body.capture == Some(CaptureMode::Manual),
    };
    Ok(answer(payments::process(&app, &caller, &key, input).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaptureBody {
    #[schema(min_length = 1)]
    store_id: String,
    #[schema(min_length = 1)]
    payment_id: String,
    /// Minor units, at most what was authorised; the whole authorisation when absent.
    /// Where the provider does so, the rest of a partial capture is released.
    #[schema(minimum = 1)]
    amount: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/capturePayment", tag = "payments", request_body = CaptureBody,
    params(("Idempotency-Key" = String, Header, description = "Retries with the same key never capture twice")),
    responses((status = 200, description = "The payment, `succeeded` with its `capturedAmount`", body = payments::PaymentAnswer)))]
pub async fn capture_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    Body(body): Body<CaptureBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    positive_amount(body.amount)?;
    let input = payments::capture::CaptureInput {
        store_id: body.store_id,
        payment_id: body.payment_id,
        amount: body.amount,
    };
    Ok(answer(
        payments::capture::capture(&app, &caller, &key, input).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelBody {
    #[schema(min_length = 1)]
    store_id: String,
    #[schema(min_length = 1)]
    payment_id: String,
}

#[utoipa::path(post, path = "/api/v1/cancelPayment", tag = "payments", request_body = CancelBody,
    params(("Idempotency-Key" = String, Header, description = "Retries with the same key void once")),
    responses((status = 200, description = "The payment, `canceled`: the authorisation is released", body = payments::PaymentAnswer)))]
pub async fn cancel_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    Body(body): Body<CancelBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    let answer_of = payments::capture::cancel(&app, &caller, &key, body.store_id, body.payment_id);
    Ok(answer(answer_of.await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody {
    #[schema(min_length = 1)]
    store_id: String,
    #[schema(min_length = 1)]
    payment_id: String,
    /// Minor units; the rest of the captured amount when absent.
    #[schema(minimum = 1)]
    amount: Option<i64>,
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/refundPayment", tag = "payments", request_body = RefundBody,
    params(("Idempotency-Key" = String, Header, description = "Retries with the same key never refund twice")),
    responses((status = 200, description = "The refund; refunds never sum past the captured amount", body = payments::RefundAnswer)))]
pub async fn refund_payment(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    Body(body): Body<RefundBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    positive_amount(body.amount)?;
    let input = RefundInput {
        store_id: body.store_id,
        payment_id: body.payment_id,
        amount: body.amount,
        reason: body.reason,
    };
    Ok(answer(payments::refund(&app, &caller, &key, input).await?))
}

/// Vendors call this without a BEEP! key: the connector verifies the notification.
#[utoipa::path(post, path = "/api/v1/webhooks/{provider}/{store_id}", tag = "payments", security(()),
    params(("provider" = String, Path), ("store_id" = String, Path)),
    request_body(content = Object, description = "The provider's notification, verified by its connector"),
    responses((status = 200, description = "Verified and applied once", body = Received)))]
pub async fn webhook(
    State(app): State<Arc<App>>,
    Path((provider, store_id)): Path<(String, String)>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<payments::webhooks::Received>> {
    // Anonymous callers: limited per address before anything is looked up.
    app.limiter
        .webhook_from(crate::api::extract::client_address(&extensions))
        .map_err(|retry_after| Failure::TooMany { retry_after })?;
    let headers = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let out =
        payments::webhooks::receive(&app, &provider, &store_id, headers, body.to_vec()).await?;
    Ok(Json(out))
}

//! SumUp PSP connector: a translation table between the BEEP! contract and SumUp's
//! Checkouts and Transactions API (`vendor-specs/sumup.json`, sumup/sumup-rs at 058533c621).
//!
//! - A payment is a SumUp checkout: `POST /v0.1/checkouts` with `checkout_reference` =
//!   BEEP!'s payment id, then processing it with `PUT /v0.1/checkouts/{id}`
//!   `{"payment_type":"card","token":…}`. The spec at 058533c621 omits the processing
//!   operation; its shape follows SumUp's public docs (`200` with the checkout, or `202`
//!   with `next_step` when the shopper must pass 3-D Secure).
//! - SumUp has no idempotency header. The checkout reference is unique per merchant:
//!   a retry's create answers `409 DUPLICATED_CHECKOUT`, and the connector then fetches
//!   that checkout (`GET /v0.1/checkouts?checkout_reference=`) and processes it only if it
//!   was never processed — never a second checkout, never a second charge.
//! - Amounts are JSON numbers in major units, converted exactly with the currency's
//!   ISO 4217 exponent (`beep_sdk::money::to_major_f64` / `from_major_f64`).
//! - Refunds go to the checkout's successful transaction:
//!   `POST /v1.0/merchants/{merchant_code}/payments/{transaction_id}/refunds {amount}`;
//!   SumUp answers `201 {}` (no refund id), so the refund's reference is
//!   `{transaction_id}:{BEEP! refund id}` and its status is succeeded.
//! - Webhooks (the checkout's `return_url`) carry `{"event_type","id"}` only: the
//!   connector re-fetches the checkout with the merchant's key (the verification) and
//!   reports its state.

use beep_sdk::error::{internal, invalid_config, not_found, unauthorized};
use beep_sdk::http::segment;
use beep_sdk::prelude::*;
use serde::{Deserialize, Serialize};

const DEFAULT_BASE_URL: &str = "https://api.sumup.com";
/// `checkout_reference.maxLength`.
const MAX_REFERENCE: usize = 90;

/// The connector (its trait impls are the component's exports).
pub struct Sumup;

// ---- describe -----------------------------------------------------------------------------

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "SumUp",
  "type": "object",
  "required": ["apiKey", "merchantCode"],
  "properties": {
    "apiKey": {
      "type": "string",
      "description": "SumUp API key (sup_sk_…) or an OAuth2 access token, sent as Authorization: Bearer"
    },
    "merchantCode": {
      "type": "string",
      "pattern": "^[A-Za-z0-9]+$",
      "description": "The merchant code that receives the payments (e.g. MH4H92C7)"
    },
    "returnUrl": {
      "type": "string",
      "format": "uri",
      "description": "SumUp's return_url: the callback SumUp notifies on checkout status changes (BEEP!'s webhook for this store)"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://api.sumup.com",
      "description": "API origin; Test Mode points it at the simulator"
    }
  }
}"#;

impl beep_sdk::psp::Describe for Sumup {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "sumup".into(),
            kind: ConnectorKind::Psp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["sumup".into()],
            hosts: vec![DEFAULT_BASE_URL.into()],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

// ---- config -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SumupConfig {
    pub api_key: beep_sdk::config::Secret,
    pub merchant_code: String,
    #[serde(default)]
    pub return_url: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

impl SumupConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: SumupConfig = parse_config(config)?;
        if cfg.api_key.trim().is_empty() || cfg.api_key.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(invalid_config(
                "apiKey must be a SumUp API key or OAuth token",
            ));
        }
        if cfg.merchant_code.is_empty()
            || !cfg.merchant_code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(invalid_config(
                "merchantCode must be a SumUp merchant code (letters and digits)",
            ));
        }
        for (name, url) in [("baseUrl", &cfg.base_url), ("returnUrl", &cfg.return_url)] {
            if url.as_deref().is_some_and(|u| !is_http_url(u)) {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        Ok(cfg)
    }

    fn url(&self, path: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        format!("{}{path}", base.trim_end_matches('/'))
    }

    fn get(&self, path: &str) -> Request {
        Request::get(self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/json")
    }

    fn send_json<T: Serialize>(
        &self,
        method: beep_sdk::http::Method,
        path: &str,
        body: &T,
    ) -> Result<Response, ConnectorError> {
        Request::new(method, self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/json")
            .json(body)?
            .send()
    }
}

// ---- amounts ------------------------------------------------------------------------------

/// BEEP! minor units → SumUp's major-unit number. SumUp's `Currency` enum has no
/// three-decimal currency (nor JPY); the conversion is exact all the same and SumUp's
/// answer is the authority on what it accepts.
pub fn to_sumup_amount(money: &Money) -> Result<f64, ConnectorError> {
    beep_sdk::money::to_major_f64(money)
}

pub fn from_sumup_amount(value: f64, currency: &str) -> Result<Money, ConnectorError> {
    let minor = beep_sdk::money::from_major_f64(value, currency)
        .map_err(|_| internal(format!("SumUp answered an amount {value} {currency}")))?;
    Ok(beep_sdk::money::money(minor, currency))
}

// ---- requests -----------------------------------------------------------------------------

/// `POST /v0.1/checkouts` (`components.schemas.CheckoutCreateRequest`).
#[derive(Debug, Serialize)]
pub struct CreateCheckout<'a> {
    pub checkout_reference: &'a str,
    pub amount: f64,
    pub currency: String,
    pub merchant_code: &'a str,
    pub description: String,
    /// SumUp's backend callback for status changes (BEEP!'s webhook).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<&'a str>,
    /// Where the shopper returns after 3-D Secure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<&'a str>,
}

impl<'a> CreateCheckout<'a> {
    pub fn from_request(
        cfg: &'a SumupConfig,
        req: &'a PaymentRequest,
    ) -> Result<Self, ConnectorError> {
        if req.id.is_empty() || req.id.len() > MAX_REFERENCE {
            return Err(internal(format!(
                "payment id {:?} does not fit SumUp's checkout_reference",
                req.id
            )));
        }
        let description = match req.description.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() && d != req.reference => format!("{} {d}", req.reference),
            _ => req.reference.clone(),
        };
        Ok(CreateCheckout {
            checkout_reference: &req.id,
            amount: to_sumup_amount(&req.amount)?,
            currency: req.amount.currency.to_ascii_uppercase(),
            merchant_code: &cfg.merchant_code,
            description,
            return_url: cfg.return_url.as_deref(),
            redirect_url: req.return_url.as_deref().filter(|u| !u.trim().is_empty()),
        })
    }
}

/// `PUT /v0.1/checkouts/{id}` (SumUp's "Process a checkout"; not in the spec at
/// 058533c621): the BEEP! token is a saved card's payment-instrument token.
#[derive(Debug, Serialize, PartialEq)]
pub struct ProcessCheckout<'a> {
    pub payment_type: &'static str,
    pub token: &'a str,
}

/// The refund body: the amount in major units (`{}` would refund everything).
#[derive(Debug, Serialize)]
pub struct CreateRefund {
    pub amount: f64,
}

// ---- responses ----------------------------------------------------------------------------

/// `Checkout.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckoutStatus {
    Pending,
    Failed,
    Paid,
    Expired,
    #[serde(other)]
    Unknown,
}

/// `components.schemas.TransactionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TransactionStatus {
    Successful,
    Cancelled,
    Failed,
    Pending,
    Refunded,
    #[serde(other)]
    Unknown,
}

/// What decides a BEEP! status: the checkout's status, its latest transaction's, and
/// whether SumUp asked for a 3-D Secure step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumupState {
    pub checkout: CheckoutStatus,
    pub transaction: Option<TransactionStatus>,
    pub next_step: bool,
}

impl From<SumupState> for PaymentStatus {
    fn from(s: SumupState) -> Self {
        use CheckoutStatus as C;
        use TransactionStatus as T;
        if s.next_step {
            return PaymentStatus::RequiresAction;
        }
        match (s.checkout, s.transaction) {
            // SumUp captures immediately: a successful (or later refunded) payment is done.
            (C::Paid, _) | (_, Some(T::Successful | T::Refunded)) => PaymentStatus::Succeeded,
            (_, Some(T::Cancelled)) => PaymentStatus::Canceled,
            (C::Failed | C::Expired, _) | (_, Some(T::Failed)) => PaymentStatus::Failed,
            (C::Pending | C::Unknown, _) => PaymentStatus::Pending,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SumupTransaction {
    pub id: String,
    #[serde(default)]
    pub status: Option<TransactionStatus>,
}

/// `components.schemas.CheckoutSuccess`, the fields BEEP! uses.
#[derive(Debug, Clone, Deserialize)]
pub struct SumupCheckout {
    pub id: String,
    #[serde(default)]
    pub checkout_reference: Option<String>,
    pub amount: f64,
    pub currency: String,
    pub status: CheckoutStatus,
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub transactions: Vec<SumupTransaction>,
    #[serde(default)]
    pub hosted_checkout_url: Option<String>,
}

impl SumupCheckout {
    fn latest_transaction(&self) -> Option<&SumupTransaction> {
        self.transactions.last()
    }

    /// The transaction a refund goes to: the successful one.
    pub fn paid_transaction(&self) -> Option<&str> {
        self.transaction_id.as_deref().or_else(|| {
            self.transactions
                .iter()
                .rev()
                .find(|t| {
                    matches!(
                        t.status,
                        Some(TransactionStatus::Successful | TransactionStatus::Refunded)
                    )
                })
                .map(|t| t.id.as_str())
        })
    }

    /// Never processed: no payment attempt exists yet.
    pub fn unprocessed(&self) -> bool {
        self.status == CheckoutStatus::Pending && self.transactions.is_empty()
    }
}

/// SumUp's `CheckoutAccepted` (`202`): the 3-D Secure step.
#[derive(Debug, Deserialize)]
pub struct NextStep {
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct Accepted {
    pub next_step: NextStep,
}

/// SumUp's two error shapes: `Error`/`ErrorExtended` and RFC 9457 `Problem`.
#[derive(Debug, Deserialize)]
pub struct SumupError {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Vec<ProblemItem>,
}

#[derive(Debug, Deserialize)]
pub struct ProblemItem {
    #[serde(default)]
    pub detail: Option<String>,
}

/// A webhook body: `{"event_type":"CHECKOUT_STATUS_CHANGED","id":"<checkout id>"}`.
#[derive(Debug, Deserialize)]
pub struct WebhookBody {
    pub event_type: String,
    pub id: String,
}

// ---- mapping ------------------------------------------------------------------------------

fn checkout_status_name(s: CheckoutStatus) -> &'static str {
    match s {
        CheckoutStatus::Pending => "PENDING",
        CheckoutStatus::Failed => "FAILED",
        CheckoutStatus::Paid => "PAID",
        CheckoutStatus::Expired => "EXPIRED",
        CheckoutStatus::Unknown => "UNKNOWN",
    }
}

/// A SumUp checkout as a BEEP! payment; `action_url` is the 3-D Secure step, if SumUp
/// just asked for one.
pub fn payment_from(
    c: &SumupCheckout,
    action_url: Option<String>,
) -> Result<Payment, ConnectorError> {
    let tx = c.latest_transaction().and_then(|t| t.status);
    let status = PaymentStatus::from(SumupState {
        checkout: c.status,
        transaction: tx,
        next_step: action_url.is_some(),
    });
    let amount = from_sumup_amount(c.amount, &c.currency)?;
    let captured = (status == PaymentStatus::Succeeded).then(|| amount.clone());
    let (failure_code, failure_message) = match status {
        PaymentStatus::Failed | PaymentStatus::Canceled => {
            let (code, msg) = match (c.status, tx) {
                (CheckoutStatus::Expired, _) => {
                    ("expired", "the checkout expired before it was paid")
                }
                (_, Some(TransactionStatus::Cancelled)) => {
                    ("cancelled", "SumUp reports the transaction as CANCELLED")
                }
                _ => ("failed", "SumUp reports the payment as FAILED"),
            };
            (Some(code.to_string()), Some(msg.to_string()))
        }
        _ => (None, None),
    };
    let action_url = match status {
        PaymentStatus::RequiresAction => action_url,
        _ => None,
    };
    Ok(Payment {
        provider_reference: c.id.clone(),
        status,
        amount,
        captured,
        failure_code,
        failure_message,
        action_url,
    })
}

pub fn refund_reference(transaction_id: &str, refund_id: &str) -> String {
    format!("{transaction_id}:{refund_id}")
}

/// The checkout id of a SumUp webhook body.
pub fn webhook_checkout_id(body: &[u8]) -> Result<String, ConnectorError> {
    let b: WebhookBody = serde_json::from_slice(body)
        .map_err(|_| unauthorized("webhook body is not a SumUp event"))?;
    let valid = !b.id.is_empty()
        && b.id.len() <= 64
        && b.id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if !valid || b.event_type.is_empty() {
        return Err(unauthorized("webhook body carries no checkout id"));
    }
    Ok(b.id)
}

/// The webhook as a BEEP! event, from the checkout as SumUp reports it now. SumUp sends no
/// event id: the observed state is the event id, so each state applies once.
pub fn webhook_event_from(c: &SumupCheckout) -> Result<WebhookEvent, ConnectorError> {
    let payment = payment_from(c, None)?;
    let status = checkout_status_name(c.status);
    Ok(WebhookEvent {
        id: format!("{}:{status}", c.id),
        event_type: format!("checkout.{}", status.to_ascii_lowercase()),
        payment: Some(payment),
        refund: None,
    })
}

// ---- errors -------------------------------------------------------------------------------

/// SumUp's own words: `message` (with `error_code` and `param`), or a problem's `detail`
/// (with its first sub-error).
pub fn error_message(resp: &Response) -> Option<String> {
    let e: SumupError = resp.json().ok()?;
    if let Some(message) = e.message {
        let mut text = message;
        match (e.error_code, e.param) {
            (Some(code), Some(param)) => text = format!("{text} ({code}: {param})"),
            (Some(code), None) => text = format!("{text} ({code})"),
            (None, Some(param)) => text = format!("{text} ({param})"),
            (None, None) => {}
        }
        return Some(text);
    }
    let mut text = e.detail.or(e.title)?;
    if let Some(d) = e.errors.into_iter().find_map(|i| i.detail) {
        text = format!("{text} {d}");
    }
    Some(text)
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(error_message)
}

fn is_duplicate(resp: &Response) -> bool {
    resp.status == 409
        && resp
            .json::<SumupError>()
            .ok()
            .and_then(|e| e.error_code)
            .is_some_and(|c| c == "DUPLICATED_CHECKOUT")
}

// ---- operations ---------------------------------------------------------------------------

fn fetch_checkout(cfg: &SumupConfig, id: &str) -> Result<SumupCheckout, ConnectorError> {
    let resp = cfg
        .get(&format!("/v0.1/checkouts/{}", segment(id)))
        .send()?;
    check(resp)?.json()
}

fn find_by_reference(
    cfg: &SumupConfig,
    reference: &str,
) -> Result<Option<SumupCheckout>, ConnectorError> {
    let resp = cfg
        .get("/v0.1/checkouts")
        .query(&[("checkout_reference", reference)])
        .send()?;
    let list: Vec<SumupCheckout> = check(resp)?.json()?;
    Ok(list.into_iter().find(|c| {
        c.checkout_reference
            .as_deref()
            .is_none_or(|r| r == reference)
    }))
}

/// Processes a checkout with the BEEP! token; `202` is the 3-D Secure step.
fn process(
    cfg: &SumupConfig,
    checkout: &SumupCheckout,
    token: &str,
) -> Result<Payment, ConnectorError> {
    let body = ProcessCheckout {
        payment_type: "card",
        token,
    };
    let resp = cfg.send_json(
        beep_sdk::http::Method::Put,
        &format!("/v0.1/checkouts/{}", segment(&checkout.id)),
        &body,
    )?;
    let resp = check(resp)?;
    if resp.status == 202 {
        let accepted: Accepted = resp.json()?;
        return payment_from(checkout, Some(accepted.next_step.url));
    }
    let processed: SumupCheckout = resp.json()?;
    payment_from(&processed, None)
}

impl beep_sdk::psp::Psp for Sumup {
    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        // An authenticated read that also proves the merchant code.
        let resp = cfg
            .get(&format!("/v1/merchants/{}", segment(&cfg.merchant_code)))
            .send()?;
        match check(resp) {
            Ok(_) => Ok(()),
            Err(ConnectorError::NotFound(m)) => Err(invalid_config(format!(
                "merchantCode {}: {m}",
                cfg.merchant_code
            ))),
            Err(e) => Err(e),
        }
    }

    fn create_payment(config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let body = CreateCheckout::from_request(&cfg, &request)?;
        let resp = cfg.send_json(beep_sdk::http::Method::Post, "/v0.1/checkouts", &body)?;
        let checkout: SumupCheckout = if is_duplicate(&resp) {
            // An earlier attempt created it: continue with that one, never a second.
            beep_sdk::log::info("SumUp already has this checkout_reference: resuming it");
            find_by_reference(&cfg, &request.id)?.ok_or_else(|| {
                internal("SumUp reports a duplicate checkout_reference but lists none")
            })?
        } else {
            check(resp)?.json()?
        };
        if checkout.unprocessed() {
            process(&cfg, &checkout, &request.payment_method)
        } else {
            // Already processed by an earlier attempt: report, never charge again.
            payment_from(&checkout, None)
        }
    }

    fn get_payment(config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let checkout = match lookup.provider_reference.as_deref() {
            Some(reference) => fetch_checkout(&cfg, reference)?,
            None => {
                let found = find_by_reference(&cfg, &lookup.payment_id)?.ok_or_else(|| {
                    not_found(format!(
                        "SumUp has no checkout with checkout_reference {}",
                        lookup.payment_id
                    ))
                })?;
                // Created but never processed: no payment attempt happened, so it is not
                // a payment yet. A retry's create finds it (409) and processes it.
                if found.unprocessed() {
                    return Err(not_found(format!(
                        "SumUp checkout {} was created but never processed",
                        found.id
                    )));
                }
                found
            }
        };
        payment_from(&checkout, None)
    }

    fn refund_payment(config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let checkout = fetch_checkout(&cfg, &request.payment_provider_reference)?;
        let tx = checkout.paid_transaction().ok_or_else(|| {
            beep_sdk::error::upstream(
                409,
                format!(
                    "SumUp checkout {} has no successful transaction to refund",
                    checkout.id
                ),
            )
        })?;
        let body = CreateRefund {
            amount: to_sumup_amount(&request.amount)?,
        };
        let path = format!(
            "/v1.0/merchants/{}/payments/{}/refunds",
            segment(&cfg.merchant_code),
            segment(tx)
        );
        let resp = cfg.send_json(beep_sdk::http::Method::Post, &path, &body)?;
        check(resp)?;
        Ok(Refund {
            provider_reference: refund_reference(tx, &request.id),
            payment_provider_reference: Some(checkout.id.clone()),
            status: RefundStatus::Succeeded,
            amount: request.amount,
            failure_message: None,
        })
    }

    fn parse_webhook(
        config: String,
        request: WebhookRequest,
    ) -> Result<WebhookEvent, ConnectorError> {
        let cfg = SumupConfig::parse(&config)?;
        let id = webhook_checkout_id(&request.body)?;
        // The verification: only a checkout SumUp shows to this merchant's key counts.
        let c = fetch_checkout(&cfg, &id).map_err(|e| match e {
            ConnectorError::NotFound(m) => unauthorized(format!("unknown checkout {id}: {m}")),
            other => other,
        })?;
        webhook_event_from(&c)
    }
}

beep_sdk::export_psp!(Sumup);

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::money::money;
    use serde_json::json;

    fn mm(m: &Money) -> (i64, String) {
        (m.amount, m.currency.clone())
    }

    fn cfg() -> SumupConfig {
        SumupConfig::parse(r#"{"apiKey":"sup_sk_abc","merchantCode":"MH4H92C7"}"#).unwrap()
    }

    fn checkout(v: serde_json::Value) -> SumupCheckout {
        serde_json::from_value(v).unwrap()
    }

    fn resp(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn describe_names_sumup() {
        use beep_sdk::psp::Describe;
        let info = Sumup::describe();
        assert_eq!(info.name, "sumup");
        assert_eq!(info.kind, ConnectorKind::Psp);
        assert_eq!(info.systems, vec!["sumup".to_string()]);
        assert_eq!(info.hosts, vec!["https://api.sumup.com".to_string()]);
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["required"], json!(["apiKey", "merchantCode"]));
    }

    #[test]
    fn config_is_checked() {
        let c = SumupConfig::parse(
            r#"{"apiKey":"sup_sk_x","merchantCode":"MC1","baseUrl":"http://127.0.0.1:9/sumup/"}"#,
        )
        .unwrap();
        assert_eq!(
            c.url("/v0.1/checkouts"),
            "http://127.0.0.1:9/sumup/v0.1/checkouts"
        );
        assert_eq!(cfg().url("/v1/x"), "https://api.sumup.com/v1/x");
        for bad in [
            r#"{}"#,
            r#"{"apiKey":"sup_sk_x"}"#,
            r#"{"apiKey":"","merchantCode":"MC1"}"#,
            r#"{"apiKey":"a b","merchantCode":"MC1"}"#,
            r#"{"apiKey":"k","merchantCode":"MC/1"}"#,
            r#"{"apiKey":"k","merchantCode":"MC1","baseUrl":"ftp://x"}"#,
            r#"{"apiKey":"k","merchantCode":"MC1","returnUrl":"hook"}"#,
        ] {
            assert!(
                matches!(
                    SumupConfig::parse(bad),
                    Err(ConnectorError::InvalidConfig(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn status_mapping() {
        use CheckoutStatus as C;
        use PaymentStatus as P;
        use TransactionStatus as T;
        let table = [
            (C::Pending, None, false, P::Pending),
            (C::Pending, Some(T::Pending), false, P::Pending),
            (C::Pending, Some(T::Pending), true, P::RequiresAction),
            (C::Paid, Some(T::Successful), false, P::Succeeded),
            (C::Paid, Some(T::Refunded), false, P::Succeeded),
            (C::Pending, Some(T::Successful), false, P::Succeeded),
            (C::Failed, Some(T::Failed), false, P::Failed),
            (C::Failed, Some(T::Cancelled), false, P::Canceled),
            (C::Pending, Some(T::Cancelled), false, P::Canceled),
            (C::Expired, None, false, P::Failed),
            (C::Unknown, None, false, P::Pending),
        ];
        for (checkout, transaction, next_step, beep) in table {
            assert_eq!(
                PaymentStatus::from(SumupState {
                    checkout,
                    transaction,
                    next_step
                }),
                beep,
                "{checkout:?} {transaction:?} {next_step}"
            );
        }
        let s: CheckoutStatus = serde_json::from_value(json!("SOMETHING_NEW")).unwrap();
        assert_eq!(s, C::Unknown);
        let t: TransactionStatus = serde_json::from_value(json!("SUCCESSFUL")).unwrap();
        assert_eq!(t, T::Successful);
    }

    #[test]
    fn amounts_are_exact_major_numbers() {
        let cases = [
            (1999, "EUR", 19.99),
            (5, "EUR", 0.05),
            (1010, "EUR", 10.1),
            (1000, "CLP", 1000.0),
            (1000, "JPY", 1000.0),
            // SumUp takes no three-decimal currency; the conversion is exact all the same.
            (1234, "KWD", 1.234),
            (1, "KWD", 0.001),
            (12_345_678_901, "EUR", 123_456_789.01),
        ];
        for (minor, currency, major) in cases {
            let m = money(minor, currency);
            assert_eq!(to_sumup_amount(&m).unwrap(), major, "{minor} {currency}");
            assert_eq!(
                mm(&from_sumup_amount(major, currency).unwrap()),
                (minor, currency.to_string())
            );
        }
        // The JSON number SumUp sees is the plain decimal.
        assert_eq!(
            serde_json::to_string(&CreateRefund { amount: 10.1 }).unwrap(),
            r#"{"amount":10.1}"#
        );
        assert!(to_sumup_amount(&money(1, "XXX")).is_err());
        assert!(matches!(
            from_sumup_amount(1.0, "XXX"),
            Err(ConnectorError::Internal(_))
        ));
    }

    #[test]
    fn create_checkout_body() {
        let cfg = SumupConfig::parse(
            r#"{"apiKey":"k","merchantCode":"MH4H92C7","returnUrl":"https://beep.example/api/v1/webhooks/sumup/s1"}"#,
        )
        .unwrap();
        let req = PaymentRequest {
            id: "pay_123".into(),
            amount: money(1010, "EUR"),
            reference: "order-9".into(),
            payment_method: "sumup_test_paid".into(),
            description: Some("Scan & Go".into()),
            return_url: Some("https://shop.example/back".into()),
        };
        let body = serde_json::to_value(CreateCheckout::from_request(&cfg, &req).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "checkout_reference": "pay_123",
                "amount": 10.1,
                "currency": "EUR",
                "merchant_code": "MH4H92C7",
                "description": "order-9 Scan & Go",
                "return_url": "https://beep.example/api/v1/webhooks/sumup/s1",
                "redirect_url": "https://shop.example/back",
            })
        );
        let req = PaymentRequest {
            description: None,
            return_url: None,
            amount: money(1000, "CLP"),
            ..req
        };
        let body = serde_json::to_value(CreateCheckout::from_request(&self::cfg(), &req).unwrap())
            .unwrap();
        assert_eq!(body["amount"], json!(1000.0));
        assert_eq!(body["description"], "order-9");
        assert!(body.get("return_url").is_none() && body.get("redirect_url").is_none());
        let process = ProcessCheckout {
            payment_type: "card",
            token: "tok",
        };
        assert_eq!(
            serde_json::to_value(&process).unwrap(),
            json!({"payment_type": "card", "token": "tok"})
        );
    }

    #[test]
    fn checkouts_map() {
        let c = checkout(json!({
            "checkout_reference": "pay_1", "amount": 10.1, "currency": "EUR",
            "merchant_code": "MH4H92C7", "id": "88fc", "status": "PAID",
            "date": "2020-02-29T10:56:56+00:00", "transaction_id": "410f",
            "transactions": [{"id": "410f", "transaction_code": "TEENSK4W2K", "amount": 10.1,
                "currency": "EUR", "status": "SUCCESSFUL", "payment_type": "ECOM"}]
        }));
        assert!(!c.unprocessed());
        assert_eq!(c.paid_transaction(), Some("410f"));
        let p = payment_from(&c, None).unwrap();
        assert_eq!(p.provider_reference, "88fc");
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert_eq!(mm(&p.amount), mm(&money(1010, "EUR")));
        assert_eq!(p.captured.as_ref().map(mm), Some(mm(&money(1010, "EUR"))));
        assert!(p.failure_code.is_none() && p.action_url.is_none());

        let c = checkout(json!({"id": "a", "amount": 5, "currency": "EUR", "status": "PENDING"}));
        assert!(c.unprocessed());
        assert_eq!(c.paid_transaction(), None);
        let p = payment_from(&c, Some("https://3ds.example/x".into())).unwrap();
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        assert_eq!(p.action_url.as_deref(), Some("https://3ds.example/x"));
        assert!(p.captured.is_none());

        let c = checkout(
            json!({"id": "b", "amount": 5, "currency": "EUR", "status": "FAILED",
            "transactions": [{"id": "t", "status": "FAILED"}]}),
        );
        let p = payment_from(&c, None).unwrap();
        assert_eq!(p.status, PaymentStatus::Failed);
        assert_eq!(p.failure_code.as_deref(), Some("failed"));
        let c = checkout(json!({"id": "b", "amount": 5, "currency": "EUR", "status": "EXPIRED"}));
        assert_eq!(
            payment_from(&c, None).unwrap().failure_code.as_deref(),
            Some("expired")
        );
        let c = checkout(
            json!({"id": "b", "amount": 5, "currency": "EUR", "status": "FAILED",
            "transactions": [{"id": "t", "status": "CANCELLED"}]}),
        );
        let p = payment_from(&c, None).unwrap();
        assert_eq!(p.status, PaymentStatus::Canceled);
        assert_eq!(p.failure_code.as_deref(), Some("cancelled"));
        // A 3-D Secure URL only matters while action is required.
        let c = checkout(
            json!({"id": "c", "amount": 5, "currency": "EUR", "status": "PAID",
            "transactions": [{"id": "t", "status": "REFUNDED"}]}),
        );
        assert_eq!(c.paid_transaction(), Some("t"));
        assert_eq!(refund_reference("t", "rf_1"), "t:rf_1");
    }

    #[test]
    fn errors_carry_sumups_words() {
        let r = resp(
            401,
            r#"{"detail":"Unauthorized.","status":401,"title":"Unauthorized","type":"https://developer.sumup.com/problem/unauthorized"}"#,
        );
        match check(r) {
            Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Unauthorized."),
            other => panic!("{other:?}"),
        }
        let r = resp(
            400,
            r#"{"message":"Validation error","error_code":"MISSING","param":"merchant_code"}"#,
        );
        match check(r) {
            Err(ConnectorError::Upstream(e)) => {
                assert_eq!(e.status, 400);
                assert_eq!(e.message, "Validation error (MISSING: merchant_code)");
            }
            other => panic!("{other:?}"),
        }
        let r = resp(
            422,
            r#"{"type":"https://developer.sumup.com/problem/unprocessable-entity","title":"Unprocessable Entity","status":422,"detail":"Refund failed.","errors":[{"code":"INVALID_AMOUNT","detail":"Amount exceeds the refundable amount"}]}"#,
        );
        match check(r) {
            Err(ConnectorError::Upstream(e)) => {
                assert_eq!(
                    e.message,
                    "Refund failed. Amount exceeds the refundable amount"
                )
            }
            other => panic!("{other:?}"),
        }
        let dup = resp(
            409,
            r#"{"error_code":"DUPLICATED_CHECKOUT","message":"Checkout with this checkout reference and pay to email already exists"}"#,
        );
        assert!(is_duplicate(&dup));
        assert!(!is_duplicate(&resp(409, r#"{"title":"Conflict"}"#)));
        let r = resp(
            404,
            r#"{"error_code":"NOT_FOUND","message":"Resource not found"}"#,
        );
        assert!(matches!(check(r), Err(ConnectorError::NotFound(_))));
        assert!(matches!(
            check(resp(503, "<html>")),
            Err(ConnectorError::Upstream(ref e)) if e.status == 503
        ));
    }

    #[test]
    fn webhooks_carry_the_checkout_id() {
        assert_eq!(
            webhook_checkout_id(br#"{"event_type":"CHECKOUT_STATUS_CHANGED","id":"88fc-1"}"#)
                .unwrap(),
            "88fc-1"
        );
        for bad in [
            &b""[..],
            b"id=x",
            br#"{"event_type":"X","id":""}"#,
            br#"{"event_type":"X","id":"a/b"}"#,
            br#"{"id":"abc"}"#,
        ] {
            assert!(
                matches!(
                    webhook_checkout_id(bad),
                    Err(ConnectorError::Unauthorized(_))
                ),
                "{bad:?}"
            );
        }
        let c = checkout(
            json!({"id": "88fc", "amount": 5, "currency": "EUR", "status": "PAID",
            "transactions": [{"id": "t", "status": "SUCCESSFUL"}]}),
        );
        let e = webhook_event_from(&c).unwrap();
        assert_eq!(e.id, "88fc:PAID");
        assert_eq!(e.event_type, "checkout.paid");
        assert_eq!(e.payment.unwrap().status, PaymentStatus::Succeeded);
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}

//! Test Mode simulator of the Unzer payment API: the subset BEEP! Connect uses. No
//! published OpenAPI description exists (see `vendor-specs/README.md`); this follows
//! Unzer's public API reference (docs.unzer.com). Where the docs are silent (test
//! outcomes, most error codes and texts) it chooses and says so.
//!
//! Unzer routes (relative to the vendor origin; mounted under `/unzer`):
//!
//! | route | notes |
//! | --- | --- |
//! | `GET /v1/keypair` | the key pair and its payment types: a cheap authenticated read |
//! | `POST /v1/types/card`, `POST /v1/types/paypal` | create a payment type (`s-crd-…`, `s-ppl-…`); public or private key |
//! | `POST /v1/payments/charges` | charge a payment type: `amount` (decimal, major units), `currency`, `orderId`, `returnUrl`, `resources.typeId` |
//! | `GET /v1/payments/{paymentId or orderId}` | the payment: `state`, `amount{total,charged,canceled,remaining}`, `transactions` |
//! | `GET /v1/payments/{id}/charges/{chargeId}` | a charge (with its `redirectUrl` while pending) |
//! | `POST /v1/payments/{id}/charges/{chargeId}/cancels` | refund (partial or full, never past what is charged and not yet canceled) |
//! | `GET /v1/payments/{id}/charges/{chargeId}/cancels/{cancelId}` | a cancel |
//!
//! Every `/v1` route takes HTTP Basic with a private key (`s-priv-…`) as the user name and
//! an empty password. Errors are
//! `{"id": "s-err-…", "isSuccess": false, "isPending": false, "isError": true, "url", "timestamp",
//! "errors": [{"code": "API.…", "merchantMessage", "customerMessage"}]}` with 401 (key), 404
//! (unknown resource) or 400 (anything the request got wrong); the codes are the
//! simulator's choice in Unzer's `API.xxx.xxx.xxx` shape. Transaction amounts are answered as
//! strings with four decimals (`"12.3400"`), as Unzer does.
//!
//! A declined charge is still a transaction of a payment: it is answered `200` with
//! `isError: true`, its `errors` and `resources.paymentId`, and the payment is `canceled`.
//! `orderId` must be unique: a second charge with a used `orderId` is a 400 (Unzer's docs
//! ask for a unique orderId; whether the real API enforces it is not documented).
//!
//! # Test outcomes (the payment type id BEEP! passes as `paymentMethod`)
//!
//! | `resources.typeId` | outcome |
//! | --- | --- |
//! | `s-crd-success`, any other `s-crd-…` (e.g. created with `POST /v1/types/card`) | charge `success`, payment `completed` |
//! | `s-crd-declined` | charge `error` (`COR.100.100.101`), payment `canceled` |
//! | `s-crd-3ds`, any `s-ppl-…` | charge `pending` with `redirectUrl` (3-D Secure / PayPal), payment `pending` |
//! | `s-crd-pending` | charge `pending` without a redirect (e.g. in payment review), payment `pending` |
//! | anything else | 400 `API.320.200.138` (unknown payment type) |
//!
//! The `redirectUrl` is `GET /_sim/3ds/{paymentId}?result=success|error`, standing in for
//! the issuer's page: it completes the payment and redirects to the `returnUrl`.
//!
//! Test hooks (not Unzer; no auth) under `/_sim/`: `GET payments`, `GET cancels`,
//! `GET events?paymentId=` (the webhooks Unzer would send, each with the JSON `body` to
//! deliver: `{"event", "publicKey", "retrieveUrl", "paymentId"}`),
//! `POST fail {"status","times","after"?}` (answer the next `/v1` requests with that
//! status; `after`: execute first, then fail), `POST payments/{id}/complete
//! {"result": "success"|"error"}` (the shopper finished 3-D Secure), `GET 3ds/{id}`.

mod authorize;

use crate::kit::fault::{Fault, FaultSlot};
use crate::kit::time::now_secs as now;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine as _;
use beep_sdk::money;
use rand::Rng as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The private key the simulator accepts (see [`sandbox_credentials`]).
pub const SANDBOX_PRIVATE_KEY: &str = "s-priv-2a10BeepSandboxUnzer0000";
/// Its public key (creates payment types; sent in webhooks).
pub const SANDBOX_PUBLIC_KEY: &str = "s-pub-2a10BeepSandboxUnzer0000";

/// The config object a merchant passes to `configurePSP` that works against the simulator.
/// Outcomes follow the payment type id (module docs): `s-crd-success`, `s-crd-declined`,
/// `s-crd-3ds`, `s-crd-pending`.
pub fn sandbox_credentials() -> Value {
    json!({ "privateKey": SANDBOX_PRIVATE_KEY })
}

const SUCCESS_CODE: &str = "COR.000.100.112";
const DECLINED_CODE: &str = "COR.100.100.101";

/// The simulated Unzer merchant: all state in memory behind one mutex (never held across
/// an `.await`).
pub struct UnzerSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    payments: Vec<Pay>,
    /// Payment id and orderId → index.
    index: HashMap<String, usize>,
    events: Vec<Value>,
    fail: FaultSlot,
    seq: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PayState {
    Pending,
    Completed,
    Canceled,
}

impl PayState {
    fn json(self) -> Value {
        let (id, name) = match self {
            PayState::Pending => (0, "pending"),
            PayState::Completed => (1, "completed"),
            PayState::Canceled => (2, "canceled"),
        };
        json!({ "id": id, "name": name })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tx {
    Success,
    Pending,
    Error,
}

impl Tx {
    fn as_str(self) -> &'static str {
        match self {
            Tx::Success => "success",
            Tx::Pending => "pending",
            Tx::Error => "error",
        }
    }
}

struct Pay {
    id: String,
    order_id: String,
    currency: String,
    total: i64,
    type_id: String,
    return_url: String,
    payment_reference: Option<String>,
    state: PayState,
    /// The hold of `POST /v1/payments/authorize` (manual capture), if it began so.
    authorization: Option<Charge>,
    /// Cancels of the authorization (reversals: released, never charged).
    reversals: Vec<Cancel>,
    charges: Vec<Charge>,
    cancels: Vec<Cancel>,
    date: String,
}

struct Charge {
    id: String,
    amount: i64,
    status: Tx,
    redirect: bool,
    error: Option<(&'static str, String, &'static str)>,
    date: String,
}

struct Cancel {
    id: String,
    charge_id: String,
    amount: i64,
    payment_reference: Option<String>,
    reason_code: Option<String>,
    date: String,
}

impl Pay {
    fn charged(&self) -> i64 {
        self.charges
            .iter()
            .filter(|c| c.status == Tx::Success)
            .map(|c| c.amount)
            .sum()
    }
    fn canceled(&self) -> i64 {
        self.cancels.iter().map(|c| c.amount).sum()
    }
    fn canceled_of(&self, charge_id: &str) -> i64 {
        self.cancels
            .iter()
            .filter(|c| c.charge_id == charge_id)
            .map(|c| c.amount)
            .sum()
    }
}

/// `2024-03-20 09:13:37` (Unzer's transaction date format) from Unix seconds.
fn date(ts: i64) -> String {
    crate::kit::time::utc(ts, crate::kit::time::SPACED)
}

fn random(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
        .collect()
}

/// Minor units as Unzer writes amounts: a major-unit string with four decimals.
fn amount4(minor: i64, currency: &str) -> String {
    let text = money::to_major_string(&money::money(minor, currency))
        .unwrap_or_else(|_| minor.to_string());
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    let sep = if decimals == 0 { "." } else { "" };
    format!("{text}{sep}{}", "0".repeat(4usize.saturating_sub(decimals)))
}

/// An error as Unzer answers it.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    merchant: String,
    customer: &'static str,
}

const CUSTOMER_GENERIC: &str = "An error occurred. Please contact us for more information.";

impl ApiError {
    fn new(status: StatusCode, code: &'static str, merchant: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            merchant: merchant.into(),
            customer: CUSTOMER_GENERIC,
        }
    }
    fn bad(code: &'static str, merchant: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, merchant)
    }
    fn response(&self, url: &str) -> Response {
        json_response(
            self.status,
            &json!({
                "id": format!("s-err-{}", random(20).to_ascii_lowercase()),
                "isSuccess": false,
                "isPending": false,
                "isError": true,
                "url": url,
                "timestamp": date(now()),
                "errors": [{
                    "code": self.code,
                    "merchantMessage": self.merchant,
                    "customerMessage": self.customer,
                }],
            }),
        )
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

/// `amount` of a request (a JSON number or a decimal string) in minor units, exactly.
fn parse_amount(value: Option<&Value>, currency: &str) -> Result<i64, ApiError> {
    let text = match value {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return Err(ApiError::bad("API.330.100.007", "The amount is missing."));
        }
        Some(other) => {
            return Err(ApiError::bad(
                "API.330.100.007",
                format!("The amount {other} is not a number."),
            ));
        }
    };
    let minor = money::from_major_str(&text, currency).map_err(|_| {
        ApiError::bad(
            "API.330.100.007",
            format!("The amount {text} is not a valid {currency} amount."),
        )
    })?;
    if minor <= 0 {
        return Err(ApiError::bad(
            "API.330.100.007",
            format!("The amount {text} must be greater than zero."),
        ));
    }
    Ok(minor)
}

fn str_field<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl SimState {
    fn pay(&self, id: &str) -> Result<&Pay, ApiError> {
        self.index
            .get(id)
            .map(|i| &self.payments[*i])
            .ok_or_else(|| payment_not_found(id))
    }

    fn pay_mut(&mut self, id: &str) -> Result<&mut Pay, ApiError> {
        match self.index.get(id) {
            Some(i) => Ok(&mut self.payments[*i]),
            None => Err(payment_not_found(id)),
        }
    }

    fn payment_json(&self, p: &Pay, base: &str) -> Value {
        let charged = p.charged();
        let canceled = p.canceled() + p.reversed();
        let remaining = if p.state == PayState::Pending {
            p.total - charged - p.reversed()
        } else {
            0
        };
        let mut txs: Vec<Value> = Vec::new();
        if let Some(a) = &p.authorization {
            txs.push(json!({
                "date": a.date,
                "type": "authorize",
                "status": a.status.as_str(),
                "url": format!("{base}/v1/payments/{}/authorize/{}", p.id, a.id),
                "amount": amount4(a.amount, &p.currency),
            }));
        }
        for r in &p.reversals {
            txs.push(json!({
                "date": r.date,
                "type": "cancel-authorize",
                "status": "success",
                "url": format!("{base}/v1/payments/{}/authorize/{}/cancels/{}", p.id, r.charge_id, r.id),
                "amount": amount4(r.amount, &p.currency),
            }));
        }
        for c in &p.charges {
            txs.push(json!({
                "date": c.date,
                "type": "charge",
                "status": c.status.as_str(),
                "url": format!("{base}/v1/payments/{}/charges/{}", p.id, c.id),
                "amount": amount4(c.amount, &p.currency),
            }));
        }
        for c in &p.cancels {
            txs.push(json!({
                "date": c.date,
                "type": "cancel-charge",
                "status": "success",
                "url": format!("{base}/v1/payments/{}/charges/{}/cancels/{}", p.id, c.charge_id, c.id),
                "amount": amount4(c.amount, &p.currency),
            }));
        }
        json!({
            "id": p.id,
            "state": p.state.json(),
            "amount": {
                "total": amount4(p.total, &p.currency),
                "charged": amount4(charged, &p.currency),
                "canceled": amount4(canceled, &p.currency),
                "remaining": amount4(remaining, &p.currency),
            },
            "currency": p.currency,
            "orderId": p.order_id,
            "invoiceId": "",
            "resources": {
                "customerId": "", "paymentId": p.id, "basketId": "", "metadataId": "",
                "payPageId": "", "traceId": "", "typeId": p.type_id,
            },
            "transactions": txs,
        })
    }

    fn charge_json(&self, p: &Pay, c: &Charge, base: &str) -> Value {
        let (code, merchant, customer) = match &c.error {
            Some((code, m, cust)) => (*code, m.clone(), *cust),
            None => (
                SUCCESS_CODE,
                "Request successfully processed in 'Merchant in Connector-Test-Mode'".into(),
                "Your payments have been successfully processed in sandbox mode.",
            ),
        };
        let mut v = json!({
            "id": c.id,
            "isSuccess": c.status == Tx::Success,
            "isPending": c.status == Tx::Pending,
            "isError": c.status == Tx::Error,
            "url": format!("{base}/v1/payments/{}/charges/{}", p.id, c.id),
            "redirectUrl": if c.redirect && c.status == Tx::Pending {
                format!("{base}/_sim/3ds/{}", p.id)
            } else {
                String::new()
            },
            "message": {"code": code, "merchant": merchant, "customer": customer},
            "amount": amount4(c.amount, &p.currency),
            "currency": p.currency,
            "returnUrl": p.return_url,
            "date": c.date,
            "orderId": p.order_id,
            "paymentReference": p.payment_reference.clone().unwrap_or_default(),
            "resources": {
                "customerId": "", "paymentId": p.id, "basketId": "", "metadataId": "",
                "payPageId": "", "traceId": format!("{:032x}", p.id.len() as u64 * 7919), "typeId": p.type_id,
            },
            "processing": {"uniqueId": format!("31HA07BC81{}", c.id.len()), "shortId": "4821.0301.1234"},
        });
        if let Some((code, m, cust)) = &c.error {
            v["errors"] = json!([{"code": code, "merchantMessage": m, "customerMessage": cust}]);
        }
        v
    }

    fn cancel_json(&self, p: &Pay, c: &Cancel, base: &str) -> Value {
        json!({
            "id": c.id,
            "isSuccess": true,
            "isPending": false,
            "isError": false,
            "url": format!("{base}/v1/payments/{}/charges/{}/cancels/{}", p.id, c.charge_id, c.id),
            "message": {"code": SUCCESS_CODE,
                "merchant": "Request successfully processed in 'Merchant in Connector-Test-Mode'",
                "customer": "Your payments have been successfully processed in sandbox mode."},
            "amount": amount4(c.amount, &p.currency),
            "currency": p.currency,
            "date": c.date,
            "paymentReference": c.payment_reference.clone().unwrap_or_default(),
            "reasonCode": c.reason_code,
            "resources": {"paymentId": p.id, "chargeId": c.charge_id, "typeId": p.type_id},
        })
    }

    fn record_event(&mut self, payment_id: &str, event: &str, base: &str) {
        let body = json!({
            "event": event,
            "publicKey": SANDBOX_PUBLIC_KEY,
            "retrieveUrl": format!("{base}/v1/payments/{payment_id}"),
            "paymentId": payment_id,
        });
        self.events.push(json!({
            "paymentId": payment_id,
            "event": event,
            "retrieveUrl": body["retrieveUrl"],
            "body": body.to_string(),
        }));
    }

    /// `POST /v1/payments/charges` (a sale) or `POST /v1/payments/authorize` (a hold):
    /// the same request, and the outcome the payment type names.
    fn create_charge(
        &mut self,
        body: &Map<String, Value>,
        base: &str,
        authorize: bool,
    ) -> Result<Value, ApiError> {
        let currency = str_field(body, "currency")
            .ok_or_else(|| ApiError::bad("API.330.100.009", "The currency is missing."))?
            .to_ascii_uppercase();
        if money::exponent(&currency).is_none() {
            return Err(ApiError::bad(
                "API.330.100.009",
                format!("The currency {currency} is not supported."),
            ));
        }
        let amount = parse_amount(body.get("amount"), &currency)?;
        let return_url = str_field(body, "returnUrl")
            .ok_or_else(|| ApiError::bad("API.330.100.032", "The returnUrl is missing."))?;
        let type_id = body
            .get("resources")
            .and_then(|r| r.get("typeId"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::bad(
                    "API.320.200.138",
                    "The payment type (resources.typeId) is missing.",
                )
            })?
            .to_string();
        let (status, redirect, error) = match type_id.as_str() {
            "s-crd-declined" => (
                Tx::Error,
                false,
                Some((
                    DECLINED_CODE,
                    "Transaction declined by the issuer (sandbox card s-crd-declined).".to_string(),
                    "The payment was declined. Please use another card.",
                )),
            ),
            "s-crd-3ds" => (Tx::Pending, true, None),
            "s-crd-pending" => (Tx::Pending, false, None),
            t if t.starts_with("s-ppl-") => (Tx::Pending, true, None),
            t if t.starts_with("s-crd-") && t.len() > 6 => (Tx::Success, false, None),
            t => {
                return Err(ApiError::bad(
                    "API.320.200.138",
                    format!("The payment type {t} does not exist or cannot be charged."),
                ));
            }
        };
        let order_id = str_field(body, "orderId").map(str::to_string);
        if let Some(o) = &order_id
            && let Some(i) = self.index.get(o)
        {
            return Err(ApiError::bad(
                "API.320.200.145",
                format!(
                    "The orderId {o} is already used by payment {}.",
                    self.payments[*i].id
                ),
            ));
        }
        self.seq += 1;
        let id = format!("s-pay-{}", 100_000 + self.seq);
        let order_id = order_id.unwrap_or_else(|| format!("order-{}", self.seq));
        let ts = date(now());
        let first = Charge {
            id: if authorize { "s-aut-1" } else { "s-chg-1" }.into(),
            amount,
            status,
            redirect,
            error,
            date: ts.clone(),
        };
        let (authorization, charges) = if authorize {
            (Some(first), Vec::new())
        } else {
            (None, vec![first])
        };
        let pay = Pay {
            id: id.clone(),
            order_id: order_id.clone(),
            currency,
            total: amount,
            type_id,
            return_url: return_url.to_string(),
            payment_reference: str_field(body, "paymentReference").map(str::to_string),
            state: match status {
                // An authorised payment is `pending` until it is charged.
                Tx::Success if authorize => PayState::Pending,
                Tx::Success => PayState::Completed,
                Tx::Pending => PayState::Pending,
                Tx::Error => PayState::Canceled,
            },
            authorization,
            reversals: Vec::new(),
            charges,
            cancels: Vec::new(),
            date: ts,
        };
        let i = self.payments.len();
        self.payments.push(pay);
        self.index.insert(id.clone(), i);
        self.index.insert(order_id, i);
        let kind = if authorize { "authorize" } else { "charge" };
        let event = match status {
            Tx::Success => format!("{kind}.succeeded"),
            Tx::Pending => format!("{kind}.pending"),
            Tx::Error => format!("{kind}.failed"),
        };
        self.record_event(&id, &event, base);
        let p = &self.payments[i];
        let first = p.authorization.as_ref().unwrap_or(&p.charges[0]);
        Ok(self.charge_json(p, first, base))
    }

    fn create_cancel(
        &mut self,
        payment_id: &str,
        charge_id: &str,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Value, ApiError> {
        let p = self.pay(payment_id)?;
        let c = p
            .charges
            .iter()
            .find(|c| c.id == charge_id)
            .ok_or_else(|| charge_not_found(payment_id, charge_id))?;
        if c.status != Tx::Success {
            return Err(ApiError::bad(
                "API.340.100.018",
                format!(
                    "The charge {charge_id} is {} and cannot be canceled.",
                    c.status.as_str()
                ),
            ));
        }
        let left = c.amount - p.canceled_of(charge_id);
        let amount = match body.get("amount") {
            None | Some(Value::Null) => left,
            v => parse_amount(v, &p.currency)?,
        };
        if left <= 0 {
            return Err(ApiError::bad(
                "API.340.100.014",
                format!("The charge {charge_id} is already canceled in full."),
            ));
        }
        if amount > left {
            return Err(ApiError::bad(
                "API.340.100.014",
                format!(
                    "The cancel amount {} exceeds the charged amount: {} {} remaining.",
                    amount4(amount, &p.currency),
                    amount4(left, &p.currency),
                    p.currency
                ),
            ));
        }
        let pid = p.id.clone();
        let p = self.pay_mut(&pid)?;
        let id = format!("s-cnl-{}", p.cancels.len() + 1);
        p.cancels.push(Cancel {
            id: id.clone(),
            charge_id: charge_id.to_string(),
            amount,
            payment_reference: str_field(body, "paymentReference").map(str::to_string),
            reason_code: str_field(body, "reasonCode").map(str::to_string),
            date: date(now()),
        });
        if p.canceled() >= p.charged() {
            p.state = PayState::Canceled;
        }
        self.record_event(&pid, "charge.canceled", base);
        let p = self.pay(&pid)?;
        let c = p.cancels.last().expect("just pushed");
        Ok(self.cancel_json(p, c, base))
    }

    /// The shopper finished 3-D Secure (or the review ended): the pending charge succeeds
    /// or fails and the webhook is recorded.
    fn complete(&mut self, id: &str, success: bool, base: &str) -> Result<(), String> {
        let p = self.pay_mut(id).map_err(|e| e.merchant)?;
        let held = p.authorization.is_some();
        let Some(c) = p
            .charges
            .iter_mut()
            .chain(p.authorization.as_mut())
            .find(|c| c.status == Tx::Pending)
        else {
            return Err(format!("payment {id} has no pending charge"));
        };
        if success {
            c.status = Tx::Success;
            // An authorisation stays `pending` until charged.
            p.state = if held {
                PayState::Pending
            } else {
                PayState::Completed
            };
        } else {
            c.status = Tx::Error;
            c.error = Some((
                "COR.300.100.100",
                "3-D Secure authentication failed.".to_string(),
                "The card authentication failed. Please use another card.",
            ));
            p.state = PayState::Canceled;
        }
        let pid = p.id.clone();
        let event = if success {
            "payment.completed"
        } else {
            "payment.canceled"
        };
        self.record_event(&pid, event, base);
        Ok(())
    }
}

fn payment_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "API.310.100.003",
        format!("Payment {id} does not exist."),
    )
}

fn charge_not_found(payment_id: &str, charge_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "API.310.100.004",
        format!("Charge {charge_id} of payment {payment_id} does not exist."),
    )
}

impl UnzerSim {
    pub fn new() -> Arc<UnzerSim> {
        Arc::new(UnzerSim {
            state: Mutex::new(SimState::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every payment, in creation order, as Unzer's payment objects plus what the charge
    /// request carried (`returnUrl`, `paymentReference`).
    pub fn payments(&self, base: &str) -> Vec<Value> {
        let st = self.lock();
        st.payments
            .iter()
            .map(|p| {
                let mut v = st.payment_json(p, base);
                v["returnUrl"] = json!(p.return_url);
                v["paymentReference"] = json!(p.payment_reference);
                v["date"] = json!(p.date);
                v
            })
            .collect()
    }

    /// Every cancel (refund), in creation order.
    pub fn cancels(&self, base: &str) -> Vec<Value> {
        let st = self.lock();
        st.payments
            .iter()
            .flat_map(|p| p.cancels.iter().map(move |c| (p, c)))
            .map(|(p, c)| st.cancel_json(p, c, base))
            .collect()
    }

    /// Every webhook Unzer would send, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.clone()
    }

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }
}

pub fn router(sim: Arc<UnzerSim>) -> Router {
    Router::new()
        .route("/v1/{*path}", any(api))
        .route("/_sim/payments", get(sim_payments))
        .route("/_sim/cancels", get(sim_cancels))
        .route("/_sim/events", get(sim_events))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/payments/{id}/complete", post(sim_complete))
        .route("/_sim/3ds/{id}", get(sim_3ds))
        .with_state(sim)
}

/// The mount point's absolute URL: `http://{Host}{prefix}` where the prefix is what
/// `Router::nest` stripped.
fn base_url(headers: &HeaderMap, uri: &Uri, original: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| original.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".into());
    let prefix = original
        .path()
        .strip_suffix(uri.path())
        .unwrap_or("")
        .trim_end_matches('/');
    format!("http://{host}{prefix}")
}

/// Which key authenticated: `Basic base64("{key}:")`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Private,
    Public,
}

fn authenticated(headers: &HeaderMap) -> Option<KeyKind> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, value) = auth.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':').unwrap_or((&text, ""));
    if !password.is_empty() {
        return None;
    }
    match user {
        SANDBOX_PRIVATE_KEY => Some(KeyKind::Private),
        SANDBOX_PUBLIC_KEY => Some(KeyKind::Public),
        _ => None,
    }
}

fn injected_failure(plan: Fault, url: &str) -> Response {
    let status =
        StatusCode::from_u16(plan.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    ApiError::new(
        status,
        "API.000.000.999",
        "An internal error occurred. Please try again later.",
    )
    .response(url)
}

/// Every `/v1/…` request: injected failures, authentication, routing, execution.
async fn api(
    State(sim): State<Arc<UnzerSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    let url = format!("{base}{}", uri.path());
    let fail = sim.take_fail();
    if let Some(plan) = fail.clone().filter(|p| !p.after_write) {
        return injected_failure(plan, &url);
    }
    let resp = match handle(&sim, &method, &uri, &headers, &body, &base) {
        Ok((status, v)) => json_response(status, &v),
        Err(e) => e.response(&url),
    };
    match fail {
        Some(plan) => injected_failure(plan, &url),
        None => resp,
    }
}

fn handle(
    sim: &UnzerSim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    base: &str,
) -> Result<(StatusCode, Value), ApiError> {
    let Some(key) = authenticated(headers) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "API.000.000.001",
            "Unauthorized access. Please check your private key.",
        ));
    };
    let segments: Vec<&str> = uri
        .path()
        .trim_start_matches("/v1/")
        .trim_end_matches('/')
        .split('/')
        .collect();
    let params: Map<String, Value> = if *method == Method::POST && !body.is_empty() {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(ApiError::bad(
                    "API.000.000.002",
                    "The request body is not a valid JSON object.",
                ));
            }
        }
    } else {
        Map::new()
    };
    let private_only = || {
        (key == KeyKind::Private).then_some(()).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "API.000.000.001",
                "This resource requires the private key.",
            )
        })
    };
    let mut st = sim.lock();
    match (method.clone(), segments.as_slice()) {
        (Method::GET, ["keypair"]) => Ok((
            StatusCode::OK,
            json!({
                "publicKey": SANDBOX_PUBLIC_KEY,
                "secureLevel": "SAQ-A",
                "alias": "BEEP! Sandbox",
                "merchantName": "BEEP! Sandbox Merchant",
                "availablePaymentTypes": ["card", "paypal"],
            }),
        )),
        (Method::POST, ["types", kind @ ("card" | "paypal")]) => {
            let id = match *kind {
                "card" => {
                    let number = str_field(&params, "number").unwrap_or("");
                    if number.len() < 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(ApiError::bad(
                            "API.710.200.100",
                            "The card number is invalid.",
                        ));
                    }
                    format!("s-crd-{}", random(12).to_ascii_lowercase())
                }
                _ => format!("s-ppl-{}", random(12).to_ascii_lowercase()),
            };
            Ok((StatusCode::OK, json!({ "id": id, "method": kind })))
        }
        (Method::POST, ["payments", "charges"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.create_charge(&params, base, false)?))
        }
        (Method::POST, ["payments", "authorize"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.create_charge(&params, base, true)?))
        }
        (Method::POST, ["payments", id, "charges"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.charge_authorization(id, &params, base)?))
        }
        (Method::POST, ["payments", id, "authorize", "cancels"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.reverse_authorization(id, &params, base)?))
        }
        (Method::GET, ["payments", id]) => {
            private_only()?;
            let p = st.pay(id)?;
            Ok((StatusCode::OK, st.payment_json(p, base)))
        }
        (Method::GET, ["payments", id, "charges", cid]) => {
            private_only()?;
            let p = st.pay(id)?;
            let c = p
                .charges
                .iter()
                .find(|c| c.id == *cid)
                .ok_or_else(|| charge_not_found(id, cid))?;
            Ok((StatusCode::OK, st.charge_json(p, c, base)))
        }
        (Method::POST, ["payments", id, "charges", cid, "cancels"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.create_cancel(id, cid, &params, base)?))
        }
        (Method::GET, ["payments", id, "charges", cid, "cancels", xid]) => {
            private_only()?;
            let p = st.pay(id)?;
            let c = p
                .cancels
                .iter()
                .find(|c| c.charge_id == *cid && c.id == *xid)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "API.310.100.005",
                        format!("Cancel {xid} of charge {cid} does not exist."),
                    )
                })?;
            Ok((StatusCode::OK, st.cancel_json(p, c, base)))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "API.000.000.404",
            format!("Unknown resource: {method} {}", uri.path()),
        )),
    }
}

// ---- test hooks ---------------------------------------------------------------------------

async fn sim_payments(
    State(sim): State<Arc<UnzerSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.payments(&base)).into_response()
}

async fn sim_cancels(
    State(sim): State<Arc<UnzerSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.cancels(&base)).into_response()
}

#[derive(Deserialize)]
struct EventFilter {
    #[serde(rename = "paymentId")]
    payment_id: Option<String>,
}

async fn sim_events(
    State(sim): State<Arc<UnzerSim>>,
    Query(filter): Query<EventFilter>,
) -> Response {
    let events: Vec<Value> = sim
        .events()
        .into_iter()
        .filter(|e| {
            filter
                .payment_id
                .as_ref()
                .is_none_or(|id| e["paymentId"] == *id)
        })
        .collect();
    axum::Json(events).into_response()
}

async fn sim_fail(State(sim): State<Arc<UnzerSim>>, body: axum::body::Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

#[derive(Deserialize, Default)]
struct Completion {
    /// `success` (default) or `error`.
    result: Option<String>,
}

/// A test hook's refusal: its status and message.
type HookError = (StatusCode, String);

fn hook_error((status, message): HookError) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

fn complete(
    sim: &UnzerSim,
    id: &str,
    result: Option<&str>,
    base: &str,
) -> Result<Value, HookError> {
    let success = match result.unwrap_or("success") {
        "success" => true,
        "error" => false,
        other => {
            return Err((StatusCode::BAD_REQUEST, format!("unknown result {other:?}")));
        }
    };
    let mut st = sim.lock();
    if st.pay(id).is_err() {
        return Err((StatusCode::NOT_FOUND, format!("no payment {id}")));
    }
    st.complete(id, success, base)
        .map_err(|m| (StatusCode::CONFLICT, m))?;
    let p = st
        .pay(id)
        .map_err(|e| (StatusCode::NOT_FOUND, e.merchant))?;
    let mut v = st.payment_json(p, base);
    v["returnUrl"] = json!(p.return_url);
    Ok(v)
}

/// The shopper finished 3-D Secure: the pending charge succeeds (or fails with
/// `{"result": "error"}`) and Unzer's webhook is recorded.
async fn sim_complete(
    State(sim): State<Arc<UnzerSim>>,
    Path(id): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let choice: Completion = serde_json::from_slice(&body).unwrap_or_default();
    let base = base_url(&headers, &uri, &original);
    match complete(&sim, &id, choice.result.as_deref(), &base) {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => hook_error(e),
    }
}

/// The `redirectUrl` of a pending charge: stands in for the issuer's 3-D Secure page,
/// completes the payment and sends the shopper to the `returnUrl`.
async fn sim_3ds(
    State(sim): State<Arc<UnzerSim>>,
    Path(id): Path<String>,
    Query(choice): Query<Completion>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    match complete(&sim, &id, choice.result.as_deref(), &base) {
        Ok(v) => match v["returnUrl"]
            .as_str()
            .and_then(|u| HeaderValue::from_str(u).ok())
        {
            Some(location) => {
                (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
            }
            None => axum::Json(v).into_response(),
        },
        Err(e) => hook_error(e),
    }
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

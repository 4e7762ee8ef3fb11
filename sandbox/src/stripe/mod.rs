//! Test Mode simulator of the Stripe API: the subset BEEP! Connect uses, answering the way
//! `api.stripe.com` answers according to `vendor-specs/stripe.spec3.yaml` (API version
//! 2023-08-16). Where the spec is silent (idempotency, test payment methods, error texts,
//! search semantics) it follows Stripe's public documentation; such places say so.
//!
//! Stripe routes (relative to the vendor base URL, e.g. mounted under `/stripe`):
//!
//! | route | notes |
//! | --- | --- |
//! | `GET /v1/balance` | cheap authenticated read |
//! | `POST /v1/payment_intents` | create (and with `confirm=true` confirm) |
//! | `GET /v1/payment_intents/search` | search query language, subset |
//! | `GET /v1/payment_intents/{intent}` | retrieve |
//! | `POST /v1/refunds` | refund a payment intent (or charge) |
//! | `GET /v1/refunds/{refund}` | retrieve |
//!
//! Test hooks (not Stripe; no auth) under `/_sim/`: `GET payment_intents`, `GET refunds`,
//! `GET events`, `POST fail`, `POST delay`, `POST reset`, `GET authenticate/{intent}`.

use crate::kit::fault::{Fault, FaultSlot};
use crate::kit::time::now_secs as now;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::Rng as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The secret key the simulator accepts (see [`sandbox_credentials`]).
pub const SANDBOX_SECRET_KEY: &str =
    "sk_test_51BeepSandbox00000000000000000000000000000000000000000000BeepSim";
/// The webhook signing secret of the sandbox account.
pub const SANDBOX_WEBHOOK_SECRET: &str = "whsec_beepSandbox0000000000000000000000000";
/// The API version the simulator models (the spec's `info.version`).
pub const API_VERSION: &str = "2023-08-16";

/// Stripe keeps idempotency keys for at least 24 hours.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// The config object a merchant passes to `configurePSP` that works against the simulator.
pub fn sandbox_credentials() -> Value {
    json!({ "secretKey": SANDBOX_SECRET_KEY, "webhookSecret": SANDBOX_WEBHOOK_SECRET })
}

/// A `Stripe-Signature` header value for `payload` sent at `timestamp` (Unix seconds):
/// `t=…,v1=…` where v1 is the hex HMAC-SHA256 of `"{t}.{payload}"` keyed with the whole
/// secret (including its `whsec_` prefix), as Stripe's libraries verify it.
pub fn sign_webhook(secret: &str, timestamp: i64, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload.as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// The simulated Stripe account: all state in memory behind one mutex (never held across
/// an `.await`).
pub struct StripeSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    api_keys: Vec<String>,
    intents: Vec<Intent>,
    intent_index: HashMap<String, usize>,
    charges: Vec<Charge>,
    charge_index: HashMap<String, usize>,
    refunds: Vec<RefundObj>,
    refund_index: HashMap<String, usize>,
    events: Vec<Value>,
    /// (API key, Idempotency-Key) → first request and, once done, its answer.
    idempotency: HashMap<(String, String), IdemEntry>,
    fail: FaultSlot,
    delay: Option<DelayPlan>,
}

struct IdemEntry {
    endpoint: String,
    fingerprint: String,
    created: Instant,
    /// `None` while the first request is still executing.
    answer: Option<(StatusCode, Value, String)>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
struct DelayPlan {
    ms: u64,
    #[serde(default = "one")]
    times: u32,
    /// `response` (default): process, store, then hold the answer back (the vendor
    /// charged but the caller timed out). `processing`: hold the request while its
    /// idempotency key is in flight (a concurrent retry sees 409).
    #[serde(default)]
    stage: DelayStage,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum DelayStage {
    #[default]
    Response,
    Processing,
}

fn one() -> u32 {
    1
}

#[derive(Clone)]
struct Intent {
    seq: u64,
    id: String,
    client_secret: String,
    amount: i64,
    currency: String,
    status: &'static str,
    capture_method: String,
    created: i64,
    customer: Option<String>,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
    payment_method: Option<String>,
    payment_method_types: Vec<String>,
    automatic_payment_methods: Option<Value>,
    amount_received: i64,
    amount_capturable: i64,
    latest_charge: Option<String>,
    last_payment_error: Option<Value>,
    next_action: Option<Value>,
    receipt_email: Option<String>,
    statement_descriptor: Option<String>,
    statement_descriptor_suffix: Option<String>,
    // Not part of the object: what the simulator needs to finish a 3-D Secure action.
    return_url: Option<String>,
    card: Option<&'static TestCard>,
    pm_clone: Option<String>,
}

#[derive(Clone)]
struct Charge {
    id: String,
    payment_intent: String,
    amount: i64,
    amount_captured: i64,
    amount_refunded: i64,
    currency: String,
    created: i64,
    status: &'static str,
    failure_code: Option<String>,
    failure_message: Option<String>,
    payment_method: String,
    card: &'static TestCard,
    metadata: BTreeMap<String, String>,
    description: Option<String>,
}

#[derive(Clone)]
struct RefundObj {
    id: String,
    amount: i64,
    charge: String,
    payment_intent: String,
    currency: String,
    created: i64,
    metadata: BTreeMap<String, String>,
    reason: Option<String>,
    status: &'static str,
}

// ---- test payment methods ---------------------------------------------------------------

#[derive(Debug)]
enum CardOutcome {
    Succeed,
    /// `code`, `decline_code` (for issuer declines), message, param.
    Decline(
        &'static str,
        Option<&'static str>,
        &'static str,
        Option<&'static str>,
    ),
    /// 3-D Secure required (on-session: `requires_action`; off-session: declined).
    Authenticate,
}

#[derive(Debug)]
struct TestCard {
    pm: &'static str,
    brand: &'static str,
    last4: &'static str,
    funding: &'static str,
    outcome: CardOutcome,
}

const DECLINED: &str = "Your card was declined.";

/// Stripe's test PaymentMethods (docs.stripe.com/testing). Real Stripe clones the test PM
/// into a fresh `pm_…` for each use; so does the simulator.
static TEST_CARDS: &[TestCard] = &[
    card(
        "pm_card_visa",
        "visa",
        "4242",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_visa_debit",
        "visa",
        "5556",
        "debit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_mastercard",
        "mastercard",
        "4444",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_mastercard_debit",
        "mastercard",
        "8210",
        "debit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_mastercard_prepaid",
        "mastercard",
        "5100",
        "prepaid",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_amex",
        "amex",
        "8431",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_discover",
        "discover",
        "1117",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_diners",
        "diners",
        "0004",
        "credit",
        CardOutcome::Succeed,
    ),
    card("pm_card_jcb", "jcb", "0000", "credit", CardOutcome::Succeed),
    card(
        "pm_card_unionpay",
        "unionpay",
        "0005",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_threeDSecureOptional",
        "visa",
        "3055",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_threeDSecure2Required",
        "visa",
        "3220",
        "credit",
        CardOutcome::Authenticate,
    ),
    card(
        "pm_card_threeDSecureRequired",
        "visa",
        "3063",
        "credit",
        CardOutcome::Authenticate,
    ),
    card(
        "pm_card_authenticationRequired",
        "visa",
        "3184",
        "credit",
        CardOutcome::Authenticate,
    ),
    card(
        "pm_card_chargeDeclined",
        "visa",
        "0002",
        "credit",
        CardOutcome::Decline("card_declined", Some("generic_decline"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedInsufficientFunds",
        "visa",
        "9995",
        "credit",
        CardOutcome::Decline(
            "card_declined",
            Some("insufficient_funds"),
            "Your card has insufficient funds.",
            None,
        ),
    ),
    card(
        "pm_card_chargeDeclinedLostCard",
        "visa",
        "9987",
        "credit",
        CardOutcome::Decline("card_declined", Some("lost_card"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedStolenCard",
        "visa",
        "9979",
        "credit",
        CardOutcome::Decline("card_declined", Some("stolen_card"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedFraudulent",
        "visa",
        "0019",
        "credit",
        CardOutcome::Decline("card_declined", Some("fraudulent"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedExpiredCard",
        "visa",
        "0069",
        "credit",
        CardOutcome::Decline(
            "expired_card",
            None,
            "Your card has expired.",
            Some("exp_month"),
        ),
    ),
    card(
        "pm_card_chargeDeclinedIncorrectCvc",
        "visa",
        "0127",
        "credit",
        CardOutcome::Decline(
            "incorrect_cvc",
            None,
            "Your card's security code is incorrect.",
            Some("cvc"),
        ),
    ),
    card(
        "pm_card_chargeDeclinedProcessingError",
        "visa",
        "0119",
        "credit",
        CardOutcome::Decline(
            "processing_error",
            None,
            "An error occurred while processing your card. Try again in a little bit.",
            None,
        ),
    ),
];

const fn card(
    pm: &'static str,
    brand: &'static str,
    last4: &'static str,
    funding: &'static str,
    outcome: CardOutcome,
) -> TestCard {
    TestCard {
        pm,
        brand,
        last4,
        funding,
        outcome,
    }
}

fn test_card(pm: &str) -> Option<&'static TestCard> {
    TEST_CARDS.iter().find(|c| c.pm == pm)
}

// ---- currencies ---------------------------------------------------------------------------

/// Currencies Stripe accepts for card payments (lower case, as the API speaks them).
const CURRENCIES: &[&str] = &[
    "usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd",
    "bdt", "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad",
    "cdf", "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp",
    "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl",
    "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr", "kmf",
    "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga", "mkd",
    "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok",
    "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd",
    "rub", "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl",
    "thb", "tjs", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "uyu", "uzs", "vnd",
    "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw",
];

/// Stripe's zero-decimal currencies (docs.stripe.com/currencies#zero-decimal): the amount
/// is taken as is. Note MGA (ISO exponent 2) is zero-decimal at Stripe, and ISK (ISO
/// exponent 0) is two-decimal at Stripe for backwards compatibility.
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];
const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];

fn stripe_exponent(currency: &str) -> u32 {
    if ZERO_DECIMAL.contains(&currency) {
        0
    } else if THREE_DECIMAL.contains(&currency) {
        3
    } else {
        2
    }
}

/// Minimum charge amounts (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts),
/// in the currency's Stripe unit. Stripe applies them in the settlement currency; the
/// simulator, whose account settles in every currency, applies them per presentment
/// currency. Currencies not listed accept 1 unit.
const MINIMUMS: &[(&str, i64)] = &[
    ("usd", 50),
    ("aed", 200),
    ("aud", 50),
    ("bgn", 100),
    ("brl", 50),
    ("cad", 50),
    ("chf", 50),
    ("czk", 1500),
    ("dkk", 250),
    ("eur", 50),
    ("gbp", 30),
    ("hkd", 400),
    ("huf", 17500),
    ("inr", 50),
    ("jpy", 50),
    ("mxn", 1000),
    ("myr", 200),
    ("nok", 300),
    ("nzd", 50),
    ("pln", 200),
    ("ron", 200),
    ("sek", 300),
    ("sgd", 50),
    ("thb", 1000),
];

/// Stripe's documented maximum for a charge: 99,999,999 units (eight digits).
const MAX_AMOUNT: i64 = 99_999_999;

/// `€12.34` / `¥1000` / `12.345 KWD`, as Stripe writes amounts into messages.
fn format_amount(amount: i64, currency: &str) -> String {
    let exp = stripe_exponent(currency);
    let major = if exp == 0 {
        amount.to_string()
    } else {
        let f = 10i64.pow(exp);
        format!("{}.{:0w$}", amount / f, amount % f, w = exp as usize)
    };
    match currency {
        "usd" | "aud" | "cad" | "nzd" | "sgd" | "hkd" | "mxn" => format!("${major}"),
        "eur" => format!("€{major}"),
        "gbp" => format!("£{major}"),
        "jpy" => format!("¥{major}"),
        other => format!("{major} {}", other.to_ascii_uppercase()),
    }
}

// ---- helpers ------------------------------------------------------------------------------

/// `prefix` + random alphanumerics, the shape of Stripe's ids (`pi_3Nx…`).
fn new_id(prefix: &str, len: usize) -> String {
    let mut rng = rand::rng();
    let tail: String = (0..len)
        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
        .collect();
    format!("{prefix}{tail}")
}

/// Masks a key as Stripe does in "Invalid API Key provided": the `sk_test_` style prefix
/// and the last four characters stay, everything between becomes `*`.
fn mask_key(key: &str) -> String {
    let prefix_len = [
        "sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_",
    ]
    .iter()
    .find(|p| key.starts_with(**p))
    .map_or(0, |p| p.len());
    let chars: Vec<char> = key.chars().collect();
    let prefix: String = chars.iter().take(prefix_len).collect();
    let rest = &chars[prefix_len.min(chars.len())..];
    if rest.len() <= 4 {
        return format!("{prefix}{}", "*".repeat(rest.len()));
    }
    let tail: String = rest[rest.len() - 4..].iter().collect();
    format!("{prefix}{}{tail}", "*".repeat(rest.len() - 4))
}

/// The result of executing one API request.
struct Outcome {
    status: StatusCode,
    body: Value,
    /// Whether the answer is stored under the idempotency key. Stripe saves results only
    /// once an endpoint began executing: parameter validation failures are not saved,
    /// declines and other business errors are.
    save: bool,
}

impl Outcome {
    fn ok(body: Value) -> Self {
        Outcome {
            status: StatusCode::OK,
            body,
            save: true,
        }
    }
}

/// Builder of Stripe's `error` object (`components.schemas.error` / `api_errors`).
struct ApiError {
    status: StatusCode,
    fields: Map<String, Value>,
    save: bool,
}

impl ApiError {
    fn new(status: u16, kind: &str, message: impl Into<String>) -> Self {
        let mut fields = Map::new();
        fields.insert("message".into(), Value::String(message.into()));
        fields.insert("type".into(), Value::String(kind.into()));
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            fields,
            save: false,
        }
    }
    /// 400 `invalid_request_error`.
    fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request_error", message)
    }
    fn code(mut self, code: &str) -> Self {
        self.fields
            .insert("code".into(), Value::String(code.into()));
        self.fields.insert(
            "doc_url".into(),
            Value::String(format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            )),
        );
        self
    }
    fn param(mut self, param: &str) -> Self {
        self.fields
            .insert("param".into(), Value::String(param.into()));
        self
    }
    fn field(mut self, name: &str, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }
    /// An error raised while the endpoint executed: stored under the idempotency key.
    fn saved(mut self) -> Self {
        self.save = true;
        self
    }
    fn object(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

impl From<ApiError> for Outcome {
    fn from(e: ApiError) -> Self {
        Outcome {
            status: e.status,
            body: json!({ "error": e.object() }),
            save: e.save,
        }
    }
}

fn missing(param: &str) -> ApiError {
    ApiError::invalid(format!("Missing required param: {param}."))
        .code("parameter_missing")
        .param(param)
}

// ---- form decoding ------------------------------------------------------------------------

/// Decodes `application/x-www-form-urlencoded` with Stripe's bracket nesting into a JSON
/// tree of strings: `metadata[a]=1` → `{"metadata":{"a":"1"}}`, `types[]=card` and
/// `types[0]=card` → `{"types":["card"]}`.
fn parse_form(input: &[u8]) -> Result<Map<String, Value>, String> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(input) {
        let (head, path) = split_key(&key)?;
        insert(&mut root, &head, &path, value.into_owned(), &key)?;
    }
    for (name, v) in root.iter_mut() {
        if name != "metadata" {
            arrays_from_indices(v);
        }
    }
    Ok(root)
}

fn split_key(key: &str) -> Result<(String, Vec<String>), String> {
    let Some(open) = key.find('[') else {
        return Ok((key.to_string(), Vec::new()));
    };
    let head = key[..open].to_string();
    let mut rest = &key[open..];
    let mut path = Vec::new();
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.find(']').map(|i| (&r[..i], &r[i + 1..])));
        match inner {
            Some((seg, tail)) => {
                path.push(seg.to_string());
                rest = tail;
            }
            None => return Err(format!("Invalid parameter name: {key}")),
        }
    }
    if head.is_empty() {
        return Err(format!("Invalid parameter name: {key}"));
    }
    Ok((head, path))
}

fn insert(
    map: &mut Map<String, Value>,
    head: &str,
    path: &[String],
    value: String,
    key: &str,
) -> Result<(), String> {
    let conflict = || format!("Invalid hash or array: {key}");
    if path.is_empty() {
        if map.get(head).is_some_and(|v| v.is_object()) {
            return Err(conflict());
        }
        map.insert(head.to_string(), Value::String(value));
        return Ok(());
    }
    let child = map
        .entry(head.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(child) = child else {
        return Err(conflict());
    };
    // `a[]` appends: the index is the current length.
    let seg = if path[0].is_empty() {
        child.len().to_string()
    } else {
        path[0].clone()
    };
    insert(child, &seg, &path[1..], value, key)
}

fn arrays_from_indices(v: &mut Value) {
    if let Value::Object(m) = v {
        for child in m.values_mut() {
            arrays_from_indices(child);
        }
        if !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok()) {
            let mut items: Vec<(usize, Value)> = std::mem::take(m)
                .into_iter()
                .map(|(k, v)| (k.parse().unwrap_or(0), v))
                .collect();
            items.sort_by_key(|(i, _)| *i);
            *v = Value::Array(items.into_iter().map(|(_, v)| v).collect());
        }
    }
}

/// A canonical text of the parameters (sorted keys at every level), for comparing a
/// retried request with the first one.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// Typed access to decoded parameters with Stripe's validation messages.
struct Params<'a>(&'a Map<String, Value>);

impl Params<'_> {
    fn reject_unknown(&self, allowed: &[&str]) -> Result<(), ApiError> {
        match self.0.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(
                ApiError::invalid(format!("Received unknown parameter: {k}"))
                    .code("parameter_unknown")
                    .param(k),
            ),
            None => Ok(()),
        }
    }
    fn str(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(
                ApiError::invalid(format!("Invalid string: {name} must be a string"))
                    .code("parameter_invalid_string")
                    .param(name),
            ),
        }
    }
    /// An empty string unsets a parameter in Stripe's form encoding.
    fn nonempty(&self, name: &str) -> Result<Option<&str>, ApiError> {
        Ok(self.str(name)?.filter(|s| !s.is_empty()))
    }
    fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.nonempty(name)? {
            None => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid(format!("Invalid integer: {s}"))
                    .code("parameter_invalid_integer")
                    .param(name)
            }),
        }
    }
    fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.nonempty(name)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(s) => Err(ApiError::invalid(format!("Invalid boolean: {s}"))
                .code("parameter_invalid_boolean")
                .param(name)),
        }
    }
    fn metadata(&self) -> Result<BTreeMap<String, String>, ApiError> {
        let mut out = BTreeMap::new();
        match self.0.get("metadata") {
            None => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::Object(m)) => {
                // Limits from docs.stripe.com/api/metadata: 50 keys, keys up to 40
                // characters, values up to 500 characters.
                if m.len() > 50 {
                    return Err(ApiError::invalid(
                        "You can have at most 50 metadata keys on an object.",
                    )
                    .param("metadata"));
                }
                for (k, v) in m {
                    let Value::String(v) = v else {
                        return Err(
                            ApiError::invalid("Invalid metadata value: must be a string")
                                .param(&format!("metadata[{k}]")),
                        );
                    };
                    if k.chars().count() > 40 {
                        return Err(ApiError::invalid(format!(
                            "Metadata keys can have up to 40 characters (received {k:?})."
                        ))
                        .param(&format!("metadata[{k}]")));
                    }
                    if v.chars().count() > 500 {
                        return Err(ApiError::invalid(format!(
                            "Metadata values can have up to 500 characters, but you passed in a value that is {} characters.",
                            v.chars().count()
                        ))
                        .param(&format!("metadata[{k}]")));
                    }
                    if !v.is_empty() {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Some(_) => {
                return Err(ApiError::invalid("Invalid hash").param("metadata"));
            }
        }
        Ok(out)
    }
}

// ---- object rendering ---------------------------------------------------------------------

fn opt<T: Into<Value> + Clone>(v: &Option<T>) -> Value {
    v.clone().map_or(Value::Null, Into::into)
}

impl Intent {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_capturable": self.amount_capturable,
            "amount_details": { "tip": {} },
            "amount_received": self.amount_received,
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": opt(&self.automatic_payment_methods),
            "canceled_at": null,
            "cancellation_reason": null,
            "capture_method": self.capture_method,
            "client_secret": self.client_secret,
            "confirmation_method": "automatic",
            "created": self.created,
            "currency": self.currency,
            "customer": opt(&self.customer),
            "description": opt(&self.description),
            "invoice": null,
            "last_payment_error": opt(&self.last_payment_error),
            "latest_charge": opt(&self.latest_charge),
            "livemode": false,
            "metadata": self.metadata,
            "next_action": opt(&self.next_action),
            "on_behalf_of": null,
            "payment_method": opt(&self.payment_method),
            "payment_method_configuration_details": null,
            "payment_method_options": {
                "card": {
                    "installments": null,
                    "mandate_options": null,
                    "network": null,
                    "request_three_d_secure": "automatic"
                }
            },
            "payment_method_types": self.payment_method_types,
            "processing": null,
            "receipt_email": opt(&self.receipt_email),
            "review": null,
            "setup_future_usage": null,
            "shipping": null,
            "source": null,
            "statement_descriptor": opt(&self.statement_descriptor),
            "statement_descriptor_suffix": opt(&self.statement_descriptor_suffix),
            "status": self.status,
            "transfer_data": null,
            "transfer_group": null,
        })
    }
}

fn payment_method_json(id: &str, card: &TestCard, created: i64) -> Value {
    json!({
        "id": id,
        "object": "payment_method",
        "billing_details": {
            "address": { "city": null, "country": null, "line1": null, "line2": null,
                         "postal_code": null, "state": null },
            "email": null, "name": null, "phone": null
        },
        "card": {
            "brand": card.brand,
            "checks": { "address_line1_check": null, "address_postal_code_check": null,
                        "cvc_check": "unchecked" },
            "country": "US",
            "exp_month": 8,
            "exp_year": 2030,
            "fingerprint": "beepSimFingerprint",
            "funding": card.funding,
            "last4": card.last4,
            "networks": { "available": [card.brand], "preferred": null },
            "three_d_secure_usage": { "supported": true },
            "wallet": null
        },
        "created": created,
        "customer": null,
        "livemode": false,
        "metadata": {},
        "type": "card"
    })
}

impl Charge {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "charge",
            "amount": self.amount,
            "amount_captured": self.amount_captured,
            "amount_refunded": self.amount_refunded,
            "balance_transaction": if self.status == "succeeded" {
                Value::String(format!("txn_{}", &self.id[3..]))
            } else { Value::Null },
            "billing_details": { "address": null, "email": null, "name": null, "phone": null },
            "captured": self.amount_captured > 0,
            "created": self.created,
            "currency": self.currency,
            "description": opt(&self.description),
            "disputed": false,
            "failure_code": opt(&self.failure_code),
            "failure_message": opt(&self.failure_message),
            "livemode": false,
            "metadata": self.metadata,
            "paid": self.status == "succeeded",
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "payment_method_details": {
                "type": "card",
                "card": { "brand": self.card.brand, "last4": self.card.last4,
                          "funding": self.card.funding, "country": "US" }
            },
            "refunded": self.amount_captured > 0 && self.amount_refunded >= self.amount_captured,
            "status": self.status,
        })
    }
}

impl RefundObj {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "refund",
            "amount": self.amount,
            "balance_transaction": format!("txn_{}", &self.id[3..]),
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "metadata": self.metadata,
            "payment_intent": self.payment_intent,
            "reason": opt(&self.reason),
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": self.status,
            "transfer_reversal": null,
        })
    }
}

// ---- request context ----------------------------------------------------------------------

struct Ctx {
    request_id: String,
    idempotency_key: Option<String>,
    /// Absolute URL of the simulator's mount point, for 3-D Secure links.
    base_url: String,
    created: i64,
}

impl Ctx {
    fn log_url(&self) -> String {
        format!(
            "https://dashboard.stripe.com/test/logs/{}?t={}",
            self.request_id, self.created
        )
    }
}

// ---- the simulator ------------------------------------------------------------------------

enum Endpoint {
    Balance,
    CreateIntent,
    SearchIntents,
    GetIntent(String),
    CreateRefund,
    GetRefund(String),
}

fn route(method: &Method, path: &str) -> Option<Endpoint> {
    let rest = path.strip_prefix("/v1/")?;
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    Some(match (method.as_str(), segs.as_slice()) {
        ("GET", ["balance"]) => Endpoint::Balance,
        ("POST", ["payment_intents"]) => Endpoint::CreateIntent,
        ("GET", ["payment_intents", "search"]) => Endpoint::SearchIntents,
        ("GET", ["payment_intents", id]) if !id.is_empty() => Endpoint::GetIntent(id.to_string()),
        ("POST", ["refunds"]) => Endpoint::CreateRefund,
        ("GET", ["refunds", id]) if !id.is_empty() => Endpoint::GetRefund(id.to_string()),
        _ => return None,
    })
}

enum IdemBegin {
    Fresh,
    Replay(StatusCode, Value, String),
    InFlight,
    Mismatch(String),
}

impl StripeSim {
    pub fn new() -> Arc<StripeSim> {
        Arc::new(StripeSim {
            state: Mutex::new(SimState {
                api_keys: vec![SANDBOX_SECRET_KEY.to_string()],
                ..SimState::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts another secret key (as a second key of the same account).
    pub fn add_api_key(&self, key: &str) {
        self.lock().api_keys.push(key.to_string());
    }

    /// Every payment intent created so far, in creation order, as Stripe objects.
    pub fn payment_intents(&self) -> Vec<Value> {
        self.lock().intents.iter().map(Intent::to_json).collect()
    }

    /// Every refund created so far, in creation order.
    pub fn refunds(&self) -> Vec<Value> {
        self.lock().refunds.iter().map(RefundObj::to_json).collect()
    }

    /// Every event the account emitted (Stripe `event` objects), oldest first. Sign one
    /// with [`sign_webhook`] to deliver it to a webhook endpoint.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.clone()
    }

    fn idem_begin(&self, api_key: &str, key: &str, endpoint: &str, fingerprint: &str) -> IdemBegin {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        if let Some(e) = st.idempotency.get(&slot)
            && e.created.elapsed() < IDEMPOTENCY_TTL
        {
            if e.endpoint != endpoint {
                return IdemBegin::Mismatch(format!(
                    "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{}' vs '{}'). Try using a key other than '{key}' if you meant to execute a different request.",
                    e.endpoint, endpoint
                ));
            }
            if e.fingerprint != fingerprint {
                return IdemBegin::Mismatch(format!(
                    "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                ));
            }
            return match &e.answer {
                None => IdemBegin::InFlight,
                Some((s, b, r)) => IdemBegin::Replay(*s, b.clone(), r.clone()),
            };
        }
        st.idempotency.insert(
            slot,
            IdemEntry {
                endpoint: endpoint.to_string(),
                fingerprint: fingerprint.to_string(),
                created: Instant::now(),
                answer: None,
            },
        );
        IdemBegin::Fresh
    }

    fn idem_finish(&self, api_key: &str, key: &str, outcome: Option<(&Outcome, &str)>) {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        match outcome {
            Some((o, request_id)) if o.save => {
                if let Some(e) = st.idempotency.get_mut(&slot) {
                    e.answer = Some((o.status, o.body.clone(), request_id.to_string()));
                }
            }
            _ => {
                if st
                    .idempotency
                    .get(&slot)
                    .is_some_and(|e| e.answer.is_none())
                {
                    st.idempotency.remove(&slot);
                }
            }
        }
    }

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }

    fn take_delay(&self) -> Option<DelayPlan> {
        let mut st = self.lock();
        let plan = st.delay?;
        if plan.times <= 1 {
            st.delay = None;
        } else {
            st.delay = Some(DelayPlan {
                times: plan.times - 1,
                ..plan
            });
        }
        (plan.times > 0).then_some(plan)
    }

    fn execute(&self, endpoint: &Endpoint, params: &Map<String, Value>, ctx: &Ctx) -> Outcome {
        let mut st = self.lock();
        let p = Params(params);
        let result = match endpoint {
            Endpoint::Balance => Ok(st.balance()),
            Endpoint::CreateIntent => st.create_intent(&p, ctx),
            Endpoint::SearchIntents => st.search_intents(&p),
            Endpoint::GetIntent(id) => st.get_intent(id),
            Endpoint::CreateRefund => st.create_refund(&p, ctx),
            Endpoint::GetRefund(id) => st.get_refund(id),
        };
        result.unwrap_or_else(Outcome::from)
    }
}

impl SimState {
    fn emit(&mut self, kind: &str, object: Value, ctx: &Ctx) {
        self.events.push(json!({
            "id": new_id("evt_", 24),
            "object": "event",
            "api_version": API_VERSION,
            "created": ctx.created,
            "data": { "object": object },
            "livemode": false,
            "pending_webhooks": 0,
            "request": { "id": ctx.request_id, "idempotency_key": opt(&ctx.idempotency_key) },
            "type": kind,
        }));
    }

    fn balance(&self) -> Outcome {
        let mut per_currency: BTreeMap<String, i64> = BTreeMap::new();
        for c in &self.charges {
            *per_currency.entry(c.currency.clone()).or_default() +=
                c.amount_captured - c.amount_refunded;
        }
        if per_currency.is_empty() {
            per_currency.insert("usd".into(), 0);
        }
        let amounts: Vec<Value> = per_currency
            .iter()
            .map(|(cur, amt)| json!({ "amount": amt, "currency": cur, "source_types": { "card": amt } }))
            .collect();
        let zero: Vec<Value> = per_currency
            .keys()
            .map(|cur| json!({ "amount": 0, "currency": cur, "source_types": { "card": 0 } }))
            .collect();
        // Test-mode funds show as available at once (Stripe's test clock is not modelled).
        Outcome::ok(json!({
            "object": "balance",
            "available": amounts,
            "connect_reserved": zero,
            "livemode": false,
            "pending": zero,
        }))
    }

    fn get_intent(&self, id: &str) -> Result<Outcome, ApiError> {
        match self.intent_index.get(id) {
            Some(&i) => Ok(Outcome::ok(self.intents[i].to_json())),
            None => Err(ApiError::new(
                404,
                "invalid_request_error",
                format!("No such payment_intent: '{id}'"),
            )
            .code("resource_missing")
            .param("intent")),
        }
    }

    fn get_refund(&self, id: &str) -> Result<Outcome, ApiError> {
        match self.refund_index.get(id) {
            Some(&i) => Ok(Outcome::ok(self.refunds[i].to_json())),
            None => Err(ApiError::new(
                404,
                "invalid_request_error",
                format!("No such refund: '{id}'"),
            )
            .code("resource_missing")
            .param("refund")),
        }
    }

    fn create_intent(&mut self, p: &Params, ctx: &Ctx) -> Result<Outcome, ApiError> {
        // Top-level parameters of POST /v1/payment_intents in the spec.
        p.reject_unknown(&[
            "amount",
            "application_fee_amount",
            "automatic_payment_methods",
            "capture_method",
            "confirm",
            "confirmation_method",
            "currency",
            "customer",
            "description",
            "error_on_requires_action",
            "expand",
            "mandate",
            "mandate_data",
            "metadata",
            "off_session",
            "on_behalf_of",
            "payment_method",
            "payment_method_configuration",
            "payment_method_data",
            "payment_method_options",
            "payment_method_types",
            "radar_options",
            "receipt_email",
            "return_url",
            "setup_future_usage",
            "shipping",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_data",
            "transfer_group",
            "use_stripe_sdk",
        ])?;
        let amount = p.int("amount")?.ok_or_else(|| missing("amount"))?;
        let currency = p
            .nonempty("currency")?
            .ok_or_else(|| missing("currency"))?
            .to_ascii_lowercase();
        if !CURRENCIES.contains(&currency.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid currency: {currency}. Stripe currently supports these currencies: {}",
                CURRENCIES.join(", ")
            ))
            .param("currency"));
        }
        if amount < 1 {
            return Err(
                ApiError::invalid("This value must be greater than or equal to 1.")
                    .code("parameter_invalid_integer")
                    .param("amount"),
            );
        }
        let minimum = MINIMUMS
            .iter()
            .find(|(c, _)| *c == currency)
            .map_or(1, |(_, m)| *m);
        if amount < minimum {
            return Err(ApiError::invalid(format!(
                "Amount must be at least {} {currency}",
                format_amount(minimum, &currency)
            ))
            .code("amount_too_small")
            .param("amount"));
        }
        if amount > MAX_AMOUNT {
            return Err(ApiError::invalid(format!(
                "Amount must be no more than {}",
                format_amount(MAX_AMOUNT, &currency)
            ))
            .code("amount_too_large")
            .param("amount"));
        }
        let metadata = p.metadata()?;
        let description = p.nonempty("description")?.map(str::to_string);
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 1000)
        {
            return Err(ApiError::invalid(
                "Invalid string: description must be at most 1000 characters",
            )
            .code("parameter_invalid_string")
            .param("description"));
        }
        let confirm = p.bool("confirm")?.unwrap_or(false);
        let capture_method = p.nonempty("capture_method")?.unwrap_or("automatic");
        if !["automatic", "automatic_async", "manual"].contains(&capture_method) {
            return Err(ApiError::invalid(
                "Invalid capture_method: must be one of automatic, automatic_async, or manual",
            )
            .param("capture_method"));
        }
        let off_session = match p.nonempty("off_session")? {
            None | Some("false") => false,
            Some("true" | "one_off" | "recurring") => true,
            Some(other) => {
                return Err(
                    ApiError::invalid(format!("Invalid off_session: {other}")).param("off_session")
                );
            }
        };
        let return_url = p.nonempty("return_url")?.map(str::to_string);
        if return_url.is_some() && !confirm {
            return Err(
                ApiError::invalid("You can only pass in return_url if confirm is true.")
                    .param("return_url"),
            );
        }
        let types: Vec<String> = match params_value(p, "payment_method_types") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                return Err(ApiError::invalid("Invalid array").param("payment_method_types"));
            }
        };
        let apm = match params_value(p, "automatic_payment_methods") {
            None => None,
            Some(Value::Object(m)) => {
                let enabled = match m.get("enabled").and_then(Value::as_str) {
                    Some("true") => true,
                    Some("false") => false,
                    _ => return Err(missing("automatic_payment_methods[enabled]")),
                };
                let allow = m
                    .get("allow_redirects")
                    .and_then(Value::as_str)
                    .unwrap_or("always");
                if !["always", "never"].contains(&allow) {
                    return Err(ApiError::invalid(
                        "Invalid automatic_payment_methods[allow_redirects]: must be one of always or never",
                    )
                    .param("automatic_payment_methods[allow_redirects]"));
                }
                enabled.then(|| json!({ "enabled": true, "allow_redirects": allow }))
            }
            Some(_) => {
                return Err(ApiError::invalid("Invalid hash").param("automatic_payment_methods"));
            }
        };
        if apm.is_some() && !types.is_empty() {
            return Err(ApiError::invalid(
                "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.",
            )
            .param("automatic_payment_methods"));
        }
        // Since API version 2023-08-16, a PaymentIntent created without
        // payment_method_types has automatic payment methods enabled (redirects allowed).
        let apm = if types.is_empty() && apm.is_none() {
            Some(json!({ "enabled": true, "allow_redirects": "always" }))
        } else {
            apm
        };
        let types = if types.is_empty() {
            vec!["card".to_string()]
        } else {
            types
        };
        let redirects_allowed = apm
            .as_ref()
            .is_some_and(|a| a["allow_redirects"] == "always");
        if confirm && redirects_allowed && return_url.is_none() {
            return Err(ApiError::invalid(
                "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
            )
            .param("return_url"));
        }
        let pm_param = p.nonempty("payment_method")?;
        let card = match pm_param {
            None => None,
            Some(pm) => Some(test_card(pm).ok_or_else(|| {
                ApiError::invalid(format!("No such PaymentMethod: '{pm}'"))
                    .code("resource_missing")
                    .param("payment_method")
            })?),
        };
        if confirm && card.is_none() {
            return Err(ApiError::invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
            )
            .code("payment_intent_unexpected_state")
            .param("payment_method"));
        }

        // Validation passed: from here on the endpoint executes and its answer is saved.
        let id = new_id("pi_", 24);
        let pm_clone = card.map(|_| new_id("pm_", 24));
        let mut intent = Intent {
            seq: self.intents.len() as u64,
            client_secret: format!("{id}_secret_{}", new_id("", 25)),
            id: id.clone(),
            amount,
            currency: currency.clone(),
            status: if card.is_some() {
                "requires_confirmation"
            } else {
                "requires_payment_method"
            },
            capture_method: capture_method.to_string(),
            created: ctx.created,
            customer: p.nonempty("customer")?.map(str::to_string),
            description,
            metadata,
            payment_method: pm_clone.clone(),
            payment_method_types: types,
            automatic_payment_methods: apm,
            amount_received: 0,
            amount_capturable: 0,
            latest_charge: None,
            last_payment_error: None,
            next_action: None,
            receipt_email: p.nonempty("receipt_email")?.map(str::to_string),
            statement_descriptor: p.nonempty("statement_descriptor")?.map(str::to_string),
            statement_descriptor_suffix: p
                .nonempty("statement_descriptor_suffix")?
                .map(str::to_string),
            return_url,
            card,
            pm_clone,
        };
        self.emit("payment_intent.created", intent.to_json(), ctx);
        let mut decline = None;
        if confirm {
            let card = card.expect("checked above");
            match &card.outcome {
                CardOutcome::Succeed => self.charge(&mut intent, ctx),
                CardOutcome::Authenticate if off_session => {
                    decline = Some(self.decline(
                        &mut intent,
                        "authentication_required",
                        Some("authentication_required"),
                        "Your card was declined. This transaction requires authentication.",
                        None,
                        ctx,
                    ));
                }
                CardOutcome::Authenticate => {
                    intent.status = "requires_action";
                    let url = format!(
                        "{}/_sim/authenticate/{}?client_secret={}",
                        ctx.base_url, intent.id, intent.client_secret
                    );
                    // Server-side confirmation with a return_url gets a redirect; without
                    // one Stripe answers `use_stripe_sdk` (for Stripe.js, opaque).
                    intent.next_action = Some(match &intent.return_url {
                        Some(ret) => json!({
                            "type": "redirect_to_url",
                            "redirect_to_url": { "return_url": ret, "url": url }
                        }),
                        None => json!({
                            "type": "use_stripe_sdk",
                            "use_stripe_sdk": {
                                "type": "three_d_secure_redirect",
                                "stripe_js": url,
                                "source": new_id("src_", 24)
                            }
                        }),
                    });
                    self.emit("payment_intent.requires_action", intent.to_json(), ctx);
                }
                CardOutcome::Decline(code, decline_code, message, param) => {
                    decline =
                        Some(self.decline(&mut intent, code, *decline_code, message, *param, ctx));
                }
            }
        }
        let body = intent.to_json();
        self.intent_index.insert(id, self.intents.len());
        self.intents.push(intent);
        match decline {
            // A declined confirmation answers 402 with the error, which carries the
            // PaymentIntent (now `requires_payment_method`).
            Some(err) => Err(err.field("payment_intent", body).saved()),
            None => Ok(Outcome::ok(body)),
        }
    }

    /// A successful authorisation: captured at once unless `capture_method=manual`.
    fn charge(&mut self, intent: &mut Intent, ctx: &Ctx) {
        let card = intent.card.expect("a charge needs a card");
        let manual = intent.capture_method == "manual";
        let charge = Charge {
            id: new_id("ch_", 24),
            payment_intent: intent.id.clone(),
            amount: intent.amount,
            amount_captured: if manual { 0 } else { intent.amount },
            amount_refunded: 0,
            currency: intent.currency.clone(),
            created: ctx.created,
            status: "succeeded",
            failure_code: None,
            failure_message: None,
            payment_method: intent.pm_clone.clone().unwrap_or_default(),
            card,
            metadata: intent.metadata.clone(),
            description: intent.description.clone(),
        };
        intent.latest_charge = Some(charge.id.clone());
        intent.next_action = None;
        intent.last_payment_error = None;
        if manual {
            intent.status = "requires_capture";
            intent.amount_capturable = intent.amount;
        } else {
            intent.status = "succeeded";
            intent.amount_received = intent.amount;
        }
        self.emit("charge.succeeded", charge.to_json(), ctx);
        self.charge_index
            .insert(charge.id.clone(), self.charges.len());
        self.charges.push(charge);
        let kind = if manual {
            "payment_intent.amount_capturable_updated"
        } else {
            "payment_intent.succeeded"
        };
        self.emit(kind, intent.to_json(), ctx);
    }

    /// A declined confirmation: a failed charge, the intent back to
    /// `requires_payment_method` with `last_payment_error`, and the 402 card error.
    fn decline(
        &mut self,
        intent: &mut Intent,
        code: &str,
        decline_code: Option<&str>,
        message: &str,
        param: Option<&str>,
        ctx: &Ctx,
    ) -> ApiError {
        let card = intent.card.expect("a decline needs a card");
        let pm_id = intent.pm_clone.clone().unwrap_or_default();
        let charge = Charge {
            id: new_id("ch_", 24),
            payment_intent: intent.id.clone(),
            amount: intent.amount,
            amount_captured: 0,
            amount_refunded: 0,
            currency: intent.currency.clone(),
            created: ctx.created,
            status: "failed",
            failure_code: Some(code.to_string()),
            failure_message: Some(message.to_string()),
            payment_method: pm_id.clone(),
            card,
            metadata: intent.metadata.clone(),
            description: intent.description.clone(),
        };
        let mut err = ApiError::new(402, "card_error", message)
            .code(code)
            .field("charge", Value::String(charge.id.clone()))
            .field(
                "payment_method",
                payment_method_json(&pm_id, card, ctx.created),
            )
            .field("request_log_url", Value::String(ctx.log_url()));
        if let Some(dc) = decline_code {
            err = err.field("decline_code", Value::String(dc.to_string()));
        }
        if let Some(param) = param {
            err = err.param(param);
        }
        intent.status = "requires_payment_method";
        intent.latest_charge = Some(charge.id.clone());
        intent.payment_method = None;
        intent.next_action = None;
        let mut last = err.object();
        if let Value::Object(m) = &mut last {
            m.remove("request_log_url");
        }
        intent.last_payment_error = Some(last);
        self.emit("charge.failed", charge.to_json(), ctx);
        self.charge_index
            .insert(charge.id.clone(), self.charges.len());
        self.charges.push(charge);
        self.emit("payment_intent.payment_failed", intent.to_json(), ctx);
        err
    }

    fn search_intents(&self, p: &Params) -> Result<Outcome, ApiError> {
        p.reject_unknown(&["query", "limit", "page", "expand"])?;
        let query = p.nonempty("query")?.ok_or_else(|| missing("query"))?;
        let limit = p.int("limit")?.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(
                ApiError::invalid("Invalid limit: must be between 1 and 100").param("limit"),
            );
        }
        let offset = match p.nonempty("page")? {
            None => 0,
            Some(page) => page
                .strip_prefix("sim_page_")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| ApiError::invalid("Invalid page").param("page"))?,
        };
        let filter = parse_query(query).map_err(|m| ApiError::invalid(m).param("query"))?;
        // Stripe's search is eventually consistent (new objects can take up to a minute
        // to appear); the simulator's index is immediate.
        let mut hits: Vec<&Intent> = Vec::new();
        for intent in &self.intents {
            if filter
                .matches(intent)
                .map_err(|m| ApiError::invalid(m).param("query"))?
            {
                hits.push(intent);
            }
        }
        hits.sort_by(|a, b| b.created.cmp(&a.created).then(b.seq.cmp(&a.seq)));
        let page: Vec<Value> = hits
            .iter()
            .skip(offset)
            .take(limit as usize)
            .map(|i| i.to_json())
            .collect();
        let next = offset + page.len();
        let has_more = next < hits.len();
        Ok(Outcome::ok(json!({
            "object": "search_result",
            "data": page,
            "has_more": has_more,
            "next_page": if has_more { Value::String(format!("sim_page_{next}")) } else { Value::Null },
            "url": "/v1/payment_intents/search",
        })))
    }

    fn create_refund(&mut self, p: &Params, ctx: &Ctx) -> Result<Outcome, ApiError> {
        p.reject_unknown(&[
            "amount",
            "charge",
            "currency",
            "customer",
            "expand",
            "instructions_email",
            "metadata",
            "origin",
            "payment_intent",
            "reason",
            "refund_application_fee",
            "reverse_transfer",
        ])?;
        let amount = p.int("amount")?;
        if amount.is_some_and(|a| a < 1) {
            return Err(ApiError::invalid("Invalid positive integer")
                .code("parameter_invalid_integer")
                .param("amount"));
        }
        let reason = p.nonempty("reason")?.map(str::to_string);
        if let Some(r) = &reason
            && !["duplicate", "fraudulent", "requested_by_customer"].contains(&r.as_str())
        {
            return Err(ApiError::invalid(
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            )
            .param("reason"));
        }
        let metadata = p.metadata()?;
        let pi_param = p.nonempty("payment_intent")?;
        let charge_param = p.nonempty("charge")?;
        let intent_idx = match (pi_param, charge_param) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "You cannot specify both `charge` and `payment_intent` on a refund.",
                )
                .param("payment_intent"));
            }
            (None, None) => {
                return Err(ApiError::invalid(
                    "One of the following parameters is required: charge, payment_intent.",
                )
                .code("parameter_missing"));
            }
            (Some(pi), None) => *self.intent_index.get(pi).ok_or_else(|| {
                ApiError::invalid(format!("No such payment_intent: '{pi}'"))
                    .code("resource_missing")
                    .param("payment_intent")
            })?,
            (None, Some(ch)) => {
                let c = self.charge_index.get(ch).ok_or_else(|| {
                    ApiError::invalid(format!("No such charge: '{ch}'"))
                        .code("resource_missing")
                        .param("charge")
                })?;
                self.intent_index[&self.charges[*c].payment_intent]
            }
        };
        let intent = &self.intents[intent_idx];
        let charge_idx = intent
            .latest_charge
            .as_ref()
            .and_then(|c| self.charge_index.get(c).copied())
            .filter(|&c| self.charges[c].amount_captured > 0);
        let Some(charge_idx) = charge_idx else {
            return Err(ApiError::invalid(format!(
                "This PaymentIntent ({}) does not have a successful charge to refund.",
                intent.id
            ))
            .param("payment_intent")
            .saved());
        };
        let charge = &self.charges[charge_idx];
        let remaining = charge.amount_captured - charge.amount_refunded;
        if remaining <= 0 {
            return Err(ApiError::invalid(format!(
                "Charge {} has already been refunded.",
                charge.id
            ))
            .code("charge_already_refunded")
            .field("charge", Value::String(charge.id.clone()))
            .saved());
        }
        let amount = amount.unwrap_or(remaining);
        if amount > remaining {
            return Err(ApiError::invalid(format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                format_amount(amount, &charge.currency),
                format_amount(remaining, &charge.currency)
            ))
            .code("amount_too_large")
            .param("amount")
            .saved());
        }
        let refund = RefundObj {
            id: new_id("re_", 24),
            amount,
            charge: charge.id.clone(),
            payment_intent: intent.id.clone(),
            currency: charge.currency.clone(),
            created: ctx.created,
            metadata,
            reason,
            // Card refunds in test mode succeed at once.
            status: "succeeded",
        };
        self.charges[charge_idx].amount_refunded += amount;
        let charge_json = self.charges[charge_idx].to_json();
        let body = refund.to_json();
        self.emit("charge.refunded", charge_json, ctx);
        // `refund.created` joined `charge.refund.updated` in later API versions; the
        // simulator emits it so a webhook consumer can test either shape.
        self.emit("refund.created", body.clone(), ctx);
        self.refund_index
            .insert(refund.id.clone(), self.refunds.len());
        self.refunds.push(refund);
        Ok(Outcome::ok(body))
    }

    /// The shopper finishing (or failing) 3-D Secure on the simulator's page.
    fn authenticate(&mut self, id: &str, succeed: bool, ctx: &Ctx) -> Result<Intent, String> {
        let idx = *self
            .intent_index
            .get(id)
            .ok_or_else(|| format!("No such payment_intent: '{id}'"))?;
        let mut intent = self.intents[idx].clone();
        if intent.status != "requires_action" {
            return Err(format!(
                "PaymentIntent {id} has status {}, not requires_action",
                intent.status
            ));
        }
        if succeed {
            self.charge(&mut intent, ctx);
        } else {
            intent.status = "requires_payment_method";
            intent.next_action = None;
            intent.payment_method = None;
            let card = intent.card.expect("3DS needs a card");
            intent.last_payment_error = Some(
                ApiError::invalid(
                    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
                )
                .code("payment_intent_authentication_failure")
                .field(
                    "payment_method",
                    payment_method_json(intent.pm_clone.as_deref().unwrap_or(""), card, ctx.created),
                )
                .object(),
            );
            self.emit("payment_intent.payment_failed", intent.to_json(), ctx);
        }
        self.intents[idx] = intent.clone();
        Ok(intent)
    }
}

fn params_value<'a>(p: &Params<'a>, name: &str) -> Option<&'a Value> {
    p.0.get(name)
}

// ---- search query language (subset) -------------------------------------------------------

#[derive(Debug, PartialEq)]
enum Cmp {
    Eq,
    Gt,
    Lt,
    Ge,
    Le,
}

#[derive(Debug, PartialEq)]
enum QValue {
    Str(String),
    Num(i64),
    Null,
}

#[derive(Debug, PartialEq)]
struct Clause {
    negate: bool,
    field: String,
    /// The key of `metadata['key']`.
    meta_key: Option<String>,
    cmp: Cmp,
    value: QValue,
}

#[derive(Debug, PartialEq)]
struct SearchQuery {
    clauses: Vec<Clause>,
    any: bool,
}

/// Parses Stripe's search query language as far as payment intents need it
/// (docs.stripe.com/search): `field:value`, `metadata['key']:'value'`, `amount>1000`,
/// negation with `-`, clauses joined by `AND` or by `OR` (not both), at most 10 clauses.
fn parse_query(q: &str) -> Result<SearchQuery, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut clauses = Vec::new();
    let mut joiner: Option<&str> = None;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    let err = |what: &str| format!("Invalid search query: {what} (query: {q})");
    loop {
        skip_ws(&mut i);
        let negate = i < chars.len() && chars[i] == '-';
        if negate {
            i += 1;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
        {
            i += 1;
        }
        let field: String = chars[start..i].iter().collect();
        if field.is_empty() {
            return Err(err("expected a field name"));
        }
        let mut meta_key = None;
        if i < chars.len() && chars[i] == '[' {
            i += 1;
            meta_key =
                Some(parse_quoted(&chars, &mut i).ok_or_else(|| err("expected a quoted key"))?);
            if i >= chars.len() || chars[i] != ']' {
                return Err(err("expected ']'"));
            }
            i += 1;
        }
        let cmp = match (chars.get(i), chars.get(i + 1)) {
            (Some(':'), _) => {
                i += 1;
                Cmp::Eq
            }
            (Some('>'), Some('=')) => {
                i += 2;
                Cmp::Ge
            }
            (Some('<'), Some('=')) => {
                i += 2;
                Cmp::Le
            }
            (Some('>'), _) => {
                i += 1;
                Cmp::Gt
            }
            (Some('<'), _) => {
                i += 1;
                Cmp::Lt
            }
            _ => return Err(err("expected ':', '>', '<', '>=' or '<='")),
        };
        let value = match chars.get(i) {
            Some('\'' | '"') => {
                QValue::Str(parse_quoted(&chars, &mut i).ok_or_else(|| err("unterminated string"))?)
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if word == "null" {
                    QValue::Null
                } else {
                    QValue::Num(
                        word.parse()
                            .map_err(|_| err("values must be quoted strings, integers or null"))?,
                    )
                }
            }
        };
        clauses.push(Clause {
            negate,
            field,
            meta_key,
            cmp,
            value,
        });
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphabetic() {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let word = match word.as_str() {
            "AND" => "AND",
            "OR" => "OR",
            _ => return Err(err("clauses must be joined by AND or OR")),
        };
        if joiner.is_some_and(|j| j != word) {
            return Err("Search queries cannot combine AND and OR.".into());
        }
        joiner = Some(word);
    }
    if clauses.len() > 10 {
        return Err("Search queries can have at most 10 clauses.".into());
    }
    Ok(SearchQuery {
        clauses,
        any: joiner == Some("OR"),
    })
}

fn parse_quoted(chars: &[char], i: &mut usize) -> Option<String> {
    let quote = *chars.get(*i)?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    *i += 1;
    let mut out = String::new();
    while *i < chars.len() {
        match chars[*i] {
            '\\' if *i + 1 < chars.len() => {
                out.push(chars[*i + 1]);
                *i += 2;
            }
            c if c == quote => {
                *i += 1;
                return Some(out);
            }
            c => {
                out.push(c);
                *i += 1;
            }
        }
    }
    None
}

impl SearchQuery {
    fn matches(&self, intent: &Intent) -> Result<bool, String> {
        let mut results = Vec::with_capacity(self.clauses.len());
        for c in &self.clauses {
            results.push(c.matches(intent)? != c.negate);
        }
        Ok(if self.any {
            results.iter().any(|b| *b)
        } else {
            results.iter().all(|b| *b)
        })
    }
}

impl Clause {
    fn matches(&self, intent: &Intent) -> Result<bool, String> {
        let text = |actual: Option<&str>| -> Result<bool, String> {
            if self.cmp != Cmp::Eq {
                return Err(format!(
                    "The field `{}` only supports the `:` operator.",
                    self.field
                ));
            }
            Ok(match &self.value {
                QValue::Str(s) => actual == Some(s.as_str()),
                QValue::Num(n) => actual == Some(n.to_string().as_str()),
                QValue::Null => actual.is_none(),
            })
        };
        let number = |actual: i64| -> Result<bool, String> {
            let QValue::Num(n) = self.value else {
                return Err(format!("The field `{}` takes an integer.", self.field));
            };
            Ok(match self.cmp {
                Cmp::Eq => actual == n,
                Cmp::Gt => actual > n,
                Cmp::Lt => actual < n,
                Cmp::Ge => actual >= n,
                Cmp::Le => actual <= n,
            })
        };
        match (self.field.as_str(), &self.meta_key) {
            ("metadata", Some(k)) => text(intent.metadata.get(k).map(String::as_str)),
            ("status", None) => text(Some(intent.status)),
            ("currency", None) => text(Some(&intent.currency)),
            ("customer", None) => text(intent.customer.as_deref()),
            ("amount", None) => number(intent.amount),
            ("created", None) => number(intent.created),
            (field, _) => Err(format!(
                "Field `{field}` is an unsupported search field for resource `payment_intents`. See http://stripe.com/docs/search#query-fields-for-payment-intents for a list of supported fields."
            )),
        }
    }
}

// ---- HTTP layer ---------------------------------------------------------------------------

/// Routes relative to the vendor base URL plus the `/_sim/` test hooks.
pub fn router(sim: Arc<StripeSim>) -> Router {
    Router::new()
        .route("/v1/{*path}", any(api))
        .route("/_sim/payment_intents", get(sim_intents))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/events", get(sim_events))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/delay", post(sim_delay))
        .route("/_sim/reset", post(sim_reset))
        .route("/_sim/authenticate/{intent}", get(sim_authenticate))
        .with_state(sim)
}

fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("request-id", v);
    }
    h.insert("stripe-version", HeaderValue::from_static(API_VERSION));
    resp
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

/// The API key from `Authorization: Bearer sk_…` (or HTTP Basic with the key as user
/// name, which Stripe accepts too).
fn api_key(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, value) = auth.split_once(' ')?;
    let key = if scheme.eq_ignore_ascii_case("bearer") {
        value.trim().to_string()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        text.split_once(':')
            .map_or(text.clone(), |(u, _)| u.to_string())
    } else {
        return None;
    };
    (!key.is_empty()).then_some(key)
}

/// Every `/v1/…` request: injected failures, then [`handle`], then an injected delay of
/// the answer.
async fn api(
    State(sim): State<Arc<StripeSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = new_id("req_", 14);
    // Injected failures answer before anything executes (nothing is saved).
    if let Some(plan) = sim.take_fail() {
        return injected_failure(plan, &request_id);
    }
    let delay = sim.take_delay();
    let req = ApiRequest {
        method,
        uri,
        original,
        headers,
        body,
        request_id,
    };
    let resp = handle(&sim, &req, delay).await;
    // A delayed answer: whatever the request changed has changed already.
    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Response) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }
    resp
}

struct ApiRequest {
    method: Method,
    uri: Uri,
    original: Uri,
    headers: HeaderMap,
    body: Bytes,
    request_id: String,
}

fn injected_failure(plan: Fault, request_id: &str) -> Response {
    let err = match plan.status.as_u16() {
        // The spec's error types have no `rate_limit_error`: Stripe answers 429 with an
        // invalid_request_error of code `rate_limit`.
        429 => ApiError::new(
            429,
            "invalid_request_error",
            "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        )
        .code("rate_limit"),
        500 => ApiError::new(500, "api_error", "An unknown error occurred"),
        s => ApiError::new(
            s,
            "api_error",
            "Stripe is temporarily unavailable. Please try again later.",
        ),
    };
    let mut resp = json_response(err.status, &json!({ "error": err.object() }), request_id);
    // Stripe's libraries honour `Stripe-Should-Retry`; Stripe sends no `Retry-After`
    // unless a test asks for one.
    if matches!(plan.status.as_u16(), 429 | 500 | 503) {
        resp.headers_mut()
            .insert("stripe-should-retry", HeaderValue::from_static("true"));
    }
    if let Some(s) = plan.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

/// Authentication, routing, parameters, idempotency and execution of one request.
async fn handle(sim: &Arc<StripeSim>, req: &ApiRequest, delay: Option<DelayPlan>) -> Response {
    let ApiRequest {
        method,
        uri,
        original,
        headers,
        body,
        request_id,
    } = req;
    let request_id = request_id.as_str();
    let ctx_created = now();

    // 2. Authentication.
    let key = match api_key(headers) {
        None => {
            let err = ApiError::new(
                401,
                "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
            );
            return unauthorized(&err, request_id);
        }
        Some(k) if !sim.lock().api_keys.contains(&k) => {
            let err = ApiError::new(
                401,
                "invalid_request_error",
                format!("Invalid API Key provided: {}", mask_key(&k)),
            )
            .code("api_key_invalid");
            return unauthorized(&err, request_id);
        }
        Some(k) => k,
    };

    // 3. Routing.
    let Some(endpoint) = route(method, uri.path()) else {
        let err = ApiError::new(
            404,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({}: {}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
                method,
                uri.path()
            ),
        );
        return json_response(err.status, &json!({ "error": err.object() }), request_id);
    };

    // 4. Parameters: the query string for GET, the form body for POST.
    let raw: &[u8] = if method == Method::GET {
        uri.query().unwrap_or("").as_bytes()
    } else {
        let ctype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/x-www-form-urlencoded");
        if !body.is_empty() && !ctype.starts_with("application/x-www-form-urlencoded") {
            let err = ApiError::invalid(format!(
                "Invalid request: unsupported Content-Type {ctype}. If error persists and you need assistance, please contact support@stripe.com."
            ));
            return json_response(err.status, &json!({ "error": err.object() }), request_id);
        }
        body
    };
    let params = match parse_form(raw) {
        Ok(p) => p,
        Err(m) => {
            let err = ApiError::invalid(m);
            return json_response(err.status, &json!({ "error": err.object() }), request_id);
        }
    };

    // 5. Idempotency: POST only (GET is idempotent by definition and ignores the header).
    let idem_key = (method == Method::POST)
        .then(|| headers.get("idempotency-key"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if idem_key.as_ref().is_some_and(|k| k.len() > 255) {
        let err =
            ApiError::invalid("Invalid Idempotency-Key: keys can be at most 255 characters long.");
        return json_response(err.status, &json!({ "error": err.object() }), request_id);
    }
    let mut guard = None;
    if let Some(k) = &idem_key {
        let endpoint_label = format!("{} {}", method, uri.path());
        let fingerprint = canonical(&Value::Object(params.clone()));
        match sim.idem_begin(&key, k, &endpoint_label, &fingerprint) {
            IdemBegin::Fresh => {
                guard = Some(IdemGuard {
                    sim: sim.clone(),
                    api_key: key.clone(),
                    key: k.clone(),
                    finished: false,
                })
            }
            IdemBegin::Replay(status, body, original_request) => {
                let mut resp = json_response(status, &body, request_id);
                let h = resp.headers_mut();
                h.insert("idempotent-replayed", HeaderValue::from_static("true"));
                if let Ok(v) = HeaderValue::from_str(&original_request) {
                    h.insert("original-request", v);
                }
                if let Ok(v) = HeaderValue::from_str(k) {
                    h.insert("idempotency-key", v);
                }
                return resp;
            }
            IdemBegin::InFlight => {
                let err = ApiError::new(
                    409,
                    "invalid_request_error",
                    "There is currently another in-progress request using this Idempotent Key (probably because of a network timeout). Please try again later.",
                )
                .code("idempotency_key_in_use");
                return json_response(err.status, &json!({ "error": err.object() }), request_id);
            }
            IdemBegin::Mismatch(message) => {
                let err = ApiError::new(400, "idempotency_error", message);
                return json_response(err.status, &json!({ "error": err.object() }), request_id);
            }
        }
    }

    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Processing) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }

    // 6. Execute.
    let ctx = Ctx {
        request_id: request_id.to_string(),
        idempotency_key: idem_key.clone(),
        base_url: base_url(headers, uri, original),
        created: ctx_created,
    };
    let outcome = sim.execute(&endpoint, &params, &ctx);
    if let Some(mut g) = guard {
        sim.idem_finish(&key, &g.key, Some((&outcome, request_id)));
        g.finished = true;
    }

    let mut resp = json_response(outcome.status, &outcome.body, request_id);
    if let Some(k) = idem_key.and_then(|k| HeaderValue::from_str(&k).ok()) {
        resp.headers_mut().insert("idempotency-key", k);
    }
    resp
}

/// Frees an in-flight idempotency key if the request is dropped before it finishes.
struct IdemGuard {
    sim: Arc<StripeSim>,
    api_key: String,
    key: String,
    finished: bool,
}

impl Drop for IdemGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.sim.idem_finish(&self.api_key, &self.key, None);
        }
    }
}

fn unauthorized(err: &ApiError, request_id: &str) -> Response {
    let mut resp = json_response(err.status, &json!({ "error": err.object() }), request_id);
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Stripe\""),
    );
    resp
}

// ---- test hooks ---------------------------------------------------------------------------

async fn sim_intents(State(sim): State<Arc<StripeSim>>) -> Response {
    axum::Json(sim.payment_intents()).into_response()
}

async fn sim_refunds(State(sim): State<Arc<StripeSim>>) -> Response {
    axum::Json(sim.refunds()).into_response()
}

#[derive(Deserialize)]
struct EventFilter {
    #[serde(rename = "type")]
    kind: Option<String>,
}

async fn sim_events(
    State(sim): State<Arc<StripeSim>>,
    Query(filter): Query<EventFilter>,
) -> Response {
    let events: Vec<Value> = sim
        .events()
        .into_iter()
        .filter(|e| filter.kind.as_ref().is_none_or(|k| e["type"] == *k))
        .collect();
    axum::Json(events).into_response()
}

async fn sim_fail(State(sim): State<Arc<StripeSim>>, body: axum::body::Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

async fn sim_delay(
    State(sim): State<Arc<StripeSim>>,
    axum::Json(plan): axum::Json<DelayPlan>,
) -> Response {
    sim.lock().delay = (plan.times > 0).then_some(plan);
    axum::Json(json!({ "ms": plan.ms, "times": plan.times })).into_response()
}

async fn sim_reset(State(sim): State<Arc<StripeSim>>) -> Response {
    let mut st = sim.lock();
    let keys = std::mem::take(&mut st.api_keys);
    *st = SimState {
        api_keys: keys,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct AuthenticateParams {
    /// `succeed` (default) or `fail`.
    result: Option<String>,
}

/// Stands in for the issuer's 3-D Secure page that `next_action` points to: completes
/// the authentication and sends the shopper back to `return_url` as Stripe does
/// (`payment_intent`, `payment_intent_client_secret`, `redirect_status`), or answers the
/// intent as JSON when there is no return URL.
async fn sim_authenticate(
    State(sim): State<Arc<StripeSim>>,
    Path(id): Path<String>,
    Query(q): Query<AuthenticateParams>,
) -> Response {
    let succeed = q.result.as_deref() != Some("fail");
    let ctx = Ctx {
        request_id: new_id("req_", 14),
        idempotency_key: None,
        base_url: String::new(),
        created: now(),
    };
    let result = sim.lock().authenticate(&id, succeed, &ctx);
    match result {
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
        Ok(intent) => match &intent.return_url {
            Some(ret) => {
                let status = if succeed { "succeeded" } else { "failed" };
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("payment_intent", &intent.id)
                    .append_pair("payment_intent_client_secret", &intent.client_secret)
                    .append_pair("redirect_status", status)
                    .finish();
                let sep = if ret.contains('?') { '&' } else { '?' };
                let location = format!("{ret}{sep}{query}");
                match HeaderValue::from_str(&location) {
                    Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
                    Err(_) => axum::Json(intent.to_json()).into_response(),
                }
            }
            None => axum::Json(intent.to_json()).into_response(),
        },
    }
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

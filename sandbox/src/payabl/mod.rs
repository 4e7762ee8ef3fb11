//! Test Mode simulator of payabl.'s server-to-server gateway: the subset BEEP! Connect
//! uses, answering the way `https://sandbox.payabl.com/pay/backoffice/…` answers. payabl
//! publishes no machine-readable spec (`vendor-specs/README.md`); this follows the
//! README's row and payabl's public gateway documentation. Names the docs do not pin
//! down are chosen here and in the connector alike (`connectors/psp-payabl`), marked
//! "(chosen)".
//!
//! Routes (relative to the vendor origin; mounted under `/payabl`), all `POST` with an
//! `application/x-www-form-urlencoded` body in ISO-8859-1 (Latin-1: `%FC` is `ü`):
//!
//! | route | parameters | effect |
//! | --- | --- | --- |
//! | `/pay/backoffice/payment_authorize` | `merchantid, amount, currency, orderid, payment_method, token, description?, url_return?, notification_url?` | a direct sale |
//! | `/pay/backoffice/payment_preauthorize` | as above | a hold (`authorized`) |
//! | `/pay/backoffice/payment_capture` | `merchantid, transactionid, amount, currency` | captures a hold (at most its amount) |
//! | `/pay/backoffice/payment_reversal` | `merchantid, transactionid` | releases a hold (`voided`) |
//! | `/pay/backoffice/payment_refund` | `merchantid, transactionid, amount, currency, reference?, description?, notification_url?` | partial or full, never past what was captured |
//! | `/pay/backoffice/payment_status` (chosen name) | `merchantid` and `transactionid` or `orderid` | the transaction's state |
//!
//! Every request carries `signature` = lower-case hex SHA-1 of the parameter VALUES
//! concatenated in the order of the parameter NAMES sorted alphabetically (without
//! `signature`), followed by the merchant secret, all as Latin-1 bytes. Answers are HTTP
//! 200 with a URL-encoded Latin-1 `key=value&…` body (`text/plain; charset=ISO-8859-1`):
//! `errorcode` (`0` = ok), `errormessage`, `transactionid`, `orderid`, `status`,
//! `amount`, `currency`, `captured_amount`, `refunded_amount`, `url_3ds`,
//! `base_transactionid` (refunds).
//!
//! Error codes (chosen numbers): 2001 `Invalid signature`, 2002 `Unknown merchantid`,
//! 2003 missing/invalid parameter, 2004 `Duplicate orderid` (payabl refuses a second
//! transaction with an `orderid` it has seen; the connector then queries by `orderid`),
//! 2005 `Transaction declined` (a transaction with `status=declined`), 2006 amount
//! exceeds what can be captured/refunded, 2007 `Transaction not found`, 2008 wrong state,
//! 2009 currency not supported.
//!
//! Transaction `status`: `pending`, `pending_3ds` (with `url_3ds`), `authorized`,
//! `captured`, `declined`, `voided`; refunds `refunded` (executed at once here).
//!
//! # Test outcomes (the `token` parameter, i.e. BEEP!'s `paymentMethod`)
//!
//! | token | outcome |
//! | --- | --- |
//! | `payabl_test_ok` | `captured` (sale) / `authorized` (preauthorisation) |
//! | `payabl_test_declined` | `declined`, errorcode 2005 |
//! | `payabl_test_3ds` | `pending_3ds` with `url_3ds` → `GET /_sim/3ds/{transactionid}?result=ok|declined` |
//! | `payabl_test_pending` | `pending` until `POST /_sim/transactions/{id}/status` |
//! | anything else | errorcode 2003 `Invalid token` |
//!
//! Callbacks: every new transaction, status change and refund is a callback payabl would
//! POST to the transaction's `notification_url`, signed the same way (parameters
//! `merchantid, transactionid, orderid, type (payment|refund), status, errorcode,
//! errormessage, amount, currency, base_transactionid?, reference?`).
//!
//! Test hooks (not payabl; no auth) under `/_sim/`: `GET transactions`, `GET refunds`,
//! `GET callbacks[?transactionid=…]` (each `{notificationUrl, transactionid, type,
//! status, body}`, the body ready to POST), `POST fail {"status","times","after"?}`
//! (`after`: the operation takes effect, then the answer is lost), `POST reset`,
//! `POST transactions/{id}/status {"status"}`, `GET 3ds/{id}?result=ok|declined`.

use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use beep_sdk::money;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The merchant the simulator knows (see [`sandbox_credentials`]).
pub const SANDBOX_MERCHANT_ID: &str = "beep_sandbox";
pub const SANDBOX_SECRET: &str = "payabl_sandbox_secret_0001";

pub const TOKEN_OK: &str = "payabl_test_ok";
pub const TOKEN_DECLINED: &str = "payabl_test_declined";
pub const TOKEN_3DS: &str = "payabl_test_3ds";
pub const TOKEN_PENDING: &str = "payabl_test_pending";

const FIRST_TRANSACTION_ID: u64 = 100_001;

/// Credentials that work against the simulator.
pub fn sandbox_credentials() -> Value {
    json!({ "merchantId": SANDBOX_MERCHANT_ID, "secret": SANDBOX_SECRET })
}

// ---- SHA-1 (FIPS 180-4), so the simulator checks signatures independently of the guest ---

pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (hv, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Latin-1 bytes of a string that came from Latin-1 (every char ≤ U+00FF); a char
/// outside Latin-1 becomes `?` (it cannot have come from a Latin-1 body).
fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(c as u32).unwrap_or(b'?'))
        .collect()
}

/// payabl's signature over `params` (its own `signature` entry left out).
pub fn signature(params: &BTreeMap<String, String>, secret: &str) -> String {
    let mut data = Vec::new();
    for (name, value) in params {
        if name != "signature" {
            data.extend(latin1(value));
        }
    }
    data.extend(latin1(secret));
    sha1(&data).iter().map(|b| format!("{b:02x}")).collect()
}

// ---- Latin-1 URL encoding -----------------------------------------------------------------

fn decode_component(part: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => bytes.push(b' '),
            b'%' if i + 2 < part.len() => {
                match std::str::from_utf8(&part[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        bytes.push(b);
                        i += 2;
                    }
                    None => bytes.push(b'%'),
                }
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    bytes.iter().map(|b| *b as char).collect()
}

/// A Latin-1 form body. The last occurrence of a repeated name wins.
pub fn parse_form(body: &[u8]) -> BTreeMap<String, String> {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(i) => (
                decode_component(&pair[..i]),
                decode_component(&pair[i + 1..]),
            ),
            None => (decode_component(pair), String::new()),
        })
        .collect()
}

pub fn encode_form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        for (i, part) in [name, value].iter().enumerate() {
            if i == 1 {
                out.push('=');
            }
            for b in latin1(part) {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                        out.push(b as char)
                    }
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
    }
    out
}

// ---- state --------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Txn {
    id: String,
    merchant_id: String,
    orderid: String,
    kind: &'static str,
    amount: i64,
    currency: String,
    status: String,
    errorcode: String,
    errormessage: String,
    token: String,
    description: String,
    url_return: Option<String>,
    notification_url: Option<String>,
    url_3ds: Option<String>,
    captured: i64,
    refunded: i64,
}

#[derive(Clone, Debug)]
struct RefundObj {
    id: String,
    base_id: String,
    reference: String,
    amount: i64,
    currency: String,
    status: String,
    description: String,
}

#[derive(Default)]
struct SimState {
    merchants: BTreeMap<String, String>,
    transactions: Vec<Txn>,
    refunds: Vec<RefundObj>,
    callbacks: Vec<Value>,
    next_id: u64,
    fail: FaultSlot,
}

pub struct PayablSim {
    state: Mutex<SimState>,
}

type Answer = Vec<(&'static str, String)>;

fn error(code: &str, message: impl Into<String>) -> Answer {
    vec![
        ("errorcode", code.to_string()),
        ("errormessage", message.into()),
    ]
}

fn major(minor: i64, currency: &str) -> String {
    money::to_major_string(&money::money(minor, currency)).unwrap_or_else(|_| minor.to_string())
}

impl SimState {
    fn fresh_id(&mut self) -> String {
        if self.next_id < FIRST_TRANSACTION_ID {
            self.next_id = FIRST_TRANSACTION_ID;
        }
        let id = self.next_id;
        self.next_id += 1;
        id.to_string()
    }

    fn txn_answer(t: &Txn) -> Answer {
        let mut a: Answer = vec![
            ("transactionid", t.id.clone()),
            ("orderid", t.orderid.clone()),
            ("errorcode", t.errorcode.clone()),
            ("errormessage", t.errormessage.clone()),
            ("status", t.status.clone()),
            ("amount", major(t.amount, &t.currency)),
            ("currency", t.currency.clone()),
            ("captured_amount", major(t.captured, &t.currency)),
            ("refunded_amount", major(t.refunded, &t.currency)),
        ];
        if t.status == "pending_3ds"
            && let Some(u) = &t.url_3ds
        {
            a.push(("url_3ds", u.clone()));
        }
        a
    }

    fn refund_answer(r: &RefundObj) -> Answer {
        vec![
            ("transactionid", r.id.clone()),
            ("base_transactionid", r.base_id.clone()),
            ("reference", r.reference.clone()),
            ("errorcode", "0".into()),
            ("errormessage", String::new()),
            ("status", r.status.clone()),
            ("amount", major(r.amount, &r.currency)),
            ("currency", r.currency.clone()),
        ]
    }

    /// Records the callback payabl would POST to the transaction's `notification_url`.
    fn callback(&mut self, txn_index: usize, refund: Option<&RefundObj>) {
        let t = &self.transactions[txn_index];
        let Some(url) = t.notification_url.clone() else {
            return;
        };
        let Some(secret) = self.merchants.get(&t.merchant_id).cloned() else {
            return;
        };
        let mut params: BTreeMap<String, String> = BTreeMap::new();
        params.insert("merchantid".into(), t.merchant_id.clone());
        params.insert("orderid".into(), t.orderid.clone());
        match refund {
            Some(r) => {
                params.insert("type".into(), "refund".into());
                params.insert("transactionid".into(), r.id.clone());
                params.insert("base_transactionid".into(), r.base_id.clone());
                params.insert("reference".into(), r.reference.clone());
                params.insert("status".into(), r.status.clone());
                params.insert("errorcode".into(), "0".into());
                params.insert("errormessage".into(), String::new());
                params.insert("amount".into(), major(r.amount, &r.currency));
                params.insert("currency".into(), r.currency.clone());
            }
            None => {
                params.insert("type".into(), "payment".into());
                params.insert("transactionid".into(), t.id.clone());
                params.insert("status".into(), t.status.clone());
                params.insert("errorcode".into(), t.errorcode.clone());
                params.insert("errormessage".into(), t.errormessage.clone());
                params.insert("amount".into(), major(t.amount, &t.currency));
                params.insert("currency".into(), t.currency.clone());
            }
        }
        let sig = signature(&params, &secret);
        params.insert("signature".into(), sig);
        let body = encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.callbacks.push(json!({
            "notificationUrl": url,
            "transactionid": params["transactionid"],
            "type": params["type"],
            "status": params["status"],
            "body": body,
        }));
    }

    fn amount(p: &BTreeMap<String, String>) -> Result<(i64, String), Answer> {
        let currency = p
            .get("currency")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| error("2003", "Missing parameter: currency"))?
            .to_ascii_uppercase();
        if money::exponent(&currency).is_none() || currency.len() != 3 {
            return Err(error("2009", format!("Currency {currency} not supported")));
        }
        let value = p
            .get("amount")
            .filter(|a| !a.is_empty())
            .ok_or_else(|| error("2003", "Missing parameter: amount"))?;
        let minor = money::from_major_str(value, &currency)
            .map_err(|_| error("2003", format!("Invalid amount {value} for {currency}")))?;
        if minor <= 0 {
            return Err(error("2003", "Invalid amount: must be positive"));
        }
        Ok((minor, currency))
    }

    fn find(&self, merchant: &str, id: &str) -> Option<usize> {
        self.transactions
            .iter()
            .position(|t| t.merchant_id == merchant && t.id == id)
    }

    fn authorize(
        &mut self,
        merchant: &str,
        p: &BTreeMap<String, String>,
        preauth: bool,
        base: &str,
    ) -> Answer {
        let (amount, currency) = match Self::amount(p) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let Some(orderid) = p.get("orderid").filter(|o| !o.is_empty()).cloned() else {
            return error("2003", "Missing parameter: orderid");
        };
        if self
            .transactions
            .iter()
            .any(|t| t.merchant_id == merchant && t.orderid == orderid)
        {
            let mut a = error("2004", "Duplicate orderid");
            a.push(("orderid", orderid));
            return a;
        }
        let token = p.get("token").cloned().unwrap_or_default();
        let (status, code, message) = match token.as_str() {
            TOKEN_OK if preauth => ("authorized", "0", ""),
            TOKEN_OK => ("captured", "0", ""),
            TOKEN_DECLINED => ("declined", "2005", "Transaction declined"),
            TOKEN_3DS => ("pending_3ds", "0", ""),
            TOKEN_PENDING => ("pending", "0", ""),
            "" => return error("2003", "Missing parameter: token"),
            _ => return error("2003", "Invalid token"),
        };
        let id = self.fresh_id();
        let txn = Txn {
            url_3ds: (status == "pending_3ds").then(|| format!("{base}/_sim/3ds/{id}")),
            id,
            merchant_id: merchant.to_string(),
            orderid,
            kind: if preauth { "preauthorization" } else { "sale" },
            amount,
            captured: if status == "captured" { amount } else { 0 },
            currency,
            status: status.into(),
            errorcode: code.into(),
            errormessage: message.into(),
            token,
            description: p.get("description").cloned().unwrap_or_default(),
            url_return: p.get("url_return").filter(|u| !u.is_empty()).cloned(),
            notification_url: p.get("notification_url").filter(|u| !u.is_empty()).cloned(),
            refunded: 0,
        };
        let answer = Self::txn_answer(&txn);
        self.transactions.push(txn);
        self.callback(self.transactions.len() - 1, None);
        answer
    }

    fn target(&self, merchant: &str, p: &BTreeMap<String, String>) -> Result<usize, Answer> {
        let id = p
            .get("transactionid")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| error("2003", "Missing parameter: transactionid"))?;
        self.find(merchant, id)
            .ok_or_else(|| error("2007", "Transaction not found"))
    }

    fn capture(&mut self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let i = match self.target(merchant, p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let (amount, currency) = match Self::amount(p) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let t = &self.transactions[i];
        if t.status != "authorized" {
            return error(
                "2008",
                format!("Transaction cannot be captured in status {}", t.status),
            );
        }
        if currency != t.currency {
            return error("2003", "Currency does not match the transaction");
        }
        if amount > t.amount {
            return error("2006", "Amount exceeds the authorized amount");
        }
        let t = &mut self.transactions[i];
        t.status = "captured".into();
        t.captured = amount;
        let answer = Self::txn_answer(t);
        self.callback(i, None);
        answer
    }

    fn reversal(&mut self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let i = match self.target(merchant, p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        if self.transactions[i].status != "authorized" {
            return error(
                "2008",
                format!(
                    "Transaction cannot be reversed in status {}",
                    self.transactions[i].status
                ),
            );
        }
        self.transactions[i].status = "voided".into();
        let answer = Self::txn_answer(&self.transactions[i]);
        self.callback(i, None);
        answer
    }

    fn refund(&mut self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let i = match self.target(merchant, p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let (amount, currency) = match Self::amount(p) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let reference = p.get("reference").cloned().unwrap_or_default();
        let t = &self.transactions[i];
        // A repeated reference for the same transaction answers the first refund (chosen:
        // payabl documents no idempotency; this keeps a retried refund from paying twice).
        if !reference.is_empty()
            && let Some(r) = self
                .refunds
                .iter()
                .find(|r| r.base_id == t.id && r.reference == reference)
        {
            return Self::refund_answer(r);
        }
        if t.status != "captured" {
            return error(
                "2008",
                format!("Transaction cannot be refunded in status {}", t.status),
            );
        }
        if currency != t.currency {
            return error("2003", "Currency does not match the transaction");
        }
        let left = t.captured - t.refunded;
        if amount > left {
            return error(
                "2006",
                format!(
                    "Amount exceeds the refundable amount ({} {} left)",
                    major(left, &t.currency),
                    t.currency
                ),
            );
        }
        let refund = RefundObj {
            id: self.fresh_id(),
            base_id: self.transactions[i].id.clone(),
            reference,
            amount,
            currency,
            status: "refunded".into(),
            description: p.get("description").cloned().unwrap_or_default(),
        };
        self.transactions[i].refunded += amount;
        let answer = Self::refund_answer(&refund);
        self.refunds.push(refund.clone());
        self.callback(i, Some(&refund));
        answer
    }

    fn status(&self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let by_id = p.get("transactionid").filter(|t| !t.is_empty());
        let by_order = p.get("orderid").filter(|o| !o.is_empty());
        let found = match (by_id, by_order) {
            (Some(id), _) => self.find(merchant, id),
            (None, Some(o)) => self
                .transactions
                .iter()
                .position(|t| t.merchant_id == merchant && &t.orderid == o),
            (None, None) => return error("2003", "Missing parameter: transactionid or orderid"),
        };
        match found {
            Some(i) => Self::txn_answer(&self.transactions[i]),
            None => error("2007", "Transaction not found"),
        }
    }

    /// Moves a transaction to `status` (3-D Secure completed, acquirer answered).
    fn set_status(&mut self, id: &str, status: &str) -> Result<Answer, String> {
        let i = self
            .transactions
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| format!("no transaction {id}"))?;
        let t = &mut self.transactions[i];
        let (status, code, message) = match status {
            "captured" if t.kind == "preauthorization" => ("authorized", "0", ""),
            "captured" => ("captured", "0", ""),
            "authorized" => ("authorized", "0", ""),
            "declined" => ("declined", "2005", "Transaction declined"),
            "voided" => ("voided", "0", ""),
            "pending" => ("pending", "0", ""),
            other => return Err(format!("unknown status {other}")),
        };
        t.status = status.into();
        t.errorcode = code.into();
        t.errormessage = message.into();
        if status == "captured" {
            t.captured = t.amount;
        }
        let answer = Self::txn_answer(t);
        self.callback(i, None);
        Ok(answer)
    }

    fn txn_json(t: &Txn) -> Value {
        json!({
            "transactionid": t.id, "merchantid": t.merchant_id, "orderid": t.orderid,
            "type": t.kind, "amount": major(t.amount, &t.currency), "currency": t.currency,
            "status": t.status, "errorcode": t.errorcode, "token": t.token,
            "description": t.description, "url_return": t.url_return,
            "notification_url": t.notification_url, "url_3ds": t.url_3ds,
            "captured_amount": major(t.captured, &t.currency),
            "refunded_amount": major(t.refunded, &t.currency),
        })
    }
}

impl PayablSim {
    pub fn new() -> Arc<PayablSim> {
        let mut merchants = BTreeMap::new();
        merchants.insert(SANDBOX_MERCHANT_ID.to_string(), SANDBOX_SECRET.to_string());
        Arc::new(PayablSim {
            state: Mutex::new(SimState {
                merchants,
                ..SimState::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }

    /// Runs one gateway operation on a parsed, not yet verified request.
    fn execute(&self, operation: &str, p: &BTreeMap<String, String>, base: &str) -> Answer {
        let mut st = self.lock();
        let Some(merchant) = p.get("merchantid").filter(|m| !m.is_empty()).cloned() else {
            return error("2003", "Missing parameter: merchantid");
        };
        let Some(secret) = st.merchants.get(&merchant).cloned() else {
            return error("2002", "Unknown merchantid");
        };
        let given = p.get("signature").map(|s| s.to_ascii_lowercase());
        if given.as_deref() != Some(signature(p, &secret).as_str()) {
            return error("2001", "Invalid signature");
        }
        match operation {
            "payment_authorize" => st.authorize(&merchant, p, false, base),
            "payment_preauthorize" => st.authorize(&merchant, p, true, base),
            "payment_capture" => st.capture(&merchant, p),
            "payment_reversal" => st.reversal(&merchant, p),
            "payment_refund" => st.refund(&merchant, p),
            "payment_status" => st.status(&merchant, p),
            _ => unreachable!("routed operations only"),
        }
    }
}

// ---- HTTP ---------------------------------------------------------------------------------

const OPERATIONS: &[&str] = &[
    "payment_authorize",
    "payment_preauthorize",
    "payment_capture",
    "payment_reversal",
    "payment_refund",
    "payment_status",
];

pub fn router(sim: Arc<PayablSim>) -> Router {
    Router::new()
        .route("/pay/backoffice/{operation}", post(gateway))
        .route("/_sim/transactions", get(sim_transactions))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/callbacks", get(sim_callbacks))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/reset", post(sim_reset))
        .route("/_sim/transactions/{id}/status", post(sim_status))
        .route("/_sim/3ds/{id}", get(sim_3ds))
        .with_state(sim)
}

fn text_answer(status: StatusCode, answer: &Answer) -> Response {
    let body = encode_form(answer.iter().map(|(k, v)| (*k, v.as_str())));
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=ISO-8859-1"),
    );
    resp
}

/// The mount point's absolute URL: `http://{Host}{prefix}`.
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

fn injected_failure(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (
        status,
        format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        ),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=ISO-8859-1"),
    );
    resp
}

async fn gateway(
    State(sim): State<Arc<PayablSim>>,
    Path(operation): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !OPERATIONS.contains(&operation.as_str()) {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    let plan = sim.take_fail();
    if let Some(plan) = &plan
        && !plan.after_write
    {
        return injected_failure(plan.status.as_u16());
    }
    let params = parse_form(&body);
    let base = base_url(&headers, &uri, &original);
    let answer = sim.execute(&operation, &params, &base);
    match plan {
        Some(plan) => injected_failure(plan.status.as_u16()),
        None => text_answer(StatusCode::OK, &answer),
    }
}

async fn sim_transactions(State(sim): State<Arc<PayablSim>>) -> Response {
    let st = sim.lock();
    axum::Json(Value::Array(
        st.transactions.iter().map(SimState::txn_json).collect(),
    ))
    .into_response()
}

async fn sim_refunds(State(sim): State<Arc<PayablSim>>) -> Response {
    let st = sim.lock();
    let list = st
        .refunds
        .iter()
        .map(|r| {
            json!({
                "transactionid": r.id, "base_transactionid": r.base_id,
                "reference": r.reference, "amount": major(r.amount, &r.currency),
                "currency": r.currency, "status": r.status, "description": r.description,
            })
        })
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

async fn sim_callbacks(
    State(sim): State<Arc<PayablSim>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let st = sim.lock();
    let list = st
        .callbacks
        .iter()
        .filter(|c| {
            q.get("transactionid")
                .is_none_or(|id| c["transactionid"] == id.as_str())
        })
        .cloned()
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

async fn sim_fail(State(sim): State<Arc<PayablSim>>, body: axum::body::Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

async fn sim_reset(State(sim): State<Arc<PayablSim>>) -> Response {
    let mut st = sim.lock();
    let merchants = std::mem::take(&mut st.merchants);
    *st = SimState {
        merchants,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

async fn sim_status(
    State(sim): State<Arc<PayablSim>>,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<StatusBody>,
) -> Response {
    match sim.lock().set_status(&id, &body.status) {
        Ok(answer) => {
            let map: serde_json::Map<String, Value> = answer
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v)))
                .collect();
            axum::Json(Value::Object(map)).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

/// Stands in for the issuer's 3-D Secure page: applies the outcome, then redirects to
/// the transaction's `url_return` (or answers 200 without one).
async fn sim_3ds(
    State(sim): State<Arc<PayablSim>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let outcome = match q.get("result").map(String::as_str).unwrap_or("ok") {
        "ok" => "captured",
        "declined" => "declined",
        other => {
            return (StatusCode::BAD_REQUEST, format!("unknown result {other}")).into_response();
        }
    };
    let mut st = sim.lock();
    match st.transactions.iter().find(|t| t.id == id) {
        Some(t) if t.status == "pending_3ds" => {}
        Some(t) => {
            return (
                StatusCode::CONFLICT,
                format!("transaction {id} is {}", t.status),
            )
                .into_response();
        }
        None => return (StatusCode::NOT_FOUND, format!("no transaction {id}")).into_response(),
    }
    if let Err(e) = st.set_status(&id, outcome) {
        return (StatusCode::BAD_REQUEST, e).into_response();
    }
    match st
        .transactions
        .iter()
        .find(|t| t.id == id)
        .and_then(|t| t.url_return.clone())
    {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        None => (StatusCode::OK, format!("3-D Secure {outcome}")).into_response(),
    }
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

//! BEEP! Connect ERP connector for lexoffice (Lexware Office), `https://api.lexoffice.io/v1`,
//! as lexoffice's public API documentation describes it (no published machine-readable
//! spec exists).
//!
//! Every request carries `Authorization: Bearer <API key>`. Lists are Spring Data pages
//! (`content`, `first`, `last`, `totalPages`, `totalElements`, `number`, `size`), paged with
//! `page` (from 0) and `size` (at most 250 for `/contacts` and `/voucherlist`).
//!
//! * Inventory: lexoffice keeps **no stock levels** (articles have prices, no quantities).
//!   `fetch-inventory` answers one empty, final page and logs a warning, without a
//!   request. It does not answer `unsupported`: the host classifies that as a config
//!   error and fails the whole syncERP run before the other streams are read.
//! * Orders: lexoffice has no purchase orders. The stream maps the purchase vouchers
//!   (incoming invoices) of `GET /voucherlist?voucherType=purchaseinvoice&voucherStatus=any`:
//!   number, supplier (`contactId`), status (`voucherStatus`: open, paid, paidoff, voided,
//!   …), gross total and date. The list carries no line items, and reading each voucher
//!   (`GET /vouchers/{id}`) would cost one request per voucher at 2 requests a second, so
//!   the orders come without lines.
//! * Suppliers: `GET /contacts?vendor=true` (contacts with the vendor role); archived ones
//!   are skipped. Email: the first business, office, private or other address, else the
//!   primary contact person's; VAT id: `company.vatRegistrationId`.
//! * Transactions: a sale is a bookkeeping voucher `POST /vouchers` of type `salesinvoice`,
//!   a refund one of type `salescreditnote`, both with `voucherNumber` = `BEEP-<id>`,
//!   `taxType` gross, `useCollectiveContact`, and one voucher item at the transaction's
//!   amount with the configured tax rate (default 19 %) and booking category (default
//!   "Einnahmen"). A transaction carries no lines, so a sale is booked at one tax rate.
//!   lexoffice does not reject a repeated `voucherNumber` (no 409, no 406: a resend would
//!   be a second voucher), so before creating, the connector looks for it:
//!   `GET /voucherlist?voucherType=…&voucherStatus=any&voucherNumber=BEEP-<id>`; a hit
//!   is a duplicate, which makes a resend after a lost answer book nothing twice. A
//!   partial refund is a credit note of the refunded amount. Amounts are euros with two
//!   decimals from the minor units (the currency's exponent).
//! * Payments are `rejected(unsupported)`, because lexoffice's public API has no way to
//!   record money received: `/payments/{voucherId}` is read-only (a voucher's payment
//!   status and its assigned payment items); `POST /vouchers` writes only bookkeeping
//!   vouchers (`salesinvoice`, `salescreditnote`, `purchaseinvoice`,
//!   `purchasecreditnote`), which are revenue and expense, not money movements (a
//!   payment as a `salesinvoice` would count the sale's revenue twice); a voucher's
//!   `voucherStatus` (open → paid) is set by lexoffice itself when a bank transaction of
//!   the merchant's connected account is assigned to it, never by the API; and the one
//!   payment-related write, `POST /transaction-assignment-hint` (`voucherId`,
//!   `externalReference`), only hints which voucher a future bank transaction belongs
//!   to, which needs the voucher of the sale the payment paid: the host sends a payment
//!   without its sale. The PSP's payout reaches lexoffice through the bank feed instead.
//!   Rejected (not left pending), the host settles each payment once instead of
//!   resending it every push.
//! * lexoffice keeps euro books only: other currencies are `rejected(invalid-config)`.
//! * Stock changes: no stock in lexoffice: each change is `rejected(unsupported)` (so the
//!   host settles it instead of resending it forever).
//!
//! Rate limit: about 2 requests a second per API key, then 429. Reads do not wait: the
//! 429 becomes `rate-limited(Retry-After)` and the host waits it out and repeats the page.
//! Pushes wait (`std::thread::sleep`, wasi clocks) for `Retry-After` (at most
//! [`MAX_WAIT_SECS`], and only while the call's deadline allows) and retry, up to
//! [`RETRIES`] times a request. A push call books at most [`MAX_ITEMS_PER_CALL`] items
//! (two requests each) and stops before [`MAX_REQUESTS`] requests; the rest come back
//! `rejected(rate-limited)` and stay pending for the next push.

mod model;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{internal, invalid_config, unsupported};
use beep_sdk::http::{Request, Response};
use beep_sdk::log;
use beep_sdk::money;
use beep_sdk::transport::{Transport, Wasi};
use beep_sdk::types::{
    ConnectorError, InventoryPage, Money, OrdersPage, PurchaseOrder, PushOutcome, PushResult,
    StockChange, Supplier, SuppliersPage, Transaction, TransactionKind,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const DEFAULT_BASE_URL: &str = "https://api.lexoffice.io/v1";
/// Contacts and vouchers per page (lexoffice's maximum is 250).
pub const PAGE_SIZE: usize = 100;
/// Pages read in one call: with 2 requests a second, a call stays short.
pub const PAGES_PER_CALL: usize = 10;
/// Items pushed per call: two requests each (look-up, create).
pub const MAX_ITEMS_PER_CALL: usize = 20;
/// Requests a push call may make (the host's budget is 100).
pub const MAX_REQUESTS: usize = 90;
/// Retries of one request answered 429 during a push.
pub const RETRIES: u32 = 3;
/// The longest `Retry-After` a push waits for itself.
pub const MAX_WAIT_SECS: u32 = 5;
/// lexoffice's booking category "Einnahmen" (revenue), as its docs list it.
pub const REVENUE_CATEGORY: &str = "8f8664a8-fd86-11e1-a21f-0800200c9a66";
/// The only currency lexoffice books in.
pub const CURRENCY: &str = "EUR";

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "lexoffice",
  "type": "object",
  "required": ["apiKey"],
  "properties": {
    "apiKey": {"type": "string", "minLength": 1, "description": "lexoffice public API key, sent as Bearer token", "writeOnly": true},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://api.lexoffice.io/v1"},
    "taxRatePercent": {"type": "number", "minimum": 0, "maximum": 100, "default": 19, "description": "Tax rate a BEEP! sale or refund is booked at (a transaction carries no lines)"},
    "categoryId": {"type": "string", "default": "8f8664a8-fd86-11e1-a21f-0800200c9a66", "description": "lexoffice booking category of sales vouchers (default: Einnahmen)"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    api_key: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    tax_rate_percent: Option<f64>,
    #[serde(default)]
    category_id: Option<String>,
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        let key = cfg.api_key.trim();
        if key.is_empty() || key.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid_config("config: apiKey must be a lexoffice API key"));
        }
        let base = cfg.base();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        let rate = cfg.tax_rate();
        if !(0.0..=100.0).contains(&rate) {
            return Err(invalid_config(
                "config: taxRatePercent must be between 0 and 100",
            ));
        }
        if cfg.category().is_empty() {
            return Err(invalid_config("config: categoryId must not be empty"));
        }
        Ok(cfg)
    }

    /// The API root; without `/v1`, it is added.
    fn base(&self) -> String {
        let b = self
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/');
        if b.ends_with("/v1") {
            b.to_string()
        } else {
            format!("{b}/v1")
        }
    }

    fn tax_rate(&self) -> f64 {
        self.tax_rate_percent.unwrap_or(19.0)
    }

    fn category(&self) -> &str {
        self.category_id
            .as_deref()
            .map(str::trim)
            .unwrap_or(REVENUE_CATEGORY)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base())
    }

    fn request(&self, req: Request) -> Request {
        req.bearer(self.api_key.trim())
            .header("accept", "application/json")
    }
}

/// lexoffice's words from an error answer: `message` (gateway and newer errors: 401
/// `{"message":"Unauthorized"}`, 429 `{"status":429,"error":"Too Many Requests",
/// "message":…}`), else `error`, else the legacy `IssueList` (`source: i18nKey`).
pub fn error_message(body: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if let Some(m) = v["message"].as_str().filter(|m| !m.is_empty()) {
            return Some(m.to_string());
        }
        if let Some(issues) = v["IssueList"].as_array().filter(|i| !i.is_empty()) {
            let text = issues
                .iter()
                .map(|i| {
                    let key = i["i18nKey"].as_str().unwrap_or("issue");
                    match i["source"].as_str() {
                        Some(src) => format!("{src}: {key}"),
                        None => key.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Some(text);
        }
        if let Some(e) = v["error"].as_str() {
            return Some(e.to_string());
        }
    }
    let text = String::from_utf8_lossy(body).trim().to_string();
    (!text.is_empty()).then(|| text.chars().take(200).collect())
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| error_message(&r.body))
}

// ---- mapping ---------------------------------------------------------------------------

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

fn supplier(c: &model::Contact) -> Supplier {
    let company = c.company.as_ref();
    let person_name = c.person.as_ref().map(|p| {
        [p.first_name.as_deref(), p.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let name = company
        .and_then(|co| non_empty(co.name.as_deref()))
        .or_else(|| non_empty(person_name.as_deref()))
        .unwrap_or_else(|| format!("Contact {}", c.id));
    let email = c
        .email_addresses
        .as_ref()
        .and_then(|e| {
            [&e.business, &e.office, &e.private, &e.other]
                .into_iter()
                .flatten()
                .find_map(|a| non_empty(Some(a)))
        })
        .or_else(|| {
            let persons = &company?.contact_persons;
            persons
                .iter()
                .filter(|p| p.primary == Some(true))
                .chain(persons.iter())
                .find_map(|p| non_empty(p.email_address.as_deref()))
        });
    Supplier {
        external_id: c.id.clone(),
        name,
        email,
        vat_id: company.and_then(|co| non_empty(co.vat_registration_id.as_deref())),
    }
}

/// A purchase voucher as a purchase order (no lines: the list has none).
fn purchase_order(v: &model::VoucherListItem) -> Result<PurchaseOrder, ConnectorError> {
    let currency = v
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(CURRENCY)
        .to_ascii_uppercase();
    let total = v
        .total_amount
        .map(|t| money::from_major_f64(t, &currency).map(|a| money::money(a, &currency)))
        .transpose()?;
    Ok(PurchaseOrder {
        external_id: v.id.clone(),
        supplier_id: non_empty(v.contact_id.as_deref()),
        number: non_empty(v.voucher_number.as_deref()),
        status: non_empty(v.voucher_status.as_deref()).unwrap_or_else(|| "unknown".into()),
        total,
        ordered_at: non_empty(v.voucher_date.as_deref()),
        lines: Vec::new(),
    })
}

/// The `voucherNumber` a pushed transaction carries.
pub fn reference(tx: &Transaction) -> String {
    format!("BEEP-{}", tx.id)
}

/// Minor units as a JSON number in major units (`347` EUR → `3.47`).
fn amount_json(m: &Money) -> Result<Value, ConnectorError> {
    let s = money::to_major_string(m)?;
    serde_json::from_str(&s).map_err(|e| internal(format!("amount {s}: {e}")))
}

/// The tax contained in a gross amount at `rate` percent, in minor units (half away from
/// zero).
pub fn tax_of_gross(gross: i64, rate: f64) -> i64 {
    if rate <= 0.0 {
        return 0;
    }
    (gross as f64 * rate / (100.0 + rate)).round() as i64
}

/// A whole rate as an integer (`19`), else as a decimal (`8.1`).
fn rate_json(rate: f64) -> Value {
    if rate.fract() == 0.0 {
        json!(rate as i64)
    } else {
        json!(rate)
    }
}

fn voucher_type(kind: TransactionKind) -> &'static str {
    match kind {
        TransactionKind::Refund => "salescreditnote",
        _ => "salesinvoice",
    }
}

/// The `POST /vouchers` body of a sale or refund.
fn voucher(cfg: &Config, tx: &Transaction) -> Result<Value, ConnectorError> {
    let currency = tx.amount.currency.to_ascii_uppercase();
    if currency != CURRENCY {
        return Err(invalid_config(format!(
            "transaction {}: lexoffice books only EUR, not {currency}",
            tx.id
        )));
    }
    let date = tx
        .occurred_at
        .get(..10)
        .filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-');
    let Some(date) = date else {
        return Err(invalid_config(format!(
            "transaction {}: occurred-at is not an RFC 3339 timestamp",
            tx.id
        )));
    };
    // A credit note's amounts are positive too: its type says which way they go.
    let gross = tx.amount.amount.abs();
    let tax = tax_of_gross(gross, cfg.tax_rate());
    let gross_json = amount_json(&money::money(gross, CURRENCY))?;
    let tax_json = amount_json(&money::money(tax, CURRENCY))?;
    let what = match tx.kind {
        TransactionKind::Refund => "refund",
        _ => "receipt",
    };
    let mut remark = format!("BEEP! Scan & Go {what}");
    if let Some(r) = tx.reference.as_deref().filter(|r| !r.is_empty()) {
        remark.push_str(&format!(" {r}"));
    }
    Ok(json!({
        "type": voucher_type(tx.kind),
        "voucherNumber": reference(tx),
        "voucherDate": date,
        "shippingDate": date,
        "totalGrossAmount": gross_json,
        "totalTaxAmount": tax_json,
        "taxType": "gross",
        "useCollectiveContact": true,
        "remark": remark,
        "voucherItems": [{
            "amount": gross_json,
            "taxAmount": tax_json,
            "taxRatePercent": rate_json(cfg.tax_rate()),
            "categoryId": cfg.category(),
        }],
    }))
}

// ---- reads -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(default)]
struct PageCursor {
    /// The next page to read (0-based).
    page: u64,
}

/// Reads up to `pages` Spring pages of `path` from the cursor's page on. A 429 is the
/// host's to wait out (the cursor has not moved).
fn read_pages<T: DeserializeOwned>(
    cfg: &Config,
    api: &mut dyn Transport,
    path: &str,
    filter: &[(&str, &str)],
    cursor: Option<&str>,
    pages: usize,
) -> Result<(Vec<T>, Option<String>, bool), ConnectorError> {
    let st: PageCursor = Cursor::decode(cursor)?;
    let mut number = st.page;
    let mut items = Vec::new();
    for _ in 0..pages {
        let mut query: Vec<(&str, String)> =
            filter.iter().map(|(k, v)| (*k, v.to_string())).collect();
        query.push(("page", number.to_string()));
        query.push(("size", PAGE_SIZE.to_string()));
        let req = cfg.request(Request::get(cfg.url(path))).query(&query);
        let page: model::Page<T> = check(api.send(req)?)?.json()?;
        let more = page.has_next(number, PAGE_SIZE) && !page.content.is_empty();
        items.extend(page.content);
        number += 1;
        if !more {
            return Ok((items, None, false));
        }
    }
    let next = Cursor::encode(&PageCursor { page: number })?;
    Ok((items, Some(next), true))
}

fn fetch_inventory() -> InventoryPage {
    log::warn(
        "lexoffice keeps no stock levels (articles have prices only): the inventory stream \
         is empty",
    );
    InventoryPage {
        levels: Vec::new(),
        next_cursor: None,
        has_more: false,
    }
}

fn fetch_suppliers(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<SuppliersPage, ConnectorError> {
    let (list, next_cursor, has_more) = read_pages::<model::Contact>(
        cfg,
        api,
        "contacts",
        &[("vendor", "true")],
        cursor,
        PAGES_PER_CALL,
    )?;
    Ok(SuppliersPage {
        suppliers: list
            .iter()
            .filter(|c| c.archived != Some(true))
            .map(supplier)
            .collect(),
        next_cursor,
        has_more,
    })
}

fn fetch_orders(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<OrdersPage, ConnectorError> {
    let (list, next_cursor, has_more) = read_pages::<model::VoucherListItem>(
        cfg,
        api,
        "voucherlist",
        &[("voucherType", "purchaseinvoice"), ("voucherStatus", "any")],
        cursor,
        PAGES_PER_CALL,
    )?;
    let orders = list
        .iter()
        .filter(|v| {
            v.voucher_type
                .as_deref()
                .is_none_or(|t| t == "purchaseinvoice")
        })
        .map(purchase_order)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(OrdersPage {
        orders,
        next_cursor,
        has_more,
    })
}

// ---- pushes ----------------------------------------------------------------------------

/// Counts a push call's requests and waits out 429s.
struct Pusher<'a> {
    cfg: &'a Config,
    api: &'a mut dyn Transport,
    sent: usize,
}

impl Pusher<'_> {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
        let mut tries = 0;
        loop {
            if self.sent >= MAX_REQUESTS {
                return Err(ConnectorError::RateLimited(None));
            }
            self.sent += 1;
            let resp = self.api.send(self.cfg.request(req.clone()))?;
            if resp.status == 429 && tries < RETRIES {
                let wait = resp.retry_after().unwrap_or(1).max(1);
                if wait <= MAX_WAIT_SECS && self.api.pause(wait) {
                    tries += 1;
                    continue;
                }
            }
            return check(resp);
        }
    }

    /// The voucher numbered `number`, if lexoffice has one.
    fn find(
        &mut self,
        kind: TransactionKind,
        number: &str,
    ) -> Result<Option<String>, ConnectorError> {
        let query = [
            ("voucherType", voucher_type(kind)),
            ("voucherStatus", "any"),
            ("voucherNumber", number),
            ("page", "0"),
            ("size", "25"),
        ];
        let url = self.cfg.url("voucherlist");
        let page: model::Page<model::VoucherListItem> =
            self.send(Request::get(url).query(&query))?.json()?;
        Ok(page
            .content
            .into_iter()
            .find(|v| v.voucher_number.as_deref() == Some(number))
            .map(|v| v.id))
    }

    fn book(&mut self, tx: &Transaction) -> Result<PushOutcome, ConnectorError> {
        match tx.kind {
            TransactionKind::Sale | TransactionKind::Refund => {}
            TransactionKind::Payment => {
                return Err(unsupported(
                    "lexoffice's API cannot record a payment: /payments is read-only and a \
                     voucher becomes paid only when lexoffice assigns a bank transaction to it \
                     (the PSP's payout arrives through the bank feed)",
                ));
            }
            TransactionKind::Chargeback | TransactionKind::Fee | TransactionKind::Payout => {
                return Err(unsupported(
                    "lexoffice books chargebacks, PSP fees and payouts from its bank feed: \
                     its API has no endpoint that records a bank movement",
                ));
            }
        }
        let body = voucher(self.cfg, tx)?;
        let number = reference(tx);
        if let Some(id) = self.find(tx.kind, &number)? {
            return Ok(PushOutcome::Duplicate(Some(id)));
        }
        let req = Request::post(self.cfg.url("vouchers")).json(&body)?;
        let resp = self.send(req)?;
        let id = resp.json::<model::Created>().ok().map(|c| c.id);
        Ok(PushOutcome::Created(id))
    }
}

fn transient(e: &ConnectorError) -> bool {
    match e {
        ConnectorError::RateLimited(_) | ConnectorError::Network(_) => true,
        ConnectorError::Upstream(u) => u.status >= 500,
        _ => false,
    }
}

fn fatal(e: &ConnectorError) -> bool {
    matches!(
        e,
        ConnectorError::Unauthorized(_) | ConnectorError::Forbidden(_)
    )
}

/// Books transactions one by one: a transient failure stops the call (its error if
/// nothing got through, else it and the rest are `rejected` with it); at most
/// [`MAX_ITEMS_PER_CALL`] are attempted, the rest are `rejected(rate-limited)`.
fn push_transactions(
    cfg: &Config,
    api: &mut dyn Transport,
    txs: &[Transaction],
) -> Result<Vec<PushResult>, ConnectorError> {
    let mut pusher = Pusher { cfg, api, sent: 0 };
    let mut results = Vec::with_capacity(txs.len());
    let mut stop: Option<ConnectorError> = None;
    let mut through = false;
    let mut attempted = 0;
    let mut skipped = 0;
    for tx in txs {
        let outcome = if let Some(e) = &stop {
            PushOutcome::Rejected(e.clone())
        } else if attempted >= MAX_ITEMS_PER_CALL {
            skipped += 1;
            PushOutcome::Rejected(ConnectorError::RateLimited(None))
        } else {
            attempted += 1;
            match pusher.book(tx) {
                Ok(o) => {
                    through = true;
                    o
                }
                Err(e) if fatal(&e) => return Err(e),
                Err(e) if transient(&e) => {
                    if !through {
                        return Err(e);
                    }
                    stop = Some(e.clone());
                    PushOutcome::Rejected(e)
                }
                Err(e) => PushOutcome::Rejected(e),
            }
        };
        results.push(PushResult {
            id: tx.id.clone(),
            outcome,
        });
    }
    if skipped > 0 {
        log::warn(&format!(
            "{skipped} of {} transactions left for the next push (at most \
             {MAX_ITEMS_PER_CALL} per call)",
            txs.len()
        ));
    }
    Ok(results)
}

/// lexoffice has no stock: every change is rejected, so the host settles it.
fn push_stock_changes(changes: &[StockChange]) -> Vec<PushResult> {
    let reason = unsupported("lexoffice keeps no stock levels: stock changes cannot be booked");
    changes
        .iter()
        .map(|c| PushResult {
            id: c.id.clone(),
            outcome: PushOutcome::Rejected(reason.clone()),
        })
        .collect()
}

// ---- exports ---------------------------------------------------------------------------

struct Lexoffice;

beep_sdk::describe!(erp Lexoffice {
    name: "lexoffice",
    systems: ["lexoffice"],
    hosts: ["https://api.lexoffice.io"],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::erp::Erp for Lexoffice {
    fn fetch_inventory(
        config: String,
        _cursor: Option<String>,
    ) -> Result<InventoryPage, ConnectorError> {
        Config::parse(&config)?;
        Ok(fetch_inventory())
    }

    fn fetch_orders(config: String, cursor: Option<String>) -> Result<OrdersPage, ConnectorError> {
        fetch_orders(&Config::parse(&config)?, &mut Wasi, cursor.as_deref())
    }

    fn fetch_suppliers(
        config: String,
        cursor: Option<String>,
    ) -> Result<SuppliersPage, ConnectorError> {
        fetch_suppliers(&Config::parse(&config)?, &mut Wasi, cursor.as_deref())
    }

    fn push_transactions(
        config: String,
        transactions: Vec<Transaction>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        push_transactions(&Config::parse(&config)?, &mut Wasi, &transactions)
    }

    fn push_stock_changes(
        config: String,
        changes: Vec<StockChange>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        Config::parse(&config)?;
        Ok(push_stock_changes(&changes))
    }
}

beep_sdk::export_erp!(Lexoffice);

#[cfg(test)]
mod tests;

//! BEEP! Connect ERP connector for SAP Business One through its Service Layer
//! (`https://{host}:50000/b1s/v1`). SAP publishes no OpenAPI file: the Service Layer
//! serves its `$metadata` at run time, and this connector follows SAP's documented
//! behaviour for the few entities it uses.
//!
//! Sessions. `POST /Login` with `{"CompanyDB", "UserName", "Password"}` answers
//! `{"SessionId", "SessionTimeout", …}` and sets the cookies `B1SESSION` (and `ROUTEID`
//! behind SAP's load balancer); every later request sends them back as
//! `Cookie: B1SESSION=…; ROUTEID=…`. A connector holds no state between calls, so every
//! call logs in, works and logs out (`POST /Logout`, also after an error), which costs
//! two of the host's 100 requests a call. A request answered 401 inside a call (the
//! session expired: SAP's `{"error":{"code":…,"message":{"lang":"en-us","value":"Invalid
//! session."}}}`) logs in again once and is repeated.
//!
//! Reads (OData): `Prefer: odata.maxpagesize=N` sets the page size; the answer's
//! `@odata.nextLink` (`odata.nextLink` in older versions) is the next page, kept in the
//! cursor. A finished run's cursor holds the highest `UpdateDate` seen: the next run
//! reads only what changed since, with `$filter=UpdateDate ge '…'` (a date: the last
//! day is read again, which is harmless; upserts).
//!
//! * Inventory: `Items` that are inventory items (`InventoryItem eq 'tYES'`) with
//!   `QuantityOnStock` (all warehouses) or, with a configured `warehouse`, that
//!   warehouse's `InStock` from `ItemWarehouseInfoCollection`.
//! * Suppliers: `BusinessPartners` with `CardType eq 'cSupplier'` (customers and leads
//!   are not suppliers).
//! * Orders: `PurchaseOrders` with their `DocumentLines`.
//!
//! Pushes:
//!
//! * A sale is an A/R document (`Invoices` by default, `Orders` if configured) for the
//!   configured customer (`cardCode`), one line of the configured item (`saleItemCode`)
//!   at the sale's gross total, with `NumAtCard` (the customer's reference) =
//!   `BEEP-<transaction id>`. It is searched first (`$filter=NumAtCard eq '…'`): a hit
//!   is a duplicate.
//! * A payment (money BEEP!'s PSP took) is an incoming payment (`IncomingPayments`,
//!   B1's ORCT) from the configured customer, `DocType` `rCustomer`, on account (no
//!   `PaymentInvoices`: the host sends a payment without the sale it paid), as a bank
//!   transfer of `TransferSum` to the configured G/L account (`paymentAccount`: where
//!   the PSP's payouts arrive, e.g. a money-in-transit account).
//! * A refund (money given back through the PSP) is what B1 does when money goes back
//!   to a customer: an outgoing payment (`VendorPayments`, B1's OVPM, which pays
//!   customers as well as vendors) to the same customer, `DocType` `rCustomer`, on
//!   account, from the same G/L account. Not an A/R credit note: a credit note corrects
//!   revenue by item, and a refund carries neither the sale nor its items, only the
//!   money that left; a partial refund is simply a smaller outgoing payment.
//! * Both carry `Remarks` = `BEEP-<transaction id>` (`CounterReference` holds only 8
//!   characters in B1, too short for the id; a UDF would need setting up in every
//!   company) and the PSP's reference in `JournalRemarks`. B1 accepts a second payment
//!   with the same remarks, so before creating, the connector searches
//!   (`$filter=Remarks eq '…'`): a hit is a duplicate, which makes a resend after a lost
//!   answer book nothing twice. Amounts are major units of the transaction's currency
//!   (`DocCurrency`), converted with the currency's exponent.
//! * The stock changes of one sale are one goods issue (`InventoryGenExits`; a positive
//!   change is a goods receipt, `InventoryGenEntries`) with `Comments` =
//!   `BEEP-<sale id>`, searched first (`$filter=Comments eq '…'`).
//!
//! Pushes stay inside the host's budget of 100 requests a call: login and logout plus at
//! most [`MAX_ITEMS_PER_CALL`] items (two requests each); the rest come back
//! `rejected(rate-limited)` and stay pending for the next push.

mod odata;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{internal, invalid_config, unauthorized};
use beep_sdk::http::{Request, Response};
use beep_sdk::log;
use beep_sdk::money;
use beep_sdk::transport::{Transport, Wasi};
use beep_sdk::types::{
    ConnectorError, ConnectorInfo, ConnectorKind, InventoryPage, Money, OrderLine, OrdersPage,
    PurchaseOrder, PushOutcome, PushResult, StockChange, StockLevel, Supplier, SuppliersPage,
    Transaction, TransactionKind,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use odata::{encode_query, resolve_link};

/// Items and suppliers per page (`Prefer: odata.maxpagesize`).
pub const PAGE_SIZE: usize = 500;
/// Purchase orders per page (they carry their lines).
pub const ORDER_PAGE_SIZE: usize = 100;
/// Pages read in one call: with login and logout well inside 100 requests.
pub const PAGES_PER_CALL: usize = 20;
/// Items pushed per call: two requests each, plus login and logout.
pub const MAX_ITEMS_PER_CALL: usize = 45;

/// Host patterns: SAP Business One runs on the merchant's own host, which no fixed list
/// can name. These are SAP's hosted offerings; a merchant with another host uploads or
/// approves a copy of this connector that declares it.
pub const HOSTS: &[&str] = &[
    "https://*.sap-b1.cloud:50000",
    "https://*.sap-b1.cloud",
    "https://*.b1cloud.com:50000",
    "https://*.b1cloud.com",
];

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "sap",
  "type": "object",
  "required": ["companyDb", "userName", "password", "baseUrl"],
  "properties": {
    "companyDb": {"type": "string", "minLength": 1, "description": "SAP Business One company database (CompanyDB of POST /Login)"},
    "userName": {"type": "string", "minLength": 1, "description": "SAP Business One user"},
    "password": {"type": "string", "minLength": 1, "writeOnly": true, "description": "The user's password"},
    "baseUrl": {"type": "string", "format": "uri", "description": "Service Layer root, e.g. https://sap.example.com:50000/b1s/v1"},
    "currency": {"type": "string", "default": "EUR", "description": "ISO 4217 code of the company's local currency"},
    "warehouse": {"type": "string", "description": "Warehouse code: stock is read from and booked to it (default: all warehouses / the item's default warehouse)"},
    "cardCode": {"type": "string", "description": "Customer (CardCode) BEEP! sales are booked to (required to push sales)"},
    "saleItemCode": {"type": "string", "description": "Item a BEEP! sale is booked as: one line at the sale's gross total (required to push sales)"},
    "salesDocument": {"type": "string", "enum": ["Invoices", "Orders"], "default": "Invoices", "description": "A/R document a sale becomes"},
    "paymentAccount": {"type": "string", "description": "G/L account (TransferAccount) BEEP! payments arrive on and refunds leave from, e.g. a money-in-transit account (required to push payments and refunds)"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    company_db: String,
    user_name: String,
    password: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    warehouse: Option<String>,
    #[serde(default)]
    card_code: Option<String>,
    #[serde(default)]
    sale_item_code: Option<String>,
    #[serde(default)]
    sales_document: Option<String>,
    #[serde(default)]
    payment_account: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        for (name, value) in [
            ("companyDb", cfg.company_db.as_str()),
            ("userName", cfg.user_name.as_str()),
            ("password", cfg.password.expose()),
        ] {
            if value.trim().is_empty() {
                return Err(invalid_config(format!("config: {name} must not be empty")));
            }
        }
        let base = cfg.base_url.as_deref().unwrap_or("").trim();
        if base.is_empty() {
            return Err(invalid_config(
                "config: baseUrl (your Service Layer, e.g. https://sap.example.com:50000/b1s/v1) is required",
            ));
        }
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if money::exponent(cfg.currency()).is_none() {
            return Err(invalid_config(format!(
                "config: currency {:?} is not an ISO 4217 code",
                cfg.currency()
            )));
        }
        if !matches!(cfg.sales_document(), "Invoices" | "Orders") {
            return Err(invalid_config(
                "config: salesDocument must be \"Invoices\" or \"Orders\"",
            ));
        }
        Ok(cfg)
    }

    /// The Service Layer root: `…/b1s/v1` (or `v2`) as given, else `/b1s/v1` appended.
    fn base(&self) -> String {
        let b = self.base_url.as_deref().unwrap_or("").trim();
        let b = b.trim_end_matches('/');
        if b.ends_with("/b1s/v1") || b.ends_with("/b1s/v2") {
            b.to_string()
        } else {
            format!("{b}/b1s/v1")
        }
    }

    fn currency(&self) -> &str {
        non_empty(&self.currency).unwrap_or("EUR")
    }

    fn warehouse(&self) -> Option<&str> {
        non_empty(&self.warehouse)
    }

    fn sales_document(&self) -> &str {
        non_empty(&self.sales_document).unwrap_or("Invoices")
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base())
    }
}

/// SAP's words from an error answer: `{"error":{"code","message":{"lang","value"}}}`
/// (v1) or `{"error":{"code","message":"…"}}` (v2), else the text.
pub fn error_message(body: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let e = &v["error"];
        let msg = e["message"]["value"]
            .as_str()
            .or_else(|| e["message"].as_str())
            .map(str::trim)
            .filter(|m| !m.is_empty())?;
        let code = match &e["code"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        return Some(if code.is_empty() {
            msg.to_string()
        } else {
            format!("{msg} (code {code})")
        });
    }
    let text = String::from_utf8_lossy(body).trim().to_string();
    (!text.is_empty()).then(|| text.chars().take(200).collect())
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| error_message(&r.body))
}

/// The `Cookie` header of a login answer: `B1SESSION` (from `Set-Cookie`, else the
/// body's `SessionId`) and `ROUTEID` if set.
pub fn session_cookie(headers: &[(String, String)], session_id: Option<&str>) -> Option<String> {
    let mut b1 = None;
    let mut route = None;
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("set-cookie") {
            continue;
        }
        // One cookie per header (RFC 6265); tolerate a comma-joined list too.
        for cookie in value.split(',') {
            let pair = cookie.split(';').next().unwrap_or("").trim();
            match pair.split_once('=') {
                Some(("B1SESSION", v)) if !v.is_empty() => b1 = Some(v.to_string()),
                Some(("ROUTEID", v)) => route = Some(v.to_string()),
                _ => {}
            }
        }
    }
    let b1 = b1.or_else(|| session_id.filter(|s| !s.is_empty()).map(String::from))?;
    Some(match route {
        Some(r) => format!("B1SESSION={b1}; ROUTEID={r}"),
        None => format!("B1SESSION={b1}"),
    })
}

/// A logged-in Service Layer session for the length of one call.
struct Session<'a> {
    cfg: &'a Config,
    api: &'a mut dyn Transport,
    cookie: String,
}

fn login(cfg: &Config, api: &mut dyn Transport) -> Result<String, ConnectorError> {
    let body = json!({
        "CompanyDB": cfg.company_db.trim(),
        "UserName": cfg.user_name.trim(),
        "Password": cfg.password.expose(),
    });
    let resp = api.send(Request::post(cfg.url("Login")).json(&body)?)?;
    let resp = match resp.status {
        // SAP answers a failed login 401 (or 400 in older versions).
        400 | 401 => {
            return Err(unauthorized(
                error_message(&resp.body).unwrap_or_else(|| "login failed".into()),
            ));
        }
        _ => check(resp)?,
    };
    let v: Value = resp.json()?;
    session_cookie(&resp.headers, v["SessionId"].as_str())
        .ok_or_else(|| internal("the Service Layer answered the login without a session"))
}

impl Session<'_> {
    /// Sends `req` with the session cookie; an expired session logs in once more.
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
        let with = |req: Request, cookie: &str| req.header("cookie", cookie);
        let resp = self.api.send(with(req.clone(), &self.cookie))?;
        if resp.status != 401 {
            return check(resp);
        }
        log::warn("SAP session no longer valid: logging in again");
        self.cookie = login(self.cfg, self.api)?;
        check(self.api.send(with(req, &self.cookie))?)
    }

    fn get(&mut self, url: String, page_size: Option<usize>) -> Result<Value, ConnectorError> {
        let mut req = Request::get(url).header("accept", "application/json");
        if let Some(n) = page_size {
            req = req.header("prefer", format!("odata.maxpagesize={n}"));
        }
        self.send(req)?.json()
    }

    fn post(&mut self, path: &str, body: &Value) -> Result<Value, ConnectorError> {
        let resp = self.send(Request::post(self.cfg.url(path)).json(body)?)?;
        if resp.body.is_empty() {
            return Ok(Value::Null);
        }
        resp.json()
    }
}

/// Logs in, runs `work`, logs out (also after an error of `work`).
fn with_session<T>(
    cfg: &Config,
    api: &mut dyn Transport,
    work: impl FnOnce(&mut Session<'_>) -> Result<T, ConnectorError>,
) -> Result<T, ConnectorError> {
    let cookie = login(cfg, api)?;
    let mut session = Session { cfg, api, cookie };
    let result = work(&mut session);
    let logout = Request::post(cfg.url("Logout")).header("cookie", session.cookie.as_str());
    match session.api.send(logout) {
        Ok(r) if r.is_success() => {}
        Ok(r) => log::warn(&format!("SAP logout answered {}", r.status)),
        Err(e) => log::warn(&format!("SAP logout failed: {e:?}")),
    }
    result
}

// ---- mapping ---------------------------------------------------------------------------

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// The date part of an SAP date (`2024-10-05` or `2024-10-05T00:00:00Z`).
pub fn date_of(v: &Value) -> Option<String> {
    let s = v.as_str()?.trim();
    let d = s.get(..10)?;
    let b = d.as_bytes();
    (b[4] == b'-' && b[7] == b'-' && d.bytes().filter(u8::is_ascii_digit).count() == 8)
        .then(|| d.to_string())
}

/// An SAP currency code as ISO 4217, else the company's currency. SAP lets a company
/// name its currencies freely; the usual ones are ISO codes, and `€` is EUR.
fn currency_of(v: &Value, fallback: &str) -> String {
    match v.as_str().map(str::trim) {
        Some("€") => "EUR".into(),
        Some(c) if money::exponent(c).is_some() => c.to_ascii_uppercase(),
        _ => fallback.to_ascii_uppercase(),
    }
}

fn amount(value: f64, currency: &str) -> Result<Money, ConnectorError> {
    Ok(money::money(
        money::from_major_f64(value, currency)?,
        currency,
    ))
}

/// An item's stock level: all warehouses, or the configured one.
fn stock_level(item: &Value, warehouse: Option<&str>) -> Option<StockLevel> {
    let code = text(&item["ItemCode"])?;
    let quantity = match warehouse {
        None => number(&item["QuantityOnStock"]),
        Some(w) => item["ItemWarehouseInfoCollection"]
            .as_array()
            .and_then(|list| list.iter().find(|i| i["WarehouseCode"].as_str() == Some(w)))
            .map(|i| number(&i["InStock"]))
            .unwrap_or(0.0),
    };
    Some(StockLevel {
        sku: Some(code.clone()),
        external_id: code,
        warehouse_id: warehouse.map(String::from),
        quantity,
        unit: text(&item["InventoryUOM"]),
        updated_at: date_of(&item["UpdateDate"]).map(|d| format!("{d}T00:00:00Z")),
    })
}

fn supplier(bp: &Value) -> Option<Supplier> {
    let code = text(&bp["CardCode"])?;
    Some(Supplier {
        name: text(&bp["CardName"]).unwrap_or_else(|| code.clone()),
        email: text(&bp["EmailAddress"]),
        vat_id: text(&bp["FederalTaxID"]),
        external_id: code,
    })
}

fn order_status(doc: &Value) -> &'static str {
    if doc["Cancelled"].as_str() == Some("tYES") {
        return "cancelled";
    }
    match doc["DocumentStatus"].as_str() {
        Some("bost_Close") => "closed",
        Some("bost_Paid") => "paid",
        Some("bost_Delivered") => "delivered",
        _ => "open",
    }
}

fn purchase_order(doc: &Value, local: &str) -> Result<Option<PurchaseOrder>, ConnectorError> {
    let Some(entry) = text(&doc["DocEntry"]) else {
        return Ok(None);
    };
    let currency = currency_of(&doc["DocCurrency"], local);
    // DocTotal is in local currency, DocTotalFc in a foreign document currency.
    let total = if currency != local.to_ascii_uppercase() && number(&doc["DocTotalFc"]) != 0.0 {
        number(&doc["DocTotalFc"])
    } else {
        number(&doc["DocTotal"])
    };
    let lines = doc["DocumentLines"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .map(|l| {
            let price = &l["Price"];
            Ok(OrderLine {
                product_id: text(&l["ItemCode"]),
                sku: text(&l["ItemCode"]),
                description: text(&l["ItemDescription"]),
                quantity: number(&l["Quantity"]),
                unit_price: if price.is_null() {
                    None
                } else {
                    let c = currency_of(&l["Currency"], &currency);
                    Some(amount(number(price), &c)?)
                },
            })
        })
        .collect::<Result<Vec<_>, ConnectorError>>()?;
    Ok(Some(PurchaseOrder {
        external_id: entry,
        supplier_id: text(&doc["CardCode"]),
        number: text(&doc["DocNum"]),
        status: order_status(doc).into(),
        total: Some(amount(total, &currency)?),
        ordered_at: date_of(&doc["DocDate"]),
        lines,
    }))
}

/// The reference a pushed sale carries as `NumAtCard`, a payment or refund as `Remarks`;
/// a sale's stock documents carry it as `Comments`.
pub fn reference(id: &str) -> String {
    format!("BEEP-{id}")
}

/// The A/R document of a sale.
fn sales_document(tx: &Transaction, card: &str, item: &str) -> Result<Value, ConnectorError> {
    let currency = tx.amount.currency.to_ascii_uppercase();
    let date = date_of(&json!(tx.occurred_at)).ok_or_else(|| {
        invalid_config(format!(
            "transaction {}: occurred-at is not an RFC 3339 timestamp",
            tx.id
        ))
    })?;
    let mut doc = json!({
        "CardCode": card,
        "DocDate": date,
        "DocDueDate": date,
        "NumAtCard": reference(&tx.id),
        "DocCurrency": currency,
        "Comments": "BEEP! Scan & Go",
        "DocumentLines": [{
            "ItemCode": item,
            "Quantity": 1,
            "PriceAfterVAT": money::to_major_f64(&tx.amount)?,
        }],
    });
    if let Some(r) = tx.reference.as_deref().filter(|r| !r.is_empty()) {
        doc["Comments"] = json!(format!("BEEP! Scan & Go, receipt {r}"));
    }
    Ok(doc)
}

/// The entity a payment or refund is booked as: money in from the customer, or money
/// back out to the customer.
fn payment_entity(kind: TransactionKind) -> &'static str {
    match kind {
        TransactionKind::Refund => "VendorPayments",
        _ => "IncomingPayments",
    }
}

/// An incoming payment (a BEEP! payment) or an outgoing payment to the customer (a
/// refund), on account, as a bank transfer through `account`.
fn payment_document(tx: &Transaction, card: &str, account: &str) -> Result<Value, ConnectorError> {
    let date = date_of(&json!(tx.occurred_at)).ok_or_else(|| {
        invalid_config(format!(
            "transaction {}: occurred-at is not an RFC 3339 timestamp",
            tx.id
        ))
    })?;
    let sum = money::to_major_f64(&tx.amount)?.abs();
    if sum == 0.0 {
        return Err(invalid_config(format!(
            "transaction {}: a payment of nothing cannot be booked",
            tx.id
        )));
    }
    let what = if tx.kind == TransactionKind::Refund {
        "refund"
    } else {
        "payment"
    };
    // JrnlMemo holds 50 characters.
    let memo: String = match tx.reference.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => format!("BEEP! {what} {r}"),
        None => format!("BEEP! {what}"),
    }
    .chars()
    .take(50)
    .collect();
    Ok(json!({
        "DocType": "rCustomer",
        "CardCode": card,
        "DocDate": date,
        "DocCurrency": tx.amount.currency.to_ascii_uppercase(),
        "TransferAccount": account,
        "TransferSum": sum,
        "TransferDate": date,
        "Remarks": reference(&tx.id),
        "JournalRemarks": memo,
    }))
}

/// A goods issue (or receipt) for the stock changes of one sale.
fn stock_document(
    group: &str,
    changes: &[&StockChange],
    warehouse: Option<&str>,
) -> Result<Value, ConnectorError> {
    let mut lines = Vec::with_capacity(changes.len());
    for c in changes {
        let code = c
            .sku
            .as_deref()
            .or(c.product_id.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                invalid_config(format!(
                    "stock change {}: neither a SKU nor an SAP item code",
                    c.id
                ))
            })?;
        if !c.quantity_delta.is_finite() {
            return Err(invalid_config(format!(
                "stock change {}: quantity is not a number",
                c.id
            )));
        }
        let mut line = json!({"ItemCode": code, "Quantity": c.quantity_delta.abs()});
        if let Some(w) = warehouse {
            line["WarehouseCode"] = json!(w);
        }
        lines.push(line);
    }
    let memo: String = changes
        .first()
        .map(|c| c.reason.chars().take(50).collect())
        .unwrap_or_default();
    Ok(json!({
        "DocDate": changes.first().and_then(|c| date_of(&json!(c.occurred_at))),
        "Comments": reference(group),
        "JournalMemo": memo,
        "DocumentLines": lines,
    }))
}

// ---- reads -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(default)]
struct ReadCursor {
    /// The next page's link, as the Service Layer gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    /// Read only what changed on or after this date (the previous run's highest).
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    /// The highest `UpdateDate` seen so far in this run.
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<String>,
}

struct Read<'a> {
    entity: &'a str,
    select: &'a str,
    /// The filter besides the change date.
    filter: Option<&'a str>,
    page_size: usize,
}

/// Reads up to [`PAGES_PER_CALL`] pages of an entity from the cursor on.
fn read_pages(
    s: &mut Session<'_>,
    read: &Read<'_>,
    cursor: Option<&str>,
) -> Result<(Vec<Value>, Option<String>, bool), ConnectorError> {
    let mut st: ReadCursor = Cursor::decode(cursor)?;
    let base = s.cfg.base();
    let mut url = match st.next.take() {
        Some(link) => resolve_link(&base, &link)?,
        None => {
            let mut filters: Vec<String> = read.filter.iter().map(|f| f.to_string()).collect();
            if let Some(since) = &st.since {
                if date_of(&json!(since)).as_deref() != Some(since.as_str()) {
                    return Err(invalid_config(format!("cursor: bad date {since:?}")));
                }
                filters.push(format!("UpdateDate ge '{since}'"));
            }
            let mut q = vec![("$select", read.select.to_string())];
            if !filters.is_empty() {
                q.push(("$filter", filters.join(" and ")));
            }
            format!("{}?{}", s.cfg.url(read.entity), encode_query(&q))
        }
    };
    let mut items = Vec::new();
    for _ in 0..PAGES_PER_CALL {
        let page = s.get(url, Some(read.page_size))?;
        for item in page["value"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(d) = date_of(&item["UpdateDate"])
                && st.max.as_ref().is_none_or(|m| d > *m)
            {
                st.max = Some(d);
            }
            items.push(item.clone());
        }
        match odata::next_link(&page) {
            Some(link) => url = resolve_link(&base, link)?,
            None => {
                let done = ReadCursor {
                    next: None,
                    since: st.max.or(st.since),
                    max: None,
                };
                return Ok((items, Some(Cursor::encode(&done)?), false));
            }
        }
    }
    st.next = Some(url);
    Ok((items, Some(Cursor::encode(&st)?), true))
}

const ITEM_SELECT: &str =
    "ItemCode,ItemName,QuantityOnStock,InventoryUOM,UpdateDate,ItemWarehouseInfoCollection";
const SUPPLIER_SELECT: &str = "CardCode,CardName,CardType,EmailAddress,FederalTaxID,UpdateDate";
const ORDER_SELECT: &str = "DocEntry,DocNum,CardCode,DocDate,DocTotal,DocTotalFc,DocCurrency,DocumentStatus,Cancelled,UpdateDate,DocumentLines";

fn fetch_inventory(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<InventoryPage, ConnectorError> {
    let read = Read {
        entity: "Items",
        select: ITEM_SELECT,
        filter: Some("InventoryItem eq 'tYES'"),
        page_size: PAGE_SIZE,
    };
    let (items, next_cursor, has_more) = with_session(cfg, api, |s| read_pages(s, &read, cursor))?;
    Ok(InventoryPage {
        levels: items
            .iter()
            .filter_map(|i| stock_level(i, cfg.warehouse()))
            .collect(),
        next_cursor,
        has_more,
    })
}

fn fetch_suppliers(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<SuppliersPage, ConnectorError> {
    let read = Read {
        entity: "BusinessPartners",
        select: SUPPLIER_SELECT,
        filter: Some("CardType eq 'cSupplier'"),
        page_size: PAGE_SIZE,
    };
    let (list, next_cursor, has_more) = with_session(cfg, api, |s| read_pages(s, &read, cursor))?;
    Ok(SuppliersPage {
        suppliers: list
            .iter()
            // The filter asked for suppliers only; don't trust a server that ignored it.
            .filter(|bp| bp["CardType"].as_str().is_none_or(|t| t == "cSupplier"))
            .filter_map(supplier)
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
    let read = Read {
        entity: "PurchaseOrders",
        select: ORDER_SELECT,
        filter: None,
        page_size: ORDER_PAGE_SIZE,
    };
    let (list, next_cursor, has_more) = with_session(cfg, api, |s| read_pages(s, &read, cursor))?;
    let mut orders = Vec::with_capacity(list.len());
    for doc in &list {
        orders.extend(purchase_order(doc, cfg.currency())?);
    }
    Ok(OrdersPage {
        orders,
        next_cursor,
        has_more,
    })
}

// ---- pushes ----------------------------------------------------------------------------

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

/// Books groups of items one group at a time (as erp-sevdesk does): a transient failure
/// stops the call (its error if nothing got through, else it and the rest are
/// `rejected` with it); at most `max` groups are attempted, the rest are
/// `rejected(rate-limited)` and stay pending.
fn push_groups<T>(
    groups: &[Vec<&T>],
    max: usize,
    id: impl Fn(&T) -> &str,
    mut book: impl FnMut(&[&T]) -> Result<PushOutcome, ConnectorError>,
) -> Result<Vec<PushResult>, ConnectorError> {
    let mut results = Vec::new();
    let mut stop: Option<ConnectorError> = None;
    let mut through = false;
    let mut skipped = 0;
    for (n, group) in groups.iter().enumerate() {
        let outcome = if let Some(e) = &stop {
            PushOutcome::Rejected(e.clone())
        } else if n >= max {
            skipped += group.len();
            PushOutcome::Rejected(ConnectorError::RateLimited(None))
        } else {
            match book(group) {
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
        for item in group {
            results.push(PushResult {
                id: id(item).to_string(),
                outcome: outcome.clone(),
            });
        }
    }
    if skipped > 0 {
        log::warn(&format!(
            "{skipped} items left for the next push (at most {max} bookings per call)"
        ));
    }
    Ok(results)
}

/// The `DocEntry` of the first document of `entity` whose `field` equals `value`.
fn find(
    s: &mut Session<'_>,
    entity: &str,
    field: &str,
    value: &str,
) -> Result<Option<String>, ConnectorError> {
    let q = [
        ("$select", format!("DocEntry,{field}")),
        (
            "$filter",
            format!("{field} eq '{}'", value.replace('\'', "''")),
        ),
        ("$top", "1".to_string()),
    ];
    let url = format!("{}?{}", s.cfg.url(entity), encode_query(&q));
    let found = s.get(url, None)?;
    Ok(found["value"]
        .as_array()
        .and_then(|v| v.first())
        .map(|d| text(&d["DocEntry"]).unwrap_or_default()))
}

fn book_transaction(s: &mut Session<'_>, tx: &Transaction) -> Result<PushOutcome, ConnectorError> {
    let (doc, entity, field) = match tx.kind {
        TransactionKind::Payment | TransactionKind::Refund => {
            let (Some(card), Some(account)) = (
                non_empty(&s.cfg.card_code),
                non_empty(&s.cfg.payment_account),
            ) else {
                return Err(invalid_config(
                    "config: cardCode and paymentAccount are required to book payments and refunds",
                ));
            };
            let doc = payment_document(tx, card, account)?;
            (doc, payment_entity(tx.kind).to_string(), "Remarks")
        }
        TransactionKind::Sale => {
            let (Some(card), Some(item)) = (
                non_empty(&s.cfg.card_code),
                non_empty(&s.cfg.sale_item_code),
            ) else {
                return Err(invalid_config(
                    "config: cardCode and saleItemCode are required to book sales",
                ));
            };
            let doc = sales_document(tx, card, item)?;
            (doc, s.cfg.sales_document().to_string(), "NumAtCard")
        }
    };
    if let Some(entry) = find(s, &entity, field, &reference(&tx.id))? {
        return Ok(PushOutcome::Duplicate(Some(entry)));
    }
    let created = s.post(&entity, &doc)?;
    Ok(PushOutcome::Created(text(&created["DocEntry"])))
}

fn push_transactions(
    cfg: &Config,
    api: &mut dyn Transport,
    txs: &[Transaction],
) -> Result<Vec<PushResult>, ConnectorError> {
    if txs.is_empty() {
        return Ok(vec![]);
    }
    let sales = txs.iter().any(|t| t.kind == TransactionKind::Sale);
    if sales && (non_empty(&cfg.card_code).is_none() || non_empty(&cfg.sale_item_code).is_none()) {
        return Err(invalid_config(
            "config: cardCode and saleItemCode are required to book sales",
        ));
    }
    // Without a paymentAccount, payments and refunds are rejected one by one (sales still
    // go through: a configuration made before payments were booked keeps working).
    let groups: Vec<Vec<&Transaction>> = txs.iter().map(|t| vec![t]).collect();
    with_session(cfg, api, |s| {
        push_groups(
            &groups,
            MAX_ITEMS_PER_CALL,
            |t| &t.id,
            |g| book_transaction(s, g[0]),
        )
    })
}

/// The host names the stock changes of one sale `<sale id>:<n>`.
pub fn sale_of(id: &str) -> &str {
    id.rsplit_once(':').map_or(id, |(sale, _)| sale)
}

/// One document per sale and direction: issues (negative) and receipts (positive).
fn stock_groups(changes: &[StockChange]) -> Vec<(String, bool, Vec<&StockChange>)> {
    let mut groups: Vec<(String, bool, Vec<&StockChange>)> = Vec::new();
    for c in changes {
        let key = sale_of(&c.id).to_string();
        let receipt = c.quantity_delta > 0.0;
        match groups
            .iter_mut()
            .find(|(k, r, _)| *k == key && *r == receipt)
        {
            Some((_, _, list)) => list.push(c),
            None => groups.push((key, receipt, vec![c])),
        }
    }
    groups
}

fn book_stock(
    s: &mut Session<'_>,
    group: &str,
    receipt: bool,
    changes: &[&StockChange],
) -> Result<PushOutcome, ConnectorError> {
    let changes: Vec<&StockChange> = changes
        .iter()
        .copied()
        .filter(|c| c.quantity_delta != 0.0)
        .collect();
    if changes.is_empty() {
        return Ok(PushOutcome::Created(None));
    }
    let warehouse = s.cfg.warehouse().map(String::from);
    let doc = stock_document(group, &changes, warehouse.as_deref())?;
    let entity = if receipt {
        "InventoryGenEntries"
    } else {
        "InventoryGenExits"
    };
    let reference = reference(group);
    if let Some(entry) = find(s, entity, "Comments", &reference)? {
        return Ok(PushOutcome::Duplicate(Some(entry)));
    }
    let created = s.post(entity, &doc)?;
    Ok(PushOutcome::Created(text(&created["DocEntry"])))
}

fn push_stock_changes(
    cfg: &Config,
    api: &mut dyn Transport,
    changes: &[StockChange],
) -> Result<Vec<PushResult>, ConnectorError> {
    if changes.is_empty() {
        return Ok(vec![]);
    }
    let groups = stock_groups(changes);
    let lists: Vec<Vec<&StockChange>> = groups.iter().map(|(_, _, l)| l.clone()).collect();
    with_session(cfg, api, |s| {
        let mut n = 0;
        push_groups(
            &lists,
            MAX_ITEMS_PER_CALL,
            |c| &c.id,
            |g| {
                let (key, receipt, _) = &groups[n];
                n += 1;
                book_stock(s, key, *receipt, g)
            },
        )
    })
}

// ---- exports ---------------------------------------------------------------------------

struct Sap;

impl beep_sdk::erp::Describe for Sap {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "sap".into(),
            kind: ConnectorKind::Erp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["sap".into()],
            hosts: HOSTS.iter().map(|h| h.to_string()).collect(),
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

impl beep_sdk::erp::Erp for Sap {
    fn fetch_inventory(
        config: String,
        cursor: Option<String>,
    ) -> Result<InventoryPage, ConnectorError> {
        fetch_inventory(&Config::parse(&config)?, &mut Wasi, cursor.as_deref())
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
        push_stock_changes(&Config::parse(&config)?, &mut Wasi, &changes)
    }
}

beep_sdk::export_erp!(Sap);

#[cfg(test)]
mod tests;

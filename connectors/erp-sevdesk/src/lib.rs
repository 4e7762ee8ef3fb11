//! BEEP! Connect ERP connector for sevdesk (`https://my.sevdesk.de/api/v1`), as its
//! published OpenAPI description (`sevdesk.yaml`) has it.
//!
//! Every request carries `Authorization: <apiToken>` (a bare token: the spec's `api_key`
//! scheme, no "Bearer"). Lists are `{"objects": [...]}`, paged with `limit` (at most 1000)
//! and `offset`, in the order sevdesk keeps them (by id).
//!
//! * Inventory: `GET Part?limit=1000&offset=…&embed=unity`; a part's `stock` is its stock
//!   level (the same number `Part/{id}/getStock` answers, without a request per part).
//!   Parts without stock tracking (`stockEnabled` false: services) are skipped. The spec
//!   documents no change filter for `Part` (only `partNumber` and `name`), so every run
//!   reads all parts: the cursor is only the offset, and a complete run leaves none, so
//!   the next run is a full one again.
//! * Suppliers: contacts of sevdesk's category "Supplier (ID: 2)", organisations and
//!   persons: `GET Contact?depth=1&category[id]=2&category[objectName]=Category`. Their
//!   e-mail address is a `CommunicationWay` of type `EMAIL` (one request per supplier).
//!   Incremental with `updateAfter` (documented for contacts).
//! * Orders: the spec's orders are estimates (`AN`), order confirmations (`AB`) and
//!   delivery notes (`LI`); there is no purchase order type. Purchase orders here are the
//!   orders addressed to a supplier contact (`embed=contact`, category 2), with their
//!   positions from `Order/{id}/getPositions?embed=part`. Incremental with `updateAfter`
//!   (documented for orders).
//! * Transactions: a sale is a revenue voucher (`Voucher/Factory/saveVoucher`,
//!   `creditDebit` D, one position on the configured revenue account), a refund the same
//!   with a negative sum, a payment a `CheckAccountTransaction` on the configured check
//!   account. Each carries `BEEP-<transaction id>` in a field sevdesk searches by (the
//!   voucher's `description`: `descriptionLike`; the transaction's `paymtPurpose`: the
//!   `paymtPurpose` filter); before creating, the connector searches for it, and a hit is
//!   a duplicate.
//! * Stock changes: sevdesk's API has no stock movements, only a part's absolute `stock`
//!   (`PUT Part/{id}` with `Model_PartUpdate.stock`). A change is applied as read
//!   (`Part/{id}/getStock`, or `Part?partNumber=` by SKU) + delta → `PUT`. Nothing in
//!   sevdesk records that a change was applied, so a resend after an answer was lost
//!   applies it again, and a stock booking made in sevdesk between the read and the write
//!   is overwritten; see [`push_stock_changes`].
//!
//! Every call stays inside the host's request budget (100 per call): pages of 40
//! contacts/orders (one more request per supplier or purchase order), at most 45
//! transactions or stock changes per push call (two requests each); the rest come back
//! `rejected(rate-limited)` for the next push.

// Natively the crate only serves the unit tests (the exports are wasm-only, see below).

mod mapping;
mod model;
mod util;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{internal, invalid_config, not_found};
use beep_sdk::http::{Request, Response};
use beep_sdk::log;
use beep_sdk::money;
use beep_sdk::transport::{Transport, Wasi};
use beep_sdk::types::{
    ConnectorError, ConnectorInfo, ConnectorKind, InventoryPage, OrdersPage, PushOutcome,
    PushResult, StockChange, SuppliersPage, Transaction, TransactionKind,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::HashMap;

use model::Objects;

pub const DEFAULT_BASE_URL: &str = "https://my.sevdesk.de/api/v1";
/// Parts per request: the spec's maximum `limit`.
pub const PART_PAGE: usize = 1000;
/// Contacts per request. Each supplier costs one more request (its e-mail address), so
/// one call stays well inside the host's request budget per call (100).
pub const CONTACT_PAGE: usize = 40;
/// Orders per request; each purchase order costs one more request (its positions).
pub const ORDER_PAGE: usize = 40;
/// Positions per request of one order.
pub const POSITION_PAGE: usize = 1000;
/// Transactions booked per call: two requests each (search, create). Further ones come
/// back `rejected(rate-limited)` unattempted, a transient outcome the host retries.
pub const MAX_TRANSACTIONS_PER_CALL: usize = 45;
/// Stock changes applied per call: two requests each (read, write).
pub const MAX_STOCK_CHANGES_PER_CALL: usize = 45;

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "sevdesk",
  "type": "object",
  "required": ["apiToken"],
  "properties": {
    "apiToken": {"type": "string", "minLength": 1, "description": "sevdesk API token (Settings → User → API token), sent as the Authorization header", "writeOnly": true},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://my.sevdesk.de/api/v1", "description": "API base"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR", "description": "ISO 4217 currency of the sevdesk account"},
    "accountDatevId": {"type": ["string", "integer"], "description": "id of the AccountDatev (revenue account) that BEEP! sales and refunds are booked to (required to push sales and refunds)"},
    "checkAccountId": {"type": ["string", "integer"], "description": "id of the CheckAccount (e.g. a clearing account) that BEEP! payments are booked to (required to push payments)"},
    "taxRate": {"type": "number", "minimum": 0, "maximum": 100, "default": 19, "description": "VAT rate (percent) of booked revenue"},
    "taxRuleId": {"type": ["string", "integer"], "default": "1", "description": "sevdesk TaxRule of booked revenue (1: Umsatzsteuerpflichtige Umsätze)"},
    "customerName": {"type": "string", "default": "BEEP! Scan & Go", "description": "Name shown as the counterparty of booked revenue"}
  }
}"#;

/// An id given as a number or a string of digits.
fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) if n.is_u64() => Ok(Some(n.to_string())),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(s)),
        other => Err(D::Error::custom(format!(
            "expected a sevdesk id (digits), got {other}"
        ))),
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    api_token: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    account_datev_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    check_account_id: Option<String>,
    #[serde(default)]
    tax_rate: Option<f64>,
    #[serde(default, deserialize_with = "opt_id")]
    tax_rule_id: Option<String>,
    #[serde(default)]
    customer_name: Option<String>,
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        let token = cfg.api_token.trim();
        if token.is_empty() || token.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid_config(
                "config: apiToken must be a sevdesk API token",
            ));
        }
        let base = cfg.base();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if money::exponent(cfg.currency()).is_none() {
            return Err(invalid_config(format!(
                "config: unknown currency {:?}",
                cfg.currency()
            )));
        }
        if !(0.0..=100.0).contains(&cfg.tax_rate()) {
            return Err(invalid_config("config: taxRate must be a percentage"));
        }
        Ok(cfg)
    }

    fn base(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
    }

    fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("EUR")
    }

    fn tax_rate(&self) -> f64 {
        self.tax_rate.unwrap_or(19.0)
    }

    /// `{baseUrl}/{path}`
    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base())
    }

    fn request(&self, req: Request) -> Request {
        req.header("authorization", self.api_token.trim())
            .header("accept", "application/json")
            // The spec asks for a meaningful User-Agent.
            .header("user-agent", "BEEP! Connect sevdesk connector")
    }

    fn booking(&self) -> mapping::Booking<'_> {
        mapping::Booking {
            account_datev_id: self.account_datev_id.as_deref(),
            check_account_id: self.check_account_id.as_deref(),
            tax_rate: self.tax_rate(),
            tax_rule: self.tax_rule_id.as_deref().unwrap_or("1"),
            currency: self.currency(),
            customer_name: self
                .customer_name
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or("BEEP! Scan & Go"),
        }
    }
}

/// Non-2xx answers as the contract's errors, with sevdesk's message (401 →
/// unauthorized, 429 → rate-limited with `Retry-After`, …).
fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| mapping::error_message(&r.body))
}

/// A decoded answer and the Unix time of its `Date` header.
struct Answer<T> {
    body: T,
    date: Option<i64>,
}

fn get<T: DeserializeOwned>(
    cfg: &Config,
    api: &mut dyn Transport,
    path: &str,
    query: &[(&str, String)],
) -> Result<Answer<T>, ConnectorError> {
    let resp = check(api.send(cfg.request(Request::get(cfg.url(path))).query(query))?)?;
    Ok(Answer {
        date: resp.header("date").and_then(util::parse_http_date),
        body: resp.json()?,
    })
}

fn send_json<T: DeserializeOwned, B: Serialize>(
    cfg: &Config,
    api: &mut dyn Transport,
    req: Request,
    body: &B,
) -> Result<T, ConnectorError> {
    check(api.send(cfg.request(req).json(body)?)?)?.json()
}

// ---- reads -------------------------------------------------------------------------------

/// Paging state of the inventory: parts are read in full every run.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(rename_all = "camelCase", default)]
struct OffsetCursor {
    offset: usize,
}

/// Paging state of a stream sevdesk can filter by `updateAfter` (contacts, orders).
#[derive(Serialize, Deserialize, Default, PartialEq, Debug, Clone)]
#[serde(rename_all = "camelCase", default)]
struct ChangeCursor {
    offset: usize,
    /// `updateAfter` of this run (Unix seconds); absent in a full run.
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<i64>,
    /// The latest `update` seen in this run.
    #[serde(skip_serializing_if = "Option::is_none")]
    latest: Option<i64>,
    /// When this run started: the `Date` of its first answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    started: Option<i64>,
}

impl ChangeCursor {
    fn observe(&mut self, update: Option<&str>) {
        if let Some(t) = update.and_then(util::parse_timestamp) {
            self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        }
    }

    fn first_answer(&mut self, date: Option<i64>) {
        if self.offset == 0 && self.started.is_none() {
            self.started = date;
        }
    }

    /// The cursor that starts the next run once this one is complete: changes after the
    /// latest `update` seen, but never after the second before this run started. An
    /// object changed during the run (possibly in a second already seen, and on a page
    /// already read) is then read again by the next run instead of being missed;
    /// `updateAfter` is exclusive and counts whole seconds.
    fn next_run(&self) -> ChangeCursor {
        let mut since = match (self.since, self.latest) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let (Some(s), Some(started)) = (since, self.started) {
            since = Some(s.min(started - 1));
        }
        ChangeCursor {
            since,
            ..ChangeCursor::default()
        }
    }

    fn query(&self, limit: usize) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("limit", limit.to_string()),
            ("offset", self.offset.to_string()),
        ];
        if let Some(since) = self.since {
            q.push(("updateAfter", since.to_string()));
        }
        q
    }
}

fn fetch_inventory(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<InventoryPage, ConnectorError> {
    let st: OffsetCursor = Cursor::decode(cursor)?;
    let query = [
        ("limit", PART_PAGE.to_string()),
        ("offset", st.offset.to_string()),
        ("embed", "unity".to_string()),
    ];
    let parts = get::<Objects<model::Part>>(cfg, api, "Part", &query)?
        .body
        .into_vec();
    let levels = parts.iter().filter_map(mapping::stock_level).collect();
    let has_more = parts.len() >= PART_PAGE;
    Ok(InventoryPage {
        levels,
        next_cursor: if has_more {
            Some(Cursor::encode(&OffsetCursor {
                offset: st.offset + parts.len(),
            })?)
        } else {
            // No change filter for parts: the next run reads everything again.
            None
        },
        has_more,
    })
}

fn fetch_suppliers(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<SuppliersPage, ConnectorError> {
    let mut st: ChangeCursor = Cursor::decode(cursor)?;
    let mut query = st.query(CONTACT_PAGE);
    query.extend([
        // Organisations and persons.
        ("depth", "1".to_string()),
        ("category[id]", mapping::SUPPLIER_CATEGORY.to_string()),
        ("category[objectName]", "Category".to_string()),
    ]);
    let answer = get::<Objects<model::Contact>>(cfg, api, "Contact", &query)?;
    st.first_answer(answer.date);
    let contacts = answer.body.into_vec();
    let mut suppliers = Vec::with_capacity(contacts.len());
    for contact in &contacts {
        st.observe(contact.update.as_deref());
        if contact.category.is_some() && !mapping::is_supplier(contact) {
            continue;
        }
        let ways = get::<Objects<model::CommunicationWay>>(
            cfg,
            api,
            "CommunicationWay",
            &[
                ("contact[id]", contact.id.clone()),
                ("contact[objectName]", "Contact".to_string()),
                ("type", "EMAIL".to_string()),
            ],
        )?
        .body
        .into_vec();
        suppliers.push(mapping::supplier(contact, mapping::email(&ways)));
    }
    let has_more = contacts.len() >= CONTACT_PAGE;
    let next = if has_more {
        st.offset += contacts.len();
        st
    } else {
        st.next_run()
    };
    Ok(SuppliersPage {
        suppliers,
        next_cursor: Some(Cursor::encode(&next)?),
        has_more,
    })
}

/// Whether an order's contact is a supplier: from the embedded contact, or (if sevdesk
/// did not embed it) from the contact itself, read once per call.
fn to_supplier(
    cfg: &Config,
    api: &mut dyn Transport,
    order: &model::Order,
    known: &mut HashMap<String, bool>,
) -> Result<bool, ConnectorError> {
    let Some(contact) = &order.contact else {
        return Ok(false);
    };
    if contact.category.is_some() {
        return Ok(mapping::is_supplier(contact));
    }
    if let Some(&is) = known.get(&contact.id) {
        return Ok(is);
    }
    let found = get::<Objects<model::Contact>>(cfg, api, &format!("Contact/{}", contact.id), &[])?
        .body
        .into_vec();
    let is = found.first().is_some_and(mapping::is_supplier);
    known.insert(contact.id.clone(), is);
    Ok(is)
}

fn positions(
    cfg: &Config,
    api: &mut dyn Transport,
    order_id: &str,
) -> Result<Vec<model::OrderPos>, ConnectorError> {
    let mut all = Vec::new();
    loop {
        let page = get::<Objects<model::OrderPos>>(
            cfg,
            api,
            &format!("Order/{order_id}/getPositions"),
            &[
                ("limit", POSITION_PAGE.to_string()),
                ("offset", all.len().to_string()),
                ("embed", "part".to_string()),
            ],
        )?
        .body
        .into_vec();
        let full = page.len() >= POSITION_PAGE;
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}

fn fetch_orders(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<OrdersPage, ConnectorError> {
    let mut st: ChangeCursor = Cursor::decode(cursor)?;
    let mut query = st.query(ORDER_PAGE);
    query.push(("embed", "contact".to_string()));
    let answer = get::<Objects<model::Order>>(cfg, api, "Order", &query)?;
    st.first_answer(answer.date);
    let list = answer.body.into_vec();
    let mut known = HashMap::new();
    let mut orders = Vec::new();
    for order in &list {
        st.observe(order.update.as_deref());
        if !to_supplier(cfg, api, order, &mut known)? {
            continue;
        }
        let lines = positions(cfg, api, &order.id)?;
        orders.push(mapping::purchase_order(order, &lines, cfg.currency())?);
    }
    let has_more = list.len() >= ORDER_PAGE;
    let next = if has_more {
        st.offset += list.len();
        st
    } else {
        st.next_run()
    };
    Ok(OrdersPage {
        orders,
        next_cursor: Some(Cursor::encode(&next)?),
        has_more,
    })
}

// ---- pushes ------------------------------------------------------------------------------

/// Worth retrying later: the item's fate is unknown or the vendor asked to wait.
fn transient(e: &ConnectorError) -> bool {
    match e {
        ConnectorError::RateLimited(_) | ConnectorError::Network(_) => true,
        ConnectorError::Upstream(u) => u.status >= 500,
        _ => false,
    }
}

/// The configuration is wrong for every item: the whole call fails.
fn fatal(e: &ConnectorError) -> bool {
    matches!(
        e,
        ConnectorError::Unauthorized(_) | ConnectorError::Forbidden(_)
    )
}

/// Pushes items one by one with `book`, one result per item.
///
/// A transient failure stops the call: if nothing got through it is the call's error,
/// otherwise it and every item after it are `rejected` with it (the host keeps them for
/// the next push, whose search recognises whatever did arrive).
///
/// At most `max` items are attempted (the host's request budget per call); the others
/// come back `rejected(rate-limited)`, transient, for the next push. Items of one `group`
/// (the stock changes of one sale: the host settles them together, and resends them
/// together) are attempted all or none, unless a group alone exceeds `max`.
fn push_each<T>(
    items: &[T],
    max: usize,
    id: impl Fn(&T) -> &str,
    group: impl Fn(&T) -> &str,
    mut book: impl FnMut(&T) -> Result<PushOutcome, ConnectorError>,
) -> Result<Vec<PushResult>, ConnectorError> {
    let mut results = Vec::with_capacity(items.len());
    let mut stop: Option<ConnectorError> = None;
    let mut through = false;
    let mut left = max;
    let mut skipped = 0;
    let mut start = 0;
    while start < items.len() {
        let key = group(&items[start]);
        let size = items[start..]
            .iter()
            .take_while(|item| group(item) == key)
            .count();
        let fits = size <= left || left == max;
        for item in &items[start..start + size] {
            let outcome = if let Some(e) = &stop {
                PushOutcome::Rejected(e.clone())
            } else if !fits || left == 0 {
                skipped += 1;
                PushOutcome::Rejected(ConnectorError::RateLimited(None))
            } else {
                left -= 1;
                match book(item) {
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
                id: id(item).to_string(),
                outcome,
            });
        }
        start += size;
    }
    if skipped > 0 {
        log::warn(&format!(
            "{skipped} of {} items left for the next push (at most {max} per call)",
            items.len()
        ));
    }
    Ok(results)
}

/// The voucher that carries `reference` as its description, if any.
fn find_voucher(
    cfg: &Config,
    api: &mut dyn Transport,
    reference: &str,
) -> Result<Option<String>, ConnectorError> {
    // `descriptionLike` is a LIKE match: keep only the exact description.
    let found = get::<Objects<model::Voucher>>(
        cfg,
        api,
        "Voucher",
        &[
            ("descriptionLike", reference.to_string()),
            ("limit", "100".to_string()),
        ],
    )?
    .body
    .into_vec();
    Ok(found
        .into_iter()
        .find(|v| v.description.as_deref() == Some(reference))
        .map(|v| v.id))
}

/// The check account transaction that carries `reference` as its purpose, if any.
fn find_transaction(
    cfg: &Config,
    api: &mut dyn Transport,
    reference: &str,
    check_account: &str,
) -> Result<Option<String>, ConnectorError> {
    let found = get::<Objects<model::CheckAccountTransaction>>(
        cfg,
        api,
        "CheckAccountTransaction",
        &[
            ("paymtPurpose", reference.to_string()),
            ("checkAccount[id]", check_account.to_string()),
            ("checkAccount[objectName]", "CheckAccount".to_string()),
            ("limit", "100".to_string()),
        ],
    )?
    .body
    .into_vec();
    Ok(found
        .into_iter()
        .find(|t| t.paymt_purpose.as_deref() == Some(reference))
        .map(|t| t.id))
}

/// Books one transaction unless sevdesk already has it.
fn book(
    cfg: &Config,
    api: &mut dyn Transport,
    tx: &Transaction,
) -> Result<PushOutcome, ConnectorError> {
    let b = cfg.booking();
    let reference = mapping::reference(tx);
    match tx.kind {
        TransactionKind::Payment => {
            let body = mapping::check_account_transaction(tx, &b)?;
            let account = body.check_account.id.to_string();
            if let Some(id) = find_transaction(cfg, api, &reference, &account)? {
                return Ok(PushOutcome::Duplicate(Some(id)));
            }
            let created: model::Created<model::CheckAccountTransaction> = send_json(
                cfg,
                api,
                Request::post(cfg.url("CheckAccountTransaction")),
                &body,
            )?;
            Ok(PushOutcome::Created(Some(created.into_inner().id)))
        }
        TransactionKind::Sale | TransactionKind::Refund => {
            let body = mapping::voucher(tx, &b)?;
            if let Some(id) = find_voucher(cfg, api, &reference)? {
                return Ok(PushOutcome::Duplicate(Some(id)));
            }
            let saved: model::SavedVoucher = send_json(
                cfg,
                api,
                Request::post(cfg.url("Voucher/Factory/saveVoucher")),
                &body,
            )?;
            Ok(PushOutcome::Created(Some(saved.id().to_string())))
        }
    }
}

fn push_transactions(
    cfg: &Config,
    api: &mut dyn Transport,
    txs: &[Transaction],
) -> Result<Vec<PushResult>, ConnectorError> {
    // A missing account is the configuration's fault, not the items': fail the call so
    // that nothing is marked rejected for good.
    let revenue = txs.iter().any(|t| t.kind != TransactionKind::Payment);
    if revenue && cfg.account_datev_id.is_none() {
        return Err(invalid_config(
            "config: accountDatevId (the revenue account) is required to book sales and refunds",
        ));
    }
    let payments = txs.iter().any(|t| t.kind == TransactionKind::Payment);
    if payments && cfg.check_account_id.is_none() {
        return Err(invalid_config(
            "config: checkAccountId is required to book payments",
        ));
    }
    push_each(
        txs,
        MAX_TRANSACTIONS_PER_CALL,
        |t| &t.id,
        |t| &t.id,
        |t| book(cfg, api, t),
    )
}

/// The group of a stock change: the host names the changes of one sale `<sale id>:<n>`.
fn sale_of(id: &str) -> &str {
    id.rsplit_once(':').map_or(id, |(sale, _)| sale)
}

/// The part a stock change is for and its current stock: by id (BEEP!'s product id is the
/// part id sevdesk gave) with `Part/{id}/getStock`, or else the part with that part
/// number (`Part?partNumber=`, whose answer carries the stock).
fn part_and_stock(
    cfg: &Config,
    api: &mut dyn Transport,
    change: &StockChange,
) -> Result<(String, f64), ConnectorError> {
    if let Some(id) = change
        .product_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    {
        let stock: model::Stock = get(cfg, api, &format!("Part/{id}/getStock"), &[])?.body;
        let stock = stock
            .objects
            .ok_or_else(|| internal(format!("sevdesk answered no stock for part {id}")))?;
        return Ok((id.to_string(), stock));
    }
    let Some(sku) = change.sku.as_deref().filter(|s| !s.is_empty()) else {
        return Err(invalid_config(format!(
            "stock change {}: neither a sevdesk part id nor a part number",
            change.id
        )));
    };
    let part = get::<Objects<model::Part>>(
        cfg,
        api,
        "Part",
        &[("partNumber", sku.to_string()), ("limit", "2".to_string())],
    )?
    .body
    .into_vec()
    .into_iter()
    .next()
    .ok_or_else(|| not_found(format!("no sevdesk part with part number {sku}")))?;
    Ok((part.id, part.stock.unwrap_or(0.0)))
}

/// Applies one stock change: the current stock, then `PUT Part/{id}` with the new one.
fn apply_stock_change(
    cfg: &Config,
    api: &mut dyn Transport,
    change: &StockChange,
) -> Result<PushOutcome, ConnectorError> {
    if !change.quantity_delta.is_finite() {
        return Err(invalid_config(format!(
            "stock change {}: quantity is not a number",
            change.id
        )));
    }
    if change.quantity_delta == 0.0 {
        return Ok(PushOutcome::Created(None));
    }
    let (id, current) = part_and_stock(cfg, api, change)?;
    // sevdesk keeps stock as a float: round away the binary noise of the sum.
    let new = ((current + change.quantity_delta) * 1e6).round() / 1e6;
    let _: Value = send_json(
        cfg,
        api,
        Request::put(cfg.url(&format!("Part/{id}"))),
        &model::StockUpdate { stock: new },
    )?;
    Ok(PushOutcome::Created(Some(id)))
}

/// Stock changes as read-modify-write of a part's stock (sevdesk has no stock movements).
/// Unlike transactions this is not exactly-once: no sevdesk field records which change
/// was applied, so the host's outbox is the only guard, and a change whose answer was
/// lost is applied again when resent.
fn push_stock_changes(
    cfg: &Config,
    api: &mut dyn Transport,
    changes: &[StockChange],
) -> Result<Vec<PushResult>, ConnectorError> {
    push_each(
        changes,
        MAX_STOCK_CHANGES_PER_CALL,
        |c| &c.id,
        |c| sale_of(&c.id),
        |c| apply_stock_change(cfg, api, c),
    )
}

// ---- exports -----------------------------------------------------------------------------

struct Sevdesk;

impl beep_sdk::erp::Describe for Sevdesk {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "sevdesk".into(),
            kind: ConnectorKind::Erp,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["sevdesk".into()],
            hosts: vec!["https://my.sevdesk.de".into()],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

impl beep_sdk::erp::Erp for Sevdesk {
    fn fetch_inventory(
        config: String,
        cursor: Option<String>,
    ) -> Result<InventoryPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_inventory(&cfg, &mut Wasi, cursor.as_deref())
    }

    fn fetch_orders(config: String, cursor: Option<String>) -> Result<OrdersPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_orders(&cfg, &mut Wasi, cursor.as_deref())
    }

    fn fetch_suppliers(
        config: String,
        cursor: Option<String>,
    ) -> Result<SuppliersPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_suppliers(&cfg, &mut Wasi, cursor.as_deref())
    }

    fn push_transactions(
        config: String,
        transactions: Vec<Transaction>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = Config::parse(&config)?;
        push_transactions(&cfg, &mut Wasi, &transactions)
    }

    fn push_stock_changes(
        config: String,
        changes: Vec<StockChange>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = Config::parse(&config)?;
        push_stock_changes(&cfg, &mut Wasi, &changes)
    }
}

beep_sdk::export_erp!(Sevdesk);

#[cfg(test)]
mod tests;

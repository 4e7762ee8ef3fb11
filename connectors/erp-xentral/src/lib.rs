//! BEEP! Connect ERP connector for xentral (`https://{id}.xentral.biz`), as its published
//! OpenAPI description (`xentral.json`, "Xentral API v0.1") has it.
//!
//! Every request carries `Authorization: Bearer <personal access token>`. Lists are
//! `{"data": [...], "extra": {"totalCount", "page"}}`, paged with `page[number]` (from 1)
//! and `page[size]` ("usually between 10 and 50": 50 here), ordered by id.
//!
//! * Inventory: `GET /api/v1/products`; a product's `stockCount` is its stock over all
//!   storage locations (per-warehouse stock would cost one request per product:
//!   `products/{id}/storageLocations`). Products that are not stock items
//!   (`isStockItem` false) are skipped. A product's `updatedAt` is not documented to move
//!   with stock bookings, so every run reads every product (up to 40 pages a call).
//! * Suppliers: `GET /api/v1/suppliers`; the spec documents no change filter for them
//!   (no `updatedAt` key), so every run is full.
//! * Orders: `GET /api/v1/purchaseOrders` (pages of 40, no positions in the list schema)
//!   and `GET /api/v1/purchaseOrders/{id}` for the positions. The list answers no update
//!   time, so every run is full (see the report: the `updatedAt` filter exists).
//! * Transactions: a sale is a sales order, `POST /api/v1/salesOrders/actions/import`,
//!   with `externalOrderId` = `BEEP-<transaction id>`, for the configured customer and
//!   project, one position of the configured product at the sale's total. Before
//!   creating, `GET /api/v1/salesOrders?filter[0][key]=externalOrderId&…op=equals` looks
//!   for it: a hit is a duplicate.
//! * Payments and refunds are `rejected(unsupported)` (settled once by the host, not
//!   resent), because xentral's published API (`xentral.json`, v0.1) offers no way to
//!   book either as the host sends them (an amount, a PSP reference, no sale):
//!   - Payments: no path creates a payment. `GET /api/v1/invoices/{id}/balance` only
//!     reads an invoice's payments; `PATCH /api/v1/invoices/{id}/status` takes
//!     `paymentStatus` with the single value `paid` (a flag on a whole invoice, no
//!     amount, and BEEP! sales are sales orders without a known invoice);
//!     `POST /api/v1/liabilities` books payables (supplier invoices), not receipts;
//!     `POST /api/v1/posJournals/actions/add` writes a cashier's till journal (its
//!     amount-bearing entries are `cash_in`/`cash_out`/`cash_difference` of cash in a
//!     register, and its list offers no reference to find an entry again). The spec's
//!     own reconciliation hook is the sales order's `transactionNumber` ("used for
//!     financial reconciliation of payment transactions with sales orders / invoices"),
//!     which needs the sale.
//!   - Refunds: `POST /api/v1/creditNotes` requires `invoice.id` (or, as
//!     `application/vnd.xentral.fromreturn+json`, a `return.id`) and copies that
//!     document: it has no amount, so neither a refund without its invoice nor a
//!     partial refund can be expressed.
//! * Stock changes: `POST` (stock in) / `PATCH` (retrieve) of
//!   `/api/v1/warehouses/{w}/storageLocations/{l}/items` with the product's SKU, at the
//!   configured storage location. The item endpoints take no reference, so a change whose
//!   answer was lost is booked again when resent (the host's outbox is the only guard).
//!
//! Pushes stay inside the host's budget of 100 requests a call: at most 45 items a call
//! (two requests each); the rest come back `rejected(rate-limited)` for the next push.

mod model;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{internal, invalid_config, unsupported};
use beep_sdk::http::{Request, Response};
use beep_sdk::log;
use beep_sdk::money;
use beep_sdk::transport::{Transport, Wasi};
use beep_sdk::types::{
    ConnectorError, InventoryPage, Money, OrderLine, OrdersPage, PurchaseOrder, PushOutcome,
    PushResult, StockChange, StockLevel, Supplier, SuppliersPage, Transaction, TransactionKind,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

/// Products and suppliers per page: the spec's usual maximum.
pub const PAGE_SIZE: usize = 50;
/// Pages of products or suppliers read in one call (one request each).
pub const PAGES_PER_CALL: usize = 40;
/// Purchase orders per page: one more request each (its positions).
pub const ORDER_PAGE: usize = 40;
/// Items pushed per call: two requests each.
pub const MAX_ITEMS_PER_CALL: usize = 45;
/// What booking a sale needs from the config.
const SALE_CONFIG: &str = "config: customerId, projectId, productId, paymentMethodId and \
     shippingMethodId are required to book sales";
/// The currencies the spec's Money object allows.
pub const CURRENCIES: &[&str] = &["EUR", "PLN", "CHF", "USD", "GBP"];

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "xentral",
  "type": "object",
  "required": ["token", "baseUrl"],
  "properties": {
    "token": {"type": "string", "minLength": 1, "description": "xentral personal access token, sent as Bearer token", "writeOnly": true},
    "baseUrl": {"type": "string", "format": "uri", "description": "Your xentral instance, e.g. https://acme.xentral.biz"},
    "currency": {"type": "string", "enum": ["EUR", "PLN", "CHF", "USD", "GBP"], "default": "EUR", "description": "Currency of the instance"},
    "customerId": {"type": ["string", "integer"], "description": "Customer that BEEP! sales orders are booked to (required to push sales)"},
    "projectId": {"type": ["string", "integer"], "description": "Project of BEEP! sales orders (required to push sales)"},
    "productId": {"type": ["string", "integer"], "description": "Product a BEEP! sale is booked as: one position at the sale's total (required to push sales)"},
    "paymentMethodId": {"type": ["string", "integer"], "description": "Payment method of BEEP! sales orders, e.g. the one for card payments (required to push sales: the import requires financials.paymentMethod)"},
    "shippingMethodId": {"type": ["string", "integer"], "description": "Shipping method of BEEP! sales orders, e.g. pickup (required to push sales: the import requires delivery.shippingMethod)"},
    "warehouseId": {"type": ["string", "integer"], "description": "Warehouse of stock bookings (required to push stock changes)"},
    "storageLocationId": {"type": ["string", "integer"], "description": "Storage location of stock bookings (required to push stock changes)"}
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
            "expected a xentral id (digits), got {other}"
        ))),
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    token: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    customer_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    project_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    product_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    payment_method_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    shipping_method_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    warehouse_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    storage_location_id: Option<String>,
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        let token = cfg.token.trim();
        if token.is_empty() || token.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid_config(
                "config: token must be a xentral personal access token",
            ));
        }
        let base = cfg.base();
        if base.is_empty() {
            return Err(invalid_config(
                "config: baseUrl (your instance, e.g. https://acme.xentral.biz) is required",
            ));
        }
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if !CURRENCIES.contains(&cfg.currency()) {
            return Err(invalid_config(format!(
                "config: currency must be one of {CURRENCIES:?} (xentral's Money currencies)"
            )));
        }
        Ok(cfg)
    }

    /// The instance origin; a trailing `/api/v1` is tolerated.
    fn base(&self) -> &str {
        let b = self.base_url.as_deref().unwrap_or("").trim();
        let b = b.trim_end_matches('/');
        b.strip_suffix("/api/v1").unwrap_or(b)
    }

    fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("EUR")
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base())
    }

    fn request(&self, req: Request) -> Request {
        req.bearer(self.token.trim())
            .header("accept", "application/json")
    }
}

/// xentral's words from an error answer: an RFC 7807 problem (`title` plus `messages` or
/// `violations`), or the text body (401 "Unauthorized", 429 "Too many API calls made.").
pub fn error_message(body: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let title = v["title"].as_str().unwrap_or("").to_string();
        let details = match (&v["messages"], &v["violations"]) {
            (Value::Array(m), _) => m
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), String::from))
                .collect::<Vec<_>>()
                .join("; "),
            (Value::Object(_), _) => v["messages"].to_string(),
            (_, Value::Null) => String::new(),
            (_, other) => other.to_string(),
        };
        let msg = match (title.is_empty(), details.is_empty()) {
            (false, false) => format!("{title}: {details}"),
            (false, true) => title,
            (true, false) => details,
            (true, true) => return None,
        };
        return Some(msg);
    }
    let text = String::from_utf8_lossy(body).trim().to_string();
    (!text.is_empty()).then(|| text.chars().take(200).collect())
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| error_message(&r.body))
}

fn get<T: DeserializeOwned>(
    cfg: &Config,
    api: &mut dyn Transport,
    path: &str,
    query: &[(&str, String)],
) -> Result<T, ConnectorError> {
    check(api.send(cfg.request(Request::get(cfg.url(path))).query(query))?)?.json()
}

fn page_query(number: usize, size: usize) -> Vec<(&'static str, String)> {
    vec![
        ("page[number]", number.to_string()),
        ("page[size]", size.to_string()),
    ]
}

// ---- mapping ---------------------------------------------------------------------------

/// A xentral Money object in minor units (decimal string; more decimals than the currency
/// has are rounded half away from zero).
pub fn money_of(m: &model::Money) -> Result<Money, ConnectorError> {
    let currency = m.currency.trim().to_ascii_uppercase();
    let amount = match money::from_major_str(&m.amount, &currency) {
        Ok(a) => a,
        Err(_) => {
            let f: f64 =
                m.amount.trim().parse().map_err(|_| {
                    internal(format!("xentral answered a bad amount {:?}", m.amount))
                })?;
            money::from_major_f64(f, &currency)?
        }
    };
    Ok(money::money(amount, &currency))
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// A product's stock level, or `None` for a product that is not a stock item.
fn stock_level(p: &model::Product) -> Option<StockLevel> {
    if p.is_stock_item == Some(false) {
        return None;
    }
    Some(StockLevel {
        external_id: p.id.clone(),
        sku: non_empty(&p.number),
        warehouse_id: None,
        quantity: p.stock_count.unwrap_or(0.0),
        unit: p.unit.as_ref().and_then(|u| non_empty(&u.name)),
        updated_at: non_empty(&p.updated_at),
    })
}

fn supplier(s: &model::Supplier) -> Supplier {
    Supplier {
        external_id: s.id.clone(),
        name: non_empty(&s.general.name).unwrap_or_else(|| format!("Supplier {}", s.id)),
        email: non_empty(&s.general.email),
        vat_id: non_empty(&s.general.vat_number),
    }
}

fn purchase_order(o: &model::PurchaseOrder) -> Result<PurchaseOrder, ConnectorError> {
    let lines = o
        .positions
        .iter()
        .map(|p| {
            Ok(OrderLine {
                product_id: p.product.as_ref().and_then(|r| non_empty(&r.id)),
                sku: None,
                description: non_empty(&p.name),
                quantity: p.quantity.unwrap_or(0.0),
                unit_price: p.price.as_ref().map(money_of).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, ConnectorError>>()?;
    Ok(PurchaseOrder {
        external_id: o.id.clone(),
        supplier_id: o.supplier.as_ref().and_then(|s| non_empty(&s.id)),
        number: non_empty(&o.document_number),
        status: non_empty(&o.status).unwrap_or_else(|| "unknown".into()),
        total: o
            .financials
            .as_ref()
            .and_then(|f| f.total.as_ref())
            .map(money_of)
            .transpose()?,
        ordered_at: non_empty(&o.date),
        lines,
    })
}

/// The reference a pushed sale carries as `externalOrderId`.
pub fn reference(tx: &Transaction) -> String {
    format!("BEEP-{}", tx.id)
}

/// What a sale needs from the configuration.
struct Booking<'a> {
    customer: &'a str,
    project: &'a str,
    product: &'a str,
    payment_method: &'a str,
    shipping_method: &'a str,
}

/// The `salesOrder.import` body of a sale: one position of the configured product at the
/// sale's total. The spec requires `financials` (payment method and currency) and
/// `delivery.shippingMethod`: both come from the config, as xentral's ids are per
/// instance.
fn sales_order(tx: &Transaction, b: &Booking<'_>) -> Result<Value, ConnectorError> {
    let currency = tx.amount.currency.to_ascii_uppercase();
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(invalid_config(format!(
            "transaction {}: xentral takes no {currency} amounts (only {CURRENCIES:?})",
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
    let mut order = json!({
        "date": date,
        "externalOrderId": reference(tx),
        "customer": {"id": b.customer},
        "project": {"id": b.project},
        "financials": {"paymentMethod": {"id": b.payment_method}, "currency": currency},
        "delivery": {"shippingMethod": {"id": b.shipping_method}},
        "comment": "BEEP! Scan & Go",
        "positions": [{
            "product": {"id": b.product},
            "quantity": 1,
            "price": {"amount": money::to_major_string(&tx.amount)?, "currency": currency},
        }],
    });
    if let Some(r) = tx.reference.as_deref().filter(|r| !r.is_empty()) {
        order["externalOrderNumber"] = json!(r);
    }
    Ok(order)
}

// ---- reads -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(default)]
struct PageCursor {
    /// The next page to read (1-based; 0 means 1).
    page: usize,
}

/// Reads pages of `path` from the cursor's page on, up to `pages` of them.
fn read_pages<T: DeserializeOwned>(
    cfg: &Config,
    api: &mut dyn Transport,
    path: &str,
    cursor: Option<&str>,
    size: usize,
    pages: usize,
) -> Result<(Vec<T>, Option<String>, bool), ConnectorError> {
    let st: PageCursor = Cursor::decode(cursor)?;
    let mut number = st.page.max(1);
    let mut items = Vec::new();
    for _ in 0..pages {
        let list: model::List<T> = get(cfg, api, path, &page_query(number, size))?;
        let n = list.data.len();
        items.extend(list.data);
        let total = list.extra.and_then(|e| e.total_count);
        let more = n >= size && total.is_none_or(|t| (number * size) < t as usize);
        number += 1;
        if !more {
            return Ok((items, None, false));
        }
    }
    let next = Cursor::encode(&PageCursor { page: number })?;
    Ok((items, Some(next), true))
}

fn fetch_inventory(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<InventoryPage, ConnectorError> {
    let (products, next_cursor, has_more) =
        read_pages::<model::Product>(cfg, api, "products", cursor, PAGE_SIZE, PAGES_PER_CALL)?;
    Ok(InventoryPage {
        levels: products.iter().filter_map(stock_level).collect(),
        next_cursor,
        has_more,
    })
}

fn fetch_suppliers(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<SuppliersPage, ConnectorError> {
    let (list, next_cursor, has_more) =
        read_pages::<model::Supplier>(cfg, api, "suppliers", cursor, PAGE_SIZE, PAGES_PER_CALL)?;
    Ok(SuppliersPage {
        suppliers: list.iter().map(supplier).collect(),
        next_cursor,
        has_more,
    })
}

fn fetch_orders(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<OrdersPage, ConnectorError> {
    let (list, next_cursor, has_more) =
        read_pages::<model::PurchaseOrder>(cfg, api, "purchaseOrders", cursor, ORDER_PAGE, 1)?;
    let mut orders = Vec::with_capacity(list.len());
    for o in &list {
        let full: model::One<model::PurchaseOrder> =
            get(cfg, api, &format!("purchaseOrders/{}", o.id), &[])?;
        orders.push(purchase_order(&full.data)?);
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

/// Pushes items one by one (as erp-sevdesk does): a transient failure stops the call (its
/// error if nothing got through, else it and the rest are `rejected` with it); at most
/// `max` items are attempted, the rest are `rejected(rate-limited)`; the items of one
/// `group` are attempted all or none.
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

/// The sales order that carries `reference` as its `externalOrderId`, if any.
fn find_sales_order(
    cfg: &Config,
    api: &mut dyn Transport,
    reference: &str,
) -> Result<Option<String>, ConnectorError> {
    let mut query = page_query(1, 10);
    query.extend([
        ("filter[0][key]", "externalOrderId".to_string()),
        ("filter[0][op]", "equals".to_string()),
        ("filter[0][value]", reference.to_string()),
    ]);
    let found: model::List<model::SalesOrder> = get(cfg, api, "salesOrders", &query)?;
    Ok(found
        .data
        .into_iter()
        .find(|o| o.external_order_id.as_deref() == Some(reference))
        .map(|o| o.id))
}

/// The id at the end of a `Location` header.
fn location_id(resp: &Response) -> Option<String> {
    let loc = resp.header("location")?;
    let last = loc.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty()).then(|| last.to_string())
}

fn book(
    cfg: &Config,
    api: &mut dyn Transport,
    tx: &Transaction,
) -> Result<PushOutcome, ConnectorError> {
    match tx.kind {
        TransactionKind::Payment => Err(unsupported(
            "xentral's API has no endpoint that books a payment (invoice balances are \
             read-only; an invoice can only be flagged paid as a whole)",
        )),
        TransactionKind::Chargeback | TransactionKind::Fee | TransactionKind::Payout => {
            Err(unsupported(
                "xentral's API has no endpoint that books a bank or PSP movement \
                 (chargebacks, fees and payouts reach it through its bank import)",
            ))
        }
        TransactionKind::Refund => Err(unsupported(
            "xentral's API books a credit note only as a copy of an invoice or a return \
             (POST /api/v1/creditNotes takes no amount); a refund arrives without either",
        )),
        TransactionKind::Sale => {
            let (
                Some(customer),
                Some(project),
                Some(product),
                Some(payment_method),
                Some(shipping_method),
            ) = (
                cfg.customer_id.as_deref(),
                cfg.project_id.as_deref(),
                cfg.product_id.as_deref(),
                cfg.payment_method_id.as_deref(),
                cfg.shipping_method_id.as_deref(),
            )
            else {
                return Err(invalid_config(SALE_CONFIG));
            };
            let body = sales_order(
                tx,
                &Booking {
                    customer,
                    project,
                    product,
                    payment_method,
                    shipping_method,
                },
            )?;
            let reference = reference(tx);
            if let Some(id) = find_sales_order(cfg, api, &reference)? {
                return Ok(PushOutcome::Duplicate(Some(id)));
            }
            let req = cfg
                .request(Request::post(cfg.url("salesOrders/actions/import")))
                .json(&body)?;
            let resp = check(api.send(req)?)?;
            Ok(PushOutcome::Created(location_id(&resp)))
        }
    }
}

fn push_transactions(
    cfg: &Config,
    api: &mut dyn Transport,
    txs: &[Transaction],
) -> Result<Vec<PushResult>, ConnectorError> {
    let sales = txs.iter().any(|t| t.kind == TransactionKind::Sale);
    let booking = [
        &cfg.customer_id,
        &cfg.project_id,
        &cfg.product_id,
        &cfg.payment_method_id,
        &cfg.shipping_method_id,
    ];
    if sales && booking.iter().any(|id| id.is_none()) {
        return Err(invalid_config(SALE_CONFIG));
    }
    push_each(
        txs,
        MAX_ITEMS_PER_CALL,
        |t| &t.id,
        |t| &t.id,
        |t| book(cfg, api, t),
    )
}

/// The host names the stock changes of one sale `<sale id>:<n>`.
fn sale_of(id: &str) -> &str {
    id.rsplit_once(':').map_or(id, |(sale, _)| sale)
}

/// The body of a stock booking at a storage location.
fn stock_item(sku: &str, change: &StockChange) -> Value {
    json!({
        "product": {"sku": sku},
        "quantity": change.quantity_delta.abs(),
        "reason": format!("BEEP-{}: {}", change.id, change.reason),
    })
}

fn apply_stock_change(
    cfg: &Config,
    api: &mut dyn Transport,
    change: &StockChange,
    warehouse: &str,
    location: &str,
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
    let sku = match change
        .sku
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => s.to_string(),
        None => {
            let Some(id) = change
                .product_id
                .as_deref()
                .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            else {
                return Err(invalid_config(format!(
                    "stock change {}: neither a SKU nor a xentral product id",
                    change.id
                )));
            };
            let p: model::One<model::Product> = get(cfg, api, &format!("products/{id}"), &[])?;
            non_empty(&p.data.number)
                .ok_or_else(|| invalid_config(format!("xentral product {id} has no number")))?
        }
    };
    let url = cfg.url(&format!(
        "warehouses/{warehouse}/storageLocations/{location}/items"
    ));
    let req = if change.quantity_delta > 0.0 {
        Request::post(url)
    } else {
        Request::new(beep_sdk::http::Method::Patch, url)
    };
    check(api.send(cfg.request(req).json(&stock_item(&sku, change))?)?)?;
    Ok(PushOutcome::Created(None))
}

fn push_stock_changes(
    cfg: &Config,
    api: &mut dyn Transport,
    changes: &[StockChange],
) -> Result<Vec<PushResult>, ConnectorError> {
    let (Some(warehouse), Some(location)) = (
        cfg.warehouse_id.as_deref(),
        cfg.storage_location_id.as_deref(),
    ) else {
        return Err(invalid_config(
            "config: warehouseId and storageLocationId are required to book stock changes",
        ));
    };
    push_each(
        changes,
        MAX_ITEMS_PER_CALL,
        |c| &c.id,
        |c| sale_of(&c.id),
        |c| apply_stock_change(cfg, api, c, warehouse, location),
    )
}

// ---- exports ---------------------------------------------------------------------------

struct Xentral;

beep_sdk::describe!(erp Xentral {
    name: "xentral",
    systems: ["xentral"],
    hosts: ["https://*.xentral.biz"],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::erp::Erp for Xentral {
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

beep_sdk::export_erp!(Xentral);

#[cfg(test)]
mod tests;

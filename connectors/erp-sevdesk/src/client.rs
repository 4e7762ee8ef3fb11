//! sevdesk over HTTP: its error answers as the contract's errors, the paged reads of
//! parts, contacts and orders, and the pushes (vouchers, check account transactions,
//! stock writes).

use crate::config::Config;
use crate::model::{self, Objects};
use crate::{mapping, util};
use beep_sdk::config::Cursor;
use beep_sdk::error::{internal, invalid_config, not_found};
use beep_sdk::http::{Request, Response};
use beep_sdk::log;
use beep_sdk::transport::Transport;
use beep_sdk::types::{
    ConnectorError, InventoryPage, OrdersPage, PushOutcome, PushResult, StockChange, SuppliersPage,
    Transaction, TransactionKind,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

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

// ---- requests ----------------------------------------------------------------------------

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
pub(crate) struct ChangeCursor {
    pub(crate) offset: usize,
    /// `updateAfter` of this run (Unix seconds); absent in a full run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) since: Option<i64>,
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

pub(crate) fn fetch_inventory(
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

pub(crate) fn fetch_suppliers(
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
pub(crate) fn to_supplier(
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

pub(crate) fn fetch_orders(
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
pub(crate) fn push_each<T>(
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
pub(crate) fn book(
    cfg: &Config,
    api: &mut dyn Transport,
    tx: &Transaction,
) -> Result<PushOutcome, ConnectorError> {
    let b = cfg.booking();
    let reference = mapping::reference(tx);
    match tx.kind {
        TransactionKind::Payment
        | TransactionKind::Chargeback
        | TransactionKind::Fee
        | TransactionKind::Payout => {
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

pub(crate) fn push_transactions(
    cfg: &Config,
    api: &mut dyn Transport,
    txs: &[Transaction],
) -> Result<Vec<PushResult>, ConnectorError> {
    // A missing account is the configuration's fault, not the items': fail the call so
    // that nothing is marked rejected for good.
    let revenue = txs
        .iter()
        .any(|t| matches!(t.kind, TransactionKind::Sale | TransactionKind::Refund));
    if revenue && cfg.account_datev_id.is_none() {
        return Err(invalid_config(
            "config: accountDatevId (the revenue account) is required to book sales and refunds",
        ));
    }
    let movements = txs
        .iter()
        .any(|t| !matches!(t.kind, TransactionKind::Sale | TransactionKind::Refund));
    if movements && cfg.check_account_id.is_none() {
        return Err(invalid_config(
            "config: checkAccountId is required to book payments, chargebacks, fees and payouts",
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
pub(crate) fn sale_of(id: &str) -> &str {
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
pub(crate) fn push_stock_changes(
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

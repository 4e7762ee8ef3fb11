//! The Service Layer over HTTP: its error answers as the contract's errors, sessions
//! (login, cookie, logout), paged OData reads and the pushes.

use crate::config::{Config, non_empty};
use crate::mapping::{
    date_of, journal_entry, payment_document, payment_entity, purchase_order, reference,
    sales_document, stock_document, stock_level, supplier, text,
};
use crate::odata::{self, encode_query, resolve_link};
use beep_sdk::config::Cursor;
use beep_sdk::error::{internal, invalid_config, unauthorized};
use beep_sdk::http::{Request, Response};
use beep_sdk::log;
use beep_sdk::transport::Transport;
use beep_sdk::types::{
    ConnectorError, InventoryPage, OrdersPage, PushOutcome, PushResult, StockChange, SuppliersPage,
    Transaction, TransactionKind,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Items and suppliers per page (`Prefer: odata.maxpagesize`).
pub const PAGE_SIZE: usize = 500;
/// Purchase orders per page (they carry their lines).
pub const ORDER_PAGE_SIZE: usize = 100;
/// Pages read in one call: with login and logout well inside 100 requests.
pub const PAGES_PER_CALL: usize = 20;
/// Items pushed per call: two requests each, plus login and logout.
pub const MAX_ITEMS_PER_CALL: usize = 45;

// ---- session ---------------------------------------------------------------------------

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
// ---- reads -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(default)]
pub(crate) struct ReadCursor {
    /// The next page's link, as the Service Layer gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next: Option<String>,
    /// Read only what changed on or after this date (the previous run's highest).
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    /// The highest `UpdateDate` seen so far in this run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max: Option<String>,
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

pub(crate) fn fetch_inventory(
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

pub(crate) fn fetch_suppliers(
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

pub(crate) fn fetch_orders(
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
        TransactionKind::Payment | TransactionKind::Refund | TransactionKind::Chargeback => {
            let (Some(card), Some(account)) = (
                non_empty(&s.cfg.card_code),
                non_empty(&s.cfg.payment_account),
            ) else {
                return Err(invalid_config(
                    "config: cardCode and paymentAccount are required to book payments, refunds and chargebacks",
                ));
            };
            let doc = payment_document(tx, card, account)?;
            (doc, payment_entity(tx).to_string(), "Remarks")
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
        TransactionKind::Fee | TransactionKind::Payout => {
            let (account, field) = if tx.kind == TransactionKind::Fee {
                (&s.cfg.fee_account, "feeAccount")
            } else {
                (&s.cfg.bank_account, "bankAccount")
            };
            let (Some(debit), Some(clearing)) =
                (non_empty(account), non_empty(&s.cfg.payment_account))
            else {
                return Err(invalid_config(format!(
                    "config: {field} and paymentAccount are required to book {}",
                    if tx.kind == TransactionKind::Fee {
                        "fees"
                    } else {
                        "payouts"
                    }
                )));
            };
            let doc = journal_entry(tx, debit, clearing)?;
            (doc, "JournalEntries".to_string(), "Reference")
        }
    };
    if let Some(entry) = find(s, &entity, field, &reference(&tx.id))? {
        return Ok(PushOutcome::Duplicate(Some(entry)));
    }
    let created = s.post(&entity, &doc)?;
    Ok(PushOutcome::Created(text(&created["DocEntry"])))
}

pub(crate) fn push_transactions(
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
pub(crate) fn stock_groups(changes: &[StockChange]) -> Vec<(String, bool, Vec<&StockChange>)> {
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

pub(crate) fn push_stock_changes(
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

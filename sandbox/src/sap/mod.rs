//! Test Mode simulator of the SAP Business One Service Layer (`https://{host}:50000/b1s/v1`).
//! SAP publishes no OpenAPI file (the Service Layer serves `$metadata` at run time); this
//! follows SAP's documented behaviour for what the SAP ERP connector uses:
//!
//! * `POST /b1s/v1/Login` `{"CompanyDB", "UserName", "Password"}` answers
//!   `{"odata.metadata", "SessionId", "Version", "SessionTimeout"}` and sets the cookies
//!   `B1SESSION` and `ROUTEID`; `POST /b1s/v1/Logout` (204) ends the session. Every other
//!   request needs `Cookie: B1SESSION=…`; without a live session: 401
//!   `{"error":{"code":301,"message":{"lang":"en-us","value":"Invalid session."}}}`.
//!   A failed login: 401 `{"error":{"code":100000027,"message":{…,"value":"Login failed"}}}`.
//! * `GET /b1s/v1/{Items|BusinessPartners|PurchaseOrders|Invoices|Orders|InventoryGenExits|
//!   InventoryGenEntries|IncomingPayments|VendorPayments|JournalEntries}` with `$select`, `$filter` (clauses `Field op
//!   'value'` or `Field op number` joined by `and`; ops eq ne ge gt le lt), `$top`,
//!   `$skip`; pages of `Prefer: odata.maxpagesize=N` (default 20, as SAP), answered as
//!   `{"odata.metadata", "value": [...], "@odata.nextLink": "Items?…&$skip=40"}` (the
//!   link relative to the service root, the query options kept).
//! * `POST` of the same documents (201 with the document, `DocEntry` and `DocNum` set).
//!   Sales documents need an existing customer and known items; goods issues and receipts
//!   move the stock of their lines' warehouse (`WarehouseCode`, else the item's default
//!   `01`), as SAP does, without touching the item's `UpdateDate`. Payments
//!   (`IncomingPayments`: money in; `VendorPayments`: outgoing payments, which B1 also
//!   makes to customers, e.g. a refund) need `DocType` `rCustomer` with a customer's
//!   `CardCode` (`rSupplier`: a supplier's), a positive `TransferSum` with an existing
//!   G/L `TransferAccount` (or a positive `CashSum`). Like SAP, nothing rejects a second
//!   document with the same `NumAtCard`, `Remarks` or `Comments`: a resend is booked
//!   again (visible in `/_sim/documents`), so only the connector's search prevents it.
//!   A journal entry (`JournalEntries`) needs `JournalEntryLines` on existing G/L
//!   accounts whose debits and credits balance (and are more than nothing).
//!
//! Company databases: [`COMPANY_DB`] (30 inventory items with stock in warehouses 01 and
//! 02, `UpdateDate` 2024-10-01 … 2024-10-30; the non-inventory item `BEEP-SALE`; 3
//! suppliers, 2 customers and a lead; 2 purchase orders with lines) and `gen-N` (1 ≤ N ≤
//! 1,000,000: the same with N generated inventory items instead, computed from their
//! index: a page costs O(page size)). User [`USER`], password [`PASSWORD`] for both.
//!
//! Test hooks (not SAP; no auth), under the simulator's root (beside `/b1s`):
//! `GET /_sim/documents` (`{"Invoices": [...], …, "sessions": n}`: everything booked,
//! duplicates included), `GET /_sim/sessions` (`{"active": n, "logins": n}`),
//! `POST /_sim/fail` `{"status", "times", "afterWrite"}` (the next API requests other
//! than `Logout` answer it; 429 with `Retry-After: 1`; with `afterWrite` only the next
//! `POST` of a document does, after booking it: an answer lost on the way back), `POST /_sim/items/{code}/stock` `{"quantity"}`
//! (sets the item's stock in warehouse 01 and its `UpdateDate` to today),
//! `POST /_sim/expire-sessions` (every session answers 401 from now on).

mod auth;
mod demo;
mod documents;
mod entities;
mod errors;
mod hooks;
mod paging;
mod query;

use crate::kit::fault::FaultSlot;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use auth::{login, logout};
use axum::Router;
use axum::routing::{get, post};
use demo::{demo_items, demo_partners, demo_purchase_orders};
use documents::create;
use entities::list;
use hooks::{sim_documents, sim_expire, sim_fail, sim_sessions, sim_stock};
use serde_json::{Value, json};

pub const COMPANY_DB: &str = "SBODEMODE";
pub const USER: &str = "manager";
pub const PASSWORD: &str = "B1Demo!2024";
/// The customer BEEP! sales are booked to.
pub const CUSTOMER: &str = "C-BEEP";
/// The non-inventory item a BEEP! sale is booked as.
pub const SALE_ITEM: &str = "BEEP-SALE";
pub const MAX_GENERATED: usize = 1_000_000;
/// SAP's default page size.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Larger pages are cut to this (keeps a page O(page)).
pub const MAX_PAGE_SIZE: usize = 5_000;
const ITEMS: usize = 30;
const GENERATED_DATE: &str = "2024-10-01";
const ENTITIES: &[&str] = &[
    "Items",
    "BusinessPartners",
    "PurchaseOrders",
    "Invoices",
    "Orders",
    "InventoryGenExits",
    "InventoryGenEntries",
    "IncomingPayments",
    "VendorPayments",
    "JournalEntries",
];
const BOOKED: &[&str] = &[
    "Invoices",
    "Orders",
    "InventoryGenExits",
    "InventoryGenEntries",
    "IncomingPayments",
    "VendorPayments",
    "JournalEntries",
];
/// The demo company's G/L accounts a payment may transfer through (SKR03: bank, money
/// in transit).
pub const PAYMENT_ACCOUNTS: &[&str] = &["1200", "1360"];
/// Every G/L account a journal entry may post to: the payment accounts and the expense
/// account for bank and PSP fees (SKR03 4970, Nebenkosten des Geldverkehrs).
pub const GL_ACCOUNTS: &[&str] = &["1200", "1360", "4970"];
/// The account BEEP! payments are booked through in the demo company.
pub const PAYMENT_ACCOUNT: &str = "1360";

/// Credentials that work against the demo company. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "companyDb": COMPANY_DB,
        "userName": USER,
        "password": PASSWORD,
        "cardCode": CUSTOMER,
        "saleItemCode": SALE_ITEM,
        "paymentAccount": PAYMENT_ACCOUNT,
        "feeAccount": "4970",
        "bankAccount": "1200",
    })
}

// ---- state ----------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Company {
    Demo,
    Generated(usize),
}

struct SimState {
    /// Demo items (inventory items first, then `BEEP-SALE`).
    items: Vec<Value>,
    partners: Vec<Value>,
    purchase_orders: Vec<Value>,
    /// Booked documents by entity.
    booked: HashMap<&'static str, Vec<Value>>,
    sessions: HashMap<String, Company>,
    logins: u64,
    next_session: u64,
    next_entry: u64,
    failure: FaultSlot,
}

pub struct SapSim {
    state: Mutex<SimState>,
}

impl SapSim {
    pub fn new() -> Arc<SapSim> {
        Arc::new(SapSim {
            state: Mutex::new(SimState {
                items: demo_items(),
                partners: demo_partners(),
                purchase_orders: demo_purchase_orders(),
                booked: BOOKED.iter().map(|e| (*e, Vec::new())).collect(),
                sessions: HashMap::new(),
                logins: 0,
                next_session: 1,
                next_entry: 1,
                failure: FaultSlot::default(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Live sessions (logged in, not logged out or expired).
    pub fn active_sessions(&self) -> usize {
        self.lock().sessions.len()
    }
}

pub fn router(sim: Arc<SapSim>) -> Router {
    Router::new()
        .route("/b1s/v1/Login", post(login))
        .route("/b1s/v1/Logout", post(logout))
        .route("/b1s/v1/{entity}", get(list).post(create))
        .route("/_sim/documents", get(sim_documents))
        .route("/_sim/sessions", get(sim_sessions))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/items/{code}/stock", post(sim_stock))
        .route("/_sim/expire-sessions", post(sim_expire))
        .with_state(sim)
}

#[cfg(test)]
mod tests;

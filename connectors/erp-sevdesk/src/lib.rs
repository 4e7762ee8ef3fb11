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

mod client;
mod config;
mod mapping;
mod model;
mod util;

pub use client::{
    CONTACT_PAGE, MAX_STOCK_CHANGES_PER_CALL, MAX_TRANSACTIONS_PER_CALL, ORDER_PAGE, PART_PAGE,
    POSITION_PAGE,
};
pub use config::DEFAULT_BASE_URL;

use beep_sdk::transport::Wasi;
use beep_sdk::types::{
    ConnectorError, InventoryPage, OrdersPage, PushResult, StockChange, SuppliersPage, Transaction,
};
use client::{
    fetch_inventory, fetch_orders, fetch_suppliers, push_stock_changes, push_transactions,
};
use config::{CONFIG_SCHEMA, Config};

// ---- exports -----------------------------------------------------------------------------

struct Sevdesk;

beep_sdk::describe!(erp Sevdesk {
    name: "sevdesk",
    systems: ["sevdesk"],
    hosts: ["https://my.sevdesk.de"],
    schema: CONFIG_SCHEMA,
});

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

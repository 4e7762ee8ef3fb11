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

mod client;
mod config;
mod mapping;
mod odata;

pub use client::{
    MAX_ITEMS_PER_CALL, ORDER_PAGE_SIZE, PAGE_SIZE, PAGES_PER_CALL, error_message, sale_of,
    session_cookie,
};
pub use config::HOSTS;
pub use mapping::{date_of, reference};
pub use odata::{encode_query, resolve_link};

use beep_sdk::transport::Wasi;
use beep_sdk::types::{
    ConnectorError, InventoryPage, OrdersPage, PushResult, StockChange, SuppliersPage, Transaction,
};
use client::{
    fetch_inventory, fetch_orders, fetch_suppliers, push_stock_changes, push_transactions,
};
use config::{CONFIG_SCHEMA, Config};

// ---- exports ---------------------------------------------------------------------------

struct Sap;

beep_sdk::describe!(erp Sap {
    name: "sap",
    systems: ["sap"],
    hosts: HOSTS,
    schema: CONFIG_SCHEMA,
});

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

//! BEEP! ⇄ SAP Business One: the Service Layer's values (read as JSON) as the contract's
//! stock levels, suppliers and purchase orders, and BEEP!'s transactions and stock
//! changes as Service Layer documents.

use beep_sdk::error::invalid_config;
use beep_sdk::money;
use beep_sdk::types::{
    ConnectorError, Money, OrderLine, PurchaseOrder, StockChange, StockLevel, Supplier,
    Transaction, TransactionKind,
};
use serde_json::{Value, json};

pub(crate) fn text(v: &Value) -> Option<String> {
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
pub(crate) fn stock_level(item: &Value, warehouse: Option<&str>) -> Option<StockLevel> {
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

pub(crate) fn supplier(bp: &Value) -> Option<Supplier> {
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

pub(crate) fn purchase_order(
    doc: &Value,
    local: &str,
) -> Result<Option<PurchaseOrder>, ConnectorError> {
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

/// The day a transaction happened, as SAP dates documents.
fn transaction_date(tx: &Transaction) -> Result<String, ConnectorError> {
    date_of(&json!(tx.occurred_at)).ok_or_else(|| {
        invalid_config(format!(
            "transaction {}: occurred-at is not an RFC 3339 timestamp",
            tx.id
        ))
    })
}

/// `BEEP! {what} {reference}`, cut to the 50 characters a journal memo holds.
fn journal_memo(tx: &Transaction, what: &str) -> String {
    match tx.reference.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => format!("BEEP! {what} {r}"),
        None => format!("BEEP! {what}"),
    }
    .chars()
    .take(50)
    .collect()
}

/// The A/R document of a sale.
pub(crate) fn sales_document(
    tx: &Transaction,
    card: &str,
    item: &str,
) -> Result<Value, ConnectorError> {
    let currency = tx.amount.currency.to_ascii_uppercase();
    let date = transaction_date(tx)?;
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

/// The entity a payment, refund or chargeback is booked as: money in from the customer,
/// or money back out to the customer (a refund, a chargeback; a won chargeback's
/// reversal, negative, comes back in).
pub(crate) fn payment_entity(tx: &Transaction) -> &'static str {
    match tx.kind {
        TransactionKind::Refund => "VendorPayments",
        TransactionKind::Chargeback if tx.amount.amount > 0 => "VendorPayments",
        _ => "IncomingPayments",
    }
}

/// A fee (expense against the clearing account) or a payout (the clearing account to
/// the bank) as a journal entry of two lines; `Reference` carries BEEP!'s id.
pub(crate) fn journal_entry(
    tx: &Transaction,
    debit_account: &str,
    credit_account: &str,
) -> Result<Value, ConnectorError> {
    let date = transaction_date(tx)?;
    let sum = money::to_major_f64(&tx.amount)?;
    // A negative fee (a rebate) books the other way round.
    let (debit, credit) = if sum < 0.0 {
        (credit_account, debit_account)
    } else {
        (debit_account, credit_account)
    };
    let sum = sum.abs();
    let what = if tx.kind == TransactionKind::Fee {
        "PSP fee"
    } else {
        "PSP payout"
    };
    let memo = journal_memo(tx, what);
    Ok(json!({
        "ReferenceDate": date,
        "DueDate": date,
        "TaxDate": date,
        "Reference": reference(&tx.id),
        "Memo": memo,
        "JournalEntryLines": [
            {"AccountCode": debit, "Debit": sum, "Credit": 0.0, "FCCurrency": tx.amount.currency.to_ascii_uppercase()},
            {"AccountCode": credit, "Debit": 0.0, "Credit": sum, "FCCurrency": tx.amount.currency.to_ascii_uppercase()},
        ],
    }))
}

/// An incoming payment (a BEEP! payment) or an outgoing payment to the customer (a
/// refund), on account, as a bank transfer through `account`.
pub(crate) fn payment_document(
    tx: &Transaction,
    card: &str,
    account: &str,
) -> Result<Value, ConnectorError> {
    let date = transaction_date(tx)?;
    let sum = money::to_major_f64(&tx.amount)?.abs();
    if sum == 0.0 {
        return Err(invalid_config(format!(
            "transaction {}: a payment of nothing cannot be booked",
            tx.id
        )));
    }
    let what = match tx.kind {
        TransactionKind::Refund => "refund",
        TransactionKind::Chargeback => "chargeback",
        _ => "payment",
    };
    let memo = journal_memo(tx, what);
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
pub(crate) fn stock_document(
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

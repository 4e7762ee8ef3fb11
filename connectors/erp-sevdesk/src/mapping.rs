//! sevdesk objects ⇄ the contract's types. Pure functions, unit-tested natively.

use crate::model::{
    CommunicationWay, Contact, ErrorBody, IdRef, NewTransaction, NewVoucher, NewVoucherPos, Order,
    OrderPos, Part, Ref, SaveVoucher, Unity,
};
use crate::util::german_date;
use beep_sdk::error::{invalid_config, unsupported};
use beep_sdk::money;
use beep_sdk::types::{
    ConnectorError, Money, OrderLine, PurchaseOrder, StockLevel, Supplier, Transaction,
    TransactionKind,
};

/// The contact category sevdesk documents as "Supplier (ID: 2)".
pub const SUPPLIER_CATEGORY: &str = "2";

/// The vendor's message from an error body (`{"error": {"message"}}`).
pub fn error_message(body: &[u8]) -> Option<String> {
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
    e.error
        .and_then(|d| d.message)
        .or(e.message)
        .filter(|m| !m.trim().is_empty())
}

/// A unit symbol for a part's `Unity`, when it was embedded.
pub fn unit(unity: &Unity) -> Option<String> {
    let by_code = match unity.translation_code.as_deref() {
        Some("UNITY_PIECE") => Some("pc"),
        Some("UNITY_KILOGRAM") => Some("kg"),
        Some("UNITY_GRAM") => Some("g"),
        Some("UNITY_LITER") => Some("l"),
        Some("UNITY_MILLILITER") => Some("ml"),
        Some("UNITY_METER") => Some("m"),
        Some("UNITY_SQUARE_METER") => Some("m2"),
        Some("UNITY_CUBIC_METER") => Some("m3"),
        Some("UNITY_HOUR") => Some("h"),
        _ => None,
    };
    by_code
        .map(String::from)
        .or_else(|| unity.name.clone().filter(|n| !n.trim().is_empty()))
}

/// A part's stock as a stock level; `None` for a part without stock tracking
/// (`stockEnabled` false: a service, whose `stock` means nothing). sevdesk keeps one stock
/// per part: no warehouse.
pub fn stock_level(part: &Part) -> Option<StockLevel> {
    if part.stock_enabled == Some(false) {
        return None;
    }
    Some(StockLevel {
        external_id: part.id.clone(),
        sku: part.part_number.clone().filter(|s| !s.is_empty()),
        warehouse_id: None,
        quantity: part.stock.unwrap_or(0.0),
        unit: part.unity.as_ref().and_then(unit),
        updated_at: part.update.clone(),
    })
}

/// Whether a contact is in sevdesk's supplier category.
pub fn is_supplier(contact: &Contact) -> bool {
    contact
        .category
        .as_ref()
        .is_some_and(|c| c.id == SUPPLIER_CATEGORY)
}

/// An organisation's name, or a person's "first middle last" name.
pub fn display_name(contact: &Contact) -> String {
    if let Some(name) = contact.name.as_deref().filter(|n| !n.trim().is_empty()) {
        return name.trim().to_string();
    }
    let person: Vec<&str> = [&contact.surename, &contact.name2, &contact.familyname]
        .into_iter()
        .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
        .collect();
    if person.is_empty() {
        format!("Contact {}", contact.id)
    } else {
        person.join(" ")
    }
}

/// The contact's e-mail address: its main `EMAIL` communication way, else the first one.
pub fn email(ways: &[CommunicationWay]) -> Option<String> {
    let emails = || {
        ways.iter().filter(|w| {
            w.kind.as_deref() == Some("EMAIL") && w.value.as_deref().is_some_and(|v| !v.is_empty())
        })
    };
    emails()
        .find(|w| w.main == Some(true))
        .or_else(|| emails().next())
        .and_then(|w| w.value.clone())
}

pub fn supplier(contact: &Contact, email: Option<String>) -> Supplier {
    Supplier {
        external_id: contact.id.clone(),
        name: display_name(contact),
        email,
        vat_id: contact.vat_number.clone().filter(|v| !v.trim().is_empty()),
    }
}

/// sevdesk's order status codes ("Types and status of orders") as words.
pub fn order_status(code: Option<&str>) -> String {
    match code.map(str::trim) {
        Some("100") => "draft",
        Some("200") => "sent",
        Some("300") => "cancelled",
        Some("500") => "accepted",
        Some("750") => "partially_invoiced",
        Some("1000") => "invoiced",
        Some(other) if !other.is_empty() => return other.to_string(),
        _ => "unknown",
    }
    .to_string()
}

fn major(value: f64, currency: &str) -> Result<Money, ConnectorError> {
    Ok(money::money(
        money::from_major_f64(value, currency)?,
        currency,
    ))
}

/// One order position as an order line. Its unit price is the gross price, like the
/// order's total (sevdesk's `price` is net or gross depending on the account).
pub fn order_line(pos: &OrderPos, currency: &str) -> Result<OrderLine, ConnectorError> {
    let unit_price = match pos.price_gross.or(pos.price) {
        Some(p) => Some(major(p, currency)?),
        None => None,
    };
    Ok(OrderLine {
        product_id: pos.part.as_ref().map(|p| p.id.clone()),
        sku: pos.part.as_ref().and_then(|p| p.part_number.clone()),
        description: pos
            .name
            .clone()
            .or_else(|| pos.text.clone())
            .filter(|d| !d.is_empty()),
        quantity: pos.quantity.unwrap_or(0.0),
        unit_price,
    })
}

/// An order to a supplier, with its positions, as a purchase order.
pub fn purchase_order(
    order: &Order,
    positions: &[OrderPos],
    default_currency: &str,
) -> Result<PurchaseOrder, ConnectorError> {
    let currency = order
        .currency
        .as_deref()
        .filter(|c| money::exponent(c).is_some())
        .unwrap_or(default_currency)
        .to_ascii_uppercase();
    let mut sorted: Vec<&OrderPos> = positions.iter().collect();
    sorted.sort_by(|a, b| {
        a.position_number
            .unwrap_or(0.0)
            .total_cmp(&b.position_number.unwrap_or(0.0))
    });
    Ok(PurchaseOrder {
        external_id: order.id.clone(),
        supplier_id: order.contact.as_ref().map(|c| c.id.clone()),
        number: order.order_number.clone(),
        status: order_status(order.status.as_deref()),
        total: match order.sum_gross {
            Some(sum) => Some(major(sum, &currency)?),
            None => None,
        },
        ordered_at: order.order_date.clone(),
        lines: sorted
            .into_iter()
            .map(|p| order_line(p, &currency))
            .collect::<Result<_, _>>()?,
    })
}

// ---- bookings ----------------------------------------------------------------------------------

/// What booking a transaction needs besides the transaction.
pub struct Booking<'a> {
    /// `AccountDatev` id of the revenue account sales and refunds are booked to.
    pub account_datev_id: Option<&'a str>,
    /// `CheckAccount` id payments are booked to.
    pub check_account_id: Option<&'a str>,
    /// VAT rate (percent) of the booked revenue.
    pub tax_rate: f64,
    /// The `TaxRule` id (1: "Umsatzsteuerpflichtige Umsätze").
    pub tax_rule: &'a str,
    /// The sevdesk account's own currency.
    pub currency: &'a str,
    /// `supplierName` of revenue vouchers (who the voucher is "directed" to).
    pub customer_name: &'a str,
}

/// BEEP!'s reference of a transaction at sevdesk: the voucher's `description` or the
/// check account transaction's `paymtPurpose`, both of which sevdesk can search by.
pub fn reference(tx: &Transaction) -> String {
    format!("BEEP-{}", tx.id)
}

fn transaction_date(tx: &Transaction) -> Result<String, ConnectorError> {
    german_date(&tx.occurred_at).ok_or_else(|| {
        invalid_config(format!(
            "transaction {}: occurredAt {:?} is not an RFC 3339 timestamp",
            tx.id, tx.occurred_at
        ))
    })
}

fn kind_word(kind: TransactionKind) -> &'static str {
    match kind {
        TransactionKind::Sale => "sale",
        TransactionKind::Payment => "payment",
        TransactionKind::Refund => "refund",
        TransactionKind::Chargeback => "chargeback",
        TransactionKind::Fee => "fee",
        TransactionKind::Payout => "payout",
    }
}

/// A movement on the PSP's clearing account, signed as sevdesk books it: a payment comes
/// in; a chargeback, the PSP's fee and the payout to the bank go out (a chargeback's
/// reversal, negative, comes back in).
pub fn clearing_amount(tx: &Transaction) -> Result<f64, ConnectorError> {
    let value = money::to_major_f64(&tx.amount)?;
    Ok(match tx.kind {
        TransactionKind::Chargeback | TransactionKind::Fee | TransactionKind::Payout => -value,
        _ => value,
    })
}

/// A configured id as the integer the spec types it as.
fn numeric_id(id: &str, name: &str) -> Result<u64, ConnectorError> {
    id.parse()
        .map_err(|_| invalid_config(format!("config: {name} must be a sevdesk id (digits)")))
}

/// A sale or refund as a revenue voucher (`creditDebit` D, one position on the revenue
/// account). A refund is the same voucher with a negative sum: a reduction of revenue
/// (sevdesk reserves revenue accounts for debit vouchers).
pub fn voucher(tx: &Transaction, b: &Booking) -> Result<SaveVoucher, ConnectorError> {
    let account = b.account_datev_id.ok_or_else(|| {
        invalid_config("config: accountDatevId is required to book sales and refunds")
    })?;
    let value = money::to_major_f64(&tx.amount)?;
    let gross = match tx.kind {
        TransactionKind::Refund => -value.abs(),
        _ => value,
    };
    let date = transaction_date(tx)?;
    let currency = tx.amount.currency.to_ascii_uppercase();
    let foreign = !currency.eq_ignore_ascii_case(b.currency);
    let mut comment = format!("BEEP! {}", kind_word(tx.kind));
    if let Some(sale) = &tx.sale_id {
        comment.push_str(&format!(" {sale}"));
    }
    if let Some(method) = &tx.payment_method {
        comment.push_str(&format!(", {method}"));
    }
    if let Some(reference) = &tx.reference {
        comment.push_str(&format!(", {reference}"));
    }
    Ok(SaveVoucher {
        voucher: NewVoucher {
            object_name: "Voucher",
            map_all: true,
            voucher_date: date.clone(),
            delivery_date: date.clone(),
            supplier: None,
            supplier_name: b.customer_name.to_string(),
            description: reference(tx),
            // 100: completed, not yet paid (the payment is booked on its own).
            status: 100,
            tax_rule: Ref {
                id: b.tax_rule.to_string(),
                object_name: Some("TaxRule".into()),
            },
            credit_debit: "D",
            voucher_type: "VOU",
            currency,
            property_foreign_currency_deadline: foreign.then_some(date),
        },
        voucher_pos_save: vec![NewVoucherPos {
            object_name: "VoucherPos",
            map_all: true,
            account_datev: IdRef {
                id: numeric_id(account, "accountDatevId")?,
                object_name: "AccountDatev",
            },
            tax_rate: b.tax_rate,
            net: false,
            sum_gross: gross,
            comment,
        }],
        voucher_pos_delete: None,
    })
}

/// A payment as a transaction on the configured check account (money in; a negative
/// amount is money out).
pub fn check_account_transaction(
    tx: &Transaction,
    b: &Booking,
) -> Result<NewTransaction, ConnectorError> {
    let account = b
        .check_account_id
        .ok_or_else(|| invalid_config("config: checkAccountId is required to book payments"))?;
    if !tx.amount.currency.eq_ignore_ascii_case(b.currency) {
        // A check account transaction has no currency of its own.
        return Err(unsupported(format!(
            "payment {} in {} cannot be booked to a {} check account",
            tx.id, tx.amount.currency, b.currency
        )));
    }
    // Validates the timestamp; sevdesk takes it as it is.
    transaction_date(tx)?;
    let what = match tx.kind {
        TransactionKind::Payment => String::new(),
        other => format!(" {}", kind_word(other)),
    };
    let payee = match (&tx.payment_method, &tx.reference) {
        (Some(m), Some(r)) => format!("BEEP!{what} {m} {r}"),
        (Some(m), None) => format!("BEEP!{what} {m}"),
        (None, Some(r)) => format!("BEEP!{what} {r}"),
        (None, None) => format!("BEEP!{what}"),
    };
    Ok(NewTransaction {
        value_date: tx.occurred_at.clone(),
        entry_date: tx.occurred_at.clone(),
        paymt_purpose: reference(tx),
        amount: clearing_amount(tx)?,
        payee_payer_name: payee,
        check_account: IdRef {
            id: numeric_id(account, "checkAccountId")?,
            object_name: "CheckAccount",
        },
        status: 100,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn part(v: Value) -> Part {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn errors_carry_sevdesk_messages() {
        assert_eq!(
            error_message(
                br#"{"error":{"message":"Authentication required","exceptionUUID":"x"}}"#
            )
            .as_deref(),
            Some("Authentication required")
        );
        assert_eq!(
            error_message(br#"{"objects":null,"error":{"message":"Bad","code":null}}"#).as_deref(),
            Some("Bad")
        );
        assert_eq!(error_message(b"<html>"), None);
    }

    #[test]
    fn parts_become_stock_levels() {
        let level = stock_level(&part(json!({
            "id": 1017, "partNumber": "ART-1017", "stock": 8.5, "stockEnabled": true,
            "unity": {"id": 2, "objectName": "Unity", "name": "kg", "translationCode": "UNITY_KILOGRAM"},
            "update": "2024-01-02T09:16:00+00:00"
        })))
        .unwrap();
        assert_eq!(level.external_id, "1017");
        assert_eq!(level.sku.as_deref(), Some("ART-1017"));
        assert_eq!(level.quantity, 8.5);
        assert_eq!(level.unit.as_deref(), Some("kg"));
        assert_eq!(level.warehouse_id, None);
        assert_eq!(
            level.updated_at.as_deref(),
            Some("2024-01-02T09:16:00+00:00")
        );
        // Not embedded: no unit. No stock tracking: no stock level.
        let level =
            stock_level(&part(json!({"id": "1", "stock": "3", "unity": {"id": 1}}))).unwrap();
        assert_eq!((level.quantity, level.unit), (3.0, None));
        assert!(stock_level(&part(json!({"id": 2, "stockEnabled": "0"}))).is_none());
    }

    #[test]
    fn contacts_become_suppliers() {
        let org: Contact = serde_json::from_value(json!({
            "id": "2001", "name": "Getränke Nord GmbH", "vatNumber": "DE811907980",
            "category": {"id": "2", "objectName": "Category"}
        }))
        .unwrap();
        assert!(is_supplier(&org));
        let s = supplier(&org, Some("a@b.example".into()));
        assert_eq!(s.name, "Getränke Nord GmbH");
        assert_eq!(s.vat_id.as_deref(), Some("DE811907980"));
        let person: Contact = serde_json::from_value(json!({
            "id": 2004, "surename": "Jonas", "familyname": "Weber", "vatNumber": "",
            "category": {"id": 3, "objectName": "Category"}
        }))
        .unwrap();
        assert!(!is_supplier(&person));
        assert_eq!(display_name(&person), "Jonas Weber");
        assert_eq!(supplier(&person, None).vat_id, None);

        let ways: Vec<CommunicationWay> = serde_json::from_value(json!([
            {"type": "PHONE", "value": "+49", "main": "1"},
            {"type": "EMAIL", "value": "other@x.example", "main": "0"},
            {"type": "EMAIL", "value": "main@x.example", "main": "1"}
        ]))
        .unwrap();
        assert_eq!(email(&ways).as_deref(), Some("main@x.example"));
        assert_eq!(email(&ways[..2]).as_deref(), Some("other@x.example"));
        assert_eq!(email(&ways[..1]), None);
    }

    #[test]
    fn orders_become_purchase_orders() {
        let order: Order = serde_json::from_value(json!({
            "id": "3001", "orderNumber": "AB-1001", "status": "200", "orderType": "AB",
            "orderDate": "2025-06-01T00:00:00+00:00", "currency": "EUR", "sumGross": "530.75",
            "contact": {"id": "2001", "objectName": "Contact", "category": {"id": "2", "objectName": "Category"}}
        }))
        .unwrap();
        let positions: Vec<OrderPos> = serde_json::from_value(json!([
            {"part": {"id": "1003", "objectName": "Part", "partNumber": "ART-1003"}, "name": "Apfelschorle",
             "quantity": "120", "price": "0.85", "priceGross": "1.01", "positionNumber": "1"},
            {"part": {"id": 1001, "objectName": "Part"}, "name": "Wasser", "quantity": "240",
             "priceGross": "0.77", "positionNumber": "0"},
            {"part": null, "text": "Fracht", "quantity": 1, "price": 12.5, "positionNumber": 2}
        ]))
        .unwrap();
        let po = purchase_order(&order, &positions, "EUR").unwrap();
        assert_eq!(po.external_id, "3001");
        assert_eq!(po.supplier_id.as_deref(), Some("2001"));
        assert_eq!(po.number.as_deref(), Some("AB-1001"));
        assert_eq!(po.status, "sent");
        assert_eq!(po.total.as_ref().unwrap().amount, 53075);
        assert_eq!(po.ordered_at.as_deref(), Some("2025-06-01T00:00:00+00:00"));
        assert_eq!(po.lines.len(), 3);
        assert_eq!(po.lines[0].product_id.as_deref(), Some("1001"));
        assert_eq!(po.lines[0].quantity, 240.0);
        assert_eq!(po.lines[1].sku.as_deref(), Some("ART-1003"));
        assert_eq!(po.lines[1].unit_price.as_ref().unwrap().amount, 101);
        assert_eq!(po.lines[2].description.as_deref(), Some("Fracht"));
        assert_eq!(po.lines[2].unit_price.as_ref().unwrap().amount, 1250);
        assert_eq!(order_status(Some("1000")), "invoiced");
        assert_eq!(order_status(Some("42")), "42");
        assert_eq!(order_status(None), "unknown");
    }

    fn tx(kind: TransactionKind, amount: i64, currency: &str) -> Transaction {
        Transaction {
            id: "t-1".into(),
            kind,
            amount: money::money(amount, currency),
            reference: Some("pi_123".into()),
            sale_id: Some("s-1".into()),
            payment_method: Some("card".into()),
            occurred_at: "2026-06-15T10:00:00+02:00".into(),
        }
    }

    fn booking() -> Booking<'static> {
        Booking {
            account_datev_id: Some("26"),
            check_account_id: Some("9001"),
            tax_rate: 19.0,
            tax_rule: "1",
            currency: "EUR",
            customer_name: "BEEP! Scan & Go",
        }
    }

    #[test]
    fn sales_and_refunds_become_revenue_vouchers() {
        let body = serde_json::to_value(
            voucher(&tx(TransactionKind::Sale, 473, "EUR"), &booking()).unwrap(),
        )
        .unwrap();
        assert_eq!(
            body,
            json!({
                "voucher": {
                    "objectName": "Voucher", "mapAll": true, "voucherDate": "15.06.2026",
                    "deliveryDate": "15.06.2026", "supplier": null, "supplierName": "BEEP! Scan & Go",
                    "description": "BEEP-t-1", "status": 100,
                    "taxRule": {"id": "1", "objectName": "TaxRule"},
                    "creditDebit": "D", "voucherType": "VOU", "currency": "EUR"
                },
                "voucherPosSave": [{
                    "objectName": "VoucherPos", "mapAll": true,
                    "accountDatev": {"id": 26, "objectName": "AccountDatev"},
                    "taxRate": 19.0, "net": false, "sumGross": 4.73,
                    "comment": "BEEP! sale s-1, card, pi_123"
                }],
                "voucherPosDelete": null
            })
        );
        let refund = voucher(&tx(TransactionKind::Refund, 200, "EUR"), &booking()).unwrap();
        assert_eq!(refund.voucher_pos_save[0].sum_gross, -2.0);
        assert_eq!(refund.voucher.credit_debit, "D");
        let usd = voucher(&tx(TransactionKind::Sale, 1000, "USD"), &booking()).unwrap();
        assert_eq!(
            usd.voucher.property_foreign_currency_deadline.as_deref(),
            Some("15.06.2026")
        );
        let jpy = voucher(&tx(TransactionKind::Sale, 1000, "JPY"), &booking()).unwrap();
        assert_eq!(jpy.voucher_pos_save[0].sum_gross, 1000.0);
        let mut unconfigured = booking();
        unconfigured.account_datev_id = None;
        assert!(matches!(
            voucher(&tx(TransactionKind::Sale, 1, "EUR"), &unconfigured),
            Err(ConnectorError::InvalidConfig(_))
        ));
        let mut bad_date = tx(TransactionKind::Sale, 1, "EUR");
        bad_date.occurred_at = "today".into();
        assert!(voucher(&bad_date, &booking()).is_err());
    }

    #[test]
    fn payments_become_check_account_transactions() {
        let body = serde_json::to_value(
            check_account_transaction(&tx(TransactionKind::Payment, 473, "EUR"), &booking())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            body,
            json!({
                "valueDate": "2026-06-15T10:00:00+02:00", "entryDate": "2026-06-15T10:00:00+02:00",
                "paymtPurpose": "BEEP-t-1", "amount": 4.73, "payeePayerName": "BEEP! card pi_123",
                "checkAccount": {"id": 9001, "objectName": "CheckAccount"}, "status": 100
            })
        );
        assert!(matches!(
            check_account_transaction(&tx(TransactionKind::Payment, 473, "USD"), &booking()),
            Err(ConnectorError::Unsupported(_))
        ));
    }
}

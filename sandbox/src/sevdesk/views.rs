//! The `Model_…` / `Model_…Response` shapes of the stored objects.

use serde::Serialize;
use serde_json::{Value, json};

use super::answers::{cents, dec, reference, round2, sev_client};
use super::model::{Account, Transaction, Voucher, VoucherPos};
use super::{
    CHECK_ACCOUNT_ID, COMM_WAY_ID_BASE, CONTACT_ID_BASE, DEMO_CREATED, ORDER_ID_BASE,
    ORDER_POS_ID_BASE, PART_ID_BASE, SEV_CLIENT_ID, format_time,
};

/// `Model_Part`: integer id, numeric stock and prices.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PartView<'a> {
    id: u64,
    object_name: &'static str,
    create: String,
    update: String,
    name: &'a str,
    part_number: &'a str,
    text: Option<&'a str>,
    category: Option<Value>,
    stock: f64,
    stock_enabled: bool,
    unity: Value,
    price: f64,
    price_net: f64,
    price_gross: f64,
    sev_client: Value,
    price_purchase: f64,
    tax_rate: f64,
    status: u32,
    internal_comment: Option<&'a str>,
}

/// Spec silent on the `Unity` object: id, objectName, name and a translation code.
fn unity(id: u32, embed: bool) -> Value {
    if !embed {
        return json!({"id": id, "objectName": "Unity"});
    }
    let (name, code) = match id {
        1 => ("Stk", "UNITY_PIECE"),
        2 => ("kg", "UNITY_KILOGRAM"),
        3 => ("pauschal", "UNITY_LUMP_SUM"),
        _ => ("Einheit", "UNITY_UNIT"),
    };
    json!({"id": id, "objectName": "Unity", "name": name, "translationCode": code})
}

impl Account {
    pub(super) fn part_view(&self, i: usize, embed_unity: bool) -> PartView<'_> {
        let p = &self.parts[i];
        let net = cents(p.price_net);
        PartView {
            id: PART_ID_BASE + 1 + i as u64,
            object_name: "Part",
            create: format_time(p.create),
            update: format_time(p.update),
            name: &p.name,
            part_number: &p.part_number,
            text: None,
            category: None,
            stock: p.stock,
            stock_enabled: p.stock_enabled,
            unity: unity(p.unity, embed_unity),
            price: net,
            price_net: net,
            price_gross: round2(net * (1.0 + p.tax_rate / 100.0)),
            sev_client: json!({"id": SEV_CLIENT_ID, "objectName": "SevClient"}),
            price_purchase: cents(p.price_purchase),
            tax_rate: p.tax_rate,
            status: p.status,
            internal_comment: None,
        }
    }

    /// `Model_ContactResponse`.
    pub(super) fn contact_view(&self, i: usize) -> Value {
        let c = &self.contacts[i];
        let mut v = json!({
            "id": (CONTACT_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "Contact",
            "create": format_time(c.create),
            "update": format_time(c.update),
            "status": "1000",
            "customerNumber": c.customer_number,
            "category": reference(u64::from(c.category), "Category"),
            "sevClient": sev_client(),
            "exemptVat": "0",
            "defaultTimeToPay": "14",
            "defaultDiscountAmount": "0",
            "defaultDiscountPercentage": "0",
            "governmentAgency": "0",
        });
        let obj = v.as_object_mut().expect("object");
        let mut put = |k: &str, val: &Option<String>| {
            if let Some(val) = val {
                obj.insert(k.into(), Value::String(val.clone()));
            }
        };
        put("name", &c.name);
        put("surename", &c.surename);
        put("familyname", &c.familyname);
        put("vatNumber", &c.vat_number);
        v
    }

    pub(super) fn comm_way_view(&self, i: usize) -> Value {
        let w = &self.comm_ways[i];
        let c = &self.contacts[w.contact];
        json!({
            "id": (COMM_WAY_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "CommunicationWay",
            "create": format_time(c.create),
            "update": format_time(c.update),
            "contact": reference(CONTACT_ID_BASE + 1 + w.contact as u64, "Contact"),
            "type": w.kind,
            "value": w.value,
            "key": reference(if w.kind == "EMAIL" { 2 } else { 1 }, "CommunicationWayKey"),
            "main": if w.main { "1" } else { "0" },
            "sevClient": sev_client(),
        })
    }

    fn order_sums(&self, i: usize) -> (f64, f64) {
        let mut net = 0.0;
        let mut tax = 0.0;
        for &p in &self.orders[i].positions {
            let pos = &self.order_pos[p];
            let line = cents(pos.price_net) * pos.quantity;
            net += line;
            tax += line * pos.tax_rate / 100.0;
        }
        (round2(net), round2(tax))
    }

    /// `Model_OrderResponse`.
    pub(super) fn order_view(&self, i: usize, embed_contact: bool) -> Value {
        let o = &self.orders[i];
        let (net, tax) = self.order_sums(i);
        let contact = if embed_contact {
            self.contact_view(o.contact)
        } else {
            reference(CONTACT_ID_BASE + 1 + o.contact as u64, "Contact")
        };
        json!({
            "id": (ORDER_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "Order",
            "create": format_time(o.create),
            "update": format_time(o.update),
            "orderNumber": o.order_number,
            "contact": contact,
            "orderDate": format_time(o.order_date),
            "status": o.status.to_string(),
            "header": o.header,
            "headText": "",
            "footText": "",
            "addressCountry": reference(1, "StaticCountry"),
            "createUser": reference(1, "SevUser"),
            "sevClient": sev_client(),
            "deliveryTerms": "",
            "paymentTerms": "",
            "version": "0",
            "smallSettlement": false,
            "contactPerson": reference(1, "SevUser"),
            "taxRate": "0",
            "taxRule": reference(1, "TaxRule"),
            "taxText": "Umsatzsteuer",
            "taxType": "default",
            "orderType": o.order_type,
            "address": "",
            "currency": "EUR",
            "sumNet": dec(net),
            "sumTax": dec(tax),
            "sumGross": dec(net + tax),
            "sumDiscounts": "0",
            "customerInternalNote": Value::Null,
            "showNet": true,
        })
    }

    /// `Model_OrderPosResponse`.
    pub(super) fn order_pos_view(&self, i: usize, embed_part: bool, embed_order: bool) -> Value {
        let pos = &self.order_pos[i];
        let net = cents(pos.price_net);
        let tax = net * pos.tax_rate / 100.0;
        let part = pos.part.map(|p| {
            if embed_part {
                serde_json::to_value(self.part_view(p, false)).expect("serialisable")
            } else {
                reference(PART_ID_BASE + 1 + p as u64, "Part")
            }
        });
        let order = if embed_order {
            self.order_view(pos.order, false)
        } else {
            reference(ORDER_ID_BASE + 1 + pos.order as u64, "Order")
        };
        let o = &self.orders[pos.order];
        json!({
            "id": (ORDER_POS_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "OrderPos",
            "create": format_time(o.create),
            "update": format_time(o.update),
            "order": order,
            "part": part,
            "quantity": dec(pos.quantity),
            "price": dec(net),
            "priceNet": dec(net),
            "priceTax": dec(tax),
            "priceGross": dec(net + tax),
            "name": pos.name,
            "unity": json!({"id": "1", "objectName": "Unity"}),
            "sevClient": sev_client(),
            "positionNumber": pos.position_number.to_string(),
            "text": Value::Null,
            "discount": Value::Null,
            "optional": false,
            "taxRate": dec(pos.tax_rate),
            "sumDiscount": Value::Null,
        })
    }
}

/// `Model_VoucherResponse`.
pub(super) fn voucher_view(v: &Voucher) -> Value {
    json!({
        "id": v.id.to_string(),
        "objectName": "Voucher",
        "mapAll": true,
        "create": format_time(v.create),
        "update": format_time(v.create),
        "sevClient": sev_client(),
        "createUser": reference(1, "SevUser"),
        "voucherDate": format_time(v.voucher_date),
        "supplier": Value::Null,
        "supplierName": v.supplier_name,
        "description": v.description,
        "document": Value::Null,
        "payDate": Value::Null,
        "status": v.status.to_string(),
        "sumNet": dec(v.sum_net),
        "sumTax": dec(v.sum_tax),
        "sumGross": dec(v.sum_gross),
        "sumNetAccounting": dec(v.sum_net),
        "sumTaxAccounting": dec(v.sum_tax),
        "sumGrossAccounting": dec(v.sum_gross),
        "sumDiscounts": "0",
        "sumDiscountsForeignCurrency": "0",
        "paidAmount": 0,
        "taxRule": v.tax_rule.as_deref().map(|r| json!({"id": r, "objectName": "TaxRule"})),
        "taxType": Value::Null,
        "creditDebit": v.credit_debit,
        "voucherType": v.voucher_type,
        "currency": v.currency,
    })
}

/// `Model_VoucherPosResponse`.
pub(super) fn voucher_pos_view(voucher: &Voucher, p: &VoucherPos) -> Value {
    json!({
        "id": p.id.to_string(),
        "objectName": "VoucherPos",
        "create": format_time(voucher.create),
        "update": format_time(voucher.create),
        "sevClient": sev_client(),
        "voucher": reference(voucher.id, "Voucher"),
        "accountDatev": p.account_datev.map(|id| reference(id, "AccountDatev")),
        "accountingType": p.accounting_type.map(|id| reference(id, "AccountingType")),
        "taxRate": dec(p.tax_rate),
        "net": p.net,
        "isAsset": false,
        "sumNet": dec(p.sum_net),
        "sumTax": dec(p.sum_tax),
        "sumGross": dec(p.sum_gross),
        "sumNetAccounting": dec(p.sum_net),
        "sumTaxAccounting": dec(p.sum_tax),
        "sumGrossAccounting": dec(p.sum_gross),
        "comment": p.comment,
    })
}

/// `Model_CheckAccountTransactionResponse`.
pub(super) fn transaction_view(t: &Transaction, embed_account: bool) -> Value {
    let account = if embed_account {
        check_account_view()
    } else {
        reference(t.check_account, "CheckAccount")
    };
    json!({
        "id": t.id.to_string(),
        "objectName": "CheckAccountTransaction",
        "create": format_time(t.create),
        "update": format_time(t.create),
        "sevClient": sev_client(),
        "valueDate": format_time(t.value_date),
        "entryDate": format_time(t.entry_date),
        "paymtPurpose": t.paymt_purpose,
        "amount": dec(t.amount),
        "payeePayerName": t.payee_payer_name,
        "payeePayerAcctNo": Value::Null,
        "payeePayerBankCode": Value::Null,
        "checkAccount": account,
        "status": t.status.to_string(),
        "sourceTransaction": Value::Null,
        "targetTransaction": Value::Null,
        "enshrined": Value::Null,
    })
}

/// `Model_CheckAccountResponse`: the demo account's one clearing account.
pub(super) fn check_account_view() -> Value {
    json!({
        "id": CHECK_ACCOUNT_ID.to_string(),
        "objectName": "CheckAccount",
        "create": format_time(DEMO_CREATED),
        "update": format_time(DEMO_CREATED),
        "sevClient": sev_client(),
        "name": "BEEP! Zahlungen (Verrechnungskonto)",
        "iban": Value::Null,
        "type": "online",
        "importType": "CSV",
        "currency": "EUR",
        "defaultAccount": "0",
        "baseAccount": "0",
        "priority": "1",
        "status": "100",
        "accountingNumber": "1360",
    })
}

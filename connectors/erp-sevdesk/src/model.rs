//! sevdesk API JSON, as `sevdesk.yaml` describes it: only the fields this connector reads
//! or writes. Unknown fields are ignored; every field sevdesk may omit is optional.
//!
//! The spec types ids and numbers as strings in its `…Response` models (`"id": "12"`,
//! `"sumGross": "119"`) but as integers and numbers in `Model_Part`, and the live service
//! is known to mix both: every id, number and flag here accepts either form.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- lenient scalars ------------------------------------------------------------------------

/// An id sent as a JSON number or a string.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(de::Error::custom(format!("not an id: {other}"))),
    }
}

/// A number sent as a JSON number or a numeric string; null or "" is `None`.
pub fn opt_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("not a number: {s:?}"))),
        other => Err(de::Error::custom(format!("not a number: {other}"))),
    }
}

/// A flag sent as a boolean, `0`/`1` or `"0"`/`"1"`/`"true"`/`"false"`.
pub fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::Number(n) => Some(n.as_f64().is_some_and(|f| f != 0.0)),
        Value::String(s) => match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" | "" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// Text or a number as text (`"status": 100` or `"100"`).
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

// ---- answers ---------------------------------------------------------------------------------

/// A list answer: `{"objects": [...]}` (`"total"` only with `countAll`, unused here).
#[derive(Deserialize, Debug)]
pub struct Objects<T> {
    #[serde(default = "Option::default")]
    pub objects: Option<Vec<T>>,
}

impl<T> Objects<T> {
    pub fn into_vec(self) -> Vec<T> {
        self.objects.unwrap_or_default()
    }
}

/// `{"objects": <stock>}` of `Part/{id}/getStock`.
#[derive(Deserialize, Debug)]
pub struct Stock {
    #[serde(default, deserialize_with = "opt_num")]
    pub objects: Option<f64>,
}

/// The spec's `validationError` (`{"error": {"message", "exceptionUUID"}}`), also what
/// other errors carry.
#[derive(Deserialize, Debug)]
pub struct ErrorBody {
    pub error: Option<ErrorDetail>,
    pub message: Option<String>,
}

#[derive(Deserialize, Debug)]
pub struct ErrorDetail {
    #[serde(default, deserialize_with = "opt_text")]
    pub message: Option<String>,
}

/// `{"id": …, "objectName": …}`, or the whole object when embedded.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Ref {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub object_name: Option<String>,
}

/// `Unity` (embedded with `embed=unity`; the spec does not describe its fields, the live
/// service sends `name` and `translationCode`).
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Unity {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub translation_code: Option<String>,
}

/// `Model_Part`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub part_number: Option<String>,
    #[serde(default, deserialize_with = "opt_num")]
    pub stock: Option<f64>,
    #[serde(default, deserialize_with = "opt_flag")]
    pub stock_enabled: Option<bool>,
    #[serde(default)]
    pub unity: Option<Unity>,
    #[serde(default)]
    pub update: Option<String>,
}

/// `Model_ContactResponse` (also what an order's `contact` holds: a reference, or the
/// whole contact with `embed=contact`).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub surename: Option<String>,
    #[serde(default)]
    pub familyname: Option<String>,
    #[serde(default)]
    pub name2: Option<String>,
    #[serde(default)]
    pub category: Option<Ref>,
    #[serde(default)]
    pub vat_number: Option<String>,
    #[serde(default)]
    pub update: Option<String>,
}

/// `Model_CommunicationWayResponse`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationWay {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "opt_flag")]
    pub main: Option<bool>,
}

/// `Model_OrderResponse`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub order_number: Option<String>,
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub order_date: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "opt_num")]
    pub sum_gross: Option<f64>,
    #[serde(default)]
    pub update: Option<String>,
}

/// A position's part: a reference, or the whole part with `embed=part`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct PartRef {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub part_number: Option<String>,
}

/// `Model_OrderPosResponse`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct OrderPos {
    #[serde(default)]
    pub part: Option<PartRef>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "opt_num")]
    pub quantity: Option<f64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub price_gross: Option<f64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub price: Option<f64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub position_number: Option<f64>,
}

/// `Model_VoucherResponse`: what the duplicate check reads.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Voucher {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// `saveVoucherResponse` (the spec's form) or the same wrapped in `objects` (the live
/// service's habit).
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum SavedVoucher {
    Plain { voucher: Voucher },
    Wrapped { objects: Box<SavedVoucher> },
}

impl SavedVoucher {
    pub fn id(&self) -> &str {
        match self {
            SavedVoucher::Plain { voucher } => &voucher.id,
            SavedVoucher::Wrapped { objects } => objects.id(),
        }
    }
}

/// `Model_CheckAccountTransactionResponse`: what the duplicate check reads.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CheckAccountTransaction {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub paymt_purpose: Option<String>,
}

/// A created object: `{…, "id"}` as the spec has it, or `{"objects": {…}}`.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum Created<T> {
    Wrapped { objects: T },
    Plain(T),
}

impl<T> Created<T> {
    pub fn into_inner(self) -> T {
        match self {
            Created::Wrapped { objects } | Created::Plain(objects) => objects,
        }
    }
}

// ---- request bodies ----------------------------------------------------------------------------

/// `saveVoucher`: the voucher and its positions in one request.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SaveVoucher {
    pub voucher: NewVoucher,
    pub voucher_pos_save: Vec<NewVoucherPos>,
    pub voucher_pos_delete: Option<Value>,
}

/// `Model_Voucher` as created by this connector.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NewVoucher {
    pub object_name: &'static str,
    pub map_all: bool,
    /// `dd.mm.yyyy`.
    pub voucher_date: String,
    pub delivery_date: String,
    pub supplier: Option<Ref>,
    pub supplier_name: String,
    /// BEEP!'s reference (`BEEP-<transaction id>`): what the duplicate check searches.
    pub description: String,
    pub status: u32,
    pub tax_rule: Ref,
    pub credit_debit: &'static str,
    pub voucher_type: &'static str,
    pub currency: String,
    /// Set for a currency other than the account's: sevdesk then fixes the exchange rate
    /// of that day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_foreign_currency_deadline: Option<String>,
}

/// A reference written to sevdesk whose `id` the spec types as an integer
/// (`accountDatev`, `checkAccount`; `taxRule`'s id is a string enum, see [`Ref`]).
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IdRef {
    pub id: u64,
    pub object_name: &'static str,
}

/// `Model_VoucherPos` as created by this connector.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NewVoucherPos {
    pub object_name: &'static str,
    pub map_all: bool,
    pub account_datev: IdRef,
    pub tax_rate: f64,
    pub net: bool,
    pub sum_gross: f64,
    pub comment: String,
}

/// `Model_CheckAccountTransaction` as created by this connector.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NewTransaction {
    pub value_date: String,
    pub entry_date: String,
    /// BEEP!'s reference (`BEEP-<transaction id>`), exactly: what the duplicate check
    /// filters by.
    pub paymt_purpose: String,
    pub amount: f64,
    pub payee_payer_name: String,
    pub check_account: IdRef,
    /// "only status 100 makes sense when creating transactions".
    pub status: u32,
}

/// `Model_PartUpdate` with only the stock.
#[derive(Serialize, Debug)]
pub struct StockUpdate {
    pub stock: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_numbers_come_in_either_form() {
        let p: Part = serde_json::from_value(json!({
            "id": 1001, "partNumber": "A-1", "stock": "8.5", "stockEnabled": "1",
            "unity": {"id": 1, "objectName": "Unity"}
        }))
        .unwrap();
        assert_eq!(
            (p.id.as_str(), p.stock, p.stock_enabled),
            ("1001", Some(8.5), Some(true))
        );
        let p: Part =
            serde_json::from_value(json!({"id": "7", "stock": 3, "stockEnabled": false})).unwrap();
        assert_eq!(
            (p.id.as_str(), p.stock, p.stock_enabled),
            ("7", Some(3.0), Some(false))
        );
        let o: Order = serde_json::from_value(json!({
            "id": "3001", "status": 200, "sumGross": "119", "contact": {"id": "2001", "objectName": "Contact"}
        }))
        .unwrap();
        assert_eq!(o.status.as_deref(), Some("200"));
        assert_eq!(o.sum_gross, Some(119.0));
        assert!(o.contact.unwrap().category.is_none());
        assert!(serde_json::from_value::<Part>(json!({"id": null})).is_err());
    }

    #[test]
    fn created_objects_wrapped_or_not() {
        let v: SavedVoucher =
            serde_json::from_value(json!({"voucher": {"id": "5001"}, "voucherPos": []})).unwrap();
        assert_eq!(v.id(), "5001");
        let v: SavedVoucher =
            serde_json::from_value(json!({"objects": {"voucher": {"id": 5002}}})).unwrap();
        assert_eq!(v.id(), "5002");
        let t: Created<CheckAccountTransaction> =
            serde_json::from_value(json!({"objects": {"id": "7001"}})).unwrap();
        assert_eq!(t.into_inner().id, "7001");
        let t: Created<CheckAccountTransaction> =
            serde_json::from_value(json!({"id": "7002", "paymtPurpose": "x"})).unwrap();
        assert_eq!(t.into_inner().id, "7002");
        let s: Stock = serde_json::from_value(json!({"objects": "12"})).unwrap();
        assert_eq!(s.objects, Some(12.0));
        let l: Objects<Voucher> = serde_json::from_value(json!({"objects": null})).unwrap();
        assert!(l.into_vec().is_empty());
    }
}

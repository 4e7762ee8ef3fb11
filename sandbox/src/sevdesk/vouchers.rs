//! `/Voucher` and `/Voucher/Factory/saveVoucher`.

use crate::kit::time::now_secs as now;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::answers::{bad_request, created, error, ok, round2, unprocessable};
use super::model::{Account, Voucher, VoucherPos};
use super::parts::{number, ref_id};
use super::query::{Query, page, paging};
use super::views::{voucher_pos_view, voucher_view};
use super::{
    CONTACT_ID_BASE, REDUCED_REVENUE_ACCOUNT_DATEV_ID, REVENUE_ACCOUNT_DATEV_ID, SevdeskSim,
    VOUCHER_ID_BASE, unix_date,
};

pub(super) async fn get_vouchers(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        // `descriptionLike`: SQL LIKE semantics, a case-insensitive substring match.
        let like = q.get("descriptionLike").map(str::to_lowercase);
        let credit_debit = q.get("creditDebit");
        let status = q.get("status");
        let rows: Vec<usize> = (0..a.vouchers.len())
            .filter(|&i| {
                let v = &a.vouchers[i];
                like.as_deref().is_none_or(|l| {
                    v.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(l))
                }) && credit_debit.is_none_or(|c| v.credit_debit == c)
                    && status.is_none_or(|s| v.status.to_string() == s)
            })
            .collect();
        page(&rows, &p, |i| voucher_view(&a.vouchers[i]))
    })
}

pub(super) async fn get_voucher(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| {
        match Account::index(&id, VOUCHER_ID_BASE, a.vouchers.len()) {
            Some(i) => ok(json!({"objects": [voucher_view(&a.vouchers[i])]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("Voucher with id {id} not found"),
            ),
        }
    })
}

/// A date given "as timestamp or dd.mm.yyyy" (also accepted: `yyyy-mm-dd[Thh:mm:ss…]`).
pub(super) fn parse_date(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = s.parse::<i64>() {
                return Some(t);
            }
            let parts: Vec<&str> = s.split('.').collect();
            if let [d, m, y] = parts.as_slice() {
                return unix_date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
            }
            let date = s.get(..10)?;
            let mut it = date.split('-');
            let (y, m, d) = (it.next()?, it.next()?, it.next()?);
            unix_date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    }
}

struct NewPosition {
    account_datev: Option<u64>,
    accounting_type: Option<u64>,
    tax_rate: f64,
    net: bool,
    sum: f64,
    comment: Option<String>,
}

/// Validates one `voucherPosSave` entry.
fn new_position(v: &Value) -> Result<NewPosition, String> {
    if !v.is_object() {
        return Err("voucherPosSave entries must be objects".into());
    }
    let account_datev = v.get("accountDatev").filter(|a| !a.is_null());
    let accounting_type = v.get("accountingType").filter(|a| !a.is_null());
    let account_datev = match account_datev {
        None => None,
        Some(a) => Some(ref_id(a).ok_or("accountDatev needs an id")?),
    };
    let accounting_type = match accounting_type {
        None => None,
        Some(a) => Some(ref_id(a).ok_or("accountingType needs an id")?),
    };
    match (account_datev, accounting_type) {
        (None, None) => return Err("voucher position needs an accountDatev".into()),
        (Some(id), _)
            if id != REVENUE_ACCOUNT_DATEV_ID && id != REDUCED_REVENUE_ACCOUNT_DATEV_ID =>
        {
            return Err(format!("AccountDatev with id {id} not found"));
        }
        _ => {}
    }
    let tax_rate = v
        .get("taxRate")
        .and_then(number)
        .ok_or("voucher position needs a taxRate")?;
    // Tax rule 1 ("Umsatzsteuerpflichtige Umsätze") allows 0, 7 and 19 %.
    if ![0.0, 7.0, 19.0].contains(&tax_rate) {
        return Err(format!(
            "taxRate {tax_rate} is not allowed for this tax rule"
        ));
    }
    let net = match v.get("net") {
        Some(Value::Bool(b)) => *b,
        Some(other) => number(other).is_some_and(|n| n != 0.0),
        None => return Err("voucher position needs net".into()),
    };
    let key = if net { "sumNet" } else { "sumGross" };
    let sum = v
        .get(key)
        .and_then(number)
        .ok_or_else(|| format!("voucher position needs {key}"))?;
    Ok(NewPosition {
        account_datev,
        accounting_type,
        tax_rate,
        net,
        sum,
        comment: v.get("comment").and_then(Value::as_str).map(String::from),
    })
}

/// `POST /Voucher/Factory/saveVoucher`: validates like sevdesk's 422 "Validation error"
/// and stores the voucher with its positions. Like the real service it does not
/// deduplicate: a voucher sent twice is booked twice.
pub(super) async fn save_voucher(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, true, |a| {
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request("the body must be a JSON object (saveVoucher)");
        };
        let Some(Value::Object(v)) = body.get("voucher") else {
            return unprocessable("voucher is required");
        };
        if v.get("id").is_some_and(|id| !id.is_null()) {
            return unprocessable("updating vouchers is not supported by the simulator");
        }
        if v.get("objectName").and_then(Value::as_str) != Some("Voucher") {
            return unprocessable("voucher.objectName must be Voucher");
        }
        let credit_debit = match v.get("creditDebit").and_then(Value::as_str) {
            Some(c @ ("C" | "D")) => c.to_string(),
            _ => return unprocessable("creditDebit must be C or D"),
        };
        let voucher_type = match v.get("voucherType").and_then(Value::as_str) {
            Some(t @ "VOU") => t.to_string(),
            Some("RV") => return unprocessable("recurring vouchers are not simulated"),
            _ => return unprocessable("voucherType must be VOU or RV"),
        };
        let status = match v.get("status").and_then(number) {
            Some(s) if [50.0, 100.0, 1000.0].contains(&s) => s as u32,
            _ => return unprocessable("status must be 50, 100 or 1000"),
        };
        let tax_rule = v.get("taxRule").filter(|r| !r.is_null());
        let tax_type = v.get("taxType").and_then(Value::as_str);
        let tax_rule = match (tax_rule, tax_type) {
            (Some(r), _) => match ref_id(r) {
                Some(1) => Some("1".to_string()),
                Some(id) => return unprocessable(&format!("TaxRule {id} not available")),
                None => return unprocessable("taxRule needs an id"),
            },
            (None, Some("default")) => None,
            (None, Some(other)) => return unprocessable(&format!("taxType {other} not available")),
            (None, None) => return unprocessable("taxRule is required"),
        };
        let Some(voucher_date) = v.get("voucherDate").and_then(parse_date) else {
            return unprocessable("voucherDate must be a timestamp or dd.mm.yyyy");
        };
        let supplier = v.get("supplier").filter(|s| !s.is_null());
        let supplier_name = v
            .get("supplierName")
            .and_then(Value::as_str)
            .map(String::from);
        if let Some(s) = supplier {
            let known = ref_id(s)
                .and_then(|id| Account::index(&id.to_string(), CONTACT_ID_BASE, a.contacts.len()));
            if known.is_none() {
                return unprocessable("supplier not found");
            }
        } else if supplier_name.as_deref().is_none_or(str::is_empty) {
            return unprocessable("either supplier or supplierName is required");
        }
        let currency = v
            .get("currency")
            .and_then(Value::as_str)
            .unwrap_or("EUR")
            .to_string();
        if currency != "EUR"
            && v.get("propertyExchangeRate").is_none_or(Value::is_null)
            && v.get("propertyForeignCurrencyDeadline")
                .is_none_or(Value::is_null)
        {
            return unprocessable(
                "a foreign currency needs propertyExchangeRate or propertyForeignCurrencyDeadline",
            );
        }
        let positions = match body.get("voucherPosSave") {
            Some(Value::Array(items)) => items,
            _ => return unprocessable("voucherPosSave must list the voucher positions"),
        };
        if positions.is_empty() && status >= 100 {
            return unprocessable("a voucher that is not a draft needs positions");
        }
        let mut new = Vec::with_capacity(positions.len());
        for p in positions {
            match new_position(p) {
                Ok(p) => new.push(p),
                Err(m) => return unprocessable(&m),
            }
        }
        let id = VOUCHER_ID_BASE + 1 + a.vouchers.len() as u64;
        let mut voucher = Voucher {
            id,
            voucher_date,
            supplier_name,
            description: v
                .get("description")
                .and_then(Value::as_str)
                .map(String::from),
            status,
            credit_debit,
            voucher_type,
            currency,
            sum_net: 0.0,
            sum_tax: 0.0,
            sum_gross: 0.0,
            tax_rule,
            create: now(),
            positions: vec![],
        };
        for p in new {
            let factor = 1.0 + p.tax_rate / 100.0;
            let (net, gross) = if p.net {
                (round2(p.sum), round2(p.sum * factor))
            } else {
                (round2(p.sum / factor), round2(p.sum))
            };
            a.next_voucher_pos += 1;
            voucher.sum_net += net;
            voucher.sum_gross += gross;
            voucher.sum_tax += gross - net;
            voucher.positions.push(VoucherPos {
                id: a.next_voucher_pos,
                account_datev: p.account_datev,
                accounting_type: p.accounting_type,
                tax_rate: p.tax_rate,
                net: p.net,
                sum_net: net,
                sum_tax: round2(gross - net),
                sum_gross: gross,
                comment: p.comment,
            });
        }
        let positions: Vec<Value> = voucher
            .positions
            .iter()
            .map(|p| voucher_pos_view(&voucher, p))
            .collect();
        let answer = json!({
            "voucher": voucher_view(&voucher),
            "voucherPos": positions,
            "filename": Value::Null,
        });
        a.vouchers.push(voucher);
        // Spec: 201 with `saveVoucherResponse` (not wrapped in `objects`).
        created(answer)
    })
}

//! The POS side of the SumUp simulator: sales rung up at SumUp card readers / the SumUp
//! POS app, as `GET /v2.1/merchants/{merchant_code}/transactions/history` (list) and
//! `GET /v2.1/merchants/{merchant_code}/transactions?id=…` (one transaction with its
//! `products`) show them in `vendor-specs/sumup.json`.
//!
//! SumUp publishes no catalogue (items, categories) endpoint: the only place its API
//! shows what was sold is a transaction's `products`. The simulator seeds 24 successful
//! POS sales of 12 distinct items (the gift voucher only in the last one) and keeps them
//! apart from the ECOM checkouts of the PSP side (those are not listed in the history).
//!
//! History paging follows the spec: `limit` (default 10), `order` (`ascending` default),
//! `oldest_ref`/`newest_ref` (superseding `oldest_time`/`newest_time`), `statuses[]`,
//! `types[]`, `transaction_code`; the answer's `links` holds `{"rel":"next","href":
//! "limit=…&oldest_ref=…&order=ascending"}` while more items follow, `[]` otherwise. The
//! spec calls the refs "reference ID of transaction events" without exposing them
//! elsewhere; the simulator uses each transaction's `transaction_id` (fixed-width hex, so
//! "greater than" is the creation order).
//!
//! Hooks (not SumUp; no auth): `POST /_sim/pos/sales {"lines":[{"name","price","vatRate",
//! "quantity"}],"currency"?}` rings up a new sale (price gross, major units);
//! `POST /_sim/pos/transactions/{code}/refund` refunds one in full (status `REFUNDED`);
//! `GET /_sim/pos/transactions` lists them.

use super::{SANDBOX_MERCHANT_CODE, SumupSim, error, major, now_rfc3339, problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// One line of a POS sale: gross unit price in minor units, VAT in basis points.
#[derive(Clone, Debug)]
pub(super) struct PosLine {
    name: String,
    gross: i64,
    vat_bps: u32,
    quantity: u32,
}

#[derive(Clone, Debug)]
pub(super) struct PosSale {
    /// `transaction_id`, also the event ref the history pages by.
    id: String,
    code: String,
    timestamp: String,
    status: &'static str,
    currency: String,
    lines: Vec<PosLine>,
}

pub(super) struct PosState {
    sales: Vec<PosSale>,
    seq: u64,
}

/// The seeded items: name, gross price (cents), VAT (basis points).
const ITEMS: &[(&str, i64, u32)] = &[
    ("Espresso", 250, 1900),
    ("Cappuccino", 340, 1900),
    ("Latte Macchiato", 380, 1900),
    ("Filterkaffee", 220, 1900),
    ("Croissant", 190, 700),
    ("Laugenbrezel", 120, 700),
    ("Käsebrötchen", 320, 700),
    ("Apfelschorle 0,33l", 260, 1900),
    ("Mineralwasser 0,5l", 180, 1900),
    ("Bananenbrot", 290, 700),
    ("Kaffeebohnen 250g", 890, 700),
];
/// Sold once, in the last seeded sale: refunding that sale removes it from the items.
const VOUCHER: (&str, i64, u32) = ("Geschenkgutschein", 2500, 0);
pub const SEEDED_SALES: u64 = 24;

impl Default for PosState {
    fn default() -> PosState {
        let mut state = PosState {
            sales: Vec::new(),
            seq: 0,
        };
        let line = |(name, gross, vat_bps): (&str, i64, u32), quantity| PosLine {
            name: name.to_string(),
            gross,
            vat_bps,
            quantity,
        };
        for i in 1..=SEEDED_SALES {
            let lines = if i == SEEDED_SALES {
                vec![line(VOUCHER, 1)]
            } else {
                let n = ITEMS.len() as u64;
                let first = ITEMS[((i - 1) % n) as usize];
                let second = ITEMS[((i * 3) % n) as usize];
                let mut lines = vec![line(first, 1)];
                if second.0 != first.0 {
                    lines.push(line(second, (i % 3) as u32 + 1));
                }
                lines
            };
            // 2026-11-02 08:00 UTC plus 17 minutes a sale.
            let minutes = 8 * 60 + 17 * i;
            let timestamp = format!(
                "2026-11-{:02}T{:02}:{:02}:00.000Z",
                2 + minutes / (24 * 60),
                minutes % (24 * 60) / 60,
                minutes % 60
            );
            state.push("EUR", lines, timestamp);
        }
        state
    }
}

impl PosState {
    fn push(&mut self, currency: &str, lines: Vec<PosLine>, timestamp: String) -> PosSale {
        self.seq += 1;
        let sale = PosSale {
            id: format!("5a1e0000-0000-4000-8000-{:012x}", self.seq),
            code: format!("TPOS{:06}", self.seq),
            timestamp,
            status: "SUCCESSFUL",
            currency: currency.to_string(),
            lines,
        };
        self.sales.push(sale.clone());
        sale
    }
}

impl PosSale {
    fn amount(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.gross * i64::from(l.quantity))
            .sum()
    }

    /// `components.schemas.TransactionHistory`.
    fn history_json(&self) -> Value {
        let amount = self.amount();
        let refunded = if self.status == "REFUNDED" { amount } else { 0 };
        json!({
            "id": self.id,
            "transaction_id": self.id,
            "transaction_code": self.code,
            "amount": major(amount, &self.currency),
            "currency": self.currency,
            "timestamp": self.timestamp,
            "status": self.status,
            "payment_type": "POS",
            "installments_count": 1,
            "product_summary": self.lines.first().map(|l| l.name.clone()).unwrap_or_default(),
            "payouts_total": 1,
            "payouts_received": 0,
            "payout_plan": "SINGLE_PAYMENT",
            "user": "kasse@beep-sandbox.example",
            "type": "PAYMENT",
            "card_type": "VISA",
            "payout_type": "BANK_ACCOUNT",
            "refunded_amount": major(refunded, &self.currency),
        })
    }

    /// `components.schemas.TransactionFull` (the fields a POS sale has).
    fn full_json(&self) -> Value {
        let c = self.currency.as_str();
        let mut v = self.history_json();
        let obj = v.as_object_mut().expect("an object");
        obj.remove("transaction_id");
        obj.remove("user");
        obj.remove("type");
        obj.remove("card_type");
        obj.remove("refunded_amount");
        let mut rates: std::collections::BTreeMap<u32, (i64, i64)> = Default::default();
        let products: Vec<Value> = self
            .lines
            .iter()
            .map(|l| {
                // Net from gross, rounded to the cent as a till does.
                let net = (l.gross as f64 * 10_000.0 / (10_000.0 + f64::from(l.vat_bps))).round()
                    as i64;
                let q = i64::from(l.quantity);
                let rate = rates.entry(l.vat_bps).or_default();
                rate.0 += net * q;
                rate.1 += (l.gross - net) * q;
                json!({
                    "name": l.name,
                    "price_label": format!("{c} {}", beep_sdk::money::to_major_string(&beep_sdk::money::money(l.gross, c)).unwrap_or_default()),
                    "price": major(net, c),
                    "vat_rate": f64::from(l.vat_bps) / 10_000.0,
                    "single_vat_amount": major(l.gross - net, c),
                    "price_with_vat": major(l.gross, c),
                    "vat_amount": major((l.gross - net) * q, c),
                    "quantity": l.quantity,
                    "total_price": major(net * q, c),
                    "total_with_vat": major(l.gross * q, c),
                })
            })
            .collect();
        let vat_rates: Vec<Value> = rates
            .iter()
            .map(|(bps, (net, vat))| {
                json!({"rate": f64::from(*bps) / 10_000.0, "net": major(*net, c), "vat": major(*vat, c), "gross": major(net + vat, c)})
            })
            .collect();
        obj.insert("merchant_code".into(), json!(SANDBOX_MERCHANT_CODE));
        obj.insert("username".into(), json!("kasse@beep-sandbox.example"));
        obj.insert("entry_mode".into(), json!("CONTACTLESS"));
        obj.insert("simple_payment_type".into(), json!("CARD"));
        obj.insert("verification_method".into(), json!("none"));
        obj.insert("local_time".into(), json!(self.timestamp));
        obj.insert("products".into(), Value::Array(products));
        obj.insert("vat_rates".into(), Value::Array(vat_rates));
        v
    }
}

fn invalid(param: &str) -> (StatusCode, Value) {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID",
        "Validation error",
        Some(param),
    )
}

fn unknown_merchant() -> (StatusCode, Value) {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not Found",
        "The requested Merchant does not exist.",
    )
}

/// An RFC 3339 timestamp, loosely checked (the spec's `format: date-time`).
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't')
        && b[13] == b':'
        && b[16] == b':'
        && b[..4].iter().all(u8::is_ascii_digit)
}

/// Seconds-resolution comparison key of an RFC 3339 UTC timestamp (`…Z` or `+00:00`).
fn time_key(s: &str) -> &str {
    s.get(..19).unwrap_or(s)
}

/// `GET /v2.1/merchants/{merchant_code}/transactions/history`.
pub(super) fn history(
    sim: &SumupSim,
    code: &str,
    query: &[(String, String)],
) -> (StatusCode, Value) {
    if code != SANDBOX_MERCHANT_CODE {
        return unknown_merchant();
    }
    let one = |k: &str| {
        query
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let many = |k: &str| -> Vec<&str> {
        query
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let limit = match one("limit") {
        None => 10,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if n > 0 => n.min(100),
            _ => return invalid("limit"),
        },
    };
    let descending = match one("order") {
        None | Some("ascending") => false,
        Some("descending") => true,
        Some(_) => return invalid("order"),
    };
    for k in ["oldest_time", "newest_time", "changes_since"] {
        if one(k).is_some_and(|t| !is_date_time(t)) {
            return invalid(k);
        }
    }
    let statuses = many("statuses[]");
    let types = many("types[]");
    const STATUSES: &[&str] = &[
        "SUCCESSFUL",
        "CANCELLED",
        "FAILED",
        "REFUNDED",
        "CHARGE_BACK",
    ];
    const TYPES: &[&str] = &["PAYMENT", "REFUND", "CHARGE_BACK"];
    if statuses.iter().any(|s| !STATUSES.contains(s)) {
        return invalid("statuses[]");
    }
    if types.iter().any(|t| !TYPES.contains(t)) {
        return invalid("types[]");
    }
    let (oldest_ref, newest_ref) = (one("oldest_ref"), one("newest_ref"));
    let (oldest_time, newest_time) = (one("oldest_time"), one("newest_time"));
    let code_filter = one("transaction_code");

    let state = sim.lock();
    let mut matching: Vec<&PosSale> = state
        .pos
        .sales
        .iter()
        .filter(|s| statuses.is_empty() || statuses.contains(&s.status))
        // Every POS sale is a PAYMENT.
        .filter(|_| types.is_empty() || types.contains(&"PAYMENT"))
        .filter(|s| code_filter.is_none_or(|c| c == s.code))
        .filter(|s| match oldest_ref {
            Some(r) => s.id.as_str() > r,
            None => oldest_time.is_none_or(|t| time_key(&s.timestamp) >= time_key(t)),
        })
        .filter(|s| match newest_ref {
            Some(r) => s.id.as_str() < r,
            None => newest_time.is_none_or(|t| time_key(&s.timestamp) < time_key(t)),
        })
        .collect();
    if descending {
        matching.reverse();
    }
    let page: Vec<&PosSale> = matching.iter().take(limit).copied().collect();
    let mut links = Vec::new();
    if matching.len() > limit
        && let Some(last) = page.last()
    {
        let (key, order) = if descending {
            ("newest_ref", "descending")
        } else {
            ("oldest_ref", "ascending")
        };
        links.push(json!({"rel": "next", "href": format!("limit={limit}&{key}={}&order={order}", last.id)}));
    }
    let items: Vec<Value> = page.iter().map(|s| s.history_json()).collect();
    (StatusCode::OK, json!({"items": items, "links": links}))
}

/// `GET /v2.1/merchants/{merchant_code}/transactions?id=…|transaction_code=…`.
pub(super) fn transaction(
    sim: &SumupSim,
    code: &str,
    query: &[(String, String)],
) -> (StatusCode, Value) {
    if code != SANDBOX_MERCHANT_CODE {
        return unknown_merchant();
    }
    let one = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let (id, tx_code) = (one("id"), one("transaction_code"));
    if id.is_none() && tx_code.is_none() {
        return invalid("id");
    }
    let state = sim.lock();
    match state
        .pos
        .sales
        .iter()
        .find(|s| id.is_none_or(|i| i == s.id) && tx_code.is_none_or(|c| c == s.code))
    {
        Some(s) => (StatusCode::OK, s.full_json()),
        None => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Resource not found",
            None,
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewSale {
    lines: Vec<NewLine>,
    #[serde(default)]
    currency: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewLine {
    name: String,
    /// Gross, major units.
    price: f64,
    #[serde(default)]
    vat_rate: f64,
    #[serde(default = "one_item")]
    quantity: u32,
}

fn one_item() -> u32 {
    1
}

/// `POST /_sim/pos/sales`: rings up a sale now.
pub(super) async fn sim_sale(
    State(sim): State<Arc<SumupSim>>,
    Json(req): Json<NewSale>,
) -> Response {
    let currency = req.currency.unwrap_or_else(|| "EUR".into());
    let mut lines = Vec::new();
    for l in req.lines {
        let Ok(gross) = beep_sdk::money::from_major_f64(l.price, &currency) else {
            return (StatusCode::BAD_REQUEST, "bad price or currency").into_response();
        };
        lines.push(PosLine {
            name: l.name,
            gross,
            vat_bps: (l.vat_rate * 10_000.0).round() as u32,
            quantity: l.quantity.max(1),
        });
    }
    if lines.is_empty() {
        return (StatusCode::BAD_REQUEST, "a sale needs lines").into_response();
    }
    let sale = sim.lock().pos.push(&currency, lines, now_rfc3339());
    Json(sale.history_json()).into_response()
}

/// `POST /_sim/pos/transactions/{code}/refund`: a full refund made at the till.
pub(super) async fn sim_refund(
    State(sim): State<Arc<SumupSim>>,
    Path(code): Path<String>,
) -> Response {
    let mut state = sim.lock();
    match state.pos.sales.iter_mut().find(|s| s.code == code) {
        Some(s) => {
            s.status = "REFUNDED";
            Json(s.history_json()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "unknown transaction").into_response(),
    }
}

/// `GET /_sim/pos/transactions`: every POS sale with its lines, oldest first.
pub(super) async fn sim_transactions(State(sim): State<Arc<SumupSim>>) -> Response {
    let list: Vec<Value> = sim.lock().pos.sales.iter().map(|s| s.full_json()).collect();
    Json(list).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn history_pages_by_ref_and_filters() {
        let sim = SumupSim::new();
        let (s, page) = history(&sim, SANDBOX_MERCHANT_CODE, &q(&[("limit", "10")]));
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["items"].as_array().unwrap().len(), 10);
        let next = page["links"][0]["href"].as_str().unwrap().to_string();
        assert_eq!(page["links"][0]["rel"], "next");
        let after = next
            .split('&')
            .find_map(|kv| kv.strip_prefix("oldest_ref="))
            .unwrap();
        assert_eq!(after, page["items"][9]["transaction_id"].as_str().unwrap());
        let (_, rest) = history(
            &sim,
            SANDBOX_MERCHANT_CODE,
            &q(&[("limit", "10"), ("oldest_ref", after)]),
        );
        assert_eq!(rest["items"].as_array().unwrap().len(), 10);
        let (_, end) = history(
            &sim,
            SANDBOX_MERCHANT_CODE,
            &q(&[("limit", "30"), ("oldest_ref", after)]),
        );
        assert_eq!(end["items"].as_array().unwrap().len(), 14);
        assert_eq!(end["links"], json!([]));
        // Default limit, descending, time filters.
        let (_, d) = history(&sim, SANDBOX_MERCHANT_CODE, &q(&[("order", "descending")]));
        assert_eq!(d["items"].as_array().unwrap().len(), 10);
        assert_eq!(d["items"][0]["transaction_code"], "TPOS000024");
        let (_, t) = history(
            &sim,
            SANDBOX_MERCHANT_CODE,
            &q(&[("limit", "100"), ("oldest_time", "2026-11-02T14:00:00Z")]),
        );
        assert!(t["items"].as_array().unwrap().len() < 24);
        for (k, v) in [
            ("limit", "0"),
            ("order", "up"),
            ("oldest_time", "yesterday"),
            ("statuses[]", "DONE"),
        ] {
            assert_eq!(
                history(&sim, SANDBOX_MERCHANT_CODE, &q(&[(k, v)])).0,
                StatusCode::BAD_REQUEST,
                "{k}"
            );
        }
        assert_eq!(history(&sim, "NOPE", &[]).0, StatusCode::NOT_FOUND);

        // A refund takes the sale out of a SUCCESSFUL-only listing.
        sim.lock().pos.sales[23].status = "REFUNDED";
        let (_, ok) = history(
            &sim,
            SANDBOX_MERCHANT_CODE,
            &q(&[
                ("limit", "100"),
                ("statuses[]", "SUCCESSFUL"),
                ("types[]", "PAYMENT"),
            ]),
        );
        assert_eq!(ok["items"].as_array().unwrap().len(), 23);
    }

    #[test]
    fn a_transaction_shows_its_products() {
        let sim = SumupSim::new();
        let (s, t) = transaction(
            &sim,
            SANDBOX_MERCHANT_CODE,
            &q(&[("transaction_code", "TPOS000001")]),
        );
        assert_eq!(s, StatusCode::OK, "{t}");
        let p = &t["products"][0];
        assert_eq!(p["name"], "Espresso");
        assert_eq!(p["price_with_vat"], json!(2.5));
        assert_eq!(p["vat_rate"], json!(0.19));
        assert_eq!(p["price"], json!(2.1));
        let id = t["id"].as_str().unwrap().to_string();
        assert_eq!(
            transaction(&sim, SANDBOX_MERCHANT_CODE, &q(&[("id", id.as_str())])).0,
            StatusCode::OK
        );
        assert_eq!(
            transaction(&sim, SANDBOX_MERCHANT_CODE, &q(&[("id", "x")])).0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            transaction(&sim, SANDBOX_MERCHANT_CODE, &[]).0,
            StatusCode::BAD_REQUEST
        );
        // Twelve distinct items across the seeded sales.
        let names: std::collections::BTreeSet<String> = sim
            .lock()
            .pos
            .sales
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.name.clone()))
            .collect();
        assert_eq!(names.len(), 12);
    }
}

//! The connector against a fake sevdesk that answers like the spec (lists in `objects`,
//! `limit`/`offset`, `updateAfter`, `descriptionLike`, …), driven like the host drives it.

mod describe;
mod push;
mod reads;

use super::*;
use crate::client::*;
use crate::config::*;
use crate::model;
use beep_sdk::config::Cursor;
use beep_sdk::http::{Method, Request, Response};
use beep_sdk::money;
use beep_sdk::transport::Transport;
use beep_sdk::types::{PushOutcome, PushResult, StockChange, Transaction, TransactionKind};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};

const BASE: &str = "http://sim.test/sevdesk/api/v1";
/// `Date` of every fake answer, and its Unix time.
const DATE: &str = "Mon, 15 Jun 2026 12:00:00 GMT";
const DATE_UNIX: i64 = 1_781_524_800;

fn config() -> Config {
    Config::parse(&format!(
        r#"{{"apiToken":"tok","baseUrl":"{BASE}/","accountDatevId":"26","checkAccountId":9001}}"#
    ))
    .unwrap()
}

fn iso(t: i64) -> String {
    // Enough for the tests: fixed offsets from a known instant.
    let base = 1_704_186_000; // 2024-01-02T09:00:00Z
    let d = t - base;
    assert!(
        (0..86_400 * 28).contains(&d),
        "test timestamps stay in January 2024"
    );
    let (day, rem) = (2 + d / 86_400, d % 86_400);
    let secs = 9 * 3600 + rem;
    let (day, secs) = (day + secs / 86_400, secs % 86_400);
    format!(
        "2024-01-{day:02}T{:02}:{:02}:{:02}+00:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[derive(Default)]
struct Fake {
    parts: Vec<Value>,
    contacts: Vec<Value>,
    ways: Vec<Value>,
    orders: Vec<Value>,
    positions: HashMap<String, Vec<Value>>,
    vouchers: Vec<Value>,
    transactions: Vec<Value>,
    /// Answers returned instead of the next requests.
    fail: VecDeque<Response>,
    /// Apply the next write, then answer 500 (the answer is lost).
    lose_next_write: bool,
    requests: Vec<String>,
}

fn answer(status: u16, body: Value) -> Response {
    Response {
        status,
        headers: vec![("Date".into(), DATE.into())],
        body: serde_json::to_vec(&body).unwrap(),
    }
}

fn error(status: u16, message: &str) -> Response {
    answer(
        status,
        json!({"error": {"message": message, "exceptionUUID": "0"}}),
    )
}

fn objects(all: Vec<Value>, q: &HashMap<String, String>) -> Response {
    let limit: usize = q.get("limit").map_or(100, |l| l.parse().unwrap());
    let offset: usize = q.get("offset").map_or(0, |o| o.parse().unwrap());
    assert!((1..=1000).contains(&limit), "limit {limit}");
    let page: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
    answer(200, json!({ "objects": page }))
}

fn updated_after(v: &Value, q: &HashMap<String, String>) -> bool {
    q.get("updateAfter").is_none_or(|t| {
        util::parse_timestamp(v["update"].as_str().unwrap()).unwrap() > t.parse::<i64>().unwrap()
    })
}

impl Fake {
    fn handle(&mut self, req: &Request) -> Response {
        assert_eq!(
            req.headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.as_str()),
            Some("tok"),
            "a bare token"
        );
        let rest = req.url.strip_prefix(&format!("{BASE}/")).unwrap();
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let q: HashMap<String, String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        let segments: Vec<&str> = path.split('/').collect();
        let body: Value = if req.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&req.body).unwrap()
        };
        match (req.method, segments.as_slice()) {
            (Method::Get, ["Part"]) => {
                let all = self
                    .parts
                    .iter()
                    .filter(|p| q.get("partNumber").is_none_or(|n| p["partNumber"] == **n))
                    .cloned()
                    .collect();
                objects(all, &q)
            }
            (Method::Get, ["Part", id, "getStock"]) => {
                match self
                    .parts
                    .iter()
                    .find(|p| p["id"].as_u64().is_some_and(|n| id.parse() == Ok(n)))
                {
                    Some(p) => answer(200, json!({"objects": p["stock"]})),
                    None => error(400, "Part not found"),
                }
            }
            (Method::Put, ["Part", id]) => {
                let Some(p) = self
                    .parts
                    .iter_mut()
                    .find(|p| p["id"].as_u64().is_some_and(|n| id.parse() == Ok(n)))
                else {
                    return error(400, "Part not found");
                };
                p["stock"] = body["stock"].clone();
                answer(200, p.clone())
            }
            (Method::Get, ["Contact"]) => {
                assert_eq!(q.get("depth").map(String::as_str), Some("1"));
                let all = self
                    .contacts
                    .iter()
                    .filter(|c| {
                        q.get("category[id]")
                            .is_none_or(|id| c["category"]["id"] == **id)
                            && updated_after(c, &q)
                    })
                    .cloned()
                    .collect();
                objects(all, &q)
            }
            (Method::Get, ["Contact", id]) => {
                let found: Vec<Value> = self
                    .contacts
                    .iter()
                    .filter(|c| c["id"] == *id)
                    .cloned()
                    .collect();
                answer(200, json!({ "objects": found }))
            }
            (Method::Get, ["CommunicationWay"]) => {
                let all = self
                    .ways
                    .iter()
                    .filter(|w| {
                        q.get("contact[id]")
                            .is_none_or(|c| w["contact"]["id"] == **c)
                            && q.get("type").is_none_or(|t| w["type"] == **t)
                    })
                    .cloned()
                    .collect();
                objects(all, &q)
            }
            (Method::Get, ["Order"]) => {
                let embed = q.get("embed").is_some_and(|e| e.contains("contact"));
                let all = self
                    .orders
                    .iter()
                    .filter(|o| updated_after(o, &q))
                    .map(|o| {
                        let mut o = o.clone();
                        if embed {
                            let id = o["contact"]["id"].clone();
                            o["contact"] = self
                                .contacts
                                .iter()
                                .find(|c| c["id"] == id)
                                .unwrap()
                                .clone();
                        }
                        o
                    })
                    .collect();
                objects(all, &q)
            }
            (Method::Get, ["Order", id, "getPositions"]) => {
                objects(self.positions.get(*id).cloned().unwrap_or_default(), &q)
            }
            (Method::Get, ["Voucher"]) => {
                let like = q.get("descriptionLike").map(|l| l.to_lowercase());
                let all = self
                    .vouchers
                    .iter()
                    .filter(|v| {
                        like.as_deref().is_none_or(|l| {
                            v["description"]
                                .as_str()
                                .unwrap()
                                .to_lowercase()
                                .contains(l)
                        })
                    })
                    .cloned()
                    .collect();
                objects(all, &q)
            }
            (Method::Post, ["Voucher", "Factory", "saveVoucher"]) => {
                let v = &body["voucher"];
                assert_eq!(v["creditDebit"], "D");
                let id = (5001 + self.vouchers.len()).to_string();
                let stored = json!({
                    "id": id, "objectName": "Voucher", "description": v["description"],
                    "sumGross": body["voucherPosSave"][0]["sumGross"].to_string(),
                });
                self.vouchers.push(stored.clone());
                answer(201, json!({"voucher": stored, "voucherPos": []}))
            }
            (Method::Get, ["CheckAccountTransaction"]) => {
                let all = self
                    .transactions
                    .iter()
                    .filter(|t| {
                        q.get("paymtPurpose")
                            .is_none_or(|p| t["paymtPurpose"] == **p)
                            && q.get("checkAccount[id]")
                                .is_none_or(|c| t["checkAccount"]["id"] == **c)
                    })
                    .cloned()
                    .collect();
                objects(all, &q)
            }
            (Method::Post, ["CheckAccountTransaction"]) => {
                let mut t = body.clone();
                t["id"] = json!((7001 + self.transactions.len()).to_string());
                // Sent as the spec's integer; sevdesk answers ids as strings.
                t["checkAccount"]["id"] = json!(t["checkAccount"]["id"].to_string());
                self.transactions.push(t.clone());
                answer(201, t)
            }
            _ => error(404, "no such resource"),
        }
    }
}

impl Transport for Fake {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
        let (_, rest) = req.url.split_once("/api/v1/").unwrap();
        self.requests.push(format!("{:?} {rest}", req.method));
        if let Some(resp) = self.fail.pop_front() {
            return Ok(resp);
        }
        let write = req.method != Method::Get;
        let resp = self.handle(&req);
        if write && self.lose_next_write {
            self.lose_next_write = false;
            return Ok(error(500, "Server Error"));
        }
        Ok(resp)
    }
}

fn part(i: usize, enabled: bool) -> Value {
    json!({
        "id": 1001 + i, "objectName": "Part", "partNumber": format!("ART-{}", 1001 + i),
        "name": format!("Part {i}"), "stock": (i % 50) as f64 + 0.5, "stockEnabled": enabled,
        "unity": {"id": 1, "objectName": "Unity", "name": "Stk", "translationCode": "UNITY_PIECE"},
        "update": iso(1_704_186_000 + i as i64)
    })
}

fn contact(i: usize, category: u32, t: i64) -> Value {
    json!({
        "id": (2001 + i).to_string(), "objectName": "Contact", "name": format!("Contact {i}"),
        "category": {"id": category.to_string(), "objectName": "Category"},
        "vatNumber": format!("DE{i:09}"), "update": iso(t)
    })
}

fn demo() -> Fake {
    let mut f = Fake {
        parts: (0..32).map(|i| part(i, i < 30)).collect(),
        ..Fake::default()
    };
    let t0 = 1_704_186_000;
    for i in 0..8 {
        let category = if i < 4 { 2 } else { 3 };
        f.contacts
            .push(contact(i, category, t0 + 3600 + i as i64 * 60));
        if i != 2 {
            f.ways
                .push(json!({"type": "PHONE", "value": "+49 30", "main": "1",
                "contact": {"id": (2001 + i).to_string(), "objectName": "Contact"}}));
            f.ways.push(
                json!({"type": "EMAIL", "value": format!("c{i}@example.org"), "main": "1",
                "contact": {"id": (2001 + i).to_string(), "objectName": "Contact"}}),
            );
        }
    }
    for (i, contact) in [0usize, 1, 3, 4, 5].into_iter().enumerate() {
        let id = (3001 + i).to_string();
        f.orders.push(json!({
            "id": id, "objectName": "Order", "orderNumber": format!("AB-{}", 1001 + i),
            "contact": {"id": (2001 + contact).to_string(), "objectName": "Contact"},
            "orderDate": "2025-06-01T00:00:00+00:00", "status": "200", "orderType": "AB",
            "currency": "EUR", "sumGross": "119", "update": iso(t0 + 7200 + i as i64)
        }));
        f.positions.insert(
            id.clone(),
            (0..=i)
                .map(|n| json!({
                    "id": format!("{}", 4001 + 10 * i + n), "objectName": "OrderPos",
                    "order": {"id": id, "objectName": "Order"},
                    "part": {"id": (1001 + n).to_string(), "objectName": "Part", "partNumber": format!("ART-{}", 1001 + n)},
                    "name": format!("Part {n}"), "quantity": "10", "priceGross": "1.19",
                    "positionNumber": n.to_string()
                }))
                .collect(),
        );
    }
    f
}

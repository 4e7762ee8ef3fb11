//! The connector against a fake sevdesk that answers like the spec (lists in `objects`,
//! `limit`/`offset`, `updateAfter`, `descriptionLike`, …), driven like the host drives it.

use super::*;
use beep_sdk::http::Method;
use serde_json::json;
use std::collections::VecDeque;

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

#[test]
fn config_is_checked_and_urls_are_built_from_base_url() {
    let cfg = config();
    assert_eq!(cfg.url("Part"), format!("{BASE}/Part"));
    assert_eq!(cfg.account_datev_id.as_deref(), Some("26"));
    assert_eq!(cfg.check_account_id.as_deref(), Some("9001"));
    let default = Config::parse(r#"{"apiToken":"abc"}"#).unwrap();
    assert_eq!(
        default.url("Contact"),
        "https://my.sevdesk.de/api/v1/Contact"
    );
    assert_eq!((default.currency(), default.tax_rate()), ("EUR", 19.0));
    let req = default.request(Request::get(default.url("Part")));
    assert!(
        req.headers
            .contains(&("authorization".into(), "abc".into()))
    );
    for bad in [
        r#"{}"#,
        r#"{"apiToken":""}"#,
        r#"{"apiToken":"a\nb"}"#,
        r#"{"apiToken":"a","baseUrl":"ftp://x"}"#,
        r#"{"apiToken":"a","currency":"XYZ"}"#,
        r#"{"apiToken":"a","accountDatevId":"abc"}"#,
        r#"{"apiToken":"a","checkAccountId":-1}"#,
        r#"{"apiToken":"a","taxRate":120}"#,
    ] {
        assert!(
            matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
            "{bad}"
        );
    }
}

#[test]
fn describe_and_schema() {
    use beep_sdk::erp::Describe;
    let info = Sevdesk::describe();
    assert_eq!(info.name, "sevdesk");
    assert_eq!(info.kind, ConnectorKind::Erp);
    assert_eq!(info.systems, vec!["sevdesk".to_string()]);
    assert_eq!(info.hosts, vec!["https://my.sevdesk.de".to_string()]);
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(schema["required"], json!(["apiToken"]));
}

#[test]
fn inventory_reads_every_part_each_run() {
    let cfg = config();
    let mut api = demo();
    api.parts = (0..2500).map(|i| part(i, i % 100 != 7)).collect();
    let (mut levels, mut calls, mut cursor) = (vec![], 0, None::<String>);
    loop {
        let page = fetch_inventory(&cfg, &mut api, cursor.as_deref()).unwrap();
        calls += 1;
        levels.extend(page.levels);
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(calls, 3);
    assert_eq!(levels.len(), 2475, "services without stock are skipped");
    assert_eq!(cursor, None, "no change filter: the next run is full");
    assert_eq!(
        api.requests,
        [
            "Get Part?limit=1000&offset=0&embed=unity",
            "Get Part?limit=1000&offset=1000&embed=unity",
            "Get Part?limit=1000&offset=2000&embed=unity"
        ]
    );
    let l = &levels[0];
    assert_eq!(l.external_id, "1001");
    assert_eq!(l.sku.as_deref(), Some("ART-1001"));
    assert_eq!((l.quantity, l.unit.as_deref()), (0.5, Some("pc")));
}

fn run_suppliers(
    api: &mut Fake,
    cursor: Option<String>,
) -> (Vec<beep_sdk::types::Supplier>, String) {
    let cfg = config();
    let (mut all, mut cursor) = (vec![], cursor);
    loop {
        let page = fetch_suppliers(&cfg, api, cursor.as_deref()).unwrap();
        all.extend(page.suppliers);
        cursor = page.next_cursor;
        if !page.has_more {
            return (all, cursor.unwrap());
        }
    }
}

#[test]
fn suppliers_full_then_incremental() {
    let mut api = demo();
    // 45 suppliers: two pages of contacts.
    for i in 8..49 {
        api.contacts
            .push(contact(i, 2, 1_704_186_000 + 600 + i as i64));
    }
    let (suppliers, next) = run_suppliers(&mut api, None);
    assert_eq!(suppliers.len(), 45);
    assert!(api.requests[0].starts_with("Get Contact?limit=40&offset=0&depth=1&category%5Bid%5D=2&category%5BobjectName%5D=Category"), "{}", api.requests[0]);
    let s = &suppliers[0];
    assert_eq!(s.external_id, "2001");
    assert_eq!(s.name, "Contact 0");
    assert_eq!(s.email.as_deref(), Some("c0@example.org"));
    assert_eq!(s.vat_id.as_deref(), Some("DE000000000"));
    assert_eq!(suppliers[2].email, None, "contact 2 has no e-mail address");
    let st: ChangeCursor = Cursor::decode(Some(&next)).unwrap();
    // The latest update seen: contact 3 (t0 + 3600 + 180).
    assert_eq!(st.since, Some(1_704_186_000 + 3780));
    assert_eq!(st.offset, 0);

    // Nothing changed: one request, nothing synced, the same cursor.
    api.requests.clear();
    let (suppliers, again) = run_suppliers(&mut api, Some(next.clone()));
    assert!(suppliers.is_empty());
    assert_eq!(api.requests.len(), 1);
    assert!(api.requests[0].contains("updateAfter=1704189780"));
    assert_eq!(again, next);

    // One supplier changes: exactly it. The cursor stops a second before the run began.
    api.contacts[1]["update"] = json!("2026-06-15T12:00:00+00:00");
    api.contacts[1]["name"] = json!("Renamed");
    let (suppliers, next) = run_suppliers(&mut api, Some(next));
    assert_eq!(suppliers.len(), 1);
    assert_eq!(suppliers[0].name, "Renamed");
    let st: ChangeCursor = Cursor::decode(Some(&next)).unwrap();
    assert_eq!(st.since, Some(DATE_UNIX - 1));
}

#[test]
fn orders_to_suppliers_are_purchase_orders() {
    let cfg = config();
    let mut api = demo();
    let page = fetch_orders(&cfg, &mut api, None).unwrap();
    assert!(!page.has_more);
    // Orders 3001..3003 go to suppliers 2001, 2002, 2004; 3004/3005 to customers.
    let ids: Vec<&str> = page.orders.iter().map(|o| o.external_id.as_str()).collect();
    assert_eq!(ids, ["3001", "3002", "3003"]);
    let po = &page.orders[2];
    assert_eq!(po.supplier_id.as_deref(), Some("2004"));
    assert_eq!(po.number.as_deref(), Some("AB-1003"));
    assert_eq!(po.status, "sent");
    assert_eq!(po.total.as_ref().unwrap().amount, 11900);
    assert_eq!(po.lines.len(), 3);
    assert_eq!(po.lines[1].sku.as_deref(), Some("ART-1002"));
    assert_eq!(po.lines[1].unit_price.as_ref().unwrap().amount, 119);
    assert_eq!(api.requests[0], "Get Order?limit=40&offset=0&embed=contact");
    assert_eq!(
        api.requests[1],
        "Get Order/3001/getPositions?limit=1000&offset=0&embed=part"
    );
    assert_eq!(api.requests.len(), 4, "positions only for purchase orders");
    let st: ChangeCursor = Cursor::decode(page.next_cursor.as_deref()).unwrap();
    assert_eq!(st.since, Some(1_704_186_000 + 7204));

    // Incremental: nothing new.
    let again = fetch_orders(&cfg, &mut api, page.next_cursor.as_deref()).unwrap();
    assert!(again.orders.is_empty());
}

/// A server that ignores `embed`: the contact is read once per call instead.
#[test]
fn orders_without_embedded_contacts_look_them_up() {
    let cfg = config();
    let mut api = demo();
    let embedded = fetch_orders(&cfg, &mut api, None).unwrap();
    let mut contacts = HashMap::new();
    let orders: Vec<model::Order> = api
        .orders
        .iter()
        .map(|o| serde_json::from_value(o.clone()).unwrap())
        .collect();
    let mut found = vec![];
    for o in &orders {
        if to_supplier(&cfg, &mut api, o, &mut contacts).unwrap() {
            found.push(o.id.clone());
        }
    }
    let ids: Vec<String> = embedded
        .orders
        .iter()
        .map(|o| o.external_id.clone())
        .collect();
    assert_eq!(found, ids);
    assert_eq!(contacts.len(), 5);
}

fn tx(id: &str, kind: TransactionKind, amount: i64) -> Transaction {
    Transaction {
        id: id.into(),
        kind,
        amount: money::money(amount, "EUR"),
        reference: Some("pi_1".into()),
        sale_id: Some("sale-1".into()),
        payment_method: Some("card".into()),
        occurred_at: "2026-06-15T10:00:00+02:00".into(),
    }
}

fn outcomes(results: &[PushResult]) -> Vec<String> {
    results
        .iter()
        .map(|r| match &r.outcome {
            PushOutcome::Created(id) => {
                format!("{} created {}", r.id, id.as_deref().unwrap_or("-"))
            }
            PushOutcome::Duplicate(id) => {
                format!("{} duplicate {}", r.id, id.as_deref().unwrap_or("-"))
            }
            PushOutcome::Rejected(e) => format!(
                "{} rejected {}",
                r.id,
                format!("{e:?}").trim_start_matches("ConnectorError::")
            ),
        })
        .collect()
}

#[test]
fn transactions_are_booked_once() {
    let cfg = config();
    let mut api = demo();
    let txs = [
        tx("t1", TransactionKind::Sale, 473),
        tx("t2", TransactionKind::Payment, 473),
        tx("t3", TransactionKind::Refund, 189),
    ];
    let results = push_transactions(&cfg, &mut api, &txs).unwrap();
    assert_eq!(
        outcomes(&results),
        ["t1 created 5001", "t2 created 7001", "t3 created 5002"]
    );
    assert_eq!(
        api.requests[..2],
        [
            "Get Voucher?descriptionLike=BEEP-t1&limit=100",
            "Post Voucher/Factory/saveVoucher"
        ]
    );
    assert!(
        api.requests[2].starts_with(
            "Get CheckAccountTransaction?paymtPurpose=BEEP-t2&checkAccount%5Bid%5D=9001"
        )
    );
    assert_eq!(
        api.vouchers[1]["sumGross"], "-1.89",
        "a refund reduces revenue"
    );
    assert_eq!(api.transactions[0]["amount"], 4.73);

    // Pushed again: each is found, nothing new is booked.
    let results = push_transactions(&cfg, &mut api, &txs).unwrap();
    assert_eq!(
        outcomes(&results),
        [
            "t1 duplicate 5001",
            "t2 duplicate 7001",
            "t3 duplicate 5002"
        ]
    );
    assert_eq!((api.vouchers.len(), api.transactions.len()), (2, 1));

    // A reference that only contains another one is not a duplicate of it.
    let results =
        push_transactions(&cfg, &mut api, &[tx("t", TransactionKind::Sale, 100)]).unwrap();
    assert_eq!(outcomes(&results), ["t created 5003"]);
}

#[test]
fn a_lost_answer_is_recognised_on_resend() {
    let cfg = config();
    let mut api = demo();
    let txs = [
        tx("a", TransactionKind::Sale, 100),
        tx("b", TransactionKind::Sale, 200),
    ];
    // The first voucher is booked but its answer is a 500: nothing got through, the call
    // fails, and the host keeps both for the next push.
    api.lose_next_write = true;
    match push_transactions(&cfg, &mut api, &txs) {
        Err(ConnectorError::Upstream(e)) => assert_eq!(e.status, 500),
        other => panic!("{other:?}"),
    }
    assert_eq!(api.vouchers.len(), 1);
    let results = push_transactions(&cfg, &mut api, &txs).unwrap();
    assert_eq!(outcomes(&results), ["a duplicate 5001", "b created 5002"]);
    assert_eq!(api.vouchers.len(), 2);

    // A 503 after something got through: the rest come back rejected (transient).
    let txs = [
        tx("c", TransactionKind::Sale, 100),
        tx("d", TransactionKind::Sale, 100),
        tx("e", TransactionKind::Sale, 100),
    ];
    api.fail = VecDeque::from([]);
    let mut calls = 0;
    let results = push_each(
        &txs,
        10,
        |t| &t.id,
        |t| &t.id,
        |t| {
            calls += 1;
            if calls == 2 {
                return Err(beep_sdk::error::upstream(503, "Service Unavailable"));
            }
            book(&cfg, &mut api, t)
        },
    )
    .unwrap();
    let o = outcomes(&results);
    assert_eq!(o[0], "c created 5003");
    assert!(
        o[1].starts_with("d rejected Upstream") && o[2].starts_with("e rejected Upstream"),
        "{o:?}"
    );
}

#[test]
fn pushes_need_their_accounts_and_stay_within_the_budget() {
    let mut api = demo();
    let cfg = Config::parse(&format!(r#"{{"apiToken":"tok","baseUrl":"{BASE}"}}"#)).unwrap();
    assert!(matches!(
        push_transactions(&cfg, &mut api, &[tx("x", TransactionKind::Sale, 1)]),
        Err(ConnectorError::InvalidConfig(m)) if m.contains("accountDatevId")
    ));
    assert!(matches!(
        push_transactions(&cfg, &mut api, &[tx("x", TransactionKind::Payment, 1)]),
        Err(ConnectorError::InvalidConfig(m)) if m.contains("checkAccountId")
    ));
    assert!(api.requests.is_empty());

    let cfg = config();
    let many: Vec<Transaction> = (0..50)
        .map(|i| tx(&format!("p{i}"), TransactionKind::Payment, 100 + i))
        .collect();
    let results = push_transactions(&cfg, &mut api, &many).unwrap();
    assert_eq!(results.len(), 50);
    assert_eq!(api.transactions.len(), MAX_TRANSACTIONS_PER_CALL);
    assert_eq!(api.requests.len(), 2 * MAX_TRANSACTIONS_PER_CALL);
    assert!(matches!(
        results[49].outcome,
        PushOutcome::Rejected(ConnectorError::RateLimited(None))
    ));

    // An item sevdesk cannot take is rejected alone.
    let mut odd = tx("usd", TransactionKind::Payment, 100);
    odd.amount.currency = "USD".into();
    let results = push_transactions(
        &cfg,
        &mut api,
        &[odd, tx("ok", TransactionKind::Payment, 5)],
    )
    .unwrap();
    let o = outcomes(&results);
    assert!(o[0].starts_with("usd rejected Unsupported"), "{o:?}");
    assert!(o[1].starts_with("ok created"), "{o:?}");
}

#[test]
fn vendor_errors_become_contract_errors() {
    let cfg = config();
    let mut api = demo();
    api.fail.push_back(error(401, "Authentication required"));
    match fetch_inventory(&cfg, &mut api, None) {
        Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Authentication required"),
        other => panic!("{other:?}"),
    }
    let mut limited = error(429, "Too Many Requests");
    limited.headers.push(("Retry-After".into(), "1".into()));
    api.fail.push_back(limited);
    assert!(matches!(
        fetch_suppliers(&cfg, &mut api, None),
        Err(ConnectorError::RateLimited(Some(1)))
    ));
    api.fail.push_back(error(500, "Server Error"));
    assert!(
        matches!(fetch_orders(&cfg, &mut api, None), Err(ConnectorError::Upstream(e)) if e.status == 500)
    );
    // An unauthorized push fails the call, not the items.
    api.fail.push_back(error(401, "Authentication required"));
    assert!(matches!(
        push_transactions(&cfg, &mut api, &[tx("x", TransactionKind::Sale, 1)]),
        Err(ConnectorError::Unauthorized(_))
    ));
    assert!(matches!(
        fetch_inventory(&cfg, &mut api, Some("{nope")),
        Err(ConnectorError::InvalidConfig(_))
    ));
}

fn change(id: &str, product: Option<&str>, sku: Option<&str>, delta: f64) -> StockChange {
    StockChange {
        id: id.into(),
        product_id: product.map(String::from),
        sku: sku.map(String::from),
        quantity_delta: delta,
        reason: "sale".into(),
        occurred_at: "2026-06-15T10:00:00+02:00".into(),
    }
}

#[test]
fn stock_changes_read_then_write_the_stock() {
    let cfg = config();
    let mut api = demo();
    let changes = [
        change("c1", Some("1003"), None, -2.0),
        change("c2", None, Some("ART-1004"), 1.25),
        change("c3", None, Some("NOPE"), -1.0),
        change("c4", None, None, -1.0),
        change("c5", Some("1005"), None, 0.0),
    ];
    let results = push_stock_changes(&cfg, &mut api, &changes).unwrap();
    let o = outcomes(&results);
    assert_eq!(o[0], "c1 created 1003");
    assert_eq!(o[1], "c2 created 1004");
    assert!(o[2].starts_with("c3 rejected NotFound"), "{o:?}");
    assert!(o[3].starts_with("c4 rejected InvalidConfig"), "{o:?}");
    assert_eq!(o[4], "c5 created -");
    assert_eq!(api.parts[2]["stock"], 0.5, "2.5 - 2");
    assert_eq!(api.parts[3]["stock"], 4.75, "3.5 + 1.25");
    assert_eq!(
        api.requests[..2],
        ["Get Part/1003/getStock", "Put Part/1003"]
    );
    assert_eq!(api.requests[2], "Get Part?partNumber=ART-1004&limit=2");
    assert_eq!(api.requests.len(), 5, "nothing sent for a zero change");
    // An unknown part id is sevdesk's 400.
    let results =
        push_stock_changes(&cfg, &mut api, &[change("c6", Some("99"), None, 1.0)]).unwrap();
    assert!(outcomes(&results)[0].starts_with("c6 rejected Upstream"));
}

#[test]
fn the_changes_of_one_sale_are_attempted_together() {
    let changes = [
        change("s1:0", None, Some("A"), -1.0),
        change("s1:1", None, Some("B"), -1.0),
        change("s2:0", None, Some("C"), -1.0),
        change("s2:1", None, Some("D"), -1.0),
        change("s3", None, Some("E"), -1.0),
    ];
    let mut attempted = vec![];
    let results = push_each(
        &changes,
        3,
        |c| &c.id,
        |c| sale_of(&c.id),
        |c| {
            attempted.push(c.id.clone());
            Ok(PushOutcome::Created(None))
        },
    )
    .unwrap();
    // s2 does not fit beside s1: left whole for the next push; s3 fits.
    assert_eq!(attempted, ["s1:0", "s1:1", "s3"]);
    let o = outcomes(&results);
    assert!(
        o[2].starts_with("s2:0 rejected RateLimited")
            && o[3].starts_with("s2:1 rejected RateLimited"),
        "{o:?}"
    );
    // A sale larger than a call is attempted as far as it goes.
    let mut n = 0;
    let results = push_each(
        &changes[..2],
        1,
        |c| &c.id,
        |c| sale_of(&c.id),
        |_| {
            n += 1;
            Ok(PushOutcome::Created(None))
        },
    )
    .unwrap();
    assert_eq!(n, 1);
    assert!(outcomes(&results)[1].starts_with("s1:1 rejected RateLimited"));
    assert_eq!(sale_of("abc"), "abc");
    assert_eq!(sale_of("a:b:3"), "a:b");
}

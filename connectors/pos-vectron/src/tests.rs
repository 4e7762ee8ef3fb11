use super::*;
use beep_sdk::http::Method;
use serde_json::{Value, json};

const OP: &str = "0000000b-0000-4000-8000-000000000001";
const SITE: &str = "0000000c-0000-4000-8000-000000000001";
const OTHER_SITE: &str = "0000000c-0000-4000-8000-000000000002";

fn config(extra: Value) -> Config {
    let mut v = json!({"login": "partner", "password": "secret", "operatorId": OP,
        "baseUrl": "http://127.0.0.1:9/vectron/business-data-api/"});
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    Config::parse(&v.to_string()).unwrap()
}

/// A fake Vectron answering like the simulator, 3 invoices a page.
struct Fake {
    sites: Vec<Value>,
    invoices: Vec<Value>,
    entries: Vec<Value>,
    requests: Vec<String>,
    fail_next: Option<Response>,
}

fn answer(status: u16, body: Value) -> Response {
    Response {
        status,
        headers: vec![],
        body: serde_json::to_vec(&body).unwrap(),
    }
}

fn invoice(n: u32, plus: &[(u32, &str, f64)]) -> Value {
    json!({
        "invoiceId": format!("00000001-0000-4000-8000-{n:012x}"),
        "invoiceNumber": n, "currency": "EUR", "transactionType": "INVOICE",
        "items": plus.iter().map(|(no, _, price)| json!({
            "productId": format!("p{no}"), "price": price, "quantity": 1.0, "taxRate": 19.0
        })).collect::<Vec<_>>(),
        "products": plus.iter().map(|(no, name, _)| json!({
            "productId": format!("p{no}"), "number": no.to_string(), "name": name,
            "productGroupId": "g1", "mainGroupId": "m1"
        })).collect::<Vec<_>>(),
        "productGroups": [{"productGroupId": "g1", "name": "Getränke"}],
        "mainGroups": [{"mainGroupId": "m1", "name": "Bar"}]
    })
}

impl Fake {
    fn new() -> Fake {
        let invoices = (1..=7)
            .map(|n| {
                invoice(
                    n,
                    &[(100 + n, "PLU", 1.0 + f64::from(n)), (100, "Wasser", 2.5)],
                )
            })
            .collect();
        Fake {
            sites: vec![json!({"siteId": SITE, "name": "Mitte"})],
            invoices,
            entries: vec![
                json!({"inputAt": "2026-01-02T06:30:00", "managedArticles": [
                    {"managedArticleNo": 1, "managedArticleName": "Kaffee 1kg", "price": 18.9}
                ]}),
            ],
            requests: vec![],
            fail_next: None,
        }
    }
}

impl Api for Fake {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
        let path = req
            .url
            .split_once("/business-data-api")
            .unwrap()
            .1
            .to_string();
        self.requests.push(path.clone());
        if let Some(resp) = self.fail_next.take() {
            return Ok(resp);
        }
        if path == "/v1/login" {
            assert_eq!(req.method, Method::Post);
            let creds: Value = serde_json::from_slice(&req.body).unwrap();
            if creds != json!({"login": "partner", "password": "secret"}) {
                return Ok(answer(
                    401,
                    json!({"code": 401, "status": 401, "message": "Bad credentials"}),
                ));
            }
            return Ok(answer(200, json!({"token": "tok"})));
        }
        let token = req
            .headers
            .iter()
            .find(|(k, _)| k == "x-api-token")
            .map(|(_, v)| v.as_str());
        assert_eq!(token, Some("tok"), "{path}");
        if path == format!("/v3/operator/{OP}/sites") {
            return Ok(answer(200, Value::Array(self.sites.clone())));
        }
        if path == format!("/v3/site/{SITE}/data-entries") {
            return Ok(answer(200, Value::Array(self.entries.clone())));
        }
        let base = format!("/v3/site/{SITE}/transactions");
        if let Some(rest) = path.strip_prefix(&base) {
            let start = match rest.strip_prefix("?id=") {
                None => 0,
                Some(id) => match self.invoices.iter().position(|i| i["invoiceId"] == id) {
                    Some(i) => i + 1,
                    None => return Ok(answer(404, json!({"message": "Invoice not found"}))),
                },
            };
            let page: Vec<Value> = self.invoices.iter().skip(start).take(3).cloned().collect();
            return Ok(answer(200, Value::Array(page)));
        }
        Ok(answer(404, json!({"message": "Not Found"})))
    }
}

/// Runs `fetch_catalog` until the run completes: (pages, final cursor).
fn run(cfg: &Config, fake: &mut Fake, cursor: Option<String>) -> (Vec<CatalogPage>, String) {
    let mut cursor = cursor;
    let mut pages = vec![];
    for _ in 0..50 {
        let page = fetch_catalog(cfg, fake, cursor.as_deref()).unwrap();
        cursor = page.next_cursor.clone();
        let done = !page.has_more;
        pages.push(page);
        if done {
            return (pages, cursor.unwrap());
        }
    }
    panic!("no end");
}

#[test]
fn config_and_describe() {
    let cfg = config(json!({}));
    assert_eq!(
        cfg.url("/v1/login"),
        "http://127.0.0.1:9/vectron/business-data-api/v1/login"
    );
    let d = Config::parse(&json!({"login": "l", "password": "p", "operatorId": OP}).to_string())
        .unwrap();
    assert_eq!(d.url("/v1/login"), format!("{DEFAULT_BASE_URL}/v1/login"));
    assert_eq!(d.currency(), "EUR");
    for bad in [
        json!({"login": "l", "password": "p"}),
        json!({"login": "", "password": "p", "operatorId": OP}),
        json!({"login": "l", "password": "p", "operatorId": "42"}),
        json!({"login": "l", "password": "p", "operatorId": OP, "siteId": "x"}),
        json!({"login": "l", "password": "p", "operatorId": OP, "baseUrl": "ftp://x"}),
        json!({"login": "l", "password": "p", "operatorId": OP, "currency": "XYZ"}),
    ] {
        assert!(
            matches!(
                Config::parse(&bad.to_string()),
                Err(ConnectorError::InvalidConfig(_))
            ),
            "{bad}"
        );
    }
    use beep_sdk::pos::Describe;
    let info = Vectron::describe();
    assert_eq!(info.name, "vectron");
    assert_eq!(info.hosts, vec!["https://*.vectron.cloud".to_string()]);
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(
        schema["required"],
        json!(["login", "password", "operatorId"])
    );
}

#[test]
fn full_run_pages_by_invoice_id_then_incremental_reads_only_new_invoices() {
    let cfg = config(json!({}));
    let mut fake = Fake::new();
    let (pages, cursor) = run(&cfg, &mut fake, None);
    // 7 invoices, 3 a page: three pages with products, then an empty list and the data
    // entries in the last call.
    assert_eq!(pages.len(), 4);
    let mut ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.products.iter().map(|p| p.external_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7 + 1 + 1, "{ids:?}");
    let water = pages[0]
        .products
        .iter()
        .find(|p| p.external_id == "p100")
        .unwrap();
    assert_eq!(water.name, "Wasser");
    assert_eq!(water.sku.as_deref(), Some("100"));
    assert_eq!(water.price.as_ref().map(|m| m.amount), Some(250));
    assert_eq!(water.tax_rate_bps, Some(1900));
    assert_eq!(water.category_id.as_deref(), Some("g1"));
    assert_eq!(pages[0].categories.len(), 2);
    let last = pages.last().unwrap();
    assert_eq!(last.products.len(), 1);
    assert_eq!(last.products[0].external_id, "managed-article:1");
    assert_eq!(
        fake.requests.iter().filter(|r| *r == "/v1/login").count(),
        4,
        "one login per call"
    );
    assert_eq!(
        fake.requests
            .iter()
            .filter(|r| r.ends_with("/sites"))
            .count(),
        1
    );

    // Nothing new: one call, nothing emitted.
    fake.requests.clear();
    let (pages, cursor) = run(&cfg, &mut fake, Some(cursor));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].products.is_empty() && pages[0].categories.is_empty());
    assert_eq!(fake.requests.len(), 4, "{:?}", fake.requests);
    assert!(fake.requests[2].ends_with(&format!("?id=00000001-0000-4000-8000-{:012x}", 7)));

    // One new invoice and one new data entry: exactly those.
    fake.invoices
        .push(invoice(8, &[(100, "Wasser still", 2.7)]));
    fake.entries.push(
        json!({"inputAt": "2026-01-09T06:30:00", "managedArticles": [
            {"managedArticleNo": 2, "managedArticleName": "Milch 1l", "price": 1.19}
        ]}),
    );
    let (pages, _) = run(&cfg, &mut fake, Some(cursor));
    let products: Vec<&beep_sdk::types::Product> =
        pages.iter().flat_map(|p| p.products.iter()).collect();
    assert_eq!(products.len(), 2);
    assert_eq!(products[0].name, "Wasser still");
    assert_eq!(products[0].price.as_ref().map(|m| m.amount), Some(270));
    assert_eq!(products[1].external_id, "managed-article:2");
}

#[test]
fn site_selection() {
    let mut fake = Fake::new();
    let cfg = config(json!({"siteId": OTHER_SITE}));
    assert!(matches!(
        fetch_catalog(&cfg, &mut fake, None),
        Err(ConnectorError::NotFound(_))
    ));
    fake.sites
        .push(json!({"siteId": OTHER_SITE, "name": "Biergarten"}));
    let cfg = config(json!({}));
    match fetch_catalog(&cfg, &mut fake, None) {
        Err(ConnectorError::InvalidConfig(m)) => assert!(m.contains("Biergarten"), "{m}"),
        other => panic!("{other:?}"),
    }
    let cfg = config(json!({"siteId": SITE}));
    assert!(fetch_catalog(&cfg, &mut fake, None).is_ok());
}

#[test]
fn vendor_errors() {
    let mut fake = Fake::new();
    let cfg = Config::parse(
        &json!({"login": "partner", "password": "wrong", "operatorId": OP,
            "baseUrl": "http://127.0.0.1:9/business-data-api"})
        .to_string(),
    )
    .unwrap();
    match fetch_catalog(&cfg, &mut fake, None) {
        Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Bad credentials"),
        other => panic!("{other:?}"),
    }
    let cfg = config(json!({}));
    fake.fail_next = Some(Response {
        status: 429,
        headers: vec![("Retry-After".into(), "3".into())],
        body: br#"{"status":429,"message":"Too many requests"}"#.to_vec(),
    });
    assert!(matches!(
        fetch_catalog(&cfg, &mut fake, None),
        Err(ConnectorError::RateLimited(Some(3)))
    ));
    fake.fail_next = Some(answer(503, json!({"message": "down"})));
    match fetch_catalog(&cfg, &mut fake, None) {
        Err(ConnectorError::Upstream(u)) => {
            assert_eq!((u.status, u.message.as_str()), (503, "down"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn another_site_restarts_the_keyset() {
    // Positions of another site (the config's siteId changed): read this site in full.
    let st = CatalogCursor {
        incremental: true,
        keyset_site: Some(OTHER_SITE.into()),
        after_invoice: Some("00000001-0000-4000-8000-0000000000ff".into()),
        data_entries_after: Some("2030-01-01T00:00:00".into()),
        ..CatalogCursor::default()
    };
    let cfg = config(json!({}));
    let mut fake = Fake::new();
    let (pages, cursor) = run(&cfg, &mut fake, Some(Cursor::encode(&st).unwrap()));
    assert!(
        fake.requests[2].ends_with("/transactions"),
        "{:?}",
        fake.requests
    );
    let managed = pages
        .iter()
        .flat_map(|p| p.products.iter())
        .filter(|p| p.external_id.starts_with(mapping::MANAGED_ARTICLE_PREFIX))
        .count();
    assert_eq!(managed, 1);
    let next: CatalogCursor = Cursor::decode(Some(&cursor)).unwrap();
    assert_eq!(next.keyset_site.as_deref(), Some(SITE));
    assert_eq!(
        next.data_entries_after.as_deref(),
        Some("2026-01-02T06:30:00")
    );
}

#[test]
fn push_sales_is_unsupported() {
    use beep_sdk::pos::Pos;
    let config = json!({"login": "l", "password": "p", "operatorId": OP}).to_string();
    match Vectron::push_sales(config, vec![]) {
        Err(ConnectorError::Unsupported(m)) => {
            assert!(m.starts_with("Vectron's published API is read-only"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Vectron::push_sales("{}".into(), vec![]),
        Err(ConnectorError::InvalidConfig(_))
    ));
}

//! BEEP! Connect POS connector for the SumUp POS side (`https://api.sumup.com`,
//! `Authorization: Bearer <API key or OAuth token>`), as `vendor-specs/sumup.json` describes it.
//!
//! SumUp's published API has **no catalogue endpoint**: no items, categories, prices lists,
//! stock or SKUs/GTINs. What it does publish is the transaction history
//! (`GET /v2.1/merchants/{merchant_code}/transactions/history`) and, per transaction, the
//! catalogue items it paid for (`GET /v2.1/merchants/{merchant_code}/transactions?id=…`,
//! `products`: name, net and gross unit price, VAT rate). This connector therefore syncs
//! the items the merchant *sold* through SumUp:
//!
//! - one product per distinct item name (SumUp exposes no item id; the name is the
//!   identity), with the gross price and VAT rate of its latest sale, active;
//! - no categories, no price updates, no SKUs, GTINs or units (SumUp's API has none);
//! - items never sold through SumUp cannot be synced at all.
//!
//! One `fetch-catalog` call reads one history page (`limit` = `pageSize`, default 25,
//! `order=ascending`, `statuses[]=SUCCESSFUL`, `types[]=PAYMENT`) and each listed
//! transaction's detail. Paging follows the `next` link's `oldest_ref`; the cursor keeps the
//! last transaction seen, so an incremental run reads only sales made since (and emits only
//! the items they sold). A full run starts at `since` (if configured) or at the beginning of
//! the history; items whose only sales were refunded or fall before `since` are then
//! deactivated by the host.
//!
//! Sales: SumUp has no operation that records a sale made elsewhere (transactions come only
//! from payments through checkouts or card readers), so `push-sales` is `unsupported`.

mod mapping;
mod model;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{internal, invalid_config, unsupported};
use beep_sdk::http::{Request, Response};
use beep_sdk::types::{CatalogPage, ConnectorError, Product, PushResult, Sale};
use serde::{Deserialize, Serialize};

/// History items per page (and so detail reads per call) unless configured.
pub const DEFAULT_PAGE_SIZE: u32 = 25;
/// One call makes `pageSize + 1` requests: stay well inside the host's request budget.
pub const MAX_PAGE_SIZE: u32 = 50;

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "SumUp POS (transaction history)",
  "type": "object",
  "required": ["apiKey", "merchantCode"],
  "properties": {
    "apiKey": {"type": "string", "minLength": 1, "writeOnly": true, "description": "SumUp API key (sup_sk_…) or an OAuth2 access token with transactions.history, sent as Authorization: Bearer"},
    "merchantCode": {"type": "string", "pattern": "^[A-Za-z0-9]+$", "description": "The merchant code whose sales are read (e.g. MH4H92C7)"},
    "baseUrl": {"type": "string", "format": "uri", "description": "Origin of the API; default https://api.sumup.com"},
    "pageSize": {"type": "integer", "minimum": 1, "maximum": 50, "default": 25, "description": "Transactions per history page"},
    "since": {"type": "string", "format": "date-time", "description": "Full runs read sales from this time on (default: the whole history)"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    api_key: beep_sdk::config::Secret,
    merchant_code: String,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    page_size: Option<u32>,
    #[serde(default)]
    since: Option<String>,
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        if cfg.api_key.trim().is_empty() {
            return Err(invalid_config("config: apiKey must not be empty"));
        }
        if cfg.merchant_code.is_empty()
            || !cfg.merchant_code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(invalid_config(
                "config: merchantCode must be a SumUp merchant code (letters and digits)",
            ));
        }
        if let Some(base) = &cfg.base_url
            && !(base.starts_with("https://") || base.starts_with("http://"))
        {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if cfg.page_size.is_some_and(|n| n == 0 || n > MAX_PAGE_SIZE) {
            return Err(invalid_config(format!(
                "config: pageSize must be 1..={MAX_PAGE_SIZE}"
            )));
        }
        if let Some(since) = &cfg.since {
            let b = since.as_bytes();
            if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
                return Err(invalid_config(
                    "config: since must be an RFC 3339 date-time (2026-01-01T00:00:00Z)",
                ));
            }
        }
        Ok(cfg)
    }

    fn origin(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or("https://api.sumup.com")
            .trim_end_matches('/')
    }

    fn merchant_url(&self, rest: &str) -> String {
        format!(
            "{}/v2.1/merchants/{}/{rest}",
            self.origin(),
            self.merchant_code
        )
    }

    fn request(&self, req: Request) -> Request {
        req.bearer(&self.api_key)
            .header("accept", "application/json")
    }
}

/// Non-2xx answers as the contract's errors, with SumUp's reason. A 404 on the merchant's
/// own resources means the merchant code is not this key's.
fn check(cfg: &Config, resp: Response) -> Result<Response, ConnectorError> {
    let status = resp.status;
    match resp.error_for_status_with(|r| mapping::error_message(&r.body)) {
        Err(ConnectorError::NotFound(m)) if status == 404 => Err(invalid_config(format!(
            "merchantCode {}: {m}",
            cfg.merchant_code
        ))),
        other => other,
    }
}

/// Sends a request; the seam that native tests replace.
trait Api {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError>;
}

struct Http;

impl Api for Http {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
        req.send()
    }
}

/// The opaque cursor: the last transaction (event ref) read.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(default)]
struct HistoryCursor {
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<String>,
}

fn fetch_catalog(
    cfg: &Config,
    api: &mut dyn Api,
    cursor: Option<&str>,
) -> Result<CatalogPage, ConnectorError> {
    let st: HistoryCursor = Cursor::decode(cursor)?;
    let limit = cfg.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let mut query: Vec<(&str, String)> = vec![
        ("order", "ascending".into()),
        ("limit", limit.to_string()),
        ("statuses[]", "SUCCESSFUL".into()),
        ("types[]", "PAYMENT".into()),
    ];
    match (&st.after, &cfg.since) {
        (Some(after), _) => query.push(("oldest_ref", after.clone())),
        (None, Some(since)) => query.push(("oldest_time", since.clone())),
        (None, None) => {}
    }
    let req = cfg.request(Request::get(cfg.merchant_url("transactions/history")).query(&query));
    let history: model::HistoryPage = check(cfg, api.send(req)?)?.json()?;

    // Items in sale order; a later sale of the same item replaces the earlier one.
    let mut products: Vec<Product> = Vec::new();
    for item in &history.items {
        let Some(id) = item.key() else {
            return Err(internal("a history item without transaction_id"));
        };
        let req = cfg.request(Request::get(cfg.merchant_url("transactions")).query(&[("id", id)]));
        let resp = api.send(req)?;
        if resp.status == 404 {
            // Gone between the list and the read: nothing to learn from it.
            continue;
        }
        let full: model::TransactionFull = check(cfg, resp)?.json()?;
        let currency = full.currency.as_deref().unwrap_or("EUR");
        for sold in &full.products {
            if let Some(p) = mapping::product(sold, currency)? {
                match products.iter_mut().find(|q| q.external_id == p.external_id) {
                    Some(q) => *q = p,
                    None => products.push(p),
                }
            }
        }
    }

    let last = history
        .items
        .iter()
        .rev()
        .find_map(|i| i.key())
        .map(str::to_string);
    let has_more = mapping::has_next(&history.links) && !history.items.is_empty();
    let after = if has_more {
        mapping::next_ref(&history.links).or(last)
    } else {
        last.or(st.after)
    };
    Ok(CatalogPage {
        products,
        categories: Vec::new(),
        price_updates: Vec::new(),
        next_cursor: Some(Cursor::encode(&HistoryCursor { after })?),
        has_more,
    })
}

const NO_SALES_API: &str = "SumUp's API has no operation to record a sale made elsewhere \
(its transactions come only from payments through checkouts or card readers); BEEP! sales \
stay in BEEP! and reach SumUp only as the payments made there";

struct SumupPos;

beep_sdk::describe!(pos SumupPos {
    name: "sumup-pos",
    systems: ["sumup"],
    hosts: ["https://api.sumup.com"],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::pos::Pos for SumupPos {
    fn fetch_catalog(
        config: String,
        cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_catalog(&cfg, &mut Http, cursor.as_deref())
    }

    fn push_sales(config: String, _sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        Config::parse(&config)?;
        Err(unsupported(NO_SALES_API))
    }
}

beep_sdk::export_pos!(SumupPos);

#[cfg(test)]
mod tests {
    use super::*;

    /// Money has no PartialEq (generated binding): compare EUR amounts.
    fn eur(m: &Option<beep_sdk::types::Money>) -> Option<i64> {
        m.as_ref().map(|m| {
            assert_eq!(m.currency, "EUR");
            m.amount
        })
    }
    use serde_json::{Value, json};

    fn config(extra: &str) -> Config {
        Config::parse(&format!(
            r#"{{"apiKey":"sup_sk_x","merchantCode":"MC1","baseUrl":"http://127.0.0.1:9/sumup/"{extra}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn config_and_describe() {
        let cfg = config("");
        assert_eq!(
            cfg.merchant_url("transactions/history"),
            "http://127.0.0.1:9/sumup/v2.1/merchants/MC1/transactions/history"
        );
        for bad in [
            r#"{"merchantCode":"MC1"}"#,
            r#"{"apiKey":" ","merchantCode":"MC1"}"#,
            r#"{"apiKey":"k","merchantCode":"MC1/../x"}"#,
            r#"{"apiKey":"k","merchantCode":"MC1","baseUrl":"ftp://x"}"#,
            r#"{"apiKey":"k","merchantCode":"MC1","pageSize":0}"#,
            r#"{"apiKey":"k","merchantCode":"MC1","pageSize":51}"#,
            r#"{"apiKey":"k","merchantCode":"MC1","since":"yesterday"}"#,
        ] {
            assert!(
                matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
                "{bad}"
            );
        }
        use beep_sdk::pos::Describe;
        let info = SumupPos::describe();
        assert_eq!(info.name, "sumup-pos");
        assert_eq!(info.systems, vec!["sumup".to_string()]);
        let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["required"], json!(["apiKey", "merchantCode"]));
    }

    /// A fake SumUp answering like the simulator.
    #[derive(Default)]
    struct Fake {
        /// (transaction_id, products)
        sales: Vec<(String, Vec<Value>)>,
        requests: Vec<String>,
        fail_next: Option<Response>,
    }

    fn ok(body: Value) -> Response {
        Response {
            status: 200,
            headers: vec![],
            body: serde_json::to_vec(&body).unwrap(),
        }
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        url.split_once('?')
            .map(|(_, q)| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    impl Api for Fake {
        fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
            let path = req.url.split_once("/sumup").unwrap().1.to_string();
            self.requests.push(path.clone());
            assert!(req.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v == "Bearer sup_sk_x"));
            if let Some(resp) = self.fail_next.take() {
                return Ok(resp);
            }
            let q = query_of(&path);
            let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
            if path.starts_with("/v2.1/merchants/MC1/transactions/history") {
                let limit: usize = get("limit").unwrap().parse().unwrap();
                let after = get("oldest_ref");
                let rest: Vec<&(String, Vec<Value>)> = self
                    .sales
                    .iter()
                    .filter(|(id, _)| after.as_ref().is_none_or(|a| id > a))
                    .collect();
                let page: Vec<Value> = rest
                    .iter()
                    .take(limit)
                    .map(|(id, _)| json!({"transaction_id": id, "transaction_code": format!("T{id}")}))
                    .collect();
                let links = if rest.len() > limit {
                    json!([{"rel": "next", "href": format!("limit={limit}&oldest_ref={}&order=ascending", rest[limit - 1].0)}])
                } else {
                    json!([])
                };
                return Ok(ok(json!({"items": page, "links": links})));
            }
            if path.starts_with("/v2.1/merchants/MC1/transactions?") {
                let id = get("id").unwrap();
                let (_, products) = self.sales.iter().find(|(i, _)| *i == id).unwrap();
                return Ok(ok(
                    json!({"id": id, "currency": "EUR", "products": products}),
                ));
            }
            panic!("unexpected {path}");
        }
    }

    fn item(name: &str, gross: f64) -> Value {
        json!({"name": name, "price_with_vat": gross, "vat_rate": 0.19, "quantity": 1})
    }

    fn fake() -> Fake {
        let sales = (1..=7)
            .map(|i| {
                (
                    format!("t{i:03}"),
                    vec![
                        item(&format!("Item {}", i % 3), 1.0 + i as f64),
                        item("Espresso", 2.5),
                    ],
                )
            })
            .collect();
        Fake {
            sales,
            ..Fake::default()
        }
    }

    fn run(cfg: &Config, api: &mut Fake, cursor: Option<String>) -> (Vec<Product>, usize, String) {
        let mut cursor = cursor;
        let (mut all, mut calls) = (Vec::new(), 0);
        loop {
            let page = fetch_catalog(cfg, api, cursor.as_deref()).unwrap();
            calls += 1;
            assert!(page.categories.is_empty() && page.price_updates.is_empty());
            all.extend(page.products);
            cursor = page.next_cursor;
            if !page.has_more {
                return (all, calls, cursor.unwrap());
            }
            assert!(calls < 50);
        }
    }

    #[test]
    fn history_pages_then_only_new_sales() {
        let cfg = config(r#","pageSize":3"#);
        let mut api = fake();
        let (products, calls, next) = run(&cfg, &mut api, None);
        assert_eq!(calls, 3);
        // Per page each item once, the latest sale's price winning.
        let mut names: Vec<&str> = products.iter().map(|p| p.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names, ["Espresso", "Item 0", "Item 1", "Item 2"]);
        let last_item1 = products.iter().rfind(|p| p.name == "Item 1").unwrap();
        assert_eq!(eur(&last_item1.price), Some(800));
        assert_eq!(
            api.requests[0],
            "/v2.1/merchants/MC1/transactions/history?order=ascending&limit=3&statuses%5B%5D=SUCCESSFUL&types%5B%5D=PAYMENT"
        );
        assert!(api.requests[1].starts_with("/v2.1/merchants/MC1/transactions?id=t001"));
        assert_eq!(next, r#"{"after":"t007"}"#);

        // Nothing new: one request, nothing emitted, the cursor stays.
        api.requests.clear();
        let (products, calls, again) = run(&cfg, &mut api, Some(next.clone()));
        assert_eq!((products.len(), calls, api.requests.len()), (0, 1, 1));
        assert!(api.requests[0].ends_with("oldest_ref=t007"));
        assert_eq!(again, next);

        // A new sale: exactly its items.
        api.sales.push(("t008".into(), vec![item("Espresso", 2.8)]));
        let (products, _, next) = run(&cfg, &mut api, Some(next));
        assert_eq!(products.len(), 1);
        assert_eq!(eur(&products[0].price), Some(280));
        assert_eq!(next, r#"{"after":"t008"}"#);

        // `since` starts a full run there.
        let since = config(r#","since":"2026-11-01T00:00:00Z""#);
        api.requests.clear();
        fetch_catalog(&since, &mut api, None).unwrap();
        assert!(
            api.requests[0].contains("oldest_time=2026-11-01T00%3A00%3A00Z"),
            "{}",
            api.requests[0]
        );
    }

    #[test]
    fn vendor_errors_become_contract_errors() {
        let cfg = config("");
        let mut api = fake();
        api.fail_next = Some(Response {
            status: 401,
            headers: vec![],
            body: br#"{"type":"https://developer.sumup.com/problem/unauthorized","title":"Unauthorized","status":401,"detail":"Unauthorized."}"#.to_vec(),
        });
        match fetch_catalog(&cfg, &mut api, None) {
            Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Unauthorized."),
            other => panic!("{other:?}"),
        }
        api.fail_next = Some(Response {
            status: 404,
            headers: vec![],
            body: br#"{"type":"x","title":"Not Found","status":404,"detail":"The requested Merchant does not exist."}"#.to_vec(),
        });
        match fetch_catalog(&cfg, &mut api, None) {
            Err(ConnectorError::InvalidConfig(m)) => {
                assert!(m.contains("MC1") && m.contains("does not exist"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        api.fail_next = Some(Response {
            status: 429,
            headers: vec![("Retry-After".into(), "2".into())],
            body: b"{}".to_vec(),
        });
        assert!(matches!(
            fetch_catalog(&cfg, &mut api, None),
            Err(ConnectorError::RateLimited(Some(2)))
        ));
        assert!(matches!(
            fetch_catalog(&cfg, &mut api, Some("{")),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }

    #[test]
    fn sales_cannot_be_pushed() {
        use beep_sdk::pos::Pos;
        let err = SumupPos::push_sales(r#"{"apiKey":"k","merchantCode":"MC1"}"#.into(), vec![])
            .unwrap_err();
        assert!(
            matches!(err, ConnectorError::Unsupported(m) if m.contains("no operation to record a sale"))
        );
    }
}

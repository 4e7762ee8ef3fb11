//! BEEP! Connect POS connector for Lightspeed Retail X-Series
//! (`https://{domain_prefix}.retail.lightspeed.app`, `Authorization: Bearer <token>`).
//!
//! Catalogue, one list request per call (more only while lists come back empty):
//! `GET /api/2.0/product_categories` (paged by `after=<last_seen id>`, not versioned: read
//! in full every run; an incremental run emits only pages whose digest changed) →
//! `GET /api/2.0/products` → `GET /api/2.0/price_book_products` (price updates). The two
//! versioned lists page by `after=<version>&page_size=1000`; `version.max` of each answer
//! is where the list resumes, and a list ends with an empty page (as Lightspeed documents).
//! Incremental runs ask for deleted products too (`deleted=true`): they arrive inactive.
//! Product tax rates are implied by `price_including_tax / price_excluding_tax` (the 2.0
//! product carries no tax id).
//!
//! Sales: `POST /api/register_sales` (API 0.9, beside /api/2.0) per sale, `status`
//! CLOSED, BEEP!'s sale id as `source_id` (the receipt number as `invoice_number`) so that
//! a resend is recognised (see [`mapping::push_outcome`]). Lines without a product id are
//! resolved by `GET /api/2.0/products?sku=…`.

mod mapping;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{invalid_config, not_found};
use beep_sdk::http::{Request, Response};
use beep_sdk::money;
use beep_sdk::transport::{Transport, Wasi};
use beep_sdk::types::{CatalogPage, ConnectorError, PushOutcome, PushResult, Sale};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Objects per versioned list request.
pub const PAGE_SIZE: usize = 1000;
/// Requests one `fetch-catalog` call may make while lists come back empty.
pub const MAX_REQUESTS_PER_CALL: usize = 6;

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Lightspeed Retail X-Series",
  "type": "object",
  "required": ["token", "domainPrefix"],
  "properties": {
    "token": {"type": "string", "minLength": 1, "description": "Personal access token (Bearer)", "writeOnly": true},
    "domainPrefix": {"type": "string", "pattern": "^[A-Za-z0-9-]+$", "description": "The store's domain prefix: {domainPrefix}.retail.lightspeed.app"},
    "baseUrl": {"type": "string", "format": "uri", "description": "Origin of the API; default https://{domainPrefix}.retail.lightspeed.app"},
    "registerId": {"type": "string", "description": "Register that records BEEP! sales (required to push sales)"},
    "userId": {"type": "string", "description": "User recorded as the sales' cashier (optional)"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR", "description": "ISO 4217 currency of the store"},
    "paymentTypes": {"type": "object", "additionalProperties": {"type": "string"}, "description": "BEEP! payment method (card, cash, wallet, …, or default) → retailer_payment_type_id"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    token: beep_sdk::config::Secret,
    domain_prefix: String,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    register_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    payment_types: BTreeMap<String, String>,
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        if cfg.token.trim().is_empty() {
            return Err(invalid_config("config: token must not be empty"));
        }
        if cfg.domain_prefix.is_empty()
            || !cfg
                .domain_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(invalid_config(
                "config: domainPrefix must be the store's domain prefix (letters, digits, -)",
            ));
        }
        if let Some(base) = &cfg.base_url
            && !(base.starts_with("https://") || base.starts_with("http://"))
        {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if money::exponent(cfg.currency()).is_none() {
            return Err(invalid_config(format!(
                "config: unknown currency {:?}",
                cfg.currency()
            )));
        }
        Ok(cfg)
    }

    fn origin(&self) -> String {
        match &self.base_url {
            Some(b) => b.trim_end_matches('/').to_string(),
            None => format!("https://{}.retail.lightspeed.app", self.domain_prefix),
        }
    }

    fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("EUR")
    }

    /// `{origin}/api/2.0/{resource}`
    fn url(&self, resource: &str) -> String {
        format!("{}/api/2.0/{resource}", self.origin())
    }

    fn request(&self, req: Request) -> Request {
        req.bearer(&self.token).header("accept", "application/json")
    }
}

/// Non-2xx answers as the contract's errors, with Lightspeed's message.
fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| mapping::error_message(&r.body))
}

fn get_json<T: DeserializeOwned>(
    cfg: &Config,
    api: &mut dyn Transport,
    resource: &str,
    query: &[(&str, String)],
) -> Result<T, ConnectorError> {
    let req = cfg.request(Request::get(cfg.url(resource)).query(query));
    check(api.send(req)?)?.json()
}

// ---- catalogue -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
enum Stage {
    #[default]
    Categories,
    Products,
    PriceBookProducts,
}

/// Highest version seen per versioned list.
#[derive(Serialize, Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase", default)]
struct Versions {
    products: u64,
    price_book_products: u64,
}

/// The opaque cursor, as JSON.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(rename_all = "camelCase", default)]
struct CatalogCursor {
    stage: Stage,
    /// From the second run on: changes only (and deleted products).
    incremental: bool,
    /// `last_seen` category of the previous page, inside the categories stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    category_after: Option<String>,
    /// Digests of the category pages of the last complete read (to skip unchanged ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    category_pages: Vec<u64>,
    /// Digests of this run's category pages so far.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    category_pages_now: Vec<u64>,
    versions: Versions,
}

impl CatalogCursor {
    fn next_run(&self) -> CatalogCursor {
        CatalogCursor {
            incremental: true,
            category_pages: self.category_pages.clone(),
            versions: self.versions,
            ..CatalogCursor::default()
        }
    }
}

fn versioned_query(after: u64, deleted: bool) -> Vec<(&'static str, String)> {
    let mut q = vec![("page_size", PAGE_SIZE.to_string())];
    if after > 0 {
        q.push(("after", after.to_string()));
    }
    if deleted {
        q.push(("deleted", "true".to_string()));
    }
    q
}

/// Where a versioned list resumes after a page: `version.max`, else the page's highest
/// object version, never behind `after`.
fn resume_at<T>(
    list: &mapping::Collection<T>,
    after: u64,
    version: impl Fn(&T) -> Option<u64>,
) -> u64 {
    let from_objects = list.data.iter().filter_map(version).max().unwrap_or(0);
    list.version
        .and_then(|v| v.max)
        .unwrap_or(0)
        .max(from_objects)
        .max(after)
}

/// Reads the next page of the current stage into `page`; true when the run is complete.
fn step(
    cfg: &Config,
    api: &mut dyn Transport,
    st: &mut CatalogCursor,
    page: &mut beep_sdk::types::CatalogPage,
) -> Result<bool, ConnectorError> {
    match st.stage {
        Stage::Categories => {
            let mut q = vec![("page_size", PAGE_SIZE.to_string())];
            if let Some(after) = &st.category_after {
                q.push(("after", after.clone()));
            }
            let list: mapping::CategoryList = get_json(cfg, api, "product_categories", &q)?;
            let cats = &list.data.categories;
            let digest = mapping::digest(cats);
            let index = st.category_pages_now.len();
            if !st.incremental || st.category_pages.get(index) != Some(&digest) {
                page.categories.extend(cats.iter().map(mapping::category));
            }
            st.category_pages_now.push(digest);
            let next = list.page_info.last_seen.clone();
            if list.page_info.has_next
                && !cats.is_empty()
                && next.is_some()
                && next != st.category_after
            {
                st.category_after = next;
            } else {
                st.category_pages = std::mem::take(&mut st.category_pages_now);
                st.category_after = None;
                st.stage = Stage::Products;
            }
        }
        Stage::Products => {
            let after = st.versions.products;
            let list: mapping::Collection<mapping::LsProduct> = get_json(
                cfg,
                api,
                "products",
                &versioned_query(after, st.incremental),
            )?;
            for p in &list.data {
                page.products.push(mapping::product(p, cfg.currency())?);
            }
            st.versions.products = resume_at(&list, after, |p| p.version);
            if list.data.is_empty() {
                st.stage = Stage::PriceBookProducts;
            }
        }
        Stage::PriceBookProducts => {
            let after = st.versions.price_book_products;
            let list: mapping::Collection<mapping::LsPriceBookProduct> = get_json(
                cfg,
                api,
                "price_book_products",
                &versioned_query(after, false),
            )?;
            for e in &list.data {
                page.price_updates
                    .extend(mapping::price_update(e, cfg.currency())?);
            }
            st.versions.price_book_products = resume_at(&list, after, |e| e.version);
            return Ok(list.data.is_empty());
        }
    }
    Ok(false)
}

fn fetch_catalog(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<CatalogPage, ConnectorError> {
    let mut st: CatalogCursor = Cursor::decode(cursor)?;
    let mut page = CatalogPage {
        products: vec![],
        categories: vec![],
        price_updates: vec![],
        next_cursor: None,
        has_more: true,
    };
    for _ in 0..MAX_REQUESTS_PER_CALL {
        if step(cfg, api, &mut st, &mut page)? {
            page.has_more = false;
            page.next_cursor = Some(Cursor::encode(&st.next_run())?);
            return Ok(page);
        }
        if !(page.products.is_empty()
            && page.categories.is_empty()
            && page.price_updates.is_empty())
        {
            break;
        }
    }
    page.next_cursor = Some(Cursor::encode(&st)?);
    Ok(page)
}

// ---- sales -------------------------------------------------------------------------------

/// The Lightspeed product id of each line: its `product-id`, else looked up by SKU.
fn product_ids(
    cfg: &Config,
    api: &mut dyn Transport,
    sale: &Sale,
    by_sku: &mut HashMap<String, Option<String>>,
) -> Result<Result<Vec<String>, ConnectorError>, ConnectorError> {
    let mut ids = Vec::with_capacity(sale.lines.len());
    for line in &sale.lines {
        if let Some(id) = line.product_id.as_ref().filter(|i| !i.is_empty()) {
            ids.push(id.clone());
            continue;
        }
        let Some(sku) = line.sku.as_ref().filter(|s| !s.is_empty()) else {
            return Ok(Err(not_found(format!(
                "line {:?} has neither a product id nor a SKU",
                line.name
            ))));
        };
        if !by_sku.contains_key(sku) {
            let list: mapping::Collection<mapping::LsProduct> =
                get_json(cfg, api, "products", &[("sku", sku.clone())])?;
            let found = list
                .data
                .iter()
                .find(|p| p.sku.as_deref() == Some(sku.as_str()))
                .map(|p| p.id.clone());
            by_sku.insert(sku.clone(), found);
        }
        match &by_sku[sku] {
            Some(id) => ids.push(id.clone()),
            None => {
                return Ok(Err(not_found(format!(
                    "no Lightspeed product with SKU {sku:?}"
                ))));
            }
        }
    }
    Ok(Ok(ids))
}

fn push_sales(
    cfg: &Config,
    api: &mut dyn Transport,
    sales: &[Sale],
) -> Result<Vec<PushResult>, ConnectorError> {
    let register_id = cfg
        .register_id
        .as_deref()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| invalid_config("config: registerId is required to push sales"))?;
    let ctx = mapping::SaleCtx {
        register_id,
        user_id: cfg.user_id.as_deref(),
        currency: cfg.currency(),
        payment_types: &cfg.payment_types,
    };
    let url = format!("{}/api/register_sales", cfg.origin());
    let mut by_sku = HashMap::new();
    let mut results = Vec::with_capacity(sales.len());
    for sale in sales {
        let built = product_ids(cfg, api, sale, &mut by_sku)?
            .and_then(|ids| mapping::register_sale(sale, &ids, &ctx));
        let outcome = match built {
            Err(e) => PushOutcome::Rejected(e),
            Ok(body) => {
                let resp = api.send(cfg.request(Request::post(&url)).json(&body)?)?;
                match mapping::push_outcome(resp.status, &resp.body, &sale.id) {
                    Some(outcome) => outcome,
                    // Anything else fails the call: the host resends every sale, and the
                    // ones Lightspeed already has come back as duplicates.
                    None => {
                        return Err(check(resp).err().unwrap_or_else(|| {
                            beep_sdk::error::internal("unexpected register_sales answer")
                        }));
                    }
                }
            }
        };
        results.push(PushResult {
            id: sale.id.clone(),
            outcome,
        });
    }
    Ok(results)
}

// ---- exports -----------------------------------------------------------------------------

struct Lightspeed;

beep_sdk::describe!(pos Lightspeed {
    name: "lightspeed",
    systems: ["lightspeed"],
    hosts: ["https://*.retail.lightspeed.app"],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::pos::Pos for Lightspeed {
    fn fetch_catalog(
        config: String,
        cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_catalog(&cfg, &mut Wasi, cursor.as_deref())
    }

    fn push_sales(config: String, sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = Config::parse(&config)?;
        push_sales(&cfg, &mut Wasi, &sales)
    }
}

beep_sdk::export_pos!(Lightspeed);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn config() -> Config {
        Config::parse(r#"{"token":"t","domainPrefix":"shop","baseUrl":"http://127.0.0.1:9/lightspeed/","registerId":"reg","paymentTypes":{"card":"pt"}}"#).unwrap()
    }

    #[test]
    fn config_and_urls() {
        let cfg = config();
        assert_eq!(
            cfg.url("products"),
            "http://127.0.0.1:9/lightspeed/api/2.0/products"
        );
        let d = Config::parse(r#"{"token":"t","domainPrefix":"my-shop"}"#).unwrap();
        assert_eq!(
            d.url("products"),
            "https://my-shop.retail.lightspeed.app/api/2.0/products"
        );
        assert_eq!(d.currency(), "EUR");
        for bad in [
            r#"{"domainPrefix":"x"}"#,
            r#"{"token":"","domainPrefix":"x"}"#,
            r#"{"token":"t","domainPrefix":"a.evil.com/"}"#,
            r#"{"token":"t","domainPrefix":"x","baseUrl":"ftp://x"}"#,
            r#"{"token":"t","domainPrefix":"x","currency":"XYZ"}"#,
        ] {
            assert!(
                matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
                "{bad}"
            );
        }
        use beep_sdk::pos::Describe;
        let info = Lightspeed::describe();
        assert_eq!(info.name, "lightspeed");
        assert_eq!(
            info.hosts,
            vec!["https://*.retail.lightspeed.app".to_string()]
        );
        let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["required"], json!(["token", "domainPrefix"]));
    }

    /// A fake Lightspeed answering like the simulator: versioned lists, categories by id.
    #[derive(Default)]
    struct Fake {
        products: Vec<Value>,
        price_book: Vec<Value>,
        categories: Vec<Value>,
        requests: Vec<String>,
        fail_next: Option<Response>,
        stored: Vec<String>,
    }

    fn ok(body: Value) -> Response {
        Response {
            status: 200,
            headers: vec![],
            body: serde_json::to_vec(&body).unwrap(),
        }
    }

    fn query_of(url: &str) -> HashMap<String, String> {
        url.split_once('?')
            .map(|(_, q)| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    impl Transport for Fake {
        fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
            let path = req.url.split_once("/lightspeed").unwrap().1.to_string();
            self.requests.push(path.clone());
            if let Some(resp) = self.fail_next.take() {
                return Ok(resp);
            }
            let q = query_of(&path);
            let after: u64 = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
            let versioned = |list: &[Value]| {
                let data: Vec<Value> = list
                    .iter()
                    .filter(|v| v["version"].as_u64().unwrap() > after)
                    .take(PAGE_SIZE)
                    .cloned()
                    .collect();
                let max = data.iter().map(|v| v["version"].as_u64().unwrap()).max();
                ok(json!({"data": data, "version": max.map(|m| json!({"min": 0, "max": m}))}))
            };
            if path.starts_with("/api/2.0/products") {
                if let Some(sku) = q.get("sku") {
                    let data: Vec<Value> = self
                        .products
                        .iter()
                        .filter(|p| p["sku"] == sku.as_str())
                        .cloned()
                        .collect();
                    return Ok(ok(json!({"data": data})));
                }
                return Ok(versioned(&self.products));
            }
            if path.starts_with("/api/2.0/price_book_products") {
                return Ok(versioned(&self.price_book));
            }
            if path.starts_with("/api/2.0/product_categories") {
                let start = match q.get("after") {
                    Some(a) => {
                        self.categories
                            .iter()
                            .position(|c| c["id"] == a.as_str())
                            .unwrap()
                            + 1
                    }
                    None => 0,
                };
                let page: Vec<Value> = self.categories[start..].iter().take(2).cloned().collect();
                let has_next = start + page.len() < self.categories.len();
                return Ok(ok(
                    json!({"data": {"categories": page}, "page_info": {"has_next": has_next, "last_seen": page.last().map(|c| c["id"].clone())}}),
                ));
            }
            if path == "/api/register_sales" {
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                let source = body["source_id"].as_str().unwrap().to_string();
                let status = if self.stored.contains(&source) {
                    200
                } else {
                    self.stored.push(source.clone());
                    201
                };
                let mut resp = ok(
                    json!({"register_sale": {"id": format!("ls-{source}"), "source_id": source}}),
                );
                resp.status = status;
                return Ok(resp);
            }
            panic!("unexpected {path}");
        }
    }

    fn fake(n: u64) -> Fake {
        let categories = (0..3)
            .map(|i| json!({"id": format!("c{i}"), "name": format!("Cat {i}")}))
            .collect();
        let products = (1..=n).map(|i| json!({
            "id": format!("p{i}"), "sku": format!("{}", 1000 + i), "name": format!("P {i}"), "active": true,
            "price_including_tax": 1.19, "price_excluding_tax": 1.0, "product_type_id": "c1", "version": i
        })).collect();
        let price_book = (0..4).map(|i| json!({"product_id": format!("p{}", i + 1), "price_book_id": "pb", "default_display_price": 0.99, "version": 100_000 + i})).collect();
        Fake {
            products,
            price_book,
            categories,
            ..Fake::default()
        }
    }

    fn run(api: &mut Fake, cursor: Option<String>) -> (usize, usize, usize, usize, String) {
        let cfg = config();
        let (mut p, mut c, mut u, mut calls) = (0, 0, 0, 0);
        let mut cursor = cursor;
        loop {
            let page = fetch_catalog(&cfg, api, cursor.as_deref()).unwrap();
            calls += 1;
            p += page.products.len();
            c += page.categories.len();
            u += page.price_updates.len();
            cursor = page.next_cursor.clone();
            if !page.has_more {
                return (p, c, u, calls, cursor.unwrap());
            }
            assert!(calls < 100);
        }
    }

    #[test]
    fn full_then_incremental_runs() {
        let mut api = fake(2500);
        let (p, c, u, calls, next) = run(&mut api, None);
        assert_eq!((p, c, u), (2500, 3, 4));
        // 2 category pages, 3 product pages, price book, the price book's empty end.
        assert_eq!(calls, 7);
        let st: CatalogCursor = Cursor::decode(Some(&next)).unwrap();
        assert!(st.incremental);
        assert_eq!(
            st.versions,
            Versions {
                products: 2500,
                price_book_products: 100_003
            }
        );
        assert_eq!(st.category_pages.len(), 2);

        // Nothing changed: one call, nothing emitted.
        api.requests.clear();
        let (p, c, u, calls, again) = run(&mut api, Some(next.clone()));
        assert_eq!((p, c, u, calls), (0, 0, 0, 1));
        assert_eq!(
            api.requests,
            [
                "/api/2.0/product_categories?page_size=1000",
                "/api/2.0/product_categories?page_size=1000&after=c1",
                "/api/2.0/products?page_size=1000&after=2500&deleted=true",
                "/api/2.0/price_book_products?page_size=1000&after=100003",
            ]
        );
        assert_eq!(again, next);

        // One product changes and a category is renamed: exactly those arrive.
        let mut changed = api.products.remove(3);
        changed["version"] = json!(100_004);
        changed["name"] = json!("renamed");
        api.products.push(changed);
        api.categories[2]["name"] = json!("Renamed");
        let (p, c, u, _, next) = run(&mut api, Some(next));
        assert_eq!((p, c, u), (1, 1, 0));
        let st: CatalogCursor = Cursor::decode(Some(&next)).unwrap();
        assert_eq!(st.versions.products, 100_004);
    }

    #[test]
    fn vendor_errors_become_contract_errors() {
        let cfg = config();
        let mut api = fake(1);
        api.fail_next = Some(Response {
            status: 429,
            headers: vec![("Retry-After".into(), "1".into())],
            body: br#"{"error":"Too Many Requests"}"#.to_vec(),
        });
        assert!(matches!(
            fetch_catalog(&cfg, &mut api, None),
            Err(ConnectorError::RateLimited(Some(1)))
        ));
        api.fail_next = Some(Response {
            status: 401,
            headers: vec![],
            body: br#"{"error":"Access token is not valid"}"#.to_vec(),
        });
        match fetch_catalog(&cfg, &mut api, None) {
            Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Access token is not valid"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            fetch_catalog(&cfg, &mut api, Some("{")),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }

    fn sale(id: &str, sku: &str) -> Sale {
        use beep_sdk::types::{SaleLine, SalePayment};
        let eur = |a| money::money(a, "EUR");
        Sale {
            id: id.into(),
            receipt_number: format!("R-{id}"),
            lines: vec![SaleLine {
                product_id: None,
                sku: Some(sku.into()),
                name: "x".into(),
                quantity: 1.0,
                unit_price: eur(119),
                total: eur(119),
                tax_rate_bps: Some(1900),
            }],
            total: eur(119),
            tax_total: None,
            payments: vec![SalePayment {
                method: "card".into(),
                amount: eur(119),
                reference: None,
            }],
            created_at: "2026-06-01T12:00:00Z".into(),
        }
    }

    #[test]
    fn sales_are_pushed_once_each() {
        let cfg = config();
        let mut api = fake(3);
        let sales = [sale("a", "1001"), sale("b", "9999"), sale("c", "1001")];
        let r = push_sales(&cfg, &mut api, &sales).unwrap();
        assert!(matches!(&r[0].outcome, PushOutcome::Created(Some(id)) if id == "ls-a"));
        assert!(matches!(
            &r[1].outcome,
            PushOutcome::Rejected(ConnectorError::NotFound(_))
        ));
        assert!(matches!(&r[2].outcome, PushOutcome::Created(_)));
        // One SKU lookup for both sales of 1001.
        assert_eq!(
            api.requests
                .iter()
                .filter(|p| p.contains("sku=1001"))
                .count(),
            1
        );
        let r = push_sales(&cfg, &mut api, &sales[..1]).unwrap();
        assert!(matches!(&r[0].outcome, PushOutcome::Duplicate(Some(_))));
        api.fail_next = Some(Response {
            status: 500,
            headers: vec![],
            body: br#"{"error":"Internal Server Error"}"#.to_vec(),
        });
        let mut with_id = sale("d", "1001");
        with_id.lines[0].product_id = Some("p1".into());
        assert!(
            matches!(push_sales(&cfg, &mut api, &[with_id]), Err(ConnectorError::Upstream(e)) if e.status == 500)
        );
        let no_register = Config::parse(r#"{"token":"t","domainPrefix":"x"}"#).unwrap();
        assert!(matches!(
            push_sales(&no_register, &mut api, &[]),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }
}

//! BEEP! Connect POS connector for KORONA.cloud (API v3, `https://{n}.koronacloud.com/web/api/v3`).
//!
//! Catalogue: `salesTaxes` and `sectors` (read in full every run, for the products' tax
//! rates) → `commodityGroups` (categories) → `products` → `prices` (price updates). Each
//! list is read in revision order with keyset paging: `sort=revision`, `page=1`,
//! `size=1000`, `revision=` the highest revision seen so far. Korona returns only objects
//! with a greater revision, so an object changed while a run pages through a list moves
//! behind the keyset and is read later in the same run, instead of shifting page
//! boundaries and being skipped as with `page=2,3,…`. The highest revision per type is the
//! cursor of the next (incremental) run, which also asks for deleted objects
//! (`includeDeleted=true`) so deletions arrive as inactive products.
//!
//! Sales: a batch `POST pointsOfSale/{pointOfSaleId}/receipts?couplingId=…`, the sale's id
//! as the receipt's id so that a resend is recognised (see [`mapping::push_outcome`]).

// Natively the crate only serves the unit tests (the exports are wasm-only, see below).

mod mapping;
mod model;
mod util;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{internal, invalid_config};
use beep_sdk::http::{Request, Response};
use beep_sdk::money;
use beep_sdk::types::{
    CatalogPage, ConnectorError, ConnectorInfo, ConnectorKind, PushOutcome, PushResult, Sale,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use model::{ResultList, Revisioned};

pub const DEFAULT_BASE_URL: &str = "https://www.koronacloud.com/web/api/v3";
/// Objects per list request. The spec gives no maximum; the simulator (and this
/// connector) assume 1000.
pub const PAGE_SIZE: usize = 1000;
/// Receipts per POST (the simulator's `BATCH_SIZE_OUT_OF_RANGE` limit).
pub const RECEIPT_BATCH: usize = 100;
/// Requests one `fetch-catalog` call may make when the lists it reads come back empty
/// (enough for a whole incremental run without changes).
pub const MAX_REQUESTS_PER_CALL: usize = 5;

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "KORONA.cloud",
  "type": "object",
  "required": ["accountId", "username", "password"],
  "properties": {
    "accountId": {"type": "string", "minLength": 1, "description": "KORONA.cloud account id (the {koronaAccountId} of the API)"},
    "username": {"type": "string", "minLength": 1, "description": "API user (HTTP Basic)"},
    "password": {"type": "string", "minLength": 1, "description": "API user's password", "writeOnly": true},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://www.koronacloud.com/web/api/v3", "description": "API base, e.g. https://167.koronacloud.com/web/api/v3"},
    "pointOfSaleId": {"type": "string", "format": "uuid", "description": "External point of sale that receives BEEP! receipts (required to push sales)"},
    "couplingId": {"type": "string", "description": "Coupling id of that point of sale (required to push sales)"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR", "description": "ISO 4217 currency of the account's prices"},
    "priceGroup": {"type": "string", "description": "Price group (id, number or name) whose prices are the products' prices; default: each product's first price group"},
    "paymentMethods": {"type": "object", "additionalProperties": {"type": "string"}, "description": "BEEP! payment method (card, cash, wallet, …) → Korona payment method number"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    account_id: String,
    username: String,
    password: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    point_of_sale_id: Option<String>,
    #[serde(default)]
    coupling_id: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    price_group: Option<String>,
    #[serde(default)]
    payment_methods: BTreeMap<String, String>,
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        if cfg.account_id.is_empty()
            || !cfg
                .account_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid_config(
                "config: accountId must be a KORONA.cloud account id",
            ));
        }
        let base = cfg.base();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
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

    fn base(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
    }

    fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("EUR")
    }

    /// `{baseUrl}/accounts/{accountId}/{path}`
    fn url(&self, path: &str) -> String {
        format!("{}/accounts/{}/{path}", self.base(), self.account_id)
    }

    fn request(&self, req: Request) -> Request {
        req.basic_auth(&self.username, &self.password)
            .header("accept", "application/json")
    }
}

/// Non-2xx answers as the contract's errors, with Korona's message (401 → unauthorized,
/// 429 → rate-limited with `Retry-After`, …).
fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| mapping::error_message(&r.body))
}

// ---- catalogue -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
enum Stage {
    #[default]
    SalesTaxes,
    Sectors,
    CommodityGroups,
    Products,
    Prices,
}

/// Highest revision seen per synced type.
#[derive(Serialize, Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase", default)]
struct Revisions {
    commodity_groups: u64,
    products: u64,
    prices: u64,
}

/// The opaque cursor, as JSON.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(rename_all = "camelCase", default)]
struct CatalogCursor {
    stage: Stage,
    /// Set from the second run on: changes only, deleted objects included.
    incremental: bool,
    /// Keyset position inside `salesTaxes`/`sectors`, which every run reads in full.
    after: u64,
    /// Where each synced type resumes: the next run starts from here.
    revisions: Revisions,
    /// Sales tax id → basis points (while reading sectors).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    sales_taxes: BTreeMap<String, u32>,
    /// Sector id → basis points (while reading products).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    sectors: BTreeMap<String, u32>,
}

impl CatalogCursor {
    /// The cursor that starts the next run once this one is complete.
    fn next_run(&self) -> CatalogCursor {
        CatalogCursor {
            incremental: true,
            revisions: self.revisions,
            ..CatalogCursor::default()
        }
    }
}

/// One list request: `resource?size=…&page=1&sort=revision[&revision=R][&includeDeleted=true]`.
struct ListRequest<'a> {
    resource: &'a str,
    after: u64,
    include_deleted: bool,
}

impl ListRequest<'_> {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("size", PAGE_SIZE.to_string()),
            ("page", "1".to_string()),
            ("sort", "revision".to_string()),
        ];
        // Without a revision Korona lists everything (no assumption about revision 0).
        if self.after > 0 {
            q.push(("revision", self.after.to_string()));
        }
        if self.include_deleted {
            q.push(("includeDeleted", "true".to_string()));
        }
        q
    }
}

/// A decoded list page plus what the keyset needs.
struct Fetched<T> {
    list: ResultList<T>,
    /// Unix seconds from the answer's `Date` header.
    now: Option<i64>,
}

impl<T: Revisioned> Fetched<T> {
    /// Highest revision on this page, at least `after`.
    fn last_revision(&self, after: u64) -> u64 {
        self.list
            .results
            .iter()
            .filter_map(Revisioned::revision)
            .fold(after, u64::max)
    }

    /// Whether the list ends with this page (we always ask for page 1 after the keyset).
    fn is_last(&self) -> bool {
        self.list.results.is_empty() || self.list.pages_total <= 1
    }

    /// Where this type resumes after this page: the highest revision seen, and at the end
    /// of the list the type's `maxRevision` (covers objects this run did not ask for,
    /// e.g. deleted ones during a full run).
    fn resume_at(&self, after: u64) -> Result<u64, ConnectorError> {
        let last = self.last_revision(after);
        if self.is_last() {
            return Ok(last.max(self.list.max_revision.unwrap_or(0)));
        }
        if last <= after {
            return Err(internal(
                "Korona listed a page without newer revisions; cannot advance",
            ));
        }
        Ok(last)
    }
}

/// Sends a list request; the seam that native tests replace.
trait Api {
    fn get(&mut self, req: &ListRequest) -> Result<Response, ConnectorError>;
}

struct Http<'a>(&'a Config);

impl Api for Http<'_> {
    fn get(&mut self, req: &ListRequest) -> Result<Response, ConnectorError> {
        let cfg = self.0;
        cfg.request(Request::get(cfg.url(req.resource)).query(&req.query()))
            .send()
    }
}

fn fetch<T: DeserializeOwned>(
    api: &mut dyn Api,
    req: &ListRequest,
) -> Result<Fetched<T>, ConnectorError> {
    let resp = check(api.get(req)?)?;
    let now = resp.header("date").and_then(util::parse_http_date);
    // 204: "the list is empty".
    let list = if resp.status == 204 || resp.body.is_empty() {
        ResultList::default()
    } else {
        resp.json()?
    };
    Ok(Fetched { list, now })
}

/// Reads the next list page of the current stage into `page`. Returns true when the run
/// is complete.
fn step(
    cfg: &Config,
    api: &mut dyn Api,
    st: &mut CatalogCursor,
    page: &mut CatalogPage,
) -> Result<bool, ConnectorError> {
    let include_deleted = st.incremental;
    match st.stage {
        Stage::SalesTaxes => {
            let req = ListRequest {
                resource: "salesTaxes",
                after: st.after,
                include_deleted: false,
            };
            let f: Fetched<model::SalesTax> = fetch(api, &req)?;
            for t in &f.list.results {
                if let Some(bps) = mapping::sales_tax_bps(t, f.now) {
                    st.sales_taxes.insert(t.id.clone(), bps);
                }
            }
            st.after = f.resume_at(st.after)?;
            if f.is_last() {
                (st.stage, st.after) = (Stage::Sectors, 0);
            }
        }
        Stage::Sectors => {
            let req = ListRequest {
                resource: "sectors",
                after: st.after,
                include_deleted: false,
            };
            let f: Fetched<model::Sector> = fetch(api, &req)?;
            for s in &f.list.results {
                if let Some(bps) = mapping::sector_bps(s, &st.sales_taxes) {
                    st.sectors.insert(s.id.clone(), bps);
                }
            }
            st.after = f.resume_at(st.after)?;
            if f.is_last() {
                (st.stage, st.after) = (Stage::CommodityGroups, 0);
                st.sales_taxes.clear();
            }
        }
        Stage::CommodityGroups => {
            let after = st.revisions.commodity_groups;
            let req = ListRequest {
                resource: "commodityGroups",
                after,
                include_deleted,
            };
            let f: Fetched<model::CommodityGroup> = fetch(api, &req)?;
            page.categories
                .extend(f.list.results.iter().filter_map(mapping::category));
            st.revisions.commodity_groups = f.resume_at(after)?;
            if f.is_last() {
                st.stage = Stage::Products;
            }
        }
        Stage::Products => {
            let after = st.revisions.products;
            let req = ListRequest {
                resource: "products",
                after,
                include_deleted,
            };
            let f: Fetched<model::Product> = fetch(api, &req)?;
            let ctx = mapping::Ctx {
                currency: cfg.currency(),
                price_group: cfg.price_group.as_deref(),
                now: f.now,
                sectors: &st.sectors,
            };
            for p in &f.list.results {
                page.products.push(mapping::product(p, &ctx)?);
            }
            st.revisions.products = f.resume_at(after)?;
            if f.is_last() {
                st.stage = Stage::Prices;
            }
        }
        Stage::Prices => {
            let after = st.revisions.prices;
            let req = ListRequest {
                resource: "prices",
                after,
                include_deleted,
            };
            let f: Fetched<model::Price> = fetch(api, &req)?;
            for p in &f.list.results {
                page.price_updates
                    .extend(mapping::price_update(p, cfg.currency())?);
            }
            st.revisions.prices = f.resume_at(after)?;
            return Ok(f.is_last());
        }
    }
    Ok(false)
}

/// One `fetch-catalog` call: one list page, or several when they come back empty.
fn fetch_catalog(
    cfg: &Config,
    api: &mut dyn Api,
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

fn push_sales(cfg: &Config, sales: &[Sale]) -> Result<Vec<PushResult>, ConnectorError> {
    let pos = cfg
        .point_of_sale_id
        .as_deref()
        .ok_or_else(|| invalid_config("config: pointOfSaleId is required to push sales"))?;
    if !util::is_uuid(pos) {
        return Err(invalid_config(
            "config: pointOfSaleId must be the point of sale's id (a UUID)",
        ));
    }
    let coupling = cfg
        .coupling_id
        .as_deref()
        .ok_or_else(|| invalid_config("config: couplingId is required to push sales"))?;
    let url = cfg.url(&format!("pointsOfSale/{pos}/receipts"));

    let mut results: Vec<PushResult> = Vec::with_capacity(sales.len());
    for chunk in sales.chunks(RECEIPT_BATCH) {
        // A sale that cannot be a receipt is rejected alone; the others are sent.
        let mut outcomes: Vec<Option<PushOutcome>> = Vec::with_capacity(chunk.len());
        let mut receipts = Vec::with_capacity(chunk.len());
        for sale in chunk {
            match mapping::receipt(sale, pos, cfg.currency(), &cfg.payment_methods) {
                Ok(r) => {
                    receipts.push(r);
                    outcomes.push(None);
                }
                Err(e) => outcomes.push(Some(PushOutcome::Rejected(e))),
            }
        }
        if !receipts.is_empty() {
            let req = cfg
                .request(Request::post(&url))
                .query(&[("couplingId", coupling)])
                .json(&receipts)?;
            let answers: Vec<model::AddOrUpdateResult> = check(req.send()?)?.json()?;
            if answers.len() != receipts.len() {
                return Err(internal(format!(
                    "Korona answered {} results for {} receipts",
                    answers.len(),
                    receipts.len()
                )));
            }
            let mut answers = answers.iter();
            for outcome in outcomes.iter_mut().filter(|o| o.is_none()) {
                *outcome = answers.next().map(mapping::push_outcome);
            }
        }
        results.extend(
            chunk
                .iter()
                .zip(outcomes)
                .map(|(sale, outcome)| PushResult {
                    id: sale.id.clone(),
                    outcome: outcome.expect("every sale has an outcome"),
                }),
        );
    }
    Ok(results)
}

// ---- exports -----------------------------------------------------------------------------

struct Korona;

impl beep_sdk::pos::Describe for Korona {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "korona".into(),
            kind: ConnectorKind::Pos,
            version: env!("CARGO_PKG_VERSION").into(),
            systems: vec!["korona".into()],
            hosts: vec!["https://*.koronacloud.com".into()],
            config_schema: CONFIG_SCHEMA.into(),
        }
    }
}

impl beep_sdk::pos::Pos for Korona {
    fn fetch_catalog(
        config: String,
        cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_catalog(&cfg, &mut Http(&cfg), cursor.as_deref())
    }

    fn push_sales(config: String, sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = Config::parse(&config)?;
        push_sales(&cfg, &sales)
    }
}

beep_sdk::export_pos!(Korona);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::collections::HashMap;

    fn config() -> Config {
        Config::parse(r#"{"accountId":"demo","username":"u","password":"p","baseUrl":"http://127.0.0.1:9/korona/web/api/v3/"}"#).unwrap()
    }

    #[test]
    fn config_is_checked_and_urls_are_built_from_base_url() {
        let cfg = config();
        assert_eq!(
            cfg.url("products"),
            "http://127.0.0.1:9/korona/web/api/v3/accounts/demo/products"
        );
        let default =
            Config::parse(r#"{"accountId":"a-1","username":"u","password":"p"}"#).unwrap();
        assert_eq!(
            default.url("prices"),
            "https://www.koronacloud.com/web/api/v3/accounts/a-1/prices"
        );
        assert_eq!(default.currency(), "EUR");
        for bad in [
            r#"{"username":"u","password":"p"}"#,
            r#"{"accountId":"../x","username":"u","password":"p"}"#,
            r#"{"accountId":"a","username":"u","password":"p","baseUrl":"ftp://x"}"#,
            r#"{"accountId":"a","username":"u","password":"p","currency":"XYZ"}"#,
        ] {
            assert!(
                matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn describe_and_schema() {
        use beep_sdk::pos::Describe;
        let info = Korona::describe();
        assert_eq!(info.name, "korona");
        assert_eq!(info.hosts, vec!["https://*.koronacloud.com".to_string()]);
        let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(
            schema["required"],
            json!(["accountId", "username", "password"])
        );
    }

    #[test]
    fn list_requests_use_the_keyset() {
        let q = ListRequest {
            resource: "products",
            after: 0,
            include_deleted: false,
        }
        .query();
        assert_eq!(
            q,
            vec![
                ("size", "1000".into()),
                ("page", "1".into()),
                ("sort", "revision".into())
            ]
        );
        let q = ListRequest {
            resource: "products",
            after: 57,
            include_deleted: true,
        }
        .query();
        assert!(
            q.contains(&("revision", "57".into()))
                && q.contains(&("includeDeleted", "true".into()))
        );
    }

    /// A fake Korona: lists of objects per resource, answered like the spec (revision
    /// filter, pages of PAGE_SIZE, 204 when empty).
    struct Fake {
        lists: HashMap<&'static str, Vec<Value>>,
        requests: Vec<String>,
        fail_next: Option<Response>,
    }

    impl Api for Fake {
        fn get(&mut self, req: &ListRequest) -> Result<Response, ConnectorError> {
            self.requests
                .push(format!("{}@{}", req.resource, req.after));
            if let Some(resp) = self.fail_next.take() {
                return Ok(resp);
            }
            let all = self.lists.get(req.resource).cloned().unwrap_or_default();
            let max = all
                .iter()
                .filter_map(|v| v["revision"].as_u64())
                .max()
                .unwrap_or(0);
            let newer: Vec<Value> = all
                .into_iter()
                .filter(|v| v["revision"].as_u64().unwrap() > req.after)
                .collect();
            let headers = vec![(
                "Date".to_string(),
                "Mon, 01 Jun 2026 12:00:00 GMT".to_string(),
            )];
            if newer.is_empty() {
                return Ok(Response {
                    status: 204,
                    headers,
                    body: vec![],
                });
            }
            let page: Vec<Value> = newer.iter().take(PAGE_SIZE).cloned().collect();
            let body = json!({
                "currentPage": 1, "pagesTotal": newer.len().div_ceil(PAGE_SIZE),
                "resultsOfPage": page.len(), "resultsTotal": newer.len(), "maxRevision": max,
                "links": {}, "results": page
            });
            Ok(Response {
                status: 200,
                headers,
                body: serde_json::to_vec(&body).unwrap(),
            })
        }
    }

    fn fake(products: usize) -> Fake {
        let mut rev = 0u64;
        let mut next = || {
            rev += 1;
            rev
        };
        let mut lists = HashMap::new();
        lists.insert("salesTaxes", vec![json!({"id": "t1", "revision": next(), "rates": [{"rate": 19, "validFrom": "2024-01-01T00:00:00Z"}]})]);
        lists.insert("sectors", vec![json!({"id": "s1", "revision": next(), "salesTaxes": [{"index": 0, "salesTax": {"id": "t1"}}]})]);
        lists.insert(
            "commodityGroups",
            (0..5).map(|i| json!({"id": format!("g{i}"), "revision": next(), "name": format!("Group {i}")})).collect(),
        );
        lists.insert(
            "products",
            (0..products)
                .map(|i| json!({
                    "id": format!("p{i}"), "revision": next(), "number": i.to_string(), "name": format!("P {i}"),
                    "commodityGroup": {"id": format!("g{}", i % 5)}, "sector": {"id": "s1"},
                    "prices": [{"value": 1.99, "validFrom": "2024-01-01T00:00:00Z", "priceGroup": {"id": "pg1"}}]
                }))
                .collect(),
        );
        lists.insert(
            "prices",
            (0..8).map(|i| json!({"id": format!("pr{i}"), "revision": next(), "value": 0.99, "product": {"id": format!("p{i}")}, "priceGroup": {"id": "pg2"}})).collect(),
        );
        Fake {
            lists,
            requests: vec![],
            fail_next: None,
        }
    }

    /// Drives a run like the host: one call per page until has_more is false.
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
        assert_eq!((p, c, u), (2500, 5, 8));
        // taxes+sectors+groups, 3 product pages, prices.
        assert_eq!(calls, 5);
        let st: CatalogCursor = Cursor::decode(Some(&next)).unwrap();
        assert!(st.incremental);
        assert_eq!(st.stage, Stage::SalesTaxes);
        assert_eq!(
            st.revisions,
            Revisions {
                commodity_groups: 7,
                products: 2507,
                prices: 2515
            }
        );

        // Nothing changed: one call, five requests, nothing synced.
        api.requests.clear();
        let (p, c, u, calls, again) = run(&mut api, Some(next.clone()));
        assert_eq!((p, c, u, calls), (0, 0, 0, 1));
        assert_eq!(
            api.requests,
            [
                "salesTaxes@0",
                "sectors@0",
                "commodityGroups@7",
                "products@2507",
                "prices@2515"
            ]
        );
        assert_eq!(again, next);

        // One product renamed and repriced: exactly it and its new price.
        let products = api.lists.get_mut("products").unwrap();
        let changed = products.remove(3);
        let mut changed = changed;
        changed["revision"] = json!(2516);
        changed["name"] = json!("renamed");
        products.push(changed);
        api.lists
            .get_mut("prices")
            .unwrap()
            .push(json!({"id": "pr9", "revision": 2517, "value": 2.49, "product": {"id": "p3"}}));
        let (p, c, u, _, next) = run(&mut api, Some(next));
        assert_eq!((p, c, u), (1, 0, 1));
        let st: CatalogCursor = Cursor::decode(Some(&next)).unwrap();
        assert_eq!(st.revisions.products, 2516);
        assert_eq!(st.revisions.prices, 2517);
    }

    #[test]
    fn pages_carry_mapped_objects_and_tax_rates() {
        let mut api = fake(3);
        let cfg = config();
        let first = fetch_catalog(&cfg, &mut api, None).unwrap();
        assert_eq!(first.categories.len(), 5);
        assert!(first.products.is_empty() && first.has_more);
        let second = fetch_catalog(&cfg, &mut api, first.next_cursor.as_deref()).unwrap();
        assert_eq!(second.products.len(), 3);
        assert_eq!(second.products[0].tax_rate_bps, Some(1900));
        let price = second.products[0].price.as_ref().unwrap();
        assert_eq!((price.amount, price.currency.as_str()), (199, "EUR"));
        let third = fetch_catalog(&cfg, &mut api, second.next_cursor.as_deref()).unwrap();
        assert_eq!(third.price_updates.len(), 8);
        assert!(!third.has_more);
    }

    #[test]
    fn vendor_errors_become_contract_errors() {
        let cfg = config();
        let mut api = fake(1);
        api.fail_next = Some(Response {
            status: 429,
            headers: vec![("Retry-After".into(), "1".into())],
            body: br#"{"code":"TOO_MANY_PARALLEL_UPDATE_REQUESTS","message":"too many parallel update requests"}"#.to_vec(),
        });
        assert!(matches!(
            fetch_catalog(&cfg, &mut api, None),
            Err(ConnectorError::RateLimited(Some(1)))
        ));
        api.fail_next = Some(Response {
            status: 401,
            headers: vec![],
            body: br#"{"message":"missing or invalid http-authentication"}"#.to_vec(),
        });
        match fetch_catalog(&cfg, &mut api, None) {
            Err(ConnectorError::Unauthorized(m)) => {
                assert_eq!(m, "missing or invalid http-authentication")
            }
            other => panic!("{other:?}"),
        }
        api.fail_next = Some(Response {
            status: 503,
            headers: vec![],
            body: vec![],
        });
        assert!(
            matches!(fetch_catalog(&cfg, &mut api, None), Err(ConnectorError::Upstream(e)) if e.status == 503)
        );
        assert!(matches!(
            fetch_catalog(&cfg, &mut api, Some("{not json")),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }

    #[test]
    fn push_needs_a_point_of_sale() {
        let cfg = config();
        assert!(matches!(
            push_sales(&cfg, &[]),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }
}

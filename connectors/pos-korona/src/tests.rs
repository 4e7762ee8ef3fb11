use super::*;
use crate::client::*;
use crate::config::*;
use beep_sdk::config::Cursor;
use beep_sdk::http::Response;
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
    let default = Config::parse(r#"{"accountId":"a-1","username":"u","password":"p"}"#).unwrap();
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
        q.contains(&("revision", "57".into())) && q.contains(&("includeDeleted", "true".into()))
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

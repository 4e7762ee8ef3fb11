//! BEEP! Connect POS connector for any system that speaks the BEEP! Generic protocol
//! (docs/generic-protocol.md), or whose own JSON API is described by a field mapping.
//!
//! Catalogue: `GET /categories` → `GET /products` → `GET /prices`, each paged by the
//! protocol's opaque `cursor`/`next`; the highest `updatedAt` seen per list is the
//! `updatedSince` of the next (incremental) run. With a `mapping`, only the mapped lists
//! are read, from the merchant's API with its own paging (see `beep_sdk::generic`).
//!
//! Sales: `PUT /sales/{saleId}` each: the server creates it once (201) and recognises a
//! resend (200), so a push retried after a lost answer books nothing twice.

mod mapping;
mod model;

use beep_sdk::config::Cursor;
use beep_sdk::generic::{self, Config, Entity, StreamState};
use beep_sdk::http::{Request, Response};
use beep_sdk::types::{CatalogPage, ConnectorError, PushResult, Sale};
use serde::{Deserialize, Serialize};

/// Requests one `fetch-catalog` call may make while the lists it reads come back empty.
const MAX_REQUESTS_PER_CALL: usize = 4;

const ENTITIES: &[&Entity] = &[&model::CATEGORIES, &model::PRODUCTS, &model::PRICES];

pub const CONFIG_SCHEMA: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "BEEP! Generic protocol (POS)",
  "type": "object",
  "required": ["baseUrl", "token"],
  "additionalProperties": false,
  "properties": {
    "baseUrl": {"type": "string", "format": "uri", "description": "The server's protocol base URL, e.g. https://pos.example.com/beep/v1"},
    "token": {"type": "string", "minLength": 1, "writeOnly": true, "description": "Sent as Authorization: Bearer <token> (or raw in tokenHeader)"},
    "tokenHeader": {"type": "string", "description": "Send the token raw in this header instead (mapped APIs, e.g. X-Api-Key)"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code of mapped amounts without a currency field (default EUR)"},
    "pageSize": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    "mapping": {
      "type": "object",
      "description": "Read these lists from another JSON API: products (required fields id, name), categories, prices. See docs/generic-protocol.md#field-mapping",
      "propertyNames": {"enum": ["products", "categories", "prices"]},
      "additionalProperties": {"$ref": "#/$defs/entityMapping"}
    }
  },
  "$defs": {
    "entityMapping": {
      "type": "object",
      "required": ["path", "fields"],
      "additionalProperties": false,
      "properties": {
        "path": {"type": "string", "pattern": "^/"},
        "items": {"type": "string", "description": "JSON pointer (RFC 6901) to the item array"},
        "fields": {"type": "object", "additionalProperties": {"type": "string", "description": "JSON pointer into one item"}},
        "paging": {"type": "object", "required": ["style"], "properties": {"style": {"enum": ["none", "page", "offset", "cursor", "link"]}}},
        "priceFormat": {"enum": ["minor", "major"], "default": "minor"},
        "query": {"type": "object", "additionalProperties": {"type": "string"}},
        "updatedSinceParam": {"type": "string"}
      }
    }
  }
}"##;

#[derive(Serialize, Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
enum Stage {
    #[default]
    Categories,
    Products,
    Prices,
}

/// The opaque cursor: the list being read and each list's state.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(rename_all = "camelCase", default)]
struct CatalogCursor {
    stage: Stage,
    categories: StreamState,
    products: StreamState,
    prices: StreamState,
}

fn stage_entity(stage: Stage) -> &'static Entity {
    match stage {
        Stage::Categories => &model::CATEGORIES,
        Stage::Products => &model::PRODUCTS,
        Stage::Prices => &model::PRICES,
    }
}

fn parse(config: &str) -> Result<Config, ConnectorError> {
    Config::parse(config, ENTITIES)
}

/// One `fetch-catalog` call over a transport (the seam native tests replace).
fn fetch_catalog(
    cfg: &Config,
    cursor: Option<&str>,
    send: &mut dyn FnMut(Request) -> Result<Response, ConnectorError>,
) -> Result<CatalogPage, ConnectorError> {
    let mut st: CatalogCursor = Cursor::decode(cursor)?;
    let mut page = CatalogPage {
        products: vec![],
        categories: vec![],
        price_updates: vec![],
        next_cursor: None,
        has_more: true,
    };
    let mut requests = 0;
    loop {
        let entity = stage_entity(st.stage);
        let state = match st.stage {
            Stage::Categories => &mut st.categories,
            Stage::Products => &mut st.products,
            Stage::Prices => &mut st.prices,
        };
        let done = match cfg.source(entity) {
            None => true,
            Some(source) => {
                requests += 1;
                let (items, done) = generic::fetch_stream(cfg, entity, source, state, send)?;
                for item in items {
                    match st.stage {
                        Stage::Categories => page
                            .categories
                            .push(mapping::category(mapping::decode(entity.name, item)?)),
                        Stage::Products => page
                            .products
                            .push(mapping::product(mapping::decode(entity.name, item)?)?),
                        Stage::Prices => page
                            .price_updates
                            .push(mapping::price_update(mapping::decode(entity.name, item)?)?),
                    }
                }
                done
            }
        };
        if done {
            match st.stage {
                Stage::Categories => st.stage = Stage::Products,
                Stage::Products => st.stage = Stage::Prices,
                Stage::Prices => {
                    st.stage = Stage::Categories;
                    page.has_more = false;
                    break;
                }
            }
        }
        // Stop once something was read, unless what follows needs no request.
        let found = page.products.len() + page.categories.len() + page.price_updates.len();
        if (found > 0 || requests >= MAX_REQUESTS_PER_CALL)
            && cfg.source(stage_entity(st.stage)).is_some()
        {
            break;
        }
    }
    page.next_cursor = Some(Cursor::encode(&st)?);
    Ok(page)
}

fn push_sales(
    cfg: &Config,
    sales: &[Sale],
    send: &mut dyn FnMut(Request) -> Result<Response, ConnectorError>,
) -> Result<Vec<PushResult>, ConnectorError> {
    let items = sales
        .iter()
        .map(|s| {
            let body = serde_json::to_value(mapping::sale(s))
                .map_err(|e| beep_sdk::error::internal(format!("encode sale: {e}")))?;
            Ok((s.id.clone(), body))
        })
        .collect::<Result<Vec<_>, ConnectorError>>()?;
    generic::put_each(cfg, "/sales", items, send)
}

struct GenericPos;

beep_sdk::describe!(pos GenericPos {
    name: "generic-pos",
    systems: ["generic"],
    // None: the merchant's server can be anywhere. Live, the store's baseUrl is
    // the grant (public HTTPS only); Test Mode points it at the simulator.
    hosts: [],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::pos::Pos for GenericPos {
    fn fetch_catalog(
        config: String,
        cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let cfg = parse(&config)?;
        fetch_catalog(&cfg, cursor.as_deref(), &mut Request::send)
    }

    fn push_sales(config: String, sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = parse(&config)?;
        push_sales(&cfg, &sales, &mut Request::send)
    }
}

beep_sdk::export_pos!(GenericPos);

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::types::PushOutcome;
    use serde_json::{Value, json};

    fn cfg(extra: Value) -> Config {
        let mut c = json!({"baseUrl": "http://sim/generic", "token": "tok"});
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        parse(&c.to_string()).unwrap()
    }

    fn ok(body: Value) -> Result<Response, ConnectorError> {
        Ok(Response {
            status: 200,
            headers: vec![],
            body: body.to_string().into_bytes(),
        })
    }

    #[test]
    fn native_catalogue_pages_through_every_list_and_resumes_incrementally() {
        let cfg = cfg(json!({}));
        let mut urls = vec![];
        let mut send = |r: Request| {
            urls.push(r.url.clone());
            assert!(
                r.headers
                    .contains(&("authorization".into(), "Bearer tok".into()))
            );
            let path = r.url.split('?').next().unwrap().to_string();
            if r.url.contains("updatedSince") {
                return ok(json!({"data": [], "next": null}));
            }
            match (path.as_str(), r.url.contains("cursor=")) {
                ("http://sim/generic/categories", _) => ok(json!({"data": [
                    {"id": "c1", "name": "Drinks", "updatedAt": "2026-01-01T10:00:00Z"}], "next": null})),
                ("http://sim/generic/products", false) => ok(json!({"data": [
                    {"id": "p1", "name": "Mate", "price": {"amount": 189, "currency": "EUR"},
                     "taxRateBps": 1900, "gtins": ["4029764001807"], "updatedAt": "2026-01-01T10:00:02Z"}],
                    "next": "opaque-2"})),
                ("http://sim/generic/products", true) => ok(json!({"data": [
                    {"id": "p2", "name": "Gone", "active": false, "updatedAt": "2026-01-01T10:00:01Z"}], "next": null})),
                ("http://sim/generic/prices", _) => ok(json!({"data": [], "next": null})),
                other => panic!("{other:?}"),
            }
        };
        let p1 = fetch_catalog(&cfg, None, &mut send).unwrap();
        assert_eq!(p1.categories.len(), 1);
        assert!(p1.has_more);
        let p2 = fetch_catalog(&cfg, p1.next_cursor.as_deref(), &mut send).unwrap();
        assert_eq!(p2.products[0].price.as_ref().unwrap().amount, 189);
        assert_eq!(p2.products[0].tax_rate_bps, Some(1900));
        let p3 = fetch_catalog(&cfg, p2.next_cursor.as_deref(), &mut send).unwrap();
        assert!(!p3.products[0].active);
        assert!(p3.has_more);
        let p3 = fetch_catalog(&cfg, p3.next_cursor.as_deref(), &mut send).unwrap();
        assert!(!p3.has_more && p3.price_updates.is_empty());
        // The next run asks each list for changes after its highest updatedAt.
        let p4 = fetch_catalog(&cfg, p3.next_cursor.as_deref(), &mut send).unwrap();
        assert!(!p4.has_more && p4.products.is_empty());
        assert!(urls[1].contains("limit=100") && !urls[1].contains("updatedSince"));
        assert!(urls[2].contains("cursor=opaque-2"));
        assert!(
            urls[4].ends_with("updatedSince=2026-01-01T10%3A00%3A00Z"),
            "{}",
            urls[4]
        );
        assert!(
            urls[5].ends_with("updatedSince=2026-01-01T10%3A00%3A02Z"),
            "{}",
            urls[5]
        );
    }

    #[test]
    fn a_mapped_api_is_read_with_its_own_paging_and_prices() {
        let cfg = cfg(json!({"currency": "KWD", "mapping": {"products": {
            "path": "/legacy/api/items", "items": "/data",
            "fields": {"id": "/item_no", "name": "/title", "price": "/pricing/gross", "taxRate": "/vat"},
            "paging": {"style": "page", "sizeParam": "limit", "total": "/meta/total"},
            "priceFormat": "major"}}}));
        let mut send = |r: Request| {
            assert!(
                r.url
                    .starts_with("http://sim/generic/legacy/api/items?limit=100&page=")
            );
            ok(
                json!({"data": [{"item_no": 7, "title": "Dates", "pricing": {"gross": "1.250"}, "vat": 5}],
                "meta": {"total": 1}}),
            )
        };
        let page = fetch_catalog(&cfg, None, &mut send).unwrap();
        assert!(
            !page.has_more,
            "categories and prices are not mapped: not read"
        );
        let p = &page.products[0];
        assert_eq!(p.external_id, "7");
        assert_eq!(p.price.as_ref().unwrap().amount, 1250);
        assert_eq!(p.price.as_ref().unwrap().currency, "KWD");
        assert_eq!(p.tax_rate_bps, Some(500));
    }

    #[test]
    fn sales_are_put_by_id_and_resends_are_duplicates() {
        let cfg = cfg(json!({}));
        let sale = |id: &str| Sale {
            id: id.into(),
            receipt_number: "R-1".into(),
            lines: vec![],
            total: beep_sdk::money::money(473, "EUR"),
            tax_total: None,
            payments: vec![],
            created_at: "2026-01-01T10:00:00Z".into(),
        };
        let mut statuses = vec![201u16, 200, 500].into_iter();
        let mut send = |r: Request| {
            assert_eq!(r.method, beep_sdk::http::Method::Put);
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["total"], json!({"amount": 473, "currency": "EUR"}));
            Ok(Response {
                status: statuses.next().unwrap(),
                headers: vec![],
                body: br#"{"id":"x","externalId":"ext-1"}"#.to_vec(),
            })
        };
        let out = push_sales(
            &cfg,
            &[sale("a"), sale("b"), sale("c"), sale("d")],
            &mut send,
        )
        .unwrap();
        assert!(matches!(&out[0].outcome, PushOutcome::Created(Some(e)) if e == "ext-1"));
        assert!(matches!(&out[1].outcome, PushOutcome::Duplicate(_)));
        assert!(
            matches!(&out[2].outcome, PushOutcome::Rejected(ConnectorError::Upstream(u)) if u.status == 500)
        );
        assert!(
            matches!(&out[3].outcome, PushOutcome::Rejected(_)),
            "not attempted after a 5xx"
        );
    }

    #[test]
    fn a_bad_pointer_is_invalid_config_naming_it() {
        let c = json!({"baseUrl": "http://sim", "token": "t", "mapping": {"products": {
            "path": "/x", "fields": {"id": "/a", "name": "/b", "price": "pricing.gross"}}}});
        match parse(&c.to_string()) {
            Err(ConnectorError::InvalidConfig(m)) => {
                assert!(
                    m.contains("mapping.products.fields.price") && m.contains("pricing.gross"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}

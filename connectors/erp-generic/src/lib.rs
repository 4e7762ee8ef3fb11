//! BEEP! Connect ERP connector for any system that speaks the BEEP! Generic protocol
//! (docs/generic-protocol.md), or whose own JSON API is described by a field mapping.
//!
//! Reads `GET /inventory`, `GET /orders` and `GET /suppliers` (one stream each, paged by
//! the protocol's opaque `cursor`/`next`, incremental by `updatedSince` = the highest
//! `updatedAt` of the previous run); pushes `PUT /transactions/{id}` and
//! `PUT /stock-changes/{id}`, which the server applies once (201) and recognises when
//! resent (200).

mod mapping;
mod model;

use beep_sdk::config::Cursor;
use beep_sdk::generic::{self, Config, Entity, StreamState};
use beep_sdk::http::{Request, Response};
use beep_sdk::types::{
    ConnectorError, InventoryPage, OrdersPage, PushResult, StockChange, SuppliersPage, Transaction,
};
use serde::Serialize;
use serde_json::Value;

const ENTITIES: &[&Entity] = &[&model::INVENTORY, &model::ORDERS, &model::SUPPLIERS];

pub const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "BEEP! Generic protocol (ERP)",
  "type": "object",
  "required": ["baseUrl", "token"],
  "additionalProperties": false,
  "properties": {
    "baseUrl": {"type": "string", "format": "uri", "description": "The server's protocol base URL, e.g. https://erp.example.com/beep/v1"},
    "token": {"type": "string", "minLength": 1, "writeOnly": true, "description": "Sent as Authorization: Bearer <token> (or raw in tokenHeader)"},
    "tokenHeader": {"type": "string", "description": "Send the token raw in this header instead (mapped APIs, e.g. X-Api-Key)"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code of mapped amounts without a currency field (default EUR)"},
    "pageSize": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    "mapping": {
      "type": "object",
      "description": "Read these lists from another JSON API: inventory (id, quantity), orders (id; lines), suppliers (id, name). See docs/generic-protocol.md#field-mapping",
      "propertyNames": {"enum": ["inventory", "orders", "suppliers"]}
    }
  }
}"#;

fn parse(config: &str) -> Result<Config, ConnectorError> {
    Config::parse(config, ENTITIES)
}

type Transport<'a> = &'a mut dyn FnMut(Request) -> Result<Response, ConnectorError>;

/// One page of one stream: its items and the cursor the host passes next. A stream a
/// mapping leaves out is empty.
fn page(
    cfg: &Config,
    entity: &Entity,
    cursor: Option<&str>,
    send: Transport,
) -> Result<(Vec<Value>, Option<String>, bool), ConnectorError> {
    let Some(source) = cfg.source(entity) else {
        return Ok((vec![], None, false));
    };
    let mut state: StreamState = Cursor::decode(cursor)?;
    let (items, done) = generic::fetch_stream(cfg, entity, source, &mut state, send)?;
    Ok((items, Some(Cursor::encode(&state)?), !done))
}

fn fetch_inventory(
    cfg: &Config,
    cursor: Option<&str>,
    send: Transport,
) -> Result<InventoryPage, ConnectorError> {
    let (items, next_cursor, has_more) = page(cfg, &model::INVENTORY, cursor, send)?;
    let levels = items
        .into_iter()
        .map(|i| mapping::decode("inventory", i).map(mapping::stock_level))
        .collect::<Result<_, _>>()?;
    Ok(InventoryPage {
        levels,
        next_cursor,
        has_more,
    })
}

fn fetch_orders(
    cfg: &Config,
    cursor: Option<&str>,
    send: Transport,
) -> Result<OrdersPage, ConnectorError> {
    let (items, next_cursor, has_more) = page(cfg, &model::ORDERS, cursor, send)?;
    let orders = items
        .into_iter()
        .map(|i| mapping::order(mapping::decode("orders", i)?))
        .collect::<Result<_, _>>()?;
    Ok(OrdersPage {
        orders,
        next_cursor,
        has_more,
    })
}

fn fetch_suppliers(
    cfg: &Config,
    cursor: Option<&str>,
    send: Transport,
) -> Result<SuppliersPage, ConnectorError> {
    let (items, next_cursor, has_more) = page(cfg, &model::SUPPLIERS, cursor, send)?;
    let suppliers = items
        .into_iter()
        .map(|i| mapping::decode("suppliers", i).map(mapping::supplier))
        .collect::<Result<_, _>>()?;
    Ok(SuppliersPage {
        suppliers,
        next_cursor,
        has_more,
    })
}

fn bodies<T, B: Serialize>(
    items: &[T],
    id: impl Fn(&T) -> String,
    body: impl Fn(&T) -> B,
) -> Result<Vec<(String, Value)>, ConnectorError> {
    items
        .iter()
        .map(|t| {
            serde_json::to_value(body(t))
                .map(|b| (id(t), b))
                .map_err(|e| beep_sdk::error::internal(format!("encode: {e}")))
        })
        .collect()
}

struct GenericErp;

beep_sdk::describe!(erp GenericErp {
    name: "generic-erp",
    systems: ["generic"],
    // None: the merchant's server can be anywhere. Live, the store's baseUrl is
    // the grant (public HTTPS only); Test Mode points it at the simulator.
    hosts: [],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::erp::Erp for GenericErp {
    fn fetch_inventory(
        config: String,
        cursor: Option<String>,
    ) -> Result<InventoryPage, ConnectorError> {
        fetch_inventory(&parse(&config)?, cursor.as_deref(), &mut Request::send)
    }

    fn fetch_orders(config: String, cursor: Option<String>) -> Result<OrdersPage, ConnectorError> {
        fetch_orders(&parse(&config)?, cursor.as_deref(), &mut Request::send)
    }

    fn fetch_suppliers(
        config: String,
        cursor: Option<String>,
    ) -> Result<SuppliersPage, ConnectorError> {
        fetch_suppliers(&parse(&config)?, cursor.as_deref(), &mut Request::send)
    }

    fn push_transactions(
        config: String,
        transactions: Vec<Transaction>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = parse(&config)?;
        let items = bodies(&transactions, |t| t.id.clone(), mapping::transaction)?;
        generic::put_each(&cfg, "/transactions", items, &mut Request::send)
    }

    fn push_stock_changes(
        config: String,
        changes: Vec<StockChange>,
    ) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = parse(&config)?;
        let items = bodies(&changes, |c| c.id.clone(), mapping::stock_change)?;
        generic::put_each(&cfg, "/stock-changes", items, &mut Request::send)
    }
}

beep_sdk::export_erp!(GenericErp);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(body: Value) -> Result<Response, ConnectorError> {
        Ok(Response {
            status: 200,
            headers: vec![],
            body: body.to_string().into_bytes(),
        })
    }

    fn cfg(extra: Value) -> Config {
        let mut c = json!({"baseUrl": "http://sim/generic", "token": "tok"});
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        parse(&c.to_string()).unwrap()
    }

    #[test]
    fn native_orders_keep_their_lines_and_money() {
        let cfg = cfg(json!({}));
        let mut send = |r: Request| {
            assert!(r.url.starts_with("http://sim/generic/orders?limit=100"));
            ok(
                json!({"data": [{"id": "o1", "supplierId": "s1", "status": "sent",
                "total": {"amount": 12345, "currency": "EUR"}, "updatedAt": "2026-01-01T00:00:00Z",
                "lines": [{"sku": "A", "quantity": 2, "unitPrice": {"amount": 500, "currency": "EUR"}}]}],
                "next": null}),
            )
        };
        let page = fetch_orders(&cfg, None, &mut send).unwrap();
        assert!(!page.has_more);
        let o = &page.orders[0];
        assert_eq!(o.total.as_ref().unwrap().amount, 12345);
        assert_eq!(o.lines[0].quantity, 2.0);
        assert_eq!(o.lines[0].unit_price.as_ref().unwrap().amount, 500);
        let state: StreamState = Cursor::decode(page.next_cursor.as_deref()).unwrap();
        assert_eq!(state.since.as_deref(), Some("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn mapped_orders_map_their_lines() {
        let cfg = cfg(json!({"currency": "JPY", "mapping": {"orders": {
            "path": "/legacy/api/purchase-orders", "items": "/rows",
            "fields": {"id": "/po", "status": "/state", "total": "/sum"},
            "priceFormat": "major",
            "lines": {"items": "/positions", "fields": {"sku": "/art", "quantity": "/qty", "unitPrice": "/each"}}}}}));
        let mut send = |_: Request| {
            ok(json!({"rows": [{"po": 9, "state": "open", "sum": "1500",
                "positions": [{"art": "X", "qty": "3", "each": 500}]}]}))
        };
        let page = fetch_orders(&cfg, None, &mut send).unwrap();
        let o = &page.orders[0];
        assert_eq!(o.external_id, "9");
        assert_eq!(o.total.as_ref().unwrap().amount, 1500);
        assert_eq!(o.lines[0].quantity, 3.0);
        assert_eq!(o.lines[0].unit_price.as_ref().unwrap().currency, "JPY");
        let mut never = |_: Request| -> Result<Response, ConnectorError> { panic!("not mapped") };
        let inv = fetch_inventory(&cfg, None, &mut never).unwrap();
        assert!(inv.levels.is_empty() && !inv.has_more);
    }
}

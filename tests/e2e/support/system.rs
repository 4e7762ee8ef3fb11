//! What a POS or ERP module shares: a GROW merchant's store with the vendor's Test Mode
//! credentials, a sync through the public API, and the lists the sync filled. A vendor's
//! own module keeps only what is special about that vendor.

use super::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The server, a GROW merchant, its store, the vendor simulator's base URL and the
/// Test Mode credentials for it.
pub type Setup = (Server, Merchant, String, String, Value);

pub async fn setup(backend: Backend, vendor: &str) -> Setup {
    let server = Server::start(backend).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let (base, credentials) = server.sandbox(&m, vendor).await;
    (server, m, store, base, credentials)
}

/// Which sync a module runs: the endpoint and the `system` it names.
#[derive(Clone, Copy)]
pub struct Sync {
    pub path: &'static str,
    pub system: &'static str,
}

impl Sync {
    pub const fn pos(system: &'static str) -> Sync {
        Sync {
            path: "/api/v1/syncPOS",
            system,
        }
    }

    pub const fn erp(system: &'static str) -> Sync {
        Sync {
            path: "/api/v1/syncERP",
            system,
        }
    }

    /// Runs the sync for `store` with `credentials` (`full`: a full run asked for).
    pub async fn sync(
        self,
        server: &Server,
        m: &Merchant,
        store: &str,
        credentials: &Value,
        full: bool,
    ) -> (StatusCode, Value) {
        let body = json!({"system": self.system, "storeId": store,
            "credentials": credentials, "full": full});
        server.post(&m.key, self.path, body).await
    }
}

/// `GET /api/v1/{what}?storeId=…`: up to 1000 of what the store holds.
pub async fn list(server: &Server, m: &Merchant, what: &str, store: &str) -> Vec<Value> {
    let path = format!("/api/v1/{what}?storeId={store}&limit=1000");
    let (status, body) = server.get(&m.key, &path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body[what].as_array().unwrap().clone()
}

pub async fn products(server: &Server, m: &Merchant, store: &str) -> Vec<Value> {
    list(server, m, "products", store).await
}

/// The item whose `field` is `value`; panics naming what was there.
pub fn find<'a>(items: &'a [Value], field: &str, value: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i[field] == value)
        .unwrap_or_else(|| panic!("no {field} {value} in {items:?}"))
}

pub fn by_id<'a>(items: &'a [Value], id: &str) -> &'a Value {
    find(items, "externalId", id)
}

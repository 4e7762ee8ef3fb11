//! BEEP! Connect POS connector for Vectron POS through the Vectron cloud business-data
//! API (`https://demo-backend.vectron.cloud/business-data-api`, Swagger 2.0:
//! `shared/vendor-specs/vectron.swagger.json`).
//!
//! Authentication: every `fetch-catalog` call starts with `POST /v1/login` and the
//! partner credentials (`{"login","password"}`); the answer's `token` goes in the
//! `X-API-Token` header of the call's other requests. Tokens are never kept in the
//! cursor: the cursor is stored by the host, a token is a credential.
//!
//! What the API offers: it is a read-only reporting API. It has no article (PLU) master
//! data endpoint; the register's PLUs reach it only inside invoices, each
//! `DetailedInvoice` carrying the `products` (PLU id, number, name, product group,
//! main group), `productGroups` and `mainGroups` it sold, and the `items` with price and
//! tax rate. The catalogue is therefore built from:
//!
//! 1. `GET /v3/operator/{operatorId}/sites`: finds the configured `siteId` (or the
//!    operator's only site), every run.
//! 2. `GET /v3/site/{siteId}/transactions[?id=<invoiceId>]`: PLUs → products (external id
//!    = the PLU's UUID, SKU = PLU number, category = product group, price and tax rate
//!    from the latest sold item, taken as the gross unit price: the spec does not say
//!    more), product groups and main groups → categories (a product group's parent is
//!    its main group). Paging is the spec's only one: `id` = the last invoice seen
//!    returns the invoices after it, an empty answer ends the list. Each page yields
//!    each PLU and group once (the latest invoice wins); cancelled invoices
//!    (`CANCELLED_INVOICE`) give groups only.
//! 3. `GET /v3/site/{siteId}/data-entries`: managed articles (merchandise-management
//!    articles entered at the register through input masks) → products with the
//!    external id `managed-article:{managedArticleNo}` and their price, no SKU.
//!
//! Incremental runs: the cursor keeps the id of the last invoice read (the keyset of
//! the transactions list) and the latest data entry `inputAt`. The next run asks only for
//! invoices after that id, so it sees exactly the PLUs sold (or changed and sold) since;
//! data entries have no filter in the API, so they are read in full and only entries
//! input after the cursor's timestamp are emitted. A PLU that is changed at the register
//! but not sold again is invisible to this API until its next sale; a full run
//! (`full: true`) re-reads every retained invoice and deactivates PLUs no retained invoice
//! names any more. If the cursor's invoice has aged out of the cloud (404), a full run
//! starts over.
//!
//! Sales: not possible. Vectron's published API has no write operation, so
//! `push-sales` answers `unsupported` (see [`READ_ONLY`]).

mod mapping;
mod model;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{invalid_config, not_found, unsupported};
use beep_sdk::http::{Request, Response};
use beep_sdk::money;
use beep_sdk::types::{CatalogPage, ConnectorError, PushResult, Sale};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The only host the spec names (its demo backend); partners on another Vectron cloud
/// host set `baseUrl`.
pub const DEFAULT_BASE_URL: &str = "https://demo-backend.vectron.cloud/business-data-api";
/// List requests one `fetch-catalog` call may make while they yield nothing (the login
/// not counted): enough for a whole incremental run without changes.
pub const MAX_REQUESTS_PER_CALL: usize = 4;
/// Why `push-sales` cannot work.
pub const READ_ONLY: &str = "Vectron's published API is read-only: sales cannot be written \
     to Vectron through it (the business-data API only reads sites, transactions, data \
     entries and staff attendances); record BEEP! sales in the Vectron register or its \
     back office instead";

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Vectron (cloud business-data API)",
  "type": "object",
  "required": ["login", "password", "operatorId"],
  "properties": {
    "login": {"type": "string", "minLength": 1, "description": "Partner login (POST /v1/login)"},
    "password": {"type": "string", "minLength": 1, "description": "Partner password", "writeOnly": true},
    "operatorId": {"type": "string", "format": "uuid", "description": "The operator (merchant) whose site is synced"},
    "siteId": {"type": "string", "format": "uuid", "description": "The site (store) to sync; may be left out when the operator has one site"},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://demo-backend.vectron.cloud/business-data-api", "description": "API base including /business-data-api"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR", "description": "ISO 4217 currency when an invoice names none (Vectron: currently only EUR)"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    login: String,
    password: beep_sdk::config::Secret,
    operator_id: String,
    #[serde(default)]
    site_id: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    currency: Option<String>,
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        if cfg.login.is_empty() || cfg.password.is_empty() {
            return Err(invalid_config("config: login and password are required"));
        }
        if !is_uuid(&cfg.operator_id) {
            return Err(invalid_config("config: operatorId must be a UUID"));
        }
        if let Some(site) = &cfg.site_id
            && !is_uuid(site)
        {
            return Err(invalid_config("config: siteId must be a UUID"));
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

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }
}

/// Non-2xx answers as the contract's errors, with the `VndErrors` message (401 →
/// unauthorized, 429 → rate-limited with `Retry-After`, …).
fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| mapping::error_message(&r.body))
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

/// One call's conversation with Vectron: logs in on first use.
struct Session<'a> {
    cfg: &'a Config,
    api: &'a mut dyn Api,
    token: Option<String>,
}

impl Session<'_> {
    fn token(&mut self) -> Result<String, ConnectorError> {
        if let Some(t) = &self.token {
            return Ok(t.clone());
        }
        let creds = model::PartnerCredentials {
            login: &self.cfg.login,
            password: &self.cfg.password,
        };
        let req = Request::post(self.cfg.url("/v1/login"))
            .header("accept", "application/json")
            .json(&creds)?;
        let token: model::Token = check(self.api.send(req)?)?.json()?;
        if token.token.is_empty() {
            return Err(beep_sdk::error::internal(
                "Vectron's login answered no token",
            ));
        }
        self.token = Some(token.token.clone());
        Ok(token.token)
    }

    fn get<T: DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ConnectorError> {
        let token = self.token()?;
        let req = Request::get(self.cfg.url(path))
            .query(query)
            .header("accept", "application/json")
            .header("x-api-token", token);
        check(self.api.send(req)?)?.json()
    }
}

// ---- catalogue -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
enum Stage {
    #[default]
    Sites,
    Transactions,
    DataEntries,
}

/// The opaque cursor, as JSON.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(rename_all = "camelCase", default)]
struct CatalogCursor {
    stage: Stage,
    incremental: bool,
    /// The site this run reads (resolved in the sites stage).
    #[serde(skip_serializing_if = "Option::is_none")]
    site_id: Option<String>,
    /// The site the two positions below belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    keyset_site: Option<String>,
    /// The last invoice read: the next transactions request starts after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    after_invoice: Option<String>,
    /// The latest data entry `inputAt` read.
    #[serde(skip_serializing_if = "Option::is_none")]
    data_entries_after: Option<String>,
}

impl CatalogCursor {
    fn next_run(&self) -> CatalogCursor {
        CatalogCursor {
            incremental: true,
            keyset_site: self.keyset_site.clone(),
            after_invoice: self.after_invoice.clone(),
            data_entries_after: self.data_entries_after.clone(),
            ..CatalogCursor::default()
        }
    }
}

/// The configured site, or the operator's only one.
fn pick_site(cfg: &Config, sites: &[model::Site]) -> Result<String, ConnectorError> {
    if let Some(want) = &cfg.site_id {
        return sites
            .iter()
            .find(|s| s.site_id.eq_ignore_ascii_case(want))
            .map(|s| s.site_id.clone())
            .ok_or_else(|| {
                not_found(format!(
                    "site {want} is not among the sites of operator {}",
                    cfg.operator_id
                ))
            });
    }
    match sites {
        [] => Err(not_found(format!(
            "operator {} has no sites",
            cfg.operator_id
        ))),
        [one] => Ok(one.site_id.clone()),
        many => Err(invalid_config(format!(
            "config: siteId is required, operator {} has {} sites: {}",
            cfg.operator_id,
            many.len(),
            many.iter()
                .map(|s| format!("{} ({})", s.site_id, s.name.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Reads the next list of the current stage into `page`; true when the run is complete.
fn step(
    cfg: &Config,
    session: &mut Session,
    st: &mut CatalogCursor,
    page: &mut CatalogPage,
) -> Result<bool, ConnectorError> {
    match st.stage {
        Stage::Sites => {
            let path = format!("/v3/operator/{}/sites", cfg.operator_id);
            let sites: Vec<model::Site> = session.get(&path, &[])?;
            let site = pick_site(cfg, &sites)?;
            if st.keyset_site.as_deref() != Some(site.as_str()) {
                // Positions of another site mean nothing here: read this one in full.
                st.after_invoice = None;
                st.data_entries_after = None;
                st.keyset_site = Some(site.clone());
            }
            st.site_id = Some(site);
            st.stage = Stage::Transactions;
        }
        Stage::Transactions => {
            let site = st.site_id.clone().unwrap_or_default();
            let mut query = vec![];
            if let Some(after) = &st.after_invoice {
                query.push(("id", after.clone()));
            }
            let invoices: Vec<model::DetailedInvoice> =
                session.get(&format!("/v3/site/{site}/transactions"), &query)?;
            let Some(last) = invoices.last() else {
                st.stage = Stage::DataEntries;
                return Ok(false);
            };
            if last.invoice_id.is_empty() || st.after_invoice.as_deref() == Some(&last.invoice_id) {
                return Err(beep_sdk::error::internal(
                    "Vectron listed invoices without a new invoiceId; cannot advance",
                ));
            }
            let mut catalog = mapping::Catalog::default();
            for inv in &invoices {
                catalog.add_invoice(inv, cfg.currency())?;
            }
            page.products.extend(catalog.products.into_values());
            page.categories.extend(catalog.categories.into_values());
            st.after_invoice = Some(last.invoice_id.clone());
        }
        Stage::DataEntries => {
            let site = st.site_id.clone().unwrap_or_default();
            let entries: Vec<model::DataEntry> =
                session.get(&format!("/v3/site/{site}/data-entries"), &[])?;
            let (articles, latest) = mapping::managed_articles(
                &entries,
                st.data_entries_after.as_deref(),
                cfg.currency(),
            )?;
            page.products.extend(articles);
            st.data_entries_after = latest;
            return Ok(true);
        }
    }
    Ok(false)
}

/// One `fetch-catalog` call: one login, then one list, or several while they yield
/// nothing.
fn fetch_catalog(
    cfg: &Config,
    api: &mut dyn Api,
    cursor: Option<&str>,
) -> Result<CatalogPage, ConnectorError> {
    let mut st: CatalogCursor = Cursor::decode(cursor)?;
    let mut session = Session {
        cfg,
        api,
        token: None,
    };
    let mut page = CatalogPage {
        products: vec![],
        categories: vec![],
        price_updates: vec![],
        next_cursor: None,
        has_more: true,
    };
    for _ in 0..MAX_REQUESTS_PER_CALL {
        if step(cfg, &mut session, &mut st, &mut page)? {
            page.has_more = false;
            page.next_cursor = Some(Cursor::encode(&st.next_run())?);
            return Ok(page);
        }
        if !(page.products.is_empty() && page.categories.is_empty()) {
            break;
        }
    }
    page.next_cursor = Some(Cursor::encode(&st)?);
    Ok(page)
}

// ---- exports -----------------------------------------------------------------------------

struct Vectron;

beep_sdk::describe!(pos Vectron {
    name: "vectron",
    systems: ["vectron"],
    hosts: ["https://*.vectron.cloud"],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::pos::Pos for Vectron {
    fn fetch_catalog(
        config: String,
        cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_catalog(&cfg, &mut Http, cursor.as_deref())
    }

    fn push_sales(config: String, _sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        // A broken config is still worth its own message; a good one cannot help.
        Config::parse(&config)?;
        Err(unsupported(READ_ONLY))
    }
}

beep_sdk::export_pos!(Vectron);

#[cfg(test)]
mod tests;

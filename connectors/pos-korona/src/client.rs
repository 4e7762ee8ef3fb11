//! KORONA.cloud over HTTP: its error answers as the contract's errors, the catalogue read
//! list by list with keyset paging, and the receipt batches.

use crate::config::Config;
use crate::model::{self, ResultList, Revisioned};
use crate::{mapping, util};
use beep_sdk::config::Cursor;
use beep_sdk::error::{internal, invalid_config};
use beep_sdk::http::{Request, Response};
use beep_sdk::types::{CatalogPage, ConnectorError, PushOutcome, PushResult, Sale};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Objects per list request. The spec gives no maximum; the simulator (and this
/// connector) assume 1000.
pub const PAGE_SIZE: usize = 1000;
/// Receipts per POST (the simulator's `BATCH_SIZE_OUT_OF_RANGE` limit).
pub const RECEIPT_BATCH: usize = 100;
/// Requests one `fetch-catalog` call may make when the lists it reads come back empty
/// (enough for a whole incremental run without changes).
pub const MAX_REQUESTS_PER_CALL: usize = 5;

/// Non-2xx answers as the contract's errors, with Korona's message (401 → unauthorized,
/// 429 → rate-limited with `Retry-After`, …).
fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| mapping::error_message(&r.body))
}

// ---- catalogue -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Stage {
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
pub(crate) struct Revisions {
    pub(crate) commodity_groups: u64,
    pub(crate) products: u64,
    pub(crate) prices: u64,
}

/// The opaque cursor, as JSON.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct CatalogCursor {
    pub(crate) stage: Stage,
    /// Set from the second run on: changes only, deleted objects included.
    pub(crate) incremental: bool,
    /// Keyset position inside `salesTaxes`/`sectors`, which every run reads in full.
    after: u64,
    /// Where each synced type resumes: the next run starts from here.
    pub(crate) revisions: Revisions,
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
pub(crate) struct ListRequest<'a> {
    pub(crate) resource: &'a str,
    pub(crate) after: u64,
    pub(crate) include_deleted: bool,
}

impl ListRequest<'_> {
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
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
pub(crate) trait Api {
    fn get(&mut self, req: &ListRequest) -> Result<Response, ConnectorError>;
}

pub(crate) struct Http<'a>(pub(crate) &'a Config);

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
pub(crate) fn fetch_catalog(
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

pub(crate) fn push_sales(cfg: &Config, sales: &[Sale]) -> Result<Vec<PushResult>, ConnectorError> {
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

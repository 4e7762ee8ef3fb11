//! The list resources: query parameters, revision paging and the `ResultList…` wrapper.

use std::sync::Arc;

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::answers::{ApiError, json_bytes, not_found};
use super::model::Account;
use super::views::{
    EUR, GroupView, PosView, PriceGroupView, RateView, SalesTaxView, SectorTaxView, SectorView,
};
use super::{BASE_VALID_FROM, DEFAULT_PAGE_SIZE, KoronaSim, MAX_PAGE_SIZE};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Resource {
    SalesTaxes,
    Sectors,
    PriceGroups,
    CommodityGroups,
    Products,
    Prices,
    PointsOfSale,
}

impl Resource {
    fn from_path(s: &str) -> Option<Resource> {
        Some(match s {
            "salesTaxes" => Resource::SalesTaxes,
            "sectors" => Resource::Sectors,
            "priceGroups" => Resource::PriceGroups,
            "commodityGroups" => Resource::CommodityGroups,
            "products" => Resource::Products,
            "prices" => Resource::Prices,
            "pointsOfSale" => Resource::PointsOfSale,
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub(super) struct ListQuery {
    page: usize,
    size: usize,
    revision: u64,
    descending: bool,
    pub(super) number: Option<String>,
    pairs: Vec<(String, String)>,
}

/// Parses the spec's common list parameters. Spec silent on validation: malformed or
/// out-of-range values are 400 `INVALID_QUERY_PARAMETER`; filters the simulator does not
/// implement are refused the same way instead of being silently ignored.
pub(super) fn parse_list_query(raw: Option<&str>) -> Result<ListQuery, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let mut q = ListQuery {
        page: 1,
        size: DEFAULT_PAGE_SIZE,
        revision: 0,
        descending: false,
        number: None,
        pairs: pairs.clone(),
    };
    let invalid = |name: &str, why: &str| ApiError {
        status: StatusCode::BAD_REQUEST,
        code: "INVALID_QUERY_PARAMETER",
        message: format!("query parameter {name}: {why}"),
    };
    for (k, v) in pairs {
        match k.as_str() {
            "page" => {
                q.page = v
                    .parse()
                    .ok()
                    .filter(|p| *p >= 1)
                    .ok_or_else(|| invalid("page", "must be an integer >= 1"))?
            }
            "size" => {
                q.size = v
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_PAGE_SIZE).contains(s))
                    .ok_or_else(|| {
                        invalid(
                            "size",
                            &format!("must be an integer from 1 to {MAX_PAGE_SIZE}"),
                        )
                    })?
            }
            "revision" => {
                q.revision = v
                    .parse::<i64>()
                    .map_err(|_| invalid("revision", "must be an integer"))?
                    .max(0) as u64
            }
            "sort" => match v.as_str() {
                "revision" | "+revision" => q.descending = false,
                "-revision" => q.descending = true,
                _ => return Err(invalid("sort", "the simulator sorts by revision only")),
            },
            // Nothing is ever deleted in the simulator: both values list the same objects.
            "includeDeleted" if v != "true" && v != "false" => {
                return Err(invalid("includeDeleted", "must be true or false"));
            }
            "number" => q.number = Some(v),
            "productCodes" | "commodityGroup" | "assortment" | "tag" | "name" => {
                return Err(invalid(&k, "filter not supported by the simulator"));
            }
            // Anything else is ignored, as a lenient server would.
            _ => {}
        }
    }
    Ok(q)
}

/// The rows of a page, in order, plus the total count matching the query.
pub(super) fn select(
    order: &[(u64, u32)],
    q: &ListQuery,
    matches: impl Fn(usize) -> bool,
    filtered: bool,
) -> (Vec<usize>, usize) {
    // Objects with a revision greater than `revision`, in revision order.
    let start = order.partition_point(|(r, _)| *r <= q.revision);
    let tail = &order[start..];
    let offset = (q.page - 1).saturating_mul(q.size);
    if !filtered {
        let total = tail.len();
        let rows: Vec<usize> = if q.descending {
            tail.iter()
                .rev()
                .skip(offset)
                .take(q.size)
                .map(|(_, i)| *i as usize)
                .collect()
        } else {
            tail.iter()
                .skip(offset)
                .take(q.size)
                .map(|(_, i)| *i as usize)
                .collect()
        };
        // `skip` on a slice iterator is O(1): the page costs O(size).
        return (rows, total);
    }
    let mut all: Vec<usize> = tail
        .iter()
        .map(|(_, i)| *i as usize)
        .filter(|i| matches(*i))
        .collect();
    if q.descending {
        all.reverse();
    }
    let total = all.len();
    (all.into_iter().skip(offset).take(q.size).collect(), total)
}

/// The spec's `ResultList…` wrapper; 204 when nothing is on the page.
pub(super) fn result_list(
    q: &ListQuery,
    total: usize,
    max_revision: u64,
    results: Vec<u8>,
    count: usize,
    self_url: &str,
) -> Response {
    if count == 0 {
        return StatusCode::NO_CONTENT.into_response();
    }
    let pages_total = total.div_ceil(q.size);
    let link = |page: usize| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        let mut has_page = false;
        for (k, v) in &q.pairs {
            if k == "page" {
                ser.append_pair(k, &page.to_string());
                has_page = true;
            } else {
                ser.append_pair(k, v);
            }
        }
        if !has_page {
            ser.append_pair("page", &page.to_string());
        }
        format!("{self_url}?{}", ser.finish())
    };
    let mut links = serde_json::Map::new();
    if q.page > 1 {
        links.insert("previous".into(), Value::String(link(q.page - 1)));
    }
    links.insert("self".into(), Value::String(link(q.page)));
    if q.page < pages_total {
        links.insert("next".into(), Value::String(link(q.page + 1)));
    }
    // Written by hand around the already-serialised results, so a page is serialised once.
    let head = json!({
        "currentPage": q.page,
        "pagesTotal": pages_total,
        "resultsOfPage": count,
        "resultsTotal": total,
        "maxRevision": max_revision,
        "links": links,
    });
    let mut body = serde_json::to_vec(&head).expect("serialisable");
    body.pop(); // the closing brace
    body.extend_from_slice(b",\"results\":");
    body.extend_from_slice(&results);
    body.push(b'}');
    json_bytes(StatusCode::OK, body)
}

/// The absolute URL of the request without its query, for `links` and `href`s.
pub(super) fn request_url(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}{}", uri.path())
}

pub(super) fn serialize_rows<T: Serialize>(rows: impl Iterator<Item = T>) -> Vec<u8> {
    let items: Vec<T> = rows.collect();
    serde_json::to_vec(&items).expect("serialisable")
}

fn list(account: &Account, resource: Resource, q: &ListQuery, url: &str) -> Response {
    let number = q.number.as_deref();
    let filtered = number.is_some();
    macro_rules! page {
        ($table:expr, $rows:expr, |$x:ident| $num:expr, |$y:ident| $view:expr) => {{
            let rows = &$rows;
            let (idx, total) = select(
                &$table.order,
                q,
                |i| {
                    let $x = &rows[i];
                    Some($num) == number
                },
                filtered,
            );
            let body = serialize_rows(idx.iter().map(|&i| {
                let $y = &rows[i];
                $view
            }));
            result_list(q, total, $table.max_revision(), body, idx.len(), url)
        }};
    }
    match resource {
        Resource::SalesTaxes => page!(
            account.t_sales_taxes,
            account.sales_taxes,
            |t| t.base.number.as_str(),
            |t| SalesTaxView {
                active: true,
                id: &t.base.id,
                revision: t.base.revision,
                number: &t.base.number,
                name: &t.base.name,
                included: true,
                rates: [RateView {
                    rate: t.rate,
                    valid_from: BASE_VALID_FROM,
                }],
            }
        ),
        Resource::Sectors => page!(
            account.t_sectors,
            account.sectors,
            |s| s.base.number.as_str(),
            |s| SectorView {
                active: true,
                id: &s.base.id,
                revision: s.base.revision,
                number: &s.base.number,
                name: &s.base.name,
                sales_taxes: [SectorTaxView {
                    index: 0,
                    sales_tax: (&account.sales_taxes[s.sales_tax].base).into(),
                }],
            }
        ),
        Resource::PriceGroups => page!(
            account.t_price_groups,
            account.price_groups,
            |g| g.base.number.as_str(),
            |g| PriceGroupView {
                active: true,
                id: &g.base.id,
                revision: g.base.revision,
                number: &g.base.number,
                name: &g.base.name,
                currency: EUR,
                net_prices: false,
            }
        ),
        Resource::CommodityGroups => page!(
            account.t_groups,
            account.groups,
            |g| g.base.number.as_str(),
            |g| GroupView {
                active: true,
                id: &g.base.id,
                revision: g.base.revision,
                number: &g.base.number,
                name: &g.base.name,
                parent_commodity_group: g.parent.map(|p| (&account.groups[p].base).into()),
            }
        ),
        Resource::Products => page!(
            account.t_products,
            account.products,
            |p| p.number.as_str(),
            |p| account.product_view(p)
        ),
        Resource::Prices => page!(
            account.t_prices,
            account.prices,
            |p| p.number.as_str(),
            |p| account.price_view(p)
        ),
        Resource::PointsOfSale => page!(
            account.t_pos,
            account.points_of_sale,
            |p| p.base.number.as_str(),
            |p| PosView {
                active: true,
                id: &p.base.id,
                revision: p.base.revision,
                number: &p.base.number,
                name: &p.base.name,
                external: true,
            }
        ),
    }
}

pub(super) async fn get_list(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, resource)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let Some(resource) = Resource::from_path(&resource) else {
            return not_found(
                "MODEL_ID_NOT_FOUND",
                &format!("unknown resource {resource}"),
            );
        };
        match parse_list_query(raw.as_deref()) {
            Ok(q) => list(account, resource, &q, &request_url(&headers, &uri)),
            Err(e) => e.into_response(),
        }
    })
}

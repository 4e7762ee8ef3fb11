//! `/Contact` and `/CommunicationWay`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::answers::{error, ok};
use super::model::Account;
use super::query::{Query, page, paging};
use super::{CONTACT_ID_BASE, SevdeskSim};

pub(super) async fn get_contacts(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let (category, after, before, c_after, c_before) = match (
            q.id("category[id]"),
            q.timestamp("updateAfter"),
            q.timestamp("updateBefore"),
            q.timestamp("createAfter"),
            q.timestamp("createBefore"),
        ) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
            (Err(e), ..)
            | (_, Err(e), ..)
            | (_, _, Err(e), ..)
            | (.., Err(e), _)
            | (.., Err(e)) => {
                return e.into_response();
            }
        };
        // `depth=1`: organisations and persons; default only organisations.
        let persons = matches!(q.get("depth"), Some("1" | "true"));
        let number = q.get("customerNumber");
        let name = q.get("name").map(str::to_lowercase);
        let rows: Vec<usize> = (0..a.contacts.len())
            .filter(|&i| {
                let c = &a.contacts[i];
                (persons || c.name.is_some())
                    && category.is_none_or(|id| u64::from(c.category) == id)
                    && after.is_none_or(|t| c.update > t)
                    && before.is_none_or(|t| c.update < t)
                    && c_after.is_none_or(|t| c.create > t)
                    && c_before.is_none_or(|t| c.create < t)
                    && number.is_none_or(|n| c.customer_number == n)
                    && name.as_deref().is_none_or(|n| {
                        [&c.name, &c.surename, &c.familyname]
                            .iter()
                            .any(|f| f.as_deref().is_some_and(|f| f.to_lowercase().contains(n)))
                    })
            })
            .collect();
        page(&rows, &p, |i| a.contact_view(i))
    })
}

pub(super) async fn get_contact(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| {
        match Account::index(&id, CONTACT_ID_BASE, a.contacts.len()) {
            Some(i) => ok(json!({"objects": [a.contact_view(i)]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("Contact with id {id} not found"),
            ),
        }
    })
}

pub(super) async fn get_comm_ways(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let contact = match q.id("contact[id]") {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        let kind = q.get("type");
        let main = q.get("main");
        let rows: Vec<usize> = (0..a.comm_ways.len())
            .filter(|&i| {
                let w = &a.comm_ways[i];
                contact.is_none_or(|c| CONTACT_ID_BASE + 1 + w.contact as u64 == c)
                    && kind.is_none_or(|k| w.kind == k)
                    && main.is_none_or(|m| (m == "1") == w.main)
            })
            .collect();
        page(&rows, &p, |i| a.comm_way_view(i))
    })
}

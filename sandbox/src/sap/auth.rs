//! Sessions: `Login`, `Logout` and the `B1SESSION` cookie that names a company.

use super::errors::{bad, invalid_session, sap_error, take_failure};
use super::{COMPANY_DB, Company, MAX_GENERATED, PASSWORD, SapSim, SimState, USER};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("B1SESSION=").map(String::from))
}

/// The company of the request's live session.
pub(super) fn company(st: &SimState, headers: &HeaderMap) -> Option<Company> {
    session_of(headers).and_then(|s| st.sessions.get(&s).copied())
}

fn company_db(name: &str) -> Option<Company> {
    if name == COMPANY_DB {
        return Some(Company::Demo);
    }
    let n: usize = name.strip_prefix("gen-")?.parse().ok()?;
    (1..=MAX_GENERATED)
        .contains(&n)
        .then_some(Company::Generated(n))
}

pub(super) async fn login(State(sim): State<Arc<SapSim>>, body: Bytes) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = take_failure(&mut st) {
        return resp;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return bad("Invalid JSON body");
    };
    let field = |k: &str| v[k].as_str().unwrap_or("");
    let company = company_db(field("CompanyDB"));
    let (Some(company), USER, PASSWORD) = (company, field("UserName"), field("Password")) else {
        return sap_error(StatusCode::UNAUTHORIZED, 100000027, "Login failed");
    };
    let n = st.next_session;
    st.next_session += 1;
    st.logins += 1;
    let id = format!(
        "{:08x}-{:04x}-11ef-8000-0050569b{:04x}",
        n * 2654435761 % 0xffff_ffff,
        n % 0xffff,
        n % 0xffff
    );
    st.sessions.insert(id.clone(), company);
    let mut resp = (
        StatusCode::OK,
        axum::Json(json!({
            "odata.metadata": "$metadata#B1Sessions/@Element",
            "SessionId": id,
            "Version": "1000190",
            "SessionTimeout": 30,
        })),
    )
        .into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("B1SESSION={id}; path=/b1s; HttpOnly")) {
        h.append(header::SET_COOKIE, v);
    }
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_static("ROUTEID=.node1; path=/b1s"),
    );
    resp
}

pub(super) async fn logout(State(sim): State<Arc<SapSim>>, headers: HeaderMap) -> Response {
    let mut st = sim.lock();
    match session_of(&headers) {
        Some(s) if st.sessions.remove(&s).is_some() => StatusCode::NO_CONTENT.into_response(),
        _ => invalid_session(),
    }
}

//! `/CheckAccountTransaction` and `/CheckAccount`.

use crate::kit::time::now_secs as now;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::answers::{bad_request, created, error, ok, round2};
use super::model::{Account, Transaction};
use super::parts::{number, ref_id};
use super::query::{Query, page, paging};
use super::views::{check_account_view, transaction_view};
use super::vouchers::parse_date;
use super::{CHECK_ACCOUNT_ID, SevdeskSim, TRANSACTION_ID_BASE};

pub(super) async fn get_transactions(
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
        let account = match q.id("checkAccount[id]") {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        // "Only retrieve transactions with this payment purpose": an exact match.
        let purpose = q.get("paymtPurpose");
        let payee = q.get("payeePayerName");
        let rows: Vec<usize> = (0..a.transactions.len())
            .filter(|&i| {
                let t = &a.transactions[i];
                account.is_none_or(|c| t.check_account == c)
                    && purpose.is_none_or(|p| t.paymt_purpose.as_deref() == Some(p))
                    && payee.is_none_or(|p| t.payee_payer_name == p)
                    && match q.get("onlyCredit") {
                        Some("true" | "1") => t.amount > 0.0,
                        _ => true,
                    }
                    && match q.get("onlyDebit") {
                        Some("true" | "1") => t.amount < 0.0,
                        _ => true,
                    }
            })
            .collect();
        let embed = q.embeds("checkAccount");
        page(&rows, &p, |i| transaction_view(&a.transactions[i], embed))
    })
}

pub(super) async fn get_transaction(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| {
        match Account::index(&id, TRANSACTION_ID_BASE, a.transactions.len()) {
            Some(i) => ok(json!({"objects": [transaction_view(&a.transactions[i], false)]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("CheckAccountTransaction with id {id} not found"),
            ),
        }
    })
}

/// `POST /CheckAccountTransaction` with `Model_CheckAccountTransaction`: required
/// `valueDate`, `checkAccount`, `amount`, `status`, `payeePayerName`. Spec: "only status
/// 100 makes sense when creating transactions". Not deduplicated, like the real service.
pub(super) async fn post_transaction(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, true, |a| {
        let Ok(Value::Object(t)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request("the body must be a JSON object (Model_CheckAccountTransaction)");
        };
        let Some(value_date) = t.get("valueDate").and_then(parse_date) else {
            return bad_request("valueDate is required");
        };
        let entry_date = t
            .get("entryDate")
            .and_then(parse_date)
            .unwrap_or(value_date);
        let Some(account) = t.get("checkAccount").and_then(ref_id) else {
            return bad_request("checkAccount is required");
        };
        if account != CHECK_ACCOUNT_ID {
            return bad_request(&format!("CheckAccount with id {account} not found"));
        }
        let Some(amount) = t.get("amount").and_then(number) else {
            return bad_request("amount must be a number");
        };
        if t.get("status").and_then(number) != Some(100.0) {
            return bad_request("status must be 100");
        }
        let Some(payee) = t
            .get("payeePayerName")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        else {
            return bad_request("payeePayerName is required");
        };
        let tx = Transaction {
            id: TRANSACTION_ID_BASE + 1 + a.transactions.len() as u64,
            value_date,
            entry_date,
            paymt_purpose: t
                .get("paymtPurpose")
                .and_then(Value::as_str)
                .map(String::from),
            amount: round2(amount),
            payee_payer_name: payee.to_string(),
            check_account: account,
            status: 100,
            create: now(),
        };
        let answer = transaction_view(&tx, false);
        a.transactions.push(tx);
        created(answer)
    })
}

pub(super) async fn get_check_accounts(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |_| {
        ok(json!({"objects": [check_account_view()]}))
    })
}

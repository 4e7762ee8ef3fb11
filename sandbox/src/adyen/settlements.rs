//! Settlement: a test hook closes a settlement batch (`POST /_sim/settle`): every capture,
//! refund and chargeback not yet settled, with Adyen's processing fee (€0.11 plus 0.60 %,
//! as commission on each settled capture), and the payout of what remains. Like Adyen, it
//! writes the batch's settlement detail report (`GET /v71/reports/download/
//! MerchantAccount/{account}/{file}`, `X-API-Key`) and announces it with a signed `REPORT_AVAILABLE`
//! notification whose `reason` is the report's URL.

use super::notifications::sign_notification;
use super::{AdyenSim, SimState, rfc3339};
use crate::kit::time::now_secs;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use beep_sdk::money;
use serde_json::{Value, json};
use std::sync::Arc;

/// The report's columns (the settlement detail report's, as far as they are filled).
const COLUMNS: &str = "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number";

/// Adyen's processing fee on a capture: 11 minor units plus 0.60 % (half up).
fn commission(amount: i64) -> i64 {
    11 + (amount * 6 + 500) / 1000
}

/// A chargeback (or its reversal) the scheme decided, for the next batch.
pub(super) struct Chargeback {
    pub(super) psp: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) reversal: bool,
}

struct Row {
    psp: String,
    reference: String,
    kind: &'static str,
    currency: String,
    /// Minor units: what left (debit) or came in (credit), gross and net of fees.
    gross_debit: i64,
    gross_credit: i64,
    net_debit: i64,
    net_credit: i64,
    commission: i64,
}

impl SimState {
    /// Closes a batch; answers its notification item, or why there is nothing to settle.
    fn settle(&mut self, origin: &str) -> Result<Value, String> {
        let mut rows = Vec::new();
        let mut account = None;
        for p in &self.payments {
            let done = self.settled_captures.get(&p.psp).copied().unwrap_or(0);
            if p.captured > done {
                let gross = p.captured - done;
                let fee = commission(gross);
                rows.push(Row {
                    psp: p.psp.clone(),
                    reference: p.reference.clone(),
                    kind: "Settled",
                    currency: p.currency.clone(),
                    gross_debit: 0,
                    gross_credit: gross,
                    net_debit: 0,
                    net_credit: gross - fee,
                    commission: fee,
                });
                account.get_or_insert_with(|| p.merchant_account.clone());
            }
            let refunded = self.settled_refunds.get(&p.psp).copied().unwrap_or(0);
            if p.refunded > refunded {
                let gross = p.refunded - refunded;
                rows.push(Row {
                    psp: p.psp.clone(),
                    reference: p.reference.clone(),
                    kind: "Refunded",
                    currency: p.currency.clone(),
                    gross_debit: gross,
                    gross_credit: 0,
                    net_debit: gross,
                    net_credit: 0,
                    commission: 0,
                });
                account.get_or_insert_with(|| p.merchant_account.clone());
            }
        }
        for c in &self.chargebacks[self.chargebacks_settled..] {
            let (kind, debit, credit) = match c.reversal {
                false => ("Chargeback", c.amount, 0),
                true => ("ChargebackReversed", 0, c.amount),
            };
            let reference = self
                .payment_index
                .get(&c.psp)
                .map(|&i| self.payments[i].reference.clone())
                .unwrap_or_default();
            rows.push(Row {
                psp: c.psp.clone(),
                reference,
                kind,
                currency: c.currency.clone(),
                gross_debit: debit,
                gross_credit: credit,
                net_debit: debit,
                net_credit: credit,
                commission: 0,
            });
        }
        let Some(account) = account.or_else(|| self.merchant_accounts.first().cloned()) else {
            return Err("no merchant account".into());
        };
        let currency = rows
            .first()
            .map(|r| r.currency.clone())
            .ok_or("nothing to settle")?;
        let net: i64 = rows.iter().map(|r| r.net_credit - r.net_debit).sum();
        // Everything is settled now, whatever the batch pays.
        for p in &self.payments {
            self.settled_captures.insert(p.psp.clone(), p.captured);
            self.settled_refunds.insert(p.psp.clone(), p.refunded);
        }
        self.chargebacks_settled = self.chargebacks.len();
        self.batches += 1;
        let batch = self.batches;
        let major = |minor: i64| match minor {
            0 => String::new(),
            m => money::to_major_string(&money::money(m, &currency)).unwrap_or_default(),
        };
        let created = crate::kit::time::utc(now_secs(), "%Y-%m-%d %H:%M:%S");
        let mut csv = format!("{COLUMNS}\n");
        for r in &rows {
            csv.push_str(&format!(
                "BeepSandboxCompany,{account},{psp},{reference},visa,{created},UTC,{kind},{psp},{cur},{gd},{gc},1,{cur},{nd},{nc},{fee},,,,visa,,{batch}\n",
                psp = r.psp,
                reference = r.reference,
                kind = r.kind,
                cur = r.currency,
                gd = major(r.gross_debit),
                gc = major(r.gross_credit),
                nd = major(r.net_debit),
                nc = major(r.net_credit),
                fee = major(r.commission),
            ));
        }
        if net > 0 {
            csv.push_str(&format!(
                "BeepSandboxCompany,{account},,,,{created},UTC,MerchantPayout,,{currency},,,1,{currency},{},,,,,,,,{batch}\n",
                major(net)
            ));
        }
        let file = format!("settlement_detail_report_batch_{batch}.csv");
        // Adyen serves reports from its own host (`ca-test.adyen.com/reports/download/…`);
        // the simulator serves them beside the Checkout API, inside the base path that
        // Test Mode grants.
        let url = format!("{origin}/v71/reports/download/MerchantAccount/{account}/{file}");
        self.reports.insert(file.clone(), csv);
        let mut item = json!({
            "amount": { "currency": currency, "value": 0 },
            "eventCode": "REPORT_AVAILABLE",
            "eventDate": rfc3339(now_secs()),
            "merchantAccountCode": account,
            "merchantReference": "",
            "pspReference": file,
            "reason": url,
            "success": "true",
        });
        let signature = sign_notification(&self.hmac_key, &item);
        item["additionalData"] = json!({ "hmacSignature": signature });
        self.notifications.push(item.clone());
        Ok(item)
    }
}

/// `POST /_sim/settle`: the batch closes now; answers its `REPORT_AVAILABLE` item.
pub(super) async fn sim_settle(
    State(sim): State<Arc<AdyenSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    // The simulator's mount point: what nesting stripped, less the hooks' own prefix.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mount = original
        .path()
        .strip_suffix(uri.path())
        .unwrap_or("")
        .trim_end_matches("/_sim")
        .trim_end_matches("/v71");
    let origin = format!("http://{host}{mount}");
    match sim.lock().settle(&origin) {
        Ok(item) => axum::Json(item).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

/// `GET /reports/download/MerchantAccount/{account}/{file}` with `X-API-Key`.
pub(super) async fn download_report(
    State(sim): State<Arc<AdyenSim>>,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let st = sim.lock();
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !st.api_keys.iter().any(|k| k == key) {
        return (
            StatusCode::UNAUTHORIZED,
            "HTTP Status Response - Unauthorized",
        )
            .into_response();
    }
    match st.reports.get(&file) {
        Some(csv) if st.merchant_accounts.contains(&account) => {
            ([(header::CONTENT_TYPE, "text/csv")], csv.clone()).into_response()
        }
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn commission_is_eleven_cents_and_sixty_basis_points() {
        assert_eq!(super::commission(4_733), 39);
        assert_eq!(super::commission(2_000), 23);
    }
}

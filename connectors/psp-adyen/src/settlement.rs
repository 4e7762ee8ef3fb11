//! Settlements arrive by webhook: Adyen announces each settlement batch's report with a
//! `REPORT_AVAILABLE` notification (`pspReference` the file name, `reason` its download
//! URL). The connector downloads the settlement detail report (`X-API-Key`, a key with
//! the report download role) and reads the batch as one payout: `Settled` rows are the
//! sales (their commission and fees withheld), `Refunded` and `Chargeback` rows what left,
//! `Fee` rows fees, `MerchantPayout` what was paid to the bank.

use crate::config::AdyenConfig;
use beep_sdk::error::{internal, unauthorized};
use beep_sdk::payout::{Statement, Totals};
use beep_sdk::prelude::*;

/// Where Adyen serves reports, test and live.
const REPORT_ORIGINS: [&str; 2] = [
    "https://ca-test.adyen.com/reports/download/",
    "https://ca-live.adyen.com/reports/download/",
];

/// Whether a notification is a settlement detail report.
pub fn is_settlement_report(event_code: &str, file: &str) -> bool {
    event_code == "REPORT_AVAILABLE" && file.starts_with("settlement_detail_report_batch_")
}

/// The report's URL, if it is one of Adyen's report origins (or, in Test Mode, the
/// simulator's, beside the configured base URL): a notification names it, and the
/// connector fetches nothing else.
pub fn report_url(cfg: &AdyenConfig, url: &str) -> Result<String, ConnectorError> {
    let base = cfg.base();
    // Test Mode's simulator serves reports beside its Checkout API.
    let own = format!("{base}/reports/download/");
    let ok = REPORT_ORIGINS.iter().any(|o| url.starts_with(o))
        || (cfg.base_url.is_some() && url.starts_with(&own));
    if ok && !url.contains("..") {
        Ok(url.to_string())
    } else {
        Err(unauthorized(format!(
            "a report outside Adyen's report origins: {url}"
        )))
    }
}

/// One CSV line's fields (RFC 4180 quoting: `"a,b"`, `""` for a quote).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The batch of a settlement detail report as a payout; none for a report without rows.
pub fn payout_from_report(csv: &str) -> Result<Option<Payout>, ConnectorError> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Ok(None);
    };
    let header = fields(header);
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| internal(format!("settlement report: no column {name:?}")))
    };
    let (kind, batch, currency) = (
        column("Type")?,
        column("Batch Number")?,
        column("Net Currency")?,
    );
    let (gross_debit, gross_credit) = (column("Gross Debit (GC)")?, column("Gross Credit (GC)")?);
    let (net_debit, net_credit) = (column("Net Debit (NC)")?, column("Net Credit (NC)")?);
    let created = column("Creation Date")?;
    let mut totals = Totals::default();
    let mut paid_out = None;
    let mut first: Option<(String, String, String)> = None;
    for line in lines {
        let row = fields(line);
        let cell = |i: usize| row.get(i).map(|s| s.trim()).unwrap_or("");
        let cur = cell(currency).to_string();
        let amount = |i: usize| -> Result<i64, ConnectorError> {
            match cell(i) {
                "" => Ok(0),
                v => money::from_major_str(v, &cur),
            }
        };
        if first.is_none() {
            first = Some((
                cell(batch).to_string(),
                cur.clone(),
                cell(created).to_string(),
            ));
        }
        match cell(kind) {
            "Settled" => {
                totals.sales += amount(gross_credit)?;
                totals.fees += amount(gross_credit)? - amount(net_credit)?;
            }
            "Refunded" => {
                totals.refunds += amount(gross_debit)?;
                totals.fees += amount(net_debit)? - amount(gross_debit)?;
            }
            "Chargeback" | "SecondChargeback" => {
                totals.chargebacks += amount(gross_debit)?;
                totals.fees += amount(net_debit)? - amount(gross_debit)?;
            }
            "ChargebackReversed" => totals.chargebacks -= amount(gross_credit)?,
            "Fee" | "MiscCosts" => totals.fees += amount(net_debit)? - amount(net_credit)?,
            "MerchantPayout" => paid_out = Some(amount(net_debit)?),
            // Deposits, corrections, balance transfers: the rest of the payout.
            _ => {}
        }
    }
    let Some((batch, currency, created)) = first else {
        return Ok(None);
    };
    let (status, amount) = match paid_out {
        Some(a) => (PayoutStatus::Paid, a),
        // A batch closed without a payout line: what it would pay, not yet sent.
        None => (PayoutStatus::Pending, totals.net()),
    };
    let created_at = beep_sdk::time::parse_timestamp(&created)
        .and_then(beep_sdk::time::rfc3339)
        .unwrap_or_default();
    Ok(Some(totals.payout(Statement {
        provider_reference: format!("batch-{batch}"),
        status,
        amount,
        currency,
        created_at,
        arrival_date: None,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number
Beep,BeepShop,P1,r-1,visa,2026-12-07 10:00:00,UTC,Settled,P1,EUR,,47.33,1,EUR,,46.94,0.39,,,,visa,,7
Beep,BeepShop,P2,r-2,visa,2026-12-07 10:00:00,UTC,Settled,P2,EUR,,\"20.00\",1,EUR,,19.77,0.23,,,,visa,,7
Beep,BeepShop,P1,r-1,visa,2026-12-07 10:00:00,UTC,Refunded,R1,EUR,5.00,,1,EUR,5.00,,,,,,visa,,7
Beep,BeepShop,P2,r-2,visa,2026-12-07 10:00:00,UTC,Chargeback,C1,EUR,20.00,,1,EUR,20.00,,,,,,visa,,7
Beep,BeepShop,,,,2026-12-07 10:00:00,UTC,MerchantPayout,,EUR,,,1,EUR,41.71,,,,,,,,7
";

    #[test]
    fn a_batch_is_a_payout() {
        let p = payout_from_report(REPORT).unwrap().unwrap();
        assert_eq!(p.provider_reference, "batch-7");
        assert_eq!(p.status, PayoutStatus::Paid);
        assert_eq!(
            (
                p.sales.amount,
                p.refunds.amount,
                p.chargebacks.amount,
                p.fees.amount
            ),
            (6_733, 500, 2_000, 62)
        );
        assert_eq!(p.amount.amount, 4_171);
        assert_eq!(p.adjustments.amount, 0);
        assert_eq!(p.created_at, "2026-12-07T10:00:00Z");
    }

    #[test]
    fn quoted_fields_split_right() {
        assert_eq!(fields(r#"a,"b,c","d""e""#), ["a", "b,c", "d\"e"]);
    }

    #[test]
    fn only_adyen_serves_reports() {
        let cfg =
            AdyenConfig::parse(r#"{"apiKey":"AQE1","merchantAccount":"BeepShop","hmacKey":"00"}"#)
                .unwrap();
        assert!(report_url(&cfg, "https://ca-test.adyen.com/reports/download/MerchantAccount/BeepShop/settlement_detail_report_batch_7.csv").is_ok());
        assert!(report_url(&cfg, "https://thief.example/reports/download/x.csv").is_err());
    }
}

//! The bridge's PLU file and journal ⇄ the contract's types. Pure functions, unit-tested
//! natively.

use crate::model::{
    ErrorBody, JournalEntry, JournalLine, JournalPayment, PluHeader, PluRecord, Register,
};
use beep_sdk::error::{internal, invalid_config};
use beep_sdk::money;
use beep_sdk::types::{Category, ConnectorError, Money, Product, PushOutcome, Sale};

/// Splits one CSV line: commas, `"…"` quoting with `""` for a quote.
pub fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// "19.00" (percent, up to two decimals) in basis points.
pub fn percent_to_bps(text: &str) -> Option<u32> {
    let (int, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if int.is_empty()
        || frac.len() > 2
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(int.parse::<u32>().ok()? * 100 + frac.parse::<u32>().ok()?)
}

/// Parses the PLU file: its preamble and records.
pub fn parse_plu_file(text: &str) -> Result<(PluHeader, Vec<PluRecord>), ConnectorError> {
    let mut header = PluHeader::default();
    let mut records = Vec::new();
    let mut columns: Option<Vec<String>> = None;
    let bad = |n: usize, what: &str| internal(format!("PLU file line {n}: {what}"));
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(meta) = line.strip_prefix('#') {
            let f = split_csv(meta);
            match (f[0].as_str(), f.len()) {
                ("GENERATION", 2) => header.generation = f[1].trim().parse().ok(),
                ("DELTA", 2) => header.delta = f[1].trim() == "1",
                ("CURRENCY", 2) => header.currency = Some(f[1].trim().to_string()),
                ("DECIMALS", 2) => {
                    header.decimals = Some(f[1].trim().parse().map_err(|_| bad(n, "DECIMALS"))?)
                }
                ("TAX", 3) => {
                    let table = f[1].trim().parse().map_err(|_| bad(n, "tax table"))?;
                    let rate = percent_to_bps(&f[2]).ok_or_else(|| bad(n, "tax rate"))?;
                    header.tax.push((table, rate));
                }
                ("DEPT", 3) => header.depts.push((f[1].trim().to_string(), f[2].clone())),
                // Other preamble lines (the format marker, future keys) are informational.
                _ => {}
            }
            continue;
        }
        let f = split_csv(line);
        let Some(cols) = &columns else {
            columns = Some(f.iter().map(|c| c.trim().to_ascii_uppercase()).collect());
            continue;
        };
        let col = |name: &str| {
            cols.iter()
                .position(|c| c == name)
                .and_then(|i| f.get(i))
                .map(|v| v.trim())
        };
        let number = col("PLU")
            .filter(|p| !p.is_empty())
            .ok_or_else(|| bad(n, "no PLU number"))?;
        let price = col("PRICE")
            .unwrap_or("0")
            .parse::<i64>()
            .map_err(|_| bad(n, "PRICE is not a register amount"))?;
        let tax = match col("TAX").unwrap_or("") {
            "" => 0,
            t => t.parse().map_err(|_| bad(n, "TAX is not a tax table"))?,
        };
        records.push(PluRecord {
            number: number.to_string(),
            descriptor: col("DESCRIPTOR").unwrap_or("").to_string(),
            price,
            dept: col("DEPT").filter(|d| !d.is_empty()).map(str::to_string),
            tax,
            deleted: col("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("D")),
        });
    }
    if columns.is_none() {
        return Err(internal("PLU file without a header row"));
    }
    Ok((header, records))
}

/// A register integer (`decimals` implied places) in the currency's minor units; an
/// amount that does not convert exactly is refused rather than rounded.
pub fn register_to_minor(value: i64, decimals: u32, currency: &str) -> Result<i64, ConnectorError> {
    let exp = u32::from(
        money::exponent(currency)
            .ok_or_else(|| invalid_config(format!("unknown currency {currency:?}")))?,
    );
    if decimals <= exp {
        value
            .checked_mul(10i64.pow(exp - decimals))
            .ok_or_else(|| internal(format!("amount {value} out of range")))
    } else {
        let f = 10i64.pow(decimals - exp);
        if value % f != 0 {
            return Err(internal(format!(
                "{value} ({decimals} decimals) is not a whole {currency} amount"
            )));
        }
        Ok(value / f)
    }
}

/// Minor units as a register integer; `None` when the register cannot hold it exactly.
pub fn minor_to_register(minor: i64, decimals: u32, currency: &str) -> Option<i64> {
    let exp = u32::from(money::exponent(currency)?);
    if decimals >= exp {
        minor.checked_mul(10i64.pow(decimals - exp))
    } else {
        let f = 10i64.pow(exp - decimals);
        (minor % f == 0).then(|| minor / f)
    }
}

/// Whether a PLU number is a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) with a valid check digit.
pub fn is_gtin(code: &str) -> bool {
    if !matches!(code.len(), 8 | 12 | 13 | 14) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

/// What mapping the file needs: the currency and decimals (the file's, else the
/// configured ones) and the tax tables.
pub struct Ctx<'a> {
    pub currency: &'a str,
    pub decimals: u32,
    pub tax: &'a [(u8, u32)],
}

/// A PLU record as a product: the PLU number is the id and the SKU (it is what the
/// register keys), a valid EAN/UPC number is also its GTIN, the department its category.
pub fn product(r: &PluRecord, ctx: &Ctx) -> Result<Product, ConnectorError> {
    let amount = register_to_minor(r.price, ctx.decimals, ctx.currency)?;
    let tax_rate_bps = match r.tax {
        0 => Some(0),
        t => ctx.tax.iter().find(|(n, _)| *n == t).map(|(_, bps)| *bps),
    };
    Ok(Product {
        external_id: r.number.clone(),
        sku: Some(r.number.clone()),
        name: r.descriptor.clone(),
        category_id: r.dept.clone(),
        // An open PLU (price 0) has no fixed price: the cashier enters it.
        price: (amount > 0).then(|| money::money(amount, ctx.currency)),
        tax_rate_bps,
        gtins: if is_gtin(&r.number) {
            vec![r.number.clone()]
        } else {
            Vec::new()
        },
        unit: None,
        active: !r.deleted,
    })
}

pub fn category((code, name): &(String, String)) -> Category {
    Category {
        external_id: code.clone(),
        name: name.clone(),
        parent_id: None,
    }
}

/// The register's media key for a BEEP! payment method.
pub fn media(method: &str) -> &'static str {
    match method.to_ascii_lowercase().as_str() {
        "cash" => "CASH",
        "check" | "cheque" => "CHECK",
        // Cards, wallets and anything paid through a PSP.
        _ => "CHARGE",
    }
}

/// A BEEP! sale as a journal entry of `register`; Err says why the register cannot book
/// it (the sale is rejected, not retried).
pub fn journal_entry(sale: &Sale, register: &Register) -> Result<JournalEntry, ConnectorError> {
    let currency = register.currency.as_str();
    let decimals = register.decimals;
    let amount = |m: &Money, what: &str| -> Result<i64, ConnectorError> {
        if !m.currency.eq_ignore_ascii_case(currency) {
            return Err(invalid_config(format!(
                "{what} is in {} but the register keeps {currency}",
                m.currency
            )));
        }
        minor_to_register(m.amount, decimals, currency).ok_or_else(|| {
            invalid_config(format!(
                "{what} {} {} does not fit the register's {decimals} decimals",
                m.amount, m.currency
            ))
        })
    };
    let tables: Vec<(u8, u32)> = register
        .tax_tables
        .iter()
        .filter_map(|t| Some((t.table, percent_to_bps(&t.rate_percent)?)))
        .collect();
    let mut lines = Vec::with_capacity(sale.lines.len());
    for l in &sale.lines {
        let tax_table = match l.tax_rate_bps {
            None => None,
            Some(0) => Some(tables.iter().find(|(_, r)| *r == 0).map_or(0, |(t, _)| *t)),
            Some(bps) => Some(
                tables
                    .iter()
                    .find(|(_, r)| *r == bps)
                    .map(|(t, _)| *t)
                    .ok_or_else(|| {
                        invalid_config(format!(
                            "line {:?}: no tax table of the register has {}.{:02} %",
                            l.name,
                            bps / 100,
                            bps % 100
                        ))
                    })?,
            ),
        };
        lines.push(JournalLine {
            plu: l
                .product_id
                .clone()
                .or_else(|| l.sku.clone())
                .filter(|p| !p.is_empty()),
            descriptor: l.name.clone(),
            quantity: l.quantity,
            price: amount(&l.unit_price, "unit price")?,
            amount: amount(&l.total, "line total")?,
            tax_table,
        });
    }
    let payments = sale
        .payments
        .iter()
        .map(|p| {
            Ok(JournalPayment {
                media: media(&p.method),
                amount: amount(&p.amount, "payment")?,
                reference: p.reference.clone(),
            })
        })
        .collect::<Result<Vec<_>, ConnectorError>>()?;
    Ok(JournalEntry {
        sale_id: sale.id.clone(),
        receipt_number: sale.receipt_number.clone(),
        created_at: sale.created_at.clone(),
        currency: currency.to_string(),
        decimals,
        lines,
        total: amount(&sale.total, "total")?,
        tax_total: sale
            .tax_total
            .as_ref()
            .map(|t| amount(t, "tax total"))
            .transpose()?,
        payments,
    })
}

/// The bridge's reason from `{"error":{"code","message"}}`.
pub fn error_message(body: &[u8]) -> Option<String> {
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
    let message = e.error.message?;
    Some(match e.error.code {
        Some(code) => format!("{message} ({code})"),
        None => message,
    })
}

/// A journal write's answer as a push outcome: 201 created, 409 already delivered
/// (duplicate), 400/422 refused. `None` for anything that should fail the call (auth,
/// rate limit, outage): the host resends, and what arrived comes back as 409.
pub fn push_outcome(status: u16, body: &[u8]) -> Option<PushOutcome> {
    let file = || {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                v.get("file")
                    .or_else(|| v.get("error").and_then(|e| e.get("file")))
                    .and_then(|f| f.as_str())
                    .map(str::to_string)
            })
    };
    match status {
        200 | 201 => Some(PushOutcome::Created(file())),
        409 => Some(PushOutcome::Duplicate(file())),
        400 | 422 => Some(PushOutcome::Rejected(beep_sdk::error::upstream(
            status,
            error_message(body).unwrap_or_else(|| "the bridge refused the entry".into()),
        ))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Money has no PartialEq (generated binding): compare EUR amounts.
    fn eur(m: &Option<beep_sdk::types::Money>) -> Option<i64> {
        m.as_ref().map(|m| {
            assert_eq!(m.currency, "EUR");
            m.amount
        })
    }
    use crate::model::TaxTable;
    use beep_sdk::types::{SaleLine, SalePayment};

    const FILE: &str = "#CASIO-PLU,1\r\n#GENERATION,7\r\n#DELTA,0\r\n#CURRENCY,EUR\r\n#DECIMALS,2\r\n#TAX,1,19.00\r\n#TAX,2,7\r\n#DEPT,04,\"SNACKS, SUESSES\"\r\nPLU,DESCRIPTOR,PRICE,DEPT,TAX,STATUS\r\n1,ESPRESSO,250,01,1,A\r\n4006381333931,MINERALWASSER 0,5L,180,02,1,A\r\n202,\"\"\"BIO\"\" KEKSE\",155,04,2,A\r\n9,OPEN,0,,0,D\r\n";

    #[test]
    fn the_plu_file_parses() {
        // The unquoted comma in "MINERALWASSER 0,5L" is a bridge bug; see the next case.
        let fixed = FILE.replace("MINERALWASSER 0,5L", "\"MINERALWASSER 0,5L\"");
        let (h, recs) = parse_plu_file(&fixed).unwrap();
        assert_eq!(h.generation, Some(7));
        assert!(!h.delta);
        assert_eq!(h.currency.as_deref(), Some("EUR"));
        assert_eq!(h.decimals, Some(2));
        assert_eq!(h.tax, vec![(1, 1900), (2, 700)]);
        assert_eq!(
            h.depts,
            vec![("04".to_string(), "SNACKS, SUESSES".to_string())]
        );
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[2].descriptor, "\"BIO\" KEKSE");
        assert!(recs[3].deleted && recs[3].dept.is_none());
        let ctx = Ctx {
            currency: "EUR",
            decimals: 2,
            tax: &h.tax,
        };
        let p = product(&recs[1], &ctx).unwrap();
        assert_eq!(p.external_id, "4006381333931");
        assert_eq!(p.gtins, vec!["4006381333931".to_string()]);
        assert_eq!(eur(&p.price), Some(180));
        assert_eq!(p.tax_rate_bps, Some(1900));
        assert_eq!(p.category_id.as_deref(), Some("02"));
        let open = product(&recs[3], &ctx).unwrap();
        assert!(!open.active && open.price.is_none() && open.gtins.is_empty());
        assert_eq!(open.tax_rate_bps, Some(0));
        // A column the file does not quote shifts the record: refused, not misread.
        assert!(parse_plu_file(FILE).is_err());
        assert!(parse_plu_file("#GENERATION,1\n").is_err());
    }

    #[test]
    fn amounts_follow_the_registers_decimals() {
        assert_eq!(register_to_minor(250, 2, "EUR").unwrap(), 250);
        assert_eq!(register_to_minor(25, 1, "EUR").unwrap(), 250);
        assert_eq!(register_to_minor(2500, 3, "EUR").unwrap(), 250);
        assert!(register_to_minor(2501, 3, "EUR").is_err());
        assert_eq!(register_to_minor(300, 0, "JPY").unwrap(), 300);
        assert_eq!(register_to_minor(1250, 3, "KWD").unwrap(), 1250);
        assert_eq!(minor_to_register(250, 1, "EUR"), Some(25));
        assert_eq!(minor_to_register(255, 1, "EUR"), None);
        assert_eq!(minor_to_register(250, 3, "EUR"), Some(2500));
        assert!(
            is_gtin("4006381333931")
                && is_gtin("96385074")
                && !is_gtin("4006381333932")
                && !is_gtin("101")
        );
        assert_eq!(percent_to_bps("8.1"), Some(810));
        assert_eq!(percent_to_bps("19.005"), None);
    }

    fn register() -> Register {
        Register {
            currency: "EUR".into(),
            decimals: 2,
            tax_tables: vec![
                TaxTable {
                    table: 1,
                    rate_percent: "19.00".into(),
                },
                TaxTable {
                    table: 2,
                    rate_percent: "7.00".into(),
                },
            ],
        }
    }

    fn sale(bps: Option<u32>, currency: &str) -> Sale {
        let m = |a| money::money(a, currency);
        Sale {
            id: "sale_1".into(),
            receipt_number: "R-1".into(),
            lines: vec![SaleLine {
                product_id: None,
                sku: Some("1".into()),
                name: "Espresso".into(),
                quantity: 2.0,
                unit_price: m(250),
                total: m(500),
                tax_rate_bps: bps,
            }],
            total: m(500),
            tax_total: Some(m(80)),
            payments: vec![SalePayment {
                method: "card".into(),
                amount: m(500),
                reference: Some("pi_1".into()),
            }],
            created_at: "2026-11-28T10:00:00Z".into(),
        }
    }

    #[test]
    fn sales_become_journal_entries() {
        let e = journal_entry(&sale(Some(1900), "EUR"), &register()).unwrap();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"saleId": "sale_1", "receiptNumber": "R-1", "createdAt": "2026-11-28T10:00:00Z",
                "currency": "EUR", "decimals": 2, "total": 500, "taxTotal": 80,
                "lines": [{"plu": "1", "descriptor": "Espresso", "quantity": 2.0, "price": 250, "amount": 500, "taxTable": 1}],
                "payments": [{"media": "CHARGE", "amount": 500, "reference": "pi_1"}]})
        );
        assert!(
            matches!(journal_entry(&sale(Some(1000), "EUR"), &register()), Err(ConnectorError::InvalidConfig(m)) if m.contains("10.00 %"))
        );
        assert!(journal_entry(&sale(None, "USD"), &register()).is_err());
        assert_eq!(media("cash"), "CASH");
        assert!(
            matches!(push_outcome(201, br#"{"saleId":"s","file":"EJ_s.json"}"#), Some(PushOutcome::Created(Some(f))) if f == "EJ_s.json")
        );
        assert!(matches!(
            push_outcome(
                409,
                br#"{"error":{"code":"already_delivered","message":"m","file":"EJ_s.json"}}"#
            ),
            Some(PushOutcome::Duplicate(Some(_)))
        ));
        assert!(
            matches!(push_outcome(400, br#"{"error":{"code":"invalid_entry","message":"bad"}}"#), Some(PushOutcome::Rejected(ConnectorError::Upstream(u))) if u.message == "bad (invalid_entry)")
        );
        assert!(push_outcome(500, b"").is_none());
    }
}

//! Korona objects ⇄ the contract's types. Pure functions, unit-tested natively.

use crate::model::{self, AddOrUpdateResult, CommodityGroup, ErrorModel, ProductPrice, Ref};
use crate::util::{is_gtin, is_uuid, parse_timestamp};
use beep_sdk::error::{internal, invalid_config, upstream};
use beep_sdk::money;
use beep_sdk::types::{Category, ConnectorError, PriceUpdate, Product, PushOutcome, Sale};
use std::collections::BTreeMap;

/// What mapping a catalogue page needs besides the page.
pub struct Ctx<'a> {
    /// ISO 4217 code of the account's prices (Korona prices carry none).
    pub currency: &'a str,
    /// Configured price group (id, number or name); `None`: the product's first one.
    pub price_group: Option<&'a str>,
    /// Unix seconds "now" (from the answer's `Date`), to pick prices and tax rates in effect.
    pub now: Option<i64>,
    /// Sector id → tax rate in basis points.
    pub sectors: &'a BTreeMap<String, u32>,
}

/// Of entries valid from a date, the one in effect at `now`: the latest `validFrom` not
/// after `now` (all of them when `now` is unknown). No `validFrom` means "always"; on a tie
/// the later entry wins.
fn in_effect<'a, T>(
    entries: impl Iterator<Item = (Option<&'a str>, T)>,
    now: Option<i64>,
) -> Option<T> {
    let mut best: Option<(i64, T)> = None;
    for (valid_from, item) in entries {
        let from = valid_from.and_then(parse_timestamp).unwrap_or(i64::MIN);
        if now.is_some_and(|now| from > now) {
            continue;
        }
        if best.as_ref().is_none_or(|(b, _)| from >= *b) {
            best = Some((from, item));
        }
    }
    best.map(|(_, item)| item)
}

/// A percentage (Korona's `rate`, 19 for 19 %) in basis points.
fn percent_to_bps(rate: f64) -> Option<u32> {
    (rate.is_finite() && rate >= 0.0).then(|| (rate * 100.0).round() as u32)
}

/// The rate of a sales tax in effect now, in basis points.
pub fn sales_tax_bps(tax: &model::SalesTax, now: Option<i64>) -> Option<u32> {
    let rates = tax.rates.as_deref().unwrap_or_default();
    let rate = in_effect(
        rates
            .iter()
            .filter_map(|r| Some((r.valid_from.as_deref(), r.rate?))),
        now,
    )?;
    percent_to_bps(rate)
}

/// A sector's tax rate: the sum of its sales taxes (several apply together, e.g. state and
/// county taxes). `None` when none of them is known.
pub fn sector_bps(sector: &model::Sector, sales_taxes: &BTreeMap<String, u32>) -> Option<u32> {
    let known: Vec<u32> = sector
        .sales_taxes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| sales_taxes.get(s.sales_tax.as_ref()?.id.as_ref()?).copied())
        .collect();
    (!known.is_empty()).then(|| known.iter().sum())
}

/// A commodity group as a category; a deleted one (only listed with `includeDeleted`) is
/// skipped, as the contract has no way to say "deleted" for a category.
pub fn category(group: &CommodityGroup) -> Option<Category> {
    if group.active == Some(false) {
        return None;
    }
    Some(Category {
        external_id: group.id.clone(),
        name: group
            .name
            .clone()
            .or_else(|| group.number.clone())
            .unwrap_or_else(|| group.id.clone()),
        parent_id: group
            .parent_commodity_group
            .as_ref()
            .and_then(|p| p.id.clone()),
    })
}

/// The product's price in effect now in the configured price group (or, unconfigured, in
/// the price group of its first general price; Korona lists the default group first).
/// Prices for one product code or one organisational unit are not the product's price.
pub fn current_price(
    prices: &[ProductPrice],
    price_group: Option<&str>,
    now: Option<i64>,
) -> Option<f64> {
    let general = || {
        prices
            .iter()
            .filter(|p| p.product_code.is_none() && p.organizational_unit.is_none())
    };
    let default_group: Option<&Ref> = general().find_map(|p| p.price_group.as_ref());
    let in_group = |p: &&ProductPrice| match (price_group, p.price_group.as_ref(), default_group) {
        (Some(wanted), Some(group), _) => group.named(wanted),
        (Some(_), None, _) => false,
        (None, Some(group), Some(default)) => group.same(default),
        (None, None, _) => true,
        (None, Some(_), None) => false,
    };
    in_effect(
        general()
            .filter(in_group)
            .filter_map(|p| Some((p.valid_from.as_deref(), p.value?))),
        now,
    )
}

/// Korona's `packagingUnit` as a short unit symbol.
pub fn unit(packaging_unit: &str) -> String {
    match packaging_unit {
        "PIECE" => "pc",
        "KILOGRAM" => "kg",
        "GRAM" => "g",
        "LITER" => "l",
        "MILLILITER" => "ml",
        "METER" => "m",
        "CENTIMETER" => "cm",
        "SQUARE_METER" => "m2",
        "CUBIC_METER" => "m3",
        "POUND" => "lb",
        "OUNCE" => "oz",
        "FLUID_OUNCE" => "fl_oz",
        "GALLON_FL" => "gal",
        "INCH" => "in",
        other => return other.to_ascii_lowercase(),
    }
    .to_string()
}

pub fn product(p: &model::Product, ctx: &Ctx) -> Result<Product, ConnectorError> {
    let price = current_price(
        p.prices.as_deref().unwrap_or_default(),
        ctx.price_group,
        ctx.now,
    )
    .map(|v| money::from_major_f64(v, ctx.currency).map(|a| money::money(a, ctx.currency)))
    .transpose()?;
    let gtins = p
        .codes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.product_code.as_deref())
        .filter(|c| is_gtin(c))
        .map(str::to_string)
        .collect();
    Ok(Product {
        external_id: p.id.clone(),
        sku: p.number.clone(),
        name: p
            .name
            .clone()
            .or_else(|| p.number.clone())
            .unwrap_or_else(|| p.id.clone()),
        category_id: p.commodity_group.as_ref().and_then(|g| g.id.clone()),
        price,
        tax_rate_bps: p
            .sector
            .as_ref()
            .and_then(|s| ctx.sectors.get(s.id.as_ref()?).copied()),
        gtins,
        unit: p.packaging_unit.as_deref().map(unit),
        // `active: false` is a deleted product; `deactivated` one switched off in the back office.
        active: p.active != Some(false) && p.deactivated != Some(true),
    })
}

/// An object of `prices` as a price update; deleted ones and ones without a value or
/// product are skipped.
pub fn price_update(
    p: &model::Price,
    currency: &str,
) -> Result<Option<PriceUpdate>, ConnectorError> {
    let (Some(value), Some(product_id)) = (p.value, p.product.as_ref().and_then(|r| r.id.clone()))
    else {
        return Ok(None);
    };
    if p.active == Some(false) {
        return Ok(None);
    }
    Ok(Some(PriceUpdate {
        product_id,
        price: money::money(money::from_major_f64(value, currency)?, currency),
        price_group: p.price_group.as_ref().and_then(|g| {
            g.id.clone()
                .or_else(|| g.number.clone())
                .or_else(|| g.name.clone())
        }),
        valid_from: p.valid_from.clone(),
    }))
}

// ---- sales → receipts ----------------------------------------------------------------------

/// The tax included in a gross amount at a rate: gross × r / (1 + r), rounded half away
/// from zero, in minor units.
pub fn included_tax(gross: i64, bps: u32) -> i64 {
    let denominator = 10_000 + i128::from(bps);
    let numerator = i128::from(gross.unsigned_abs()) * i128::from(bps);
    let tax = ((2 * numerator + denominator) / (2 * denominator)) as i64;
    if gross < 0 { -tax } else { tax }
}

fn major(amount: i64, currency: &str) -> Result<f64, ConnectorError> {
    money::to_major_f64(&money::money(amount, currency))
}

/// A BEEP! sale as a Korona receipt. Its `id` is the sale's id, so that a resend is the same
/// receipt to Korona; `externalReferences.beepSaleId` repeats it for people reading the
/// receipt in the back office.
pub fn receipt(
    sale: &Sale,
    point_of_sale_id: &str,
    currency: &str,
    payment_methods: &BTreeMap<String, String>,
) -> Result<model::Receipt, ConnectorError> {
    if !is_uuid(&sale.id) {
        return Err(internal(format!(
            "sale id {:?} is not a UUID, which Korona requires",
            sale.id
        )));
    }
    let check = |c: &str| {
        if c.eq_ignore_ascii_case(currency) {
            Ok(())
        } else {
            Err(invalid_config(format!(
                "sale {} is in {c}, the Korona account in {currency}",
                sale.id
            )))
        }
    };
    check(&sale.total.currency)?;
    let mut items = Vec::with_capacity(sale.lines.len());
    for line in &sale.lines {
        check(&line.total.currency)?;
        let tax = line
            .tax_rate_bps
            .map_or(0, |bps| included_tax(line.total.amount, bps));
        let gross = major(line.total.amount, currency)?;
        items.push(model::ReceiptItem {
            product: match (&line.product_id, &line.sku) {
                (Some(id), _) => Some(Ref::by_id(id)),
                (None, Some(sku)) => Some(Ref::by_number(sku)),
                (None, None) => None,
            },
            description: line.name.clone(),
            quantity: line.quantity,
            recognition_number: line.sku.clone(),
            total: model::TotalPrice {
                // Prices include the tax: base = gross (see `TotalPrice.base` in the spec).
                base: gross,
                gross,
                net: major(line.total.amount - tax, currency)?,
                tax_payments: match line.tax_rate_bps {
                    Some(bps) => vec![model::TaxPayment {
                        amount: major(tax, currency)?,
                        tax_rate: f64::from(bps) / 100.0,
                        included: true,
                    }],
                    None => vec![],
                },
            },
            booking_time: sale.created_at.clone(),
            kind: "PRODUCT",
        });
    }
    let mut payments = Vec::with_capacity(sale.payments.len());
    for p in &sale.payments {
        check(&p.amount.currency)?;
        payments.push(model::Payment {
            amount: major(p.amount.amount, currency)?,
            // Korona payment methods are objects of the account: by the configured number,
            // else by name.
            payment_method: match payment_methods.get(&p.method) {
                Some(number) => Ref::by_number(number),
                None => Ref {
                    name: Some(p.method.clone()),
                    ..Ref::default()
                },
            },
            transaction_token: p.reference.clone(),
            transaction_time: sale.created_at.clone(),
        });
    }
    Ok(model::Receipt {
        id: sale.id.to_ascii_lowercase(),
        number: sale.receipt_number.clone(),
        creation_time: sale.created_at.clone(),
        booking_time: sale.created_at.clone(),
        point_of_sale: Ref::by_id(point_of_sale_id),
        items,
        payments,
        external_references: BTreeMap::from([("beepSaleId".to_string(), sale.id.clone())]),
    })
}

/// Korona's answer for one receipt of a batch.
///
/// * `OK` + `ADDED`/`QUEUED`/`UPDATED`: created.
/// * `OK` + `NONE`: the receipt id exists already, nothing was written: a duplicate.
/// * `ERROR`: rejected with Korona's message, except a message saying the receipt already
///   exists, which is a duplicate too (the spec does not say how a resend is answered;
///   this covers both plausible answers).
pub fn push_outcome(r: &AddOrUpdateResult) -> PushOutcome {
    let status = r.status.as_deref().unwrap_or("OK");
    let action = r.action.as_deref().unwrap_or("ADDED");
    let message = r.message.clone().unwrap_or_default();
    match (status, action) {
        ("OK", "NONE") => PushOutcome::Duplicate(r.id.clone()),
        ("OK", _) => PushOutcome::Created(r.id.clone()),
        _ if message.to_ascii_lowercase().contains("already exist") => {
            PushOutcome::Duplicate(r.id.clone())
        }
        // The batch answer is a 200; the item was refused like a 400 would refuse it alone.
        _ => PushOutcome::Rejected(upstream(
            400,
            if message.is_empty() {
                format!("{status} {action}")
            } else {
                message
            },
        )),
    }
}

/// Korona's error body (`{"message","code"}`) as one line.
pub fn error_message(body: &[u8]) -> Option<String> {
    let e: ErrorModel = serde_json::from_slice(body).ok()?;
    match (e.message, e.code) {
        (Some(m), Some(c)) => Some(format!("{m} ({c})")),
        (Some(m), None) => Some(m),
        (None, Some(c)) => Some(c),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::types::{Money, SaleLine, SalePayment};
    use serde_json::json;

    fn eur(amount: i64) -> Money {
        money::money(amount, "EUR")
    }

    /// `Money` has no `PartialEq` (generated bindings): compare as (amount, currency).
    fn m(money: &Option<Money>) -> Option<(i64, String)> {
        money.as_ref().map(|m| (m.amount, m.currency.clone()))
    }

    fn e(amount: i64) -> Option<(i64, String)> {
        Some((amount, "EUR".to_string()))
    }

    fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    fn ctx(sectors: &BTreeMap<String, u32>, now: Option<i64>) -> Ctx<'_> {
        Ctx {
            currency: "EUR",
            price_group: None,
            now,
            sectors,
        }
    }

    const STANDARD: &str = "00000003-0000-4000-8000-000000000001";
    const STAFF: &str = "00000003-0000-4000-8000-000000000002";

    fn korona_product() -> serde_json::Value {
        json!({
            "active": true, "id": "p-1", "revision": 12, "number": "1003", "name": "Cola 0.33 l",
            "commodityGroup": {"id": "g-1", "number": "1", "name": "Beverages"},
            "sector": {"id": "s-1", "number": "1", "name": "Standard rate"},
            "codes": [{"productCode": "4006381333931"}, {"productCode": "PLU-17"}],
            "prices": [
                {"value": 1.89, "validFrom": "2024-01-01T00:00:00Z", "priceGroup": {"id": STANDARD, "number": "1", "name": "Standard"}},
                {"value": 1.5, "validFrom": "2024-01-01T00:00:00Z", "priceGroup": {"id": STAFF, "number": "2", "name": "Staff"}},
                {"value": 1.99, "validFrom": "2025-01-01T01:00:00+01:00", "priceGroup": {"id": STANDARD, "number": "1", "name": "Standard"}},
                {"value": 2.19, "validFrom": "2099-01-01T00:00:00Z", "priceGroup": {"id": STANDARD}},
                {"value": 9.99, "productCode": "4006381333931", "priceGroup": {"id": STANDARD}}
            ],
            "deactivated": false, "packagingUnit": "PIECE"
        })
    }

    #[test]
    fn products_map_with_price_in_effect_tax_and_gtins() {
        let sectors = BTreeMap::from([("s-1".to_string(), 1900)]);
        let now = parse_timestamp("2026-06-01T12:00:00Z");
        let p = product(&parse(korona_product()), &ctx(&sectors, now)).unwrap();
        assert_eq!(p.external_id, "p-1");
        assert_eq!(p.sku.as_deref(), Some("1003"));
        assert_eq!(p.name, "Cola 0.33 l");
        assert_eq!(p.category_id.as_deref(), Some("g-1"));
        assert_eq!(m(&p.price), e(199));
        assert_eq!(p.tax_rate_bps, Some(1900));
        assert_eq!(p.gtins, vec!["4006381333931".to_string()]);
        assert_eq!(p.unit.as_deref(), Some("pc"));
        assert!(p.active);

        // Before the 2025 change the old price applies; without a clock the latest does.
        let before = parse_timestamp("2024-12-31T23:00:00Z");
        assert_eq!(
            m(&product(&parse(korona_product()), &ctx(&sectors, before))
                .unwrap()
                .price),
            e(189)
        );
        assert_eq!(
            m(&product(&parse(korona_product()), &ctx(&sectors, None))
                .unwrap()
                .price),
            e(219)
        );

        // A configured price group, by number or name.
        let mut staff = ctx(&sectors, now);
        staff.price_group = Some("2");
        assert_eq!(
            m(&product(&parse(korona_product()), &staff).unwrap().price),
            e(150)
        );
        staff.price_group = Some("Staff");
        assert_eq!(
            m(&product(&parse(korona_product()), &staff).unwrap().price),
            e(150)
        );
        staff.price_group = Some("nope");
        assert!(
            product(&parse(korona_product()), &staff)
                .unwrap()
                .price
                .is_none()
        );
    }

    #[test]
    fn inactive_deactivated_and_sparse_products() {
        let sectors = BTreeMap::new();
        let mut v = korona_product();
        v["deactivated"] = json!(true);
        assert!(!product(&parse(v), &ctx(&sectors, None)).unwrap().active);
        let sparse = product(
            &parse(json!({"id": "p-2", "active": false})),
            &ctx(&sectors, None),
        )
        .unwrap();
        assert!(!sparse.active);
        assert_eq!(sparse.name, "p-2");
        assert!(sparse.price.is_none() && sparse.tax_rate_bps.is_none() && sparse.unit.is_none());
        assert!(sparse.gtins.is_empty());
        // Unknown sector: no tax rate.
        assert_eq!(
            product(&parse(korona_product()), &ctx(&sectors, None))
                .unwrap()
                .tax_rate_bps,
            None
        );
        // JPY: no decimals.
        let mut yen = ctx(&sectors, None);
        yen.currency = "JPY";
        let mut v = korona_product();
        v["prices"] = json!([{"value": 150, "priceGroup": {"id": STANDARD}}]);
        assert_eq!(
            m(&product(&parse(v), &yen).unwrap().price),
            Some((150, "JPY".to_string()))
        );
    }

    #[test]
    fn taxes_sectors_and_categories() {
        let tax: model::SalesTax = parse(json!({"id": "t-1", "rates": [
            {"rate": 16, "validFrom": "2020-07-01T00:00:00+02:00"},
            {"rate": 19, "validFrom": "2021-01-01T00:00:00+01:00"},
            {"rate": 7.7, "validFrom": "2099-01-01T00:00:00Z"}
        ]}));
        assert_eq!(
            sales_tax_bps(&tax, parse_timestamp("2020-10-01")),
            Some(1600)
        );
        assert_eq!(
            sales_tax_bps(&tax, parse_timestamp("2026-01-01")),
            Some(1900)
        );
        assert_eq!(sales_tax_bps(&tax, None), Some(770));
        let taxes = BTreeMap::from([("t-1".to_string(), 1900), ("t-2".to_string(), 250)]);
        let sector: model::Sector = parse(json!({"id": "s", "salesTaxes": [
            {"index": 0, "salesTax": {"id": "t-1"}}, {"index": 1, "salesTax": {"id": "t-2"}}
        ]}));
        assert_eq!(sector_bps(&sector, &taxes), Some(2150));
        let unknown: model::Sector =
            parse(json!({"id": "s", "salesTaxes": [{"salesTax": {"id": "x"}}]}));
        assert_eq!(sector_bps(&unknown, &taxes), None);

        let group: CommodityGroup = parse(
            json!({"id": "g-5", "number": "5", "name": "Hot Drinks", "parentCommodityGroup": {"id": "g-1"}}),
        );
        let c = category(&group).unwrap();
        assert_eq!(
            (
                c.external_id.as_str(),
                c.name.as_str(),
                c.parent_id.as_deref()
            ),
            ("g-5", "Hot Drinks", Some("g-1"))
        );
        let deleted: CommodityGroup = parse(json!({"id": "g-6", "active": false}));
        assert!(category(&deleted).is_none());
    }

    #[test]
    fn prices_map_to_price_updates() {
        let p: model::Price = parse(json!({
            "active": true, "id": "pr-1", "revision": 60, "number": "1", "value": 2.49,
            "validFrom": "2025-01-01T00:00:00Z",
            "priceGroup": {"id": STANDARD, "number": "1", "name": "Standard"},
            "product": {"id": "p-1", "number": "1003"}
        }));
        let u = price_update(&p, "EUR").unwrap().unwrap();
        assert_eq!(u.product_id, "p-1");
        assert_eq!(m(&Some(u.price)), e(249));
        assert_eq!(u.price_group.as_deref(), Some(STANDARD));
        assert_eq!(u.valid_from.as_deref(), Some("2025-01-01T00:00:00Z"));
        let deleted: model::Price =
            parse(json!({"id": "x", "active": false, "value": 1, "product": {"id": "p"}}));
        assert!(price_update(&deleted, "EUR").unwrap().is_none());
        let orphan: model::Price = parse(json!({"id": "x", "value": 1}));
        assert!(price_update(&orphan, "EUR").unwrap().is_none());
    }

    fn sale() -> Sale {
        Sale {
            id: "0190F5A2-7C3B-7D4E-8F60-123456789ABC".into(),
            receipt_number: "B-17".into(),
            lines: vec![
                SaleLine {
                    product_id: Some("p-1".into()),
                    sku: Some("1003".into()),
                    name: "Cola 0.33 l".into(),
                    quantity: 2.0,
                    unit_price: eur(199),
                    total: eur(398),
                    tax_rate_bps: Some(1900),
                },
                SaleLine {
                    product_id: None,
                    sku: None,
                    name: "Deposit".into(),
                    quantity: 2.0,
                    unit_price: eur(25),
                    total: eur(50),
                    tax_rate_bps: None,
                },
            ],
            total: eur(448),
            tax_total: Some(eur(64)),
            payments: vec![SalePayment {
                method: "card".into(),
                amount: eur(448),
                reference: Some("pi_123".into()),
            }],
            created_at: "2026-05-01T10:00:00Z".into(),
        }
    }

    #[test]
    fn sales_map_to_receipts() {
        let methods = BTreeMap::from([("card".to_string(), "3".to_string())]);
        let r = receipt(&sale(), "pos-1", "EUR", &methods).unwrap();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["id"], "0190f5a2-7c3b-7d4e-8f60-123456789abc");
        assert_eq!(v["number"], "B-17");
        assert_eq!(v["pointOfSale"], json!({"id": "pos-1"}));
        assert_eq!(
            v["externalReferences"]["beepSaleId"],
            "0190F5A2-7C3B-7D4E-8F60-123456789ABC"
        );
        assert_eq!(v["bookingTime"], "2026-05-01T10:00:00Z");
        let item = &v["items"][0];
        assert_eq!(item["product"], json!({"id": "p-1"}));
        assert_eq!(item["quantity"], 2.0);
        assert_eq!(item["type"], "PRODUCT");
        assert_eq!(item["recognitionNumber"], "1003");
        assert_eq!(
            item["total"],
            json!({"base": 3.98, "gross": 3.98, "net": 3.34, "taxPayments": [{"amount": 0.64, "taxRate": 19.0, "included": true}]})
        );
        let deposit = &v["items"][1];
        assert!(deposit.get("product").is_none());
        assert_eq!(deposit["total"]["taxPayments"], json!([]));
        assert_eq!(
            v["payments"][0],
            json!({"amount": 4.48, "paymentMethod": {"number": "3"}, "transactionToken": "pi_123", "transactionTime": "2026-05-01T10:00:00Z"})
        );
        // Unmapped methods go by name.
        let r = receipt(&sale(), "pos-1", "EUR", &BTreeMap::new()).unwrap();
        assert_eq!(r.payments[0].payment_method.name.as_deref(), Some("card"));
    }

    #[test]
    fn sales_that_cannot_be_receipts() {
        let mut s = sale();
        s.id = "sale-17".into();
        assert!(matches!(
            receipt(&s, "pos", "EUR", &BTreeMap::new()),
            Err(ConnectorError::Internal(_))
        ));
        let mut s = sale();
        s.total = money::money(448, "USD");
        assert!(matches!(
            receipt(&s, "pos", "EUR", &BTreeMap::new()),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }

    #[test]
    fn included_tax_rounds_half_away_from_zero() {
        assert_eq!(included_tax(398, 1900), 64); // 63.55
        assert_eq!(included_tax(-398, 1900), -64);
        assert_eq!(included_tax(107, 700), 7);
        assert_eq!(included_tax(0, 1900), 0);
        assert_eq!(included_tax(1000, 0), 0);
    }

    #[test]
    fn batch_answers_map_to_push_outcomes() {
        let r = |v| parse::<AddOrUpdateResult>(v);
        assert!(
            matches!(push_outcome(&r(json!({"id": "a", "status": "OK", "action": "ADDED"}))), PushOutcome::Created(Some(id)) if id == "a")
        );
        assert!(matches!(
            push_outcome(&r(json!({"id": "a", "status": "OK", "action": "QUEUED"}))),
            PushOutcome::Created(_)
        ));
        assert!(
            matches!(push_outcome(&r(json!({"id": "a", "status": "OK", "action": "NONE"}))), PushOutcome::Duplicate(Some(id)) if id == "a")
        );
        assert!(matches!(
            push_outcome(&r(
                json!({"id": "a", "status": "ERROR", "message": "receipt already exists"})
            )),
            PushOutcome::Duplicate(_)
        ));
        match push_outcome(&r(
            json!({"status": "ERROR", "action": "NONE", "message": "NUMBER_ALREADY_IN_USE: number B-2"}),
        )) {
            PushOutcome::Rejected(ConnectorError::Upstream(e)) => {
                assert_eq!(e.status, 400);
                assert!(e.message.contains("NUMBER_ALREADY_IN_USE"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_message(br#"{"code":"DAILY_LIMIT_EXCEEDED","message":"daily limit exceeded"}"#)
                .as_deref(),
            Some("daily limit exceeded (DAILY_LIMIT_EXCEEDED)")
        );
        assert_eq!(
            error_message(br#"{"message":"bad auth"}"#).as_deref(),
            Some("bad auth")
        );
        assert_eq!(error_message(b"<html>"), None);
    }
}

//! The spec's JSON shapes of the stored objects.

use serde::Serialize;

use super::BASE_VALID_FROM;
use super::answers::cents;
use super::model::{Account, Named, Price, Product};

#[derive(Serialize)]
pub(super) struct Ref<'a> {
    id: &'a str,
    number: &'a str,
    name: &'a str,
}

impl<'a> From<&'a Named> for Ref<'a> {
    fn from(n: &'a Named) -> Self {
        Ref {
            id: &n.id,
            number: &n.number,
            name: &n.name,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SalesTaxView<'a> {
    pub(super) active: bool,
    pub(super) id: &'a str,
    pub(super) revision: u64,
    pub(super) number: &'a str,
    pub(super) name: &'a str,
    pub(super) included: bool,
    pub(super) rates: [RateView; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RateView {
    pub(super) rate: f64,
    pub(super) valid_from: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SectorView<'a> {
    pub(super) active: bool,
    pub(super) id: &'a str,
    pub(super) revision: u64,
    pub(super) number: &'a str,
    pub(super) name: &'a str,
    pub(super) sales_taxes: [SectorTaxView<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SectorTaxView<'a> {
    pub(super) index: u32,
    pub(super) sales_tax: Ref<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PriceGroupView<'a> {
    pub(super) active: bool,
    pub(super) id: &'a str,
    pub(super) revision: u64,
    pub(super) number: &'a str,
    pub(super) name: &'a str,
    pub(super) currency: CurrencyRef,
    pub(super) net_prices: bool,
}

#[derive(Serialize)]
pub(super) struct CurrencyRef {
    id: &'static str,
    number: &'static str,
    name: &'static str,
}

pub(super) const EUR: CurrencyRef = CurrencyRef {
    id: "00000008-0000-4000-8000-000000000001",
    number: "1",
    name: "Euro",
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GroupView<'a> {
    pub(super) active: bool,
    pub(super) id: &'a str,
    pub(super) revision: u64,
    pub(super) number: &'a str,
    pub(super) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) parent_commodity_group: Option<Ref<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeView<'a> {
    product_code: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductPriceView<'a> {
    value: f64,
    valid_from: &'a str,
    price_group: Ref<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProductView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    name: &'a str,
    commodity_group: Ref<'a>,
    sector: Ref<'a>,
    codes: Vec<CodeView<'a>>,
    prices: Vec<ProductPriceView<'a>>,
    deactivated: bool,
    discountable: bool,
    price_changable: bool,
    track_inventory: bool,
    packaging_unit: &'a str,
    listed: bool,
    listed_since: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PriceView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    value: f64,
    valid_from: &'a str,
    price_group: Ref<'a>,
    product: Ref<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PosView<'a> {
    pub(super) active: bool,
    pub(super) id: &'a str,
    pub(super) revision: u64,
    pub(super) number: &'a str,
    pub(super) name: &'a str,
    pub(super) external: bool,
}

impl Account {
    pub(super) fn product_view<'a>(&'a self, p: &'a Product) -> ProductView<'a> {
        let standard = &self.price_groups[0].base;
        let mut prices = Vec::with_capacity(1 + p.prices.len());
        prices.push(ProductPriceView {
            value: cents(p.base_price),
            valid_from: BASE_VALID_FROM,
            price_group: standard.into(),
        });
        for &i in &p.prices {
            let price = &self.prices[i];
            prices.push(ProductPriceView {
                value: cents(price.value),
                valid_from: &price.valid_from,
                price_group: (&self.price_groups[price.price_group].base).into(),
            });
        }
        ProductView {
            active: true,
            id: &p.id,
            revision: p.revision,
            number: &p.number,
            name: &p.name,
            commodity_group: (&self.groups[p.group].base).into(),
            sector: (&self.sectors[p.sector].base).into(),
            codes: p
                .codes
                .iter()
                .map(|c| CodeView { product_code: c })
                .collect(),
            prices,
            deactivated: p.deactivated,
            discountable: true,
            price_changable: false,
            track_inventory: true,
            packaging_unit: p.packaging_unit,
            listed: true,
            listed_since: BASE_VALID_FROM,
        }
    }

    pub(super) fn price_view<'a>(&'a self, price: &'a Price) -> PriceView<'a> {
        let product = &self.products[price.product];
        PriceView {
            active: true,
            id: &price.id,
            revision: price.revision,
            number: &price.number,
            value: cents(price.value),
            valid_from: &price.valid_from,
            price_group: (&self.price_groups[price.price_group].base).into(),
            product: Ref {
                id: &product.id,
                number: &product.number,
                name: &product.name,
            },
        }
    }
}

//! What a payout is made of, summed from a vendor's settlement lines. Every connector
//! that lists payouts adds its lines to [`Totals`] by kind, then takes the vendor's own
//! payout amount as authoritative: whatever is neither a sale, a refund, a chargeback
//! nor a fee is an adjustment, so `amount = sales - refunds - chargebacks - fees +
//! adjustments` holds for every payout the contract carries.

use crate::types::{Money, Payout, PayoutStatus};

/// A payout's parts, in minor units of one currency.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    pub sales: i64,
    pub refunds: i64,
    pub chargebacks: i64,
    pub fees: i64,
}

/// One payout as the vendor states it, before its parts are known.
pub struct Statement {
    pub provider_reference: String,
    pub status: PayoutStatus,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
    pub created_at: String,
    pub arrival_date: Option<String>,
}

impl Totals {
    /// What the sales, refunds, chargebacks and fees leave to pay out.
    pub fn net(&self) -> i64 {
        self.sales - self.refunds - self.chargebacks - self.fees
    }

    /// The payout, with the difference between the vendor's amount and [`Totals::net`]
    /// as its adjustments.
    pub fn payout(&self, statement: Statement) -> Payout {
        let currency = statement.currency.to_ascii_uppercase();
        let money = |amount: i64| Money {
            amount,
            currency: currency.clone(),
        };
        Payout {
            provider_reference: statement.provider_reference,
            status: statement.status,
            amount: money(statement.amount),
            sales: money(self.sales),
            refunds: money(self.refunds),
            chargebacks: money(self.chargebacks),
            fees: money(self.fees),
            adjustments: money(statement.amount - self.net()),
            created_at: statement.created_at,
            arrival_date: statement.arrival_date,
        }
    }
}

/// Whether a payout can still change (the next fetch must see it again).
pub fn is_final(status: PayoutStatus) -> bool {
    matches!(
        status,
        PayoutStatus::Paid | PayoutStatus::Failed | PayoutStatus::Canceled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_is_an_adjustment() {
        let totals = Totals {
            sales: 10_000,
            refunds: 1_000,
            chargebacks: 2_000,
            fees: 300,
        };
        let payout = totals.payout(Statement {
            provider_reference: "po_1".into(),
            status: PayoutStatus::Paid,
            amount: 6_500,
            currency: "eur".into(),
            created_at: "2026-12-07T00:00:00Z".into(),
            arrival_date: None,
        });
        assert_eq!(payout.amount.currency, "EUR");
        assert_eq!(payout.adjustments.amount, -200);
        let p = &payout;
        assert_eq!(
            p.sales.amount - p.refunds.amount - p.chargebacks.amount - p.fees.amount
                + p.adjustments.amount,
            p.amount.amount
        );
        assert!(is_final(PayoutStatus::Paid));
        assert!(!is_final(PayoutStatus::InTransit));
    }
}

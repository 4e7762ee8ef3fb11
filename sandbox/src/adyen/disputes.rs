//! Dispute notifications: a test hook plays the scheme, sending the notification Adyen
//! sends at each stage of a dispute (`REQUEST_FOR_INFORMATION`,
//! `NOTIFICATION_OF_CHARGEBACK`, `CHARGEBACK`, `CHARGEBACK_REVERSED`,
//! `SECOND_CHARGEBACK`), with the chargeback's reason code and the end of the defence
//! period in `additionalData`, as docs.adyen.com describes dispute notifications.

use super::{SimState, new_psp};
use crate::kit::time::{RFC3339_Z, now_secs, utc};
use serde_json::Value;

/// The stages a dispute notification may be.
const STAGES: [&str; 5] = [
    "REQUEST_FOR_INFORMATION",
    "NOTIFICATION_OF_CHARGEBACK",
    "CHARGEBACK",
    "CHARGEBACK_REVERSED",
    "SECOND_CHARGEBACK",
];

/// Days the merchant has to defend (Adyen's default for most schemes).
const DEFENCE_DAYS: i64 = 10;

impl SimState {
    /// Sends the dispute notification of `stage` for payment `psp`, in full; answers it.
    pub(super) fn dispute(&mut self, psp: &str, stage: &str) -> Result<Value, String> {
        if !STAGES.contains(&stage) {
            return Err(format!("stage must be one of {}", STAGES.join(", ")));
        }
        let idx = *self
            .payment_index
            .get(psp)
            .ok_or_else(|| format!("no payment {psp}"))?;
        let p = self.payments[idx].clone();
        if p.captured == 0 {
            return Err(format!("payment {psp} has nothing captured to dispute"));
        }
        let defence_ends = utc(now_secs() + DEFENCE_DAYS * 86_400, RFC3339_Z);
        let extra = [
            ("chargebackReasonCode", "10.4"),
            ("chargebackSchemeCode", "visa"),
            ("defensePeriodEndsAt", defence_ends.as_str()),
        ];
        let reference = p.reference.clone();
        // The money moves when the scheme decides (Adyen books it in the next batch).
        if matches!(
            stage,
            "CHARGEBACK" | "SECOND_CHARGEBACK" | "CHARGEBACK_REVERSED"
        ) {
            self.chargebacks.push(super::settlements::Chargeback {
                psp: psp.to_string(),
                amount: p.captured,
                currency: p.currency.clone(),
                reversal: stage == "CHARGEBACK_REVERSED",
            });
        }
        self.notify(
            stage,
            &new_psp(),
            Some(psp),
            &p,
            &reference,
            (p.captured, &p.currency),
            true,
            Some("Other Fraud-Card Absent Environment"),
            &extra,
        );
        Ok(self.notifications.last().cloned().unwrap_or(Value::Null))
    }
}

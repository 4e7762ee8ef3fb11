//! The test payment tokens a PSP simulator knows, listed for merchants by
//! `GET /api/v1/sandbox`: what to put in `paymentMethod` to see each outcome.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestToken {
    /// What to send as `paymentMethod`.
    pub token: &'static str,
    /// The payment's status once BEEP! has the vendor's answer (`succeeded`, `failed`,
    /// `requires_action`, `pending`, `canceled`, `authorized`).
    pub outcome: &'static str,
    /// What the vendor does with it, in a few words.
    pub what: &'static str,
}

pub const fn token(token: &'static str, outcome: &'static str, what: &'static str) -> TestToken {
    TestToken {
        token,
        outcome,
        what,
    }
}

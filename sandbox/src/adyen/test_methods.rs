//! Adyen's test payment methods and what paying with each of them does.

use super::errors::ApiError;
use super::model::ResultCode;
use serde_json::{Map, Value};

// ---- test payment methods -----------------------------------------------------------------

/// What a test payment method does, by `storedPaymentMethodId`.
/// `refusalReason` and `refusalReasonCode` of a refused or failed payment.
pub(super) type Refusal = Option<(&'static str, &'static str)>;

pub(super) const TEST_TOKENS: &[(&str, ResultCode, Refusal)] = &[
    ("adyen_test_authorised", ResultCode::Authorised, None),
    (
        "adyen_test_refused",
        ResultCode::Refused,
        Some(("Refused", "2")),
    ),
    (
        "adyen_test_insufficient_funds",
        ResultCode::Refused,
        Some(("Not enough balance", "12")),
    ),
    (
        "adyen_test_error",
        ResultCode::Error,
        Some(("Acquirer Error", "4")),
    ),
    ("adyen_test_cancelled", ResultCode::Cancelled, None),
    ("adyen_test_pending", ResultCode::Pending, None),
    ("adyen_test_received", ResultCode::Received, None),
    ("adyen_test_3ds", ResultCode::RedirectShopper, None),
    (
        "adyen_test_3ds2_challenge",
        ResultCode::ChallengeShopper,
        None,
    ),
    (
        "adyen_test_3ds2_identify",
        ResultCode::IdentifyShopper,
        None,
    ),
];

/// Adyen's 3-D Secure test cards, as test-mode encrypted placeholders.
const THREE_DS_TEST_CARDS: &[&str] = &[
    "test_5454545454545454",
    "test_4917610000000000",
    "test_4212345678910006",
];

/// The outcome and brand of a `paymentMethod` object, or a 422.
pub(super) fn outcome_of(
    pm: &Map<String, Value>,
) -> Result<(ResultCode, Refusal, String), ApiError> {
    let kind = pm.get("type").and_then(Value::as_str).unwrap_or("scheme");
    let stored = pm
        .get("storedPaymentMethodId")
        .or_else(|| pm.get("recurringDetailReference"))
        .and_then(Value::as_str);
    if let Some(id) = stored {
        return TEST_TOKENS
            .iter()
            .find(|(t, _, _)| *t == id)
            .map(|(_, code, refusal)| (*code, *refusal, "visa".to_string()))
            .ok_or_else(|| ApiError::validation("803", "PaymentDetail not found"));
    }
    match kind {
        "scheme" | "card" => {
            let number = pm
                .get("encryptedCardNumber")
                .or_else(|| pm.get("number"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let digits = number.trim_start_matches("test_");
            let brand = match digits.chars().next() {
                Some('5') | Some('2') => "mc",
                Some('3') => "amex",
                _ => "visa",
            };
            if number.is_empty() && pm.get("encryptedCard").is_none() {
                return Err(ApiError::validation("101", "Invalid card number"));
            }
            let code = if THREE_DS_TEST_CARDS.contains(&number) {
                ResultCode::RedirectShopper
            } else {
                ResultCode::Authorised
            };
            Ok((code, None, brand.to_string()))
        }
        other => Ok((ResultCode::RedirectShopper, None, other.to_string())),
    }
}

//! Stripe's test payment methods and what confirming with each of them does.

// ---- test payment methods ---------------------------------------------------------------

#[derive(Debug)]
pub(super) enum CardOutcome {
    Succeed,
    /// `code`, `decline_code` (for issuer declines), message, param.
    Decline(
        &'static str,
        Option<&'static str>,
        &'static str,
        Option<&'static str>,
    ),
    /// 3-D Secure required (on-session: `requires_action`; off-session: declined).
    Authenticate,
    /// The charge succeeds, then the shopper's bank disputes it as fraudulent.
    Dispute,
}

#[derive(Debug)]
pub(super) struct TestCard {
    pm: &'static str,
    pub(super) brand: &'static str,
    pub(super) last4: &'static str,
    pub(super) funding: &'static str,
    pub(super) outcome: CardOutcome,
}

const DECLINED: &str = "Your card was declined.";

/// Stripe's test PaymentMethods (docs.stripe.com/testing). Real Stripe clones the test PM
/// into a fresh `pm_…` for each use; so does the simulator.
static TEST_CARDS: &[TestCard] = &[
    card(
        "pm_card_createDispute",
        "visa",
        "0259",
        "credit",
        CardOutcome::Dispute,
    ),
    card(
        "pm_card_visa",
        "visa",
        "4242",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_visa_debit",
        "visa",
        "5556",
        "debit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_mastercard",
        "mastercard",
        "4444",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_mastercard_debit",
        "mastercard",
        "8210",
        "debit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_mastercard_prepaid",
        "mastercard",
        "5100",
        "prepaid",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_amex",
        "amex",
        "8431",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_discover",
        "discover",
        "1117",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_diners",
        "diners",
        "0004",
        "credit",
        CardOutcome::Succeed,
    ),
    card("pm_card_jcb", "jcb", "0000", "credit", CardOutcome::Succeed),
    card(
        "pm_card_unionpay",
        "unionpay",
        "0005",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_threeDSecureOptional",
        "visa",
        "3055",
        "credit",
        CardOutcome::Succeed,
    ),
    card(
        "pm_card_threeDSecure2Required",
        "visa",
        "3220",
        "credit",
        CardOutcome::Authenticate,
    ),
    card(
        "pm_card_threeDSecureRequired",
        "visa",
        "3063",
        "credit",
        CardOutcome::Authenticate,
    ),
    card(
        "pm_card_authenticationRequired",
        "visa",
        "3184",
        "credit",
        CardOutcome::Authenticate,
    ),
    card(
        "pm_card_chargeDeclined",
        "visa",
        "0002",
        "credit",
        CardOutcome::Decline("card_declined", Some("generic_decline"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedInsufficientFunds",
        "visa",
        "9995",
        "credit",
        CardOutcome::Decline(
            "card_declined",
            Some("insufficient_funds"),
            "Your card has insufficient funds.",
            None,
        ),
    ),
    card(
        "pm_card_chargeDeclinedLostCard",
        "visa",
        "9987",
        "credit",
        CardOutcome::Decline("card_declined", Some("lost_card"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedStolenCard",
        "visa",
        "9979",
        "credit",
        CardOutcome::Decline("card_declined", Some("stolen_card"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedFraudulent",
        "visa",
        "0019",
        "credit",
        CardOutcome::Decline("card_declined", Some("fraudulent"), DECLINED, None),
    ),
    card(
        "pm_card_chargeDeclinedExpiredCard",
        "visa",
        "0069",
        "credit",
        CardOutcome::Decline(
            "expired_card",
            None,
            "Your card has expired.",
            Some("exp_month"),
        ),
    ),
    card(
        "pm_card_chargeDeclinedIncorrectCvc",
        "visa",
        "0127",
        "credit",
        CardOutcome::Decline(
            "incorrect_cvc",
            None,
            "Your card's security code is incorrect.",
            Some("cvc"),
        ),
    ),
    card(
        "pm_card_chargeDeclinedProcessingError",
        "visa",
        "0119",
        "credit",
        CardOutcome::Decline(
            "processing_error",
            None,
            "An error occurred while processing your card. Try again in a little bit.",
            None,
        ),
    ),
];

const fn card(
    pm: &'static str,
    brand: &'static str,
    last4: &'static str,
    funding: &'static str,
    outcome: CardOutcome,
) -> TestCard {
    TestCard {
        pm,
        brand,
        last4,
        funding,
        outcome,
    }
}

pub(super) fn test_card(pm: &str) -> Option<&'static TestCard> {
    TEST_CARDS.iter().find(|c| c.pm == pm)
}

